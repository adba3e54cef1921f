/* pool.c — the pool's connections and its run(). */
#include <errno.h>
#include <stdio.h>

#include "pool.h"

static int conn_main(void *arg)
{
  struct conn *c = arg;
  c->pool->open++;
  int rc;
  do
    rc = anyc_sleep(0.001);
  while (rc == 0);
  c->pool->closed++;
  if (c->flush_fails)
    return -EPIPE;      /* the peer went away before our last flush */
  return rc;
}

static int pool_run(as_service *self)
{
  struct pool *p = (struct pool *)self;
  for (int i = 0; i < POOL_CONNS; i++)
    as_run_task(self->manager, conn_main, &p->conns[i], "conn");   /* status ignored */
  return 0;
}

void pool_setup(struct pool *p)
{
  for (int i = 0; i < POOL_CONNS; i++)
  {
    p->conns[i].pool = p;
    p->conns[i].id = i;
    p->conns[i].flush_fails = i == 1;
  }
  as_service_init(&p->service, pool_run, "pool");
}
