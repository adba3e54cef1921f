/* tasks.c — probe3 multi: the crawler's task, in its own file. */
#include <stdio.h>
#include "crawler.h"

int crawler_fetch(void *arg)
{
    int *slot = arg;
    int rc = as_sleep(0.001 * (*slot + 1));
    if (rc < 0)
        return rc;
    *slot += 100;
    return 0;
}
