/* main.c — the owner: runs the pool in a background block, sends it one request as a
 * root task, then cancels it and waits for it by hand before leaving the block. */
#include <errno.h>
#include <stdio.h>

#include "pool.h"

static int request(void *arg)
{
  struct pool *p = arg;
  int rc = anyc_sleep(0.0005);
  if (rc)
    return rc;
  p->served++;
  return 0;
}

static void print_stats(const char *when, as_manager *m)
{
  as_stats st;
  as_get_stats(m, &st);
  printf("owner: %s: total=%lu finished=%lu pending=%lu\n", when, st.total_count,
         st.finished_count, st.pending_count);
}

static int owner(void *arg)
{
  struct pool *p = arg;
  as_manager *m = NULL;
  int rc = as_background_service_enter(&p->service, &m);
  if (rc)
    return rc;
  while (p->open < POOL_CONNS)
    if ((rc = anyc_sleep(0.0002)))
      goto leave;
  print_stats("all open", m);

  if ((rc = as_run_task(m, request, p, "request")))
    goto leave;
  while (!p->served)
    if ((rc = anyc_sleep(0.0002)))
      goto leave;
  print_stats("served", m);

  as_cancel(m);
  rc = as_wait_finished(m);
  printf("owner: wait_finished=%d cancelled=%d finished=%d did_error=%d errors=%zu closed=%d\n",
         rc, as_is_cancelled(m), as_is_finished(m), as_did_error(m), as_error_count(m),
         p->closed);
  print_stats("finished", m);
leave:
  rc = as_background_service_exit(m, rc);
  printf("owner: exit -> %s\n", anyc_strerror(rc));
  return rc;
}

int main(void)
{
  static struct pool p;
  pool_setup(&p);
  int rc = anyc_run(owner, &p);
  as_service_destroy(&p.service);
  return rc == -EPIPE ? 0 : 1;
}
