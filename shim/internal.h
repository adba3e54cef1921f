/* internal.h — the shim's private types: the manager, its task tree and error list.
 *
 * A manager is a heap object owned by its service (svc->manager) for life.  While it runs,
 * the task that runs it holds two anyc groups: the system group (the cancel handler)
 * and, inside it, the task group every legacy task and child service is spawned into.
 * Beside the anyc structure the manager keeps upstream's bookkeeping: the task tree
 * (parent = the scheduling task), which is what makes leaves-first cancellation and
 * "a task is finished only when its children are" possible.  Everything here runs on the
 * loop thread; there is no locking.
 */
#ifndef AS_SHIM_INTERNAL_H
#define AS_SHIM_INTERNAL_H

#include <stdint.h>

/* The shim implements the legacy calls and calls a few of them itself: a project that
 * defines ASYNC_SERVICE_DEPRECATED for all its code (and builds this library with it)
 * must not get deprecation warnings, errors under -Werror, from the library's own calls. */
#undef ASYNC_SERVICE_DEPRECATED
#include <async_service.h>

/* Drop a result the shim has no use for (closing a group whose errors are already in
 * the manager's list). */
#define AS_IGNORE(call)                                                            \
  do {                                                                             \
    int ignored_ = (call);                                                         \
    (void)ignored_;                                                                \
  } while (0)

/* Thread-locals in the initial-exec model, as the runtime's: in a shared library the
 * default model makes every access a call to __tls_get_addr (three on each spawn). */
#define AS_TLS __thread __attribute__((tls_model("initial-exec")))

/* One byte per thread; its address tells threads apart in two instructions.  A manager
 * notes its loop thread's (m->thread): a call from any other thread -- a to_thread
 * worker, a plain thread, the loop of another run -- must not touch it. */
extern AS_TLS char as__thread_marker;
static inline int as__on_loop_thread(const struct as_manager *m);

/* Off the hot path: keeps error reporting out of the per-task wrapper's frame. */
#define AS_COLD __attribute__((cold, noinline))
#define AS_UNLIKELY(x) __builtin_expect(!!(x), 0)

#define AS_MAX_CHILDREN 1000 /* upstream MAX_CHILDREN_TASKS; a set may hold one more */

typedef struct as_task as_task;

/* Someone waiting for a task to finish (a canceller, or a parent waiting for its
 * children): on the waiter's stack, in its manager's list until the task finishes.
 * Most tasks are never waited for, so a record carries one flag bit, not an event. */
typedef struct as_waiter {
  anyc_event ev;
  as_task *on;
  uint32_t what;                 /* AS_TASK_WAITED: on's end; AS_TASK_WAITED_CHILDREN:
                                    on's last child's end */
  struct as_waiter *next;
} as_waiter;

enum {
  AS_TASK_DAEMON = 1 << 0,
  AS_TASK_CHILD = 1 << 1,     /* a child-service task: u.child, not u.fn */
  AS_TASK_RUNNING = 1 << 2,   /* its function runs (a.task once m->linked, else a.arg
                                 still: function_task_body, as__tasks_link) */
  AS_TASK_CANCEL = 1 << 3,    /* cancelled before its function ran */
  AS_TASK_FINISHED = 1 << 4,
  AS_TASK_WAITED = 1 << 5,    /* an as_waiter in m->waiters is on it */
  AS_TASK_HELD = 1 << 6,      /* the canceller walks it: freed by the canceller */
  AS_TASK_LIVE = 1 << 7,      /* scheduled, not yet freed (a free record has no flags) */
  AS_TASK_WAITED_CHILDREN = 1 << 8, /* an as_waiter waits until it has no children */
  AS_TASK_LINKED = 1 << 9,    /* in its set's list (m->linked): leaving it unlinks */
};

/* One cache line: a service spawning a thousand tasks writes a thousand records and
 * reads them back when each task runs, so the record's size is most of what a legacy
 * spawn costs beyond a native one.  Hence the unions and the flags. */
struct as_task {
  as_manager *m;
  as_task *parent;               /* NULL: a root task */
  as_task *prev, *next;          /* siblings in the parent's (or the root) set, once
                                    m->linked; `next` links a free record */
  as_task *children;             /* first child, once m->linked */
  uint32_t nchildren;
  uint32_t flags;                /* AS_TASK_* */
  union {
    as_task_fn fn;
    as_service *child;           /* AS_TASK_CHILD */
  } u;
  union {
    void *arg;                   /* until the function runs */
    anyc_task *task;             /* AS_TASK_RUNNING, once m->linked: its anyc task,
                                    to cancel it */
  } a;
} __attribute__((aligned(64)));
_Static_assert(sizeof(as_task) == 64, "a task record is one cache line");

/* Task records are carved from chunks owned by the manager and recycled through its free
 * list, so a service spawning many short tasks costs no malloc per task; a destroyed
 * manager's chunks go to the thread's spares for the next service (task.c).  A manager
 * holds the chunks of its peak task count until it is destroyed. */
#define AS_TASK_CHUNK 64
typedef struct as_task_chunk {
  struct as_task_chunk *next;
  as_task tasks[AS_TASK_CHUNK];
} as_task_chunk;

typedef struct as_error {
  int code;
  char *message;
} as_error;

struct as_manager {
  as_service *svc;
  const char *thread;            /* &as__thread_marker of the loop thread that runs it */
  int started, cancelled, finished;
  int group_open;                /* the task group accepts spawns */
  int spawn_fast;                /* group_open, not cancelled, not linked: schedule()
                                    tests one field (every legacy spawn) */
  int cancel_at_start;           /* a child service cancelled before it ran */
  int scheduled;                 /* a task will run it (child service, background block) */
  anyc_event started_ev, cancel_ev, finished_ev;
  anyc_group group;              /* the service's task group */
  anyc_group bg;                 /* the background block's group (enter/exit) */
  as_manager *bg_outer;          /* the block entered before this one on this thread */
  const char *bg_key;            /* anyc_task_name() of the task in the block; NULL: none */
  int linked;                    /* its task sets keep lists (as__tasks_link) */
  as_task *roots;                /* the first root task, once linked */
  uint32_t nroots;
  as_waiter *waiters;            /* waiting for one of its tasks to finish */
  as_task *free_tasks;           /* recycled records, linked through `next` */
  as_task_chunk *chunks;         /* every record's storage, released with the manager */
  unsigned long total, done;
  as_error *errors;
  size_t nerrors, cap_errors;
};

/* manager.c */
/* Give svc its one manager for life: 0, -EINVAL (no service or run), AS_ELIFECYCLE
 * (it already had one), -ENOMEM. */
int as__manager_attach(as_service *svc, as_manager **out);
/* Free svc's manager and clear svc->manager (as_service_destroy without its checks and
 * its trace: for a manager the shim attached and could not start). */
void as__manager_detach(as_service *svc);
int as__manager_run(as_manager *m);
int as__manager_record(as_manager *m, int code, const char *message);
int as__manager_cancel(as_manager *m);
/* A legacy call refuses the calling task with `code` (AS_E*): upstream raised an
 * exception carrying `message`, which a task returning the code re-raises.  Noted for
 * the task (each task its own; the message copied), returned.
 * as__refusal_take(code): the message of the current task's last refusal if it was
 * `code`, now the caller's to free, else NULL (record_task_error). */
int as__refuse(int code, const char *message);
char *as__refusal_take(int code);
/* Free this thread's refusal messages (its exit: task.c's thread storage). */
void as__refusals_free(void);

/* started and not yet finished; inline: every scheduling call asks. */
static inline int as__manager_is_running(const as_manager *m)
{
  return m->started && !m->finished;
}

static inline int as__on_loop_thread(const as_manager *m)
{
  return m->thread == &as__thread_marker;
}

/* task.c */
int as__schedule(as_manager *m, as_task_fn fn, void *arg, as_service *child,
                 const char *name, int daemon);
int as__task_cancel(as_task *t);
/* From now on keep the lists of m's task sets (built from its running tasks' records),
 * so they can be walked: before cancelling leaves first, handing up or waiting for
 * children.  O(records) once per manager. */
void as__tasks_link(as_manager *m);
/* Give back the manager's record storage (no task of it may be alive). */
void as__tasks_release(as_manager *m);
/* Before this thread keeps storage (spare record chunks, refusal messages): make sure
 * its exit frees it.  0 or -ENOMEM. */
int as__thread_storage_arm(void);

/* trace.c: note one legacy call (ASYNC_SERVICE_TRACE=1).  as__trace_state is -1 until
 * the environment was read, then 0 (off) or 1: when off, a legacy call costs one load
 * (relaxed: any thread may make the first call and store it). */
extern int as__trace_state;
void as__trace(const char *api, void *return_address);
static inline int as__tracing(void)
{
  return __atomic_load_n(&as__trace_state, __ATOMIC_RELAXED) != 0;
}
#define AS_TRACE(api)                                                              \
  do {                                                                             \
    if (as__tracing())                                                             \
      as__trace(api, __builtin_return_address(0));                                \
  } while (0)

#endif /* AS_SHIM_INTERNAL_H */
