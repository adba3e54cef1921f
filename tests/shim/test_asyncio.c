/* test_asyncio.c — shim/asyncio.c: as_run, as_sleep, as_wait_for. */
#include <math.h>

#include "shim_test.h"

static int nested_run(void *arg)
{
  (void)arg;
  return 0;
}
static int as_run_main(void *arg)
{
  int *ran = arg;
  *ran = 1;
  CHECK_INT(as_run(nested_run, NULL), -EBUSY); /* runs are not nested */
  return -EIO;
}
static void test_as_run_returns_main_status(void **state)
{
  (void)state;
  int ran = 0;
  checks_reset();
  assert_int_equal(as_run(as_run_main, &ran), -EIO);
  assert_int_equal(ran, 1);
  ASSERT_CHECKS();
}

static int sleep_main(void *arg)
{
  (void)arg;
  CHECK_INT(as_sleep(2.5), 0);
  CHECK_NEAR(anyc_now(), 2.5, 1e-9);
  CHECK_INT(as_sleep(-1), 0); /* asyncio.sleep(d <= 0) just yields */
  CHECK_NEAR(anyc_now(), 2.5, 1e-9);
  CHECK_INT(as_sleep(NAN), -EINVAL);
  return 0;
}
static void test_as_sleep(void **state)
{
  (void)state;
  RUN(sleep_main);
  assert_int_equal(as_sleep(0), -EPERM);
}

static int sleeps_arg(void *arg)
{
  return as_sleep(*(double *)arg);
}
static int wait_for_main(void *arg)
{
  (void)arg;
  double quick = 0.5, slow = 5;
  CHECK_INT(as_wait_for(sleeps_arg, &quick, 1), 0);
  CHECK_NEAR(anyc_now(), 0.5, 1e-9);
  CHECK_INT(as_wait_for(sleeps_arg, &slow, 1), -ETIMEDOUT);
  CHECK_NEAR(anyc_now(), 1.5, 1e-9);
  return 0;
}
static void test_as_wait_for(void **state) { (void)state; RUN(wait_for_main); }

static int no_checkpoint(void *arg)
{
  (void)arg;
  return 7;
}
/* asyncio.wait_for with a timeout <= 0 (a `deadline - now` gone negative): already
 * expired — -ETIMEDOUT at fn's first suspension, fn's result if it never suspends. */
static int wait_for_expired_main(void *arg)
{
  (void)arg;
  double slow = 5;
  CHECK_INT(as_wait_for(sleeps_arg, &slow, -0.25), -ETIMEDOUT);
  CHECK_INT(as_wait_for(sleeps_arg, &slow, 0), -ETIMEDOUT);
  CHECK_NEAR(anyc_now(), 0, 1e-9);
  CHECK_INT(as_wait_for(no_checkpoint, NULL, -1), 7);
  CHECK_INT(as_wait_for(no_checkpoint, NULL, NAN), -EINVAL);
  CHECK_INT(as_wait_for(NULL, NULL, 1), -EINVAL); /* no function: refused, not called */
  return 0;
}
static void test_as_wait_for_expired_timeout(void **state) { (void)state; RUN(wait_for_expired_main); }

/* An outer cancellation passes through wait_for as -ECANCELED, not -ETIMEDOUT. */
static int wait_for_outer_main(void *arg)
{
  (void)arg;
  double slow = 5;
  anyc_scope s;
  anyc_move_on_after(&s, 0.5);
  int rc = as_wait_for(sleeps_arg, &slow, 1);
  CHECK_INT(rc, -ECANCELED);
  CHECK_INT(anyc_scope_close(&s, rc), 0);
  return 0;
}
static void test_as_wait_for_outer_cancel(void **state) { (void)state; RUN(wait_for_outer_main); }

int main(void)
{
  const struct CMUnitTest tests[] = {
    TEST(test_as_run_returns_main_status),
    TEST(test_as_sleep),
    TEST(test_as_wait_for),
    TEST(test_as_wait_for_expired_timeout),
    TEST(test_as_wait_for_outer_cancel),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
