/* channels.c — docs/channels.md's example: a fan-in pipeline on memory channels.
 *
 * Three producers share one channel through cloned senders; one consumer reads until
 * ANYC_EOF, which arrives only after every producer closed its clone.  A small buffer
 * gives back-pressure: a producer that runs ahead blocks in anyc_send.
 *
 *   build: cmake --build build --target example_channels;  run: build/docs/examples/example_channels
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>

#include <anyc.h>

struct producer {
  anyc_sender *tx; /* this producer's own clone: it closes it when done */
  int first, count;
};

static int produce(void *arg)
{
  struct producer *p = arg;
  int rc = 0;
  for (int i = 0; i < p->count && rc == 0; i++)
    rc = anyc_send(p->tx, (void *)(intptr_t)(p->first + i));
  anyc_sender_close(p->tx); /* always, even on error: the consumer waits for every clone */
  return rc;
}

static int consume(void *arg)
{
  anyc_receiver *rx = arg;
  long sum = 0, n = 0;
  void *item;
  int rc;
  while ((rc = anyc_receive(rx, &item)) == 0) {
    sum += (intptr_t)item;
    n++;
  }
  anyc_receiver_close(rx);
  if (rc != ANYC_EOF)
    return rc;
  printf("consumer: %ld items, sum %ld\n", n, sum);
  return 0;
}

static int main_task(void *arg)
{
  (void)arg;
  anyc_sender *tx;
  anyc_receiver *rx;
  int rc = anyc_channel_open(4, &tx, &rx);
  if (rc < 0)
    return rc;
  static struct producer producers[3];
  anyc_group g;
  rc = anyc_group_open(&g);
  if (rc < 0)
    return rc;
  rc = anyc_start_soon(&g, consume, rx);
  for (int i = 0; i < 3 && rc == 0; i++) {
    producers[i] = (struct producer){anyc_sender_clone(tx), i * 1000, 100};
    rc = producers[i].tx ? anyc_start_soon(&g, produce, &producers[i]) : -ENOMEM;
  }
  anyc_sender_close(tx); /* the original: only the clones remain open */
  return anyc_group_close(&g, rc);
}

int main(void)
{
  int rc = anyc_run(main_task, NULL);
  if (rc != 0)
    fprintf(stderr, "channels: %s\n", anyc_strerror(rc));
  return rc == 0 ? 0 : 1;
}
