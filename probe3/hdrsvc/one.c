/* one.c — probe3 hdrsvc: runs a counter. */
#include <stdio.h>
#include "counter.h"

int run_one(void);
int run_one(void)
{
    struct counter c = { .n = 0 };
    as_service_init(&c.service, counter_run, "one");
    int rc = as_run_service(&c.service);
    printf("one: rc=%d n=%d\n", rc, c.n);
    as_service_destroy(&c.service);
    return rc;
}
