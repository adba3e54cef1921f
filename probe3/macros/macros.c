/* macros.c — probe3: legacy calls behind macros, inside switch/case and do-while,
 * K&R braces with tabs. */
#include <errno.h>
#include <stdio.h>

#include <async_service.h>

#define SPAWN(m, fn, arg) as_run_task((m), (fn), (arg), #fn)
#define NAP(s) as_sleep(s)
#define CHECK(expr) do { int rc_ = (expr); if (rc_ < 0) return rc_; } while (0)

struct router {
	as_service service;
	int mode;
	int hits[3];
};

static int route_a(void *arg) {
	int *h = arg;
	CHECK(NAP(0.001));
	*h += 1;
	return 0;
}

static int route_b(void *arg) {
	int *h = arg;
	int n = 0;
	do {
		if (as_sleep(0.0005) < 0)
			return -ECANCELED;
		n++;
	} while (n < 3);
	*h += n;
	return 0;
}

static int router_run(as_service *self) {
	struct router *r = (struct router *)self;
	int rc = 0;
	switch (r->mode) {
	case 0:
		rc = as_run_task(self->manager, route_a, &r->hits[0], "a");
		break;
	case 1:
		rc = as_run_task(self->manager, route_b, &r->hits[1], "b");
		if (rc < 0)
			return rc;
		/* fall through */
	case 2:
		rc = as_run_task(self->manager, route_a, &r->hits[2], "a2");
		break;
	default:
		return -EINVAL;
	}
	return rc;
}

int main(void) {
	int mode, total = 0;
	for (mode = 0; mode < 4; mode++) {
		struct router r = { .mode = mode };
		as_service_init(&r.service, router_run, "router");
		int rc = as_run_service(&r.service);
		printf("mode %d: rc=%d hits=%d,%d,%d\n", mode, rc, r.hits[0], r.hits[1], r.hits[2]);
		as_service_destroy(&r.service);
		total += rc != 0;
	}
	return total == 1 ? 0 : 1;
}
