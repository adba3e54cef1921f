/* names.c — probe3: names the rewrite might take: a global `tg` and `arg` read by run,
 * a label right before run's first spawn, a `struct as_service` member spelled with its
 * tag, and the run's object cast from `(void *)`. */
#include <stdio.h>

#include <async_service.h>

static int tg = 5;          /* a global the run reads */
static int arg = 7;
static int rc2 = 11;

struct job {
    struct as_service base;
    int done;
    int tries;
};

static int work(void *p)
{
    struct job *j = p;
    j->done += tg;
    return 0;
}

static int job_run(as_service *self)
{
    struct job *j = (struct job *)self;
    int rc;
again:
    rc = as_run_task(self->manager, work, j, "work");
    if (rc < 0)
        return rc;
    if (++j->tries < 2)
        goto again;
    printf("job: tg=%d arg=%d rc2=%d\n", tg, arg, rc2);
    return 0;
}

int main(void)
{
    struct job j = { .done = 0 };
    as_service_init(&j.base, job_run, "job");
    int rc = as_run_service(&j.base);
    printf("rc=%d done=%d tries=%d\n", rc, j.done, j.tries);
    as_service_destroy(&j.base);
    return 0;
}
