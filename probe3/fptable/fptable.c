/* fptable.c — probe3: a table of task functions scheduled in a loop with computed names,
 * a goto-cleanup error path in run, and a service embedded at a non-first position. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <async_service.h>

struct stage {
    const char *label;
    as_task_fn fn;
};

struct pipeline {
    int id;
    int out[3];
    as_service service;      /* not the first member */
    char *scratch;
};

#define PIPELINE_OF(s) ((struct pipeline *)((char *)(s) - offsetof(struct pipeline, service)))

static int parse(void *arg)  { int *o = arg; if (as_sleep(0.003) < 0) return -ECANCELED; *o = 1; return 0; }
static int verify(void *arg) { int *o = arg; if (as_sleep(0.002) < 0) return -ECANCELED; *o = 2; return 0; }
static int emit(void *arg)   { int *o = arg; if (as_sleep(0.001) < 0) return -ECANCELED; *o = 3; return 0; }

static const struct stage stages[] = {
    { "parse", parse },
    { "verify", verify },
    { "emit", emit },
};

static int pipeline_run(as_service *self)
{
    struct pipeline *p = PIPELINE_OF(self);
    char name[32];
    size_t i;
    int rc = 0;

    p->scratch = malloc(16);
    if (!p->scratch) {
        rc = -ENOMEM;
        goto out;
    }
    for (i = 0; i < sizeof stages / sizeof stages[0]; i++) {
        snprintf(name, sizeof name, "stage-%zu-%s", i, stages[i].label);
        rc = as_run_task(self->manager, stages[i].fn, &p->out[i], name);
        if (rc < 0)
            goto out;
    }
out:
    free(p->scratch);
    p->scratch = NULL;
    printf("pipeline %d: cleanup rc=%d\n", p->id, rc);
    return rc;
}

int main(void)
{
    struct pipeline p = { .id = 9 };
    int rc;
    as_service_init(&p.service, pipeline_run, "pipeline");
    rc = as_run_service(&p.service);
    printf("rc=%d out=%d,%d,%d\n", rc, p.out[0], p.out[1], p.out[2]);
    as_service_destroy(&p.service);
    return rc ? 1 : 0;
}
