/* p18: randomized lock / semaphore / limiter traffic with timeouts around every acquire
 * (mock clock).  Invariants: a lock has at most one holder and a semaphore / limiter at
 * most its tokens; a cancelled acquire takes nothing (at the end every token is back:
 * the lock and all tokens can be taken at once, the limiter lends none). */
#include <stdlib.h>
#include "probe.h"

#define WORKERS 12
#define TOKENS 3
static unsigned seed;
static int rnd(int n) { seed = seed * 1103515245u + 12345u; return (int)((seed >> 8) % (unsigned)n); }
static anyc_lock lk;
static anyc_semaphore sem;
static anyc_limiter lim;
static int in_lock, in_sem, in_lim, errors, acquired, cancelled;

static int worker(void *a)
{
  (void)a;
  for (int i = 0; i < 60; i++) {
    int which = rnd(3), rc;
    anyc_scope s;
    anyc_move_on_after(&s, 0.001 * rnd(5));
    rc = which == 0 ? anyc_lock_acquire(&lk)
       : which == 1 ? anyc_semaphore_acquire(&sem) : anyc_limiter_acquire(&lim);
    anyc_scope_close(&s, rc);
    if (rc != 0) {
      cancelled++;
      continue;
    }
    acquired++;
    int *in = which == 0 ? &in_lock : which == 1 ? &in_sem : &in_lim;
    ++*in;
    if ((which == 0 && *in > 1) || *in > TOKENS)
      errors++;
    if (rnd(2))
      (void)anyc_sleep(0.001 * rnd(4));
    --*in;
    if (which == 0) anyc_lock_release(&lk);
    else if (which == 1) anyc_semaphore_release(&sem);
    else anyc_limiter_release(&lim);
  }
  return 0;
}

static int main_fn(void *a)
{
  (void)a;
  anyc_lock_init(&lk);
  anyc_semaphore_init(&sem, TOKENS);
  anyc_limiter_init(&lim, TOKENS);
  anyc_group g;
  anyc_group_open(&g);
  for (int i = 0; i < WORKERS; i++)
    anyc_start_soon(&g, worker, NULL);
  int rc = anyc_group_close(&g, 0);
  /* every token is back */
  anyc_scope s;
  anyc_move_on_after(&s, 1);
  int ok = anyc_lock_acquire(&lk) == 0;
  for (int i = 0; i < TOKENS; i++)
    ok &= anyc_semaphore_acquire(&sem) == 0;
  ok &= anyc_limiter_borrowed(&lim) == 0;
  anyc_scope_close(&s, 0);
  if (!ok)
    errors++;
  anyc_lock_release(&lk);
  return rc;
}

int main(int argc, char **argv)
{
  int runs = argc > 1 ? atoi(argv[1]) : 300, bad = 0;
  for (int r = 0; r < runs; r++) {
    seed = 99u + (unsigned)r;
    errors = 0;
    anyc_config c = {0, 1, 0};
    if (anyc_run_with(&c, main_fn, NULL) != 0 || errors)
      bad++, printf("  seed %u: %d errors\n", seed, errors);
  }
  printf("  %d acquired, %d cancelled (all runs)\n", acquired, cancelled);
  EXPECT(bad, 0);
  return probe_done();
}
