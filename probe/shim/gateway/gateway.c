/* gateway.c — services run every way legacy code ran them: as_run from main, a nested
 * as_run refused, as_run_service inside a task (the gateway), inside a task of a
 * service (the session: cancelled from outside when the gateway stops, so it is not
 * marked cancelled and its run_service returns -ECANCELED), as a background block held
 * by a service task (pubsub), and from a blocking worker thread (batch: a runtime of its
 * own on that thread). */
#include <errno.h>
#include <stdio.h>

#include <async_service.h>

struct batch {
  as_service service;
  int parts[3], sum;
};

struct gateway {
  as_service service;
  as_service session, pubsub;
  struct batch batch;
  int keepalive_up, pubsub_up, offload_done;
  int session_rc, holder_body, holder_exit, offload_rc, batch_rc;
};

static struct gateway gw;

static int keepalive(void *arg)
{
  (void)arg;
  gw.keepalive_up = 1;
  int rc;
  while ((rc = as_sleep(0.0005)) == 0)
    ;
  return rc;
}

static int session_run(as_service *self)
{
  int rc = as_run_task(self->manager, keepalive, NULL, "keepalive");
  return rc ? rc : as_wait_finished(self->manager);
}

static int session_task(void *arg)
{
  (void)arg;
  return gw.session_rc = as_run_service(&gw.session);
}

static int pubsub_run(as_service *self)
{
  gw.pubsub_up = 1;
  return as_wait_finished(self->manager);
}

static int pubsub_holder(void *arg)
{
  (void)arg;
  as_manager *m;
  int rc = as_background_service_enter(&gw.pubsub, &m);
  if (rc)
    return rc;
  gw.holder_body = as_wait_finished(gw.service.manager); /* serve until the gateway ends */
  return gw.holder_exit = as_background_service_exit(m, gw.holder_body);
}

static int add_part(void *arg)
{
  int *part = arg;
  int rc = as_sleep(0.0002);
  if (rc)
    return rc;
  gw.batch.sum += *part;
  return 0;
}

static int batch_run(as_service *self)
{
  struct batch *b = (struct batch *)self;
  for (int i = 0; i < 3; i++) {
    int rc = as_run_task(self->manager, add_part, &b->parts[i], "part");
    if (rc)
      return rc;
  }
  return 0;
}

static int offload_thread(void *arg)
{
  (void)arg;
  return gw.batch_rc = as_run_service(&gw.batch.service); /* a fresh loop, this thread */
}

static int offload(void *arg)
{
  (void)arg;
  gw.offload_rc = as_to_thread(offload_thread, NULL);
  gw.offload_done = 1;
  return gw.offload_rc;
}

static int gateway_run(as_service *self)
{
  as_manager *m = self->manager;
  int rc;
  if ((rc = as_run_task(m, session_task, NULL, "session")) ||
      (rc = as_run_task(m, pubsub_holder, NULL, "pubsub")) ||
      (rc = as_run_task(m, offload, NULL, "offload")))
    return rc;
  while (!gw.keepalive_up || !gw.pubsub_up || !gw.offload_done)
    if ((rc = as_sleep(0.0005)))
      return rc;
  printf("gateway: all up; session running=%d, pubsub running=%d\n",
         as_is_running(gw.session.manager), as_is_running(gw.pubsub.manager));
  as_stats st;
  as_get_stats(m, &st);
  printf("gateway: total=%lu finished=%lu pending=%lu\n", st.total_count, st.finished_count,
         st.pending_count);
  return as_cancel(m);
}

static int never(void *arg)
{
  (void)arg;
  return 0;
}

static int app(void *arg)
{
  (void)arg;
  printf("app: nested as_run -> %s\n", anyc_strerror(as_run(never, NULL)));
  int rc = as_run_service(&gw.service);
  printf("app: gateway run_service -> %d\n", rc);
  return rc;
}

static void show(const char *who, const as_service *s)
{
  const as_manager *m = s->manager;
  printf("%s: started=%d running=%d cancelled=%d finished=%d errors=%zu\n", who,
         as_is_started(m), as_is_running(m), as_is_cancelled(m), as_is_finished(m),
         as_error_count(m));
}

int main(void)
{
  as_service_init(&gw.service, gateway_run, "gateway");
  as_service_init(&gw.session, session_run, "session");
  as_service_init(&gw.pubsub, pubsub_run, "pubsub");
  as_service_init(&gw.batch.service, batch_run, "batch");
  for (int i = 0; i < 3; i++)
    gw.batch.parts[i] = i + 1;
  int rc = as_run(app, NULL);
  printf("main: as_run -> %d\n", rc);
  printf("session: run_service -> %s\n", anyc_strerror(gw.session_rc));
  printf("pubsub: body -> %s, exit -> %s\n", anyc_strerror(gw.holder_body),
         anyc_strerror(gw.holder_exit));
  printf("batch: to_thread -> %d, run_service -> %d, sum=%d\n", gw.offload_rc, gw.batch_rc,
         gw.batch.sum);
  show("gateway", &gw.service);
  show("session", &gw.session);
  show("pubsub", &gw.pubsub);
  show("batch", &gw.batch.service);
  as_service_destroy(&gw.service);
  as_service_destroy(&gw.session);
  as_service_destroy(&gw.pubsub);
  as_service_destroy(&gw.batch.service);
  return 0;
}
