/* test_event.c — runtime/event.c: one-shot events. */
#include <errno.h>
#include <pthread.h>
#include <time.h>

#include "abort_helper.h"

static anyc_event ev;

static int waiter(void *arg)
{
  int rc = anyc_event_wait(&ev);
  TRACE("%s:%d", (const char *)arg, rc);
  return rc;
}

static int setter(void *arg)
{
  (void)arg;
  CHECK_INT(anyc_sleep(1), 0);
  CHECK(!anyc_event_is_set(&ev));
  anyc_event_set(&ev);
  anyc_event_set(&ev); /* idempotent */
  CHECK(anyc_event_is_set(&ev));
  return 0;
}

static int wake_all(void *arg)
{
  (void)arg;
  anyc_event_init(&ev);
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  anyc_start_soon(&g, waiter, (void *)"w1");
  anyc_start_soon(&g, waiter, (void *)"w2");
  anyc_start_soon(&g, setter, NULL);
  CHECK_INT(anyc_group_close(&g, 0), 0);
  CHECK(anyc_now() == 1.0);
  CHECK_INT(anyc_event_wait(&ev), 0); /* already set: returns (after a checkpoint) */
  return 0;
}

/* trio Event: set() wakes every waiter, FIFO; the event stays set. */
static void test_event_set_wakes_all_waiters(void **state)
{
  (void)state;
  run_mock_checked(wake_all);
  assert_string_equal(trace_log, "w1:0,w2:0");
}

static int cancelled_waiter(void *arg)
{
  (void)arg;
  anyc_event_init(&ev);
  anyc_scope s;
  CHECK_INT(anyc_move_on_after(&s, 1), 0);
  int rc = anyc_event_wait(&ev);
  CHECK_INT(rc, -ECANCELED);
  CHECK_INT(anyc_scope_close(&s, rc), 0);
  anyc_event_set(&ev); /* no stale waiter left behind */
  CHECK_INT(anyc_scope_open(&s), 0);
  anyc_scope_cancel(&s);
  CHECK_INT(anyc_event_wait(&ev), -ECANCELED); /* set, but a full checkpoint */
  CHECK_INT(anyc_scope_close(&s, -ECANCELED), 0);
  return 0;
}

/* A cancelled waiter is removed and wakes with -ECANCELED; waiting on a set event is
 * still a cancel point (trio). */
static void test_event_wait_is_a_checkpoint(void **state)
{
  (void)state;
  run_mock_checked(cancelled_waiter);
}

static void *set_from_foreign_thread(void *arg)
{
  (void)arg;
  struct timespec ts = {0, 20 * 1000 * 1000}; /* once main waits */
  nanosleep(&ts, NULL);
  anyc_event_set(&ev);
  return NULL;
}
static int sleeps(void *arg)
{
  (void)arg;
  return anyc_sleep(5); /* keeps the loop busy: no deadlock report meanwhile */
}
static int wait_for_foreign_set(void *arg)
{
  (void)arg;
  anyc_event_init(&ev);
  anyc_group g;
  int rc = anyc_group_open(&g);
  if (rc == 0)
    rc = anyc_start_soon(&g, sleeps, NULL);
  pthread_t th;
  if (rc == 0 && pthread_create(&th, NULL, set_from_foreign_thread, NULL) != 0)
    rc = -EAGAIN;
  if (rc == 0)
    rc = anyc_event_wait(&ev); /* the other thread's set must not touch the scheduler */
  return anyc_group_close(&g, rc);
}

/* Thread rule: waking tasks is the loop thread's job.  A set with waiters from another
 * thread aborts with a message pointing at anyc_from_thread, instead of corrupting the
 * ready queue (a segfault, or worse, later). */
static void test_event_set_from_another_thread_aborts(void **state)
{
  (void)state;
  run_expect_abort(wait_for_foreign_set,
                   "anyc_event_set with waiting tasks from a thread that is not running the loop");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      TEST(test_event_set_wakes_all_waiters),
      TEST(test_event_wait_is_a_checkpoint),
      TEST(test_event_set_from_another_thread_aborts),
  };
  return cmocka_run_group_tests_name("runtime/event", tests, NULL, NULL);
}
