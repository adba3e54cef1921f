/* kv_store.c — an append-only key/value log as a service: a writer task appends
 * records, a flusher daemon syncs while the service runs, and a compactor task fails
 * with -EIO once the log is full, which takes the whole store down. */
#include <errno.h>
#include <stdio.h>

#include <async_service.h>

typedef struct kv_store
{
  as_service svc;      /* the manager lives here */
  const char *path;
  int writes;
  int compactions;
  int flushes;
} kv_store;

static int writer(void *arg)
{
  kv_store *kv = arg;
  for (int i = 0; i < 3; i++)
  {
    int rc = anyc_sleep(0.001);
    if (rc)
      return rc;
    kv->writes++;
    printf("kv: write %d to %s\n", kv->writes, kv->path);
  }
  return 0;
}

static int flusher(void *arg)
{
  kv_store *kv = arg;
  int rc = 0;
  while (as_is_running(kv->svc.manager))
  {
    rc = anyc_sleep(0.0003);
    if (rc)
      break;
    kv->flushes++;
  }
  printf("kv: flusher stopped\n");
  return rc;
}

static int compactor(void *arg)
{
  kv_store *kv = arg;
  while (kv->writes < 3)
  {
    int rc = anyc_sleep(0.0005);
    if (rc)
      return rc;
  }
  kv->compactions++;
  printf("kv: compaction %d failed\n", kv->compactions);
  return -EIO;
}

static int kv_run(as_service *self)
{
  kv_store *kv = (kv_store *)self;
  int rc;

  if ((rc = as_run_daemon_task(self->manager,
                               flusher,   /* syncs the log until shutdown */
                               kv,
                               "flusher")) < 0)
    goto out;
  if ((rc = as_run_task(self->manager, writer, kv, "writer")) < 0)
    goto out;
  if ((rc = as_run_task(self->manager, compactor, kv, "compactor")) < 0)
    goto out;
  rc = as_wait_finished(self->manager);
out:
  printf("kv: run leaves %s\n", rc ? "with an error" : "cleanly");
  return rc;
}

int main(void)
{
  kv_store kv = { .path = "kv.log" };
  as_service_init(&kv.svc, kv_run, "kv_store");
  int rc = as_run_service(&kv.svc);
  printf("kv: run_service: %s\n", anyc_strerror(rc));
  printf("kv: %d writes, %d compactions\n", kv.writes, kv.compactions);
  as_service_destroy(&kv.svc);
  return rc == -EIO ? 0 : 1;
}
