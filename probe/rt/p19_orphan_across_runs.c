/* p19: a job abandoned in run A calls anyc_from_thread while run B runs on the same
 * thread: it must not reach run B (Trio: RunFinishedError for run A's token). */
#include <stdatomic.h>
#include <unistd.h>
#include "probe.h"

static atomic_int late_rc = 1, ran_in_b;
static int mark(void *a) { (void)a; ran_in_b = 1; return 0; }
static int slow_caller(void *a)
{
  (void)a;
  usleep(200000);
  late_rc = anyc_from_thread(mark, NULL);
  return 0;
}
static int run_a(void *a)
{
  (void)a;
  anyc_scope s;
  anyc_move_on_after(&s, 0.01);
  int rc = anyc_to_thread(slow_caller, NULL, ANYC_ABANDON_ON_CANCEL);
  return anyc_scope_close(&s, rc);
}
static int run_b(void *a) { (void)a; return anyc_sleep(0.5); }

int main(void)
{
  EXPECT(anyc_run(run_a, NULL), 0);
  EXPECT(anyc_run(run_b, NULL), 0);
  EXPECT(late_rc, -ECANCELED);
  EXPECT(ran_in_b, 0);
  return probe_done();
}
