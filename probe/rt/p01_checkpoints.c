/* p01: every blocking call is a checkpoint even when it would not block (Trio): it
 * yields to other ready tasks on success, and in a cancelled scope it returns
 * -ECANCELED doing nothing. */
#include "probe.h"

static long ticks;
static int stop;
static int ticker(void *a)
{
  (void)a;
  while (!stop) {
    ticks++;
    if (anyc_checkpoint() < 0)
      return 0;
  }
  return 0;
}
static int quick(void *a) { (void)a; return 5; }

#define YIELDS(call)                                                                       \
  do {                                                                                     \
    long t0_ = ticks;                                                                      \
    int rc_ = (call);                                                                      \
    printf("  %-40s rc=%d\n", #call, rc_);                                                 \
    EXPECT(ticks > t0_, 1);                                                                \
  } while (0)
#define CANCELLED(call)                                                                    \
  do {                                                                                     \
    anyc_scope s_;                                                                         \
    anyc_scope_open(&s_);                                                                  \
    anyc_scope_cancel(&s_);                                                                \
    EXPECT((call), -ECANCELED);                                                            \
    anyc_scope_close(&s_, -ECANCELED);                                                     \
  } while (0)

static int main_fn(void *a)
{
  (void)a;
  anyc_group g;
  anyc_group_open(&g);
  anyc_start_soon(&g, ticker, NULL);
  anyc_checkpoint();
  anyc_sender *tx;
  anyc_receiver *rx;
  anyc_channel_open(4, &tx, &rx);
  void *it;
  YIELDS(anyc_send(tx, (void *)1));
  YIELDS(anyc_receive(rx, &it));
  anyc_lock lk; anyc_lock_init(&lk);
  YIELDS(anyc_lock_acquire(&lk));
  anyc_lock_release(&lk);
  anyc_semaphore sem; anyc_semaphore_init(&sem, 1);
  YIELDS(anyc_semaphore_acquire(&sem));
  anyc_semaphore_release(&sem);
  anyc_limiter lim; anyc_limiter_init(&lim, 1);
  YIELDS(anyc_limiter_acquire(&lim));
  anyc_limiter_release(&lim);
  anyc_event ev; anyc_event_init(&ev); anyc_event_set(&ev);
  YIELDS(anyc_event_wait(&ev));
  YIELDS(anyc_sleep(0));
  YIELDS(anyc_sleep_until(anyc_now() - 1));
  YIELDS(anyc_sleep_until(-INFINITY));
  YIELDS(anyc_checkpoint());
  YIELDS(anyc_to_thread(quick, NULL, 0));

  /* Cancelled: nothing happens. */
  CANCELLED(anyc_send(tx, (void *)2));
  EXPECT(anyc_try_receive(rx, &it), -EAGAIN);
  anyc_send(tx, (void *)3);
  CANCELLED(anyc_receive(rx, &it));
  EXPECT(anyc_try_receive(rx, &it), 0);
  EXPECT((long)it, 3);
  CANCELLED(anyc_lock_acquire(&lk));
  EXPECT(anyc_lock_acquire(&lk), 0); /* not held by the cancelled attempt */
  anyc_lock_release(&lk);
  CANCELLED(anyc_semaphore_acquire(&sem));
  CANCELLED(anyc_limiter_acquire(&lim));
  EXPECT(anyc_limiter_borrowed(&lim), 0);
  CANCELLED(anyc_event_wait(&ev));
  CANCELLED(anyc_sleep(0));
  CANCELLED(anyc_sleep(1));
  CANCELLED(anyc_sleep_until(-1));
  CANCELLED(anyc_checkpoint());
  CANCELLED(anyc_to_thread(quick, NULL, 0));
  CANCELLED(anyc_to_thread(quick, NULL, ANYC_ABANDON_ON_CANCEL));
  /* At EOF / broken: the cancel point comes first. */
  anyc_sender_close(tx);
  CANCELLED(anyc_receive(rx, &it));
  EXPECT(anyc_receive(rx, &it), ANYC_EOF);
  anyc_sender *tx2; anyc_receiver *rx2;
  anyc_channel_open(0, &tx2, &rx2);
  anyc_receiver_close(rx2);
  CANCELLED(anyc_send(tx2, NULL));
  EXPECT(anyc_send(tx2, NULL), -EPIPE);
  anyc_sender_close(tx2);
  anyc_receiver_close(rx);
  stop = 1;
  return anyc_group_close(&g, 0);
}

int main(void)
{
  EXPECT(probe_run_mock(main_fn), 0);
  return probe_done();
}
