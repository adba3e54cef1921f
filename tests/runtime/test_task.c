/* test_task.c — runtime/task.c: task names, stats, anyc_task_arg, and misuse at a task's
 * end. */
#include <errno.h>

#include "abort_helper.h"

static int record_name(void *arg)
{
  (void)arg;
  TRACE("%s", anyc_task_name());
  return 0;
}

static int names(void *arg)
{
  (void)arg;
  TRACE("%s", anyc_task_name());
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  char name[16] = "worker";
  CHECK_INT(anyc_start_soon_named(&g, name, record_name, NULL), 0);
  name[0] = 'X'; /* the name was copied */
  CHECK_INT(anyc_start_soon(&g, record_name, NULL), 0);
  CHECK_INT(anyc_start_soon_named(&g, NULL, record_name, NULL), 0);
  char long_name[64] = "a-name-longer-than-the-inline-buffer";
  CHECK_INT(anyc_start_soon_named(&g, long_name, record_name, NULL), 0);
  long_name[0] = 'X'; /* copied too */
  CHECK_INT(anyc_start_soon_named(&g, "fifteen-chars-x", record_name, NULL), 0);
  CHECK_INT(anyc_start_soon_named(&g, "sixteen-chars-xy", record_name, NULL), 0);
  return anyc_group_close(&g, 0);
}

/* spec: task names default to "task" + id when unnamed; main is "main". */
static void test_task_names(void **state)
{
  (void)state;
  run_mock_checked(names);
  assert_string_equal(trace_log, "main,worker,task3,task4,a-name-longer-than-the-inline-buffer,"
                                 "fifteen-chars-x,sixteen-chars-xy");
}

static int noop(void *arg)
{
  (void)arg;
  return 0;
}

static int stats(void *arg)
{
  (void)arg;
  anyc_stats st;
  anyc_get_stats(&st);
  CHECK_INT(st.spawned, 1);
  CHECK_INT(st.alive, 1);
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  for (int i = 0; i < 10; i++)
    CHECK_INT(anyc_start_soon(&g, noop, NULL), 0);
  anyc_get_stats(&st);
  CHECK_INT(st.spawned, 11);
  CHECK_INT(st.alive, 11);
  uint64_t sw = st.switches;
  CHECK_INT(anyc_group_close(&g, 0), 0);
  anyc_get_stats(&st);
  CHECK_INT(st.alive, 1);
  CHECK(st.switches >= sw + 11);
  return 0;
}

/* spec: anyc_get_stats counts spawned, alive, switches; after the run the last run's. */
static void test_task_stats(void **state)
{
  (void)state;
  run_mock_checked(stats);
  anyc_stats st;
  anyc_get_stats(&st);
  assert_int_equal(st.spawned, 11);
  assert_int_equal(st.alive, 0);
}

static int returns_with_group_open(void *arg)
{
  (void)arg;
  anyc_group g;
  anyc_group_open(&g);
  return 0;
}

static int child_returns_with_scope_open(void *arg)
{
  (void)arg;
  anyc_scope s;
  anyc_scope_open(&s);
  return 0;
}

static int spawn_bad_child(void *arg)
{
  (void)arg;
  anyc_group g;
  anyc_group_open(&g);
  anyc_start_soon_named(&g, "leaky", child_returns_with_scope_open, NULL);
  return anyc_group_close(&g, 0);
}

static int started_twice(void *arg, anyc_task_status *st)
{
  (void)arg;
  anyc_started(st, NULL);
  anyc_started(st, NULL);
  return 0;
}

static int start_twice(void *arg)
{
  (void)arg;
  anyc_group g;
  anyc_group_open(&g);
  int rc = anyc_start(&g, started_twice, NULL, NULL);
  return anyc_group_close(&g, rc);
}

/* A second started() after the anyc_start() caller has resumed and reused the stack
 * frame that held its start record. */
static int started_twice_later(void *arg, anyc_task_status *st)
{
  (void)arg;
  anyc_started(st, NULL);
  if (anyc_sleep(1) < 0)
    return -1;
  anyc_started(st, NULL);
  return 0;
}

static int scribble(int depth)
{
  volatile char junk[256];
  memset((char *)junk, 0x5a, sizeof junk);
  return depth ? scribble(depth - 1) + junk[3] : junk[7];
}

static int start_twice_later(void *arg)
{
  (void)arg;
  anyc_group g;
  anyc_group_open(&g);
  int rc = anyc_start(&g, started_twice_later, NULL, NULL);
  rc += scribble(8) * 0; /* overwrite where anyc_start's frame was */
  return anyc_group_close(&g, rc);
}

static int close_other_group(void *arg)
{
  (void)arg;
  anyc_group a, b;
  anyc_group_open(&a);
  anyc_group_open(&b);
  int rc = anyc_group_close(&a, 0);
  return rc;
}

/* spec: a task returning with a scope or group open aborts with a message naming it;
 * so does closing groups out of order or calling anyc_started twice. */
static void test_task_misuse_aborts_naming_task(void **state)
{
  (void)state;
  run_expect_abort(returns_with_group_open, "still open (in task 'main')");
  run_expect_abort(spawn_bad_child, "still open (in task 'leaky')");
  run_expect_abort(start_twice, "anyc_started called twice");
  /* trio: "called 'started' twice on the same task status", also after start()
   * returned (the status must outlive the caller's anyc_start frame). */
  run_expect_abort(start_twice_later, "anyc_started called twice");
  run_expect_abort(close_other_group, "task group closed out of order");
}

/* anyc_task_arg: a task started with body fn answers its argument for fn only. */
static int arg_body(void *arg);

static int arg_other(void *arg)
{
  (void)arg;
  CHECK(anyc_task_arg(arg_body) == NULL); /* another body: never another's argument */
  CHECK(anyc_task_arg(arg_other) == arg);
  return 0;
}

static int arg_started(void *arg, anyc_task_status *status)
{
  (void)arg;
  CHECK(anyc_task_arg(arg_body) == NULL); /* anyc_start tasks have no anyc_fn body */
  anyc_started(status, NULL);
  return 0;
}

static int arg_body(void *arg)
{
  CHECK(anyc_task_arg(arg_body) == arg);
  CHECK(anyc_task_arg(arg_other) == NULL);
  CHECK_INT(anyc_checkpoint(), 0); /* still the same after a switch */
  CHECK(anyc_task_arg(arg_body) == arg);
  return 0;
}

static int arg_main(void *arg)
{
  (void)arg;
  static int a, b;
  CHECK(anyc_task_arg(arg_main) == NULL); /* main's argument (NULL here) */
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon(&g, arg_body, &a), 0);
  CHECK_INT(anyc_start_soon_named(&g, "other", arg_other, &b), 0);
  CHECK_INT(anyc_start(&g, arg_started, &a, NULL), 0);
  CHECK(anyc_task_arg(arg_body) == NULL); /* the spawner is not the spawned */
  return anyc_group_close(&g, 0);
}

static void test_task_arg(void **state)
{
  (void)state;
  run_mock_checked(arg_main);
  assert_null(anyc_task_arg(arg_main)); /* outside a task */
}

/* ---- anyc_task_cancel: one task, as by a cancel scope of its own ---- */

static anyc_task *handle[4];

static int tc_sleeper(void *arg)
{
  int i = (int)(intptr_t)arg;
  handle[i] = anyc_current_task();
  int rc = anyc_sleep(10);
  TRACE("sleeper%d:%s", i, anyc_strerror(rc));
  return rc; /* -ECANCELED when cancelled by its handle: caught, the group sees 0 */
}

static int tc_shielded(void *arg)
{
  (void)arg;
  handle[2] = anyc_current_task();
  anyc_scope s;
  CHECK_INT(anyc_scope_open(&s), 0);
  anyc_scope_set_shield(&s, 1);
  int rc = anyc_sleep(1); /* the handle's scope is outside the shield: sleeps on */
  TRACE("shielded:%s", anyc_strerror(rc));
  CHECK_INT(anyc_scope_close(&s, rc), 0);
  rc = anyc_checkpoint(); /* outside the shield now */
  TRACE("after:%s", anyc_strerror(rc));
  return rc;
}

static int tc_inner_scope(void *arg)
{
  (void)arg;
  handle[3] = anyc_current_task();
  anyc_scope s;
  CHECK_INT(anyc_scope_open(&s), 0);
  int rc = anyc_sleep(10);
  rc = anyc_scope_close(&s, rc); /* not its cancellation: passes it on */
  TRACE("inner:%s caught=%d", anyc_strerror(rc), anyc_scope_cancelled_caught(&s));
  return rc;
}

static int tc_fails(void *arg)
{
  (void)arg;
  handle[0] = anyc_current_task();
  int rc = anyc_sleep(10);
  TRACE("fails:%s", anyc_strerror(rc));
  return anyc_fail(-EIO, "cleanup failed"); /* another error is not caught */
}

static int tc_main(void *arg)
{
  (void)arg;
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon(&g, tc_sleeper, (void *)0), 0);
  CHECK_INT(anyc_start_soon(&g, tc_sleeper, (void *)1), 0);
  CHECK_INT(anyc_start_soon(&g, tc_shielded, NULL), 0);
  CHECK_INT(anyc_start_soon(&g, tc_inner_scope, NULL), 0);
  CHECK_INT(anyc_sleep(0.5), 0); /* all parked */
  CHECK_INT(anyc_task_cancel(handle[0]), 0);
  CHECK_INT(anyc_task_cancel(handle[0]), 0); /* again: nothing more */
  CHECK_INT(anyc_task_cancel(handle[2]), 0);
  CHECK_INT(anyc_task_cancel(handle[3]), 0);
  CHECK_INT(anyc_sleep(2), 0); /* the shielded one wakes at 1 s */
  TRACE("t=%.1f", anyc_now());
  CHECK_INT(anyc_task_cancel(handle[1]), 0);
  CHECK_INT(anyc_group_close(&g, 0), 0); /* every cancellation was caught */
  CHECK_INT(anyc_task_cancel(NULL), -EINVAL);

  /* A task cancelled before it first runs: its first checkpoint fails. */
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon(&g, tc_fails, NULL), 0);
  CHECK_INT(anyc_checkpoint(), 0); /* it ran up to its sleep */
  CHECK_INT(anyc_task_cancel(handle[0]), 0);
  CHECK_INT(anyc_group_close(&g, 0), -EIO);
  anyc_error_info info;
  CHECK_INT(anyc_error_count(), 1);
  CHECK_INT(anyc_error_at(0, &info), 0);
  CHECK_INT(info.code, -EIO);
  return 0;
}

/* Extension beside the spec: anyc_task_cancel cancels one task as if its body had run
 * in a cancel scope of its own: shields inside it hold, inner scopes do not catch it,
 * the -ECANCELED it causes is caught at the task's end, another error is not. */
static void test_task_cancel_handle(void **state)
{
  (void)state;
  run_mock_checked(tc_main);
  assert_string_equal(trace_log, "sleeper0:operation cancelled,inner:operation cancelled caught=0,"
                                 "shielded:success,after:operation cancelled,t=2.5,"
                                 "sleeper1:operation cancelled,fails:operation cancelled");
  assert_int_equal(anyc_task_cancel(NULL), -EPERM); /* off the loop */
}

static int self_cancel(void *arg)
{
  (void)arg;
  CHECK_INT(anyc_task_cancel(anyc_current_task()), 0);
  CHECK_INT(anyc_cancelled(), 1);
  int rc = anyc_checkpoint();
  TRACE("self:%s", anyc_strerror(rc));
  return rc;
}

static int tc_self(void *arg)
{
  (void)arg;
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon(&g, self_cancel, NULL), 0);
  CHECK_INT(anyc_group_close(&g, 0), 0);
  CHECK_INT(anyc_cancelled(), 0); /* it stayed that task's */
  return 0;
}

static void test_task_cancel_self(void **state)
{
  (void)state;
  run_mock_checked(tc_self);
  assert_string_equal(trace_log, "self:operation cancelled");
}

/* The handle's scope is the task's outermost own scope, so anyc_started moves it with
 * the task: the cancellation stays the task's in its new group, and is caught there. */
static int ts_started(void *arg, anyc_task_status *status)
{
  (void)arg;
  handle[0] = anyc_current_task();
  int rc = anyc_sleep(1);
  TRACE("before started:%s", anyc_strerror(rc));
  anyc_started(status, NULL);
  rc = anyc_sleep(1);
  TRACE("after started:%s", anyc_strerror(rc));
  return rc;
}

static int ts_canceller(void *arg)
{
  (void)arg;
  CHECK_INT(anyc_sleep(0.5), 0);
  CHECK_INT(anyc_task_cancel(handle[0]), 0);
  return 0;
}

static int ts_main(void *arg)
{
  (void)arg;
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon(&g, ts_canceller, NULL), 0);
  CHECK_INT(anyc_start(&g, ts_started, NULL, NULL), 0);
  CHECK_INT(anyc_cancelled(), 0); /* the caller was not cancelled */
  CHECK_INT(anyc_group_close(&g, 0), 0);
  return 0;
}

static void test_task_cancel_moves_with_started(void **state)
{
  (void)state;
  run_mock_checked(ts_main);
  assert_string_equal(trace_log, "before started:operation cancelled,"
                                 "after started:operation cancelled");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      TEST(test_task_names),
      TEST(test_task_stats),
      TEST(test_task_misuse_aborts_naming_task),
      TEST(test_task_arg),
      TEST(test_task_cancel_handle),
      TEST(test_task_cancel_self),
      TEST(test_task_cancel_moves_with_started),
  };
  return cmocka_run_group_tests_name("runtime/task", tests, NULL, NULL);
}
