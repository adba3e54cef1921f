/* test_tcp.c — runtime/tcp.c: TCP streams, listeners and anyc_serve on 127.0.0.1
 * (trio/_tests/test_highlevel_serve_listeners.py, test_highlevel_socket.py; anyio
 * tests/test_sockets.py).  Every loop is bounded; every wait has a deadline. */
#include <errno.h>
#include <stdlib.h>

#include "anyc_test.h"

static anyc_listener *lst;
static int port;

/* Receive exactly len bytes (or fail). */
static int recv_exact(anyc_stream *s, char *buf, size_t len)
{
  size_t got = 0;
  while (got < len) {
    ssize_t n = anyc_stream_receive(s, buf + got, len - got);
    if (n < 0)
      return (int)n;
    got += (size_t)n;
  }
  return 0;
}

static int echo_once(void *arg)
{
  (void)arg;
  anyc_stream *s;
  char buf[256];
  CHECK_INT(anyc_accept(lst, &s), 0);
  for (;;) {
    ssize_t n = anyc_stream_receive(s, buf, sizeof buf);
    if (n == ANYC_EOF)
      break;
    CHECK(n > 0);
    if (n <= 0)
      break;
    CHECK_INT(anyc_stream_send(s, buf, (size_t)n), 0);
  }
  CHECK_INT(anyc_stream_send_eof(s), 0);
  anyc_stream_close(s);
  return 0;
}

static int echo_main(void *arg)
{
  const char *host = arg;
  anyc_group g;
  anyc_stream *c;
  char buf[16];
  CHECK_INT(anyc_tcp_listen("127.0.0.1", 0, &lst), 0);
  port = anyc_listener_port(lst);
  CHECK(port > 0 && port < 65536);
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon(&g, echo_once, NULL), 0);
  CHECK_INT(anyc_tcp_connect(host, port, &c), 0);
  CHECK_INT(anyc_stream_send(c, "hello", 5), 0);
  CHECK_INT(recv_exact(c, buf, 5), 0);
  CHECK(memcmp(buf, "hello", 5) == 0);
  CHECK_INT(anyc_stream_send(c, "", 0), 0);
  CHECK_INT(anyc_stream_send_eof(c), 0);
  CHECK_INT(anyc_stream_send_eof(c), 0); /* idempotent */
  CHECK_INT(anyc_stream_send(c, "x", 1), -EPIPE);
  CHECK_INT(anyc_stream_receive(c, buf, sizeof buf), ANYC_EOF);
  CHECK_INT(anyc_stream_receive(c, buf, sizeof buf), ANYC_EOF);
  CHECK_INT(anyc_stream_receive(c, buf, 0), -EINVAL);
  anyc_stream_close(c);
  CHECK_INT(anyc_group_close(&g, 0), 0);
  anyc_listener_close(lst);
  return 0;
}

/* spec TCP: listen on port 0, listener_port, accept, connect, receive, send (all),
 * send_eof, EOF, close. */
static void test_tcp_echo_roundtrip(void **state)
{
  (void)state;
  checks_reset();
  assert_int_equal(anyc_run(echo_main, (char[]){"127.0.0.1"}), 0);
  ASSERT_CHECKS();
}

/* spec: "connect (names resolved with libuv's resolver)": localhost may resolve to ::1
 * first, which is refused, then 127.0.0.1. */
static void test_tcp_connect_resolves_names(void **state)
{
  (void)state;
  checks_reset();
  assert_int_equal(anyc_run(echo_main, (char[]){"localhost"}), 0);
  ASSERT_CHECKS();
}

static int echo_handler(anyc_stream *s, void *arg)
{
  char buf[64];
  int *served = arg;
  for (;;) {
    ssize_t n = anyc_stream_receive(s, buf, sizeof buf);
    if (n == ANYC_EOF)
      break;
    if (n < 0)
      return (int)n;
    if (buf[0] == '!')
      return anyc_fail(-EIO, "bad peer said %.*s", (int)n, buf);
    int rc = anyc_stream_send(s, buf, (size_t)n);
    if (rc < 0)
      return rc;
  }
  (*served)++;
  return 0; /* anyc_serve closes the stream */
}

static int server(void *arg)
{
  anyc_scope *s = arg;
  static int served;
  CHECK_INT(anyc_scope_open(s), 0);
  int rc = anyc_serve(lst, echo_handler, &served);
  CHECK_INT(rc, -ECANCELED); /* runs until cancelled */
  return anyc_scope_close(s, rc);
}

static int serve_main(void *arg)
{
  (void)arg;
  anyc_group g;
  anyc_scope server_scope;
  anyc_stream *c[3];
  char buf[8];
  CHECK_INT(anyc_tcp_listen("127.0.0.1", 0, &lst), 0);
  port = anyc_listener_port(lst);
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon(&g, server, &server_scope), 0);
  for (int i = 0; i < 3; i++) {
    CHECK_INT(anyc_tcp_connect("127.0.0.1", port, &c[i]), 0);
    CHECK_INT(anyc_stream_send(c[i], "abc", 3), 0);
  }
  for (int i = 0; i < 3; i++) {
    CHECK_INT(recv_exact(c[i], buf, 3), 0);
    CHECK_INT(anyc_stream_send_eof(c[i]), 0);
    /* the handler returns on our EOF; serve then closes its end */
    CHECK_INT(anyc_stream_receive(c[i], buf, sizeof buf), ANYC_EOF);
    anyc_stream_close(c[i]);
  }
  anyc_scope_cancel(&server_scope);
  CHECK_INT(anyc_group_close(&g, 0), 0);
  CHECK(anyc_scope_cancelled_caught(&server_scope));
  /* the listener stays the caller's: still usable after serve */
  CHECK_INT(anyc_tcp_connect("127.0.0.1", port, &c[0]), 0);
  CHECK_INT(anyc_accept(lst, &c[1]), 0);
  anyc_stream_close(c[0]);
  anyc_stream_close(c[1]);
  anyc_listener_close(lst);
  return 0;
}

/* trio serve_listeners: a task per connection in a group serve owns, each connection
 * closed when its handler returns; runs until cancelled; the listener stays ours. */
static void test_trio_serve_listeners_basic(void **state)
{
  (void)state;
  checks_reset();
  assert_int_equal(anyc_run(serve_main, NULL), 0);
  ASSERT_CHECKS();
}

static int failing_server(void *arg)
{
  static int served;
  int rc = anyc_serve(lst, echo_handler, &served);
  CHECK_INT(rc, -EIO);
  CHECK_INT(anyc_error_count(), 1);
  anyc_error_info info;
  CHECK_INT(anyc_error_at(0, &info), 0);
  CHECK(info.message && strcmp(info.message, "bad peer said !") == 0);
  CHECK(strcmp(info.task, "connection") == 0);
  *(int *)arg = 1;
  return 0;
}

static int handler_error_main(void *arg)
{
  (void)arg;
  anyc_group g;
  anyc_stream *good, *bad;
  char buf[8];
  int server_done = 0;
  CHECK_INT(anyc_tcp_listen("127.0.0.1", 0, &lst), 0);
  port = anyc_listener_port(lst);
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon(&g, failing_server, &server_done), 0);
  CHECK_INT(anyc_tcp_connect("127.0.0.1", port, &good), 0);
  CHECK_INT(anyc_stream_send(good, "ok", 2), 0);
  CHECK_INT(recv_exact(good, buf, 2), 0);
  CHECK_INT(anyc_tcp_connect("127.0.0.1", port, &bad), 0);
  CHECK_INT(anyc_stream_send(bad, "!", 1), 0);
  CHECK_INT(anyc_group_close(&g, 0), 0);
  CHECK_INT(server_done, 1);
  /* the good connection's handler was cancelled and its stream closed */
  ssize_t n = anyc_stream_receive(good, buf, sizeof buf);
  CHECK(n == ANYC_EOF || n == -ECONNRESET);
  anyc_stream_close(good);
  anyc_stream_close(bad);
  anyc_listener_close(lst);
  return 0;
}

/* trio serve_listeners: a handler's error cancels the server and anyc_serve returns it
 * (with its anyc_fail record). */
static void test_trio_serve_handler_error_cancels_server(void **state)
{
  (void)state;
  checks_reset();
  assert_int_equal(anyc_run(handler_error_main, NULL), 0);
  ASSERT_CHECKS();
}

struct pair {
  anyc_stream *client, *server;
};

static int open_pair(struct pair *p)
{
  int rc = anyc_tcp_listen("127.0.0.1", 0, &lst);
  if (rc == 0)
    rc = anyc_tcp_connect("127.0.0.1", anyc_listener_port(lst), &p->client);
  if (rc == 0)
    rc = anyc_accept(lst, &p->server);
  anyc_listener_close(lst);
  return rc;
}

static int late_sender(void *arg)
{
  struct pair *p = arg;
  CHECK_INT(anyc_sleep(0.05), 0);
  CHECK_INT(anyc_stream_send(p->server, "later", 5), 0);
  return 0;
}

static int second_reader(void *arg)
{
  struct pair *p = arg;
  char buf[4];
  CHECK_INT(anyc_stream_receive(p->client, buf, sizeof buf), -EBUSY);
  return 0;
}

static int cancel_receive_main(void *arg)
{
  (void)arg;
  struct pair p;
  anyc_scope s;
  anyc_group g;
  char buf[8];
  CHECK_INT(open_pair(&p), 0);
  CHECK_INT(anyc_move_on_after(&s, 0.01), 0);
  ssize_t n = anyc_stream_receive(p.client, buf, sizeof buf);
  CHECK_INT(n, -ECANCELED);
  CHECK_INT(anyc_scope_close(&s, (int)n), 0);
  /* the stream is still usable and nothing was lost */
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon(&g, late_sender, &p), 0);
  CHECK_INT(anyc_start_soon(&g, second_reader, &p), 0);
  CHECK_INT(recv_exact(p.client, buf, 5), 0);
  CHECK(memcmp(buf, "later", 5) == 0);
  CHECK_INT(anyc_group_close(&g, 0), 0);
  anyc_stream_close(p.client);
  anyc_stream_close(p.server);
  return 0;
}

/* spec: cancelling a receive leaves the stream usable; one receiver at a time (-EBUSY,
 * Trio's BusyResourceError). */
static void test_tcp_cancelled_receive_leaves_stream_usable(void **state)
{
  (void)state;
  checks_reset();
  assert_int_equal(anyc_run(cancel_receive_main, NULL), 0);
  ASSERT_CHECKS();
}

static int other(void *arg)
{
  (void)arg;
  TRACE("other");
  return 0;
}

static int ready_io_main(void *arg)
{
  (void)arg;
  struct pair p;
  anyc_group g;
  char buf[8];
  CHECK_INT(open_pair(&p), 0);
  CHECK_INT(anyc_stream_send(p.client, "x", 1), 0);
  CHECK_INT(anyc_sleep(0.01), 0); /* the byte is in p.server's socket now */
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon(&g, other, NULL), 0);
  CHECK_INT(anyc_stream_receive(p.server, buf, sizeof buf), 1); /* does not block... */
  TRACE("received");                                            /* ...yet yields */
  CHECK_INT(anyc_start_soon(&g, other, NULL), 0);
  CHECK_INT(anyc_stream_send(p.server, "y", 1), 0);
  TRACE("sent");
  CHECK_INT(anyc_group_close(&g, 0), 0);
  anyc_stream_close(p.client);
  anyc_stream_close(p.server);
  return 0;
}

/* spec Conventions: a blocking call is a schedule point even when it does not block. */
static void test_tcp_ready_io_is_a_schedule_point(void **state)
{
  (void)state;
  checks_reset();
  assert_int_equal(anyc_run(ready_io_main, NULL), 0);
  ASSERT_CHECKS();
  assert_string_equal(trace_log, "other,received,other,sent");
}

static int peer_gone_main(void *arg)
{
  (void)arg;
  struct pair p;
  int rc = 0;
  CHECK_INT(open_pair(&p), 0);
  anyc_stream_close(p.server);
  CHECK_INT(anyc_sleep(0.02), 0);
  /* the first write may still be accepted; the reset makes a later one fail */
  for (int i = 0; i < 100 && rc == 0; i++) {
    rc = anyc_stream_send(p.client, "x", 1);
    if (rc == 0)
      CHECK_INT(anyc_sleep(0.005), 0);
  }
  CHECK(rc == -EPIPE || rc == -ECONNRESET);
  anyc_stream_close(p.client);
  return 0;
}

/* Writing to a closed peer returns an error instead of killing the process by SIGPIPE
 * (as in Trio, where Python ignores SIGPIPE). */
static void test_tcp_send_to_closed_peer_is_epipe(void **state)
{
  (void)state;
  checks_reset();
  assert_int_equal(anyc_run(peer_gone_main, NULL), 0);
  ASSERT_CHECKS();
}

#define ALL (8u << 20)

static int big_sender(void *arg)
{
  struct pair *p = arg;
  unsigned char *buf = malloc(ALL);
  CHECK(buf != NULL);
  if (!buf)
    return -ENOMEM;
  for (size_t i = 0; i < ALL; i++)
    buf[i] = (unsigned char)(i * 7 + i / 4096);
  CHECK_INT(anyc_stream_send(p->client, buf, ALL), 0); /* returns once all is handed over */
  free(buf);
  CHECK_INT(anyc_stream_send_eof(p->client), 0);
  return 0;
}

static int send_all_main(void *arg)
{
  (void)arg;
  struct pair p;
  anyc_group g;
  static unsigned char chunk[65536];
  size_t total = 0;
  int ok = 1;
  CHECK_INT(open_pair(&p), 0);
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon(&g, big_sender, &p), 0);
  for (int i = 0; i < 1000000; i++) {
    ssize_t n = anyc_stream_receive(p.server, chunk, sizeof chunk);
    if (n == ANYC_EOF)
      break;
    CHECK(n > 0);
    if (n <= 0)
      break;
    for (ssize_t k = 0; k < n; k++, total++)
      ok &= chunk[k] == (unsigned char)(total * 7 + total / 4096);
  }
  CHECK_INT(anyc_group_close(&g, 0), 0);
  CHECK_INT(total, ALL);
  CHECK(ok);
  anyc_stream_close(p.client);
  anyc_stream_close(p.server);
  return 0;
}

/* spec: "anyc_stream_send ... all of it": 8 MiB (far beyond the socket buffers) arrive
 * complete and in order, then EOF. */
static void test_tcp_send_sends_all(void **state)
{
  (void)state;
  checks_reset();
  assert_int_equal(anyc_run(send_all_main, NULL), 0);
  ASSERT_CHECKS();
}

#define BIG (64u << 20)

static int cancel_send_main(void *arg)
{
  (void)arg;
  struct pair p;
  anyc_scope s;
  char buf[4096];
  char *big = malloc(BIG);
  CHECK(big != NULL);
  if (!big)
    return -ENOMEM;
  memset(big, 'x', BIG);
  CHECK_INT(open_pair(&p), 0);
  CHECK_INT(anyc_move_on_after(&s, 0.05), 0);
  int rc = anyc_stream_send(p.client, big, BIG); /* the peer never reads: blocks */
  CHECK_INT(rc, -ECANCELED);
  CHECK_INT(anyc_scope_close(&s, rc), 0);
  free(big); /* libuv must not touch it any more */
  /* clearly broken: later operations say so, the peer sees a reset */
  CHECK_INT(anyc_stream_send(p.client, "y", 1), -ECONNABORTED);
  CHECK_INT(anyc_stream_receive(p.client, buf, sizeof buf), -ECONNABORTED);
  ssize_t n = 0;
  for (int i = 0; i < 100000 && n >= 0; i++)
    n = anyc_stream_receive(p.server, buf, sizeof buf);
  CHECK_INT(n, -ECONNRESET);
  anyc_stream_close(p.client);
  anyc_stream_close(p.server);
  return 0;
}

/* spec: cancelling a send midway leaves the stream clearly broken, never corrupt. */
static void test_tcp_cancelled_send_breaks_stream(void **state)
{
  (void)state;
  checks_reset();
  assert_int_equal(anyc_run(cancel_send_main, NULL), 0);
  ASSERT_CHECKS();
}

static int blocked_receive(void *arg)
{
  char buf[4];
  CHECK_INT(anyc_stream_receive(arg, buf, sizeof buf), -EBADF);
  return 0;
}

static int blocked_accept(void *arg)
{
  anyc_stream *s;
  CHECK_INT(anyc_accept(arg, &s), -EBADF);
  return 0;
}

static int resolve_cancelled(void *arg)
{
  (void)arg;
  anyc_stream *s;
  CHECK_INT(anyc_tcp_connect("localhost", 9, &s), -ECANCELED);
  return 0;
}

static int errors_main(void *arg)
{
  (void)arg;
  struct pair p;
  anyc_group g;
  anyc_scope s;
  anyc_stream *c;
  anyc_listener *l2;
  char buf[4];
  /* a refused connection */
  CHECK_INT(anyc_tcp_listen("127.0.0.1", 0, &lst), 0);
  int dead_port = anyc_listener_port(lst);
  anyc_listener_close(lst);
  CHECK_INT(anyc_tcp_connect("127.0.0.1", dead_port, &c), -ECONNREFUSED);
  CHECK_INT(anyc_tcp_connect("127.0.0.1", 70000, &c), -EINVAL);
  CHECK(anyc_tcp_listen("127.0.0.1", -1, &lst) == -EINVAL);
  CHECK_INT(anyc_tcp_listen("127.0.0.1", 0, &lst), 0);
  CHECK_INT(anyc_tcp_listen("127.0.0.1", anyc_listener_port(lst), &l2), -EADDRINUSE);
  anyc_listener_close(lst);
  /* closing wakes the tasks blocked on the stream or listener */
  CHECK_INT(open_pair(&p), 0);
  CHECK_INT(anyc_tcp_listen("127.0.0.1", 0, &l2), 0);
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon(&g, blocked_receive, p.client), 0);
  CHECK_INT(anyc_start_soon(&g, blocked_accept, l2), 0);
  CHECK_INT(anyc_sleep(0.01), 0);
  anyc_stream_close(p.client);
  anyc_listener_close(l2);
  CHECK_INT(anyc_group_close(&g, 0), 0);
  /* every blocking operation is a cancel point */
  CHECK_INT(anyc_scope_open(&s), 0);
  anyc_scope_cancel(&s);
  CHECK_INT(anyc_tcp_connect("127.0.0.1", dead_port, &c), -ECANCELED);
  CHECK_INT(anyc_stream_receive(p.server, buf, sizeof buf), -ECANCELED);
  CHECK_INT(anyc_stream_send(p.server, "a", 1), -ECANCELED);
  CHECK_INT(anyc_stream_send_eof(p.server), -ECANCELED);
  CHECK_INT(anyc_tcp_listen("127.0.0.1", 0, &l2), 0);
  CHECK_INT(anyc_accept(l2, &c), -ECANCELED);
  CHECK_INT(anyc_serve(l2, echo_handler, NULL), -ECANCELED);
  CHECK_INT(anyc_scope_close(&s, -ECANCELED), 0);
  /* a cancelled accept loses no connection */
  CHECK_INT(anyc_move_on_after(&s, 0.01), 0);
  CHECK_INT(anyc_accept(l2, &c), -ECANCELED);
  CHECK_INT(anyc_scope_close(&s, -ECANCELED), 0);
  anyc_stream *a, *b;
  CHECK_INT(anyc_tcp_connect("127.0.0.1", anyc_listener_port(l2), &a), 0);
  CHECK_INT(anyc_accept(l2, &b), 0);
  anyc_stream_close(a);
  anyc_stream_close(b);
  anyc_listener_close(l2);
  anyc_stream_close(p.server);
  /* a name lookup cancelled in flight */
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon(&g, resolve_cancelled, NULL), 0);
  CHECK_INT(anyc_sleep(0), 0);
  anyc_group_cancel(&g);
  CHECK_INT(anyc_group_close(&g, 0), 0);
  return 0;
}

/* spec: errors, -EBADF for tasks blocked on a closed end, cancel points everywhere. */
static void test_tcp_errors_close_and_cancel_points(void **state)
{
  (void)state;
  checks_reset();
  assert_int_equal(anyc_run(errors_main, NULL), 0);
  ASSERT_CHECKS();
  anyc_stream *c;
  assert_int_equal(anyc_tcp_connect("127.0.0.1", 1, &c), -EPERM);
  assert_int_equal(anyc_tcp_listen("127.0.0.1", 0, &lst), -EPERM);
}

static int forgets_to_close(void *arg)
{
  (void)arg;
  CHECK_INT(anyc_tcp_listen("127.0.0.1", 0, &lst), 0); /* never closed */
  return 0;
}

/* A listener the program forgot to close does not keep anyc_run from returning (it is
 * closed at the end of the run; its memory is the program's leak, still reachable from
 * `lst` here so valgrind does not count it). */
static void test_tcp_unclosed_listener_does_not_hang_run(void **state)
{
  (void)state;
  checks_reset();
  long before = anyc__alloc_live();
  assert_int_equal(anyc_run(forgets_to_close, NULL), 0);
  ASSERT_CHECKS();
  assert_int_equal(anyc__alloc_live(), before + 1);
}

/* ---- a cancellation that arrives between the lookup and the connect ---- */

struct resolve_race {
  anyc_scope scope;
  int rc;
  int seen_blocked, cancelled;
};

static int racing_connector(void *arg)
{
  struct resolve_race *r = arg;
  anyc_stream *c = NULL;
  CHECK_INT(anyc_scope_open(&r->scope), 0);
  r->rc = anyc_tcp_connect("localhost", port, &c);
  if (r->rc == 0)
    anyc_stream_close(c);
  CHECK_INT(anyc_scope_close(&r->scope, r->rc), 0);
  return 0;
}

/* Spins; once the connector's lookup has completed (it is ready, not yet running),
 * cancels its scope: the cancellation reaches a task that is not parked. */
static int race_watcher(void *arg)
{
  struct resolve_race *r = arg;
  char buf[4096];
  for (long i = 0; i < 2000000 && !r->cancelled; i++) {
    FILE *f = fmemopen(buf, sizeof buf, "w");
    anyc_dump_tasks(f);
    fclose(f);
    if (strstr(buf, "'connector' blocked on tcp resolve"))
      r->seen_blocked = 1;
    else if (r->seen_blocked && strstr(buf, "'connector' ready")) {
      anyc_scope_cancel(&r->scope);
      r->cancelled = 1;
    }
    if (anyc_checkpoint() < 0)
      break;
  }
  return 0;
}

static int resolve_race_main(void *arg)
{
  struct resolve_race *r = arg;
  anyc_group g;
  CHECK_INT(anyc_tcp_listen("127.0.0.1", 0, &lst), 0);
  port = anyc_listener_port(lst);
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon_named(&g, "connector", racing_connector, r), 0);
  CHECK_INT(anyc_start_soon_named(&g, "watcher", race_watcher, r), 0);
  CHECK_INT(anyc_group_close(&g, 0), 0);
  anyc_listener_close(lst);
  return 0;
}

/* A connect cancelled after its name lookup finished, before it ran again, returns
 * -ECANCELED without connecting: it used to start the connect anyway, a wait no
 * cancellation would reach again (to an address that does not answer: until the
 * system's connect timeout, minutes). */
static void test_tcp_connect_cancelled_after_lookup(void **state)
{
  (void)state;
  struct resolve_race r = {.rc = 1};
  checks_reset();
  assert_int_equal(anyc_run(resolve_race_main, &r), 0);
  ASSERT_CHECKS();
  assert_true(r.cancelled);
  assert_int_equal(r.rc, -ECANCELED);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      TEST(test_tcp_echo_roundtrip),
      TEST(test_tcp_connect_resolves_names),
      TEST(test_trio_serve_listeners_basic),
      TEST(test_trio_serve_handler_error_cancels_server),
      TEST(test_tcp_send_sends_all),
      TEST(test_tcp_send_to_closed_peer_is_epipe),
      TEST(test_tcp_ready_io_is_a_schedule_point),
      TEST(test_tcp_cancelled_receive_leaves_stream_usable),
      TEST(test_tcp_cancelled_send_breaks_stream),
      TEST(test_tcp_errors_close_and_cancel_points),
      TEST(test_tcp_connect_cancelled_after_lookup),
      cmocka_unit_test(test_tcp_unclosed_listener_does_not_hang_run), /* leaks: last */
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
