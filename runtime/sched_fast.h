/* sched_fast.h — the scheduler's blocking fast paths, inline in every blocking call.
 *
 * Why inline: a switch returns into a different task's call chain, and the CPU's
 * return-address predictor, which remembers the chain of the task that switched out,
 * mispredicts every return the resumed task makes until it is back above the switch.
 * With yield and park as out-of-line functions a channel send/receive paid four or five
 * such mispredictions per switch (two tasks in different code: ~37 ns per switch against
 * ~9 ns when both tasks sit in the same code, as in yield ping-pong); inlining them into
 * the blocking call shortens that chain.  The slow and cold parts (picking a task that
 * needs a stack, releasing a dead one, the overflow check) stay out of line in sched.c.
 * Included at the end of internal.h.
 */
#ifndef ANYC_SCHED_FAST_H
#define ANYC_SCHED_FAST_H

#ifdef ANYC_ASAN
#include <sanitizer/common_interface_defs.h>
#endif
#ifdef ANYC_TSAN
#include <sanitizer/tsan_interface.h>
#endif

/* The next task to switch to directly, or NULL to return to the scheduler (sched.c). */
struct anyc__task *anyc__pick(struct anyc__runtime *rt);

/* Has the earliest deadline passed?  Trio's scheduler converts expired deadlines into
 * cancellations before a schedule point resumes a task ("the cancel point has the most
 * up-to-date info"), so the first checkpoint after a timeout is cancelled, however long
 * the task ran without one (trio's test_yield_briefly_checks_for_timeout).  Asked at
 * every schedule point while a deadline exists.  The coarse clock (a vDSO read of the
 * last tick, ~3 ns; never ahead of CLOCK_MONOTONIC, so the scheduler's own expiry then
 * fires what this saw as due) answers, unless the deadline lies within its lag
 * (rt->coarse_slack, two ticks) ahead of it: only then is the precise clock read (~23
 * ns).  It used to look only every 16th schedule point, which let a busy task run up to
 * 15 checkpoints, or one tick, past its timeout. */
double anyc__coarse_now(void);
static inline int anyc__deadline_due(const struct anyc__runtime *rt)
{
  if (ANYC_LIKELY(rt->heap_len == 0))
    return 0;
  double d = rt->heap[0]->deadline;
  if (rt->mock_clock)
    return d <= rt->mock_now;
  double c = anyc__coarse_now();
  return d <= c || (d <= c + rt->coarse_slack && d <= anyc__real_now());
}

#ifdef ANYC_ASAN
static inline void anyc__target_stack(struct anyc__runtime *rt, struct anyc__task *next,
                                const void **lo, size_t *size)
{
  if (next) {
    *lo = next->stack->lo;
    *size = next->stack->size;
  } else {
    *lo = rt->sched_stack_lo;
    *size = rt->sched_stack_size;
  }
}
#endif

/* Switch from the running context (a task, or the scheduler when rt->current is NULL)
 * to `next` (a task, or the scheduler when NULL).  Returns when this context resumes. */
/* What every switch does before it leaves `cur` (a task, or NULL for the scheduler) for
 * `next`: check a canary-guarded stack, make `next` current and running, tell TSan. */
static inline void anyc__switching(struct anyc__runtime *rt, struct anyc__task *cur,
                                   struct anyc__task *next)
{
  if (cur && ANYC_UNLIKELY(cur->stack_canary))
    anyc__stack_check(cur->stack, anyc__task_name(cur));
  rt->current = next;
  if (next) {
    next->state = ANYC__RUNNING;
    rt->stats.switches++;
  }
#ifdef ANYC_TSAN
  __tsan_switch_to_fiber(next ? next->tsan_fiber : rt->sched_tsan_fiber, 0);
#endif
}

static inline void anyc__switch_inline(struct anyc__runtime *rt, struct anyc__task *next)
{
  struct anyc__task *cur = rt->current;
  struct anyc__ctx *from = cur ? &cur->ctx : &rt->sched_ctx;
  struct anyc__ctx *to = next ? &next->ctx : &rt->sched_ctx;
  anyc__switching(rt, cur, next);
#ifdef ANYC_ASAN
  void **fake = cur ? &cur->asan_fake_stack : &rt->sched_fake_stack;
  const void *lo;
  size_t size;
  anyc__target_stack(rt, next, &lo, &size);
  __sanitizer_start_switch_fiber(fake, lo, size);
  anyc__ctx_switch(from, to);
  __sanitizer_finish_switch_fiber(*fake, NULL, NULL);
#else
  anyc__ctx_switch(from, to);
#endif
  if (rt->dead)
    anyc__reap(rt);
}

static inline void anyc__yield(void)
{
  struct anyc__runtime *rt = anyc__rt;
  struct anyc__task *cur = rt->current;
  if (!rt->ready_head && rt->budget > 1 && !anyc__deadline_due(rt)) {
    rt->budget--; /* nobody else is ready: a schedule point that stays put */
    return;
  }
  anyc__ready(cur);
  struct anyc__task *next = anyc__pick(rt);
  if (next == cur) { /* alone in the queue: nothing to switch to */
    cur->state = ANYC__RUNNING;
    return;
  }
  anyc__switch_inline(rt, next);
}

static inline int anyc__park(const char *what, void (*abort_fn)(struct anyc__task *), void *obj)
{
  struct anyc__runtime *rt = anyc__rt;
  struct anyc__task *cur = rt->current;
  if (abort_fn && ANYC_UNLIKELY(cur->tracked != cur->cur_scope))
    anyc__scope_track(cur); /* a cancellation must be able to find it */
  cur->state = ANYC__BLOCKED;
  cur->wait_what = what;
  cur->abort_fn = abort_fn;
  cur->wait_obj = obj;
  anyc__switch_inline(rt, anyc__pick(rt));
  cur->wait_what = NULL;
  cur->wait_obj = NULL;
  return cur->wake_status;
}

#endif /* ANYC_SCHED_FAST_H */
