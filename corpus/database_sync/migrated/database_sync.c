/* database_sync.c — a DatabaseSync service: writes land in an in-memory table, a
 * flusher daemon writes dirty rows out periodically, and the rows still dirty when the
 * service is stopped are flushed on shutdown (in run's cleanup, without awaiting:
 * under Trio semantics an unshielded await there would be cancelled). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <async_service.h>

#define MAX_ROWS 16

typedef struct db_sync {
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
        int rc = anyc_sleep(db->interval);
        if (rc) return rc;
        if (flush_dirty(db, "periodic"))
            db->interval = 3600;   /* warmed up: from now on, sync hourly */
    }
}

static void db_write(db_sync *db, const char *value) {
    snprintf(db->rows[db->nrows], sizeof db->rows[0], "%s", value);
    db->dirty[db->nrows++] = 1;
}

static int db_sync_run(void *arg) {
    db_sync *db = arg;
    anyc_group tg;
    int rc2 = anyc_group_open(&tg);
    if (rc2 < 0) return rc2;
    int rc = anyc_start_soon_named(&tg, "flusher", flusher, db);
    if (rc) return anyc_group_close(&tg, rc);
    rc = anyc_group_close(&tg, anyc_sleep(INFINITY));   /* park until stopped */
    flush_dirty(db, "shutdown");
    return rc;
}

/* The application: write a batch, wait for it to be flushed, write more, stop. */
static int app(void *arg) {
    db_sync *db = arg;
    anyc_group tg;
    int rc = anyc_group_open(&tg);
    if (rc < 0) return rc;
    rc = anyc_start_soon_named(&tg, "DatabaseSync", db_sync_run, db);
    if (rc) return anyc_group_close(&tg, rc);
    db_write(db, "alice");
    db_write(db, "bob");
    db_write(db, "carol");
    while (db->flushes == 0 && (rc = anyc_sleep(0.001)) == 0) {
    }
    db_write(db, "dave");
    db_write(db, "erin");
#if 0
    as_run_task(m, compact_table, db, "compact");   /* disabled since 2019: too slow */
#endif
    anyc_group_cancel(&tg);
    rc = anyc_group_close(&tg, rc);
    printf("db: stopped rc=%d rows=%d flushes=%d\n", rc, db->nrows, db->flushes);
    return rc;
}

int main(void) {
    static db_sync db;
    memset(&db, 0, sizeof db);
    db.interval = 0.002;    /* the first sync comes quickly */
    return anyc_run(app, &db) ? 1 : 0;
}
