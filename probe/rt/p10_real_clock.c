/* p10: real clock — a sleep never returns before its deadline, and a timeout never
 * cancels before its deadline (Trio: sleep_until returns at or after the deadline). */
#include "probe.h"

static int main_fn(void *a)
{
  (void)a;
  int early = 0, late = 0;
  for (int i = 0; i < 200; i++) {
    double d = 0.0005 * (i % 7 + 1);
    double t0 = anyc_now();
    anyc_sleep(d);
    double dt = anyc_now() - t0;
    early += dt < d;
    late += dt > d + 0.02;
  }
  EXPECT(early, 0);
  EXPECT(late < 5, 1);
  early = 0;
  for (int i = 0; i < 100; i++) {
    anyc_scope s;
    double t0 = anyc_now();
    anyc_move_on_after(&s, 0.001 * (i % 3 + 1));
    int rc = anyc_sleep(1);
    early += anyc_now() < anyc_scope_deadline(&s);
    anyc_scope_close(&s, rc);
    (void)t0;
  }
  EXPECT(early, 0);
  double t0 = anyc_now();
  EXPECT(anyc_sleep_until(t0 + 0.003), 0);
  EXPECT(anyc_now() >= t0 + 0.003, 1);
  return 0;
}

int main(void)
{
  EXPECT(anyc_run(main_fn, NULL), 0);
  return probe_done();
}
