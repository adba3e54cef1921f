/* pubsub.c — a Pubsub service shaped like py-libp2p's: run() starts three daemons
 * (the peer queue, the dead-peer queue and the validation-cache cleanup) and parks on
 * wait_finished.  Messages arrive through a stream handler the service does not own; it
 * schedules a push task per message, guarded by `if (as_is_running(m))`, and delivery
 * goes through a mailbox polled by the subscriber. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <async_service.h>

#define MAILBOX 8

struct pubsub {
  as_service service;
  int peer_queue_started, dead_peer_queue_started;
  const char *mailbox[MAILBOX];
  int posted, delivered;
  int cache_entries;
};

static int handle_peer_queue(void *arg)
{
  struct pubsub *ps = arg;
  ps->peer_queue_started = 1;
  return as_wait_finished(ps->service.manager);
}

static int handle_dead_peer_queue(void *arg)
{
  struct pubsub *ps = arg;
  ps->dead_peer_queue_started = 1;
  return as_wait_finished(ps->service.manager);
}

static int validation_cache_cleanup(void *arg)
{
  struct pubsub *ps = arg;
  while (as_is_running(ps->service.manager)) { /* ends by cancellation, not the test */
    int rc = anyc_sleep(0.001);
    if (rc)
      return rc;
    ps->cache_entries = 0;
  }
  return 0;
}

static int pubsub_run(as_service *self)
{
  struct pubsub *ps = (struct pubsub *)self;
  as_manager *m = self->manager;
  int rc;
  if ((rc = as_run_daemon_task(m, handle_peer_queue, ps, "handle_peer_queue")) ||
      (rc = as_run_daemon_task(m, handle_dead_peer_queue, ps, "handle_dead_peer_queue")) ||
      (rc = as_run_daemon_task(m, validation_cache_cleanup, ps, "validation_cache_cleanup")))
    return rc;
  return as_wait_finished(m);
}

/* ---- the wire side: not owned by the service ---- */

struct push { struct pubsub *ps; const char *msg; };
static struct push pushes[MAILBOX];

static int push_msg(void *arg)
{
  struct push *p = arg;
  p->ps->cache_entries++;
  p->ps->mailbox[p->ps->posted++] = p->msg;
  return 0;
}

static int continuously_read_stream(void *arg)
{
  struct pubsub *ps = arg;
  static const char *const wire[] = {"hello", "from", "the wire"};
  for (int i = 0; i < 3; i++) {
    int rc = anyc_sleep(0.001);
    if (rc)
      return rc;
    pushes[i].ps = ps;
    pushes[i].msg = wire[i];
    if (as_is_running(ps->service.manager))
      as_run_task(ps->service.manager, push_msg, &pushes[i], "push_msg");
  }
  return 0;
}

static int app(void *arg)
{
  struct pubsub *ps = arg;
  as_manager *m;
  anyc_group handlers;  /* the host's own task group: its stream handlers live there */
  int rc = as_background_service_enter(&ps->service, &m);
  if (rc)
    return rc;
  while (!(ps->peer_queue_started && ps->dead_peer_queue_started) && !rc)
    rc = anyc_sleep(0.0005);
  printf("pubsub: ready\n");
  anyc_group_open(&handlers);
  anyc_start_soon(&handlers, continuously_read_stream, ps);
  while (ps->delivered < 3 && !rc) {
    if (ps->delivered < ps->posted) {
      printf("pubsub: deliver topic/chat: %s\n", ps->mailbox[ps->delivered]);
      ps->delivered++;
      continue;
    }
    rc = anyc_sleep(0.0005);
  }
  rc = anyc_group_close(&handlers, rc);
  rc = as_background_service_exit(m, rc);
  printf("pubsub: stopped rc=%d cancelled=%d errors=%zu\n", rc, as_is_cancelled(m),
         as_error_count(m));
  as_service_destroy(&ps->service);
  return rc;
}

int main(void)
{
  static struct pubsub ps;
  as_service_init(&ps.service, pubsub_run, "Pubsub");
  return anyc_run(app, &ps) ? 1 : 0;
}
