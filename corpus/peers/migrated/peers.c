/* peers.c — the trinity #1770 shape: a sync service schedules work on a peer's manager
 * after the peer stopped.  The LifecycleError propagates out of the syncer's task and
 * is recorded with upstream's message; a second syncer re-checks is_running first (the
 * fix trinity adopted) and exits cleanly.  A child service that already had a manager
 * is refused the same way. */
#include <errno.h>
#include <stdio.h>

#include <async_service.h>

static const char *name(int rc)
{
  return rc == AS_ELIFECYCLE ? "AS_ELIFECYCLE" : anyc_strerror(rc);
}

struct peer {
  as_service service;
};

static int peer_run(as_service *self)
{
  (void)self;
  return anyc_sleep(0.001); /* disconnects soon */
}

static int request_blocks(void *arg)
{
  (void)arg;
  return 0;
}

struct syncer {
  as_service service;
  struct peer *peer;
  int careful;
};

static int sync_peer(void *arg)
{
  struct syncer *s = arg;
  as_manager *pm = s->peer->service.manager;
  int rc = as_wait_finished(pm); /* the peer goes away meanwhile */
  if (rc)
    return rc;
  if (s->careful && !as_is_running(pm))
    return 0;
  return as_run_task(pm, request_blocks, NULL, "request_blocks");
}

static int syncer_run(as_service *self)
{
  int rc = as_run_task(self->manager, sync_peer, self, "sync_peer");
  return rc;
}

static int twice_run(as_service *self)
{
  struct syncer *s = (struct syncer *)self;
  return as_run_child_service(self->manager, &s->peer->service, "peer");
}

static void show(const char *who, const as_service *svc, int rc)
{
  const as_manager *m = svc->manager;
  printf("%s: run_service -> %s, errors=%zu\n", who, name(rc), as_error_count(m));
  for (size_t i = 0; i < as_error_count(m); i++) {
    int code;
    const char *msg;
    as_error_at(m, i, &code, &msg);
    printf("%s: error %zu: %s: %s\n", who, i, name(code), msg ? msg : "(none)");
  }
}

static int app(void *arg)
{
  (void)arg;
  static struct peer p;
  static struct syncer hasty, careful, twice;
  as_service_init(&p.service, peer_run, "peer");
  as_service_init(&hasty.service, syncer_run, "hasty");
  as_service_init(&careful.service, syncer_run, "careful");
  as_service_init(&twice.service, twice_run, "twice");
  hasty.peer = careful.peer = twice.peer = &p;
  careful.careful = 1;
  as_manager *pm;
  int rc = as_background_service_enter(&p.service, &pm);
  if (rc)
    return rc;
  rc = as_run_service(&hasty.service);
  show("hasty", &hasty.service, rc);
  rc = as_run_service(&careful.service);
  show("careful", &careful.service, rc);
  rc = as_run_service(&twice.service);
  show("twice", &twice.service, rc);
  printf("peer: exit -> %d\n", as_background_service_exit(pm, 0));
  as_service_destroy(&hasty.service);
  as_service_destroy(&careful.service);
  as_service_destroy(&twice.service);
  as_service_destroy(&p.service);
  return 0;
}

int main(void)
{
  return anyc_run(app, NULL);
}
