/* counter.h — probe3 hdrsvc: a whole service (struct, task, run) in a header that two
 * .c files include. */
#ifndef COUNTER_H
#define COUNTER_H
#include <async_service.h>

struct counter {
    as_service service;
    int n;
};

static inline int counter_bump(void *arg)
{
    struct counter *c = arg;
    int rc = as_sleep(0.001);
    if (rc < 0)
        return rc;
    c->n++;
    return 0;
}

static inline int counter_run(as_service *self)
{
    struct counter *c = (struct counter *)self;
    int i, rc;
    for (i = 0; i < 3; i++) {
        rc = as_run_task(self->manager, counter_bump, c, "bump");
        if (rc < 0)
            return rc;
    }
    return 0;
}
#endif
