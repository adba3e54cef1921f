/* test_signal.c — runtime/signal.c: anyc_signal_wait (AnyIO's open_signal_receiver,
 * anyio tests/test_signals.py::test_receive_signals, ::test_task_group_cancellation). */
#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include "anyc_test.h"

static int raise_later(void *arg)
{
  CHECK_INT(anyc_sleep(0.01), 0);
  CHECK_INT(kill(getpid(), *(int *)arg), 0);
  return 0;
}

static int receive_main(void *arg)
{
  (void)arg;
  static const int sigs[] = {SIGUSR1, SIGUSR2};
  static int which[] = {SIGUSR2, SIGUSR1};
  anyc_group g;
  for (int i = 0; i < 2; i++) {
    int got = 0;
    CHECK_INT(anyc_group_open(&g), 0);
    CHECK_INT(anyc_start_soon(&g, raise_later, &which[i]), 0);
    CHECK_INT(anyc_signal_wait(sigs, 2, &got), 0);
    CHECK_INT(got, which[i]);
    CHECK_INT(anyc_group_close(&g, 0), 0);
  }
  return 0;
}

/* anyio test_receive_signals: the signals sent arrive, in order, as numbers. */
static void test_anyio_receive_signals(void **state)
{
  (void)state;
  checks_reset();
  assert_int_equal(anyc_run(receive_main, NULL), 0);
  ASSERT_CHECKS();
}

static int cancel_main(void *arg)
{
  (void)arg;
  static const int sigs[] = {SIGUSR1};
  anyc_scope s;
  int got = 0;
  CHECK_INT(anyc_move_on_after(&s, 0.01), 0);
  int rc = anyc_signal_wait(sigs, 1, &got);
  CHECK_INT(rc, -ECANCELED);
  CHECK_INT(anyc_scope_close(&s, rc), 0);
  CHECK(anyc_scope_cancelled_caught(&s));
  CHECK_INT(got, 0);
  /* a cancelled caller waits for nothing */
  CHECK_INT(anyc_scope_open(&s), 0);
  anyc_scope_cancel(&s);
  CHECK_INT(anyc_signal_wait(sigs, 1, &got), -ECANCELED);
  CHECK_INT(anyc_scope_close(&s, -ECANCELED), 0);
  static const int bad[] = {SIGKILL};
  CHECK_INT(anyc_signal_wait(bad, 1, &got), -EINVAL);
  CHECK_INT(anyc_signal_wait(sigs, 0, &got), -EINVAL);
  CHECK_INT(anyc_signal_wait(sigs, 1, NULL), -EINVAL);
  return 0;
}

/* anyio test_task_group_cancellation: cancelling the waiter ends the wait at once. */
static void test_anyio_signal_wait_cancellation(void **state)
{
  (void)state;
  checks_reset();
  assert_int_equal(run_mock(cancel_main, NULL), 0);
  ASSERT_CHECKS();
  int got;
  static const int sigs[] = {SIGUSR1};
  assert_int_equal(anyc_signal_wait(sigs, 1, &got), -EPERM);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      TEST(test_anyio_receive_signals),
      TEST(test_anyio_signal_wait_cancellation),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
