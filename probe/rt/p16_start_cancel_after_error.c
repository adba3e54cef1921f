/* p16: anyio test_start_cancel_after_error — an error in the inner group cancels a
 * start() into the outer group made from the inner body; the started task never
 * completes its sleep; the error comes out of both groups. */
#include "probe.h"

static int sleep_completed;
static int sleep_and_raise(void *a) { (void)a; (void)anyc_sleep(0.1); return anyc_fail(-EPROTO, "cancel the start"); }
static int sleep_only(void *a, anyc_task_status *st)
{
  (void)a;
  int rc = anyc_sleep(1);
  if (rc) return rc;
  sleep_completed = 1;
  anyc_started(st, NULL);
  return 0;
}

static int main_fn(void *a)
{
  (void)a;
  anyc_group outer, inner;
  anyc_group_open(&outer);
  anyc_group_open(&inner);
  anyc_start_soon(&inner, sleep_and_raise, NULL);
  int rc = anyc_start(&outer, sleep_only, NULL, NULL);
  EXPECT(rc, -ECANCELED);
  rc = anyc_group_close(&inner, rc);
  EXPECT(rc, -EPROTO);
  rc = anyc_group_close(&outer, rc);
  EXPECT(rc, -EPROTO);
  EXPECT(sleep_completed, 0);
  EXPECT(anyc_now() * 10, 1);
  return 0;
}

int main(void)
{
  EXPECT(probe_run_mock(main_fn), 0);
  return probe_done();
}
