/* tcp.c — TCP streams and listeners on libuv (Trio's SocketStream / SocketListener and
 * serve_tcp, AnyIO's connect_tcp / create_tcp_listener).
 *
 * Streams and listeners are heap objects wrapping a uv_tcp_t; they are freed by the
 * handle's close callback, so a close (not a checkpoint) never blocks.  Each blocking
 * operation follows the checkpoint pattern: cancel point first, then the non-blocking
 * attempt straight on the socket (read(2) / uv_try_write) plus a schedule point, and
 * only when that would block, the libuv request and a park.  One task may receive and
 * one may send on a stream at a time (-EBUSY otherwise, Trio's BusyResourceError).
 *
 * Cancellation never corrupts a stream:
 *  - receive reads into the caller's buffer only while the caller is parked; the abort
 *    stops reading, so nothing is lost — the stream stays usable;
 *  - send may have queued part of the buffer when it is cancelled; libuv would keep
 *    reading the caller's buffer after the caller returned, and the peer has a truncated
 *    message anyway, so the connection is reset (RST) and the stream is left clearly
 *    broken: later operations on it return -ECONNABORTED; close it;
 *  - send_eof, connect and name resolution own their requests (in the stream or a heap
 *    record), which complete or are cancelled in the background.
 * Closing a stream or listener wakes the tasks blocked on it with -EBADF.
 *
 * Writing to a connection the peer has closed raises SIGPIPE, whose default action kills
 * the process; libuv writes with plain write(2).  So the first stream a process creates
 * sets SIGPIPE to SIG_IGN if (and only if) it still has the default action — what Python
 * (hence Trio) and Go do at start-up — and the write reports -EPIPE instead.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <unistd.h>

#include "sync.h"

#define LISTEN_BACKLOG 4096
#define SERVE_RETRY_SECONDS 0.1 /* Trio's serve_listeners sleep after EMFILE & co */

struct anyc_stream {
  uv_tcp_t tcp;
  uv_write_t wreq;
  uv_shutdown_t sreq;
  uv_connect_t creq;
  struct anyc__task *reader;   /* parked in receive */
  struct anyc__task *writer;   /* parked in send, send_eof or connect */
  char *rbuf;                  /* the parked reader's buffer */
  size_t rmax;
  int broken;                  /* a cancelled send reset the connection */
  int eof_sent;
  int want_free;               /* anyc_stream_close was called */
  int handle_closed;           /* the handle's close callback ran */
  anyc_handler handler;        /* anyc_serve's connection task */
  void *harg;
};

struct anyc_listener {
  uv_tcp_t tcp;
  struct anyc__list waiters;   /* parked accepts (struct accept_op) */
  int pending;                 /* libuv holds one accepted connection for us */
  int error;                   /* a listen error nobody was waiting for */
  int port;
};

static inline int start_op(struct anyc__task **out)
{
  struct anyc__task *t = anyc__current();
  *out = t;
  if (ANYC_UNLIKELY(!t))
    return -EPERM;
  return anyc__task_cancelled(t) ? -ECANCELED : 0;
}

/* ---- stream lifetime ---- */

static void stream_closed(uv_handle_t *h)
{
  struct anyc_stream *s = h->data;
  s->handle_closed = 1;
  if (s->want_free)
    anyc__free(s);
}

static void ignore_sigpipe(void)
{
  struct sigaction sa;
  if (sigaction(SIGPIPE, NULL, &sa) == 0 && !(sa.sa_flags & SA_SIGINFO) &&
      sa.sa_handler == SIG_DFL) {
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
  }
}

static int stream_new(struct anyc_stream **out)
{
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, ignore_sigpipe);
  struct anyc_stream *s = anyc__calloc(1, sizeof *s);
  if (!s)
    return -ENOMEM;
  int rc = uv_tcp_init(&anyc__rt->loop, &s->tcp);
  if (rc < 0) {
    anyc__free(s);
    return rc;
  }
  s->tcp.data = s;
  s->wreq.data = s->sreq.data = s->creq.data = s;
  *out = s;
  return 0;
}

/* Wake whoever is parked on s with `status` and close its handle (with a reset when
 * `reset`); s itself lives on until the user closes it. */
static void stream_shut(struct anyc_stream *s, int status, int reset)
{
  struct anyc__task *r = s->reader, *w = s->writer;
  s->reader = s->writer = NULL;
  if (r)
    anyc__wake(r, status);
  if (w)
    anyc__wake(w, status);
  if (uv_is_closing((uv_handle_t *)&s->tcp))
    return;
  uv_read_stop((uv_stream_t *)&s->tcp);
  if (!reset || uv_tcp_close_reset(&s->tcp, stream_closed) < 0)
    uv_close((uv_handle_t *)&s->tcp, stream_closed);
}

void anyc_stream_close(anyc_stream *s)
{
  if (!s)
    return;
  s->want_free = 1;
  stream_shut(s, -EBADF, 0);
  if (s->handle_closed)
    anyc__free(s);
}

/* ---- receive ---- */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
  struct anyc_stream *s = h->data;
  (void)suggested;
  *buf = uv_buf_init(s->rbuf, (unsigned)s->rmax);
}

static void on_read(uv_stream_t *h, ssize_t nread, const uv_buf_t *buf)
{
  struct anyc_stream *s = h->data;
  (void)buf;
  if (nread == 0) /* EAGAIN: keep waiting */
    return;
  uv_read_stop(h);
  struct anyc__task *t = s->reader;
  s->reader = NULL;
  if (t)
    anyc__wake(t, (int)nread);
}

static void receive_abort(struct anyc__task *t)
{
  struct anyc_stream *s = t->wait_obj;
  uv_read_stop((uv_stream_t *)&s->tcp);
  s->reader = NULL;
}

ssize_t anyc_stream_receive(anyc_stream *s, void *buf, size_t max)
{
  struct anyc__task *t;
  int rc = start_op(&t);
  if (rc < 0)
    return rc;
  if (!s || !buf || max == 0)
    return -EINVAL;
  if (s->broken)
    return -ECONNABORTED;
  if (s->reader)
    return -EBUSY;
  if (max > INT_MAX)
    max = INT_MAX;
  uv_os_fd_t fd;
  rc = uv_fileno((uv_handle_t *)&s->tcp, &fd);
  if (rc < 0)
    return rc;
  ssize_t n;
  do
    n = read(fd, buf, max);
  while (n < 0 && errno == EINTR);
  if (n >= 0) {
    anyc__yield();
    return n > 0 ? n : ANYC_EOF;
  }
  if (errno != EAGAIN && errno != EWOULDBLOCK)
    return -errno;
  s->rbuf = buf;
  s->rmax = max;
  rc = uv_read_start((uv_stream_t *)&s->tcp, on_alloc, on_read);
  if (rc < 0)
    return rc;
  s->reader = t;
  return anyc__park("stream receive", receive_abort, s);
}

/* ---- send ---- */

static void on_written(uv_write_t *req, int status)
{
  struct anyc_stream *s = req->data;
  struct anyc__task *t = s->writer;
  s->writer = NULL;
  if (t)
    anyc__wake(t, status);
}

/* Cancelled with part of the buffer still queued: reset the connection (see top). */
static void send_abort(struct anyc__task *t)
{
  struct anyc_stream *s = t->wait_obj;
  s->writer = NULL;
  s->broken = 1;
  stream_shut(s, -ECONNABORTED, 1);
}

static int writable(const struct anyc_stream *s)
{
  if (s->broken)
    return -ECONNABORTED;
  if (s->writer)
    return -EBUSY;
  if (s->eof_sent)
    return -EPIPE;
  return 0;
}

int anyc_stream_send(anyc_stream *s, const void *buf, size_t len)
{
  struct anyc__task *t;
  int rc = start_op(&t);
  if (rc < 0)
    return rc;
  if (!s || (!buf && len))
    return -EINVAL;
  if ((rc = writable(s)) < 0)
    return rc;
  uv_buf_t b = uv_buf_init((char *)(uintptr_t)buf, 0);
  while (len > 0) {
    b.len = len > UINT_MAX ? UINT_MAX : (unsigned)len;
    int n = uv_try_write((uv_stream_t *)&s->tcp, &b, 1);
    if (n == UV_EAGAIN)
      break;
    if (n < 0)
      return n;
    b.base += n;
    len -= (size_t)n;
  }
  if (len == 0) {
    anyc__yield();
    return 0;
  }
  /* The rest goes through libuv, which keeps writing after we park.  A length beyond
   * UINT_MAX is sent a uv_buf at a time. */
  while (len > 0) {
    b.len = len > UINT_MAX ? UINT_MAX : (unsigned)len;
    rc = uv_write(&s->wreq, (uv_stream_t *)&s->tcp, &b, 1, on_written);
    if (rc < 0)
      return rc;
    s->writer = t;
    rc = anyc__park("stream send", send_abort, s);
    if (rc < 0)
      return rc;
    b.base += b.len;
    len -= b.len;
  }
  return 0;
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
  struct anyc_stream *s = req->data;
  struct anyc__task *t = s->writer;
  s->writer = NULL;
  if (t)
    anyc__wake(t, status);
}

static void eof_abort(struct anyc__task *t)
{
  struct anyc_stream *s = t->wait_obj;
  s->writer = NULL; /* the shutdown completes in the background */
}

int anyc_stream_send_eof(anyc_stream *s)
{
  struct anyc__task *t;
  int rc = start_op(&t);
  if (rc < 0)
    return rc;
  if (!s)
    return -EINVAL;
  if (s->eof_sent && !s->writer && !s->broken)
    return anyc_checkpoint(); /* idempotent, as Trio's send_eof */
  if ((rc = writable(s)) < 0)
    return rc;
  rc = uv_shutdown(&s->sreq, (uv_stream_t *)&s->tcp, on_shutdown);
  if (rc < 0)
    return rc;
  s->eof_sent = 1;
  s->writer = t;
  return anyc__park("stream send_eof", eof_abort, s);
}

/* ---- connect ---- */

static void on_connect(uv_connect_t *req, int status)
{
  struct anyc_stream *s = req->data;
  struct anyc__task *t = s->writer;
  s->writer = NULL;
  if (t)
    anyc__wake(t, status);
}

static void connect_abort(struct anyc__task *t)
{
  struct anyc_stream *s = t->wait_obj;
  s->writer = NULL;
  anyc_stream_close(s); /* libuv cancels the connect request, then frees s */
}

static int connect_addr(struct anyc__task *t, const struct sockaddr *sa, anyc_stream **out)
{
  /* A cancellation that came while the task was between waits (its lookup or a refused
   * address done, the task ready but not yet running) woke nobody: look again before
   * the next wait, or it would last until the connect ends on its own. */
  if (anyc__task_cancelled(t))
    return -ECANCELED;
  struct anyc_stream *s;
  int rc = stream_new(&s);
  if (rc < 0)
    return rc;
  rc = uv_tcp_connect(&s->creq, &s->tcp, sa, on_connect);
  if (rc == 0) {
    s->writer = t;
    rc = anyc__park("tcp connect", connect_abort, s);
    if (rc == -ECANCELED)
      return rc; /* the abort closed s */
  }
  if (rc < 0) {
    anyc_stream_close(s);
    return rc;
  }
  uv_tcp_nodelay(&s->tcp, 1); /* Trio's SocketStream default */
  *out = s;
  return 0;
}

/* A name lookup in flight; on the heap because a cancelled caller leaves it behind. */
struct resolve {
  uv_getaddrinfo_t req;
  struct anyc__task *task; /* NULL once the caller was cancelled */
};

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
  struct resolve *r = req->data;
  if (r->task) {
    anyc__wake(r->task, status);
    return;
  }
  uv_freeaddrinfo(res);
  anyc__free(r);
}

static void resolve_abort(struct anyc__task *t)
{
  struct resolve *r = t->wait_obj;
  r->task = NULL;
  uv_cancel((uv_req_t *)&r->req); /* on_resolved still runs, and frees r */
}

/* A literal address fills *ss without a lookup. */
static int numeric_addr(const char *host, int port, struct sockaddr_storage *ss)
{
  if (uv_ip4_addr(host, port, (struct sockaddr_in *)ss) == 0)
    return 0;
  return uv_ip6_addr(host, port, (struct sockaddr_in6 *)ss);
}

int anyc_tcp_connect(const char *host, int port, anyc_stream **out)
{
  struct anyc__task *t;
  int rc = start_op(&t);
  if (rc < 0)
    return rc;
  if (!host || !out || port < 0 || port > 65535)
    return -EINVAL;
  struct sockaddr_storage ss;
  if (numeric_addr(host, port, &ss) == 0)
    return connect_addr(t, (struct sockaddr *)&ss, out);

  struct resolve *r = anyc__malloc(sizeof *r);
  if (!r)
    return -ENOMEM;
  char service[8];
  snprintf(service, sizeof service, "%d", port);
  struct addrinfo hints;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_ADDRCONFIG | AI_NUMERICSERV;
  r->req.data = r;
  r->task = t;
  rc = uv_getaddrinfo(&anyc__rt->loop, &r->req, on_resolved, host, service, &hints);
  if (rc < 0) {
    anyc__free(r);
    return rc;
  }
  rc = anyc__park("tcp resolve", resolve_abort, r);
  if (rc == -ECANCELED)
    return rc; /* r is on_resolved's to free */
  struct addrinfo *res = r->req.addrinfo;
  anyc__free(r);
  if (rc < 0)
    return rc;
  rc = -EADDRNOTAVAIL;
  for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
    rc = connect_addr(t, ai->ai_addr, out);
    if (rc == 0 || rc == -ECANCELED)
      break;
  }
  uv_freeaddrinfo(res);
  return rc;
}

/* ---- listen and accept ---- */

struct accept_op {
  struct anyc__list link;   /* in l->waiters */
  struct anyc__task *task;
  anyc_stream *stream;      /* the accepted connection */
};

static void listener_closed(uv_handle_t *h) { anyc__free(h->data); }

/* Take the connection libuv holds into a new stream. */
static int take(struct anyc_listener *l, anyc_stream **out)
{
  struct anyc_stream *s;
  int rc = stream_new(&s);
  if (rc < 0)
    return rc;
  rc = uv_accept((uv_stream_t *)&l->tcp, (uv_stream_t *)&s->tcp);
  if (rc < 0) {
    anyc_stream_close(s);
    return rc;
  }
  l->pending = 0;
  uv_tcp_nodelay(&s->tcp, 1);
  *out = s;
  return 0;
}

static void on_connection(uv_stream_t *h, int status)
{
  struct anyc_listener *l = h->data;
  struct accept_op *op =
      anyc__list_empty(&l->waiters) ? NULL
                                    : anyc__container_of(l->waiters.next, struct accept_op, link);
  if (status == 0) {
    l->pending = 1;
    if (!op)
      return;
    status = take(l, &op->stream);
  }
  if (!op) {
    l->error = status;
    return;
  }
  anyc__list_remove(&op->link);
  anyc__wake(op->task, status);
}

int anyc_tcp_listen(const char *host, int port, anyc_listener **out)
{
  if (!anyc__rt)
    return -EPERM;
  if (!out || port < 0 || port > 65535)
    return -EINVAL;
  struct sockaddr_storage ss;
  struct addrinfo *res = NULL;
  const struct sockaddr *sa = (const struct sockaddr *)&ss;
  if (numeric_addr(host ? host : "0.0.0.0", port, &ss) != 0) {
    /* Not a checkpoint: a name is resolved synchronously (use literals in servers). */
    uv_getaddrinfo_t req;
    struct addrinfo hints;
    char service[8];
    snprintf(service, sizeof service, "%d", port);
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int rc = uv_getaddrinfo(&anyc__rt->loop, &req, NULL, host, service, &hints);
    if (rc < 0)
      return rc;
    res = req.addrinfo;
    sa = res->ai_addr;
  }
  struct anyc_listener *l = anyc__calloc(1, sizeof *l);
  int rc = l ? uv_tcp_init(&anyc__rt->loop, &l->tcp) : -ENOMEM;
  if (rc < 0) {
    anyc__free(l);
    uv_freeaddrinfo(res);
    return rc;
  }
  l->tcp.data = l;
  anyc__list_init(&l->waiters);
  rc = uv_tcp_bind(&l->tcp, sa, 0);
  uv_freeaddrinfo(res);
  if (rc == 0)
    rc = uv_listen((uv_stream_t *)&l->tcp, LISTEN_BACKLOG, on_connection);
  struct sockaddr_storage bound;
  int len = sizeof bound;
  if (rc == 0)
    rc = uv_tcp_getsockname(&l->tcp, (struct sockaddr *)&bound, &len);
  if (rc < 0) {
    uv_close((uv_handle_t *)&l->tcp, listener_closed);
    return rc;
  }
  l->port = bound.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&bound)->sin6_port)
                                        : ntohs(((struct sockaddr_in *)&bound)->sin_port);
  *out = l;
  return 0;
}

int anyc_listener_port(const anyc_listener *l) { return l ? l->port : -EINVAL; }

static void accept_abort(struct anyc__task *t)
{
  struct accept_op *op = t->wait_obj;
  anyc__list_remove(&op->link);
}

int anyc_accept(anyc_listener *l, anyc_stream **out)
{
  struct anyc__task *t;
  int rc = start_op(&t);
  if (rc < 0)
    return rc;
  if (!l || !out)
    return -EINVAL;
  if (l->error) {
    rc = l->error;
    l->error = 0;
    return rc;
  }
  if (l->pending && anyc__list_empty(&l->waiters)) {
    rc = take(l, out);
    if (rc == 0)
      anyc__yield();
    return rc;
  }
  struct accept_op op = {.task = t};
  anyc__list_push(&l->waiters, &op.link);
  rc = anyc__park("accept", accept_abort, &op);
  if (rc == 0)
    *out = op.stream;
  return rc;
}

void anyc_listener_close(anyc_listener *l)
{
  if (!l)
    return;
  while (!anyc__list_empty(&l->waiters)) {
    struct accept_op *op = anyc__container_of(l->waiters.next, struct accept_op, link);
    anyc__list_remove(&op->link);
    anyc__wake(op->task, -EBADF);
  }
  uv_close((uv_handle_t *)&l->tcp, listener_closed);
}

/* ---- serve ---- */

static int connection_task(void *arg)
{
  anyc_stream *s = arg;
  int rc = s->handler(s, s->harg);
  anyc_stream_close(s);
  return rc;
}

/* Running out of descriptors or memory is a condition to wait out, not to die of. */
static int transient(int rc)
{
  return rc == -EMFILE || rc == -ENFILE || rc == -ENOBUFS || rc == -ENOMEM;
}

int anyc_serve(anyc_listener *l, anyc_handler handler, void *arg)
{
  anyc_group g;
  if (!anyc__current())
    return -EPERM;
  if (!l || !handler)
    return -EINVAL;
  int rc = anyc_group_open(&g);
  if (rc < 0)
    return rc;
  for (;;) {
    anyc_stream *s;
    rc = anyc_accept(l, &s);
    if (rc == 0) {
      s->handler = handler;
      s->harg = arg;
      rc = anyc_start_soon_named(&g, "connection", connection_task, s);
      if (rc < 0)
        anyc_stream_close(s);
    }
    if (rc < 0 && !transient(rc))
      break;
    if (rc < 0 && (rc = anyc_sleep(SERVE_RETRY_SECONDS)) < 0)
      break;
  }
  return anyc_group_close(&g, rc);
}
