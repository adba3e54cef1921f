/* run.c — probe3 multi: the crawler's run, scheduling tasks defined in tasks.c. */
#include <stdio.h>
#include "crawler.h"

int crawler_run(as_service *self)
{
    struct crawler *c = (struct crawler *)self;
    int i;
    for (i = 0; i < c->pages; i++) {
        c->fetched[i] = i;
        int rc = as_run_task(self->manager, crawler_fetch, &c->fetched[i], "fetch");
        if (rc < 0)
            return rc;
    }
    printf("crawler: scheduled %d\n", c->pages);
    return 0;   /* the tasks keep the service alive */
}
