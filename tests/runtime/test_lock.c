/* test_lock.c — runtime/lock.c: anyc_lock (Trio's Lock; trio/_tests/test_sync.py). */
#include <errno.h>

#include "anyc_test.h"
#include "abort_helper.h"

static anyc_lock lock;

static int take_and_trace(void *arg)
{
  int rc = anyc_lock_acquire(&lock);
  CHECK_INT(rc, 0);
  TRACE("got%d", (int)(intptr_t)arg);
  CHECK_INT(anyc_sleep(1), 0);
  anyc_lock_release(&lock);
  return 0;
}

static int fifo_main(void *arg)
{
  (void)arg;
  anyc_group g;
  anyc_lock_init(&lock);
  CHECK_INT(anyc_lock_acquire(&lock), 0);
  CHECK_INT(anyc_group_open(&g), 0);
  for (intptr_t i = 1; i <= 3; i++)
    CHECK_INT(anyc_start_soon(&g, take_and_trace, (void *)i), 0);
  CHECK_INT(anyc_sleep(1), 0); /* all three are queued behind us now */
  anyc_lock_release(&lock);
  /* Release is not a checkpoint and hands the lock over: we queue behind the others. */
  CHECK_INT(anyc_lock_acquire(&lock), 0);
  TRACE("main");
  anyc_lock_release(&lock);
  return anyc_group_close(&g, 0);
}

/* trio test_Lock_and_StrictFIFOLock: FIFO fairness; the releaser cannot barge back in. */
static void test_trio_lock_fifo_fair(void **state)
{
  (void)state;
  checks_reset();
  assert_int_equal(run_mock(fifo_main, NULL), 0);
  ASSERT_CHECKS();
  assert_string_equal(trace_log, "got1,got2,got3,main");
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
  anyc_lock_init(&lock);
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon(&g, other, NULL), 0);
  CHECK_INT(anyc_lock_acquire(&lock), 0); /* uncontended: still a schedule point */
  TRACE("acquired");
  CHECK_INT(anyc_lock_acquire(&lock), -EDEADLK); /* trio: RuntimeError on re-acquire */
  anyc_lock_release(&lock);
  /* A cancelled acquire does nothing, even when the lock is free. */
  CHECK_INT(anyc_scope_open(&s), 0);
  anyc_scope_cancel(&s);
  CHECK_INT(anyc_lock_acquire(&lock), -ECANCELED);
  CHECK_INT(anyc_scope_close(&s, -ECANCELED), 0);
  CHECK_INT(anyc_lock_acquire(&lock), 0); /* still free */
  anyc_lock_release(&lock);
  return anyc_group_close(&g, 0);
}

/* spec "every acquire is a checkpoint"; trio test_Lock: re-acquire by the holder fails. */
static void test_trio_lock_acquire_is_checkpoint(void **state)
{
  (void)state;
  checks_reset();
  assert_int_equal(anyc_run(checkpoint_main, NULL), 0);
  ASSERT_CHECKS();
  assert_string_equal(trace_log, "other,acquired");
}

static int timed_out_waiter(void *arg)
{
  (void)arg;
  anyc_scope s;
  CHECK_INT(anyc_move_on_after(&s, 1), 0);
  int rc = anyc_lock_acquire(&lock);
  CHECK_INT(rc, -ECANCELED);
  CHECK_INT(anyc_scope_close(&s, rc), 0);
  CHECK(anyc_scope_cancelled_caught(&s));
  TRACE("gave-up");
  return 0;
}

static int cancel_main(void *arg)
{
  (void)arg;
  anyc_group g;
  anyc_lock_init(&lock);
  CHECK_INT(anyc_lock_acquire(&lock), 0);
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon(&g, timed_out_waiter, NULL), 0);
  CHECK_INT(anyc_start_soon(&g, take_and_trace, (void *)(intptr_t)2), 0);
  CHECK_INT(anyc_sleep(5), 0); /* the first waiter times out at t=1 */
  anyc_lock_release(&lock);    /* goes to the second waiter, not the cancelled one */
  return anyc_group_close(&g, 0);
}

/* spec "a cancelled waiter is removed and takes nothing" */
static void test_lock_cancelled_waiter_takes_nothing(void **state)
{
  (void)state;
  checks_reset();
  assert_int_equal(run_mock(cancel_main, NULL), 0);
  ASSERT_CHECKS();
  assert_string_equal(trace_log, "gave-up,got2");
}

static int release_unheld(void *arg)
{
  (void)arg;
  anyc_lock_init(&lock);
  anyc_lock_release(&lock);
  return 0;
}

static int holder(void *arg)
{
  (void)arg;
  CHECK_INT(anyc_lock_acquire(&lock), 0);
  return anyc_sleep(10);
}

static int release_others(void *arg)
{
  (void)arg;
  anyc_group g;
  anyc_lock_init(&lock);
  if (anyc_group_open(&g) < 0)
    return -1;
  if (anyc_start_soon_named(&g, "holder", holder, NULL) < 0 || anyc_sleep(1) < 0)
    return anyc_group_close(&g, -1);
  anyc_lock_release(&lock);
  return anyc_group_close(&g, 0);
}

static void child_release_unheld(void *arg)
{
  (void)arg;
  anyc_run(release_unheld, NULL);
}

static void child_release_others(void *arg)
{
  (void)arg;
  run_mock(release_others, NULL);
}

/* spec "Releasing a lock that the current task does not hold aborts with a message" */
static void test_lock_release_by_non_owner_aborts(void **state)
{
  (void)state;
  char out[2048];
  assert_true(fork_capture(child_release_unheld, NULL, out, sizeof out));
  assert_non_null(strstr(out, "not held by this task (owner: none)"));
  assert_non_null(strstr(out, "in task 'main'"));
  assert_true(fork_capture(child_release_others, NULL, out, sizeof out));
  assert_non_null(strstr(out, "(owner: holder)"));
  assert_non_null(strstr(out, "in task 'main'"));
}

static void child_release_outside_run(void *arg)
{
  (void)arg;
  anyc_lock_init(&lock);
  anyc_lock_release(&lock); /* no run, no task: nobody can hold it */
}

/* spec: releasing a lock the current task does not hold aborts — outside any task too
 * (it used to add a second token to a free lock, silently breaking mutual exclusion). */
static void test_spec_lock_release_outside_task_aborts(void **state)
{
  (void)state;
  char out[2048];
  assert_true(fork_capture(child_release_outside_run, NULL, out, sizeof out));
  assert_non_null(strstr(out, "not held by this task"));
}

static int exits_holding(void *arg)
{
  (void)arg;
  return anyc_lock_acquire(&lock); /* returns with the lock held */
}

static int acquire_with_timeout(void *arg)
{
  int *rc = arg;
  anyc_scope s;
  CHECK_INT(anyc_move_on_after(&s, 1), 0);
  *rc = anyc_lock_acquire(&lock);
  return anyc_scope_close(&s, *rc);
}

static int lock_of_finished_task(void *arg)
{
  (void)arg;
  anyc_group g;
  int rc = 1;
  anyc_lock_init(&lock);
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon_named(&g, "holder", exits_holding, NULL), 0);
  CHECK_INT(anyc_group_close(&g, 0), 0);
  CHECK_INT(anyc_group_open(&g), 0); /* a new task, likely where the holder's struct was */
  CHECK_INT(anyc_start_soon(&g, acquire_with_timeout, &rc), 0);
  CHECK_INT(anyc_group_close(&g, 0), -EOWNERDEAD);
  CHECK_INT(rc, -EOWNERDEAD); /* at once: not -EDEADLK, and no wait for the timeout */
  CHECK(anyc_now() == 0.0);
  anyc_error_info info = {0};
  CHECK_INT(anyc_error_count(), 1);
  CHECK_INT(anyc_error_at(0, &info), 0);
  CHECK_INT(info.code, -EOWNERDEAD);
  CHECK(info.message &&
        strcmp(info.message, "owner of this lock exited without releasing: task 'holder'") == 0);
  CHECK_INT(anyc_lock_acquire(&lock), -EOWNERDEAD); /* broken for good */
  return 0;
}

/* trio test_lock_acquire_unowned_lock (trio >= 0.27): acquiring a lock whose owner
 * exited without releasing raises BrokenResourceError naming the owner — here
 * -EOWNERDEAD with that message.  anyc used to leave the lock held by the finished
 * task: every later acquire waited forever. */
static void test_trio_lock_acquire_unowned_lock(void **state)
{
  (void)state;
  run_mock_checked(lock_of_finished_task);
}

static int two_acquirers(void *arg)
{
  (void)arg;
  anyc_group g;
  anyc_lock_init(&lock);
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon_named(&g, "first", exits_holding, NULL), 0);
  CHECK_INT(anyc_start_soon_named(&g, "second", exits_holding, NULL), 0);
  CHECK_INT(anyc_group_close(&g, 0), -EOWNERDEAD);
  anyc_error_info info = {0};
  CHECK_INT(anyc_error_count(), 1);
  CHECK_INT(anyc_error_at(0, &info), 0);
  CHECK(info.task && strcmp(info.task, "second") == 0);
  CHECK(info.message &&
        strcmp(info.message, "owner of this lock exited without releasing: task 'first'") == 0);
  return 0;
}

/* trio test_lock_multiple_acquire: the second acquirer is parked when the first exits
 * holding the lock; it wakes with the error (anyc used to leave it parked: the run
 * aborted as deadlocked). */
static void test_trio_lock_multiple_acquire(void **state)
{
  (void)state;
  run_mock_checked(two_acquirers);
}

static void test_lock_outside_run_is_eperm(void **state)
{
  (void)state;
  anyc_lock_init(&lock);
  assert_int_equal(anyc_lock_acquire(&lock), -EPERM);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      TEST(test_trio_lock_fifo_fair),
      TEST(test_trio_lock_acquire_is_checkpoint),
      TEST(test_lock_cancelled_waiter_takes_nothing),
      TEST(test_lock_release_by_non_owner_aborts),
      TEST(test_lock_outside_run_is_eperm),
      TEST(test_spec_lock_release_outside_task_aborts),
      TEST(test_trio_lock_acquire_unowned_lock),
      TEST(test_trio_lock_multiple_acquire),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
