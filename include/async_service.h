/* async_service.h — the legacy service-manager API (libasync_service), kept so existing
 * programs build and run unchanged while they migrate to anyc.h.
 *
 * This is the C rendering of Python's async-service (ethereum/async-service
 * 0.1.0-alpha.11, its TrioManager), implemented by the shim on top of the structured
 * runtime (libanyc).  The contract is ../shared/spec/legacy.md; where it is silent the
 * behaviour is upstream TrioManager's.  docs/legacy-api.md maps every Python name to its
 * C name.  New code should use anyc.h directly: `anyc-migrate` rewrites these calls.
 *
 * Compile with -DASYNC_SERVICE_DEPRECATED to have the compiler flag every call site
 * with the native replacement; run with ASYNC_SERVICE_TRACE=1 to have the library print
 * each distinct legacy call site once to stderr.
 *
 * Conventions: 0 or a negative errno, as anyc.h.  Functions that need a task return
 * -EPERM outside one.  Thread: the loop thread of the run, unless said otherwise.
 */
#ifndef ASYNC_SERVICE_H
#define ASYNC_SERVICE_H

#include <stddef.h>
#include <stdint.h>

#include <anyc.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(ASYNC_SERVICE_DEPRECATED) && (defined(__GNUC__) || defined(__clang__))
#define AS_DEPRECATED(replacement) \
  __attribute__((deprecated("legacy async_service API; use " replacement " (anyc.h)")))
#else
#define AS_DEPRECATED(replacement)
#endif
#define AS_EXTERN ANYC_EXTERN

/* Error codes: negative, distinct from every errno, named by anyc_strerror() too. */
#define AS_ELIFECYCLE (-4201)       /* LifecycleError */
#define AS_EDAEMONEXIT (-4202)      /* DaemonTaskExit */
#define AS_ETOOMANYCHILDREN (-4203) /* TooManyChildrenException */

/* ---- Types ------------------------------------------------------------------------ */

typedef struct as_manager as_manager;        /* opaque; one per service, for life */
typedef struct as_service as_service;
typedef int (*as_run_fn)(as_service *self);  /* the service's run(); 0 or negative errno */
typedef int (*as_task_fn)(void *arg);        /* same shape as anyc_fn */

struct as_service {
  as_run_fn run;          /* the service body, run as the service's first task */
  const char *name;       /* NULL: "service" */
  as_manager *manager;    /* set when a manager is attached; read-only */
  void *as_private_[4];   /* private storage follows */
};

/* Initialise a service (any thread, no task needed).  `name` is not copied. */
AS_DEPRECATED("a plain struct and anyc_fn")
AS_EXTERN void as_service_init(as_service *svc, as_run_fn run, const char *name);
/* Release what the manager holds; after the service finished, or if it never ran.
 * Destroying a service that runs, or that a scheduled task will run (a child service, a
 * background block), aborts with a message naming the service and the task. */
AS_DEPRECATED("nothing (task groups need no teardown)")
AS_EXTERN void as_service_destroy(as_service *svc);

/* ---- Running a service ------------------------------------------------------------- */

/*
 * Manager.run_service: run `svc` to completion.  Inside a task it runs there; outside
 * any task it starts the runtime itself (anyc_run).
 * Returns: the service's first recorded error, 0 if none.  Errors: AS_ELIFECYCLE when
 *   the service already had a manager; -ECANCELED when the caller is cancelled from
 *   outside; -ENOMEM.  Blocks: yes.  Cancellation point: yes.
 */
AS_DEPRECATED("anyc_run(fn, arg) or a task group")
AS_EXTERN int as_run_service(as_service *svc);

/*
 * `async with background_trio_service(svc) as m:` — start the service beside the calling
 * task and return once it has started.  While the block runs, a failure of the service
 * cancels the block (its checkpoints return -ECANCELED).
 * Returns: 0 and *out.  Errors: AS_ELIFECYCLE, -EINVAL (NULL svc, run or out), -ENOMEM,
 *   -ECANCELED (the caller is cancelled: the service never starts), -EPERM outside a task.
 * Blocks: until started.  Cancellation point: yes.
 */
AS_DEPRECATED("anyc_group_open + anyc_start_soon")
AS_EXTERN int as_background_service_enter(as_service *svc, as_manager **out);

/*
 * Leave the background block: stop the service (cancel, wait until finished).
 * Returns: the service's first error if it failed, else body_status.  Errors: -EINVAL
 * for NULL.  Blocks nest like `async with`: leaving one while a block its task entered
 * after it is still open, or from a task that did not enter it, aborts with a message
 * naming both services and the task.
 * Blocks: until the service finished.  Cancellation point: no.
 */
AS_DEPRECATED("anyc_group_cancel + anyc_group_close")
AS_EXTERN int as_background_service_exit(as_manager *m, int body_status);

/* ---- The manager -------------------------------------------------------------------- */

/*
 * Schedule fn(arg) as a task of the service; the scheduling task is its parent.
 * `name` is copied (NULL: the function's address).  Returns 0 (also when the service is
 * cancelled: the task is then silently dropped).  Errors: AS_ELIFECYCLE when the service
 * is not running, AS_ETOOMANYCHILDREN past 1001 children of one parent, -EINVAL (NULL m
 * or fn), -EPERM from a thread other than the service's loop (a to_thread worker, the
 * loop of another run), -ENOMEM.
 * Blocks: no.  Cancellation point: no.
 */
AS_DEPRECATED("anyc_start_soon_named")
AS_EXTERN int as_run_task(as_manager *m, as_task_fn fn, void *arg, const char *name);
/* As as_run_task(), for a daemon: returning while the service runs records
 * AS_EDAEMONEXIT and cancels the service. */
AS_DEPRECATED("anyc_start_soon_named")
AS_EXTERN int as_run_daemon_task(as_manager *m, as_task_fn fn, void *arg,
                                 const char *name);
/* Attach a manager to `child` at once (child->manager is set on return) and schedule it.
 * Errors: as as_run_task(), and AS_ELIFECYCLE when the child already had a manager.  A
 * child refused because the parent is not running or has too many children keeps the
 * manager, never started (upstream attaches before it checks). */
AS_DEPRECATED("anyc_start_soon_named with the child's run")
AS_EXTERN int as_run_child_service(as_manager *m, as_service *child, const char *name);
AS_DEPRECATED("anyc_start_soon_named with the child's run")
AS_EXTERN int as_run_daemon_child_service(as_manager *m, as_service *child,
                                          const char *name);

/* Wait until the service started / finished.  0, or -ECANCELED for the caller; -EPERM
 * outside a task, or from another run's loop while the service runs.
 * Blocks: yes.  Cancellation point: yes. */
AS_DEPRECATED("anyc_start")
AS_EXTERN int as_wait_started(as_manager *m);
AS_DEPRECATED("anyc_group_close")
AS_EXTERN int as_wait_finished(as_manager *m);
/* Cancel, then wait until finished.  Never returns the service's errors.  Checkpoint.
 * Thread: the loop thread, or an as_to_thread worker (it then runs on the loop); -EPERM
 * from any other thread (or another run's loop) while the service runs. */
AS_DEPRECATED("anyc_group_cancel + anyc_group_close")
AS_EXTERN int as_stop(as_manager *m);
/* Request cancellation.  0; AS_ELIFECYCLE before start; nothing after finish.
 * Blocks: no (from an as_to_thread worker: the worker, until the loop ran it).
 * Cancellation point: no.  Thread: the loop thread, or an as_to_thread worker; -EPERM
 * from any other thread while the service runs. */
AS_DEPRECATED("anyc_group_cancel")
AS_EXTERN int as_cancel(as_manager *m);

/* Lifecycle flags (see legacy.md).  Blocks: no. */
AS_DEPRECATED("structure (a group is running while open)")
AS_EXTERN int as_is_started(const as_manager *m);
AS_DEPRECATED("!anyc_cancelled()")
AS_EXTERN int as_is_running(const as_manager *m);
AS_DEPRECATED("anyc_scope_cancel_called")
AS_EXTERN int as_is_cancelled(const as_manager *m);
AS_DEPRECATED("structure (a closed group is finished)")
AS_EXTERN int as_is_finished(const as_manager *m);
AS_DEPRECATED("anyc_group_close's status")
AS_EXTERN int as_did_error(const as_manager *m);

typedef struct as_stats {
  unsigned long total_count;    /* scheduled tasks and child services (not run itself) */
  unsigned long finished_count; /* tasks ended for any reason, clamped to total_count */
  unsigned long pending_count;  /* total_count - finished_count */
} as_stats;
AS_DEPRECATED("anyc_get_stats")
AS_EXTERN void as_get_stats(const as_manager *m, as_stats *out);

/* Every recorded error, in order: count, then code and message (NULL if none) of one. */
AS_DEPRECATED("anyc_error_count")
AS_EXTERN size_t as_error_count(const as_manager *m);
/* Returns 0, or -ERANGE past the end. */
AS_DEPRECATED("anyc_error_at")
AS_EXTERN int as_error_at(const as_manager *m, size_t i, int *code, const char **message);

/* ---- The asyncio-style calls legacy code also used -------------------------------- */

/* asyncio.run: run main as the first task.  -EBUSY inside a task.  Blocks: yes. */
AS_DEPRECATED("anyc_run")
AS_EXTERN int as_run(as_task_fn main, void *arg);
/* asyncio.sleep.  Checkpoint.  A delay <= 0 just yields (asyncio; anyc_sleep refuses a
 * negative one).  0, -ECANCELED, -EINVAL for NaN. */
AS_DEPRECATED("anyc_sleep")
AS_EXTERN int as_sleep(double seconds);
/* asyncio.wait_for: fn(arg)'s status, or -ETIMEDOUT when it ran out of time.  A timeout
 * <= 0 is already expired: -ETIMEDOUT at fn's first checkpoint (asyncio).  -EINVAL for
 * NaN or a NULL fn. */
AS_DEPRECATED("anyc_fail_after around the call")
AS_EXTERN int as_wait_for(as_task_fn fn, void *arg, double timeout);
/* asyncio.to_thread: anyc_to_thread() without the abandon flag. */
AS_DEPRECATED("anyc_to_thread")
AS_EXTERN int as_to_thread(as_task_fn fn, void *arg);

#ifdef __cplusplus
}
#endif
#endif /* ASYNC_SERVICE_H */
