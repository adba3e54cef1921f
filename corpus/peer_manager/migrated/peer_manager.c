/* peer_manager.c — the PeerManager service: accept, discover and maintain daemons
 * feed peers into a queue; a processing daemon takes them off and runs one handshake
 * task per peer.  main() runs it in a background block until every peer is handled. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <async_service.h>

#include "peer_queue.h"

#define NPEERS 8

struct peer_manager
{
  as_service service;
  struct peer_queue queue;
  int handled[NPEERS + 1];
  int nhandled;
  int maintenance_rounds;
};

/* Every daemon of the manager is scheduled the same way. */
#define PM_DAEMON(pm, fn) as_run_daemon_task((pm)->service.manager, fn, (pm), #fn)

static int accept_peers(void *arg)
{
  struct peer_manager *pm = arg;
  for (int peer = 1; peer <= NPEERS / 2; peer++)
    {
      int rc = anyc_sleep(0.001);
      if (rc)
        return rc;
      peer_queue_push(&pm->queue, peer);
    }
  return as_wait_finished(pm->service.manager);
}

static int discover_peers(void *arg)
{
  struct peer_manager *pm = arg;
  for (int peer = NPEERS / 2 + 1; peer <= NPEERS; peer++)
    {
      int rc = anyc_sleep(0.0015);
      if (rc)
        return rc;
      peer_queue_push(&pm->queue, peer);
    }
  return as_wait_finished(pm->service.manager);
}

static int maintain_peers(void *arg)
{
  struct peer_manager *pm = arg;
  for (;;)
    {
      int rc = anyc_sleep(0.002);
      if (rc)
        return rc;
      pm->maintenance_rounds++;
    }
}

static int handshake(void *arg)
{
  int *slot = arg;
  int rc = anyc_sleep(0.0005);   /* the exchange itself */
  if (rc)
    return rc;
  *slot = 1;
  return 0;
}

static int process_peers(void *arg)
{
  struct peer_manager *pm = arg;
  for (;;)
    {
      int peer;
      if (peer_queue_pop(&pm->queue, &peer) == 0)
        {
          /* The handshake is a child of this daemon (it scheduled it). */
          int rc = as_run_task(pm->service.manager, handshake, &pm->handled[peer],
                               /* name: */ "handshake");
          if (rc)
            return rc;
          pm->nhandled++;
          continue;
        }
      int rc = anyc_sleep(0.0005);
      if (rc)
        return rc;
    }
}

static int peer_manager_run(as_service *self)
{
  struct peer_manager *pm = (struct peer_manager *)self;
  int rc;
  if ((rc = PM_DAEMON(pm, accept_peers)) || (rc = PM_DAEMON(pm, discover_peers)) ||
      (rc = PM_DAEMON(pm, maintain_peers)) || (rc = PM_DAEMON(pm, process_peers)))
    return rc;
  return as_wait_finished(self->manager);
}

static int all_handled(const struct peer_manager *pm)
{
  for (int p = 1; p <= NPEERS; p++)
    if (!pm->handled[p])
      return 0;
  return 1;
}

static int main_task(void *arg)
{
  struct peer_manager *pm = arg;
  as_manager *m;
  int rc = as_background_service_enter(&pm->service, &m);
  if (rc)
    return rc;
  printf("peer manager: started\n");
  int body = 0;
  while (!body && !all_handled(pm))
    body = anyc_sleep(0.001);
  printf("peer manager: handled %d peers:", pm->nhandled);
  for (int p = 1; p <= NPEERS; p++)
    if (pm->handled[p])
      printf(" %d", p);
  printf("\n");
  rc = as_background_service_exit(m, body);
  as_stats st;
  as_get_stats(m, &st);
  printf("peer manager: stopped rc=%d cancelled=%d errors=%zu tasks=%lu finished=%lu\n", rc,
         as_is_cancelled(m), as_error_count(m), st.total_count, st.finished_count);
  as_service_destroy(&pm->service);
  return rc;
}

int main(void)
{
  static struct peer_manager pm;
  memset(&pm, 0, sizeof pm);
  peer_queue_init(&pm.queue);
  as_service_init(&pm.service, peer_manager_run, "PeerManager");
  return anyc_run(main_task, &pm) == 0 ? 0 : 1;
}
