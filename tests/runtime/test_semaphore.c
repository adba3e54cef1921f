/* test_semaphore.c — runtime/semaphore.c: anyc_semaphore (trio test_sync.py::test_Semaphore). */
#include <errno.h>

#include "anyc_test.h"

static anyc_semaphore sem;

static int waiter(void *arg)
{
  int rc = anyc_semaphore_acquire(&sem);
  CHECK_INT(rc, 0);
  TRACE("w%d@%g", (int)(intptr_t)arg, anyc_now());
  return 0;
}

static int counting_main(void *arg)
{
  (void)arg;
  anyc_group g;
  anyc_semaphore_init(&sem, 2);
  CHECK_INT(anyc_semaphore_acquire(&sem), 0);
  CHECK_INT(anyc_semaphore_acquire(&sem), 0); /* count is 0 now */
  CHECK_INT(anyc_group_open(&g), 0);
  for (intptr_t i = 1; i <= 3; i++)
    CHECK_INT(anyc_start_soon(&g, waiter, (void *)i), 0);
  CHECK_INT(anyc_sleep(1), 0);
  anyc_semaphore_release(&sem); /* wakes w1 only */
  CHECK_INT(anyc_sleep(1), 0);
  anyc_semaphore_release(&sem);
  anyc_semaphore_release(&sem);
  anyc_semaphore_release(&sem); /* one more than the waiters: count back to 1 */
  CHECK_INT(anyc_group_close(&g, 0), 0);
  CHECK_INT(anyc_semaphore_acquire(&sem), 0);
  TRACE("main");
  return 0;
}

/* trio test_Semaphore: the count, blocking at zero, FIFO wake-ups one per release. */
static void test_trio_semaphore_counts_and_wakes_fifo(void **state)
{
  (void)state;
  checks_reset();
  assert_int_equal(run_mock(counting_main, NULL), 0);
  ASSERT_CHECKS();
  assert_string_equal(trace_log, "w1@1,w2@2,w3@2,main");
}

static int cancelled_waiter(void *arg)
{
  (void)arg;
  anyc_scope s;
  CHECK_INT(anyc_move_on_after(&s, 1), 0);
  int rc = anyc_semaphore_acquire(&sem);
  CHECK_INT(rc, -ECANCELED);
  CHECK_INT(anyc_scope_close(&s, rc), 0);
  return 0;
}

static int cancel_main(void *arg)
{
  (void)arg;
  anyc_group g;
  anyc_scope s;
  anyc_semaphore_init(&sem, 0);
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon(&g, cancelled_waiter, NULL), 0);
  CHECK_INT(anyc_start_soon(&g, waiter, (void *)(intptr_t)2), 0);
  CHECK_INT(anyc_sleep(2), 0);
  anyc_semaphore_release(&sem); /* to w2: the cancelled waiter left the queue */
  CHECK_INT(anyc_group_close(&g, 0), 0);
  anyc_semaphore_release(&sem);
  /* In a cancelled scope acquire returns at once and takes nothing. */
  CHECK_INT(anyc_scope_open(&s), 0);
  anyc_scope_cancel(&s);
  CHECK_INT(anyc_semaphore_acquire(&sem), -ECANCELED);
  CHECK_INT(anyc_scope_close(&s, -ECANCELED), 0);
  CHECK_INT(anyc_semaphore_acquire(&sem), 0); /* the token was still there */
  return 0;
}

/* spec "a cancelled waiter is removed and takes nothing" */
static void test_semaphore_cancelled_acquire_takes_nothing(void **state)
{
  (void)state;
  checks_reset();
  assert_int_equal(run_mock(cancel_main, NULL), 0);
  ASSERT_CHECKS();
  assert_string_equal(trace_log, "w2@2");
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
  anyc_semaphore_init(&sem, 1);
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon(&g, other, NULL), 0);
  CHECK_INT(anyc_semaphore_acquire(&sem), 0);
  TRACE("acquired");
  return anyc_group_close(&g, 0);
}

/* spec "every acquire is a checkpoint": an uncontended acquire still yields. */
static void test_semaphore_acquire_is_schedule_point(void **state)
{
  (void)state;
  checks_reset();
  assert_int_equal(anyc_run(checkpoint_main, NULL), 0);
  ASSERT_CHECKS();
  assert_string_equal(trace_log, "other,acquired");
  anyc_semaphore_init(&sem, 1);
  assert_int_equal(anyc_semaphore_acquire(&sem), -EPERM);
}

/* Waiter arg / 10 whose own deadline (arg % 10 seconds, 0 = none) may cancel it while
 * it is queued. */
static int timed_waiter(void *arg)
{
  int id = (int)(intptr_t)arg / 10, secs = (int)(intptr_t)arg % 10;
  anyc_scope sc;
  CHECK_INT(secs ? anyc_move_on_after(&sc, secs) : anyc_scope_open(&sc), 0);
  int rc = anyc_semaphore_acquire(&sem);
  TRACE("w%d %s@%g", id, rc == 0 ? "got" : "gave-up", anyc_now());
  CHECK_INT(anyc_scope_close(&sc, rc), 0);
  return 0;
}

static int fifo_cancel_main(void *arg)
{
  (void)arg;
  anyc_group g;
  anyc_semaphore_init(&sem, 0);
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon(&g, timed_waiter, (void *)(intptr_t)10), 0);
  CHECK_INT(anyc_start_soon(&g, timed_waiter, (void *)(intptr_t)22), 0); /* leaves at 2 */
  CHECK_INT(anyc_start_soon(&g, timed_waiter, (void *)(intptr_t)30), 0);
  CHECK_INT(anyc_sleep(5), 0);
  anyc_semaphore_release(&sem); /* the first waiter */
  anyc_semaphore_release(&sem); /* the third: the one that left took no place */
  anyc_semaphore_release(&sem); /* nobody waits: the count */
  CHECK_INT(anyc_group_close(&g, 0), 0);
  CHECK_INT(anyc_semaphore_acquire(&sem), 0);
  return 0;
}

/* trio test_Semaphore / fairness: waiters are served FIFO; one whose timeout fired
 * meanwhile leaves the queue, takes nothing, and the next release skips it. */
static void test_trio_semaphore_fifo_with_cancelled_waiter(void **state)
{
  (void)state;
  checks_reset();
  assert_int_equal(run_mock(fifo_cancel_main, NULL), 0);
  ASSERT_CHECKS();
  assert_string_equal(trace_log, "w2 gave-up@2,w1 got@5,w3 got@5");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      TEST(test_trio_semaphore_counts_and_wakes_fifo),
      TEST(test_semaphore_cancelled_acquire_takes_nothing),
      TEST(test_semaphore_acquire_is_schedule_point),
      TEST(test_trio_semaphore_fifo_with_cancelled_waiter),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
