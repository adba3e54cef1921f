/* channel_pingpong.c — the channel round-trip benchmark of issue 4.
 *
 * Two tasks and two rendezvous channels: the pinger sends on `ping` and waits on `pong`,
 * the ponger does the opposite.  One op = one round trip (two sends, two receives, the
 * task switches between them).  Reference (same machine type): Trio ≈ 12,300 ns,
 * Go ≈ 213 ns; target ≤ 60 ns.
 *
 *   channel_pingpong [rounds]      (default 2,000,000; prints "ns_per_roundtrip=<x>")
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <anyc.h>

static anyc_sender *ping_tx, *pong_tx;
static anyc_receiver *ping_rx, *pong_rx;
static long rounds;
static double switches; /* task switches per round trip */

static int ponger(void *arg)
{
  (void)arg;
  void *item;
  int rc;
  while ((rc = anyc_receive(ping_rx, &item)) == 0)
    if ((rc = anyc_send(pong_tx, item)) < 0)
      return rc;
  return rc == ANYC_EOF ? 0 : rc;
}

static int pinger(long n)
{
  for (long i = 0; i < n; i++) {
    void *item;
    int rc = anyc_send(ping_tx, (void *)(intptr_t)i);
    if (rc == 0)
      rc = anyc_receive(pong_rx, &item);
    if (rc < 0)
      return rc;
  }
  return 0;
}

static int main_task(void *arg)
{
  double *ns = arg;
  anyc_group g;
  int rc = anyc_channel_open(0, &ping_tx, &ping_rx);
  if (rc == 0)
    rc = anyc_channel_open(0, &pong_tx, &pong_rx);
  if (rc < 0)
    return rc;
  if ((rc = anyc_group_open(&g)) < 0)
    return rc;
  rc = anyc_start_soon(&g, ponger, NULL);
  if (rc == 0)
    rc = pinger(rounds / 10 + 1); /* warm-up */
  anyc_stats st0, st1;
  anyc_get_stats(&st0);
  double t0 = anyc_now();
  if (rc == 0)
    rc = pinger(rounds);
  *ns = (anyc_now() - t0) * 1e9 / (double)rounds;
  anyc_get_stats(&st1);
  switches = (double)(st1.switches - st0.switches) / (double)rounds;
  anyc_sender_close(ping_tx); /* the ponger sees EOF */
  rc = anyc_group_close(&g, rc);
  anyc_receiver_close(ping_rx);
  anyc_sender_close(pong_tx);
  anyc_receiver_close(pong_rx);
  return rc;
}

int main(int argc, char **argv)
{
  rounds = argc > 1 ? atol(argv[1]) : 2000000;
  if (rounds <= 0)
    rounds = 1;
  double ns = 0;
  int rc = anyc_run(main_task, &ns);
  if (rc != 0) {
    fprintf(stderr, "channel_pingpong: %s\n", anyc_strerror(rc));
    return 1;
  }
  printf("channel_pingpong rounds=%ld ns_per_roundtrip=%.1f switches_per_roundtrip=%.2f\n",
         rounds, ns, switches);
  return 0;
}
