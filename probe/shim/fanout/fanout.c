/* fanout.c — many tasks.  The fanout service spawns workers from run() in a loop until
 * the manager refuses (run's children set holds 1001), handles the refusal and lets
 * them finish; the sink takes root tasks from its owner until the root set (run plus
 * 1000) is full; the tree service runs 300 branches of 2 leaves each. */
#include <errno.h>
#include <stdio.h>

#include <async_service.h>

static const char *code_name(int rc)
{
  return rc == AS_ETOOMANYCHILDREN ? "AS_ETOOMANYCHILDREN" : anyc_strerror(rc);
}

static void show(const char *who, const char *when, const as_manager *m)
{
  as_stats st;
  as_get_stats(m, &st);
  printf("%s: %s: running=%d cancelled=%d errors=%zu total=%lu finished=%lu pending=%lu\n", who,
         when, as_is_running(m), as_is_cancelled(m), as_error_count(m), st.total_count,
         st.finished_count, st.pending_count);
}

/* ---- fanout ---- */
struct fanout {
  as_service service;
  anyc_event go;
  int done;
};

static int worker(void *arg)
{
  struct fanout *f = arg;
  int rc = anyc_event_wait(&f->go);
  if (rc)
    return rc;
  f->done++;
  return 0;
}

static int fanout_run(as_service *self)
{
  struct fanout *f = (struct fanout *)self;
  int n = 0, rc;
  while ((rc = as_run_task(self->manager, worker, f, "worker")) == 0)
    n++;
  printf("fanout: spawned %d, then %s\n", n, code_name(rc));
  show("fanout", "full", self->manager);
  anyc_event_set(&f->go); /* back-pressure: drain what we have */
  return 0;
}

/* ---- sink ---- */
static int parked(void *arg)
{
  (void)arg;
  return anyc_sleep(1e6);
}

static int sink_run(as_service *self)
{
  return as_wait_finished(self->manager);
}

static int sink_owner(void *arg)
{
  as_service *sink = arg;
  as_manager *m;
  int rc = as_background_service_enter(sink, &m);
  if (rc)
    return rc;
  int n = 0;
  while ((rc = as_run_task(m, parked, NULL, "parked")) == 0)
    n++;
  printf("sink: scheduled %d from outside, then %s\n", n, code_name(rc));
  show("sink", "full", m);
  rc = as_background_service_exit(m, 0);
  printf("sink: exit -> %d\n", rc);
  show("sink", "after exit", m);
  return rc;
}

/* ---- tree ---- */
struct tree {
  as_service service;
  anyc_event go;
  int leaves_up, leaves_done, branches_done, order_ok;
};

static int leaf(void *arg)
{
  struct tree *t = arg;
  t->leaves_up++;
  int rc = anyc_event_wait(&t->go);
  if (rc)
    return rc;
  t->leaves_done++;
  return 0;
}

static int branch(void *arg)
{
  struct tree *t = arg;
  int rc;
  if ((rc = as_run_task(t->service.manager, leaf, t, "leaf")) ||
      (rc = as_run_task(t->service.manager, leaf, t, "leaf")))
    return rc;
  return 0;
}

static int tree_run(as_service *self)
{
  struct tree *t = (struct tree *)self;
  int rc;
  for (int i = 0; i < 300; i++)
    if ((rc = as_run_task(self->manager, branch, t, "branch")))
      return rc;
  while (t->leaves_up < 600)
    if ((rc = as_sleep(0.0005)))
      return rc;
  show("tree", "all up", self->manager);
  anyc_event_set(&t->go);
  return 0;
}

int main(void)
{
  static struct fanout f;
  anyc_event_init(&f.go);
  as_service_init(&f.service, fanout_run, "fanout");
  int rc = as_run_service(&f.service);
  printf("fanout: run_service -> %d, workers done=%d\n", rc, f.done);
  show("fanout", "finished", f.service.manager);

  static as_service sink;
  as_service_init(&sink, sink_run, "sink");
  rc = as_run(sink_owner, &sink);
  printf("sink: as_run -> %d\n", rc);

  static struct tree t;
  anyc_event_init(&t.go);
  as_service_init(&t.service, tree_run, "tree");
  rc = as_run_service(&t.service);
  printf("tree: run_service -> %d, leaves done=%d\n", rc, t.leaves_done);
  show("tree", "finished", t.service.manager);

  as_service_destroy(&f.service);
  as_service_destroy(&sink);
  as_service_destroy(&t.service);
  return 0;
}
