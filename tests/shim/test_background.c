/* test_background.c — shim/background.c: the background block (enter/exit), matrix
 * rows P15 and P16 and the block's edge cases. */
#include "abort_helper.h"
#include "shim_test.h"

static int wait_cancelled_run(as_service *s)
{
  return as_wait_finished(s->manager);
}

/* P15: the body fails: the service is stopped and the body's error comes out. */
static int p15_main(void *arg)
{
  (void)arg;
  tsvc t;
  as_manager *m = NULL;
  tsvc_init(&t, wait_cancelled_run, NULL);
  CHECK_INT(as_background_service_enter(&t.svc, &m), 0);
  CHECK_INT(as_background_service_exit(m, anyc_fail(-EIO, "body")), -EIO);
  check_flags(m, 1, 0, 1, 1);
  CHECK_INT(as_did_error(m), 0);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_matrix_p15_body_raises(void **state) { (void)state; RUN(p15_main); }

/* P16: the service fails while the body runs: the body is cancelled at once and the
 * service's error comes out of the block. */
static int fail_after_a_while(as_service *s)
{
  (void)s;
  int rc = anyc_sleep(0.01);
  return rc ? rc : anyc_fail(-EIO, "svc");
}
static int p16_main(void *arg)
{
  (void)arg;
  tsvc t;
  as_manager *m = NULL;
  tsvc_init(&t, fail_after_a_while, NULL);
  CHECK_INT(as_background_service_enter(&t.svc, &m), 0);
  int body = anyc_sleep(2);
  CHECK_INT(body, -ECANCELED);
  CHECK_NEAR(anyc_now(), 0.01, 1e-6);
  CHECK_INT(as_background_service_exit(m, body), -EIO);
  anyc_error_info info = {0};
  CHECK_INT(anyc_error_at(0, &info), 0); /* the block's group saw the service's error */
  CHECK(info.message && strcmp(info.message, "svc") == 0);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_matrix_p16_service_fails_during_body(void **state) { (void)state; RUN(p16_main); }

/* A service that finishes on its own leaves the body running; exit does not mark it
 * cancelled (legacy.md: "nor by leaving the block after the service finished"). */
static int returns_run(as_service *s)
{
  (void)s;
  return 0;
}
static int finishes_first_main(void *arg)
{
  (void)arg;
  tsvc t;
  as_manager *m = NULL;
  tsvc_init(&t, returns_run, NULL);
  CHECK_INT(as_background_service_enter(&t.svc, &m), 0);
  CHECK_INT(as_wait_finished(m), 0);
  CHECK_INT(anyc_sleep(1), 0); /* the body goes on */
  CHECK_INT(as_background_service_exit(m, 0), 0);
  check_flags(m, 1, 0, 0, 1);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_background_service_finishes_before_body(void **state) { (void)state; RUN(finishes_first_main); }

/* A failing body still stops the service leaves first: upstream's block runs
 * `await manager.stop()` in its finally before the nursery sees the body's error, so
 * the task run scheduled finishes before run's own cleanup (probe/shim stack). */
static int trace_on_cancel_task(void *arg)
{
  int rc = anyc_sleep(FOREVER);
  TRACE("%s", (const char *)arg);
  return rc;
}
static int run_with_task_traced(as_service *s)
{
  int rc = as_run_task(s->manager, trace_on_cancel_task, (void *)"task", "task");
  if (rc)
    return rc;
  rc = as_wait_finished(s->manager);
  TRACE("run");
  return rc;
}
static int body_fails_leaves_first_main(void *arg)
{
  (void)arg;
  tsvc t;
  as_manager *m = NULL;
  tsvc_init(&t, run_with_task_traced, NULL);
  CHECK_INT(as_background_service_enter(&t.svc, &m), 0);
  CHECK_INT(anyc_sleep(0.1), 0);
  CHECK_INT(as_background_service_exit(m, -EIO), -EIO);
  CHECK(strcmp(trace_log, "task,run") == 0);
  check_flags(m, 1, 0, 1, 1);
  CHECK_INT(as_did_error(m), 0);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_background_body_fails_service_stops_leaves_first(void **state) { (void)state; RUN(body_fails_leaves_first_main); }

/* Blocks nest (py-libp2p's stacked services) and unwind in reverse order. */
static int trace_on_cancel_run(as_service *s)
{
  int rc = as_wait_finished(s->manager);
  TRACE("%s", s->name);
  return rc;
}
static int nested_main(void *arg)
{
  (void)arg;
  tsvc a, b;
  as_manager *ma = NULL, *mb = NULL;
  tsvc_init(&a, trace_on_cancel_run, "a");
  tsvc_init(&b, trace_on_cancel_run, "b");
  CHECK_INT(as_background_service_enter(&a.svc, &ma), 0);
  CHECK_INT(as_background_service_enter(&b.svc, &mb), 0);
  CHECK_INT(anyc_sleep(0.1), 0);
  CHECK_INT(as_background_service_exit(mb, 0), 0);
  CHECK_INT(as_background_service_exit(ma, 0), 0);
  CHECK(strcmp(trace_log, "b,a") == 0);
  as_service_destroy(&b.svc);
  as_service_destroy(&a.svc);
  return 0;
}
static void test_background_services_nest(void **state) { (void)state; RUN(nested_main); }

/* Leaving blocks in the order they were entered (not LIFO) is misuse, as exiting
 * `async with` blocks out of order is in Python: it aborts with a message about the
 * blocks, naming both services and the task — not the runtime's generic group error. */
static int fifo_exit_main(void *arg)
{
  (void)arg;
  static tsvc a, b;
  as_manager *ma = NULL, *mb = NULL;
  tsvc_init(&a, trace_on_cancel_run, "svc-a");
  tsvc_init(&b, trace_on_cancel_run, "svc-b");
  if (as_background_service_enter(&a.svc, &ma) == 0 &&
      as_background_service_enter(&b.svc, &mb) == 0)
    (void)as_background_service_exit(ma, 0);
  return 0;
}
static void test_background_exit_out_of_order_aborts(void **state)
{
  (void)state;
  run_expect_abort(fifo_exit_main,
                   "as_background_service_exit('svc-a') while the block of 'svc-b', entered "
                   "after it, is still open: blocks are left in reverse order of entering "
                   "(in task 'main')");
}

/* Leaving a block twice aborts with a message saying so, not "a task that did not enter
 * the block". */
static int exit_twice_main(void *arg)
{
  (void)arg;
  static tsvc a;
  as_manager *m = NULL;
  tsvc_init(&a, trace_on_cancel_run, "svc-a");
  if (as_background_service_enter(&a.svc, &m) == 0 && as_background_service_exit(m, 0) == 0)
    (void)as_background_service_exit(m, 0);
  return 0;
}
static void test_background_exit_twice_aborts(void **state)
{
  (void)state;
  run_expect_abort(exit_twice_main, "as_background_service_exit('svc-a') of a block already "
                                    "left (in task 'main')");
}

/* Blocks held by different tasks are independent: each task leaves its own in its own
 * order, whatever the other does meanwhile. */
static int own_block(void *arg)
{
  tsvc *t = arg;
  as_manager *m = NULL;
  CHECK_INT(as_background_service_enter(&t->svc, &m), 0);
  CHECK_INT(anyc_sleep(t->flag), 0);
  CHECK_INT(as_background_service_exit(m, 0), 0);
  return 0;
}
static int two_tasks_main(void *arg)
{
  (void)arg;
  tsvc a, b;
  tsvc_init(&a, trace_on_cancel_run, "a");
  tsvc_init(&b, trace_on_cancel_run, "b");
  a.flag = 1; /* a entered first and left first: another task's block is above it */
  b.flag = 2;
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon(&g, own_block, &a), 0);
  CHECK_INT(anyc_start_soon(&g, own_block, &b), 0);
  CHECK_INT(anyc_group_close(&g, 0), 0);
  CHECK(strcmp(trace_log, "a,b") == 0);
  CHECK_INT(as_background_service_exit(NULL, 0), -EINVAL);
  as_service_destroy(&a.svc);
  as_service_destroy(&b.svc);
  return 0;
}
static void test_background_blocks_of_two_tasks_are_independent(void **state)
{
  (void)state;
  RUN(two_tasks_main);
}

/* Entering a block from a task already cancelled: upstream's wait_started is cancelled,
 * the block's nursery cancelled, and the manager's run() stops at its run lock before
 * starting -- run never runs; the manager is finished, never started. */
static int traces_run(as_service *s)
{
  (void)s;
  TRACE("run ran");
  return 0;
}
static int cancelled_enter_main(void *arg)
{
  (void)arg;
  tsvc t;
  as_manager *m = NULL;
  anyc_scope s;
  tsvc_init(&t, traces_run, NULL);
  CHECK_INT(anyc_scope_open(&s), 0);
  anyc_scope_cancel(&s);
  int rc = as_background_service_enter(&t.svc, &m);
  CHECK_INT(rc, -ECANCELED);
  CHECK_INT(anyc_scope_close(&s, rc), 0);
  CHECK(m == NULL);
  check_flags(t.svc.manager, 0, 0, 0, 1);
  CHECK(strcmp(trace_log, "") == 0);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_background_enter_from_a_cancelled_task_never_starts(void **state) { (void)state; RUN(cancelled_enter_main); }

/* Outside a task, entering a block is -EPERM and leaves the service unattached. */
static void test_background_enter_outside_a_task(void **state)
{
  (void)state;
  tsvc t;
  as_manager *m = NULL;
  tsvc_init(&t, returns_run, NULL);
  assert_int_equal(as_background_service_enter(&t.svc, &m), -EPERM);
  assert_null(t.svc.manager);
  as_service_destroy(&t.svc);
}

/* A task that returns what its block's exit returned re-raises, in Python, the
 * exception that left the `async with`: the service's error, or the body's own.  The
 * owning service records its message (probe/shim errmsg). */
static int holds_block(void *arg)
{
  tsvc *inner = arg;
  as_manager *m = NULL;
  int rc = as_background_service_enter(&inner->svc, &m);
  if (rc)
    return rc;
  rc = anyc_sleep(10); /* cancelled when the inner service fails */
  if (inner->flag)     /* or the body fails first */
    rc = anyc_fail(-EBADMSG, "body %s", "failed");
  return as_background_service_exit(m, rc);
}
static int holder_run(as_service *s)
{
  CHECK_INT(as_run_task(s->manager, holds_block, tsvc_of(s)->user, "holder"), 0);
  return as_wait_finished(s->manager);
}
static int block_error_message_main(void *arg)
{
  (void)arg;
  for (int body_fails = 0; body_fails < 2; body_fails++) {
    tsvc outer, inner;
    const char *msg = NULL;
    tsvc_init(&outer, holder_run, "outer");
    tsvc_init(&inner, body_fails ? wait_cancelled_run : fail_after_a_while, "inner");
    inner.flag = body_fails;
    outer.user = &inner;
    CHECK_INT(as_run_service(&outer.svc), body_fails ? -EBADMSG : -EIO);
    CHECK_INT(first_error(outer.svc.manager, &msg), body_fails ? -EBADMSG : -EIO);
    CHECK(msg && strcmp(msg, body_fails ? "body failed" : "svc") == 0);
    as_service_destroy(&inner.svc);
    as_service_destroy(&outer.svc);
  }
  return 0;
}
static void test_background_exit_error_keeps_its_message(void **state) { (void)state; RUN(block_error_message_main); }

int main(void)
{
  const struct CMUnitTest tests[] = {
    TEST(test_matrix_p15_body_raises),
    TEST(test_matrix_p16_service_fails_during_body),
    TEST(test_background_service_finishes_before_body),
    TEST(test_background_services_nest),
    TEST(test_background_body_fails_service_stops_leaves_first),
    TEST(test_background_exit_error_keeps_its_message),
    TEST(test_background_exit_out_of_order_aborts),
    TEST(test_background_exit_twice_aborts),
    TEST(test_background_blocks_of_two_tasks_are_independent),
    TEST(test_background_enter_outside_a_task),
    TEST(test_background_enter_from_a_cancelled_task_never_starts),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
