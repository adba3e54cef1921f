/* p09: lock / semaphore / limiter fairness (FIFO, no barging by the releaser), owner
 * errors, cancelled waiters taking nothing; event set wakes all, stays set. */
#include "probe.h"

static char order[64];
struct w { anyc_lock *l; anyc_semaphore *s; anyc_limiter *lim; char name; double hold; int rc; };
static void mark(char c) { size_t n = strlen(order); order[n] = c; order[n + 1] = 0; }
static int lock_user(void *a)
{
  struct w *w = a;
  w->rc = anyc_lock_acquire(w->l);
  if (w->rc) return 0;
  mark(w->name);
  anyc_sleep(w->hold);
  anyc_lock_release(w->l);
  return 0;
}
static int sem_user(void *a)
{
  struct w *w = a;
  w->rc = anyc_semaphore_acquire(w->s);
  if (w->rc) return 0;
  mark(w->name);
  anyc_sleep(w->hold);
  anyc_semaphore_release(w->s);
  return 0;
}
static int lim_user(void *a)
{
  struct w *w = a;
  w->rc = anyc_limiter_acquire(w->lim);
  if (w->rc) return 0;
  mark(w->name);
  anyc_sleep(w->hold);
  anyc_limiter_release(w->lim);
  return 0;
}
static int lim_cancelled(void *a)
{
  struct w *w = a;
  anyc_scope s;
  anyc_move_on_after(&s, 0.5);
  w->rc = anyc_limiter_acquire(w->lim);
  anyc_scope_close(&s, w->rc);
  return 0;
}

static int main_fn(void *a)
{
  (void)a;
  anyc_group g;
  anyc_group_open(&g);
  /* lock: main holds, A B C queue; main releases and immediately re-acquires: last */
  anyc_lock l; anyc_lock_init(&l);
  EXPECT(anyc_lock_acquire(&l), 0);
  EXPECT(anyc_lock_acquire(&l), -EDEADLK);
  struct w wa = {&l, 0, 0, 'A', 1, 1}, wb = {&l, 0, 0, 'B', 1, 1}, wc = {&l, 0, 0, 'C', 1, 1};
  anyc_start_soon(&g, lock_user, &wa);
  anyc_start_soon(&g, lock_user, &wb);
  anyc_start_soon(&g, lock_user, &wc);
  anyc_sleep(0.1);
  anyc_lock_release(&l);
  EXPECT(anyc_lock_acquire(&l), 0);
  mark('M');
  anyc_lock_release(&l);
  EXPECT_STR(order, "ABCM");
  /* semaphore 2 */
  order[0] = 0;
  anyc_semaphore s; anyc_semaphore_init(&s, 2);
  struct w s1 = {0, &s, 0, '1', 1, 1}, s2 = {0, &s, 0, '2', 2, 1}, s3 = {0, &s, 0, '3', 1, 1}, s4 = {0, &s, 0, '4', 1, 1};
  anyc_start_soon(&g, sem_user, &s1);
  anyc_start_soon(&g, sem_user, &s2);
  anyc_start_soon(&g, sem_user, &s3);
  anyc_start_soon(&g, sem_user, &s4);
  anyc_sleep(5);
  EXPECT_STR(order, "1234");
  /* limiter 1: holder, a cancelled waiter, then a waiter */
  order[0] = 0;
  anyc_limiter lim; anyc_limiter_init(&lim, 1);
  EXPECT(anyc_limiter_acquire(&lim), 0);
  EXPECT(anyc_limiter_acquire(&lim), -EDEADLK);
  EXPECT(anyc_limiter_borrowed(&lim), 1);
  struct w lc = {0, 0, &lim, 'x', 0, 1}, l2 = {0, 0, &lim, 'y', 0.1, 1};
  anyc_start_soon(&g, lim_cancelled, &lc);
  anyc_start_soon(&g, lim_user, &l2);
  anyc_sleep(1);
  EXPECT(lc.rc, -ECANCELED);
  EXPECT(anyc_limiter_borrowed(&lim), 1);
  anyc_limiter_release(&lim);
  EXPECT(anyc_limiter_borrowed(&lim), 1); /* handed to y at once */
  EXPECT(anyc_limiter_acquire(&lim), 0);  /* after y */
  EXPECT_STR(order, "y");
  anyc_limiter_release(&lim);
  EXPECT(anyc_limiter_borrowed(&lim), 0);
  /* event */
  anyc_event ev; anyc_event_init(&ev);
  EXPECT(anyc_event_is_set(&ev), 0);
  anyc_event_set(&ev);
  anyc_event_set(&ev);
  EXPECT(anyc_event_is_set(&ev), 1);
  EXPECT(anyc_event_wait(&ev), 0);
  return anyc_group_close(&g, 0);
}

int main(void)
{
  EXPECT(probe_run_mock(main_fn), 0);
  return probe_done();
}
