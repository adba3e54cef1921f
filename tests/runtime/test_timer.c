/* test_timer.c — runtime/timer.c: the clock, the deadline heap, sleep and checkpoint. */
#include <errno.h>
#include <stdlib.h>

#include "anyc_test.h"

struct wake {
  double at;
  double woke;
};

static int sleep_until_at(void *arg)
{
  struct wake *w = arg;
  int rc = anyc_sleep_until(w->at);
  w->woke = anyc_now();
  return rc;
}

#define NSLEEP 2000

static int many_deadlines(void *arg)
{
  struct wake *w = arg;
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  srand(7);
  for (int i = 0; i < NSLEEP; i++) {
    w[i].at = (double)(rand() % 1000) + (double)(rand() % 1000) / 1000.0;
    CHECK_INT(anyc_start_soon(&g, sleep_until_at, &w[i]), 0);
  }
  return anyc_group_close(&g, 0);
}

/* Every sleeper wakes exactly at its own deadline, whatever the insertion order (the
 * heap orders 2,000 random deadlines). */
static void test_timer_heap_orders_random_deadlines(void **state)
{
  (void)state;
  checks_reset();
  static struct wake w[NSLEEP];
  assert_int_equal(run_mock(many_deadlines, w), 0);
  ASSERT_CHECKS();
  for (int i = 0; i < NSLEEP; i++)
    assert_true(w[i].woke == w[i].at);
}

static anyc_scope *cancel_target;

static int cancel_some(void *arg)
{
  (void)arg;
  CHECK_INT(anyc_sleep(100), 0);
  anyc_scope_cancel(cancel_target);
  return 0;
}

static int sleep_in_scope(void *arg)
{
  struct wake *w = arg;
  anyc_scope s;
  int rc = anyc_scope_open(&s);
  if (rc < 0)
    return rc;
  if (w->at > 500)
    cancel_target = &s; /* the last such task's scope gets cancelled */
  rc = anyc_sleep_until(w->at);
  w->woke = anyc_now();
  return anyc_scope_close(&s, rc);
}

static int removals(void *arg)
{
  struct wake *w = arg;
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  for (int i = 0; i < 200; i++) {
    w[i].at = 1000.0 - i * 3.7;
    CHECK_INT(anyc_start_soon(&g, sleep_in_scope, &w[i]), 0);
  }
  CHECK_INT(anyc_start_soon(&g, cancel_some, NULL), 0);
  return anyc_group_close(&g, 0);
}

/* Removing a timer from the middle of the heap (a cancelled sleep) keeps the others
 * in order. */
static void test_timer_removal_keeps_order(void **state)
{
  (void)state;
  checks_reset();
  static struct wake w[200];
  assert_int_equal(run_mock(removals, w), 0);
  ASSERT_CHECKS();
  int cancelled = 0;
  for (int i = 0; i < 200; i++) {
    if (w[i].woke == 100.0)
      cancelled++;
    else
      assert_true(w[i].woke == w[i].at);
  }
  assert_int_equal(cancelled, 1);
}

static int sleep_zero_yields(void *arg)
{
  (void)arg;
  TRACE("b");
  return 0;
}

static int zero_sleep(void *arg)
{
  (void)arg;
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon(&g, sleep_zero_yields, NULL), 0);
  TRACE("a");
  CHECK_INT(anyc_sleep(0), 0); /* 0 = just yield: b runs now */
  TRACE("c");
  double t = anyc_now();
  CHECK_INT(anyc_sleep_until(t - 5), 0); /* a past deadline also just yields */
  CHECK(anyc_now() == t);
  return anyc_group_close(&g, 0);
}

/* spec: "anyc_sleep(0) = just yield"; a past deadline returns at once. */
static void test_timer_sleep_zero_yields(void **state)
{
  (void)state;
  run_mock_checked(zero_sleep);
  assert_string_equal(trace_log, "a,b,c");
}

static int cancelled_sleep(void *arg)
{
  (void)arg;
  anyc_scope s;
  CHECK_INT(anyc_scope_open(&s), 0);
  anyc_scope_cancel(&s);
  double t = anyc_now();
  CHECK_INT(anyc_sleep(5), -ECANCELED);
  CHECK_INT(anyc_sleep(0), -ECANCELED);
  CHECK_INT(anyc_sleep_until(t + 5), -ECANCELED);
  CHECK_INT(anyc_sleep(INFINITY), -ECANCELED);
  CHECK_INT(anyc_checkpoint(), -ECANCELED);
  CHECK(anyc_now() == t); /* returned at once, doing nothing */
  CHECK_INT(anyc_scope_close(&s, -ECANCELED), 0);
  return 0;
}

/* spec: a checkpoint returns -ECANCELED at once, doing nothing, when cancelled. */
static void test_timer_checkpoints_fail_at_once_when_cancelled(void **state)
{
  (void)state;
  run_mock_checked(cancelled_sleep);
}

static int spinner(void *arg)
{
  int *stop = arg;
  long n = 0;
  while (!*stop) {
    if (anyc_checkpoint() < 0)
      return -EIO;
    n++;
  }
  return n > 0 ? 0 : -EIO;
}

static int timer_not_starved(void *arg)
{
  (void)arg;
  static int stop;
  stop = 0;
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon(&g, spinner, &stop), 0);
  double t0 = anyc_now();
  CHECK_INT(anyc_sleep(0.01), 0); /* wakes although the spinner never blocks */
  CHECK(anyc_now() - t0 >= 0.01);
  stop = 1;
  return anyc_group_close(&g, 0);
}

/* The loop still fires deadlines while a task yields in a tight loop (switch budget). */
static void test_timer_not_starved_by_busy_task(void **state)
{
  (void)state;
  checks_reset();
  assert_int_equal(anyc_run(timer_not_starved, NULL), 0);
  ASSERT_CHECKS();
}

static int ticker(void *arg)
{
  (void)arg;
  return anyc_sleep(0.5); /* its timer sits above main's in the heap until 0.5 */
}

static int sleep_as_long_as_timeout(void *arg)
{
  (void)arg;
  anyc_group g;
  anyc_scope s;
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_fail_at(&s, 1.0), 0);
  CHECK_INT(anyc_start_soon(&g, ticker, NULL), 0);
  CHECK_INT(anyc_checkpoint(), 0); /* the ticker's timer goes in before the sleep's */
  int rc = anyc_sleep(1.0);       /* ends at 1.0, the scope's deadline too */
  CHECK_INT(rc, -ECANCELED);
  CHECK(anyc_now() == 1.0);
  CHECK_INT(anyc_scope_close(&s, rc), -ETIMEDOUT);
  CHECK(anyc_scope_cancelled_caught(&s));
  return anyc_group_close(&g, 0);
}

/* trio: sleep(d) is a cancel scope with deadline now + d around sleep_forever().  When an
 * enclosing scope's deadline is the same instant, both are cancelled in one expiry and
 * the outer one catches: the sleep raises Cancelled (here fail_at reports -ETIMEDOUT).
 * anyc returned 0 from the sleep whenever its timer happened to be popped before the
 * scope's (heap order among equal deadlines), and the timeout was then noticed only at
 * a later checkpoint, or missed if none came. */
static void test_trio_sleep_ending_at_an_enclosing_deadline_is_cancelled(void **state)
{
  (void)state;
  run_mock_checked(sleep_as_long_as_timeout);
}

/* Spin without checkpoints until the clock passes `t` (time moves only for real). */
static void busy_until(double t)
{
  while (anyc_now() < t) {
  }
}

static int partner(void *arg)
{
  int *stop = arg;
  while (!*stop)
    if (anyc_checkpoint() < 0)
      return -EIO;
  return 0;
}

/* trio test_yield_briefly_checks_for_timeout: the scheduler converts an expired deadline
 * into a cancellation before the schedule point resumes the task, so the first
 * checkpoint after the deadline passed is cancelled, whenever it comes and whether the
 * task is alone or not.  anyc looked at the clock only at every 16th schedule point,
 * from the coarse clock, so a task could run that many checkpoints (or one 4 ms tick)
 * past its timeout. */
static int first_checkpoint_after_deadline(void *arg)
{
  (void)arg;
  static int stop;
  anyc_scope s;
  for (int round = 0; round < 20; round++) { /* every phase of the old stride */
    CHECK_INT(anyc_move_on_after(&s, 0.001), 0);
    CHECK_INT(anyc_checkpoint(), 0);
    busy_until(anyc_scope_deadline(&s));
    CHECK_INT(anyc_checkpoint(), -ECANCELED);
    CHECK_INT(anyc_scope_close(&s, -ECANCELED), 0);
    CHECK(anyc_scope_cancelled_caught(&s));
  }
  anyc_group g; /* the same with another task ready beside it */
  stop = 0;
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon(&g, partner, &stop), 0);
  for (int round = 0; round < 20; round++) {
    CHECK_INT(anyc_move_on_after(&s, 0.001), 0);
    busy_until(anyc_scope_deadline(&s));
    CHECK_INT(anyc_checkpoint(), -ECANCELED);
    CHECK_INT(anyc_scope_close(&s, -ECANCELED), 0);
    CHECK_INT(anyc_checkpoint(), 0);
  }
  stop = 1;
  return anyc_group_close(&g, 0);
}

static void test_trio_yield_briefly_checks_for_timeout(void **state)
{
  (void)state;
  checks_reset();
  assert_int_equal(anyc_run(first_checkpoint_after_deadline, NULL), 0);
  ASSERT_CHECKS();
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      TEST(test_timer_heap_orders_random_deadlines),
      TEST(test_timer_removal_keeps_order),
      TEST(test_timer_sleep_zero_yields),
      TEST(test_timer_checkpoints_fail_at_once_when_cancelled),
      TEST(test_timer_not_starved_by_busy_task),
      TEST(test_trio_sleep_ending_at_an_enclosing_deadline_is_cancelled),
      TEST(test_trio_yield_briefly_checks_for_timeout),
  };
  return cmocka_run_group_tests_name("runtime/timer", tests, NULL, NULL);
}
