/* dht.h — a toy Kademlia-style DHT service: a routing-table refresh daemon and lookups
 * run as tasks of the service. */
#ifndef DHT_H
#define DHT_H

#include <async_service.h>

#define DHT_KEYS 4

struct dht {
  as_service service;
  const char *keys[DHT_KEYS];
  const char *values[DHT_KEYS];
  int refreshes;
};

void dht_init(struct dht *d);
/* Schedule a lookup of `key` as a task of the service: prints the value, or fails. */
int dht_query(struct dht *d, const char *key);

#endif
