/* errmsg.c — where a recorded error's message comes from.  Each service fails once,
 * and the message it records is the one upstream's exception carries:
 *   dht:   run() opens a private nursery (the KadDHT shape) whose refresh task fails
 *          with a formatted anyc_fail; run returns the nursery's error;
 *   outer: a task runs another service with as_run_service, which fails; the task
 *          returns that error;
 *   host:  a task holds a background block of a service that fails; the task returns
 *          what the block's exit returned. */
#include <errno.h>
#include <stdio.h>

#include <async_service.h>

static void show(const char *who, const as_service *s, int rc)
{
  const as_manager *m = s->manager;
  printf("%s: run_service -> %s, errors=%zu\n", who, anyc_strerror(rc), as_error_count(m));
  for (size_t i = 0; i < as_error_count(m); i++) {
    int code;
    const char *msg;
    as_error_at(m, i, &code, &msg);
    printf("%s: error %zu: %s: %s\n", who, i, anyc_strerror(code), msg ? msg : "(none)");
  }
}

/* ---- dht ---- */
static int refresh(void *arg)
{
  (void)arg;
  int rc = as_sleep(0.0005);
  return rc ? rc : anyc_fail(-ETIMEDOUT, "refresh: bucket %d timed out after %.1fs", 3, 2.5);
}

static int main_loop(void *arg)
{
  (void)arg;
  int rc;
  while ((rc = as_sleep(0.0002)) == 0)
    ;
  return rc;
}

static int dht_run(as_service *self)
{
  (void)self;
  anyc_group g;
  int rc = anyc_group_open(&g);
  if (rc)
    return rc;
  if ((rc = anyc_start_soon_named(&g, "refresh", refresh, NULL)) == 0)
    rc = anyc_start_soon_named(&g, "main_loop", main_loop, NULL);
  return anyc_group_close(&g, rc);
}

/* ---- outer ---- */
struct outer {
  as_service service;
  as_service inner;
};

static int inner_run(as_service *self)
{
  (void)self;
  int rc = as_sleep(0.0005);
  return rc ? rc : anyc_fail(-EPROTO, "inner: bad frame %#x from %s", 0x7f, "peer-2");
}

static int sub(void *arg)
{
  struct outer *o = arg;
  return as_run_service(&o->inner);
}

static int outer_run(as_service *self)
{
  struct outer *o = (struct outer *)self;
  int rc = as_run_task(self->manager, sub, o, "sub");
  return rc ? rc : as_wait_finished(self->manager);
}

/* ---- host ---- */
struct host {
  as_service service;
  as_service leaf;
};

static int leaf_run(as_service *self)
{
  (void)self;
  int rc = as_sleep(0.0005);
  return rc ? rc : anyc_fail(-ECONNRESET, "leaf: peer %s reset the stream", "QmPeer");
}

static int holder(void *arg)
{
  struct host *h = arg;
  as_manager *m;
  int rc = as_background_service_enter(&h->leaf, &m);
  if (rc)
    return rc;
  rc = as_sleep(10); /* cancelled when the leaf fails */
  return as_background_service_exit(m, rc);
}

static int host_run(as_service *self)
{
  struct host *h = (struct host *)self;
  int rc = as_run_task(self->manager, holder, h, "holder");
  return rc ? rc : as_wait_finished(self->manager);
}

int main(void)
{
  as_service dht;
  as_service_init(&dht, dht_run, "dht");
  show("dht", &dht, as_run_service(&dht));

  static struct outer o;
  as_service_init(&o.service, outer_run, "outer");
  as_service_init(&o.inner, inner_run, "inner");
  show("outer", &o.service, as_run_service(&o.service));
  show("inner", &o.inner, 0);
  printf("inner: cancelled=%d finished=%d\n", as_is_cancelled(o.inner.manager),
         as_is_finished(o.inner.manager));

  static struct host h;
  as_service_init(&h.service, host_run, "host");
  as_service_init(&h.leaf, leaf_run, "leaf");
  show("host", &h.service, as_run_service(&h.service));

  as_service_destroy(&dht);
  as_service_destroy(&o.inner);
  as_service_destroy(&o.service);
  as_service_destroy(&h.leaf);
  as_service_destroy(&h.service);
  return 0;
}
