/* p14: the mock clock (trio.testing.MockClock autojump): virtual time starts at 0, moves
 * only when every task is blocked, jumps exactly to the next deadline; a threshold waits
 * that long in real time first. */
#include <time.h>
#include "probe.h"

static double real_now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int busy(void *a)
{
  (void)a;
  double t0 = anyc_now();
  for (int i = 0; i < 100000; i++)
    if (anyc_checkpoint() < 0)
      break;
  EXPECT(anyc_now() == t0, 1); /* a task that keeps running stops time */
  return 0;
}

static int main_fn(void *a)
{
  (void)a;
  EXPECT(anyc_now() == 0.0, 1);
  double r0 = real_now();
  for (int i = 0; i < 10; i++) {
    double t0 = anyc_now();
    EXPECT(anyc_sleep(10 * i), 0);
    EXPECT((anyc_now() - t0) == 10.0 * i, 1);
  }
  EXPECT(real_now() - r0 < 1.0, 1);
  EXPECT(anyc_sleep_until(1000), 0);
  EXPECT(anyc_now() == 1000, 1);
  anyc_group g;
  anyc_group_open(&g);
  anyc_start_soon(&g, busy, NULL);
  EXPECT(anyc_sleep(1), 0);
  return anyc_group_close(&g, 0);
}

static int threshold_main(void *a)
{
  (void)a;
  double r0 = real_now();
  EXPECT(anyc_sleep(5), 0);
  double dr = real_now() - r0;
  printf("  threshold 0.2: real %.3f s for a 5 s virtual sleep\n", dr);
  EXPECT(dr >= 0.19 && dr < 1.0, 1);
  EXPECT(anyc_now() == 5.0, 1);
  return 0;
}

int main(void)
{
  EXPECT(probe_run_mock(main_fn), 0);
  anyc_config c = {0, 1, 0.2};
  EXPECT(anyc_run_with(&c, threshold_main, NULL), 0);
  return probe_done();
}
