/* jobs.c — a batch runner written in the asyncio style: a table of jobs (as_task_fn),
 * each run under a deadline with as_wait_for; CPU-heavy ones go to a thread with
 * as_to_thread.  No service: only as_run / as_sleep / as_wait_for / as_to_thread. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <async_service.h>

#define CHECK(expr) do { int check_rc_ = (expr); if (check_rc_) return check_rc_; } while (0)

struct job {
  const char *name;
  as_task_fn fn;
  double deadline;
  unsigned long result;
};

static unsigned long primes_below(unsigned long n)
{
  unsigned long count = 0;
  for (unsigned long i = 2; i < n; i++) {
    int prime = 1;
    for (unsigned long d = 2; d * d <= i; d++)
      if (i % d == 0) { prime = 0; break; }
    count += prime;
  }
  return count;
}

static int count_primes(void *arg)      /* runs on a worker thread */
{
  struct job *j = arg;
  j->result = primes_below(20000);
  return 0;
}

static int cpu_job(void *arg)
{
  return as_to_thread(count_primes, arg);
}

static int io_job(void *arg)
{
  struct job *j = arg;
  CHECK(as_sleep(0.001));
  j->result = 7;
  return 0;
}

static int hung_job(void *arg)
{
  struct job *j = arg;
  int rc = as_sleep(5);                 /* the remote never answers */
  if (rc == 0) j->result = 1;
  return rc;
}

static void settle(void)
{
  as_sleep(0.0005);                     /* let the log flush; status ignored */
}

static int run_one(struct job *j)
{
  return as_wait_for(j->fn, j, j->deadline);
}

static int batch(void *arg)
{
  struct job *jobs = arg;
  int failed = 0;
  for (struct job *j = jobs; j->name; j++) {
    int rc = run_one(j);
    if (rc == -ETIMEDOUT)
      printf("batch: %s timed out\n", j->name);
    else if (rc)
      printf("batch: %s failed: %s\n", j->name, anyc_strerror(rc));
    else
      printf("batch: %s -> %lu\n", j->name, j->result);
    failed += rc != 0;
    settle();
  }
  int rc = as_wait_for(io_job,
                       &jobs[0],        /* once more, with a generous deadline */
                       10.0);
  if (rc)
    return rc;
  printf("batch: %d failed\n", failed);
  return failed ? -ETIMEDOUT : 0;
}

int main(int argc, char **argv)
{
  struct job jobs[] = {
    { "io", io_job, 1.0, 0 },
    { "cpu", cpu_job, 30.0, 0 },
    { "hung", hung_job, 0.005, 0 },
    { NULL, NULL, 0, 0 },
  };
  (void)argv;
  if (argc > 1)
    return 2;
  if (as_run(batch, jobs) != -ETIMEDOUT)
    return 1;
  printf("main: done\n");
  return 0;
}
