/* test_thread.c — shim/thread.c: as_to_thread is anyc_to_thread without the abandon
 * flag: the result comes back, and a cancelled caller still waits for its thread. */
#include <stdatomic.h>
#include <time.h>

#include "shim_test.h"

static atomic_int thread_started, thread_done;

static int blocking_work(void *arg)
{
  atomic_store(&thread_started, 1);
  struct timespec ts = {0, 20 * 1000 * 1000};
  nanosleep(&ts, NULL);
  atomic_store(&thread_done, 1);
  return *(int *)arg;
}

static int result_main(void *arg)
{
  (void)arg;
  int status = -EIO;
  atomic_store(&thread_done, 0);
  CHECK_INT(as_to_thread(blocking_work, &status), -EIO);
  CHECK_INT(atomic_load(&thread_done), 1);
  return 0;
}
static void test_as_to_thread_returns_status(void **state) { (void)state; RUN(result_main); }

/* Cancel the caller once its thread is running (a job still queued is simply dropped). */
static anyc_scope *victim;
static int cancel_when_started(void *arg)
{
  (void)arg;
  while (!atomic_load(&thread_started)) {
    int rc = anyc_sleep(0);
    if (rc)
      return rc;
  }
  anyc_scope_cancel(victim);
  return 0;
}
static int cancelled_main(void *arg)
{
  (void)arg;
  int status = 0;
  anyc_group g;
  anyc_scope s;
  atomic_store(&thread_started, 0);
  atomic_store(&thread_done, 0);
  anyc_group_open(&g);
  anyc_scope_open(&s);
  victim = &s;
  anyc_start_soon(&g, cancel_when_started, NULL);
  int rc = as_to_thread(blocking_work, &status);
  CHECK_INT(rc, -ECANCELED);
  CHECK_INT(atomic_load(&thread_done), 1); /* not abandoned: it waited */
  CHECK_INT(anyc_scope_close(&s, rc), 0);
  CHECK_INT(anyc_group_close(&g, 0), 0);
  return 0;
}
static void test_as_to_thread_cancelled_caller_waits(void **state) { (void)state; RUN(cancelled_main); }

static void test_as_to_thread_outside_a_task(void **state)
{
  (void)state;
  int status = 0;
  assert_int_equal(as_to_thread(blocking_work, &status), -EPERM);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    TEST(test_as_to_thread_returns_status),
    TEST(test_as_to_thread_cancelled_caller_waits),
    TEST(test_as_to_thread_outside_a_task),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
