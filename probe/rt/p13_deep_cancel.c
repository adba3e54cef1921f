/* p13: cancelling the top of a deep tree — N tasks, each the child of the previous one's
 * group, the last asleep — must wake the leaf, whatever N (Trio's cancel-status walk is
 * iterative for this reason), also when the cancel is made on a task's small stack. */
#include <stdlib.h>
#include "probe.h"

static int depth_max;
static int leaf_rc = 1;
static int level(void *a)
{
  long d = (long)a;
  if (d == depth_max) {
    leaf_rc = anyc_sleep(INFINITY);
    return leaf_rc;
  }
  anyc_group g;
  anyc_group_open(&g);
  anyc_start_soon(&g, level, (void *)(d + 1));
  return anyc_group_close(&g, 0);
}

static int canceller(void *a)
{
  int rc = anyc_sleep(1);
  anyc_scope_cancel(a); /* the walk runs on this task's stack */
  return rc;
}

static int main_fn(void *a)
{
  (void)a;
  anyc_scope s;
  anyc_group g;
  anyc_group_open(&g);
  anyc_scope_open(&s);
  anyc_start_soon(&g, canceller, &s);
  int rc = level((void *)0);
  EXPECT(anyc_scope_close(&s, rc), 0);
  EXPECT(leaf_rc, -ECANCELED);
  return anyc_group_close(&g, 0);
}

int main(int argc, char **argv)
{
  depth_max = argc > 1 ? atoi(argv[1]) : 20000;
  anyc_config c = {0, 1, 0};
  EXPECT(anyc_run_with(&c, main_fn, NULL), 0);
  return probe_done();
}
