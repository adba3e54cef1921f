/* shapes.c — probe3: run shapes: a self parameter named svc, self->name read, a void*
 * cast, a return inside a switch inside a loop, a daemon, is_running loops, a while loop
 * scheduling with computed names, as_wait_for and as_run with a function pointer. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <async_service.h>

struct farm {
    as_service service;
    int crops[5];
    int daemon_rounds;
    int limit;
};

static int grow(void *arg)
{
    int *c = arg;
    int rc = as_sleep(0.001);
    if (rc)
        return rc;
    (*c)++;
    return 0;
}

static int tend(void *arg)
{
    struct farm *f = arg;
    while (as_is_running(f->service.manager)) {
        if (as_sleep(0.0005) != 0)
            break;
        f->daemon_rounds++;
        if (f->daemon_rounds >= 3)
            break;
    }
    return 0;
}

static int farm_run(as_service *svc)
{
    struct farm *f = (void *)svc;
    int i = 0, rc;
    char label[16];

    printf("%s: starting\n", svc->name);
    rc = as_run_daemon_task(svc->manager, tend, f, "tend");
    if (rc != 0)
        return rc;
    while (i < 5) {
        switch (i % 3) {
        case 0:
            snprintf(label, sizeof label, "grow%d", i);
            rc = as_run_task(svc->manager, grow, &f->crops[i], label);
            if (rc != 0)
                return rc;
            break;
        case 1:
            rc = as_run_task(svc->manager, grow, &f->crops[i], NULL);
            if (rc != 0)
                return rc;
            break;
        default:
            if (i >= f->limit)
                return -ERANGE;
            rc = as_run_task(svc->manager, grow, &f->crops[i], "grow-late");
            if (rc != 0)
                return rc;
        }
        i++;
    }
    return 0;
}

static int quick(void *arg)
{
    int *n = arg;
    *n = 42;
    return as_sleep(0.001);
}

static int wait_main(void *arg)
{
    int *n = arg;
    int rc = as_wait_for(quick, n, 0.5);
    printf("wait_for: rc=%d n=%d\n", rc, *n);
    return rc;
}

int main(void)
{
    int lim, n = 0;
    as_task_fn entry = wait_main;
    for (lim = 2; lim <= 5; lim += 3) {
        struct farm f;
        memset(&f, 0, sizeof f);
        f.limit = lim;
        as_service_init(&f.service, farm_run, "farm");
        int rc = as_run_service(&f.service);
        printf("limit %d: rc=%d crops=%d%d%d%d%d\n", lim, rc, f.crops[0], f.crops[1],
               f.crops[2], f.crops[3], f.crops[4]);
        as_service_destroy(&f.service);
    }
    printf("as_run: %d\n", as_run(entry, &n));
    return 0;
}
