/* two.c — probe3 hdrsvc: runs another counter, then the first file's. */
#include <stdio.h>
#include "counter.h"

int run_one(void);

int main(void)
{
    struct counter c = { .n = 10 };
    as_service_init(&c.service, counter_run, "two");
    int rc = as_run_service(&c.service);
    printf("two: rc=%d n=%d\n", rc, c.n);
    as_service_destroy(&c.service);
    return run_one() | rc;
}
