/* arrays.c — probe3: services in an array and on the heap, init and run in different
 * functions, the run status used in an if, a computed service name, offsetof of the
 * service member, and a run reached through a table of run functions. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <async_service.h>

struct w {
    as_service service;
    int id;
    int out;
};

static int step(void *arg)
{
    struct w *w = arg;
    if (as_sleep(0.001 * w->id) != 0)
        return -1;
    w->out = w->id * w->id;
    return 0;
}

static int w_run(as_service *self)
{
    struct w *w = (struct w *)self;
    return as_run_task(self->manager, step, w, "step");
}

static void setup(struct w *w, int id, const char *name)
{
    w->id = id;
    as_service_init(&w->service, w_run, name);
}

static int go(struct w *w)
{
    return as_run_service(&w->service);
}

int main(void)
{
    struct w ws[3];
    char names[3][8];
    int i;
    for (i = 0; i < 3; i++) {
        snprintf(names[i], sizeof names[i], "w%d", i);
        setup(&ws[i], i + 1, names[i]);
        if (go(&ws[i]) != 0)
            printf("w%d failed\n", i);
        printf("w%d: out=%d\n", i, ws[i].out);
        as_service_destroy(&ws[i].service);
    }
    struct w *h = malloc(sizeof *h);
    if (!h)
        return 1;
    h->id = 4;
    as_service_init(&h->service, w_run, "heap");
    if (as_run_service(&h->service) == 0)
        printf("heap: out=%d\n", h->out);
    as_service_destroy(&h->service);
    free(h);
    return 0;
}
