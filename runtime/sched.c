/* sched.c — the scheduler's task-side half: the ready queue and every context switch.
 *
 * Switching is symmetric: a task that yields, parks or exits hands the CPU straight to
 * the next ready task (FIFO) without passing through the scheduler's own stack.  It
 * returns to the scheduler (run.c) only when the ready queue is empty or after
 * ANYC__SWITCH_BUDGET switches, so the loop polls I/O and deadlines once per batch of
 * work rather than once per switch (a libuv turn costs ~100 ns; a switch ~5 ns).
 *
 * Blocking is anyc__park(what, abort_fn, obj): the task leaves the CPU until someone
 * calls anyc__wake(task, status).  If the task's cancel state becomes cancelled while it
 * is parked with an abort_fn, anyc__abort_wait() runs abort_fn to undo the operation
 * (unlink from the waiter list, drop the timer) and wakes it with -ECANCELED.
 *
 * A finished task cannot free the stack it is running on, so anyc__exit_current()
 * leaves it in rt->dead; whichever context runs next releases it (anyc__reap).
 * Under AddressSanitizer every switch is announced with the fiber API (the final switch
 * of a dying task with a NULL fake-stack slot so ASan frees it); under Valgrind stacks
 * are registered when carved (stack.c).
 */
#include <errno.h>

#include "internal.h"

ANYC_TLS struct anyc__runtime *anyc__rt;

void anyc__ready(struct anyc__task *t)
{
  struct anyc__runtime *rt = anyc__rt;
  t->state = ANYC__READY;
  t->next_ready = NULL;
  if (rt->ready_tail)
    rt->ready_tail->next_ready = t;
  else
    rt->ready_head = t;
  rt->ready_tail = t;
}

static inline struct anyc__task *pop_ready(struct anyc__runtime *rt)
{
  struct anyc__task *t = rt->ready_head;
  if (t) {
    rt->ready_head = t->next_ready;
    if (!rt->ready_head)
      rt->ready_tail = NULL;
  }
  return t;
}

/* A task gets its stack when it first runs, not at spawn: N tasks spawned before any of
 * them runs (spawn_join) then share a few hot stacks instead of touching N. */
static int give_stack(struct anyc__runtime *rt, struct anyc__task *t)
{
  if (anyc__stack_get(rt->stacks, &t->stack) < 0)
    return -ENOMEM;
  anyc__ctx_init(&t->ctx, t->stack->lo, t->stack->size, anyc__task_entry, t);
  t->stack_canary = t->stack->canary;
#ifdef ANYC_TSAN
  t->tsan_fiber = __tsan_create_fiber(0);
  __tsan_set_fiber_name(t->tsan_fiber, anyc__task_name(t));
#endif
  return 0;
}

/* The next ready task, with a stack.  A task that cannot get one ends with -ENOMEM
 * without running: its group (or anyc_start caller, or the run) sees that status. */
struct anyc__task *anyc__next_ready(void)
{
  struct anyc__runtime *rt = anyc__rt;
  for (;;) {
    struct anyc__task *t = pop_ready(rt);
    if (!t || ANYC_LIKELY(t->stack != NULL) || give_stack(rt, t) == 0)
      return t;
    anyc__task_finished(t, -ENOMEM);
    anyc__task_free(t);
  }
}

/* The next task to switch to directly, or NULL to return to the scheduler. */
struct anyc__task *anyc__pick(struct anyc__runtime *rt)
{
  if (ANYC_UNLIKELY(rt->budget == 0))
    return NULL;
  if (ANYC_UNLIKELY(anyc__deadline_due(rt)))
    return NULL; /* the scheduler fires it before anyone resumes */
  rt->budget--;
  struct anyc__task *t = anyc__next_ready();
  /* Walk two ahead in the queue: warm the saved frame of the task after next and the
   * struct of the one after that.  A mass cancel resumes thousands of tasks whose stack
   * pages left every cache long ago; this hides part of each miss (bench: cancelling
   * 100,000 sleepers 555 -> 410 ns per task; yield unchanged). */
  struct anyc__task *n1 = rt->ready_head, *n2 = n1 ? n1->next_ready : NULL;
  if (n2) {
    if (n2->stack)
      ANYC_PREFETCH(anyc__ctx_sp(&n2->ctx));
    if (n2->next_ready)
      ANYC_PREFETCH(n2->next_ready);
  }
  return t;
}

void anyc__reap(struct anyc__runtime *rt)
{
  struct anyc__task *t = rt->dead;
  if (t) {
    rt->dead = NULL;
    anyc__task_free(t);
  }
}



void anyc__exit_current(void)
{
  struct anyc__runtime *rt = anyc__rt;
  struct anyc__task *cur = rt->current;
  struct anyc__task *next = anyc__pick(rt);
  struct anyc__ctx scratch; /* the dead context is never resumed */
  struct anyc__ctx *to = next ? &next->ctx : &rt->sched_ctx;
  anyc__switching(rt, cur, next);
  cur->state = ANYC__DONE;
  rt->dead = cur;
#ifdef ANYC_ASAN
  const void *lo;
  size_t size;
  anyc__target_stack(rt, next, &lo, &size);
  __sanitizer_start_switch_fiber(NULL, lo, size); /* NULL: this fiber is gone */
#endif
  anyc__ctx_switch(&scratch, to);
  __builtin_unreachable();
}



void anyc__switch_to(struct anyc__runtime *rt, struct anyc__task *next)
{
  anyc__switch_inline(rt, next);
}

/* Waking a task (a channel send, a release, a cancel) belongs to the loop thread; done
 * from another thread (a to_thread worker) it would corrupt the ready queue, so it
 * aborts with a pointer to the right tool instead of crashing somewhere later. */
void anyc__foreign_thread_die(void)
{
  anyc__die("a task was woken (or a deadline touched) from a thread that is not running "
            "the loop; from a to_thread worker, use anyc_from_thread");
}

void anyc__wake(struct anyc__task *t, int status)
{
  if (ANYC_UNLIKELY(!anyc__rt))
    anyc__foreign_thread_die();
  t->wake_status = status;
  t->abort_fn = NULL;
  anyc__ready(t);
}

void anyc__abort_wait(struct anyc__task *t)
{
  if (t->state == ANYC__BLOCKED && t->abort_fn) {
    void (*fn)(struct anyc__task *) = t->abort_fn;
    t->abort_fn = NULL;
    fn(t);
    anyc__wake(t, -ECANCELED);
  }
}
