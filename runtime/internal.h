/* internal.h — what the runtime's files share and nobody else sees.
 *
 * The runtime is one thread running one libuv loop and many tasks.  Each task is a
 * stackful coroutine (struct anyc__task) with a pooled, guarded stack (stack.c).  The
 * scheduler (sched.c) keeps a FIFO ready queue and switches task-to-task directly; it
 * returns to the loop (run.c) only when nothing is ready or after a budget of switches,
 * so a libuv turn is paid per batch, never per switch.  Every deadline — sleeps and
 * cancel scopes — lives in one binary heap (timer.c) behind one uv_timer.
 *
 * Cancellation follows Trio's tree (scope.c): every task sits in exactly one scope (its
 * innermost open one, or the scope it was started under); scopes link to the scope that
 * encloses them and list the scopes and tasks inside them.  Cancelling a scope walks that
 * subtree, stopping at shields and at already-cancelled scopes, and wakes the blocked
 * tasks it finds through their abort callbacks.
 *
 *   root scope (per run)
 *     └── main task ── scope A ── group G's scope ── child task 1 ── its scopes ...
 *                                                 └─ child task 2
 *
 * Sections: lists | allocation | context switch | stacks | timers | tasks and scheduler |
 *           scopes and groups | errors.
 */
#ifndef ANYC_INTERNAL_H
#define ANYC_INTERNAL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "anyc.h"

#if defined(__SANITIZE_ADDRESS__)
#define ANYC_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ANYC_ASAN 1
#endif
#endif

#if defined(__SANITIZE_THREAD__)
#define ANYC_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define ANYC_TSAN 1
#endif
#endif

#define ANYC_TLS __thread __attribute__((tls_model("initial-exec")))
/* A prefetch the compiler cannot drop (GCC 12 removed __builtin_prefetch from a
 * static inline helper it judged side-effect free). */
#if defined(__x86_64__)
#define ANYC_PREFETCH(p) __asm__ volatile("prefetcht0 %0" ::"m"(*(const char *)(p)))
#elif defined(__aarch64__)
#define ANYC_PREFETCH(p) __asm__ volatile("prfm pldl1keep, %0" ::"Q"(*(const char *)(p)))
#else
#define ANYC_PREFETCH(p) __builtin_prefetch(p)
#endif
#define ANYC_LIKELY(x) __builtin_expect(!!(x), 1)
#define ANYC_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* ---- lists: circular, doubly linked, intrusive -------------------------------------- */

struct anyc__list {
  struct anyc__list *prev, *next;
};

static inline void anyc__list_init(struct anyc__list *l) { l->prev = l->next = l; }
static inline int anyc__list_empty(const struct anyc__list *l) { return l->next == l; }
static inline void anyc__list_push(struct anyc__list *head, struct anyc__list *n)
{
  n->prev = head->prev;
  n->next = head;
  head->prev->next = n;
  head->prev = n;
}
static inline void anyc__list_remove(struct anyc__list *n)
{
  n->prev->next = n->next;
  n->next->prev = n->prev;
  n->prev = n->next = n;
}
#define anyc__container_of(ptr, type, member) \
  ((type *)(void *)((char *)(ptr) - offsetof(type, member)))

/* ---- allocation (alloc.c): every runtime allocation goes through here so a test can
 * make the k-th one fail and check that nothing leaks. ---------------------------------- */

void *anyc__malloc(size_t n);
void *anyc__calloc(size_t count, size_t n);
void *anyc__realloc(void *p, size_t n);
void anyc__free(void *p);
char *anyc__strdup(const char *s);
/* 1 when the next allocation must fail (consumes one step of the countdown). */
int anyc__alloc_should_fail(void);
/* Test hooks: fail the n-th allocation from now (0 = never); live allocation count. */
void anyc__alloc_fail_at(long n);
long anyc__alloc_live(void);
long anyc__alloc_countdown(void); /* allocations left before the injected failure */

/* ---- context switch (switch_*.S / switch_ucontext.c) -------------------------------- */

#ifdef ANYC_SWITCH_UCONTEXT
#include <ucontext.h>
struct anyc__ctx {
  ucontext_t uc;
};
static inline const void *anyc__ctx_sp(const struct anyc__ctx *c) { return c; }
#else
struct anyc__ctx {
  void *sp; /* saved stack pointer; callee-saved registers sit on the stack below it */
};
/* Where a suspended context's saved frame is (a prefetch target). */
static inline const void *anyc__ctx_sp(const struct anyc__ctx *c) { return c->sp; }
#endif
/* Prepare `c` to run entry(arg) on [stack_lo, stack_lo + size) at the first switch. */
void anyc__ctx_init(struct anyc__ctx *c, void *stack_lo, size_t size, void (*entry)(void *),
                    void *arg);
/* Save the current context in `from` and resume `to`. */
void anyc__ctx_switch(struct anyc__ctx *from, struct anyc__ctx *to);

/* ---- stacks (stack.c) --------------------------------------------------------------- */

struct anyc__stack; /* defined below the scopes: it holds one (own) */
struct anyc__stack_pool;
int anyc__stack_pool_init(struct anyc__stack_pool **out, size_t stack_size);
void anyc__stack_pool_destroy(struct anyc__stack_pool *p);
int anyc__stack_get(struct anyc__stack_pool *p, struct anyc__stack **out);
void anyc__stack_put(struct anyc__stack_pool *p, struct anyc__stack *s);
/* Abort with the overflow message if a canary-guarded stack was overrun. */
void anyc__stack_check(const struct anyc__stack *s, const char *task_name);
size_t anyc__stack_default_size(void);
/* Test hook: 0 madvise guard, 1 mprotect guard, 2 canary, -1 best available. */
void anyc__stack_force_guard_mode(int mode);
/* Install / remove the SIGSEGV handler that names the task whose stack overflowed. */
int anyc__overflow_handler_install(void);
void anyc__overflow_handler_remove(void);

/* ---- timers (timer.c): one heap of deadlines behind one uv_timer ---------------------- */

struct anyc__timer {
  double deadline;                       /* anyc_now() clock; +INFINITY when unset */
  uint32_t index;                        /* heap slot, or ANYC__NOT_IN_HEAP */
  uint32_t dead;                         /* removed during a batch, still in the heap */
  void (*fire)(struct anyc__timer *t);   /* called by the scheduler once due */
};
#define ANYC__NOT_IN_HEAP UINT32_MAX
int anyc__timer_add(struct anyc__timer *t);    /* -ENOMEM when the heap cannot grow */
void anyc__timer_remove(struct anyc__timer *t);
int anyc__timer_update(struct anyc__timer *t, double deadline);
double anyc__timer_next(void);                 /* earliest deadline or +INFINITY */
int anyc__timers_expire(double now);           /* fire the due ones; returns how many */
/* Between begin and end, removals are only marked; end drops them all at once (one O(n)
 * rebuild when many, instead of O(log n) each): cancelling a million sleepers. */
void anyc__timers_batch_begin(void);
void anyc__timers_batch_end(void);
double anyc__real_now(void);

/* ---- tasks and the scheduler (task.c, sched.c, run.c) ---------------------------------- */

enum anyc__task_state { ANYC__READY, ANYC__RUNNING, ANYC__BLOCKED, ANYC__DONE };

struct anyc__task;
struct anyc__group;
/* A cancel scope (scope.c); defined here because a task embeds one (own_scope). */
struct anyc__scope {
  struct anyc__scope *parent;    /* the enclosing scope (the root has none) */
  struct anyc__list children;    /* linked scopes whose parent this is */
  struct anyc__list sibling;     /* link in parent->children; empty: not linked yet */
  struct anyc__list tasks;       /* tasks tracked here (parked in it at a cancel point) */
  struct anyc__task *owner;      /* the task that opened it */
  struct anyc__group *group;     /* the group whose scope this is, else NULL */
  struct anyc__timer timer;      /* the deadline */
  uint32_t magic;                /* ANYC__SCOPE_OPEN / _CLOSED */
  uint8_t cancel_called;         /* cancelled by cancel() or its deadline */
  uint8_t shield;                /* blocks outer cancellation */
  uint8_t caught;                /* close caught the cancellation */
  uint8_t is_fail;               /* fail_after/fail_at: timeout reported as -ETIMEDOUT */
};
#define ANYC__SCOPE_OPEN 0x5c0be0e1u
#define ANYC__SCOPE_CLOSED 0x5c0bec10u

struct anyc__stack {
  void *lo;                  /* lowest usable byte (just above the guard) */
  size_t size;               /* usable bytes (below this descriptor) */
  size_t nominal;            /* the configured stack size, as reported to users */
  struct anyc__stack *next;  /* free-list link while pooled */
  unsigned vg_id;            /* valgrind stack id */
  int canary;                /* 1 when overflow is caught by canary, not a guard page */
  struct anyc__scope own;    /* its task's own scope once anyc_task_cancel reached it
                                (task.c): here, not in every task struct, because only a
                                running task has one and only a cancelled one needs it */
};
struct anyc__group;
struct anyc__error;
struct anyc__errors {
  struct anyc__error *items; /* in order of occurrence */
  size_t len, cap;
};

struct anyc__task {
  struct anyc__ctx ctx;              /* saved registers while not running */
  struct anyc__stack *stack;         /* pooled stack, taken when it first runs */
  union {
    anyc_fn fn;                      /* body (anyc_start_soon) */
    anyc_start_fn start_fn;          /* or body (anyc_start): is_start */
  } body;
  void *arg;
  struct anyc__start *start;         /* pending anyc_start() record, else NULL */
  struct anyc__task *next_ready;     /* ready-queue link */
  uint8_t state;                     /* enum anyc__task_state */
  uint8_t is_start;                  /* body.start_fn (anyc_start), else body.fn */
  uint8_t stack_canary;              /* its stack is canary-checked (copy of the slot's
                                        flag: exit must not touch the cold descriptor) */
  uint8_t has_own;                   /* anyc_task_cancel gave it stack->own (scope.c) */
  uint32_t held;                     /* locks and limiter tokens it holds (see task.c) */
  void *locks;                       /* the locks it holds, linked through them (lock.c) */
  int wake_status;                   /* what anyc__park() returns */
  const char *wait_what;             /* what a blocked task waits on (anyc_dump_tasks) */
  void (*abort_fn)(struct anyc__task *t); /* undoes the wait on cancellation; NULL = not
                                            a cancel point */
  void *wait_obj;                    /* the object the task waits on, for abort_fn */
  struct anyc__list wait_link;       /* link in that object's waiter list */
  struct anyc__list scope_link;      /* link in tracked->tasks */
  struct anyc__scope *tracked;       /* the scope whose task list holds it: set when it
                                        parks at a cancel point (scope.c), else NULL */
  struct anyc__list group_link;      /* link in group->children */
  struct anyc__scope *cur_scope;     /* innermost open scope, else base_scope */
  struct anyc__scope *base_scope;    /* the scope the task runs under */
  struct anyc__group *group;         /* the group that owns it (NULL: main) */
  struct anyc__timer sleep_timer;    /* deadline of a sleep */
  char *fail_msg;                    /* pending anyc_fail() message */
  struct anyc__errors errors;        /* of the last group this task closed */
  uint64_t id;
  char *name;                        /* name_short, or an owned copy of a longer name;
                                        NULL until asked for ("task<id>") */
  char name_short[16];               /* short names live here: no allocation per spawn */
#ifdef ANYC_ASAN
  void *asan_fake_stack;             /* ASan's fake stack while switched out */
#endif
#ifdef ANYC_TSAN
  void *tsan_fiber;                  /* TSan's context for this task */
#endif
};

/* One per anyc_run(); lives on the thread that runs it (anyc__rt). */
struct anyc__runtime {
  uv_loop_t loop;                    /* private loop: anyc never touches uv_default_loop */
  uv_timer_t timer;                  /* armed to the earliest deadline while polling */
  struct anyc__ctx sched_ctx;        /* the thread's own stack, where the loop runs */
  struct anyc__task *current;        /* the running task, NULL in the scheduler */
  struct anyc__task *ready_head;     /* FIFO of ready tasks */
  struct anyc__task *ready_tail;
  struct anyc__task *dead;           /* finished task awaiting release off its stack */
  struct anyc__task *main;           /* the task running main; NULL once it ended (its
                                        struct is recycled: a later task must not be
                                        taken for main) */
  int main_status;                   /* what main returned */
  unsigned budget;                   /* direct switches left before the loop polls */
  struct anyc__timer **heap;         /* binary min-heap of deadlines */
  size_t heap_len, heap_cap;
  struct anyc__timer **removed;      /* timers marked dead during a removal batch */
  size_t removed_len, removed_cap;
  int batch_depth;                   /* nesting of anyc__timers_batch_begin */
  struct anyc__stack_pool *stacks;   /* guarded, pooled stacks */
  struct anyc__task *task_free;      /* recycled task structs (linked by next_ready) */
  struct anyc__task *zombies;        /* ended holding a lock: kept until the run ends */
  void *task_slabs;                  /* slabs of task structs, freed when the run ends */
  struct anyc__scope *root_scope;    /* never cancelled; main runs under it */
  struct anyc__chan *chan_dead_head;  /* channels whose last handle closed, oldest */
  struct anyc__chan *chan_dead_tail;  /* first: kept a while (channel.c), freed at the */
  unsigned chan_dead;                 /* end of the run at the latest */
  uint64_t next_id;                  /* task ids, from 1 */
  anyc_stats stats;                  /* spawned / alive / switches */
  int mock_clock;                    /* virtual time */
  double mock_now;                   /* the virtual clock */
  double coarse_slack;               /* how far the coarse clock may lag (sched_fast.h) */
  double autojump;                   /* real idle seconds before a jump */
#ifdef ANYC_TSAN
  void *sched_tsan_fiber;            /* TSan's context of the thread itself */
#endif
#ifdef ANYC_ASAN
  const void *sched_stack_lo;        /* the thread stack's bounds, learned from ASan */
  size_t sched_stack_size;
  void *sched_fake_stack;
#endif
};
extern ANYC_TLS struct anyc__runtime *anyc__rt;

/* Polling budget: after this many task switches without the ready queue emptying, the
 * loop gets one non-blocking turn so I/O and deadlines are not starved. */
#define ANYC__SWITCH_BUDGET 512u

const char *anyc__task_name(struct anyc__task *t);
/* Create a task in the ready queue under `base`; it belongs to `group` (may be NULL). */
int anyc__task_spawn(struct anyc__group *group, struct anyc__scope *base, const char *name,
                     anyc_fn fn, anyc_start_fn start_fn, void *arg,
                     struct anyc__task **out);
void anyc__task_free(struct anyc__task *t);
void anyc__task_slabs_free(struct anyc__runtime *rt);  /* at the end of a run */
/* t ended holding locks: wake their waiters with -EOWNERDEAD; they stay broken (lock.c). */
void anyc__locks_break(struct anyc__task *t);
/* Called by the task trampoline when the body returned. */
void anyc__task_finished(struct anyc__task *t, int status);

void anyc__ready(struct anyc__task *t);             /* append to the ready queue */
/* Block the current task until anyc__wake().  With abort_fn the wait is a cancel point:
 * cancellation calls abort_fn(task) to undo the wait, then the park returns -ECANCELED.
 * The caller checks for cancellation before it starts waiting. */
/* int anyc__park(what, abort_fn, obj) and void anyc__yield(void) (schedule point, no
 * cancel check) are inline: sched_fast.h. */
void anyc__wake(struct anyc__task *t, int status);  /* make a parked task ready */
/* Abort: the loop's state was touched from a thread that does not run the loop. */
void anyc__foreign_thread_die(void) __attribute__((noreturn));
/* Cancellation reached a parked task: undo its wait and wake it with -ECANCELED. */
void anyc__abort_wait(struct anyc__task *t);
/* Switch from the running context to `next` (NULL: the scheduler's own stack). */
void anyc__switch_to(struct anyc__runtime *rt, struct anyc__task *next);
/* Pop the next ready task, giving it a stack on its first run (NULL: queue empty). */
struct anyc__task *anyc__next_ready(void);
void anyc__task_entry(void *task);                  /* where a task's first switch lands */
void anyc__reap(struct anyc__runtime *rt);          /* release rt->dead */
/* Leave the finished current task for good (its stack is released by whoever runs next). */
void anyc__exit_current(void) __attribute__((noreturn));

/* ---- scopes and groups (scope.c, group.c) ------------------------------------------------ */


void anyc__scope_init_root(struct anyc__scope *s);
/* The run is over (its tasks have finished): cut off to_thread jobs abandoned by their
 * callers and still running from the run (thread.c). */
void anyc__threads_run_end(void);
/* Call fn on each live task running an anyc_from_thread call (they belong to no group;
 * anyc_dump_tasks lists them after main's tree). */
void anyc__threads_each_call(void (*fn)(struct anyc__task *t, void *arg), void *arg);
/* Free the channels kept after their last close (channel.c); at the end of a run. */
void anyc__channels_release(struct anyc__runtime *rt);
/* Open `s` under the current task's innermost scope. */
int anyc__scope_open(struct anyc__scope *s, double deadline, int is_fail);
/* Pop `s` (must be innermost) and apply the catch rule to body_status. */
int anyc__scope_close(struct anyc__scope *s, int body_status);
void anyc__scope_cancel(struct anyc__scope *s);
/* Is a task whose innermost scope is `s` effectively cancelled? */
static inline int anyc__scope_chain_cancelled(const struct anyc__scope *s)
{
  for (; s; s = s->parent) {
    if (s->cancel_called)
      return 1;
    if (s->shield)
      return 0;
  }
  return 0;
}
static inline int anyc__task_cancelled(const struct anyc__task *t)
{
  return anyc__scope_chain_cancelled(t->cur_scope);
}
/* Move task t from its current scope's task list to s's. */
/* Before `t` parks at a cancel point: make it reachable from every scope on its chain
 * (scope.c explains why this is done here and not when scopes open). */
void anyc__scope_track(struct anyc__task *t);
/* Give t (which has a stack) the outermost scope of its own, t->stack->own, below every
 * scope it has open: anyc_task_cancel's handle. */
void anyc__scope_insert_own(struct anyc__task *t);
/* Close t's own scope at its end (t need not be running): the catch rule on status. */
int anyc__scope_close_own(struct anyc__task *t, int status);
/* Re-hang t (started by anyc_start) and its own scopes under `to`. */
void anyc__scope_reparent_task(struct anyc__task *t, struct anyc__scope *to);

struct anyc__group {
  struct anyc__scope scope;      /* encloses the body and every child */
  struct anyc__list children;    /* live child tasks (pending starts included) */
  struct anyc__task *owner;      /* the task that opened it */
  struct anyc__task *waiter;     /* the owner, while it waits in close */
  size_t nchildren;              /* live children, pending starts included */
  struct anyc__errors errors;    /* every error, in order */
  int first_error;               /* code of the first error, 0 if none */
  uint32_t magic;                /* ANYC__GROUP_OPEN / _CLOSING / _CLOSED */
  uint8_t saw_cancel;            /* body or a child ended with a caught-elsewhere cancel */
};
#define ANYC__GROUP_OPEN 0x9a0be0e1u
#define ANYC__GROUP_CLOSING 0x9a0bc105u
#define ANYC__GROUP_CLOSED 0x9a0bec10u

/* A child of g ended with `status`: record its error or cancellation, wake the closer. */
void anyc__group_child_done(struct anyc__group *g, struct anyc__task *t, int status);

/* The record of one anyc_start() call, on the caller's stack while it waits.  The
 * anyc_task_status pointer handed to the started task's body is the task itself, not
 * this record: the record's frame is gone once anyc_start() returns, but the task (and
 * so a misplaced second anyc_started) outlives it. */
struct anyc__start {
  struct anyc__task *waiter;     /* the anyc_start() caller */
  struct anyc__task *child;      /* the task being started */
  struct anyc__group *target;    /* where it moves once started */
  void *value;                   /* what it passed to anyc_started() */
  int state;                     /* ANYC__START_* */
  int result;                    /* anyc_start()'s return value once settled */
};
enum { ANYC__START_PENDING, ANYC__START_STARTED, ANYC__START_STAYED, ANYC__START_DONE };
void anyc__start_child_done(struct anyc__task *t, int status);

/* ---- errors (error.c) ---------------------------------------------------------------- */

struct anyc__error {
  int code;
  char *task;     /* owned copy of the task name */
  char *message;  /* owned anyc_fail() message or NULL */
};
/* Append an error (taking `message`); on allocation failure the record is dropped. */
void anyc__errors_add(struct anyc__errors *e, int code, const char *task, char *message);
void anyc__errors_clear(struct anyc__errors *e);

/* On an anyc_to_thread worker: keep `msg` (malloc'd) as the job's anyc_fail() message and
 * return 1; elsewhere 0 (thread.c). */
int anyc__worker_fail(char *msg);

/* Print "anyc: <message>" naming the current task and abort (structural misuse). */
void anyc__die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

#include "sched_fast.h"

#endif /* ANYC_INTERNAL_H */
