/* pipeline.c — a chain of stages, each scheduled by the one before (run -> stage1 ->
 * stage2 -> stage3 -> sidecar child service -> its exporter task).  The exporter
 * schedules an audit task on the pipeline's manager: it is not a task of that manager,
 * so the audit is a root task there.  When the pipeline cancels itself, the chain
 * unwinds leaves first; every level notes the order and the stats its cleanup sees. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <async_service.h>

#define NSTAGE 3

struct level {
  int seq, running, cancelled, finished;
  as_stats st;
};

struct pipeline {
  as_service service;
  as_service sidecar;
  int up, audited, order;
  struct level stage[NSTAGE + 1]; /* [0] is run */
  struct level exporter, sidecar_run;
};

static struct pipeline pl;

static void note(struct level *l, const as_manager *m)
{
  l->seq = ++pl.order;
  l->running = as_is_running(m);
  l->cancelled = as_is_cancelled(m);
  l->finished = as_is_finished(m);
  as_get_stats(m, &l->st);
}

static int audit(void *arg)
{
  (void)arg;
  pl.audited = 1;
  return 0;
}

static int exporter(void *arg)
{
  (void)arg;
  int rc = as_run_task(pl.service.manager, audit, NULL, "audit");
  if (rc)
    return rc;
  pl.up++;
  while ((rc = as_sleep(0.0005)) == 0)
    ;
  note(&pl.exporter, pl.sidecar.manager);
  return rc;
}

static int sidecar_run(as_service *self)
{
  int rc = as_run_task(self->manager, exporter, NULL, "exporter");
  if (rc)
    return rc;
  rc = as_wait_finished(self->manager);
  note(&pl.sidecar_run, self->manager);
  return rc;
}

static int stage(void *arg)
{
  int i = (int)(intptr_t)arg;
  int rc = i < NSTAGE ? as_run_task(pl.service.manager, stage, (void *)(intptr_t)(i + 1), "stage")
                      : as_run_child_service(pl.service.manager, &pl.sidecar, "sidecar");
  if (rc)
    return rc;
  pl.up++;
  while ((rc = as_sleep(0.0005)) == 0)
    ;
  note(&pl.stage[i], pl.service.manager);
  return rc;
}

static int pipeline_run(as_service *self)
{
  as_manager *m = self->manager;
  int rc = as_run_task(m, stage, (void *)(intptr_t)1, "stage");
  if (rc)
    return rc;
  while (pl.up < NSTAGE + 1 || !pl.audited)
    if ((rc = as_sleep(0.0005)))
      return rc;
  as_stats st;
  as_get_stats(m, &st);
  printf("pipeline: up: total=%lu finished=%lu pending=%lu\n", st.total_count,
         st.finished_count, st.pending_count);
  as_cancel(m);
  rc = as_wait_finished(m);
  note(&pl.stage[0], m);
  return rc;
}

static void show(const char *who, const struct level *l)
{
  printf("%-8s stopped #%d: running=%d cancelled=%d finished=%d total=%lu finished=%lu "
         "pending=%lu\n",
         who, l->seq, l->running, l->cancelled, l->finished, l->st.total_count,
         l->st.finished_count, l->st.pending_count);
}

int main(void)
{
  as_service_init(&pl.service, pipeline_run, "pipeline");
  as_service_init(&pl.sidecar, sidecar_run, "sidecar");
  int rc = as_run_service(&pl.service);
  printf("pipeline: run_service -> %d\n", rc);
  show("exporter", &pl.exporter);
  show("sidecar", &pl.sidecar_run);
  char who[16];
  for (int i = NSTAGE; i >= 0; i--) {
    snprintf(who, sizeof who, i ? "stage%d" : "run", i);
    show(who, &pl.stage[i]);
  }
  as_stats st;
  as_get_stats(pl.service.manager, &st);
  printf("pipeline: after: total=%lu finished=%lu errors=%zu\n", st.total_count,
         st.finished_count, as_error_count(pl.service.manager));
  as_get_stats(pl.sidecar.manager, &st);
  printf("sidecar: after: cancelled=%d total=%lu finished=%lu\n",
         as_is_cancelled(pl.sidecar.manager), st.total_count, st.finished_count);
  as_service_destroy(&pl.sidecar);
  as_service_destroy(&pl.service);
  return 0;
}
