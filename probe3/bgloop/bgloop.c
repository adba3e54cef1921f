/* bgloop.c — probe3: background blocks with goto cleanup, an enter inside an if, a block
 * per list entry with computed names, a body that fails, and nested blocks. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <async_service.h>

struct sensor {
    as_service service;
    int id;
    int samples;
};

static int sample(void *arg)
{
    struct sensor *s = arg;
    int rc;
    while ((rc = as_sleep(0.001)) == 0)
        s->samples++;
    return rc;
}

static int sensor_run(as_service *self)
{
    struct sensor *s = (struct sensor *)self;
    return as_run_task(self->manager, sample, s, "sample");
}

static int read_all(void *arg)
{
    int *total = arg;
    struct sensor *ss = calloc(3, sizeof *ss);
    as_manager *m = NULL;
    int rc = 0, i;

    if (!ss)
        return -ENOMEM;
    for (i = 0; i < 3; i++) {
        ss[i].id = i;
        as_service_init(&ss[i].service, sensor_run, "sensor");
        rc = as_background_service_enter(&ss[i].service, &m);
        if (rc < 0)
            goto out;
        rc = as_sleep(0.005);
        if (i == 2 && rc == 0)
            rc = -EIO;    /* the body fails on the last sensor */
        rc = as_background_service_exit(m, rc);
        printf("sensor %d: rc=%d sampled=%d\n", i, rc, ss[i].samples > 0);
        *total += ss[i].samples > 0;
        as_service_destroy(&ss[i].service);
        if (rc < 0)
            goto out;
    }
out:
    free(ss);
    printf("read_all: rc=%d\n", rc);
    return rc;
}

static int nested(void *arg)
{
    struct sensor *outer = arg, inner = { .id = 99 };
    as_manager *mo, *mi;
    int rc;

    as_service_init(&outer->service, sensor_run, "outer");
    as_service_init(&inner.service, sensor_run, "inner");
    if ((rc = as_background_service_enter(&outer->service, &mo)) != 0)
        return rc;
    rc = as_background_service_enter(&inner.service, &mi);
    if (rc == 0) {
        rc = as_sleep(0.003);
        rc = as_background_service_exit(mi, rc);
    }
    rc = as_background_service_exit(mo, rc);
    printf("nested: rc=%d outer=%d inner=%d\n", rc, outer->samples > 0, inner.samples > 0);
    as_service_destroy(&inner.service);
    as_service_destroy(&outer->service);
    return rc;
}

int main(void)
{
    int total = 0;
    struct sensor outer = { .id = 1 };
    int rc = as_run(read_all, &total);
    printf("main: rc=%d total=%d\n", rc, total);
    rc = as_run(nested, &outer);
    printf("main: nested rc=%d\n", rc);
    return 0;
}
