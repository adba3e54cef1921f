/* relay.c — a relay whose run() only wires things up and returns: a pump task and a
 * codec child service (whose own run() also returns at once, leaving its framer task)
 * keep the service running.  The owner holds it in a background block, reads the flags
 * and stats at every stage, lets the pump and then the codec end on their own, and the
 * service finishes without ever being cancelled. */
#include <errno.h>
#include <stdio.h>

#include <async_service.h>

struct codec {
  as_service service;
  anyc_event go;
  int framer_up, framed;
};

struct relay {
  as_service service;
  struct codec codec;
  anyc_event pump_go;
  int pumped, pump_done, run_returned;
};

static void show(const char *who, const char *when, const as_manager *m)
{
  as_stats st;
  as_get_stats(m, &st);
  printf("%s: %s: started=%d running=%d cancelled=%d finished=%d error=%d "
         "total=%lu finished=%lu pending=%lu\n",
         who, when, as_is_started(m), as_is_running(m), as_is_cancelled(m),
         as_is_finished(m), as_did_error(m), st.total_count, st.finished_count,
         st.pending_count);
}

static int framer(void *arg)
{
  struct codec *c = arg;
  c->framer_up = 1;
  int rc = anyc_event_wait(&c->go);
  if (rc)
    return rc;
  c->framed = 1;
  return 0;
}

static int codec_run(as_service *self)
{
  struct codec *c = (struct codec *)self;
  return as_run_task(self->manager, framer, c, "framer");
}

static int pump(void *arg)
{
  struct relay *r = arg;
  int rc = anyc_event_wait(&r->pump_go);
  if (rc)
    return rc;
  for (int i = 0; i < 3; i++) {
    if ((rc = as_sleep(0.0005)))
      return rc;
    r->pumped++;
  }
  r->pump_done = 1;
  return 0;
}

static int relay_run(as_service *self)
{
  struct relay *r = (struct relay *)self;
  int rc = as_run_task(self->manager, pump, r, "pump");
  if (rc)
    return rc;
  rc = as_run_child_service(self->manager, &r->codec.service, "codec");
  if (rc)
    return rc;
  r->run_returned = 1;
  return 0;
}

static int owner(void *arg)
{
  struct relay *r = arg;
  as_manager *m;
  int rc = as_background_service_enter(&r->service, &m);
  if (rc)
    return rc;
  while (!r->run_returned)
    if ((rc = as_sleep(0.0002)))
      goto leave;
  show("relay", "run returned", m);
  if ((rc = as_wait_started(r->codec.service.manager)))
    goto leave;
  while (!r->codec.framer_up)
    if ((rc = as_sleep(0.0002)))
      goto leave;
  show("codec", "started", r->codec.service.manager);

  anyc_event_set(&r->pump_go);
  while (!r->pump_done)
    if ((rc = as_sleep(0.0002)))
      goto leave;
  if ((rc = as_sleep(0)))
    goto leave;
  printf("relay: pumped %d\n", r->pumped);
  show("relay", "pump done", m);

  anyc_event_set(&r->codec.go);
  if ((rc = as_wait_finished(r->codec.service.manager)))
    goto leave;
  show("codec", "finished", r->codec.service.manager);
  if ((rc = as_wait_finished(m)))
    goto leave;
  show("relay", "finished", m);
leave:
  rc = as_background_service_exit(m, rc);
  printf("relay: exit -> %d\n", rc);
  show("relay", "after exit", m);
  return rc;
}

int main(void)
{
  static struct relay r;
  as_service_init(&r.service, relay_run, "relay");
  as_service_init(&r.codec.service, codec_run, "codec");
  anyc_event_init(&r.pump_go);
  anyc_event_init(&r.codec.go);
  int rc = as_run(owner, &r);
  printf("main: as_run -> %d, framed=%d\n", rc, r.codec.framed);
  as_service_destroy(&r.codec.service);
  as_service_destroy(&r.service);
  return rc;
}
