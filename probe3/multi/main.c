/* main.c — probe3 multi: runs the crawler from main. */
#include <stdio.h>
#include "crawler.h"

int main(void)
{
    struct crawler c = { .pages = 4 };
    as_service_init(&c.service, crawler_run, "crawler");
    int rc = as_run_service(&c.service);
    printf("rc=%d fetched=%d,%d,%d,%d\n", rc, c.fetched[0], c.fetched[1], c.fetched[2],
           c.fetched[3]);
    as_service_destroy(&c.service);
    return rc ? 1 : 0;
}
