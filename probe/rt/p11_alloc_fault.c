/* p11: out of memory never crashes and nothing leaks (spec, Robustness) — every
 * allocation of a scenario using channels (open, clone, buffer growth), the limiter,
 * to_thread, long task names, sleeps in a big deadline heap, failed in turn. */
#include <stdlib.h>
#include "probe.h"

void anyc__alloc_fail_at(long n);
long anyc__alloc_live(void);
long anyc__alloc_countdown(void);

static int quick(void *a) { (void)a; return 0; }
static int consumer(void *a)
{
  anyc_receiver *rx = a;
  void *it;
  int rc;
  while ((rc = anyc_receive(rx, &it)) == 0) {
  }
  anyc_receiver_close(rx);
  return rc == ANYC_EOF ? 0 : rc;
}
static int limited(void *a)
{
  anyc_limiter *l = a;
  int rc = anyc_limiter_acquire(l);
  if (rc < 0) return rc;
  rc = anyc_sleep(0.1);
  anyc_limiter_release(l);
  return rc;
}
static int sleeper(void *a) { (void)a; return anyc_sleep(1); }

static int scenario(void *a)
{
  (void)a;
  anyc_group g;
  int rc = anyc_group_open(&g), rc2;
  anyc_sender *tx = NULL;
  anyc_receiver *rx = NULL;
  anyc_limiter lim;
  anyc_limiter_init(&lim, 2);
  if (rc == 0)
    rc = anyc_channel_open(100, &tx, &rx);
  if (rc == 0) {
    anyc_receiver *rx2 = anyc_receiver_clone(rx);
    if (!rx2) rc = -ENOMEM;
    else if ((rc = anyc_start_soon_named(&g, "a-consumer-with-a-long-name", consumer, rx2)) < 0)
      anyc_receiver_close(rx2);
    anyc_receiver_close(rx);
  }
  for (int i = 0; rc == 0 && i < 6; i++)
    rc = anyc_start_soon(&g, limited, &lim);
  for (int i = 0; rc == 0 && i < 70; i++)
    rc = anyc_start_soon(&g, sleeper, NULL);
  for (long i = 0; rc == 0 && i < 50; i++)
    rc = anyc_send(tx, (void *)i);
  if (tx) anyc_sender_close(tx);
  if (rc == 0)
    rc = anyc_to_thread(quick, NULL, 0);
  rc2 = anyc_group_close(&g, rc);
  return rc2;
}

int main(void)
{
  anyc_config c = {0, 1, 0.0};
  long k;
  int bad = 0, enomem = 0;
  for (k = 1; k < 5000; k++) {
    anyc__alloc_fail_at(k);
    int rc = anyc_run_with(&c, scenario, NULL);
    int fired = anyc__alloc_countdown() == 0;
    anyc__alloc_fail_at(0);
    if (rc != 0 && rc != -ENOMEM) {
      printf("  k=%ld rc=%d (%s)\n", k, rc, anyc_strerror(rc));
      bad++;
    }
    if (anyc__alloc_live() != 0) {
      printf("  k=%ld leaked %ld\n", k, anyc__alloc_live());
      bad++;
      break;
    }
    enomem += rc == -ENOMEM;
    if (!fired)
      break;
  }
  printf("  %ld allocation sites, %d runs -ENOMEM\n", k, enomem);
  EXPECT(bad, 0);
  return probe_done();
}
