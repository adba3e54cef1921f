/* fetcher.c — asyncio-style calls inside a service, mixed with cancellation: a
 * wait_for whose timeout fires while its function waits on a blocking thread; the
 * asyncio edge cases (negative sleep, zero timeouts); a poller inside wait_for and a
 * hasher inside to_thread when the owner stops the service; and a second service
 * cancelled by its own worker thread (call_soon_threadsafe(manager.cancel)). */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#include <async_service.h>

static void nap_ms(long ms)
{
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0)
    ;
}

struct fetcher {
  as_service service;
  atomic_int fetch_thread_done, hash_thread_started, hash_thread_done;
  int fetch_rc, neg_sleep_rc, zero_plain_rc, zero_yield_rc;
  int polls, poll_rc, hash_rc;
};

static int blocking_fetch(void *arg)
{
  struct fetcher *f = arg;
  nap_ms(60);
  atomic_store(&f->fetch_thread_done, 1);
  return 0;
}

static int fetch(void *arg)
{
  return as_to_thread(blocking_fetch, arg);
}

static int no_checkpoint(void *arg)
{
  (void)arg;
  return 7;
}

static int yields(void *arg)
{
  (void)arg;
  int rc = as_sleep(0);
  return rc ? rc : 7;
}

static int poll_once(void *arg)
{
  (void)arg;
  return as_sleep(0.001);
}

static int poller(void *arg)
{
  struct fetcher *f = arg;
  int rc;
  while ((rc = as_wait_for(poll_once, f, 0.5)) == 0)
    f->polls++;
  return f->poll_rc = rc;
}

static int blocking_hash(void *arg)
{
  struct fetcher *f = arg;
  atomic_store(&f->hash_thread_started, 1);
  nap_ms(40);
  atomic_store(&f->hash_thread_done, 1);
  return 0;
}

static int hasher(void *arg)
{
  struct fetcher *f = arg;
  return f->hash_rc = as_to_thread(blocking_hash, f);
}

static int fetcher_run(as_service *self)
{
  struct fetcher *f = (struct fetcher *)self;
  as_manager *m = self->manager;
  f->fetch_rc = as_wait_for(fetch, f, 0.01);
  f->neg_sleep_rc = as_sleep(-0.5);
  f->zero_plain_rc = as_wait_for(no_checkpoint, f, 0);
  f->zero_yield_rc = as_wait_for(yields, f, 0);
  int rc;
  if ((rc = as_run_task(m, poller, f, "poller")) || (rc = as_run_task(m, hasher, f, "hasher")))
    return rc;
  return as_wait_finished(m);
}

static int owner(void *arg)
{
  struct fetcher *f = arg;
  as_manager *m;
  int rc = as_background_service_enter(&f->service, &m);
  if (rc)
    return rc;
  while (f->polls < 2 || !atomic_load(&f->hash_thread_started))
    if ((rc = as_sleep(0.001)))
      goto leave;
  rc = as_stop(m);
  printf("owner: stop -> %d, hash thread done=%d\n", rc, atomic_load(&f->hash_thread_done));
  printf("fetcher: wait_for(to_thread) -> %s\n", anyc_strerror(f->fetch_rc));
  printf("fetcher: sleep(-0.5) -> %d, wait_for(no checkpoint, 0) -> %d, "
         "wait_for(yields, 0) -> %s\n",
         f->neg_sleep_rc, f->zero_plain_rc, anyc_strerror(f->zero_yield_rc));
  printf("fetcher: poller -> %s, hasher -> %s\n", anyc_strerror(f->poll_rc),
         anyc_strerror(f->hash_rc));
  as_stats st;
  as_get_stats(m, &st);
  printf("fetcher: cancelled=%d errors=%zu total=%lu finished=%lu\n", as_is_cancelled(m),
         as_error_count(m), st.total_count, st.finished_count);
leave:
  return as_background_service_exit(m, rc);
}

/* ---- a service cancelled from its worker thread ---- */
struct tail {
  as_service service;
  int lines;
};

static int tail_file(void *arg)
{
  struct tail *t = arg;
  for (int i = 0; i < 3; i++) {
    nap_ms(1);
    t->lines++;
  }
  return as_cancel(t->service.manager); /* end of file: stop following */
}

static int follower(void *arg)
{
  int rc = as_to_thread(tail_file, arg);
  return rc == -ECANCELED ? rc : rc; /* 0 or -ECANCELED, both clean */
}

static int tail_run(as_service *self)
{
  int rc = as_run_task(self->manager, follower, self, "follower");
  return rc ? rc : as_wait_finished(self->manager);
}

int main(void)
{
  static struct fetcher f;
  as_service_init(&f.service, fetcher_run, "fetcher");
  int rc = as_run(owner, &f);
  /* Not printed: whether the timed-out fetch's thread ran.  A job still queued when the
   * deadline fires is dropped (asyncio cancels a pending executor future too), so that
   * depends on how fast a worker picks it up. */
  printf("main: as_run -> %d\n", rc);
  as_service_destroy(&f.service);

  static struct tail t;
  as_service_init(&t.service, tail_run, "tail");
  rc = as_run_service(&t.service);
  printf("tail: run_service -> %d, lines=%d cancelled=%d errors=%zu\n", rc, t.lines,
         as_is_cancelled(t.service.manager), as_error_count(t.service.manager));
  as_service_destroy(&t.service);
  return 0;
}
