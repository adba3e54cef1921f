/* lifecycle.c — one manager per service for life.  A supervisor restarts a crashing
 * worker service three times by destroying and re-initialising it (a fresh instance, as
 * Python needs a new object); every way of running a finished or attached service
 * again is refused; a parent stops one child and starts a replacement; a child refused
 * because its parent has finished keeps its manager; destroy is idempotent. */
#include <errno.h>
#include <stdio.h>

#include <async_service.h>

static const char *name(int rc)
{
  switch (rc) {
  case AS_ELIFECYCLE: return "AS_ELIFECYCLE";
  case AS_EDAEMONEXIT: return "AS_EDAEMONEXIT";
  case AS_ETOOMANYCHILDREN: return "AS_ETOOMANYCHILDREN";
  default: return anyc_strerror(rc);
  }
}

struct worker {
  as_service service;
  int generation;
};

static int crash(void *arg)
{
  struct worker *w = arg;
  int rc = as_sleep(0.0003);
  return rc ? rc : anyc_fail(-EIO, "worker gen %d crashed", w->generation);
}

static int worker_run(as_service *self)
{
  int rc = as_run_task(self->manager, crash, self, "crash");
  return rc ? rc : as_wait_finished(self->manager);
}

static int idle_run(as_service *self)
{
  return as_wait_finished(self->manager);
}

static int quick_run(as_service *self)
{
  (void)self;
  return 0;
}

struct parent {
  as_service service;
  as_service child_a, child_b, late;
  int stop_a, a_cancelled, a_finished, b_rc, again_rc, self_rc;
};

static int parent_run(as_service *self)
{
  struct parent *p = (struct parent *)self;
  as_manager *m = self->manager;
  int rc;
  if ((rc = as_run_child_service(m, &p->child_a, "a")))
    return rc;
  p->again_rc = as_run_child_service(m, &p->child_a, "a again");
  p->self_rc = as_run_child_service(m, self, "myself");
  if ((rc = as_wait_started(p->child_a.manager)))
    return rc;
  p->stop_a = as_stop(p->child_a.manager); /* retire a, start b in its place */
  p->a_cancelled = as_is_cancelled(p->child_a.manager);
  p->a_finished = as_is_finished(p->child_a.manager);
  if ((rc = as_run_child_service(m, &p->child_b, "b")))
    return rc;
  rc = as_wait_started(p->child_b.manager);
  return rc ? rc : as_stop(p->child_b.manager);
}

static int noop(void *arg)
{
  (void)arg;
  return 0;
}

static int supervisor(void *arg)
{
  struct worker *w = arg;
  for (int gen = 1; gen <= 3; gen++) {
    as_service_init(&w->service, worker_run, "worker");
    w->generation = gen;
    int rc = as_run_service(&w->service);
    const char *msg = NULL;
    as_error_at(w->service.manager, 0, NULL, &msg);
    printf("supervisor: gen %d -> %s (%s)\n", gen, name(rc), msg ? msg : "(none)");
    int again = as_run_service(&w->service);
    as_manager *bm = NULL;
    int enter = as_background_service_enter(&w->service, &bm);
    printf("supervisor: gen %d again -> %s, enter -> %s\n", gen, name(again), name(enter));
    as_service_destroy(&w->service);
    as_service_destroy(&w->service); /* idempotent */
  }
  return 0;
}

int main(void)
{
  static struct worker w;
  printf("main: as_run(supervisor) -> %d\n", as_run(supervisor, &w));

  /* A service that never ran: no manager. */
  as_service fresh;
  as_service_init(&fresh, quick_run, "fresh");
  as_stats st;
  as_get_stats(fresh.manager, &st);
  printf("fresh: manager=%s cancel -> %s stop -> %s total=%lu started=%d errors=%zu\n",
         fresh.manager ? "set" : "NULL", name(as_cancel(fresh.manager)),
         name(as_stop(fresh.manager)), st.total_count, as_is_started(fresh.manager),
         as_error_count(fresh.manager));
  as_service_destroy(&fresh);

  /* After a clean finish. */
  printf("fresh: run -> %d\n", as_run_service(&fresh));
  as_manager *fm = fresh.manager;
  printf("fresh: run again -> %s, cancel -> %d, cancelled=%d, schedule -> %s\n",
         name(as_run_service(&fresh)), as_cancel(fm), as_is_cancelled(fm),
         name(as_run_task(fm, noop, NULL, "late")));

  /* Children. */
  static struct parent p;
  as_service_init(&p.service, parent_run, "parent");
  as_service_init(&p.child_a, idle_run, "a");
  as_service_init(&p.child_b, idle_run, "b");
  as_service_init(&p.late, quick_run, "late");
  int rc = as_run_service(&p.service);
  printf("parent: run -> %d; a again -> %s, myself -> %s\n", rc, name(p.again_rc),
         name(p.self_rc));
  printf("parent: stop a -> %d, a cancelled=%d finished=%d\n", p.stop_a, p.a_cancelled,
         p.a_finished);
  as_get_stats(p.service.manager, &st);
  printf("parent: cancelled=%d errors=%zu total=%lu finished=%lu\n",
         as_is_cancelled(p.service.manager), as_error_count(p.service.manager), st.total_count,
         st.finished_count);
  rc = as_run_child_service(p.service.manager, &p.late, "late");
  printf("late: child of finished parent -> %s, manager %s, started=%d\n", name(rc),
         p.late.manager ? "attached" : "NULL", as_is_started(p.late.manager));
  printf("late: run -> %s\n", name(as_run_service(&p.late)));
  as_service_destroy(&p.late);
  printf("late: after destroy: manager %s\n", p.late.manager ? "attached" : "NULL");
  printf("late: run -> %d\n", as_run_service(&p.late));

  as_service_destroy(&fresh);
  as_service_destroy(&p.child_a);
  as_service_destroy(&p.child_b);
  as_service_destroy(&p.late);
  as_service_destroy(&p.service);
  return 0;
}
