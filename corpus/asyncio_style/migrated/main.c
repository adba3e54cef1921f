/* main.c — a program written against the asyncio-style calls rather than a service:
 * asyncio.run / sleep / wait_for / to_thread, as as_run / as_sleep / as_wait_for /
 * as_to_thread.  Blocking work (a checksum) goes to a worker thread. */
#include <errno.h>
#include <stdio.h>

#include <anyc.h>

struct checksum_job { unsigned long n, sum; };

static int checksum(void *arg)          /* runs on a worker thread: no legacy calls */
{
  struct checksum_job *job = arg;
  job->sum = 0;
  for (unsigned long i = 1; i <= job->n; i++)
    job->sum += i * i % 7;
  return 0;
}

static int slow_fetch(void *arg) { (void)arg; return anyc_sleep(10); }

static int fast_fetch(void *arg)
{
  int *out = arg;
  int rc = anyc_sleep(0.001);
  if (rc == 0)
    *out = 42;
  return rc;
}

static int nothing(void *arg) { (void)arg; return 0; }

static int amain(void *arg)
{
  (void)arg;
  int value = 0, rc;
  rc = anyc_sleep(0.001);
  printf("slept: %s\n", rc == 0 ? "ok" : anyc_strerror(rc));
  anyc_scope scope;
  rc = anyc_fail_after(&scope, 0.005);
  if (rc == 0)
    rc = anyc_scope_close(&scope, slow_fetch(NULL));
  printf("slow fetch: %s\n", rc == -ETIMEDOUT ? "timed out" : anyc_strerror(rc));
  anyc_scope scope2;
  rc = anyc_fail_after(&scope2, /* timeout, seconds */ 1.0);
  if (rc == 0)
    rc = anyc_scope_close(&scope2, fast_fetch(&value));
  printf("fast fetch: %d\n", rc == 0 ? value : rc);
  struct checksum_job job = {100000, 0};
  rc = anyc_to_thread(checksum, &job, 0);
  printf("checksum: rc=%d sum=%lu\n", rc, job.sum);
  printf("nested run: %s\n", anyc_run(nothing, NULL) == -EBUSY ? "refused" : "allowed?!");
  return 0;
}

int main(void)
{
  printf("sleep outside a run: %s\n", anyc_sleep(0) == -EPERM ? "refused" : "allowed?!");
  return anyc_run(amain, NULL);
}
