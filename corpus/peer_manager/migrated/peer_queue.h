/* peer_queue.h — a small FIFO of peer ids shared by the PeerManager's tasks.  Legacy
 * code had no channels: consumers poll with as_sleep(). */
#ifndef PEER_QUEUE_H
#define PEER_QUEUE_H

#define PEER_QUEUE_CAP 64

struct peer_queue
{
  int items[PEER_QUEUE_CAP];
  int head, tail;
};

void peer_queue_init(struct peer_queue *q);
int peer_queue_push(struct peer_queue *q, int peer);   /* 0, or -1 when full */
int peer_queue_pop(struct peer_queue *q, int *peer);   /* 0, or -1 when empty */

#endif
