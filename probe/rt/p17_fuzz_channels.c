/* p17: randomized channel traffic with cancellation (mock clock).  Senders and receivers
 * with random timeouts around every operation, random buffer sizes (0 = rendezvous),
 * clones.  Invariants (Trio: "a Cancelled from an operation means the operation did not
 * happen"): every item whose send returned 0 is received exactly once, no item whose
 * send failed is ever received, and each sender's items arrive in its order. */
#include <stdint.h>
#include <stdlib.h>
#include "probe.h"

#define SENDERS 4
#define RECEIVERS 3
#define PER 200
static unsigned seed;
static int rnd(int n) { seed = seed * 1103515245u + 12345u; return (int)((seed >> 8) % (unsigned)n); }

static unsigned char sent_ok[SENDERS][PER], got[SENDERS][PER];
static int last_seen[SENDERS];
static int errors;

static int sender(void *a)
{
  anyc_sender *tx = a;
  long id = (long)(intptr_t)anyc_task_name()[6] - '0'; /* "sender0".. */
  for (int i = 0; i < PER; i++) {
    anyc_scope s;
    anyc_move_on_after(&s, 0.001 * rnd(4));
    int rc = anyc_send(tx, (void *)(intptr_t)(id * PER + i));
    rc = anyc_scope_close(&s, rc);
    if (rc == 0 && !anyc_scope_cancelled_caught(&s))
      sent_ok[id][i] = 1;
    else if (rc != 0)
      errors++;
    if (rnd(3) == 0)
      (void)anyc_sleep(0.001 * rnd(3));
  }
  anyc_sender_close(tx);
  return 0;
}

static void record(void *item)
{
  long v = (long)(intptr_t)item, id = v / PER, i = v % PER;
  if (got[id][i]++)
    errors++, printf("  seed %u: item %ld received twice\n", seed, v);
  if (i <= last_seen[id])
    errors++, printf("  seed %u: item %ld after %d (order)\n", seed, v, last_seen[id]);
  last_seen[id] = (int)i;
}

static int receiver(void *a)
{
  anyc_receiver *rx = a;
  for (;;) {
    anyc_scope s;
    void *it = NULL;
    anyc_move_on_after(&s, 0.001 * rnd(4));
    int rc = anyc_receive(rx, &it);
    int closed = anyc_scope_close(&s, rc);
    if (rc == 0)
      record(it);
    else if (rc == ANYC_EOF)
      break;
    else if (closed != 0)
      errors++;
    if (rnd(3) == 0)
      (void)anyc_sleep(0.001 * rnd(3));
  }
  anyc_receiver_close(rx);
  return 0;
}

static int main_fn(void *a)
{
  (void)a;
  anyc_sender *tx;
  anyc_receiver *rx;
  anyc_channel_open((size_t)rnd(4), &tx, &rx);
  anyc_group g;
  anyc_group_open(&g);
  char name[16];
  for (int i = 0; i < SENDERS; i++) {
    snprintf(name, sizeof name, "sender%d", i);
    anyc_start_soon_named(&g, name, sender, anyc_sender_clone(tx));
  }
  for (int i = 0; i < RECEIVERS; i++)
    anyc_start_soon(&g, receiver, anyc_receiver_clone(rx));
  anyc_sender_close(tx);
  anyc_receiver_close(rx);
  return anyc_group_close(&g, 0);
}

int main(int argc, char **argv)
{
  int runs = argc > 1 ? atoi(argv[1]) : 200;
  int bad = 0;
  for (int r = 0; r < runs; r++) {
    seed = 7u + (unsigned)r;
    memset(sent_ok, 0, sizeof sent_ok);
    memset(got, 0, sizeof got);
    for (int i = 0; i < SENDERS; i++) last_seen[i] = -1;
    errors = 0;
    anyc_config c = {0, 1, 0};
    int rc = anyc_run_with(&c, main_fn, NULL);
    for (int s = 0; s < SENDERS; s++)
      for (int i = 0; i < PER; i++)
        if (sent_ok[s][i] != got[s][i]) {
          if (errors++ < 3)
            printf("  seed %u: item %d of sender %d sent %d received %d\n", seed, i, s, sent_ok[s][i], got[s][i]);
        }
    if (rc || errors) bad++;
  }
  int ok = 0;
  for (int s = 0; s < SENDERS; s++)
    for (int i = 0; i < PER; i++)
      ok += sent_ok[s][i];
  printf("  last run: %d of %d sends delivered (the rest cancelled)\n", ok, SENDERS * PER);
  EXPECT(bad, 0);
  return probe_done();
}
