/* swarm.c — the Swarm service.  run() listens on 127.0.0.1 (any free port) and starts
 * the accept loop and the cleanup daemon; each accepted connection gets a handler task
 * (a child of the accept loop) that echoes one line back. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "swarm.h"

struct conn {
  struct swarm *swarm;
  anyc_stream *stream;
};
static struct conn conns[16];
static int nconns;

static int handle_conn(void *arg)
{
  struct conn *c = arg;
  char buf[128], reply[160];
  ssize_t n = anyc_stream_receive(c->stream, buf, sizeof buf - 1);
  int rc = n < 0 ? (int)n : 0;
  if (n > 0) {
    buf[n] = '\0';
    int len = snprintf(reply, sizeof reply, "ECHO %s", buf);
    rc = anyc_stream_send(c->stream, reply, (size_t)len);
  }
  anyc_stream_close(c->stream);
  c->swarm->handled++;
  c->swarm->live--;
  return rc == ANYC_EOF ? 0 : rc;
}

static int accept_loop(void *arg)
{
  struct swarm *s = arg;
  for (;;) {
    anyc_stream *stream;
    int rc = anyc_accept(s->listener, &stream);
    if (rc)
      return rc;
    struct conn *c = &conns[nconns++ % 16];
    c->swarm = s;
    c->stream = stream;
    s->live++;
    if ((rc = as_run_task(s->service.manager, handle_conn, c, "handle_conn"))) {
      anyc_stream_close(stream);
      return rc;
    }
  }
}

static int cleanup_daemon(void *arg)
{
  struct swarm *s = arg;
  for (;;) {
    int rc = anyc_sleep(0.001);
    if (rc)
      return rc;
    s->reaped = s->handled;
  }
}

static int swarm_run(as_service *self)
{
  struct swarm *s = (struct swarm *)self;
  int rc = anyc_tcp_listen("127.0.0.1", 0, &s->listener);
  if (rc)
    return anyc_fail(rc, "listen: %s", anyc_strerror(rc));
  s->port = anyc_listener_port(s->listener);
  if ((rc = as_run_daemon_task(self->manager, accept_loop, s, "accept_loop")) == 0 &&
      (rc = as_run_daemon_task(self->manager, cleanup_daemon, s, "cleanup")) == 0)
    rc = as_wait_finished(self->manager);
  /* Close the listener only once the accept loop is gone (it is our child). */
  return rc;
}

void swarm_init(struct swarm *s)
{
  memset(s, 0, sizeof *s);
  as_service_init(&s->service, swarm_run, "Swarm");
}
