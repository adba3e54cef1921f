/* p07: memory channels — rendezvous hand-off, slot fairness, clone-specific close,
 * EOF/EPIPE/EBADF states, cancellation losing nothing, unbounded buffer. */
#include <stdint.h>
#include "probe.h"

struct op { anyc_sender *tx; anyc_receiver *rx; void *item; int rc; };
static int do_send(void *a) { struct op *o = a; o->rc = anyc_send(o->tx, o->item); return 0; }
static int do_recv(void *a) { struct op *o = a; o->rc = anyc_receive(o->rx, &o->item); return 0; }
static int do_recv_timeout(void *a)
{
  struct op *o = a;
  anyc_scope s;
  anyc_move_on_after(&s, 1);
  o->rc = anyc_receive(o->rx, &o->item);
  anyc_scope_close(&s, o->rc);
  return 0;
}

static int main_fn(void *a)
{
  (void)a;
  anyc_sender *tx; anyc_receiver *rx; void *it = NULL;
  anyc_group g;
  anyc_group_open(&g);
  /* rendezvous: parked sender, try_receive takes it */
  anyc_channel_open(0, &tx, &rx);
  EXPECT(anyc_try_send(tx, (void *)1), -EAGAIN);
  EXPECT(anyc_try_receive(rx, &it), -EAGAIN);
  struct op s1 = {tx, rx, (void *)11, 1};
  anyc_start_soon(&g, do_send, &s1);
  anyc_sleep(0.1);
  EXPECT(s1.rc, 1);
  EXPECT(anyc_try_receive(rx, &it), 0);
  EXPECT((long)it, 11);
  anyc_sleep(0.1);
  EXPECT(s1.rc, 0);
  /* parked receiver owns the next item; last sender close wakes receivers with EOF */
  struct op r1 = {tx, rx, NULL, 1}, r2 = {tx, rx, NULL, 1};
  anyc_start_soon(&g, do_recv, &r1);
  anyc_start_soon(&g, do_recv, &r2);
  anyc_sleep(0.1);
  EXPECT(anyc_try_send(tx, (void *)5), 0);
  EXPECT(anyc_try_receive(rx, &it), -EAGAIN);
  anyc_sender_close(tx);
  anyc_sleep(0.1);
  EXPECT(r1.rc, 0); EXPECT((long)r1.item, 5);
  EXPECT(r2.rc, ANYC_EOF);
  EXPECT(anyc_send(tx, NULL), -EBADF);
  EXPECT(anyc_try_send(tx, NULL), -EBADF);
  EXPECT(anyc_sender_clone(tx) == NULL, 1);
  anyc_sender_close(tx);
  anyc_receiver_close(rx);
  anyc_receiver_close(rx);

  /* buffer 2: a freed slot goes to the waiting sender */
  anyc_channel_open(2, &tx, &rx);
  EXPECT(anyc_try_send(tx, (void *)1), 0);
  EXPECT(anyc_send(tx, (void *)2), 0);
  EXPECT(anyc_try_send(tx, (void *)3), -EAGAIN);
  struct op s3 = {tx, rx, (void *)3, 1};
  anyc_start_soon(&g, do_send, &s3);
  anyc_sleep(0.1);
  EXPECT(anyc_receive(rx, &it), 0); EXPECT((long)it, 1);
  EXPECT(anyc_try_send(tx, (void *)4), -EAGAIN);
  anyc_sleep(0.1);
  EXPECT(s3.rc, 0);
  /* last receiver close: the buffer is dropped, senders get EPIPE, persistently */
  struct op s4 = {tx, rx, (void *)4, 1};
  anyc_start_soon(&g, do_send, &s4);
  anyc_sleep(0.1);
  anyc_receiver *rx2 = anyc_receiver_clone(rx);
  anyc_receiver_close(rx);
  anyc_sleep(0.1);
  EXPECT(s4.rc, 1); /* rx2 still open */
  EXPECT(anyc_receive(rx2, &it), 0); EXPECT((long)it, 2);
  anyc_sleep(0.1);
  EXPECT(s4.rc, 0);
  anyc_receiver_close(rx2);
  EXPECT(anyc_send(tx, NULL), -EPIPE);
  EXPECT(anyc_try_send(tx, NULL), -EPIPE);
  anyc_sender *tx2 = anyc_sender_clone(tx);
  EXPECT(tx2 != NULL, 1);
  EXPECT(anyc_send(tx2, NULL), -EPIPE);
  anyc_sender_close(tx2);
  anyc_sender_close(tx);

  /* closing one receiver clone fails only the receive made through it */
  anyc_channel_open(0, &tx, &rx);
  rx2 = anyc_receiver_clone(rx);
  struct op ra = {tx, rx, NULL, 1}, rb = {tx, rx2, NULL, 1};
  anyc_start_soon(&g, do_recv, &ra);
  anyc_start_soon(&g, do_recv, &rb);
  anyc_sleep(0.1);
  anyc_receiver_close(rx);
  anyc_sleep(0.1);
  EXPECT(ra.rc, -EBADF);
  EXPECT(rb.rc, 1);
  EXPECT(anyc_send(tx, (void *)9), 0);
  anyc_sleep(0.1);
  EXPECT(rb.rc, 0); EXPECT((long)rb.item, 9);
  /* a timed-out receive loses nothing: a later send has no receiver (trio #553) */
  struct op rt = {tx, rx2, NULL, 1};
  anyc_start_soon(&g, do_recv_timeout, &rt);
  anyc_sleep(2);
  EXPECT(rt.rc, -ECANCELED);
  EXPECT(anyc_try_send(tx, (void *)1), -EAGAIN);
  anyc_sender_close(tx);
  EXPECT(anyc_receive(rx2, &it), ANYC_EOF);
  EXPECT(anyc_try_receive(rx2, &it), ANYC_EOF);
  anyc_receiver_close(rx2);

  /* unbounded */
  anyc_channel_open(SIZE_MAX, &tx, &rx);
  int ok = 1;
  for (long i = 0; i < 10000; i++)
    ok &= anyc_try_send(tx, (void *)i) == 0;
  EXPECT(ok, 1);
  anyc_sender_close(tx);
  long n = 0;
  while (anyc_receive(rx, &it) == 0 && (long)it == n)
    n++;
  EXPECT(n, 10000);
  anyc_receiver_close(rx);
  return anyc_group_close(&g, 0);
}

int main(void)
{
  EXPECT(probe_run_mock(main_fn), 0);
  anyc_sender *tx; anyc_receiver *rx;
  EXPECT(anyc_channel_open(1, NULL, &rx), -EINVAL);
  EXPECT(anyc_channel_open(1, &tx, &rx), 0);
  EXPECT(anyc_send(tx, NULL), -EPERM);
  EXPECT(anyc_try_send(tx, NULL), 0);
  anyc_sender_close(tx);
  anyc_receiver_close(rx);
  return probe_done();
}
