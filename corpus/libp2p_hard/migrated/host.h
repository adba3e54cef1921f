/* host.h — a libp2p-style host whose connections are scheduled from code the service
 * does not own (listener callbacks, synchronous methods), py-libp2p's hard cases. */
#ifndef HOST_H
#define HOST_H

#include <async_service.h>

struct host {
  as_service service;
  int open_conns, closed_conns;
  int blacklisted[8];
};

void host_init(struct host *h);
/* Called by the transport's listener (not a task of the service). */
int host_add_conn(struct host *h, int conn_id);
/* A synchronous method that schedules work (py-libp2p's add_to_blacklist). */
int host_blacklist(struct host *h, int peer);
/* Close the host from outside: stop the service if it ever ran. */
int host_close(struct host *h);

#endif
