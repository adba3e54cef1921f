/* channel.c — memory channels: Trio's memory channels / AnyIO's memory object streams,
 * carrying void * items between tasks of one run.
 *
 * A channel is a ring buffer of up to `cap` items (0 = rendezvous) plus two FIFO queues
 * of parked operations.  Each parked operation is a record on the waiting task's stack
 * naming the handle it was made through, so closing one clone fails only the operations
 * made through that clone.  Fairness is Trio's: a receiver that is already waiting owns
 * the next item sent (a later try_receive cannot steal it), and a buffer slot freed by a
 * receive goes straight to the first waiting sender (a later try_send cannot steal it).
 * Cancellation reaches a parked operation through its abort callback, which unlinks the
 * record: a cancelled send delivered nothing, a cancelled receive consumed nothing.
 *
 * Handles (the first sender and receiver and every clone) are allocated singly and all
 * live until the whole channel is freed by the close of its last open handle, so using a
 * closed handle reliably returns -EBADF while any handle of the channel is open.  The
 * price is one small block per clone for the channel's lifetime.
 *
 * "Closing the last end frees the channel" (the spec), yet Trio's own test_channel goes
 * on after the last close: a receive on the closed receiver raises ClosedResourceError
 * and a second close is a no-op.  So the last close frees the buffer at once but keeps
 * the small channel record and its handles (all marked closed) in a per-run quarantine
 * of the last CHAN_QUARANTINE channels, freeing the oldest beyond that and the rest when
 * the run ends: a handle used shortly after the last close still answers -EBADF (and a
 * second close does nothing) instead of touching freed memory, and memory stays bounded.
 * Long after, the pointer is as dangling as any freed object's.
 */
#include <errno.h>
#include <stdint.h>

#include "sync.h"

struct anyc__chan {
  struct anyc__chan *dead_next; /* in the run's quarantine, once every handle closed */
  void **buf;                 /* ring of items; grown on demand up to cap */
  size_t cap, size, head, len;
  struct anyc__list senders;  /* parked sends (struct op) */
  struct anyc__list receivers;/* parked receives (struct op) */
  struct anyc__list handles;  /* every handle, open or closed */
  size_t open_tx, open_rx;    /* open handles per side */
};

/* A handle: anyc_sender and anyc_receiver share the layout. */
struct end {
  struct anyc__chan *ch;
  struct anyc__list link;     /* in ch->handles */
  int closed;
};
struct anyc_sender {
  struct end e;
};
struct anyc_receiver {
  struct end e;
};

/* A parked send or receive. */
struct op {
  struct anyc__list link;
  struct anyc__task *task;
  const struct end *via;      /* the handle it was made through */
  void *item;                 /* the item to send, or the item received */
};

static struct end *end_new(struct anyc__chan *ch)
{
  struct end *e = anyc__malloc(sizeof(struct anyc_sender));
  if (!e)
    return NULL;
  e->ch = ch;
  e->closed = 0;
  anyc__list_push(&ch->handles, &e->link);
  return e;
}

int anyc_channel_open(size_t buffer, anyc_sender **tx, anyc_receiver **rx)
{
  if (!tx || !rx)
    return -EINVAL;
  struct anyc__chan *ch = anyc__calloc(1, sizeof *ch);
  if (!ch)
    return -ENOMEM;
  ch->cap = buffer;
  anyc__list_init(&ch->senders);
  anyc__list_init(&ch->receivers);
  anyc__list_init(&ch->handles);
  struct end *s = end_new(ch), *r = s ? end_new(ch) : NULL;
  if (!r) {
    if (s)
      anyc__free(s);
    anyc__free(ch);
    return -ENOMEM;
  }
  ch->open_tx = ch->open_rx = 1;
  *tx = (anyc_sender *)(void *)s;
  *rx = (anyc_receiver *)(void *)r;
  return 0;
}

static struct op *first_op(struct anyc__list *q)
{
  return anyc__list_empty(q) ? NULL : anyc__container_of(q->next, struct op, link);
}

/* Complete a parked operation with `status`. */
static void finish_op(struct op *o, int status)
{
  anyc__list_remove(&o->link);
  anyc__wake(o->task, status);
}

static int buf_push(struct anyc__chan *ch, void *item)
{
  if (ch->len == ch->size) {
    size_t size = ch->size ? ch->size * 2 : 8;
    if (size > ch->cap)
      size = ch->cap;
    if (size > SIZE_MAX / sizeof(void *))
      return -ENOMEM;
    void **b = anyc__malloc(size * sizeof *b);
    if (!b)
      return -ENOMEM;
    for (size_t i = 0; i < ch->len; i++)
      b[i] = ch->buf[(ch->head + i) % ch->size];
    anyc__free(ch->buf);
    ch->buf = b;
    ch->size = size;
    ch->head = 0;
  }
  ch->buf[(ch->head + ch->len++) % ch->size] = item;
  return 0;
}

static void *buf_pop(struct anyc__chan *ch)
{
  void *item = ch->buf[ch->head];
  ch->head = (ch->head + 1) % ch->size;
  ch->len--;
  return item;
}

static int try_send(struct end *e, void *item)
{
  if (!e)
    return -EINVAL;
  struct anyc__chan *ch = e->ch;
  if (e->closed)
    return -EBADF;
  if (ch->open_rx == 0)
    return -EPIPE;
  struct op *r = first_op(&ch->receivers);
  if (r) {
    r->item = item;
    finish_op(r, 0);
    return 0;
  }
  if (ch->len < ch->cap)
    return buf_push(ch, item);
  return -EAGAIN;
}

static int try_receive(struct end *e, void **item)
{
  if (!e)
    return -EINVAL;
  struct anyc__chan *ch = e->ch;
  if (e->closed)
    return -EBADF;
  struct op *s = first_op(&ch->senders);
  if (ch->len > 0) {
    *item = buf_pop(ch);
    if (s) { /* the freed slot belongs to the first waiting sender */
      ch->buf[(ch->head + ch->len++) % ch->size] = s->item;
      finish_op(s, 0);
    }
    return 0;
  }
  if (s) { /* rendezvous: take it straight from the sender */
    *item = s->item;
    finish_op(s, 0);
    return 0;
  }
  return ch->open_tx == 0 ? ANYC_EOF : -EAGAIN;
}

static void op_abort(struct anyc__task *t)
{
  struct op *o = t->wait_obj;
  anyc__list_remove(&o->link);
}

/* The blocking form around try_fn: cancel point, non-blocking attempt plus a schedule
 * point, else park in `queue` until a partner (or a close) completes the operation. */
static int blocking(struct end *e, struct anyc__list *queue, struct op *o, int rc,
                    const char *what)
{
  if (rc != -EAGAIN) {
    if (rc == 0)
      anyc__yield();
    return rc;
  }
  o->task = anyc__rt->current;
  o->via = e;
  anyc__list_push(queue, &o->link);
  return anyc__park(what, op_abort, o);
}

int anyc_send(anyc_sender *tx, void *item)
{
  struct anyc__task *t = anyc__current();
  if (ANYC_UNLIKELY(!t))
    return -EPERM;
  if (anyc__task_cancelled(t))
    return -ECANCELED;
  if (!tx)
    return -EINVAL;
  struct op o = {.item = item};
  return blocking(&tx->e, &tx->e.ch->senders, &o, try_send(&tx->e, item), "channel send");
}

int anyc_receive(anyc_receiver *rx, void **item)
{
  struct anyc__task *t = anyc__current();
  if (ANYC_UNLIKELY(!t))
    return -EPERM;
  if (anyc__task_cancelled(t))
    return -ECANCELED;
  if (!rx)
    return -EINVAL;
  struct op o = {.item = NULL};
  int rc = blocking(&rx->e, &rx->e.ch->receivers, &o, try_receive(&rx->e, &o.item),
                    "channel receive");
  if (rc == 0 && item)
    *item = o.item;
  return rc;
}

int anyc_try_send(anyc_sender *tx, void *item) { return try_send(tx ? &tx->e : NULL, item); }

int anyc_try_receive(anyc_receiver *rx, void **item)
{
  void *it = NULL;
  int rc = try_receive(rx ? &rx->e : NULL, &it);
  if (rc == 0 && item)
    *item = it;
  return rc;
}

static struct end *clone_end(struct end *e, size_t *open)
{
  if (!e || e->closed)
    return NULL;
  struct end *c = end_new(e->ch);
  if (c)
    (*open)++;
  return c;
}

anyc_sender *anyc_sender_clone(anyc_sender *tx)
{
  return tx ? (anyc_sender *)(void *)clone_end(&tx->e, &tx->e.ch->open_tx) : NULL;
}

anyc_receiver *anyc_receiver_clone(anyc_receiver *rx)
{
  return rx ? (anyc_receiver *)(void *)clone_end(&rx->e, &rx->e.ch->open_rx) : NULL;
}

/* Complete every operation in q: those made through `via` (or all, if NULL). */
static void fail_ops(struct anyc__list *q, const struct end *via, int status)
{
  struct anyc__list *n = q->next;
  while (n != q) {
    struct op *o = anyc__container_of(n, struct op, link);
    n = n->next;
    if (!via || o->via == via)
      finish_op(o, status);
  }
}

static void chan_free(struct anyc__chan *ch)
{
  while (!anyc__list_empty(&ch->handles)) {
    struct anyc__list *n = ch->handles.next;
    anyc__list_remove(n);
    anyc__free(anyc__container_of(n, struct end, link));
  }
  anyc__free(ch->buf);
  anyc__free(ch);
}

#define CHAN_QUARANTINE 64

/* Every handle is closed: drop the buffer now, keep the record a while (see above). */
static void chan_retire(struct anyc__chan *ch)
{
  struct anyc__runtime *rt = anyc__rt;
  anyc__free(ch->buf);
  ch->buf = NULL;
  if (!rt) { /* closed outside any run: nothing to keep it for */
    chan_free(ch);
    return;
  }
  ch->dead_next = NULL;
  if (rt->chan_dead_tail)
    rt->chan_dead_tail->dead_next = ch;
  else
    rt->chan_dead_head = ch;
  rt->chan_dead_tail = ch;
  if (++rt->chan_dead > CHAN_QUARANTINE) {
    struct anyc__chan *old = rt->chan_dead_head;
    rt->chan_dead_head = old->dead_next;
    rt->chan_dead--;
    chan_free(old);
  }
}

void anyc__channels_release(struct anyc__runtime *rt)
{
  while (rt->chan_dead_head) {
    struct anyc__chan *ch = rt->chan_dead_head;
    rt->chan_dead_head = ch->dead_next;
    chan_free(ch);
  }
  rt->chan_dead_tail = NULL;
  rt->chan_dead = 0;
}

void anyc_sender_close(anyc_sender *tx)
{
  if (!tx)
    return;
  struct end *e = &tx->e;
  struct anyc__chan *ch = e->ch;
  if (e->closed)
    return;
  e->closed = 1;
  fail_ops(&ch->senders, e, -EBADF);
  if (--ch->open_tx == 0)
    fail_ops(&ch->receivers, NULL, ANYC_EOF); /* nothing buffered: they were waiting */
  if (ch->open_tx == 0 && ch->open_rx == 0)
    chan_retire(ch);
}

void anyc_receiver_close(anyc_receiver *rx)
{
  if (!rx)
    return;
  struct end *e = &rx->e;
  struct anyc__chan *ch = e->ch;
  if (e->closed)
    return;
  e->closed = 1;
  fail_ops(&ch->receivers, e, -EBADF);
  if (--ch->open_rx == 0) {
    fail_ops(&ch->senders, NULL, -EPIPE);
    ch->len = ch->head = 0; /* nobody can receive the rest (Trio drops it too) */
  }
  if (ch->open_tx == 0 && ch->open_rx == 0)
    chan_retire(ch);
}
