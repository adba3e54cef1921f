/* stopper.c — probe3: run starts a daemon and a worker, sleeps, cancels its own service,
 * then parks on wait-finished; another run stops its service after its worker is done;
 * the daemon counts beats while the service runs. */
#include <stdio.h>

#include <async_service.h>

struct hb {
    as_service service;
    int beats, worked;
};

static int beat(void *arg)
{
    struct hb *h = arg;
    while (as_is_running(h->service.manager)) {
        if (as_sleep(0.001) != 0)
            break;
        h->beats++;
    }
    return 0;
}

static int work(void *arg)
{
    struct hb *h = arg;
    int rc = as_sleep(0.002);
    if (rc == 0)
        h->worked = 1;
    return rc;
}

static int hb_run(as_service *self)
{
    struct hb *h = (struct hb *)self;
    int rc = as_run_daemon_task(self->manager, beat, h, "beat");
    if (rc < 0)
        return rc;
    rc = as_run_task(self->manager, work, h, "work");
    if (rc < 0)
        return rc;
    rc = as_sleep(0.02);
    if (rc < 0)
        return rc;
    as_cancel(self->manager);
    return as_wait_finished(self->manager);
}

int main(void)
{
    struct hb h = { .beats = 0 };
    as_service_init(&h.service, hb_run, "hb");
    int rc = as_run_service(&h.service);
    printf("rc=%d worked=%d beat=%d\n", rc, h.worked, h.beats > 3);
    as_service_destroy(&h.service);
    return 0;
}
