/* tree.c — a node with two child services: a cache (non-daemon child with a worker
 * task) and a metrics reporter (daemon child).  The node cancels itself once both are
 * ready; shutdown must stop each child's tasks before the child's run, and the
 * children before the node.  The order is recorded and checked after the run. */
#include <errno.h>
#include <stdio.h>

#include <async_service.h>

static int seq;                 /* shutdown order */

typedef struct {
    as_service svc;
    int ready;
    int worker_stop, run_stop;
} cache_t;

typedef struct {
    as_service svc;
    int ready;
    int run_stop;
    int reports;
} metrics_t;

typedef struct {
    as_service svc;
    cache_t cache;
    metrics_t metrics;
} node_t;

static int cache_worker(void *arg) {
    cache_t *c = arg;
    int rc;
    c->ready = 1;
    while ((rc = as_sleep(0.0005)) == 0)
        ;
    c->worker_stop = ++seq;
    return rc;
}

static int cache_run(as_service *self) {
    cache_t *c = (cache_t *)self;
    int rc = as_run_task(self->manager, cache_worker, c, "cache_worker");
    if (rc)
        return rc;
    rc = as_wait_finished(self->manager);
    c->run_stop = ++seq;
    return rc;
}

static int metrics_run(as_service *self) {
    metrics_t *mt = (metrics_t *)self;
    int rc = 0;
    mt->ready = 1;
    while (as_is_running(self->manager)) {
        if ((rc = as_sleep(0.0005)) != 0)
            break;
        mt->reports++;
    }
    mt->run_stop = ++seq;
    return rc;
}

static int node_run(as_service *self) {
    node_t *n = (node_t *)self;
    int rc;

    rc = as_run_child_service(self->manager, &n->cache.svc, "cache");
    if (rc)
        return rc;
    rc = as_run_daemon_child_service(self->manager, &n->metrics.svc, "metrics");
    if (rc)
        return rc;
    rc = as_wait_started(n->cache.svc.manager);
    if (rc)
        return rc;
    while (!n->cache.ready || !n->metrics.ready)
        if ((rc = as_sleep(0.0002)) != 0)
            return rc;
    printf("node: children ready\n");
    as_cancel(self->manager);
    return 0;
}

int main(void) {
    static node_t n;
    as_service_init(&n.cache.svc, cache_run, "cache");
    as_service_init(&n.metrics.svc, metrics_run, "metrics");
    as_service_init(&n.svc, node_run, "node");
    int rc = as_run_service(&n.svc);
    printf("node: run_service rc=%d\n", rc);
    printf("node: cache worker stopped before cache run: %s\n",
           n.cache.worker_stop && n.cache.worker_stop < n.cache.run_stop ? "yes" : "no");
    printf("node: metrics run stopped: %s\n", n.metrics.run_stop ? "yes" : "no");

    as_manager *cm = n.cache.svc.manager;
    as_stats st;
    as_get_stats(n.svc.manager, &st);
    printf("node: stats total=%lu finished=%lu pending=%lu\n", st.total_count,
           st.finished_count, st.pending_count);
    printf("cache: cancelled=%d finished=%d error=%d\n", as_is_cancelled(cm),
           as_is_finished(cm), as_did_error(cm));
    as_service_destroy(&n.cache.svc);
    as_service_destroy(&n.metrics.svc);
    as_service_destroy(&n.svc);
    return rc;
}
