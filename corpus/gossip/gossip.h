/* gossip.h — a toy gossip router: a heartbeat daemon maintains the mesh while the
 * service runs; messages are published as tasks of the router. */
#ifndef GOSSIP_H
#define GOSSIP_H

#include <async_service.h>

struct gossip {
	as_service service;
	int heartbeats;
	int mesh_ready;
	int delivered;
};

void gossip_init(struct gossip *g);
/* Publish `msg` from any task: delivered by a task of the router. */
int gossip_publish(struct gossip *g, const char *msg);

#endif
