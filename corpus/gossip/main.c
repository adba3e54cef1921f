/* main.c — the application: run the router in a background block, publish two
 * messages once the mesh is ready, stop the router inside the block, leave it. */
#include <errno.h>
#include <stdio.h>

#include "gossip.h"

static int app(void *arg) {
	struct gossip *g = arg;
	as_manager *m;
	int rc = as_background_service_enter(&g->service, &m);
	if (rc < 0)
		return rc;
	printf("app: started=%d running=%d\n", as_is_started(m), as_is_running(m));
	while (!g->mesh_ready)
		if ((rc = as_sleep(0.0002)) != 0)
			goto leave;
	if ((rc = gossip_publish(g, "hello")) < 0)
		goto leave;
	if ((rc = gossip_publish(g, "world")) < 0)
		goto leave;
	rc = as_sleep(0.01);    /* both deliveries take 0.5 ms */
	if (rc)
		goto leave;
	rc = as_stop(m);
	printf("app: stopped rc=%d cancelled=%d finished=%d running=%d error=%d\n", rc,
	       as_is_cancelled(m), as_is_finished(m), as_is_running(m), as_did_error(m));
	/* Too late: the router is finished. */
	printf("app: late publish %s\n",
	       gossip_publish(g, "late") == AS_ELIFECYCLE ? "refused" : "accepted?!");
leave:
	return as_background_service_exit(m, rc);
}

int main(void) {
	static struct gossip g;
	gossip_init(&g);
	int rc = as_run(app, &g);
	printf("app: as_run: %s\n", anyc_strerror(rc));
	as_service_destroy(&g.service);
	return rc ? 1 : 0;
}
