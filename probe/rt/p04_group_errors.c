/* p04: the error list of a group (Trio's exception group, flattened): order, task names,
 * anyc_fail messages; a body error; errors in cleanup after cancellation; a start()
 * failure before started() stays out of the group. */
#include "probe.h"

static int fail_io(void *a) { (void)a; return anyc_fail(-EIO, "io %d", 1); }
static int sleeper_then_fail(void *a)
{
  (void)a;
  int rc = anyc_sleep(INFINITY);
  return rc == -ECANCELED ? anyc_fail(-EPIPE, "cleanup broke") : 0;
}
static int start_fail(void *a, anyc_task_status *st)
{
  (void)a; (void)st;
  return anyc_fail(-ENOENT, "not found");
}
static int start_then_fail(void *a, anyc_task_status *st)
{
  (void)a;
  anyc_started(st, (void *)7);
  return anyc_fail(-EXDEV, "after started");
}

static int main_fn(void *a)
{
  (void)a;
  anyc_group g;
  anyc_error_info e;
  /* child errors: the first in time first; the sleeper's cleanup error second. */
  anyc_group_open(&g);
  anyc_start_soon_named(&g, "sleepy", sleeper_then_fail, NULL);
  anyc_start_soon_named(&g, "failer", fail_io, NULL);
  EXPECT(anyc_group_close(&g, 0), -EIO);
  EXPECT(anyc_error_count(), 2);
  anyc_error_at(0, &e);
  EXPECT(e.code, -EIO); EXPECT_STR(e.task, "failer"); EXPECT_STR(e.message, "io 1");
  anyc_error_at(1, &e);
  EXPECT(e.code, -EPIPE); EXPECT_STR(e.task, "sleepy"); EXPECT_STR(e.message, "cleanup broke");

  /* body error + child failing in cleanup: body first (AnyIO test_exception_group_host) */
  anyc_group_open(&g);
  anyc_start_soon_named(&g, "sleepy", sleeper_then_fail, NULL);
  anyc_checkpoint();
  EXPECT(anyc_group_close(&g, anyc_fail(-EPROTO, "host")), -EPROTO);
  EXPECT(anyc_error_count(), 2);
  anyc_error_at(0, &e);
  EXPECT(e.code, -EPROTO); EXPECT_STR(e.task, "main"); EXPECT_STR(e.message, "host");
  anyc_error_at(1, &e);
  EXPECT(e.code, -EPIPE);
  EXPECT(anyc_error_at(2, &e), -ERANGE);
  EXPECT(anyc_error_at(0, NULL), -EINVAL);

  /* start: a failure before started() goes to the caller only */
  anyc_group_open(&g);
  EXPECT(anyc_start(&g, start_fail, NULL, NULL), -ENOENT);
  void *v = NULL;
  EXPECT(anyc_start(&g, start_then_fail, NULL, &v), 0);
  EXPECT((long)v, 7);
  EXPECT(anyc_group_close(&g, 0), -EXDEV);
  EXPECT(anyc_error_count(), 1);
  anyc_error_at(0, &e);
  EXPECT(e.code, -EXDEV); EXPECT_STR(e.message, "after started");

  /* a clean close clears the list */
  anyc_group_open(&g);
  EXPECT(anyc_group_close(&g, 0), 0);
  EXPECT(anyc_error_count(), 0);

  /* nested: the inner group's error is the outer body's error */
  anyc_group outer, inner;
  anyc_group_open(&outer);
  anyc_group_open(&inner);
  anyc_start_soon_named(&inner, "deep", fail_io, NULL);
  int rc = anyc_group_close(&inner, 0);
  EXPECT(rc, -EIO);
  EXPECT(anyc_group_close(&outer, rc), -EIO);
  EXPECT(anyc_error_count(), 1);
  anyc_error_at(0, &e);
  EXPECT_STR(e.task, "main");
  return 0;
}

int main(void)
{
  EXPECT(probe_run_mock(main_fn), 0);
  EXPECT(anyc_error_count(), 0);
  anyc_error_info e;
  EXPECT(anyc_error_at(0, &e), -EPERM);
  EXPECT(anyc_fail(-EIO, "x"), -EIO);
  return probe_done();
}
