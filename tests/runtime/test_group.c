/* test_group.c — runtime/group.c: task groups, errors, anyc_start (Trio/AnyIO rules). */
#include <errno.h>

#include "anyc_test.h"

/* ---- helpers ---- */

static int fail_eio(void *arg)
{
  (void)arg;
  return anyc_fail(-EIO, "disk %d gone", 7);
}

static int fail_einval(void *arg)
{
  (void)arg;
  return -EINVAL;
}

static int sleep_forever(void *arg)
{
  const char *name = arg;
  int rc = anyc_sleep(INFINITY);
  if (name)
    TRACE("%s:%d", name, rc);
  return rc;
}

static int noop(void *arg)
{
  (void)arg;
  return 0;
}

/* ---- task groups ---- */

static int child_crash_basic(void *arg)
{
  (void)arg;
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon_named(&g, "crasher", fail_eio, NULL), 0);
  int rc = anyc_group_close(&g, 0);
  CHECK_INT(rc, -EIO);
  CHECK_INT(anyc_error_count(), 1);
  anyc_error_info e;
  CHECK_INT(anyc_error_at(0, &e), 0);
  CHECK_INT(e.code, -EIO);
  CHECK(strcmp(e.task, "crasher") == 0);
  CHECK(e.message && strcmp(e.message, "disk 7 gone") == 0);
  CHECK_INT(anyc_error_at(1, &e), -ERANGE);
  return 0;
}

/* trio test_child_crash_basic: the group returns exactly the child's error. */
static void test_trio_child_crash_basic(void **state)
{
  (void)state;
  run_mock_checked(child_crash_basic);
}

static int main_block_error(void *arg)
{
  (void)arg;
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_group_close(&g, anyc_fail(-EPROTO, "body broke")), -EPROTO);
  anyc_error_info e;
  CHECK_INT(anyc_error_count(), 1);
  CHECK_INT(anyc_error_at(0, &e), 0);
  CHECK(strcmp(e.task, "main") == 0);
  CHECK(e.message && strcmp(e.message, "body broke") == 0);
  return 0;
}

/* trio test_nursery_main_block_error_basic: a body error with no children. */
static void test_trio_nursery_main_block_error_basic(void **state)
{
  (void)state;
  run_mock_checked(main_block_error);
}

static int looper(void *arg)
{
  (void)arg;
  for (;;) {
    int rc = anyc_checkpoint();
    if (rc < 0) {
      TRACE("looper:%d", rc);
      return rc;
    }
  }
}

static int argh(void *arg)
{
  (void)arg;
  CHECK_INT(anyc_checkpoint(), 0);
  return anyc_fail(-EINVAL, "argh");
}

static int task_crash_propagation(void *arg)
{
  (void)arg;
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon(&g, looper, NULL), 0);
  CHECK_INT(anyc_start_soon(&g, argh, NULL), 0);
  CHECK_INT(anyc_group_close(&g, 0), -EINVAL);
  CHECK_INT(anyc_error_count(), 1);
  return 0;
}

/* trio test_task_crash_propagation: the looper sees -ECANCELED once; the error wins. */
static void test_trio_task_crash_propagation(void **state)
{
  (void)state;
  run_mock_checked(task_crash_propagation);
  assert_string_equal(trace_log, "looper:-125");
}

static int main_and_task_both_crash(void *arg)
{
  (void)arg;
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon_named(&g, "child", fail_eio, NULL), 0);
  int rc = anyc_group_close(&g, anyc_fail(-EINVAL, "host"));
  CHECK_INT(rc, -EINVAL); /* the body's error came first in time */
  CHECK_INT(anyc_error_count(), 2);
  anyc_error_info a, b;
  CHECK_INT(anyc_error_at(0, &a), 0);
  CHECK_INT(anyc_error_at(1, &b), 0);
  CHECK_INT(a.code, -EINVAL);
  CHECK(strcmp(a.task, "main") == 0);
  CHECK_INT(b.code, -EIO);
  CHECK(strcmp(b.task, "child") == 0);
  return 0;
}

/* trio test_main_and_task_both_crash: the group holds both errors, in order. */
static void test_trio_main_and_task_both_crash(void **state)
{
  (void)state;
  run_mock_checked(main_and_task_both_crash);
}

static int crash_later(void *arg)
{
  (void)arg;
  CHECK_INT(anyc_sleep(1), 0);
  return -EIO;
}

static int child_crash_wakes_parent(void *arg)
{
  (void)arg;
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon(&g, crash_later, NULL), 0);
  int body = anyc_sleep(INFINITY);
  CHECK_INT(body, -ECANCELED);
  CHECK_INT(anyc_group_close(&g, body), -EIO);
  CHECK_INT(anyc_error_count(), 1);
  return 0;
}

/* trio test_child_crash_wakes_parent: the body blocked forever is cancelled. */
static void test_trio_child_crash_wakes_parent(void **state)
{
  (void)state;
  run_mock_checked(child_crash_wakes_parent);
}

static int sleep_one_then_trace(void *arg)
{
  (void)arg;
  int rc = anyc_sleep(1);
  if (rc == 0)
    TRACE("child completed");
  return rc;
}

static int failing_host(void *arg)
{
  (void)arg;
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon(&g, sleep_one_then_trace, NULL), 0);
  CHECK_INT(anyc_group_close(&g, -EINVAL), -EINVAL);
  CHECK_INT(anyc_error_count(), 1);
  return 0;
}

/* anyio test_failing_host_task_cancels_children. */
static void test_anyio_failing_host_task_cancels_children(void **state)
{
  (void)state;
  run_mock_checked(failing_host);
  assert_string_equal(trace_log, "");
}

static int fail_in_cleanup(void *arg)
{
  (void)arg;
  int rc = anyc_sleep(INFINITY);
  CHECK_INT(rc, -ECANCELED);
  return anyc_fail(-EIO, "child");
}

static int exception_group_host(void *arg)
{
  (void)arg;
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon(&g, fail_in_cleanup, NULL), 0);
  CHECK_INT(anyc_checkpoint(), 0);
  CHECK_INT(anyc_group_close(&g, anyc_fail(-EINVAL, "host")), -EINVAL);
  CHECK_INT(anyc_error_count(), 2);
  anyc_error_info a, b;
  anyc_error_at(0, &a);
  anyc_error_at(1, &b);
  CHECK(a.message && strcmp(a.message, "host") == 0);
  CHECK(b.message && strcmp(b.message, "child") == 0);
  return 0;
}

/* anyio test_exception_group_host: a child failing during cleanup after the host. */
static void test_anyio_exception_group_host(void **state)
{
  (void)state;
  run_mock_checked(exception_group_host);
}

static anyc_group *closure_group;

static int spawn_sibling_late(void *arg)
{
  (void)arg;
  CHECK_INT(anyc_sleep(1), 0);
  CHECK_INT(anyc_start_soon(closure_group, noop, NULL), 0);
  TRACE("spawned");
  return 0;
}

static int nursery_closure(void *arg)
{
  (void)arg;
  anyc_group g;
  closure_group = &g;
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon(&g, spawn_sibling_late, NULL), 0);
  CHECK_INT(anyc_group_close(&g, 0), 0); /* the sibling spawned while we waited */
  CHECK_INT(anyc_start_soon(&g, noop, NULL), -EINVAL);
  CHECK_INT(anyc_start_soon_named(&g, "x", noop, NULL), -EINVAL);
  return 0;
}

/* ---- the moment a group closes (trio's _check_nursery_closed) ---- */

struct closing {
  anyc_group *g;
  anyc_event last_done; /* set by the last child just before it returns */
  int spawn_rc;
  int ran;              /* a child spawned into the closed group ran */
};

static int mark_ran(void *arg)
{
  struct closing *c = arg;
  c->ran = 1;
  return 0;
}

/* Outside g: try to spawn into it at the first chance after it became closed. */
static int spawn_after_last_child(void *arg)
{
  struct closing *c = arg;
  CHECK_INT(anyc_event_wait(&c->last_done), 0);
  c->spawn_rc = anyc_start_soon(c->g, mark_ran, c);
  return 0;
}

static int last_child(void *arg)
{
  struct closing *c = arg;
  CHECK_INT(anyc_sleep(1), 0);
  anyc_event_set(&c->last_done); /* the spawner is ready before the owner wakes */
  return 0;
}

/* Outside g: spawn into it during the schedule point of its empty close. */
static int spawn_during_empty_close(void *arg)
{
  struct closing *c = arg;
  c->spawn_rc = anyc_start_soon(c->g, mark_ran, c);
  return 0;
}

/* `spawner` runs in an outer group and tries to spawn into g while g closes; g has one
 * child `g_child` (or none).  The spawn must fail and nothing may run in g after. */
static int late_spawn(anyc_fn spawner, anyc_fn g_child)
{
  struct closing c = {.spawn_rc = 1};
  anyc_event_init(&c.last_done);
  anyc_group outer;
  CHECK_INT(anyc_group_open(&outer), 0);
  {
    anyc_group g;
    c.g = &g;
    CHECK_INT(anyc_group_open(&g), 0);
    CHECK_INT(anyc_start_soon(&outer, spawner, &c), 0);
    if (g_child)
      CHECK_INT(anyc_start_soon(&g, g_child, &c), 0);
    CHECK_INT(anyc_group_close(&g, 0), 0);
    CHECK_INT(c.spawn_rc, -EINVAL); /* it ran while g closed */
  }
  CHECK_INT(anyc_group_close(&outer, 0), 0);
  CHECK_INT(c.ran, 0);
  return 0;
}

static int spawn_between_last_child_and_owner(void *arg)
{
  (void)arg;
  return late_spawn(spawn_after_last_child, last_child);
}

static int spawn_into_empty_closing_group(void *arg)
{
  (void)arg;
  return late_spawn(spawn_during_empty_close, NULL);
}

/* trio _check_nursery_closed: the nursery is closed the moment its body has left and its
 * last child has finished — before the parent even resumes, and before the schedule
 * point of an empty __aexit__.  A start_soon in that window raises ("Nursery is closed
 * to new arrivals"); anyc used to accept it and return from close with the new child
 * still running in a group whose frame was gone. */
static void test_trio_nursery_closed_before_owner_resumes(void **state)
{
  (void)state;
  run_mock_checked(spawn_between_last_child_and_owner);
  run_mock_checked(spawn_into_empty_closing_group);
}

/* trio test_nursery_closure: spawning while the owner waits in close works; after, -EINVAL. */
static void test_trio_nursery_closure(void **state)
{
  (void)state;
  run_mock_checked(nursery_closure);
  assert_string_equal(trace_log, "spawned");
}

static int blocker(void *arg)
{
  (void)arg;
  TRACE("started");
  return anyc_sleep(INFINITY);
}

static int precancelled(void *arg)
{
  (void)arg;
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  anyc_group_cancel(&g);
  CHECK_INT(anyc_start_soon(&g, blocker, NULL), 0);
  CHECK_INT(anyc_group_close(&g, 0), 0);
  return 0;
}

/* trio test_precancelled_task: the child runs to its first checkpoint; clean exit. */
static void test_trio_precancelled_task(void **state)
{
  (void)state;
  run_mock_checked(precancelled);
  assert_string_equal(trace_log, "started");
}

static int grandparent(void *arg)
{
  (void)arg;
  anyc_group g;
  int rc = anyc_group_open(&g);
  if (rc < 0)
    return rc;
  anyc_start_soon(&g, sleep_forever, (void *)"gc");
  anyc_start_soon(&g, sleep_forever, (void *)"gc");
  return anyc_group_close(&g, 0);
}

static int cancel_inheritance(void *arg)
{
  (void)arg;
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon(&g, grandparent, NULL), 0);
  CHECK_INT(anyc_start_soon(&g, grandparent, NULL), 0);
  CHECK_INT(anyc_sleep(1), 0);
  anyc_group_cancel(&g);
  CHECK_INT(anyc_group_close(&g, 0), 0);
  return 0;
}

/* trio test_cancel_inheritance: cancelling the outer group reaches all 4 grandchildren. */
static void test_trio_cancel_inheritance(void **state)
{
  (void)state;
  run_mock_checked(cancel_inheritance);
  assert_string_equal(trace_log, "gc:-125,gc:-125,gc:-125,gc:-125");
}

static int cancel_before_entering(void *arg)
{
  (void)arg;
  anyc_scope s;
  CHECK_INT(anyc_scope_open(&s), 0);
  anyc_scope_cancel(&s);
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_group_close(&g, 0), 0); /* closing is not a cancel point */
  CHECK_INT(anyc_scope_close(&s, 0), 0);
  CHECK(!anyc_scope_cancelled_caught(&s));
  return 0;
}

/* anyio test_cancel_before_entering_task_group. */
static void test_anyio_cancel_before_entering_task_group(void **state)
{
  (void)state;
  run_mock_checked(cancel_before_entering);
}

static int mark(void *arg)
{
  (void)arg;
  TRACE("other ran");
  return 0;
}

static int empty_group_yields(void *arg)
{
  (void)arg;
  anyc_group outer, g;
  CHECK_INT(anyc_group_open(&outer), 0);
  CHECK_INT(anyc_start_soon(&outer, mark, NULL), 0);
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_group_close(&g, 0), 0);
  TRACE("after close");
  CHECK_INT(anyc_group_close(&outer, 0), 0);
  return 0;
}

/* anyio test_empty_taskgroup_contains_yield_point. */
static void test_anyio_empty_taskgroup_contains_yield_point(void **state)
{
  (void)state;
  run_mock_checked(empty_group_yields);
  assert_string_equal(trace_log, "other ran,after close");
}

static int filtering(void *arg)
{
  (void)arg;
  anyc_scope outer;
  CHECK_INT(anyc_scope_open(&outer), 0);
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  for (int i = 0; i < 3; i++)
    anyc_start_soon(&g, sleep_forever, NULL);
  anyc_start_soon(&g, fail_in_cleanup, NULL);
  CHECK_INT(anyc_checkpoint(), 0);
  anyc_scope_cancel(&outer);
  int rc = anyc_group_close(&g, 0);
  CHECK_INT(rc, -EIO);
  CHECK_INT(anyc_scope_close(&outer, rc), -EIO); /* the error passes the scope */
  CHECK(!anyc_scope_cancelled_caught(&outer));
  CHECK_INT(anyc_error_count(), 1);
  return 0;
}

/* trio test_cancel_scope_exceptiongroup_filtering: cancellations are stripped. */
static void test_trio_cancel_scope_exceptiongroup_filtering(void **state)
{
  (void)state;
  run_mock_checked(filtering);
}

static int single_cancellation(void *arg)
{
  (void)arg;
  anyc_scope outer;
  CHECK_INT(anyc_scope_open(&outer), 0);
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  anyc_start_soon(&g, sleep_forever, NULL);
  CHECK_INT(anyc_checkpoint(), 0);
  anyc_scope_cancel(&outer);
  int rc = anyc_group_close(&g, anyc_sleep(INFINITY));
  CHECK_INT(rc, -ECANCELED); /* a bare cancellation, not an error */
  CHECK_INT(anyc_error_count(), 0);
  CHECK_INT(anyc_scope_close(&outer, rc), 0);
  CHECK(anyc_scope_cancelled_caught(&outer));
  return 0;
}

/* anyio test_single_cancellation_exc: the outer scope absorbs the cancellation. */
static void test_anyio_single_cancellation_exc(void **state)
{
  (void)state;
  run_mock_checked(single_cancellation);
}

static int inner_group_fails(void *arg)
{
  (void)arg;
  anyc_group g;
  int rc = anyc_group_open(&g);
  if (rc < 0)
    return rc;
  anyc_start_soon_named(&g, "grandchild", fail_eio, NULL);
  rc = anyc_group_close(&g, 0);
  return anyc_fail(rc, "child task failed");
}

static int nested_filtering(void *arg)
{
  (void)arg;
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  anyc_start_soon_named(&g, "child", inner_group_fails, NULL);
  anyc_start_soon(&g, sleep_forever, NULL);
  int rc = anyc_group_close(&g, 0);
  CHECK_INT(rc, -EIO);
  CHECK_INT(anyc_error_count(), 1);
  anyc_error_info e;
  anyc_error_at(0, &e);
  CHECK(strcmp(e.task, "child") == 0);
  CHECK(e.message && strcmp(e.message, "child task failed") == 0);
  return 0;
}

/* anyio test_nested_task_group_filtering (flattened: C keeps the nearest error). */
static void test_anyio_nested_task_group_filtering(void **state)
{
  (void)state;
  run_mock_checked(nested_filtering);
}

static int start_soon_is_fifo_and_lazy(void *arg)
{
  (void)arg;
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon_named(&g, "a", mark, NULL), 0);
  CHECK_INT(anyc_start_soon_named(&g, "b", mark, NULL), 0);
  TRACE("spawned both");
  CHECK_INT(anyc_group_close(&g, 0), 0);
  return 0;
}

/* spec: "anyc_start_soon queues a child (FIFO); it does not run until the caller
 * reaches a checkpoint." */
static void test_start_soon_runs_at_next_checkpoint(void **state)
{
  (void)state;
  run_mock_checked(start_soon_is_fifo_and_lazy);
  assert_string_equal(trace_log, "spawned both,other ran,other ran");
}

static int trace_name(void *arg)
{
  (void)arg;
  TRACE("%s", anyc_task_name());
  return 0;
}

static int order(void *arg)
{
  (void)arg;
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  static const char *names[] = {"one", "two", "three"};
  for (int i = 0; i < 3; i++)
    CHECK_INT(anyc_start_soon_named(&g, names[i], trace_name, NULL), 0);
  CHECK_INT(anyc_group_close(&g, 0), 0);
  return 0;
}

static void test_start_soon_fifo_order(void **state)
{
  (void)state;
  run_mock_checked(order);
  assert_string_equal(trace_log, "one,two,three");
}

static int wrap_start_soon_in_scope(void *arg)
{
  (void)arg;
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  anyc_scope s;
  CHECK_INT(anyc_move_on_after(&s, 1), 0);
  CHECK_INT(anyc_start_soon(&g, sleep_one_then_trace, NULL), 0);
  CHECK_INT(anyc_scope_close(&s, 0), 0);
  CHECK_INT(anyc_sleep(5), 0);
  CHECK_INT(anyc_group_close(&g, 0), 0);
  return 0;
}

/* Trio "Child tasks and cancellation": children inherit the scopes active at open time,
 * so a scope around start_soon does not apply to the child. */
static void test_trio_cancel_scopes_inherited_at_open(void **state)
{
  (void)state;
  run_mock_checked(wrap_start_soon_in_scope);
  assert_string_equal(trace_log, "child completed");
}

static int cancelled_child_not_error(void *arg)
{
  (void)arg;
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  anyc_start_soon(&g, sleep_forever, NULL);
  anyc_start_soon(&g, sleep_forever, NULL);
  CHECK_INT(anyc_checkpoint(), 0);
  anyc_group_cancel(&g);
  CHECK_INT(anyc_group_close(&g, 0), 0);
  CHECK_INT(anyc_error_count(), 0);
  return 0;
}

/* spec: a child returning -ECANCELED from a cancelled scope is not an error; a
 * cancellation of the group's own scope is caught. */
static void test_group_cancel_is_caught(void **state)
{
  (void)state;
  run_mock_checked(cancelled_child_not_error);
}

static int fake_ecanceled(void *arg)
{
  (void)arg;
  return -ECANCELED;
}

static int stray_ecanceled(void *arg)
{
  (void)arg;
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  anyc_start_soon(&g, fake_ecanceled, NULL);
  CHECK_INT(anyc_group_close(&g, 0), -ECANCELED);
  CHECK_INT(anyc_error_count(), 1); /* not caused by a cancelled scope: an error */
  return 0;
}

/* spec: "A child that returns non-zero (other than -ECANCELED caused by a cancelled
 * scope) is an error". */
static void test_group_stray_ecanceled_is_error(void **state)
{
  (void)state;
  run_mock_checked(stray_ecanceled);
}

static int first_error_in_time(void *arg)
{
  (void)arg;
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  anyc_start_soon(&g, sleep_forever, NULL);  /* would fail later; is cancelled */
  anyc_start_soon(&g, fail_einval, NULL);    /* -EINVAL at once */
  CHECK_INT(anyc_group_close(&g, 0), -EINVAL);
  CHECK_INT(anyc_error_count(), 1); /* crash_later was cancelled before it failed */
  return 0;
}

static void test_group_close_returns_first_error_in_time(void **state)
{
  (void)state;
  run_mock_checked(first_error_in_time);
}

static int errors_reset_by_next_close(void *arg)
{
  (void)arg;
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  anyc_start_soon(&g, fail_eio, NULL);
  CHECK_INT(anyc_group_close(&g, 0), -EIO);
  CHECK_INT(anyc_error_count(), 1);
  CHECK_INT(anyc_sleep(1), 0);
  CHECK_INT(anyc_error_count(), 1); /* errno-like: stays until the next close */
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_group_close(&g, 0), 0);
  CHECK_INT(anyc_error_count(), 0);
  return 0;
}

static void test_group_errors_last_until_next_close(void **state)
{
  (void)state;
  run_mock_checked(errors_reset_by_next_close);
}

static int outer_cancel_reaches_group(void *arg)
{
  (void)arg;
  anyc_scope s;
  CHECK_INT(anyc_move_on_after(&s, 1), 0);
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  anyc_start_soon(&g, sleep_forever, NULL);
  int rc = anyc_group_close(&g, 0);
  CHECK_INT(rc, -ECANCELED);
  CHECK_INT(anyc_scope_close(&s, rc), 0);
  CHECK(anyc_scope_cancelled_caught(&s));
  CHECK(anyc_now() == 1.0);
  return 0;
}

/* spec: close returns -ECANCELED when a child ended because an enclosing scope is cancelled. */
static void test_group_close_propagates_outer_cancel(void **state)
{
  (void)state;
  run_mock_checked(outer_cancel_reaches_group);
}

static int no_allocation(void *arg)
{
  (void)arg;
  long before = anyc__alloc_live();
  anyc_group g;
  anyc_scope s;
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_scope_open(&s), 0);
  CHECK_INT(anyc__alloc_live(), before); /* caller-allocated: nothing on the heap */
  CHECK_INT(anyc_scope_close(&s, 0), 0);
  CHECK_INT(anyc_group_close(&g, 0), 0);
  CHECK_INT(anyc__alloc_live(), before);
  return 0;
}

/* spec: "Groups, scopes and sync objects are caller-allocated ... No allocation happens
 * for a scope or a group." */
static void test_group_and_scope_allocate_nothing(void **state)
{
  (void)state;
  run_mock_checked(no_allocation);
}

static int bad_group_args(void *arg)
{
  (void)arg;
  anyc_group g;
  memset(&g, 0, sizeof g);
  CHECK_INT(anyc_group_open(NULL), -EINVAL);
  CHECK_INT(anyc_start_soon(&g, noop, NULL), -EINVAL); /* never opened */
  CHECK_INT(anyc_group_close(&g, 0), -EINVAL);
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon(&g, NULL, NULL), -EINVAL);
  CHECK_INT(anyc_group_close(&g, 0), 0);
  CHECK_INT(anyc_group_close(&g, 0), -EINVAL); /* closed already */
  return 0;
}

static void test_group_bad_arguments(void **state)
{
  (void)state;
  run_mock_checked(bad_group_args);
}

/* ---- anyc_start ---- */

struct start_args {
  double delay;
  intptr_t value;
  int fail_before; /* return this before started (0: call started) */
  int fail_after;  /* return this after started */
};

static int starter(void *arg, anyc_task_status *st)
{
  struct start_args *a = arg;
  int rc = anyc_sleep(a->delay);
  if (rc < 0)
    return rc;
  if (a->fail_before)
    return a->fail_before;
  anyc_started(st, (void *)a->value);
  TRACE("started");
  rc = anyc_sleep(a->delay);
  if (rc < 0)
    return rc;
  return a->fail_after;
}

static int nursery_start(void *arg)
{
  (void)arg;
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  struct start_args a = {.delay = 3, .value = 17};
  void *v = NULL;
  double t0 = anyc_now();
  CHECK_INT(anyc_start(&g, starter, &a, &v), 0);
  CHECK(anyc_now() - t0 == 3.0); /* resumed exactly when started() was called */
  CHECK((intptr_t)v == 17);
  TRACE("start returned");
  CHECK_INT(anyc_group_close(&g, 0), 0);
  CHECK(anyc_now() - t0 == 6.0); /* the group waited for the started child */
  return 0;
}

/* trio test_nursery_start: returns started's value, at started time; child lives on. */
static void test_trio_nursery_start(void **state)
{
  (void)state;
  run_mock_checked(nursery_start);
  assert_string_equal(trace_log, "started,start returned");
}

static int start_errors(void *arg)
{
  (void)arg;
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  struct start_args crash = {.delay = 1, .fail_before = -EIO};
  CHECK_INT(anyc_start(&g, starter, &crash, NULL), -EIO);
  CHECK_INT(anyc_error_count(), 0);
  CHECK_INT(anyc_group_close(&g, 0), 0); /* the crash did not reach the group */
  return 0;
}

/* trio test_nursery_start: a crash before started() comes out of start(), not the group. */
static void test_trio_nursery_start_crash_before_started(void **state)
{
  (void)state;
  run_mock_checked(start_errors);
}

static int crash_with_message(void *arg, anyc_task_status *st)
{
  (void)arg;
  (void)st;
  return anyc_fail(-ENOENT, "config %s missing", "x.conf");
}

static int start_error_keeps_message(void *arg)
{
  (void)arg;
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  int rc = anyc_start(&g, crash_with_message, NULL, NULL);
  CHECK_INT(rc, -ENOENT);
  CHECK_INT(anyc_group_close(&g, rc), -ENOENT); /* the body re-raises it */
  anyc_error_info e;
  CHECK_INT(anyc_error_count(), 1);
  CHECK_INT(anyc_error_at(0, &e), 0);
  CHECK_INT(e.code, -ENOENT);
  CHECK(strcmp(e.task, "main") == 0);
  CHECK(e.message && strcmp(e.message, "config x.conf missing") == 0);
  return 0;
}

/* trio test_nursery_start: the child's exception itself comes out of start(), message
 * and all; re-raised by the body, the nursery's group holds it with that message. */
static void test_trio_start_error_keeps_its_message(void **state)
{
  (void)state;
  run_mock_checked(start_error_keeps_message);
}

static int no_started(void *arg, anyc_task_status *st)
{
  (void)arg;
  (void)st;
  return 0;
}

static int start_without_started(void *arg)
{
  (void)arg;
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start(&g, no_started, NULL, NULL), -EINVAL);
  CHECK_INT(anyc_group_close(&g, 0), 0);
  CHECK_INT(anyc_start(&g, no_started, NULL, NULL), -EINVAL); /* closed group */
  return 0;
}

/* trio test_nursery_start: returning without started() is an error of start(). */
static void test_trio_nursery_start_exits_without_started(void **state)
{
  (void)state;
  run_mock_checked(start_without_started);
}

static int start_cancelled_caller(void *arg)
{
  (void)arg;
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  anyc_scope cs;
  CHECK_INT(anyc_scope_open(&cs), 0);
  anyc_scope_cancel(&cs);
  struct start_args a = {.delay = 0, .value = 5}; /* checkpoints: sleep(0) */
  int rc = anyc_start(&g, starter, &a, NULL);
  CHECK_INT(rc, -ECANCELED);
  CHECK_INT(anyc_scope_close(&cs, rc), 0);
  CHECK(anyc_scope_cancelled_caught(&cs));
  /* anyio test_start_cancels_parent_scope: the group itself was not cancelled. */
  CHECK_INT(anyc_start_soon(&g, sleep_one_then_trace, NULL), 0);
  CHECK_INT(anyc_group_close(&g, 0), 0);
  return 0;
}

/* trio test_nursery_start (cancelled caller): the child is cancelled at its checkpoint. */
static void test_trio_nursery_start_cancelled_caller(void **state)
{
  (void)state;
  run_mock_checked(start_cancelled_caller);
  assert_string_equal(trace_log, "child completed");
}

static int started_no_checkpoint(void *arg, anyc_task_status *st)
{
  (void)arg;
  anyc_started(st, (void *)(intptr_t)9);
  return 0;
}

static int start_cancelled_no_checkpoint(void *arg)
{
  (void)arg;
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  anyc_scope cs;
  CHECK_INT(anyc_scope_open(&cs), 0);
  anyc_scope_cancel(&cs);
  void *v = NULL;
  CHECK_INT(anyc_start(&g, started_no_checkpoint, NULL, &v), 0);
  CHECK((intptr_t)v == 9);
  CHECK_INT(anyc_scope_close(&cs, 0), 0);
  CHECK(!anyc_scope_cancelled_caught(&cs));
  CHECK_INT(anyc_group_close(&g, 0), 0);
  return 0;
}

/* trio test_nursery_start (cancelled caller, no checkpoint): start() returns normally. */
static void test_trio_nursery_start_cancelled_no_checkpoint(void **state)
{
  (void)state;
  run_mock_checked(start_cancelled_no_checkpoint);
}

static anyc_group *keep_group;

static int do_start(void *arg)
{
  struct start_args *a = arg;
  int rc = anyc_start(keep_group, starter, a, NULL);
  TRACE("start:%d@%g", rc, anyc_now());
  return rc == -EIO ? 0 : rc;
}

static int start_keeps_nursery_open(void *arg)
{
  (void)arg;
  anyc_group outer, g;
  CHECK_INT(anyc_group_open(&outer), 0);
  CHECK_INT(anyc_group_open(&g), 0);
  keep_group = &g;
  struct start_args a = {.delay = 5, .value = 1};       /* started at 5, done at 10 */
  struct start_args b = {.delay = 7, .fail_before = -EIO}; /* crashes at 7 */
  CHECK_INT(anyc_start_soon(&outer, do_start, &a), 0);
  CHECK_INT(anyc_start_soon(&outer, do_start, &b), 0);
  CHECK_INT(anyc_sleep(1), 0);
  CHECK_INT(anyc_group_close(&g, 0), 0);
  TRACE("closed@%g", anyc_now());
  CHECK_INT(anyc_group_close(&outer, 0), 0);
  return 0;
}

/* trio test_nursery_start_keeps_nursery_open: pending starts keep the group open. */
static void test_trio_nursery_start_keeps_nursery_open(void **state)
{
  (void)state;
  run_mock_checked(start_keeps_nursery_open);
  assert_string_equal(trace_log, "started,start:0@5,start:-5@7,closed@10");
}

static int crash_after_started(void *arg)
{
  (void)arg;
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  struct start_args a = {.delay = 0, .value = 2, .fail_after = -EIO};
  void *v = NULL;
  CHECK_INT(anyc_start(&g, starter, &a, &v), 0);
  CHECK((intptr_t)v == 2);
  CHECK_INT(anyc_group_close(&g, 0), -EIO);
  CHECK_INT(anyc_error_count(), 1);
  return 0;
}

/* anyio test_start_crash_after_started_call. */
static void test_anyio_start_crash_after_started_call(void **state)
{
  (void)state;
  run_mock_checked(crash_after_started);
}

static int shielded_starter(void *arg, anyc_task_status *st)
{
  (void)arg;
  anyc_scope sh;
  int rc = anyc_scope_open(&sh);
  if (rc < 0)
    return rc;
  anyc_scope_set_shield(&sh, 1);
  anyc_started(st, NULL);
  rc = anyc_sleep(1);
  TRACE("shielded sleep:%d", rc);
  return anyc_scope_close(&sh, rc);
}

static int cancel_shielding_start(void *arg)
{
  (void)arg;
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start(&g, shielded_starter, NULL, NULL), 0);
  anyc_group_cancel(&g);
  CHECK_INT(anyc_group_close(&g, 0), 0);
  return 0;
}

/* anyio test_cancel_shielding_start: a shield opened before started() keeps protecting. */
static void test_anyio_cancel_shielding_start(void **state)
{
  (void)state;
  run_mock_checked(cancel_shielding_start);
  assert_string_equal(trace_log, "shielded sleep:0");
}

/* anyc_group_walk (Trio's nursery.child_tasks): each child that has not ended, oldest
 * first, spawned or running; anyc_task_arg_of tells whose each is; a walked handle
 * cancels its task. */
typedef struct walk_log {
  anyc_task *seen[8];
  int n;
} walk_log;

static void walk_note(anyc_task *task, void *ctx)
{
  walk_log *w = ctx;
  if (w->n < 8)
    w->seen[w->n++] = task;
}

static int group_walk(void *arg)
{
  (void)arg;
  static char a[] = "a", b[] = "b", c[] = "c";
  walk_log w = {0};
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  anyc_group_walk(&g, walk_note, &w);
  CHECK_INT(w.n, 0);
  CHECK_INT(anyc_start_soon_named(&g, "first", sleep_forever, a), 0);
  CHECK_INT(anyc_start_soon(&g, noop, b), 0);
  CHECK_INT(anyc_start_soon(&g, sleep_forever, c), 0);
  anyc_group_walk(&g, walk_note, &w); /* not started yet: children all the same */
  CHECK_INT(w.n, 3);
  CHECK(strcmp(anyc_task_name_of(w.seen[0]), "first") == 0);
  CHECK(strncmp(anyc_task_name_of(w.seen[1]), "task", 4) == 0); /* unnamed: task<id> */
  CHECK(strcmp(anyc_task_name_of(NULL), "") == 0);
  CHECK(anyc_task_arg_of(w.seen[0], sleep_forever) == a);
  CHECK(anyc_task_arg_of(w.seen[1], noop) == b);
  CHECK(anyc_task_arg_of(w.seen[1], sleep_forever) == NULL); /* another body */
  CHECK(anyc_task_arg_of(w.seen[2], sleep_forever) == c);
  for (int i = 0; i < 3; i++)
    CHECK_INT(anyc_checkpoint(), 0); /* a and c asleep, b ended */
  w.n = 0;
  anyc_group_walk(&g, walk_note, &w);
  CHECK_INT(w.n, 2);
  CHECK(anyc_task_arg_of(w.seen[0], sleep_forever) == a);
  CHECK(anyc_task_arg_of(w.seen[1], sleep_forever) == c);
  CHECK_INT(anyc_task_cancel(w.seen[1]), 0);
  for (int i = 0; i < 3; i++)
    CHECK_INT(anyc_checkpoint(), 0);
  CHECK(strcmp(trace_log, "c:-125") == 0); /* c alone, by its walked handle */
  w.n = 0;
  anyc_group_walk(&g, walk_note, &w);
  CHECK_INT(w.n, 1);
  CHECK(anyc_task_arg_of(w.seen[0], sleep_forever) == a);
  anyc_group_cancel(&g);
  CHECK_INT(anyc_group_close(&g, 0), 0);
  w.n = 0;
  anyc_group_walk(&g, walk_note, &w); /* closed: no children, nothing read */
  CHECK_INT(w.n, 0);
  CHECK(anyc_task_arg_of(NULL, noop) == NULL);
  return 0;
}

static void test_group_walk(void **state)
{
  (void)state;
  run_mock_checked(group_walk);
  assert_string_equal(trace_log, "c:-125,a:-125");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      TEST(test_group_walk),
      TEST(test_trio_child_crash_basic),
      TEST(test_trio_nursery_main_block_error_basic),
      TEST(test_trio_task_crash_propagation),
      TEST(test_trio_main_and_task_both_crash),
      TEST(test_trio_child_crash_wakes_parent),
      TEST(test_anyio_failing_host_task_cancels_children),
      TEST(test_anyio_exception_group_host),
      TEST(test_trio_nursery_closure),
      TEST(test_trio_nursery_closed_before_owner_resumes),
      TEST(test_trio_precancelled_task),
      TEST(test_trio_cancel_inheritance),
      TEST(test_anyio_cancel_before_entering_task_group),
      TEST(test_anyio_empty_taskgroup_contains_yield_point),
      TEST(test_trio_cancel_scope_exceptiongroup_filtering),
      TEST(test_anyio_single_cancellation_exc),
      TEST(test_anyio_nested_task_group_filtering),
      TEST(test_start_soon_runs_at_next_checkpoint),
      TEST(test_start_soon_fifo_order),
      TEST(test_trio_cancel_scopes_inherited_at_open),
      TEST(test_group_cancel_is_caught),
      TEST(test_group_stray_ecanceled_is_error),
      TEST(test_group_close_returns_first_error_in_time),
      TEST(test_group_errors_last_until_next_close),
      TEST(test_group_close_propagates_outer_cancel),
      TEST(test_group_bad_arguments),
      TEST(test_group_and_scope_allocate_nothing),
      TEST(test_trio_nursery_start),
      TEST(test_trio_nursery_start_crash_before_started),
      TEST(test_trio_start_error_keeps_its_message),
      TEST(test_trio_nursery_start_exits_without_started),
      TEST(test_trio_nursery_start_cancelled_caller),
      TEST(test_trio_nursery_start_cancelled_no_checkpoint),
      TEST(test_trio_nursery_start_keeps_nursery_open),
      TEST(test_anyio_start_crash_after_started_call),
      TEST(test_anyio_cancel_shielding_start),
  };
  return cmocka_run_group_tests_name("runtime/group", tests, NULL, NULL);
}
