/* database_sync.c — a DatabaseSync service: writes land in an in-memory table, a
 * flusher daemon writes dirty rows out periodically, and the rows still dirty when the
 * service is stopped are flushed on shutdown (in run's cleanup, without awaiting:
 * under Trio semantics an unshielded await there would be cancelled). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <async_service.h>

#define MAX_ROWS 16

typedef struct db_sync {
    as_service service;
    char rows[MAX_ROWS][32];
    int dirty[MAX_ROWS];
    int nrows;
    int flushes;
    double interval;       /* seconds between periodic flushes */
} db_sync;

static int flush_dirty(db_sync *db, const char *why) {
    int n = 0;
    for (int i = 0; i < db->nrows; i++)
        if (db->dirty[i]) {
            db->dirty[i] = 0;
            n++;
        }
    if (n) {
        db->flushes++;
        printf("db: %s flush of %d row%s\n", why, n, n == 1 ? "" : "s");
    }
    return n;
}

static int flusher(void *arg) {
    db_sync *db = arg;
    for (;;) {
        int rc = as_sleep(db->interval);
        if (rc) return rc;
        if (flush_dirty(db, "periodic"))
            db->interval = 3600;   /* warmed up: from now on, sync hourly */
    }
}

static void db_write(db_sync *db, const char *value) {
    snprintf(db->rows[db->nrows], sizeof db->rows[0], "%s", value);
    db->dirty[db->nrows++] = 1;
}

static int db_sync_run(as_service *self) {
    db_sync *db = (db_sync *)self;
    int rc = as_run_daemon_task(self->manager, flusher, db, "flusher");
    if (rc) return rc;
    rc = as_wait_finished(self->manager);   /* park until stopped */
    flush_dirty(db, "shutdown");
    return rc;
}

/* The application: write a batch, wait for it to be flushed, write more, stop. */
static int app(void *arg) {
    db_sync *db = arg;
    as_manager *m;
    int rc = as_background_service_enter(&db->service, &m);
    if (rc) return rc;
    db_write(db, "alice");
    db_write(db, "bob");
    db_write(db, "carol");
    while (db->flushes == 0 && (rc = as_sleep(0.001)) == 0) {
    }
    db_write(db, "dave");
    db_write(db, "erin");
#if 0
    as_run_task(m, compact_table, db, "compact");   /* disabled since 2019: too slow */
#endif
    rc = as_background_service_exit(m, rc);
    printf("db: stopped rc=%d rows=%d flushes=%d\n", rc, db->nrows, db->flushes);
    as_service_destroy(&db->service);
    return rc;
}

int main(void) {
    static db_sync db;
    memset(&db, 0, sizeof db);
    db.interval = 0.002;    /* the first sync comes quickly */
    as_service_init(&db.service, db_sync_run, "DatabaseSync");
    return as_run(app, &db) ? 1 : 0;
}
