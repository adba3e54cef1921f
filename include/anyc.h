/* anyc.h — the structured-concurrency runtime's public API (libanyc).
 *
 * anyc runs tasks as stackful coroutines on one libuv loop thread and gives them Trio's
 * and AnyIO's structure: task groups (nurseries) that always wait for their children,
 * cancel scopes with deadlines and shields, level-triggered cancellation, memory
 * channels, sync primitives, worker threads and TCP streams.  The contract for every
 * declaration below is ../shared/spec/runtime.md; this header is the API reference.
 *
 * Conventions (the same for every function):
 *  - Functions that can fail return int: 0 on success, a negative errno on failure
 *    (libuv's convention; libuv codes pass through unchanged).  anyc_strerror() names them.
 *  - A "checkpoint" is a cancel point and a schedule point: it returns -ECANCELED at
 *    once, doing nothing, when the calling task's effective cancel state is cancelled,
 *    and it lets other ready tasks run.  Checkpoints are warn_unused_result.
 *  - Task-only functions called outside anyc_run() return -EPERM.
 *  - Groups, scopes and sync objects are caller-allocated: declare them in your frame or
 *    struct.  Their layout is private (opaque storage checked by _Static_assert inside
 *    the library).  No allocation happens to open a scope or a group.
 *  - Thread: unless a comment says otherwise, call only from a task on the loop thread
 *    that runs anyc_run().
 */
#ifndef ANYC_H
#define ANYC_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define ANYC_EXTERN __attribute__((visibility("default")))
#define ANYC_CHECKPOINT __attribute__((warn_unused_result))
#define ANYC_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define ANYC_EXTERN
#define ANYC_CHECKPOINT
#define ANYC_PRINTF(f, a)
#endif

#define ANYC_VERSION_MAJOR 0
#define ANYC_VERSION_MINOR 1
#define ANYC_VERSION_PATCH 0

/* End of a channel or stream.  A negative value distinct from every errno; the same
 * value as libuv's UV_EOF so stream code can pass libuv's result through. */
#define ANYC_EOF (-4095)

/* ---- Running ------------------------------------------------------------------ */

/* A task body: returns 0, or a negative errno (its failure). */
typedef int (*anyc_fn)(void *arg);

/*
 * Run `main` as the first task on a fresh loop and return when it and every task it
 * started have finished.
 *
 * Returns: main's status.  Errors: -EBUSY when called from inside a task (runs are not
 *   nested), -ENOMEM when the runtime cannot be set up, -EINVAL when main is NULL.
 * Blocks: yes (the calling thread runs the loop).  Cancellation point: no.
 * Thread: any thread not already inside anyc_run().
 */
ANYC_EXTERN int anyc_run(anyc_fn main, void *arg);

typedef struct anyc_config {
  size_t stack_size;          /* per task, 0 = default: 128 KiB (512 KiB under ASan) */
  int mock_clock;             /* 1 = virtual time that only moves by autojump */
  double autojump_threshold;  /* with mock_clock: real idle seconds before time jumps to
                                 the next deadline; 0 = jump as soon as every task is
                                 blocked */
} anyc_config;

/*
 * anyc_run() with settings.  `cfg` may be NULL (defaults).  A stack_size below 16 KiB
 * is raised to 16 KiB and rounded up to whole pages.
 * Returns / Blocks / Thread: as anyc_run().  Errors: also -EINVAL for a negative or NaN
 *   autojump_threshold.
 */
ANYC_EXTERN int anyc_run_with(const anyc_config *cfg, anyc_fn main, void *arg);

/*
 * The loop's clock in seconds (monotonic; virtual under mock_clock).  All deadlines are
 * on this clock.  Outside anyc_run() it returns the real monotonic clock.
 * Blocks: no.  Cancellation point: no.  Thread: the loop thread.
 */
ANYC_EXTERN double anyc_now(void);

/*
 * A static string naming `code`: any negative errno, ANYC_EOF, libuv's codes and the
 * legacy layer's AS_E* codes.  Never NULL.  Blocks: no.  Thread: any.
 */
ANYC_EXTERN const char *anyc_strerror(int code);

/* ---- Task groups (nurseries) ---------------------------------------------------- */

/* Caller-allocated; contents private. */
typedef struct anyc_group {
  uint64_t anyc_private_[40];
} anyc_group;

/*
 * Open a task group in the current task.  The group's cancel scope encloses the body
 * (the code up to anyc_group_close), as a Trio nursery's does, and children inherit the
 * cancel scopes active now, not those active at spawn time.
 * Returns: 0.  Errors: -EPERM outside a task, -EINVAL for a NULL group.
 * Blocks: no.  Cancellation point: no (an open group never fails for cancellation).
 */
ANYC_EXTERN int anyc_group_open(anyc_group *g);

/*
 * Queue `fn(arg)` as a child of `g` (FIFO).  It runs once the caller reaches a
 * checkpoint.  Any task may spawn into a group that is open or still closing.
 * Returns: 0.  Errors: -EINVAL once the group has finished closing (or was never
 *   opened), -ENOMEM when out of memory, -EPERM outside anyc_run().
 * Blocks: no.  Cancellation point: no.
 */
ANYC_EXTERN int anyc_start_soon(anyc_group *g, anyc_fn fn, void *arg);

/* anyc_start_soon() with a task name (copied; NULL = "task<id>").  Same errors. */
ANYC_EXTERN int anyc_start_soon_named(anyc_group *g, const char *name, anyc_fn fn,
                                      void *arg);

typedef struct anyc_task_status anyc_task_status;
typedef int (*anyc_start_fn)(void *arg, anyc_task_status *status);

/*
 * Run `fn(arg, status)` as a new task and wait until it calls anyc_started(status, v);
 * then store v in *started_value (if not NULL) and return 0: the task lives on in `g`.
 * Until then the new task runs inside the caller's cancel scopes.
 * Returns: 0.  Errors: the task's own status if it returns before anyc_started()
 *   (to the caller only, not to the group); -EINVAL if it returned 0 without starting or
 *   `g` is closed; -ECANCELED when the caller is cancelled and the task ends with it;
 *   -ENOMEM; -EPERM outside a task.
 * Blocks: yes.  Cancellation point: through the new task only (as Trio's start()).
 */
ANYC_CHECKPOINT ANYC_EXTERN int anyc_start(anyc_group *g, anyc_start_fn fn, void *arg,
                                           void **started_value);

/*
 * Report that the task started by anyc_start() is ready: wake the anyc_start() caller
 * with `value` and move the task into its target group.  If the caller's scope is
 * cancelled by then, the task stays under anyc_start() until it finishes (Trio).
 * Calling it twice for one status aborts with a message naming the task.
 * Blocks: no.  Cancellation point: no.  Thread: the started task.
 */
ANYC_EXTERN void anyc_started(anyc_task_status *status, void *value);

/* Cancel the group's scope: every child and the body see -ECANCELED at their next
 * checkpoint.  Idempotent.  Blocks: no.  Cancellation point: no.  Thread: any task. */
ANYC_EXTERN void anyc_group_cancel(anyc_group *g);

/*
 * Leave the group (Python's __aexit__).  `body_status` is what the body produced:
 * non-zero (other than a cancellation) is an error of the body and cancels the children.
 * Then wait for every child (children may still spawn siblings meanwhile).
 * Returns: the first error in time (body or child); else -ECANCELED if the body or a
 *   child ended with -ECANCELED because an enclosing scope is cancelled; else 0 (a
 *   cancellation of the group's own scope is caught).  After a non-zero close,
 *   anyc_error_count()/anyc_error_at() describe every error.
 * Errors: -EPERM outside a task, -EINVAL for a group that is not open.  Closing a group
 *   that is not the current task's innermost scope aborts with a message.
 * Blocks: until the children finish.  Cancellation point: no (a schedule point only).
 */
ANYC_CHECKPOINT ANYC_EXTERN int anyc_group_close(anyc_group *g, int body_status);

/*
 * Attach a message (printf format) to the current task's failure and return `code`:
 *   return anyc_fail(-EIO, "peer %s gone", id);
 * The message is reported with the next error this task produces (its return value, or
 * the body status it passes to anyc_group_close).  Blocks: no.  Thread: a task, or a
 * function run by anyc_to_thread: when it returns an error the message becomes the
 * caller's, as an exception raised in the thread would be (an extension of the spec).
 */
ANYC_EXTERN int anyc_fail(int code, const char *fmt, ...) ANYC_PRINTF(2, 3);

typedef struct anyc_error_info {
  int code;             /* the negative errno the task produced */
  const char *task;     /* name of the task that produced it (the owner, for the body) */
  const char *message;  /* its anyc_fail() message, or NULL */
} anyc_error_info;

/* Errors of the last group the current task closed (task-local, errno-like): valid until
 * the task closes another group.  0 outside a task.  Blocks: no. */
ANYC_EXTERN size_t anyc_error_count(void);

/* Describe error `i` (in order of occurrence).  Strings live as long as the record.
 * Returns: 0.  Errors: -ERANGE past the end, -EINVAL for a NULL out, -EPERM outside a task. */
ANYC_EXTERN int anyc_error_at(size_t i, anyc_error_info *out);

/* ---- Cancel scopes and timeouts ------------------------------------------------- */

typedef struct anyc_scope {
  uint64_t anyc_private_[16];
} anyc_scope;

/*
 * Open a cancel scope in the current task, innermost of its chain.  Scopes close in
 * reverse order of opening (anything else aborts with a message naming the task), and
 * opening one that is still open aborts too; closed storage may be opened again.
 * anyc_move_on_after/_at give it a deadline; reaching it cancels the scope.
 * anyc_fail_after/_at do the same, and the close reports -ETIMEDOUT when the deadline
 * caught the cancellation.
 * Returns: 0.  Errors: -EPERM outside a task; -EINVAL for NULL, a NaN deadline, or a
 *   negative or NaN relative delay (a negative absolute deadline is allowed and cancels
 *   the scope at once).
 * Blocks: no.  Cancellation point: no.
 */
ANYC_EXTERN int anyc_scope_open(anyc_scope *s);
ANYC_EXTERN int anyc_move_on_after(anyc_scope *s, double seconds);
ANYC_EXTERN int anyc_move_on_at(anyc_scope *s, double deadline);
ANYC_EXTERN int anyc_fail_after(anyc_scope *s, double seconds);
ANYC_EXTERN int anyc_fail_at(anyc_scope *s, double deadline);

/* Cancel the scope (idempotent); blocked tasks inside it are woken with -ECANCELED.
 * Blocks: no.  Cancellation point: no.  Thread: any task. */
ANYC_EXTERN void anyc_scope_cancel(anyc_scope *s);

/* Move the deadline (absolute, anyc_now() clock; +INFINITY = none).  A deadline already
 * passed cancels the scope now.  Blocks: no. */
ANYC_EXTERN void anyc_scope_set_deadline(anyc_scope *s, double deadline);

/* The scope's deadline (+INFINITY if none).  Blocks: no.  (Extension.) */
ANYC_EXTERN double anyc_scope_deadline(const anyc_scope *s);

/* Shield the scope from outer cancellation (its own cancel and deadline still apply).
 * Clearing the shield re-delivers a pending outer cancellation at once.  Blocks: no. */
ANYC_EXTERN void anyc_scope_set_shield(anyc_scope *s, int shield);

/* 1 once cancellation was requested (cancel or deadline).  Asked on the loop thread
 * after the deadline passed, it cancels the scope then (Trio), so the answer never goes
 * back to 0.  Blocks: no. */
ANYC_EXTERN int anyc_scope_cancel_called(const anyc_scope *s);

/* 1 when the scope's close caught a cancellation (valid after close).  Blocks: no. */
ANYC_EXTERN int anyc_scope_cancelled_caught(const anyc_scope *s);

/*
 * Close the scope.  If it was cancelled, body_status is -ECANCELED and no enclosing
 * scope it can see (up to the first shield) is cancelled too, the cancellation is caught:
 * returns 0, or -ETIMEDOUT for a fail_* scope whose deadline passed.  Otherwise returns
 * body_status unchanged (the outermost cancelled scope catches, as in Trio).
 * Errors: -EPERM outside a task, -EINVAL for NULL.  Closing out of order, or a scope
 * that is not open, aborts with a message.
 * Blocks: no.  Cancellation point: no.
 */
ANYC_EXTERN int anyc_scope_close(anyc_scope *s, int body_status);

/* Is the current task's effective state cancelled?  0 outside a task.  Not a checkpoint. */
ANYC_EXTERN int anyc_cancelled(void);

/* The earliest deadline the current task is subject to: +INFINITY if none, -INFINITY if
 * it is already cancelled.  Blocks: no. */
ANYC_EXTERN double anyc_current_effective_deadline(void);

/* ---- Sleeping and yielding ------------------------------------------------------ */

/* Sleep `seconds` (0 = just yield).  Returns 0, -ECANCELED, -EINVAL (NaN or negative),
 * -EPERM outside a task.  Blocks: yes.  Checkpoint: yes. */
ANYC_CHECKPOINT ANYC_EXTERN int anyc_sleep(double seconds);

/* Sleep until anyc_now() >= deadline.  Returns as anyc_sleep().  Checkpoint: yes. */
ANYC_CHECKPOINT ANYC_EXTERN int anyc_sleep_until(double deadline);

/* Yield to other ready tasks; a cancel point.  Returns 0, -ECANCELED, -EPERM. */
ANYC_CHECKPOINT ANYC_EXTERN int anyc_checkpoint(void);

/* ---- Synchronisation ------------------------------------------------------------ */
/* Every acquire and wait is a checkpoint: a cancelled waiter is removed and takes
 * nothing.  init/set/release are not checkpoints.  Thread: tasks of one run. */

typedef struct anyc_event {
  uint64_t anyc_private_[4];
} anyc_event;
ANYC_EXTERN void anyc_event_init(anyc_event *e);
/* Set the event and wake every waiter; it stays set.  Blocks: no. */
ANYC_EXTERN void anyc_event_set(anyc_event *e);
ANYC_EXTERN int anyc_event_is_set(const anyc_event *e);
/* Wait until set (a full checkpoint even when already set).  0 or -ECANCELED. */
ANYC_CHECKPOINT ANYC_EXTERN int anyc_event_wait(anyc_event *e);

typedef struct anyc_lock {
  uint64_t anyc_private_[4];
} anyc_lock;
ANYC_EXTERN void anyc_lock_init(anyc_lock *l);
/* Acquire, FIFO-fair.  0, -ECANCELED, -EDEADLK when the caller already holds it,
 * -EOWNERDEAD when its owner ended without releasing it (Trio's BrokenResourceError:
 * the lock is broken for good; waiters wake with it, the message names the owner). */
ANYC_CHECKPOINT ANYC_EXTERN int anyc_lock_acquire(anyc_lock *l);
/* Release; hands the lock to the first waiter.  A task that does not hold it aborts
 * with a message.  Blocks: no. */
ANYC_EXTERN void anyc_lock_release(anyc_lock *l);

typedef struct anyc_semaphore {
  uint64_t anyc_private_[4];
} anyc_semaphore;
ANYC_EXTERN void anyc_semaphore_init(anyc_semaphore *s, unsigned initial);
ANYC_CHECKPOINT ANYC_EXTERN int anyc_semaphore_acquire(anyc_semaphore *s);
ANYC_EXTERN void anyc_semaphore_release(anyc_semaphore *s);

typedef struct anyc_limiter {
  uint64_t anyc_private_[8];
} anyc_limiter;
/* A capacity limiter: a semaphore where each task holds at most one token (Trio's
 * CapacityLimiter).  acquire: 0, -ECANCELED, -EDEADLK when the task already holds one,
 * -ENOMEM.  release by a task holding no token aborts with a message.  0 tokens is
 * allowed (every acquire waits). */
ANYC_EXTERN void anyc_limiter_init(anyc_limiter *l, unsigned tokens);
ANYC_CHECKPOINT ANYC_EXTERN int anyc_limiter_acquire(anyc_limiter *l);
ANYC_EXTERN void anyc_limiter_release(anyc_limiter *l);
ANYC_EXTERN unsigned anyc_limiter_borrowed(const anyc_limiter *l);

/* ---- Memory channels -------------------------------------------------------------- */

typedef struct anyc_sender anyc_sender;
typedef struct anyc_receiver anyc_receiver;

/*
 * Open a channel of `void *` items with room for `buffer` items (0 = rendezvous).
 * Returns: 0.  Errors: -ENOMEM, -EINVAL for NULL outputs.  Blocks: no.
 */
ANYC_EXTERN int anyc_channel_open(size_t buffer, anyc_sender **tx, anyc_receiver **rx);
/* Send one item (checkpoint).  0, -ECANCELED (nothing delivered), -EPIPE once every
 * receiver is closed, -EBADF on a closed end. */
ANYC_CHECKPOINT ANYC_EXTERN int anyc_send(anyc_sender *tx, void *item);
/* Receive one item (checkpoint).  0, ANYC_EOF once every sender is closed and the buffer
 * is drained, -ECANCELED (nothing consumed), -EBADF on a closed end. */
ANYC_CHECKPOINT ANYC_EXTERN int anyc_receive(anyc_receiver *rx, void **item);
/* Non-blocking forms: -EAGAIN when they would block; otherwise as above. */
ANYC_EXTERN int anyc_try_send(anyc_sender *tx, void *item);
ANYC_EXTERN int anyc_try_receive(anyc_receiver *rx, void **item);
/* Independent handles on the same side; NULL on a closed end or out of memory. */
ANYC_EXTERN anyc_sender *anyc_sender_clone(anyc_sender *tx);
ANYC_EXTERN anyc_receiver *anyc_receiver_clone(anyc_receiver *rx);
/* Close a handle (idempotent per handle, not a checkpoint).  Tasks blocked through this
 * handle wake with -EBADF.  Closing the last open handle frees the channel and every
 * handle of it: none may be used afterwards.  NULL is ignored. */
ANYC_EXTERN void anyc_sender_close(anyc_sender *tx);
ANYC_EXTERN void anyc_receiver_close(anyc_receiver *rx);

/* ---- Threads ---------------------------------------------------------------------- */

#define ANYC_ABANDON_ON_CANCEL 1

/*
 * Run fn(arg) on a worker thread and wait for it.  Returns fn's status.  A cancelled
 * caller still waits for the thread, then returns -ECANCELED; with
 * ANYC_ABANDON_ON_CANCEL it returns -ECANCELED at once and the result is discarded.
 * Checkpoint: yes (a caller cancelled on entry never starts the thread).
 * Runs on anyc's own pool (up to 40 threads, then FIFO queue; a queued job is dropped
 * when its caller is cancelled).  With ANYC_ABANDON_ON_CANCEL, fn and arg must not
 * depend on the caller's frame.  Errors: also -EINVAL (NULL fn, unknown flags), -ENOMEM.
 */
ANYC_CHECKPOINT ANYC_EXTERN int anyc_to_thread(anyc_fn fn, void *arg, unsigned flags);
/*
 * From inside an anyc_to_thread() worker: run fn(arg) as a task on the loop, wait for
 * it and return its status.  A job abandoned by its caller (ANYC_ABANDON_ON_CANCEL)
 * can still call back while the run lives; its calls then run in the run's root scope.
 * Errors: -EPERM when not called from a worker thread (or from a task, even one of a
 *   run the worker started itself: the wait would stall that run); -ECANCELED once the run has
 * ended (Trio's RunFinishedError: an abandoned job may outlive its run).
 * Blocks: the worker thread.  Thread: a to_thread worker only.
 */
ANYC_CHECKPOINT ANYC_EXTERN int anyc_from_thread(anyc_fn fn, void *arg);

/* ---- TCP streams -------------------------------------------------------------------- */
/* The first stream a process creates sets SIGPIPE to SIG_IGN if it still has its default
 * action (as Python and Go do): a write to a closed peer returns -EPIPE, not a dead
 * process. */

typedef struct anyc_stream anyc_stream;
typedef struct anyc_listener anyc_listener;

/* Connect (host resolved with libuv's resolver).  Checkpoint.  0 or a negative errno. */
ANYC_CHECKPOINT ANYC_EXTERN int anyc_tcp_connect(const char *host, int port,
                                                 anyc_stream **out);
/* Listen on host:port (port 0 = any free port; host NULL = 0.0.0.0; a name is resolved
 * synchronously).  Not a checkpoint.  0, -EPERM outside a run, -EINVAL, or libuv's
 * error (-EADDRINUSE, ...). */
ANYC_EXTERN int anyc_tcp_listen(const char *host, int port, anyc_listener **out);
/* The bound port, or a negative errno. */
ANYC_EXTERN int anyc_listener_port(const anyc_listener *l);
/* Accept one connection.  Checkpoint. */
ANYC_CHECKPOINT ANYC_EXTERN int anyc_accept(anyc_listener *l, anyc_stream **out);

typedef int (*anyc_handler)(anyc_stream *s, void *arg);
/*
 * Accept forever, running handler(stream, arg) as a task per connection in a group this
 * call owns; each connection is closed when its handler returns.  Runs until cancelled
 * (-ECANCELED); a handler's error cancels the server and is returned.  The listener
 * stays the caller's.  Checkpoint: yes.
 *
 * The handler must not close the stream itself.  Out of descriptors or memory, serve
 * waits 0.1 s and keeps accepting (Trio's serve_listeners).
 */
ANYC_CHECKPOINT ANYC_EXTERN int anyc_serve(anyc_listener *l, anyc_handler handler,
                                           void *arg);
/* Receive up to `max` bytes: the count, ANYC_EOF, or a negative errno (-EBUSY while
 * another task receives on `s`, -EBADF if `s` is closed meanwhile, -ECONNABORTED after a
 * cancelled send broke it).  A cancelled receive loses no data.  Checkpoint. */
ANYC_CHECKPOINT ANYC_EXTERN ssize_t anyc_stream_receive(anyc_stream *s, void *buf,
                                                        size_t max);
/* Send all `len` bytes.  Checkpoint.  -EBUSY while another task sends, -EPIPE after
 * send_eof.  Cancelled after part was queued, the connection is reset and the stream
 * stays broken (later calls: -ECONNABORTED) — never a silently truncated stream. */
ANYC_CHECKPOINT ANYC_EXTERN int anyc_stream_send(anyc_stream *s, const void *buf,
                                                 size_t len);
/* Shut down the sending side (idempotent).  Checkpoint. */
ANYC_CHECKPOINT ANYC_EXTERN int anyc_stream_send_eof(anyc_stream *s);
/* Close and free (not a checkpoint); tasks blocked on it wake with -EBADF.  A stream or
 * listener still open when the run ends is closed then (its memory is leaked). */
ANYC_EXTERN void anyc_stream_close(anyc_stream *s);
ANYC_EXTERN void anyc_listener_close(anyc_listener *l);

/* ---- Signals (extension) ------------------------------------------------------------ */

/*
 * Wait until one of the `n` signals in `signums` arrives; store it in *got.  For clean
 * shutdown of services: a task waits for SIGINT/SIGTERM, then cancels the server's group
 * (AnyIO's open_signal_receiver, one signal at a time).  The signals are caught only while
 * the call waits; when it returns their action is the default again (libuv's rule), so a
 * signal arriving between two calls is not queued.
 * Returns: 0.  Errors: -EINVAL (NULL, n == 0 or > 64, SIGKILL/SIGSTOP or a bad number),
 *   -ECANCELED, -ENOMEM, -EPERM outside a task.
 * Blocks: until a signal.  Cancellation point: yes.  Thread: a task.
 */
ANYC_CHECKPOINT ANYC_EXTERN int anyc_signal_wait(const int *signums, size_t n, int *got);

/* ---- Introspection -------------------------------------------------------------- */

/* The current task's name ("task<id>" when unnamed); "" outside a task.  Blocks: no. */
ANYC_EXTERN const char *anyc_task_name(void);

/* ---- Task handles (an extension beside the spec) ---------------------------------------
 * Trio cancels through scopes only; a library that emulates per-task cancellation (the
 * legacy shim: asyncio's Task.cancel, upstream's per-task CancelScope) would otherwise open
 * a scope around every task it starts.  A handle cancels one task as if its body had run
 * inside a cancel scope of its own, opened first thing and cancelled now: every scope the
 * task has open sits inside that one (a shield there still protects), and the
 * -ECANCELED the body returns because of it is caught when the body returns, so the
 * task's group sees 0. */
typedef struct anyc_task anyc_task;
/* The running task's handle; NULL outside a task.  Valid until that task ends.
 * Blocks: no.  Thread: the loop thread. */
ANYC_EXTERN anyc_task *anyc_current_task(void);
/* Cancel the task `task` (see above); cancelling it again does nothing more.  The handle
 * must be one of a task that has not ended: after that its storage is reused (keep a
 * flag, as the shim does).
 * Returns: 0.  Errors: -EINVAL for NULL (or a task caught ending), -EPERM off the loop
 *   thread with a NULL task (with a task: abort, as any wake from another thread).
 * Blocks: no.  Cancellation point: no (the task sees it at its next one).
 * Thread: the loop thread. */
ANYC_EXTERN int anyc_task_cancel(anyc_task *task);

/* The argument the current task was started with, if its body is `body` (a task from
 * anyc_start_soon / anyc_start_soon_named, or anyc_run's main); else NULL.  An extension
 * beside the spec, for a library that runs each of its tasks with its own body function
 * and a per-task object as the argument: "which of my objects is this task running" is
 * then a lookup, with no registry, and another library's tasks (another body) never
 * answer.  The legacy shim finds the scheduling task this way.
 * Returns: the argument, or NULL (another body, a task from anyc_start, outside a task).
 * Blocks: no.  Thread: any (NULL off the loop thread). */
ANYC_EXTERN void *anyc_task_arg(anyc_fn body);

/* anyc_task_arg() for any task of this run that has not ended, not only the running one:
 * the argument `task` was started with if its body is `body`, else NULL.
 * Blocks: no.  Thread: the loop thread. */
ANYC_EXTERN void *anyc_task_arg_of(anyc_task *task, anyc_fn body);

/* anyc_task_name() of a task that has not ended; "" for NULL.
 * Blocks: no.  Thread: the loop thread. */
ANYC_EXTERN const char *anyc_task_name_of(anyc_task *task);

/* Call cb(task, ctx) for each child of `g` that has not ended, oldest first (Trio's
 * nursery.child_tasks, libuv's uv_walk).  A library that needs the handles of its tasks
 * only now and then takes them here once, instead of each task asking for its own as it
 * starts (the shim, when a service is first cancelled).  cb must not start or end tasks
 * of `g`, nor switch.
 * Blocks: no.  Cancellation point: no.  Thread: the loop thread. */
typedef void (*anyc_walk_cb)(anyc_task *task, void *ctx);
ANYC_EXTERN void anyc_group_walk(anyc_group *g, anyc_walk_cb cb, void *ctx);

typedef struct anyc_stats {
  uint64_t spawned;   /* tasks created since the run began (main included) */
  uint64_t alive;     /* tasks not yet finished */
  uint64_t switches;  /* context switches into tasks */
} anyc_stats;
/* Counters of the current run (or of the last finished run on this thread). */
ANYC_EXTERN void anyc_get_stats(anyc_stats *out);

/* Print the live tree: tasks, the groups and scopes each has open (with deadlines), and
 * what each task waits on.  Blocks: no.  Thread: the loop thread. */
ANYC_EXTERN void anyc_dump_tasks(FILE *out);

#ifdef __cplusplus
}
#endif
#endif /* ANYC_H */
