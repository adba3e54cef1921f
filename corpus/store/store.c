/* store.c — a storage service stopped by its owner while a child service fails in its
 * cleanup.  Tree: run -> compactor (task) -> journal (child service, scheduled from
 * the compactor) -> flusher (the journal's task).  Shutdown runs leaves first, so the
 * errors are recorded flusher's (through the journal), compactor's, run's — each with
 * its formatted anyc_fail message.  as_stop never returns them; the block's exit returns
 * the first. */
#include <errno.h>
#include <stdio.h>

#include <async_service.h>

struct journal {
  as_service service;
  int ready;
};

struct store {
  as_service service;
  struct journal journal;
  int run_saw_running, run_saw_cancelled, run_saw_finished;
  as_stats run_saw_stats;
};

static int flusher(void *arg)
{
  struct journal *j = arg;
  j->ready = 1;
  int rc;
  while ((rc = as_sleep(0.0005)) == 0)
    ;
  return anyc_fail(-EIO, "journal: %d records unflushed (%s)", 7, "wal-3");
}

static int journal_run(as_service *self)
{
  int rc = as_run_task(self->manager, flusher, self, "flusher");
  return rc ? rc : as_wait_finished(self->manager);
}

static int compactor(void *arg)
{
  struct store *s = arg;
  int rc = as_run_child_service(s->service.manager, &s->journal.service, "journal");
  if (rc)
    return rc;
  if ((rc = as_wait_finished(s->service.manager)) == -ECANCELED)
    return anyc_fail(-EBUSY, "compactor: %s at segment %06d", "interrupted mid-merge", 42);
  return rc;
}

static int store_run(as_service *self)
{
  struct store *s = (struct store *)self;
  int rc = as_run_task(self->manager, compactor, s, "compactor");
  if (rc)
    return rc;
  rc = as_wait_finished(self->manager);
  s->run_saw_running = as_is_running(self->manager);
  s->run_saw_cancelled = as_is_cancelled(self->manager);
  s->run_saw_finished = as_is_finished(self->manager);
  as_get_stats(self->manager, &s->run_saw_stats);
  if (rc == -ECANCELED)
    return anyc_fail(-EPIPE, "store: %d%% flushed", 50);
  return rc;
}

static void show_errors(const char *who, const as_manager *m)
{
  printf("%s: did_error=%d errors=%zu\n", who, as_did_error(m), as_error_count(m));
  for (size_t i = 0; i < as_error_count(m); i++) {
    int code;
    const char *msg;
    as_error_at(m, i, &code, &msg);
    printf("%s: error %zu: %s: %s\n", who, i, anyc_strerror(code), msg ? msg : "(none)");
  }
}

static int owner(void *arg)
{
  struct store *s = arg;
  as_manager *m;
  as_stats st;
  int rc = as_background_service_enter(&s->service, &m);
  if (rc)
    return rc;
  while (!s->journal.ready)
    if ((rc = as_sleep(0.0002)))
      goto leave;
  as_get_stats(m, &st);
  printf("store: ready: total=%lu finished=%lu pending=%lu\n", st.total_count,
         st.finished_count, st.pending_count);
  rc = as_stop(m);
  printf("store: stop -> %d\n", rc);
  printf("store: in run's cleanup: running=%d cancelled=%d finished=%d total=%lu "
         "finished=%lu\n",
         s->run_saw_running, s->run_saw_cancelled, s->run_saw_finished,
         s->run_saw_stats.total_count, s->run_saw_stats.finished_count);
  as_get_stats(m, &st);
  printf("store: stopped: total=%lu finished=%lu pending=%lu\n", st.total_count,
         st.finished_count, st.pending_count);
  show_errors("store", m);
  show_errors("journal", s->journal.service.manager);
  printf("journal: cancelled=%d finished=%d\n", as_is_cancelled(s->journal.service.manager),
         as_is_finished(s->journal.service.manager));
leave:
  rc = as_background_service_exit(m, rc);
  printf("store: exit -> %s\n", anyc_strerror(rc));
  return 0;
}

int main(void)
{
  static struct store s;
  as_service_init(&s.service, store_run, "store");
  as_service_init(&s.journal.service, journal_run, "journal");
  int rc = as_run(owner, &s);
  as_service_destroy(&s.journal.service);
  as_service_destroy(&s.service);
  return rc;
}
