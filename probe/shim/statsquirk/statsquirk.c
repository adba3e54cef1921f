/* statsquirk.c — upstream's stats count the run task in finished_count (clamped to
 * total_count): a service whose run returns at once while its owner's root tasks keep
 * it alive reports one finished task before any scheduled task finished. */
#include <errno.h>
#include <stdio.h>

#include <async_service.h>

static int run_returned;
static anyc_event go;

static int quick_run(as_service *self)
{
  (void)self;
  run_returned = 1;
  return 0;
}

static int job(void *arg)
{
  (void)arg;
  return anyc_event_wait(&go);
}

static void show(const char *when, const as_manager *m)
{
  as_stats st;
  as_get_stats(m, &st);
  printf("%s: running=%d total=%lu finished=%lu pending=%lu\n", when, as_is_running(m),
         st.total_count, st.finished_count, st.pending_count);
}

static int owner(void *arg)
{
  as_service *svc = arg;
  as_manager *m;
  int rc = as_background_service_enter(svc, &m);
  if (rc)
    return rc;
  if ((rc = as_run_task(m, job, NULL, "job")) || (rc = as_run_task(m, job, NULL, "job")))
    return as_background_service_exit(m, rc);
  while (!run_returned)
    if ((rc = as_sleep(0.0002)))
      return as_background_service_exit(m, rc);
  show("run returned", m);
  anyc_event_set(&go);
  rc = as_wait_finished(m);
  show("jobs done", m);
  printf("cancelled=%d\n", as_is_cancelled(m));
  return as_background_service_exit(m, rc);
}

int main(void)
{
  as_service svc;
  anyc_event_init(&go);
  as_service_init(&svc, quick_run, "quick");
  int rc = as_run(owner, &svc);
  printf("as_run -> %d\n", rc);
  as_service_destroy(&svc);
  return 0;
}
