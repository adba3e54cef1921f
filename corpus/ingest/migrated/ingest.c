/* ingest.c — an ingestion pipeline: the ingest service runs a parser child service
 * and a validator task.  The validator rejects a record (anyc_fail with a message);
 * the parser's reader fails again while shutting down.  Both errors are recorded in
 * order; run_service returns the first.  The service is run from inside a task. */
#include <errno.h>
#include <stdio.h>

#include <async_service.h>

struct parser {
    as_service service;
    int records;
};

struct ingest {
    as_service service;
    struct parser parser;
    int bad_record;
};

static int reader(void *arg)
{
    struct parser *p = arg;
    for (;;) {
        int rc = anyc_sleep(0.0005);
        if (rc == -ECANCELED)
            return -EBADMSG;           /* a half-read record cannot be put back */
        if (rc)
            return rc;
        p->records++;
    }
}

static int parser_run(as_service *self)
{
    struct parser *p = (struct parser *)self;
    int rc;
    switch ((rc = as_run_task(self->manager, reader, p, "reader"))) {
    case 0:
        break;
    default:
        return rc;
    }
    return as_wait_finished(self->manager);
}

static int validator(void *arg)
{
    struct ingest *in = arg;
    while (in->parser.records < 3)
        if (anyc_sleep(0.0002) != 0)
            return -ECANCELED;
    return anyc_fail(-EINVAL, "bad record %d", in->bad_record);
}

static int ingest_run(as_service *self)
{
    struct ingest *in = (struct ingest *)self;
    int rc = as_run_child_service(self->manager, &in->parser.service, "parser");
    if (rc) return rc;
    /* The parser is attached but not started yet. */
    as_manager *pm = in->parser.service.manager;
    printf("ingest: parser attached=%d cancel=%s schedule=%s\n", pm != NULL,
           as_cancel(pm) == AS_ELIFECYCLE ? "refused" : "accepted",
           as_run_task(pm, validator, in, "early") == AS_ELIFECYCLE ? "refused" : "accepted");
    rc = as_run_task(self->manager, validator, in, "validator");
    if (rc) return rc;
    return as_wait_finished(self->manager);
}

static int pipeline(void *arg)
{
    struct ingest *in = arg;
    int rc = as_run_service(&in->service);      /* runs here, inside this task */
    as_manager *m = in->service.manager;
    printf("ingest: run_service -> %s\n", anyc_strerror(rc));
    for (size_t i = 0; i < as_error_count(m); i++) {
        int code;
        const char *msg;
        as_error_at(m, i, &code, &msg);
        printf("ingest: error %zu: %s%s%s\n", i, anyc_strerror(code), msg ? ": " : "",
               msg ? msg : "");
    }
    printf("ingest: parser cancelled=%d did_error=%d\n",
           as_is_cancelled(in->parser.service.manager),
           as_did_error(in->parser.service.manager));
    printf("ingest: second run -> %s\n",
           as_run_service(&in->service) == AS_ELIFECYCLE ? "AS_ELIFECYCLE" : "ran again?!");
    return rc;
}

int main(void)
{
    static struct ingest in = { .bad_record = 3 };
    as_service_init(&in.parser.service, parser_run, "parser");
    as_service_init(&in.service, ingest_run, "ingest");
    int rc = anyc_run(pipeline, &in);
    as_service_destroy(&in.parser.service);
    as_service_destroy(&in.service);
    return rc == -EINVAL ? 0 : 1;
}
