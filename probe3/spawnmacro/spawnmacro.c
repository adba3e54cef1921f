/* spawnmacro.c — probe3: run schedules through a macro that wraps as_run_task. */
#include <stdio.h>

#include <async_service.h>

#define SPAWN(m, fn, arg) as_run_task((m), (fn), (arg), #fn)

struct sm {
	as_service service;
	int n;
};

static int bump(void *arg) { struct sm *s = arg; s->n++; return 0; }

static int sm_run(as_service *self) {
	struct sm *s = (struct sm *)self;
	int rc = SPAWN(self->manager, bump, s);
	if (rc < 0)
		return rc;
	return as_run_task(self->manager, bump, s, "bump2");
}

int main(void) {
	struct sm s = {0};
	as_service_init(&s.service, sm_run, "sm");
	int rc = as_run_service(&s.service);
	printf("rc=%d n=%d\n", rc, s.n);
	as_service_destroy(&s.service);
	return 0;
}
