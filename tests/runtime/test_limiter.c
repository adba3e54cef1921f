/* test_limiter.c — runtime/limiter.c: anyc_limiter (Trio's CapacityLimiter;
 * trio/_tests/test_sync.py::test_CapacityLimiter, ::test_CapacityLimiter_memleak_548). */
#include <errno.h>

#include "anyc_test.h"
#include "abort_helper.h"

static anyc_limiter lim;

static int borrower(void *arg)
{
  int rc = anyc_limiter_acquire(&lim);
  CHECK_INT(rc, 0);
  TRACE("b%d@%g", (int)(intptr_t)arg, anyc_now());
  CHECK_INT(anyc_sleep(1), 0);
  anyc_limiter_release(&lim);
  return 0;
}

static int basic_main(void *arg)
{
  (void)arg;
  anyc_group g;
  anyc_limiter_init(&lim, 2);
  CHECK_INT(anyc_limiter_borrowed(&lim), 0);
  CHECK_INT(anyc_limiter_acquire(&lim), 0);
  CHECK_INT(anyc_limiter_borrowed(&lim), 1);
  /* trio: a double acquire by the same borrower raises RuntimeError -> -EDEADLK */
  CHECK_INT(anyc_limiter_acquire(&lim), -EDEADLK);
  CHECK_INT(anyc_limiter_borrowed(&lim), 1);
  CHECK_INT(anyc_group_open(&g), 0);
  for (intptr_t i = 1; i <= 3; i++)
    CHECK_INT(anyc_start_soon(&g, borrower, (void *)i), 0);
  CHECK_INT(anyc_sleep(0.5), 0);
  CHECK_INT(anyc_limiter_borrowed(&lim), 2); /* main + b1; b2, b3 wait */
  anyc_limiter_release(&lim);                 /* hands our token to b2 */
  CHECK_INT(anyc_limiter_borrowed(&lim), 2);
  CHECK_INT(anyc_group_close(&g, 0), 0);
  CHECK_INT(anyc_limiter_borrowed(&lim), 0);
  return 0;
}

/* trio test_CapacityLimiter: borrowed counts, double acquire, FIFO hand-off. */
static void test_trio_CapacityLimiter(void **state)
{
  (void)state;
  checks_reset();
  assert_int_equal(run_mock(basic_main, NULL), 0);
  ASSERT_CHECKS();
  assert_string_equal(trace_log, "b1@0,b2@0.5,b3@1");
}

static int give_up(void *arg)
{
  (void)arg;
  anyc_scope s;
  CHECK_INT(anyc_move_on_after(&s, 1), 0);
  int rc = anyc_limiter_acquire(&lim);
  CHECK_INT(rc, -ECANCELED);
  return anyc_scope_close(&s, rc);
}

static int memleak_main(void *arg)
{
  (void)arg;
  anyc_group g;
  anyc_limiter_init(&lim, 1);
  CHECK_INT(anyc_limiter_acquire(&lim), 0);
  CHECK_INT(anyc_group_open(&g), 0);
  for (int i = 0; i < 10; i++)
    CHECK_INT(anyc_start_soon(&g, give_up, NULL), 0);
  CHECK_INT(anyc_group_close(&g, 0), 0);
  /* Every cancelled acquire left: only main borrows, nobody waits. */
  CHECK_INT(anyc_limiter_borrowed(&lim), 1);
  anyc_limiter_release(&lim);
  CHECK_INT(anyc_limiter_borrowed(&lim), 0);
  /* Zero tokens (allowed since trio 0.32): acquire blocks until cancelled. */
  anyc_limiter_init(&lim, 0);
  return give_up(NULL);
}

/* trio test_CapacityLimiter_memleak_548: a cancelled acquire leaves no pending borrower
 * (and, here, no allocation: the teardown checks the runtime's live count). */
static void test_trio_CapacityLimiter_memleak_548(void **state)
{
  (void)state;
  checks_reset();
  assert_int_equal(run_mock(memleak_main, NULL), 0);
  ASSERT_CHECKS();
}

static int oom_main(void *arg)
{
  (void)arg;
  anyc_limiter_init(&lim, 1);
  anyc__alloc_fail_at(1);
  CHECK_INT(anyc_limiter_acquire(&lim), -ENOMEM);
  CHECK_INT(anyc_limiter_borrowed(&lim), 0);
  CHECK_INT(anyc_limiter_acquire(&lim), 0);
  anyc_limiter_release(&lim);
  return 0;
}

/* spec robustness: out of memory returns -ENOMEM and leaks nothing. */
static void test_limiter_out_of_memory(void **state)
{
  (void)state;
  checks_reset();
  assert_int_equal(anyc_run(oom_main, NULL), 0);
  ASSERT_CHECKS();
}

static int release_unheld(void *arg)
{
  (void)arg;
  anyc_limiter_init(&lim, 3);
  anyc_limiter_release(&lim);
  return 0;
}

static void child(void *arg)
{
  (void)arg;
  anyc_run(release_unheld, NULL);
}

/* trio: release by a non-borrower raises RuntimeError -> here it aborts with a message. */
static void test_trio_CapacityLimiter_release_unheld_aborts(void **state)
{
  (void)state;
  char out[2048];
  assert_true(fork_capture(child, NULL, out, sizeof out));
  assert_non_null(strstr(out, "holds no token"));
  assert_non_null(strstr(out, "in task 'main'"));
}

static int other(void *arg)
{
  (void)arg;
  TRACE("other");
  return 0;
}

static int checkpoint_main(void *arg)
{
  (void)arg;
  anyc_group g;
  anyc_scope s;
  anyc_limiter_init(&lim, 1);
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon(&g, other, NULL), 0);
  CHECK_INT(anyc_limiter_acquire(&lim), 0); /* uncontended: still a schedule point */
  TRACE("acquired");
  anyc_limiter_release(&lim);
  CHECK_INT(anyc_scope_open(&s), 0);
  anyc_scope_cancel(&s);
  CHECK_INT(anyc_limiter_acquire(&lim), -ECANCELED); /* takes nothing */
  CHECK_INT(anyc_scope_close(&s, -ECANCELED), 0);
  CHECK_INT(anyc_limiter_borrowed(&lim), 0);
  return anyc_group_close(&g, 0);
}

/* spec "every acquire is a checkpoint" */
static void test_limiter_acquire_is_checkpoint(void **state)
{
  (void)state;
  checks_reset();
  assert_int_equal(anyc_run(checkpoint_main, NULL), 0);
  ASSERT_CHECKS();
  assert_string_equal(trace_log, "other,acquired");
  anyc_limiter_init(&lim, 1);
  assert_int_equal(anyc_limiter_acquire(&lim), -EPERM);
}

/* Its token stays borrowed by a finished task for good, so its holder array stays
 * allocated (reachable from here): the one test without the no-leak teardown. */
static anyc_limiter kept;

static int borrows_and_exits(void *arg)
{
  (void)arg;
  return anyc_limiter_acquire(&kept); /* returns still borrowing */
}

static int borrow_with_timeout(void *arg)
{
  int *rc = arg;
  anyc_scope s;
  CHECK_INT(anyc_move_on_after(&s, 1), 0);
  *rc = anyc_limiter_acquire(&kept);
  return anyc_scope_close(&s, *rc);
}

static int token_of_finished_task(void *arg)
{
  (void)arg;
  anyc_group g;
  int rc = 1;
  anyc_limiter_init(&kept, 1);
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon(&g, borrows_and_exits, NULL), 0);
  CHECK_INT(anyc_group_close(&g, 0), 0);
  CHECK_INT(anyc_limiter_borrowed(&kept), 1);
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon(&g, borrow_with_timeout, &rc), 0);
  CHECK_INT(anyc_group_close(&g, 0), 0);
  CHECK_INT(rc, -ECANCELED); /* the token is still the finished task's */
  CHECK_INT(anyc_limiter_borrowed(&kept), 1);
  return 0;
}

/* trio CapacityLimiter: a borrower that finished without releasing keeps its token; a
 * new task is a different borrower (not -EDEADLK), and waits. */
static void test_trio_CapacityLimiter_token_of_finished_task(void **state)
{
  (void)state;
  run_mock_checked(token_of_finished_task);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      TEST(test_trio_CapacityLimiter),
      TEST(test_trio_CapacityLimiter_memleak_548),
      TEST(test_limiter_out_of_memory),
      TEST(test_trio_CapacityLimiter_release_unheld_aborts),
      TEST(test_limiter_acquire_is_checkpoint),
      cmocka_unit_test(test_trio_CapacityLimiter_token_of_finished_task),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
