/* blocks.c — probe3: background blocks the rewrite takes: an early return from the body
 * on a failed checkpoint, a body that fails on purpose, a service that fails and cancels
 * the body, and two blocks one after the other in one task. */
#include <errno.h>
#include <stdio.h>

#include <async_service.h>

struct pump {
    as_service service;
    int strokes;
    int fail_after;
};

static int stroke(void *arg)
{
    struct pump *p = arg;
    int rc;
    while ((rc = as_sleep(0.001)) == 0) {
        p->strokes++;
        if (p->fail_after && p->strokes >= p->fail_after)
            return -EPIPE;
    }
    return rc;
}

static int pump_run(as_service *self)
{
    struct pump *p = (struct pump *)self;
    return as_run_task(self->manager, stroke, p, "stroke");
}

static int use_pump(struct pump *p, double secs, int body_error)
{
    as_manager *m;
    int rc;
    as_service_init(&p->service, pump_run, "pump");
    rc = as_background_service_enter(&p->service, &m);
    if (rc < 0)
        return rc;
    rc = as_sleep(secs);
    if (rc == 0 && body_error)
        rc = body_error;
    rc = as_background_service_exit(m, rc);
    as_service_destroy(&p->service);
    return rc;
}

static int body(void *arg)
{
    (void)arg;
    struct pump a = { .fail_after = 0 }, b = { .fail_after = 0 }, c = { .fail_after = 3 };
    int rc = use_pump(&a, 0.01, 0);
    printf("a: rc=%d stroked=%d\n", rc, a.strokes > 0);
    rc = use_pump(&b, 0.01, -EBADMSG);
    printf("b: rc=%d stroked=%d\n", rc, b.strokes > 0);
    rc = use_pump(&c, 1.0, 0);
    printf("c: rc=%d strokes=%d\n", rc, c.strokes);
    return 0;
}

int main(void)
{
    printf("run: %d\n", as_run(body, NULL));
    return 0;
}
