/* p08: to_thread / from_thread (real clock): status passing, abandon vs wait on cancel,
 * from_thread running in the host's scopes (trio test_from_thread_host_cancelled),
 * misuse from the loop thread. */
#include <pthread.h>
#include <time.h>
#include <unistd.h>
#include "probe.h"

static int ret7(void *a) { (void)a; return -7; }
static int slow(void *a) { usleep(300000); *(int *)a = 1; return 3; }

static anyc_scope *host_scope;
static int in_loop_cancel_and_sleep(void *a)
{
  int *rc = a;
  EXPECT_STR(anyc_task_name(), "from_thread");
  anyc_scope_cancel(host_scope);
  *rc = anyc_sleep(INFINITY);
  return *rc;
}
static int worker_calls_back(void *a) { return anyc_from_thread(in_loop_cancel_and_sleep, a); }
static int in_loop_nested(void *a) { (void)a; return anyc_to_thread(ret7, NULL, 0); }
static int worker_nested(void *a) { (void)a; return anyc_from_thread(in_loop_nested, NULL); }

static double now_real(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int canceller(void *a)
{
  anyc_sleep(0.05);
  anyc_scope_cancel(a);
  return 0;
}

static int main_fn(void *a)
{
  (void)a;
  EXPECT(anyc_to_thread(ret7, NULL, 0), -7);
  EXPECT(anyc_to_thread(NULL, NULL, 0), -EINVAL);
  EXPECT(anyc_to_thread(ret7, NULL, 8), -EINVAL);
  EXPECT(anyc_from_thread(ret7, NULL), -EPERM);
  /* abandon: returns at once */
  anyc_group g;
  anyc_group_open(&g);
  {
    anyc_scope s;
    static int done1;
    anyc_scope_open(&s);
    anyc_start_soon(&g, canceller, &s);
    double t0 = now_real();
    int rc = anyc_to_thread(slow, &done1, ANYC_ABANDON_ON_CANCEL);
    EXPECT(rc, -ECANCELED);
    EXPECT(now_real() - t0 < 0.2, 1);
    EXPECT(done1, 0);
    EXPECT(anyc_scope_close(&s, rc), 0);
  }
  /* wait: returns after the thread, -ECANCELED */
  {
    anyc_scope s;
    int done2 = 0;
    anyc_scope_open(&s);
    anyc_start_soon(&g, canceller, &s);
    double t0 = now_real();
    int rc = anyc_to_thread(slow, &done2, 0);
    EXPECT(rc, -ECANCELED);
    EXPECT(now_real() - t0 >= 0.29, 1);
    EXPECT(done2, 1);
    EXPECT(anyc_scope_close(&s, rc), 0);
  }
  /* from_thread runs in the host's scopes */
  {
    anyc_scope s;
    int rc_in = 1;
    anyc_fail_after(&s, 10);
    host_scope = &s;
    int rc = anyc_to_thread(worker_calls_back, &rc_in, 0);
    EXPECT(rc, -ECANCELED);
    EXPECT(rc_in, -ECANCELED);
    EXPECT(anyc_scope_close(&s, rc), 0);
    EXPECT(anyc_scope_cancelled_caught(&s), 1);
  }
  EXPECT(anyc_to_thread(worker_nested, NULL, 0), -7);
  return anyc_group_close(&g, 0);
}

static void *plain_thread(void *a) { *(int *)a = anyc_from_thread(ret7, NULL); return NULL; }

int main(void)
{
  double t0 = now_real();
  EXPECT(anyc_run(main_fn, NULL), 0);
  EXPECT(now_real() - t0 < 1.0, 1);
  int rc = 0;
  pthread_t th;
  pthread_create(&th, NULL, plain_thread, &rc);
  pthread_join(th, NULL);
  EXPECT(rc, -EPERM);
  EXPECT(anyc_to_thread(ret7, NULL, 0), -EPERM);
  usleep(400000); /* let the abandoned job finish before exit */
  return probe_done();
}
