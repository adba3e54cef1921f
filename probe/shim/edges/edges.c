/* edges.c — the calls a defensive legacy program makes with odd arguments or outside a
 * task: each gets a negative code, none crashes. */
#include <errno.h>
#include <math.h>
#include <stdio.h>

#include <async_service.h>

static int noop(void *arg)
{
  (void)arg;
  return 0;
}

static int quick_run(as_service *self)
{
  (void)self;
  return 0;
}

#define SHOW(expr) printf("%-48s -> %s\n", #expr, anyc_strerror(expr))

static int in_task(void *arg)
{
  as_service *svc = arg;
  as_manager *m = NULL;
  SHOW(as_run_task(NULL, noop, NULL, "x"));
  SHOW(as_run_child_service(NULL, svc, "x"));
  SHOW(as_wait_started(NULL));
  SHOW(as_wait_finished(NULL));
  SHOW(as_background_service_exit(NULL, 0));
  SHOW(as_background_service_enter(NULL, &m));
  SHOW(as_background_service_enter(svc, NULL));
  SHOW(as_run_service(NULL));
  SHOW(as_sleep(NAN));
  SHOW(as_wait_for(noop, NULL, NAN));
  SHOW(as_sleep(-1));
  SHOW(as_run(noop, NULL));
  return 0;
}

int main(void)
{
  as_service svc;
  as_service_init(&svc, quick_run, NULL);
  as_manager *m = NULL;
  as_stats st = {1, 1, 1};
  int code = 1;
  const char *msg = "x";
  as_get_stats(NULL, &st);
  printf("stats(NULL): %lu %lu %lu; errors(NULL)=%zu; error_at -> %s\n", st.total_count,
         st.finished_count, st.pending_count, as_error_count(NULL),
         anyc_strerror(as_error_at(NULL, 0, &code, &msg)));
  SHOW(as_sleep(0.1));
  SHOW(as_wait_for(noop, NULL, 1));
  SHOW(as_to_thread(noop, NULL));
  SHOW(as_background_service_enter(&svc, &m));
  SHOW(as_run_task(svc.manager, noop, NULL, "x"));
  printf("svc.manager after refused enter: %s\n", svc.manager ? "set" : "NULL");
  SHOW(as_run(in_task, &svc));
  SHOW(as_run_service(&svc));
  SHOW(as_error_at(svc.manager, 0, &code, &msg));
  as_service_destroy(&svc);
  as_service_destroy(NULL);
  return 0;
}
