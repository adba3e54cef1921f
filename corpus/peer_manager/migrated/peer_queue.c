/* peer_queue.c — the ring buffer behind peer_queue.h. */
#include "peer_queue.h"

void peer_queue_init(struct peer_queue *q)
{
  q->head = q->tail = 0;
}

int peer_queue_push(struct peer_queue *q, int peer)
{
  if ((q->tail + 1) % PEER_QUEUE_CAP == q->head)
    return -1;
  q->items[q->tail] = peer;
  q->tail = (q->tail + 1) % PEER_QUEUE_CAP;
  return 0;
}

int peer_queue_pop(struct peer_queue *q, int *peer)
{
  if (q->head == q->tail)
    return -1;
  *peer = q->items[q->head];
  q->head = (q->head + 1) % PEER_QUEUE_CAP;
  return 0;
}
