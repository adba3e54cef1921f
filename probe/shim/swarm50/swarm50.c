/* swarm50.c — a swarm of 50 peer services, each with three tasks: even peers run as
 * child services, odd peers are run by a connection task of the swarm with
 * as_run_service (py-libp2p runs a connection's service inside a handler).  The swarm
 * cancels itself once all are up: child peers are stopped through their managers
 * (cancelled), inline peers are cancelled from outside (not marked cancelled).  Then a
 * second swarm runs with fresh peers in the same as_run: managers come and go. */
#include <errno.h>
#include <stdio.h>

#include <async_service.h>

#define NPEERS 50

struct peer {
  as_service service;
  int up, run_rc;
};

struct swarm {
  as_service service;
  struct peer peers[NPEERS];
  int all_up;
};

static int peer_task(void *arg)
{
  struct peer *p = arg;
  p->up++;
  int rc;
  while ((rc = as_sleep(0.002)) == 0)
    ;
  return rc;
}

static int peer_run(as_service *self)
{
  for (int i = 0; i < 3; i++) {
    int rc = as_run_task(self->manager, peer_task, self, "peer_task");
    if (rc)
      return rc;
  }
  return as_wait_finished(self->manager);
}

static int connection(void *arg)
{
  struct peer *p = arg;
  return p->run_rc = as_run_service(&p->service);
}

static int swarm_run(as_service *self)
{
  struct swarm *s = (struct swarm *)self;
  as_manager *m = self->manager;
  int rc;
  for (int i = 0; i < NPEERS; i++) {
    struct peer *p = &s->peers[i];
    rc = i % 2 ? as_run_task(m, connection, p, "connection")
               : as_run_child_service(m, &p->service, "peer");
    if (rc)
      return rc;
  }
  for (;;) {
    int up = 0;
    for (int i = 0; i < NPEERS; i++)
      up += s->peers[i].up == 3;
    if (up == NPEERS)
      break;
    if ((rc = as_sleep(0.001)))
      return rc;
  }
  s->all_up = 1;
  as_stats st;
  as_get_stats(m, &st);
  printf("swarm: all up: total=%lu finished=%lu pending=%lu\n", st.total_count,
         st.finished_count, st.pending_count);
  as_cancel(m);
  return 0;
}

static void report(struct swarm *s)
{
  int child_cancelled = 0, inline_cancelled = 0, finished = 0, errors = 0, inline_rc_ok = 0;
  unsigned long peer_total = 0, peer_done = 0;
  for (int i = 0; i < NPEERS; i++) {
    as_manager *pm = s->peers[i].service.manager;
    as_stats st;
    as_get_stats(pm, &st);
    peer_total += st.total_count;
    peer_done += st.finished_count;
    finished += as_is_finished(pm);
    errors += (int)as_error_count(pm);
    if (i % 2) {
      inline_cancelled += as_is_cancelled(pm);
      inline_rc_ok += s->peers[i].run_rc == -ECANCELED;
    } else {
      child_cancelled += as_is_cancelled(pm);
    }
  }
  printf("peers: finished=%d errors=%d tasks=%lu/%lu; child peers cancelled=%d/25, inline "
         "peers cancelled=%d/25, inline run_service -ECANCELED=%d/25\n",
         finished, errors, peer_done, peer_total, child_cancelled, inline_cancelled,
         inline_rc_ok);
}

static int app(void *arg)
{
  (void)arg;
  for (int round = 1; round <= 2; round++) {
    static struct swarm s;
    as_service_init(&s.service, swarm_run, "swarm");
    for (int i = 0; i < NPEERS; i++) {
      as_service_init(&s.peers[i].service, peer_run, "peer");
      s.peers[i].up = 0;
      s.peers[i].run_rc = 1;
    }
    int rc = as_run_service(&s.service);
    as_stats st;
    as_get_stats(s.service.manager, &st);
    printf("swarm round %d: run_service -> %d, cancelled=%d errors=%zu total=%lu finished=%lu\n",
           round, rc, as_is_cancelled(s.service.manager), as_error_count(s.service.manager),
           st.total_count, st.finished_count);
    report(&s);
    for (int i = 0; i < NPEERS; i++)
      as_service_destroy(&s.peers[i].service);
    as_service_destroy(&s.service);
  }
  return 0;
}

int main(void)
{
  return as_run(app, NULL);
}
