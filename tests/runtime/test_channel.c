/* test_channel.c — runtime/channel.c: memory channels (trio/_tests/test_channel.py,
 * anyio tests/streams/test_memory.py; reference §1.9 items 41-45). */
#include <errno.h>

#include "anyc_test.h"

#define ITEM(n) ((void *)(intptr_t)(n))
#define NUM(p) ((int)(intptr_t)(p))

static anyc_sender *tx;
static anyc_receiver *rx;

static int test41_main(void *arg)
{
  (void)arg;
  void *it = NULL;
  CHECK_INT(anyc_channel_open(2, &tx, &rx), 0);
  CHECK_INT(anyc_try_send(tx, ITEM(1)), 0);
  CHECK_INT(anyc_send(tx, ITEM(2)), 0);
  CHECK_INT(anyc_try_send(tx, ITEM(3)), -EAGAIN);
  CHECK_INT(anyc_receive(rx, &it), 0);
  CHECK_INT(NUM(it), 1);
  CHECK_INT(anyc_receive(rx, &it), 0);
  CHECK_INT(NUM(it), 2);
  CHECK_INT(anyc_send(tx, ITEM(99)), 0);
  anyc_sender_close(tx);
  CHECK_INT(anyc_receive(rx, &it), 0); /* buffered items still come out */
  CHECK_INT(NUM(it), 99);
  CHECK_INT(anyc_receive(rx, &it), ANYC_EOF);
  CHECK_INT(anyc_try_receive(rx, &it), ANYC_EOF);
  CHECK_INT(anyc_send(tx, ITEM(4)), -EBADF);
  CHECK_INT(anyc_try_send(tx, ITEM(4)), -EBADF);
  CHECK(anyc_sender_clone(tx) == NULL);
  anyc_sender_close(tx); /* double close: no-op */
  anyc_receiver *rx2 = anyc_receiver_clone(rx);
  CHECK(rx2 != NULL);
  anyc_receiver_close(rx);
  anyc_receiver_close(rx);
  CHECK_INT(anyc_receive(rx, &it), -EBADF);
  CHECK_INT(anyc_try_receive(rx, &it), -EBADF);
  CHECK(anyc_receiver_clone(rx) == NULL);
  CHECK_INT(anyc_receive(rx2, &it), ANYC_EOF);
  anyc_receiver_close(rx2); /* the last open end: frees the channel */
  return 0;
}

/* trio test_channel (item 41): buffer 2, FIFO, drain after close, -EBADF on a closed end. */
static void test_trio_channel(void **state)
{
  (void)state;
  checks_reset();
  assert_int_equal(anyc_run(test41_main, NULL), 0);
  ASSERT_CHECKS();
}

static int after_last_close(void *arg)
{
  (void)arg;
  void *it = NULL;
  CHECK_INT(anyc_channel_open(2, &tx, &rx), 0);
  CHECK_INT(anyc_try_send(tx, ITEM(5)), 0);
  anyc_sender_close(tx);
  CHECK_INT(anyc_try_receive(rx, &it), 0);
  CHECK_INT(anyc_receive(rx, &it), ANYC_EOF);
  anyc_receiver_close(rx); /* the last open end: the channel is gone */
  CHECK_INT(anyc_receive(rx, &it), -EBADF);
  CHECK_INT(anyc_try_receive(rx, &it), -EBADF);
  CHECK_INT(anyc_send(tx, ITEM(6)), -EBADF);
  CHECK_INT(anyc_try_send(tx, ITEM(6)), -EBADF);
  CHECK(anyc_sender_clone(tx) == NULL);
  CHECK(anyc_receiver_clone(rx) == NULL);
  anyc_receiver_close(rx); /* double close of the last end: a no-op */
  anyc_sender_close(tx);
  /* Memory stays bounded however many channels come and go. */
  long before = anyc__alloc_live();
  for (int i = 0; i < 1000; i++) {
    anyc_sender *s;
    anyc_receiver *r;
    CHECK_INT(anyc_channel_open(4, &s, &r), 0);
    CHECK_INT(anyc_try_send(s, ITEM(i)), 0);
    anyc_receiver_close(r);
    anyc_sender_close(s);
  }
  CHECK(anyc__alloc_live() - before <= 64 * 3); /* record + two handles each, at most */
  return 0;
}

/* trio test_channel, literally: after the receiver's own close a receive raises
 * ClosedResourceError and a second close is a no-op — even when that close was the last
 * open end, which the spec says frees the channel.  The record and its handles are kept
 * (closed) for a while, so the answer is -EBADF, not a use of freed memory (ASan and
 * Valgrind run this test). */
static void test_trio_channel_closed_ends_answer_after_last_close(void **state)
{
  (void)state;
  checks_reset();
  assert_int_equal(anyc_run(after_last_close, NULL), 0);
  ASSERT_CHECKS();
}

static int send_and_trace(void *arg)
{
  anyc_sender *s = arg;
  int rc = anyc_send(s, ITEM(7));
  TRACE("send=%s", rc == -EBADF ? "EBADF" : rc == -EPIPE ? "EPIPE" : rc == 0 ? "ok" : "?");
  return 0;
}

static int receive_and_trace(void *arg)
{
  anyc_receiver *r = arg;
  void *it = NULL;
  int rc = anyc_receive(r, &it);
  TRACE("recv=%s", rc == -EBADF ? "EBADF" : rc == ANYC_EOF ? "EOF" : rc == 0 ? "ok" : "?");
  return 0;
}

static int close_basics_main(void *arg)
{
  (void)arg;
  anyc_group g;
  void *it;
  /* Closing s wakes a blocked s.send with -EBADF; the receiver then sees EOF. */
  CHECK_INT(anyc_channel_open(0, &tx, &rx), 0);
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon(&g, send_and_trace, tx), 0);
  CHECK_INT(anyc_sleep(0), 0);
  anyc_sender_close(tx);
  CHECK_INT(anyc_group_close(&g, 0), 0);
  CHECK_INT(anyc_receive(rx, &it), ANYC_EOF);
  anyc_receiver_close(rx);
  /* Closing r wakes a blocked sender with -EPIPE, and it persists. */
  CHECK_INT(anyc_channel_open(0, &tx, &rx), 0);
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon(&g, send_and_trace, tx), 0);
  CHECK_INT(anyc_sleep(0), 0);
  anyc_receiver_close(rx);
  CHECK_INT(anyc_group_close(&g, 0), 0);
  CHECK_INT(anyc_send(tx, ITEM(1)), -EPIPE);
  CHECK_INT(anyc_try_send(tx, ITEM(1)), -EPIPE);
  anyc_sender_close(tx);
  /* Closing r wakes another task's blocked r.receive with -EBADF. */
  CHECK_INT(anyc_channel_open(0, &tx, &rx), 0);
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon(&g, receive_and_trace, rx), 0);
  CHECK_INT(anyc_sleep(0), 0);
  anyc_receiver_close(rx);
  CHECK_INT(anyc_group_close(&g, 0), 0);
  CHECK_INT(anyc_send(tx, ITEM(1)), -EPIPE);
  anyc_sender_close(tx);
  return 0;
}

/* trio test_close_basics / test_close_sync (item 42). */
static void test_trio_close_basics(void **state)
{
  (void)state;
  checks_reset();
  assert_int_equal(anyc_run(close_basics_main, NULL), 0);
  ASSERT_CHECKS();
  assert_string_equal(trace_log, "send=EBADF,send=EPIPE,recv=EBADF");
}

static int clone_close_main(void *arg)
{
  (void)arg;
  anyc_group g;
  void *it = NULL;
  /* send is broken only after every receive clone is closed */
  CHECK_INT(anyc_channel_open(0, &tx, &rx), 0);
  anyc_receiver *rx2 = anyc_receiver_clone(rx);
  CHECK(rx2 != NULL);
  anyc_receiver_close(rx);
  CHECK_INT(anyc_try_send(tx, ITEM(1)), -EAGAIN);
  anyc_receiver_close(rx2);
  CHECK_INT(anyc_try_send(tx, ITEM(1)), -EPIPE);
  anyc_sender_close(tx);
  /* closing clone s1 fails only the send blocked on s1; the s2 send still succeeds */
  CHECK_INT(anyc_channel_open(0, &tx, &rx), 0);
  anyc_sender *tx2 = anyc_sender_clone(tx);
  CHECK(tx2 != NULL);
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon(&g, send_and_trace, tx), 0);
  CHECK_INT(anyc_start_soon(&g, send_and_trace, tx2), 0);
  CHECK_INT(anyc_sleep(0), 0);
  anyc_sender_close(tx);
  CHECK_INT(anyc_receive(rx, &it), 0);
  CHECK_INT(NUM(it), 7);
  CHECK_INT(anyc_group_close(&g, 0), 0);
  /* EOF only once every sender clone is closed */
  CHECK_INT(anyc_try_receive(rx, &it), -EAGAIN);
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon(&g, receive_and_trace, rx), 0);
  CHECK_INT(anyc_sleep(0), 0);
  anyc_sender_close(tx2); /* wakes the blocked receiver with EOF */
  CHECK_INT(anyc_group_close(&g, 0), 0);
  anyc_receiver_close(rx);
  return 0;
}

/* trio test_receive_channel_clone_and_close + test_close_multiple_send_handles (item 43). */
static void test_trio_clone_and_close(void **state)
{
  (void)state;
  checks_reset();
  assert_int_equal(anyc_run(clone_close_main, NULL), 0);
  ASSERT_CHECKS();
  assert_string_equal(trace_log, "send=EBADF,send=ok,recv=EOF");
}

static int receive_into(void *arg)
{
  void **slot = arg;
  CHECK_INT(anyc_receive(rx, slot), 0);
  return 0;
}

static int send_item(void *arg)
{
  CHECK_INT(anyc_send(tx, arg), 0);
  TRACE("sent%d", NUM(arg));
  return 0;
}

static int fairness_main(void *arg)
{
  (void)arg;
  anyc_group g;
  void *it = NULL, *got = NULL;
  /* unbuffered with no partner: both non-blocking forms would block */
  CHECK_INT(anyc_channel_open(0, &tx, &rx), 0);
  CHECK_INT(anyc_try_send(tx, ITEM(1)), -EAGAIN);
  CHECK_INT(anyc_try_receive(rx, &it), -EAGAIN);
  /* an item sent while a receiver waits belongs to that receiver */
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon(&g, receive_into, &got), 0);
  CHECK_INT(anyc_sleep(0), 0);
  CHECK_INT(anyc_try_send(tx, ITEM(5)), 0);
  CHECK_INT(anyc_try_receive(rx, &it), -EAGAIN);
  CHECK_INT(anyc_group_close(&g, 0), 0);
  CHECK_INT(NUM(got), 5);
  anyc_sender_close(tx);
  anyc_receiver_close(rx);
  /* buffer 1: a freed slot is taken by the waiting sender, not by a later try_send */
  CHECK_INT(anyc_channel_open(1, &tx, &rx), 0);
  CHECK_INT(anyc_try_send(tx, ITEM(1)), 0);
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon(&g, send_item, ITEM(2)), 0);
  CHECK_INT(anyc_sleep(0), 0);
  CHECK_INT(anyc_try_receive(rx, &it), 0);
  CHECK_INT(NUM(it), 1);
  CHECK_INT(anyc_try_send(tx, ITEM(3)), -EAGAIN);
  CHECK_INT(anyc_group_close(&g, 0), 0);
  CHECK_INT(anyc_try_receive(rx, &it), 0);
  CHECK_INT(NUM(it), 2);
  anyc_sender_close(tx);
  anyc_receiver_close(rx);
  return 0;
}

/* trio test_unbuffered + test_channel_fairness (item 44). */
static void test_trio_channel_fairness(void **state)
{
  (void)state;
  checks_reset();
  assert_int_equal(anyc_run(fairness_main, NULL), 0);
  ASSERT_CHECKS();
  assert_string_equal(trace_log, "sent2");
}

static int cancellable_receive(void *arg)
{
  anyc_scope *s = arg;
  void *it = NULL;
  CHECK_INT(anyc_scope_open(s), 0);
  int rc = anyc_receive(rx, &it);
  CHECK_INT(rc, -ECANCELED);
  CHECK(it == NULL);
  return anyc_scope_close(s, rc);
}

static int cancel_main(void *arg)
{
  (void)arg;
  anyc_group g;
  anyc_scope s, inner;
  void *it = NULL;
  /* anyio test_cancel_during_receive_buffered: cancel a waiting receiver, then send in
   * the same turn: the item stays in the buffer */
  CHECK_INT(anyc_channel_open(1, &tx, &rx), 0);
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon(&g, cancellable_receive, &inner), 0);
  CHECK_INT(anyc_sleep(0), 0);
  anyc_scope_cancel(&inner);
  CHECK_INT(anyc_try_send(tx, ITEM(8)), 0);
  CHECK_INT(anyc_group_close(&g, 0), 0);
  /* anyio test_receive_when_cancelled: a pre-cancelled receive consumes nothing */
  CHECK_INT(anyc_scope_open(&s), 0);
  anyc_scope_cancel(&s);
  CHECK_INT(anyc_receive(rx, &it), -ECANCELED);
  CHECK_INT(anyc_scope_close(&s, -ECANCELED), 0);
  CHECK_INT(anyc_receive(rx, &it), 0);
  CHECK_INT(NUM(it), 8);
  /* trio test_553: after a receive timed out, a later send succeeds */
  CHECK_INT(anyc_move_on_after(&s, 10), 0);
  int rc = anyc_receive(rx, &it);
  CHECK_INT(rc, -ECANCELED);
  CHECK_INT(anyc_scope_close(&s, rc), 0);
  CHECK(anyc_scope_cancelled_caught(&s));
  CHECK_INT(anyc_send(tx, ITEM(553)), 0);
  CHECK_INT(anyc_try_receive(rx, &it), 0);
  CHECK_INT(NUM(it), 553);
  anyc_sender_close(tx);
  anyc_receiver_close(rx);
  /* a cancelled send delivers nothing */
  CHECK_INT(anyc_channel_open(0, &tx, &rx), 0);
  CHECK_INT(anyc_move_on_after(&s, 1), 0);
  rc = anyc_send(tx, ITEM(1));
  CHECK_INT(rc, -ECANCELED);
  CHECK_INT(anyc_scope_close(&s, rc), 0);
  CHECK_INT(anyc_try_receive(rx, &it), -EAGAIN);
  anyc_receiver_close(rx);
  anyc_sender_close(tx);
  return 0;
}

/* anyio test_cancel_during_receive_buffered + test_receive_when_cancelled + trio test_553
 * (item 45), and spec "a cancelled send delivers nothing; a cancelled receive loses
 * nothing". */
static void test_anyio_cancel_during_receive(void **state)
{
  (void)state;
  checks_reset();
  assert_int_equal(run_mock(cancel_main, NULL), 0);
  ASSERT_CHECKS();
}

static int other(void *arg)
{
  (void)arg;
  TRACE("other");
  return 0;
}

static int checkpoint_main(void *arg)
{
  (void)arg;
  anyc_group g;
  void *it;
  CHECK_INT(anyc_channel_open(1, &tx, &rx), 0);
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon(&g, other, NULL), 0);
  CHECK_INT(anyc_send(tx, ITEM(1)), 0); /* does not block, still yields */
  TRACE("sent");
  CHECK_INT(anyc_start_soon(&g, other, NULL), 0);
  CHECK_INT(anyc_receive(rx, &it), 0);
  TRACE("received");
  CHECK_INT(anyc_group_close(&g, 0), 0);
  anyc_sender_close(tx);
  anyc_receiver_close(rx);
  return 0;
}

/* trio test_channel uses assert_checkpoints: send and receive yield even when ready. */
static void test_trio_send_receive_are_checkpoints(void **state)
{
  (void)state;
  checks_reset();
  assert_int_equal(anyc_run(checkpoint_main, NULL), 0);
  ASSERT_CHECKS();
  assert_string_equal(trace_log, "other,sent,other,received");
}

static int rendezvous_receiver(void *arg)
{
  (void)arg;
  void *it;
  CHECK_INT(anyc_sleep(3), 0);
  CHECK_INT(anyc_receive(rx, &it), 0);
  TRACE("received%d@%g", NUM(it), anyc_now());
  return 0;
}

static int ring_main(void *arg)
{
  (void)arg;
  anyc_group g;
  void *it;
  /* rendezvous: send completes only when a receiver takes the item */
  CHECK_INT(anyc_channel_open(0, &tx, &rx), 0);
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon(&g, rendezvous_receiver, NULL), 0);
  CHECK_INT(anyc_send(tx, ITEM(4)), 0);
  TRACE("sent@%g", anyc_now());
  CHECK_INT(anyc_group_close(&g, 0), 0);
  anyc_sender_close(tx);
  anyc_receiver_close(rx);
  /* a large buffer grows and wraps around, FIFO throughout */
  CHECK_INT(anyc_channel_open(100, &tx, &rx), 0);
  int next_in = 0, next_out = 0;
  for (int round = 0; round < 5; round++) {
    while (anyc_try_send(tx, ITEM(next_in)) == 0)
      next_in++;
    CHECK_INT(next_in - next_out, 100);
    for (int i = 0; i < 37; i++) {
      CHECK_INT(anyc_try_receive(rx, &it), 0);
      CHECK_INT(NUM(it), next_out++);
    }
  }
  anyc_receiver_close(rx);
  anyc_sender_close(tx);
  return 0;
}

/* spec: "0 = rendezvous"; buffered channels are FIFO. */
static void test_channel_rendezvous_and_ring(void **state)
{
  (void)state;
  checks_reset();
  assert_int_equal(run_mock(ring_main, NULL), 0);
  ASSERT_CHECKS();
  assert_string_equal(trace_log, "sent@3,received4@3");
}

/* spec robustness: out of memory never crashes and leaks nothing; misuse is reported. */
static void test_channel_open_errors(void **state)
{
  (void)state;
  for (long k = 1; k <= 3; k++) {
    anyc__alloc_fail_at(k);
    assert_int_equal(anyc_channel_open(1, &tx, &rx), -ENOMEM);
    assert_int_equal(anyc__alloc_live(), 0);
  }
  anyc__alloc_fail_at(0);
  assert_int_equal(anyc_channel_open(1, NULL, &rx), -EINVAL);
  assert_int_equal(anyc_channel_open(1, &tx, NULL), -EINVAL);
  assert_int_equal(anyc_try_send(NULL, ITEM(1)), -EINVAL);
  assert_int_equal(anyc_try_receive(NULL, NULL), -EINVAL);
  assert_null(anyc_sender_clone(NULL));
  anyc_sender_close(NULL);
  anyc_receiver_close(NULL);
  /* outside a run: blocking forms are -EPERM, the rest works */
  void *it;
  assert_int_equal(anyc_channel_open(1, &tx, &rx), 0);
  assert_int_equal(anyc_send(tx, ITEM(1)), -EPERM);
  assert_int_equal(anyc_receive(rx, &it), -EPERM);
  assert_int_equal(anyc_try_send(tx, ITEM(1)), 0);
  anyc__alloc_fail_at(1);
  assert_null(anyc_sender_clone(tx));
  anyc__alloc_fail_at(0);
  assert_int_equal(anyc_try_receive(rx, &it), 0);
  assert_int_equal(NUM(it), 1);
  anyc_sender_close(tx);
  anyc_receiver_close(rx);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      TEST(test_trio_channel),
      TEST(test_trio_channel_closed_ends_answer_after_last_close),
      TEST(test_trio_close_basics),
      TEST(test_trio_clone_and_close),
      TEST(test_trio_channel_fairness),
      TEST(test_anyio_cancel_during_receive),
      TEST(test_trio_send_receive_are_checkpoints),
      TEST(test_channel_rendezvous_and_ring),
      TEST(test_channel_open_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
