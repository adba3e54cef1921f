/* main.c — the application owns its own task group: the host runs in one task, the
 * listener in another, a stream handler in a third that uses as_wait_finished() as a
 * barrier.  Connections and blacklist entries are scheduled from outside the service;
 * after close() a guarded schedule is skipped and an unguarded one is refused. */
#include <errno.h>
#include <stdio.h>

#include "host.h"

static struct host h;
static int host_rc = -1, handler_released;

static int run_host(void *arg)
{
  (void)arg;
  host_rc = as_run_service(&h.service);
  return host_rc;
}

static int listener(void *arg)
{
  (void)arg;
  for (int id = 1; id <= 3; id++) {
    int rc = anyc_sleep(0.001);   /* accept() */
    if (rc) return rc;
    if (as_is_running(h.service.manager))
      host_add_conn(&h, id);
  }
  return 0;
}

static int stream_handler(void *arg)
{
  (void)arg;
  int rc = as_wait_finished(h.service.manager);   /* keep the stream until the host ends */
  handler_released = (rc == 0);
  return rc;
}

static int app(void *arg)
{
  (void)arg;
  anyc_group g;
  anyc_group_open(&g);
  anyc_start_soon(&g, run_host, NULL);
  int rc = anyc_sleep(0);
  if (!rc) rc = as_wait_started(h.service.manager);
  if (!rc) {
    anyc_start_soon(&g, stream_handler, NULL);
    anyc_start_soon(&g, listener, NULL);
  }
  while (!rc && h.open_conns < 3)
    rc = anyc_sleep(0.0005);
  printf("app: %d connections open\n", h.open_conns);
  if (!rc) rc = host_blacklist(&h, 2);
  if (!rc) rc = anyc_sleep(0.001);
  printf("app: peer 2 blacklisted=%d\n", h.blacklisted[2]);
  if (!rc) rc = host_close(&h);
  printf("app: closed, %d connections closed, running=%d\n", h.closed_conns,
         as_is_running(h.service.manager));
  if (as_is_running(h.service.manager))
    host_add_conn(&h, 4);
  else
    printf("app: host not running, connection 4 dropped\n");
  int late = host_blacklist(&h, 3);
  printf("app: late blacklist: %s\n", late == AS_ELIFECYCLE ? "lifecycle error" : "accepted");
  if (!rc) rc = host_close(&h);   /* closing twice is harmless */
  rc = anyc_group_close(&g, rc);
  printf("host: run_service returned %d, handler released=%d\n", host_rc, handler_released);
  as_service_destroy(&h.service);
  return rc;
}

int main(void)
{
  host_init(&h);
  return anyc_run(app, NULL) ? 1 : 0;
}
