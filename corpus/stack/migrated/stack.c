/* stack.c — three services held in nested background blocks (db, then cache, then api),
 * as py-libp2p's tests stack Swarm/Pubsub/GossipSub.  The innermost body fails; the
 * blocks are left innermost first, each stopping its service leaves first; the cache's
 * worker fails while it is stopped, so from the cache's block on the error passed out
 * is the cache's.  Afterwards running the db again is refused (one manager for life). */
#include <errno.h>
#include <stdio.h>

#include <async_service.h>

static int seq;

struct svc {
  as_service service;
  int ready, worker_stop, run_stop, fail_in_cleanup;
};

static int worker(void *arg)
{
  struct svc *s = arg;
  int rc;
  s->ready = 1;
  while ((rc = anyc_sleep(0.0005)) == 0)
    ;
  s->worker_stop = ++seq;
  if (s->fail_in_cleanup)
    return anyc_fail(-EPIPE, "%s: %d dirty entries lost", s->service.name, 2);
  return rc;
}

static int svc_run(as_service *self)
{
  struct svc *s = (struct svc *)self;
  int rc = as_run_task(self->manager, worker, s, "worker");
  if (rc)
    return rc;
  rc = as_wait_finished(self->manager);
  s->run_stop = ++seq;
  return rc;
}

static int wait_ready(struct svc *s)
{
  int rc = 0;
  while (!s->ready && !rc)
    rc = anyc_sleep(0.0002);
  return rc;
}

static int app(void *arg)
{
  struct svc *s = arg; /* db, cache, api */
  as_manager *db, *cache, *api;
  int rc = as_background_service_enter(&s[0].service, &db);
  if (rc)
    return rc;
  if ((rc = as_background_service_enter(&s[1].service, &cache)) == 0) {
    if ((rc = as_background_service_enter(&s[2].service, &api)) == 0) {
      if ((rc = wait_ready(&s[0])) == 0 && (rc = wait_ready(&s[1])) == 0 &&
          (rc = wait_ready(&s[2])) == 0) {
        printf("app: all ready: running=%d%d%d\n", as_is_running(db), as_is_running(cache),
               as_is_running(api));
        rc = -EIO; /* the request failed */
      }
      rc = as_background_service_exit(api, rc);
      printf("app: api exit -> %s\n", anyc_strerror(rc));
    }
    rc = as_background_service_exit(cache, rc);
    printf("app: cache exit -> %s\n", anyc_strerror(rc));
  }
  printf("app: db still running=%d cancelled=%d\n", as_is_running(db), as_is_cancelled(db));
  rc = as_background_service_exit(db, rc);
  printf("app: db exit -> %s\n", anyc_strerror(rc));
  return rc;
}

int main(void)
{
  static struct svc s[3];
  const char *names[3] = {"db", "cache", "api"};
  for (int i = 0; i < 3; i++)
    as_service_init(&s[i].service, svc_run, names[i]);
  s[1].fail_in_cleanup = 1;
  int rc = anyc_run(app, s);
  printf("main: as_run -> %s\n", anyc_strerror(rc));
  for (int i = 2; i >= 0; i--) {
    as_manager *m = s[i].service.manager;
    printf("%s: worker stopped %d, run stopped %d; cancelled=%d finished=%d errors=%zu\n",
           names[i], s[i].worker_stop, s[i].run_stop, as_is_cancelled(m), as_is_finished(m),
           as_error_count(m));
  }
  rc = as_run_service(&s[0].service);
  printf("main: run db again -> %s\n", rc == AS_ELIFECYCLE ? "AS_ELIFECYCLE" : "?");
  for (int i = 0; i < 3; i++)
    as_service_destroy(&s[i].service);
  return 0;
}
