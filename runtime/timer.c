/* timer.c — time: the clock, the deadline heap, sleeping.
 *
 * Every deadline in a run — a sleeping task's wake-up and a cancel scope's deadline —
 * is a struct anyc__timer embedded in its owner and kept in one binary min-heap (an
 * array; each node knows its slot, so removal is O(log n) without searching).  The
 * scheduler arms a single uv_timer for the heap's minimum when it polls, and fires the
 * due nodes after every poll (anyc__timers_expire): libuv's own timer heap costs
 * ~230 ns per insert at 10k timers, this one almost nothing for the common case of
 * deadlines added in increasing order.
 *
 * The clock is CLOCK_MONOTONIC in seconds (what uv_hrtime reads), or the run's virtual
 * clock under mock_clock, which only moves when the scheduler autojumps (run.c).
 */
#include <errno.h>
#include <math.h>
#include <time.h>

#include "internal.h"

double anyc__real_now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double anyc__coarse_now(void)
{
  struct timespec ts;
#ifdef CLOCK_MONOTONIC_COARSE
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
#else
  clock_gettime(CLOCK_MONOTONIC, &ts);
#endif
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double anyc_now(void)
{
  struct anyc__runtime *rt = anyc__rt;
  if (rt && rt->mock_clock)
    return rt->mock_now;
  return anyc__real_now();
}

/* ---- the heap ---- */

static inline void place(struct anyc__timer **h, size_t i, struct anyc__timer *t)
{
  h[i] = t;
  t->index = (uint32_t)i;
}

static void sift_up(struct anyc__timer **h, size_t i)
{
  struct anyc__timer *t = h[i];
  while (i > 0) {
    size_t parent = (i - 1) / 2;
    if (h[parent]->deadline <= t->deadline)
      break;
    place(h, i, h[parent]);
    i = parent;
  }
  place(h, i, t);
}

static void sift_down(struct anyc__timer **h, size_t n, size_t i)
{
  struct anyc__timer *t = h[i];
  for (;;) {
    size_t l = 2 * i + 1, m = i;
    double best = t->deadline;
    if (l < n && h[l]->deadline < best) {
      m = l;
      best = h[l]->deadline;
    }
    if (l + 1 < n && h[l + 1]->deadline < best)
      m = l + 1;
    if (m == i)
      break;
    place(h, i, h[m]);
    i = m;
  }
  place(h, i, t);
}

int anyc__timer_add(struct anyc__timer *t)
{
  struct anyc__runtime *rt = anyc__rt;
  t->dead = 0;
  if (rt->heap_len == rt->heap_cap) {
    size_t cap = rt->heap_cap ? rt->heap_cap * 2 : 64;
    if (cap >= ANYC__NOT_IN_HEAP)
      return -ENOMEM; /* slots are 32-bit */
    struct anyc__timer **h = anyc__realloc(rt->heap, cap * sizeof *h);
    if (!h)
      return -ENOMEM;
    rt->heap = h;
    rt->heap_cap = cap;
  }
  place(rt->heap, rt->heap_len++, t);
  sift_up(rt->heap, t->index);
  return 0;
}

static void remove_now(struct anyc__runtime *rt, struct anyc__timer *t)
{
  size_t i = t->index;
  t->index = ANYC__NOT_IN_HEAP;
  t->dead = 0;
  struct anyc__timer *last = rt->heap[--rt->heap_len];
  if (last == t)
    return;
  place(rt->heap, i, last);
  if (i > 0 && rt->heap[(i - 1) / 2]->deadline > last->deadline)
    sift_up(rt->heap, i);
  else
    sift_down(rt->heap, rt->heap_len, i);
}

void anyc__timer_remove(struct anyc__timer *t)
{
  struct anyc__runtime *rt = anyc__rt;
  if (t->index == ANYC__NOT_IN_HEAP || t->dead)
    return;
  if (ANYC_UNLIKELY(!rt))
    anyc__foreign_thread_die(); /* a scope's deadline, from another thread */
  if (rt->batch_depth > 0) {
    if (rt->removed_len == rt->removed_cap) {
      size_t cap = rt->removed_cap ? rt->removed_cap * 2 : 64;
      struct anyc__timer **r = anyc__realloc(rt->removed, cap * sizeof *r);
      if (!r) {
        remove_now(rt, t); /* no room to defer: the slow way is still correct */
        return;
      }
      rt->removed = r;
      rt->removed_cap = cap;
    }
    t->dead = 1;
    rt->removed[rt->removed_len++] = t;
    return;
  }
  remove_now(rt, t);
}

void anyc__timers_batch_begin(void) { anyc__rt->batch_depth++; }

void anyc__timers_batch_end(void)
{
  struct anyc__runtime *rt = anyc__rt;
  if (--rt->batch_depth > 0 || rt->removed_len == 0)
    return;
  if (rt->removed_len * 8 < rt->heap_len) {
    for (size_t i = 0; i < rt->removed_len; i++)
      remove_now(rt, rt->removed[i]);
  } else {
    /* Many removals: keep the live nodes and heapify bottom-up, O(n). */
    size_t n = 0;
    for (size_t i = 0; i < rt->heap_len; i++) {
      struct anyc__timer *t = rt->heap[i];
      if (t->dead) {
        t->dead = 0;
        t->index = ANYC__NOT_IN_HEAP;
      } else {
        place(rt->heap, n++, t);
      }
    }
    rt->heap_len = n;
    for (size_t i = n / 2; i-- > 0;)
      sift_down(rt->heap, n, i);
  }
  rt->removed_len = 0;
}

int anyc__timer_update(struct anyc__timer *t, double deadline)
{
  t->deadline = deadline;
  if (isinf(deadline) && deadline > 0) {
    anyc__timer_remove(t);
    return 0;
  }
  if (t->index == ANYC__NOT_IN_HEAP)
    return anyc__timer_add(t);
  struct anyc__runtime *rt = anyc__rt;
  size_t i = t->index;
  if (i > 0 && rt->heap[(i - 1) / 2]->deadline > deadline)
    sift_up(rt->heap, i);
  else
    sift_down(rt->heap, rt->heap_len, i);
  return 0;
}

double anyc__timer_next(void)
{
  struct anyc__runtime *rt = anyc__rt;
  return rt->heap_len ? rt->heap[0]->deadline : INFINITY;
}

int anyc__timers_expire(double now)
{
  struct anyc__runtime *rt = anyc__rt;
  int n = 0;
  while (rt->heap_len && rt->heap[0]->deadline <= now) {
    struct anyc__timer *t = rt->heap[0];
    anyc__timer_remove(t);
    t->fire(t);
    n++;
  }
  return n;
}

/* ---- sleeping ---- */

static void sleep_fire(struct anyc__timer *tm)
{
  struct anyc__task *t = anyc__container_of(tm, struct anyc__task, sleep_timer);
  anyc__wake(t, 0);
}

static void sleep_abort(struct anyc__task *t) { anyc__timer_remove(&t->sleep_timer); }

int anyc_checkpoint(void)
{
  struct anyc__runtime *rt = anyc__rt;
  struct anyc__task *t = rt ? rt->current : NULL;
  if (ANYC_UNLIKELY(!t))
    return -EPERM;
  if (anyc__task_cancelled(t))
    return -ECANCELED;
  anyc__yield();
  return anyc__task_cancelled(t) ? -ECANCELED : 0;
}

/* Sleep until `deadline`; `future` = 1 when the caller knows it lies ahead (a relative
 * sleep just computed from the clock), which saves a second clock read. */
static int sleep_until(double deadline, int future)
{
  struct anyc__runtime *rt = anyc__rt;
  struct anyc__task *t = rt ? rt->current : NULL;
  if (ANYC_UNLIKELY(!t))
    return -EPERM;
  if (isnan(deadline))
    return -EINVAL;
  if (!future && deadline <= anyc_now())
    return anyc_checkpoint(); /* already due: just a checkpoint */
  if (anyc__task_cancelled(t))
    return -ECANCELED;
  if (!isinf(deadline)) {
    t->sleep_timer.deadline = deadline;
    t->sleep_timer.fire = sleep_fire;
    int rc = anyc__timer_add(&t->sleep_timer);
    if (rc < 0)
      return rc;
  }
  int rc = anyc__park("sleep", sleep_abort, NULL);
  /* Trio's sleep is a cancel scope with the sleep's deadline around sleep_forever():
   * when an enclosing scope is cancelled by the time the sleeper resumes — its deadline
   * equal to the sleep's (both fire in one expiry), or a cancel made after the sleep's
   * timer fired — the outer scope's cancellation is the one delivered, and the sleep
   * raises Cancelled.  A sleep that ended on time while its caller is cancelled is
   * therefore cancelled (rare: only after a timer wake). */
  if (rc == 0 && ANYC_UNLIKELY(anyc__task_cancelled(t)))
    rc = -ECANCELED;
  return rc;
}

int anyc_sleep_until(double deadline) { return sleep_until(deadline, 0); }

int anyc_sleep(double seconds)
{
  if (isnan(seconds) || seconds < 0)
    return anyc__rt && anyc__rt->current ? -EINVAL : -EPERM;
  if (seconds == 0)
    return anyc_checkpoint();
  return sleep_until(anyc_now() + seconds, 1);
}
