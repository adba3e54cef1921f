/* gossip.c — the router's run(): a heartbeat daemon, then park until stopped. */
#include <stdio.h>

#include "gossip.h"

static int heartbeat(void *arg) {
	struct gossip *g = arg;
	while (as_is_running(g->service.manager)) {
		int rc = anyc_sleep(0.0005);
		if (rc)
			return rc;
		if (++g->heartbeats == 2) {
			g->mesh_ready = 1;
			printf("gossip: mesh ready\n");
		}
	}
	return 0;
}

static int deliver(void *arg) {
	const char *msg = arg;
	int rc = anyc_sleep(0.0005);
	if (rc)
		return rc;
	printf("gossip: delivered '%s'\n", msg);
	return 0;
}

int gossip_publish(struct gossip *g, const char *msg) {
	/* Called from the application's task: the task is a root task of the router. */
	return as_run_task(g->service.manager, deliver, (void *)msg, "deliver");
}

static int gossip_run(as_service *self) {
	struct gossip *g = (struct gossip *)self;
	int rc = as_run_daemon_task(self->manager, heartbeat, g, "heartbeat");
	if (rc)
		return rc;
	return as_wait_finished(self->manager);
}

void gossip_init(struct gossip *g) {
	as_service_init(&g->service, gossip_run, "GossipSub");
	g->heartbeats = 0;
	g->mesh_ready = 0;
	g->delivered = 0;
}
