/* p12: anyc_run_with settings at their edges — a huge stack size fails cleanly
 * (-ENOMEM / -EINVAL, never a crash); NaN / negative / infinite autojump thresholds. */
#include <stdint.h>
#include "probe.h"

static int nothing(void *a) { (void)a; return 3; }
static int sleepy(void *a) { (void)a; return anyc_sleep(100); }

int main(void)
{
  anyc_config c = {SIZE_MAX, 0, 0};
  int rc = anyc_run_with(&c, nothing, NULL);
  printf("  stack SIZE_MAX -> %d (%s)\n", rc, anyc_strerror(rc));
  EXPECT(rc == -ENOMEM || rc == -EINVAL, 1);
  /* (Under ASan this one takes minutes: returning a task's stack to the pool
   * unpoisons it all, 128 GiB of shadow for a 1 TiB stack.) */
  c = (anyc_config){(size_t)1 << 40, 0, 0};
  rc = anyc_run_with(&c, nothing, NULL);
  printf("  stack 1 TiB -> %d (%s)\n", rc, anyc_strerror(rc));
  c = (anyc_config){1, 0, 0};
  EXPECT(anyc_run_with(&c, nothing, NULL), 3);
  c = (anyc_config){0, 1, NAN};
  EXPECT(anyc_run_with(&c, nothing, NULL), -EINVAL);
  c = (anyc_config){0, 1, -1};
  EXPECT(anyc_run_with(&c, nothing, NULL), -EINVAL);
  c = (anyc_config){0, 1, 0};
  EXPECT(anyc_run_with(&c, sleepy, NULL), 0);
  EXPECT(anyc_run_with(NULL, nothing, NULL), 3);
  EXPECT(anyc_run(NULL, NULL), -EINVAL);
  return probe_done();
}
