/* self_stop.c — services stopped from the inside: a child service's task stops its
 * parent (as_stop on the parent's manager, which cancels the child too), a task stops
 * its own service, and a daemon cancels its service and returns (no DaemonTaskExit,
 * since the service is cancelled by then).  Each as_stop made from inside the service
 * is itself cancelled: it returns -ECANCELED. */
#include <errno.h>
#include <stdio.h>

#include <async_service.h>

struct agent {
  as_service service;
  as_service *parent;
  int ready, stop_rc, loop_rc;
};

struct ctl {
  as_service service;
  struct agent agent;
  int watchdog_rc, reaper_rc, run_rc;
};

static int agent_loop(void *arg)
{
  struct agent *a = arg;
  a->ready = 1;
  int rc;
  for (int i = 0; i < 3; i++)
    if ((rc = as_sleep(0.0005)))
      return a->loop_rc = rc;
  /* the parent's config went away: take the whole controller down */
  a->stop_rc = as_stop(a->parent->manager);
  a->loop_rc = a->stop_rc;
  return a->stop_rc;
}

static int agent_run(as_service *self)
{
  struct agent *a = (struct agent *)self;
  int rc = as_run_task(self->manager, agent_loop, a, "agent_loop");
  if (rc)
    return rc;
  return as_wait_finished(self->manager);
}

static int watchdog(void *arg)
{
  struct ctl *c = arg;
  int rc;
  while ((rc = as_sleep(0.001)) == 0)
    ;
  return c->watchdog_rc = rc;
}

static int reaper(void *arg)
{
  struct ctl *c = arg;
  int rc = anyc_sleep(1e6);
  return c->reaper_rc = rc;
}

static int ctl_run(as_service *self)
{
  struct ctl *c = (struct ctl *)self;
  as_manager *m = self->manager;
  int rc;
  if ((rc = as_run_task(m, watchdog, c, "watchdog")) ||
      (rc = as_run_daemon_task(m, reaper, c, "reaper")) ||
      (rc = as_run_child_service(m, &c->agent.service, "agent")))
    return rc;
  rc = as_wait_finished(m);
  c->run_rc = rc;
  return rc;
}

/* ---- a task stopping its own service ---- */
struct solo {
  as_service service;
  int stop_rc, running_after, cancelled_after;
};

static int solo_task(void *arg)
{
  struct solo *s = arg;
  if (as_sleep(0.0005))
    return -ECANCELED;
  s->stop_rc = as_stop(s->service.manager);
  s->running_after = as_is_running(s->service.manager);
  s->cancelled_after = as_is_cancelled(s->service.manager);
  return 0; /* cleanup done; nothing to report */
}

static int solo_run(as_service *self)
{
  int rc = as_run_task(self->manager, solo_task, self, "solo_task");
  return rc ? rc : as_wait_finished(self->manager);
}

/* ---- a daemon that cancels its service and returns ---- */
struct janitor {
  as_service service;
  int sweeps;
};

static int sweeper(void *arg)
{
  struct janitor *j = arg;
  while (j->sweeps < 3) {
    int rc = as_sleep(0.0005);
    if (rc)
      return rc;
    j->sweeps++;
  }
  as_cancel(j->service.manager); /* nothing left to sweep: shut down */
  return 0;
}

static int janitor_run(as_service *self)
{
  int rc = as_run_daemon_task(self->manager, sweeper, self, "sweeper");
  return rc ? rc : as_wait_finished(self->manager);
}

static void show(const char *who, const as_manager *m)
{
  as_stats st;
  as_get_stats(m, &st);
  printf("%s: running=%d cancelled=%d finished=%d errors=%zu total=%lu finished=%lu\n", who,
         as_is_running(m), as_is_cancelled(m), as_is_finished(m), as_error_count(m),
         st.total_count, st.finished_count);
}

int main(void)
{
  static struct ctl c;
  as_service_init(&c.service, ctl_run, "ctl");
  as_service_init(&c.agent.service, agent_run, "agent");
  c.agent.parent = &c.service;
  int rc = as_run_service(&c.service);
  printf("ctl: run_service -> %d\n", rc);
  printf("ctl: agent stop -> %s, agent loop -> %s\n", anyc_strerror(c.agent.stop_rc),
         anyc_strerror(c.agent.loop_rc));
  printf("ctl: watchdog -> %s, reaper -> %s, run -> %s\n", anyc_strerror(c.watchdog_rc),
         anyc_strerror(c.reaper_rc), anyc_strerror(c.run_rc));
  show("ctl", c.service.manager);
  show("agent", c.agent.service.manager);

  static struct solo s;
  as_service_init(&s.service, solo_run, "solo");
  rc = as_run_service(&s.service);
  printf("solo: run_service -> %d, stop -> %s, running=%d cancelled=%d after stop\n", rc,
         anyc_strerror(s.stop_rc), s.running_after, s.cancelled_after);
  show("solo", s.service.manager);

  static struct janitor j;
  as_service_init(&j.service, janitor_run, "janitor");
  rc = as_run_service(&j.service);
  printf("janitor: run_service -> %d, sweeps=%d\n", rc, j.sweeps);
  show("janitor", j.service.manager);

  as_service_destroy(&c.agent.service);
  as_service_destroy(&c.service);
  as_service_destroy(&s.service);
  as_service_destroy(&j.service);
  return 0;
}
