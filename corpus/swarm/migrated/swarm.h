/* swarm.h — a Swarm service: a real TCP listener, one handler task per connection
 * and a cleanup daemon. */
#ifndef SWARM_H
#define SWARM_H

#include <async_service.h>

struct swarm {
  as_service service;
  anyc_listener *listener;
  int port;               /* bound port, once listening */
  int handled, live;
  int reaped;
};

void swarm_init(struct swarm *s);

#endif
