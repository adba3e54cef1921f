/* watchers.c — daemon child services that exit.  The monitor runs a worker, a logger
 * child service and a watcher daemon child whose run() returns at once but whose probe
 * task ticks three times first: the watcher ends only when the probe does, and then its
 * exit is the monitor's DaemonTaskExit, which stops the rest.  The hub's daemon child is
 * scheduled without a name: its service's name names it. */
#include <errno.h>
#include <stdio.h>

#include <async_service.h>

struct watcher {
  as_service service;
  int ticks;
};

struct logger {
  as_service service;
  int lines, rc;
};

struct monitor {
  as_service service;
  struct watcher watcher;
  struct logger logger;
  int worker_rc;
};

static int probe(void *arg)
{
  struct watcher *w = arg;
  while (w->ticks < 3) {
    int rc = as_sleep(0.0005);
    if (rc)
      return rc;
    w->ticks++;
  }
  return 0; /* the watched process is gone */
}

static int watcher_run(as_service *self)
{
  return as_run_task(self->manager, probe, self, "probe");
}

static int logger_run(as_service *self)
{
  struct logger *l = (struct logger *)self;
  int rc;
  while ((rc = as_sleep(0.0003)) == 0)
    l->lines++;
  return l->rc = rc;
}

static int worker(void *arg)
{
  struct monitor *mon = arg;
  return mon->worker_rc = anyc_sleep(1e6);
}

static int monitor_run(as_service *self)
{
  struct monitor *mon = (struct monitor *)self;
  as_manager *m = self->manager;
  int rc;
  if ((rc = as_run_task(m, worker, mon, "worker")) ||
      (rc = as_run_child_service(m, &mon->logger.service, "logger")) ||
      (rc = as_run_daemon_child_service(m, &mon->watcher.service, "watcher")))
    return rc;
  return as_wait_finished(m);
}

static void show(const char *who, const as_manager *m)
{
  as_stats st;
  as_get_stats(m, &st);
  printf("%s: cancelled=%d finished=%d errors=%zu total=%lu finished=%lu pending=%lu\n", who,
         as_is_cancelled(m), as_is_finished(m), as_error_count(m), st.total_count,
         st.finished_count, st.pending_count);
  for (size_t i = 0; i < as_error_count(m); i++) {
    int code;
    const char *msg;
    as_error_at(m, i, &code, &msg);
    printf("%s: error %zu: %s%s: %s\n", who, i, code == AS_EDAEMONEXIT ? "AS_EDAEMONEXIT " : "",
           anyc_strerror(code), msg ? msg : "(none)");
  }
}

/* The hub: a daemon child scheduled without a name. */
struct hub {
  as_service service;
  as_service prober;
};

static int prober_run(as_service *self)
{
  (void)self;
  return as_sleep(0.0005);
}

static int hub_run(as_service *self)
{
  struct hub *h = (struct hub *)self;
  int rc = as_run_daemon_child_service(self->manager, &h->prober, NULL);
  return rc ? rc : as_wait_finished(self->manager);
}

int main(void)
{
  static struct monitor mon;
  as_service_init(&mon.service, monitor_run, "monitor");
  as_service_init(&mon.watcher.service, watcher_run, "watcher");
  as_service_init(&mon.logger.service, logger_run, "logger");
  int rc = as_run_service(&mon.service);
  printf("monitor: run_service -> %s (%s)\n", rc == AS_EDAEMONEXIT ? "AS_EDAEMONEXIT" : "?",
         anyc_strerror(rc));
  printf("monitor: probe ticks=%d worker -> %s logger -> %s logged=%s\n", mon.watcher.ticks,
         anyc_strerror(mon.worker_rc), anyc_strerror(mon.logger.rc),
         mon.logger.lines > 0 ? "yes" : "no");
  show("monitor", mon.service.manager);
  show("watcher", mon.watcher.service.manager);
  show("logger", mon.logger.service.manager);

  static struct hub h;
  as_service_init(&h.service, hub_run, "hub");
  as_service_init(&h.prober, prober_run, "Prober");
  rc = as_run_service(&h.service);
  printf("hub: run_service -> %s\n", rc == AS_EDAEMONEXIT ? "AS_EDAEMONEXIT" : "?");
  show("hub", h.service.manager);

  as_service_destroy(&mon.watcher.service);
  as_service_destroy(&mon.logger.service);
  as_service_destroy(&mon.service);
  as_service_destroy(&h.prober);
  as_service_destroy(&h.service);
  return 0;
}
