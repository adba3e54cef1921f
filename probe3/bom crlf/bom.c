/* bom.c — probe3: a UTF-8 BOM, CRLF line ends, a very long line, no trailing newline,
 * in a folder whose name has a space.  Ünïcödé in a comment: naïve café. */
#include <stdio.h>

#include <async_service.h>

struct ticker { as_service service; int ticks; };

static int tick(void *arg) { struct ticker *t = arg; int rc; while ((rc = as_sleep(0.001)) == 0 && t->ticks < 5) t->ticks++; return 0; }

static int ticker_run(as_service *self)
{
    struct ticker *t = (struct ticker *)self;   /* «self» is the ticker */
    int rc = as_run_task(self->manager, tick, t, "tick-with-a-rather-long-name-" "that-goes-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on");
    return rc;
}

int main(void)
{
    struct ticker t = { .ticks = 0 };
    as_service_init(&t.service, ticker_run, "ticker");
    int rc = as_run_service(&t.service);
    printf("rc=%d ticks=%d\n", rc, t.ticks);
    as_service_destroy(&t.service);
    return rc;
}