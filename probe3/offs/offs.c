/* offs.c — probe3: offsetof of the service member used by code, and a macro using it. */
#include <stddef.h>
#include <stdio.h>

#include <async_service.h>

struct w {
    int id;
    as_service service;
    int out;
};

#define W_OF(s) ((struct w *)((char *)(s) - offsetof(struct w, service)))

static int step(void *arg)
{
    struct w *w = arg;
    w->out = w->id * 2;
    return as_sleep(0.001);
}

static int w_run(as_service *self)
{
    struct w *w = W_OF(self);
    return as_run_task(self->manager, step, w, "step");
}

int main(void)
{
    struct w w = { .id = 21 };
    printf("service at %zu\n", offsetof(struct w, service) > 0 ? (size_t)1 : (size_t)0);
    as_service_init(&w.service, w_run, "w");
    int rc = as_run_service(&w.service);
    printf("rc=%d out=%d\n", rc, w.out);
    as_service_destroy(&w.service);
    return 0;
}
