/* host.c — the host service.  run() only parks; all the work arrives from outside. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>

#include "host.h"

struct conn {
  struct host *h;
  int id;
};
static struct conn conns[8];

static int conn_start(void *arg)
{
  struct conn *c = arg;
  printf("conn %d: open\n", c->id);
  c->h->open_conns++;
  int rc = 0;
  /* py-libp2p's polling loop: is_running stays true during shutdown, so the loop ends
   * by cancellation at its next checkpoint, not by the condition. */
  while (as_is_running(c->h->service.manager) && rc == 0)
    rc = anyc_sleep(0.001);
  c->h->closed_conns++;
  return rc;
}

int host_add_conn(struct host *h, int conn_id)
{
  conns[conn_id].h = h;
  conns[conn_id].id = conn_id;
  return as_run_task(h->service.manager, conn_start, &conns[conn_id], "conn_start");
}

static int do_blacklist(void *arg)
{
  int *slot = arg;
  *slot = 1;
  return 0;
}

int host_blacklist(struct host *h, int peer)
{
  return as_run_task(h->service.manager,
                     do_blacklist,
                     &h->blacklisted[peer],
                     "add_to_blacklist" /* shows up in task dumps */);
}

int host_close(struct host *h)
{
  if (!h->service.manager)   /* hasattr(self, "_manager"): never ran */
    return 0;
  return as_stop(h->service.manager);
}

static int host_run(as_service *self)
{
  return as_wait_finished(self->manager);
}

void host_init(struct host *h)
{
  as_service_init(&h->service, host_run, "Host");
}
