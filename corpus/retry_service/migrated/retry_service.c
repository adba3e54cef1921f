/* retry_service.c — a RetryService: jobs are tasks that retry a flaky operation with
 * exponential backoff.  The first job succeeds on its third attempt; the second never
 * succeeds, gives up after three attempts, and its failure stops the service. */
#include <errno.h>
#include <stdio.h>

#include <async_service.h>

typedef struct job {
  const char *name;
  int succeed_on;   /* attempt number that succeeds; 0 = never */
  int attempts;
} job;

typedef struct retry_service {
  as_service service;
  job jobs[2];
} retry_service;

#define MAX_ATTEMPTS 3

static int flaky_operation(job *j)
{
  j->attempts++;
  if (j->succeed_on && j->attempts >= j->succeed_on)
    return 0;
  return anyc_fail(-EAGAIN, "%s: attempt %d refused", j->name, j->attempts);
}

static int run_with_retry(void *arg)
{
  job *j = arg;
  double backoff = 0.001;
  for (;;)
  {
    int rc = flaky_operation(j);
    if (rc == 0)
    {
      printf("retry: %s succeeded on attempt %d\n", j->name, j->attempts);
      return 0;
    }
    printf("retry: %s attempt %d failed (%s)\n", j->name, j->attempts, anyc_strerror(rc));
    if (j->attempts == MAX_ATTEMPTS)
      return anyc_fail(-ETIMEDOUT, "%s: gave up after %d attempts", j->name, j->attempts);
    if ((rc = anyc_sleep(backoff)) != 0)
      return rc;
    backoff *= 2;
  }
}

static int retry_run(as_service *self)
{
  retry_service *rs = (retry_service *)self;
  /* Job 2 starts only once job 1 is done, so the transcript has one order. */
  int rc = as_run_task(self->manager, run_with_retry, &rs->jobs[0], rs->jobs[0].name);
  if (rc)
    return rc;
  while (rs->jobs[0].attempts < rs->jobs[0].succeed_on)
    if ((rc = anyc_sleep(0.0005)) != 0)
      return rc;
  return as_run_task(self->manager, run_with_retry, &rs->jobs[1], rs->jobs[1].name);
}

int main(void)
{
  static retry_service rs = {
    .jobs = {{"fetch-blocks", 3, 0}, {"push-metrics", 0, 0}},
  };
  as_service_init(&rs.service, retry_run, "RetryService");
  int rc = as_run_service(&rs.service);
  const char *msg = NULL;
  as_error_at(rs.service.manager, 0, NULL, &msg);
  printf("retry: service returned %s: %s\n", anyc_strerror(rc), msg ? msg : "-");
  as_service_destroy(&rs.service);
  return rc == -ETIMEDOUT ? 0 : 1;
}
