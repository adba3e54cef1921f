/* timeouts.c — deadlines around service calls: as_wait_for around as_run_service (the
 * service is cancelled from outside: finished, not marked cancelled), around a whole
 * background block (the block's exit marks it cancelled), and around as_stop of a
 * service whose cleanup is shielded and slow (the stop times out, the service finishes
 * later on its own). */
#include <errno.h>
#include <stdio.h>

#include <async_service.h>

static void show(const char *who, const as_manager *m)
{
  as_stats st;
  as_get_stats(m, &st);
  printf("%s: started=%d running=%d cancelled=%d finished=%d errors=%zu total=%lu "
         "finished=%lu\n",
         who, as_is_started(m), as_is_running(m), as_is_cancelled(m), as_is_finished(m),
         as_error_count(m), st.total_count, st.finished_count);
}

static int ticker(void *arg)
{
  int *ticks = arg;
  int rc;
  while ((rc = as_sleep(0.001)) == 0)
    ++*ticks;
  return rc;
}

struct svc {
  as_service service;
  int ticks, cleaned;
  double cleanup_s;
};

static int svc_run(as_service *self)
{
  struct svc *s = (struct svc *)self;
  int rc = as_run_task(self->manager, ticker, &s->ticks, "ticker");
  if (rc)
    return rc;
  rc = as_wait_finished(self->manager);
  if (s->cleanup_s > 0) { /* flush to disk: must not be interrupted */
    anyc_scope shield;
    anyc_scope_open(&shield);
    anyc_scope_set_shield(&shield, 1);
    int frc = anyc_scope_close(&shield, as_sleep(s->cleanup_s));
    if (frc)
      return frc;
  }
  s->cleaned = 1;
  return rc;
}

static int run_it(void *arg)
{
  return as_run_service(arg);
}

static int hold_block(void *arg)
{
  struct svc *s = arg;
  as_manager *m;
  int rc = as_background_service_enter(&s->service, &m);
  if (rc)
    return rc;
  rc = as_sleep(10);
  return as_background_service_exit(m, rc);
}

static int stop_it(void *arg)
{
  return as_stop(arg);
}

static int app(void *arg)
{
  struct svc *s = arg;
  int rc = as_wait_for(run_it, &s[0].service, 0.02);
  printf("app: wait_for(run_service) -> %s, ticked=%s cleaned=%d\n", anyc_strerror(rc),
         s[0].ticks > 0 ? "yes" : "no", s[0].cleaned);
  show("a", s[0].service.manager);

  rc = as_wait_for(hold_block, &s[1], 0.02);
  printf("app: wait_for(block) -> %s, ticked=%s cleaned=%d\n", anyc_strerror(rc),
         s[1].ticks > 0 ? "yes" : "no", s[1].cleaned);
  show("b", s[1].service.manager);

  as_manager *m;
  if ((rc = as_background_service_enter(&s[2].service, &m)))
    return rc;
  while (s[2].ticks < 2)
    if ((rc = as_sleep(0.001)))
      return as_background_service_exit(m, rc);
  rc = as_wait_for(stop_it, m, 0.01);
  printf("app: wait_for(stop) -> %s, cleaned=%d\n", anyc_strerror(rc), s[2].cleaned);
  show("c", m);
  rc = as_wait_finished(m);
  printf("app: wait_finished -> %d, cleaned=%d\n", rc, s[2].cleaned);
  show("c", m);
  rc = as_background_service_exit(m, 0);
  printf("app: exit -> %d\n", rc);
  return rc;
}

int main(void)
{
  static struct svc s[3];
  const char *names[3] = {"a", "b", "c"};
  for (int i = 0; i < 3; i++)
    as_service_init(&s[i].service, svc_run, names[i]);
  s[2].cleanup_s = 0.1;
  int rc = as_run(app, s);
  printf("main: as_run -> %d\n", rc);
  for (int i = 0; i < 3; i++)
    as_service_destroy(&s[i].service);
  return 0;
}
