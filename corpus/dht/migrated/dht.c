/* dht.c — the DHT service.  A lookup that cannot find its key fails with -ENOENT and
 * a message; that failure propagates: it cancels the service and is what
 * as_run_service() returns. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dht.h"

struct query {
  struct dht *dht;
  const char *key;
  int done;
};

static struct query pending[8];
static int npending;

static int refresh_routing_table(void *arg)
{
  struct dht *d = arg;
  for (;;) {
    int rc = anyc_sleep(0.001);
    if (rc)
      return rc;
    d->refreshes++;
  }
}

static int lookup(void *arg)
{
  struct query *q = arg;
  int rc = anyc_sleep(0.001); /* ask the closest peers */
  if (rc)
    return rc;
  for (int i = 0; i < DHT_KEYS; i++)
    if (q->dht->keys[i] && strcmp(q->dht->keys[i], q->key) == 0) {
      printf("dht: %s -> %s\n", q->key, q->dht->values[i]);
      q->done = 1;
      return 0;
    }
  return anyc_fail(-ENOENT, "key %s not found on any peer", q->key);
}

int dht_query(struct dht *d, const char *key)
{
  struct query *q = &pending[npending++];
  q->dht = d;
  q->key = key;
  return as_run_task(d->service.manager, lookup, q, key);
}

static int dht_run(as_service *self)
{
  struct dht *d = (struct dht *)self;
  int rc = as_run_daemon_task(self->manager, refresh_routing_table, d, NULL);
  if (rc)
    return rc;
  /* Queries one after another: each waits for the previous answer. */
  static const char *const wanted[] = {"alpha", "beta", "missing", "gamma"};
  for (size_t i = 0; i < sizeof wanted / sizeof *wanted; i++) {
    if ((rc = dht_query(d, wanted[i])) != 0)
      return rc;
    struct query *q = &pending[npending - 1];
    while (!q->done)
      if ((rc = anyc_sleep(0.0005)) != 0) {
        printf("dht: stopped while waiting for %s\n", wanted[i]);
        return rc;
      }
  }
  return as_wait_finished(self->manager);
}

void dht_init(struct dht *d)
{
  memset(d, 0, sizeof *d);
  as_service_init(&d->service, dht_run, "KadDHT");
  d->keys[0] = "alpha", d->values[0] = "1";
  d->keys[1] = "beta", d->values[1] = "2";
  d->keys[2] = "gamma", d->values[2] = "3";
}
