/* p02: trio test_nursery_start_with_cancelled_nursery — a task calls started() while its
 * own children sleep; the target nursery is already cancelled (or is cancelled right
 * after).  The sleeping children, moved with it, must be woken with -ECANCELED. */
#include "probe.h"

static int sleeper(void *a)
{
  int *rc = a;
  *rc = anyc_sleep(INFINITY);
  return *rc;
}

struct setup { anyc_group *g; };
static int setup_group(void *a, anyc_task_status *st)
{
  (void)a;
  anyc_group g;
  anyc_group_open(&g);
  anyc_started(st, &g);
  int rc = anyc_sleep(INFINITY);
  return anyc_group_close(&g, rc);
}

struct sc { anyc_group *target; int cancel_before; int rc1, rc2; };
static int sleeping_children(void *a, anyc_task_status *st)
{
  struct sc *s = a;
  anyc_group g;
  anyc_group_open(&g);
  anyc_start_soon(&g, sleeper, &s->rc1);
  anyc_start_soon(&g, sleeper, &s->rc2);
  anyc_sleep(1); /* let them block */
  if (s->cancel_before)
    anyc_group_cancel(s->target);
  anyc_started(st, NULL);
  return anyc_group_close(&g, 0);
}

static int scenario(int cancel_before)
{
  anyc_group outer;
  anyc_group_open(&outer);
  void *v = NULL;
  EXPECT(anyc_start(&outer, setup_group, NULL, &v), 0);
  anyc_group *target = v;
  struct sc s = {target, cancel_before, 1, 1};
  double t0 = anyc_now();
  EXPECT(anyc_start(target, sleeping_children, &s, NULL), 0);
  if (!cancel_before)
    anyc_group_cancel(target);
  int rc = anyc_group_close(&outer, 0);
  EXPECT(rc, 0);
  EXPECT(s.rc1, -ECANCELED);
  EXPECT(s.rc2, -ECANCELED);
  EXPECT(anyc_now() - t0 < 100, 1);
  return 0;
}

static int main_before(void *a) { (void)a; return scenario(1); }
static int main_after(void *a) { (void)a; return scenario(0); }

int main(void)
{
  anyc_config c = {0, 1, 0.0};
  EXPECT(anyc_run_with(&c, main_after, NULL), 0);
  EXPECT(anyc_run_with(&c, main_before, NULL), 0);
  return probe_done();
}
