/* threads.c — docs/threads.md's example: blocking work on worker threads.
 *
 * A blocking function (here: nanosleep and a checksum, standing in for a blocking
 * library call) runs in anyc_to_thread while a ticker task keeps the loop busy; the
 * worker reports progress back to the loop with anyc_from_thread.  A second job runs
 * under a 50 ms timeout with ANYC_ABANDON_ON_CANCEL: the caller moves on at once and
 * the thread's late result is discarded.
 *
 *   build: cmake --build build --target example_threads;  run: build/docs/examples/example_threads
 */
#define _POSIX_C_SOURCE 200809L /* nanosleep */
#include <errno.h>
#include <stdio.h>
#include <time.h>

#include <anyc.h>

struct job {
  int steps;
  unsigned long checksum;
};

static double t0;

static int report(void *arg) /* runs as a task on the loop */
{
  printf("  progress: step %d at t=%.2fs\n", *(int *)arg, anyc_now() - t0);
  return 0;
}

static int blocking_work(void *arg) /* runs on a worker thread */
{
  struct job *j = arg;
  for (int i = 1; i <= j->steps; i++) {
    nanosleep(&(struct timespec){0, 20 * 1000 * 1000}, NULL); /* a blocking call */
    j->checksum = j->checksum * 31 + (unsigned long)i;
    int rc = anyc_from_thread(report, &i);
    if (rc < 0)
      return rc; /* the caller was cancelled: stop early */
  }
  return 0;
}

/* May be abandoned: it uses only static data, never the caller's frame. */
static const char hostname[] = "printer.example";

static int slow_lookup(void *arg)
{
  const char *name = arg;
  nanosleep(&(struct timespec){0, 200 * 1000 * 1000}, NULL);
  return name[0] ? 0 : -ENOENT;
}

static int ticker(void *arg)
{
  int *ticks = arg;
  for (;;) {
    int rc = anyc_sleep(0.025);
    if (rc < 0)
      return rc == -ECANCELED ? 0 : rc;
    (*ticks)++;
  }
}

static int main_task(void *arg)
{
  (void)arg;
  anyc_group g;
  t0 = anyc_now();
  int ticks = 0, rc = anyc_group_open(&g);
  if (rc < 0)
    return rc;
  rc = anyc_start_soon(&g, ticker, &ticks);
  struct job j = {5, 0};
  if (rc == 0)
    rc = anyc_to_thread(blocking_work, &j, 0);
  if (rc == 0)
    printf("worker done: checksum %lu; the loop ticked %d times meanwhile\n", j.checksum,
           ticks);

  anyc_scope timeout;
  if (rc == 0 && (rc = anyc_move_on_after(&timeout, 0.05)) == 0) {
    int r = anyc_to_thread(slow_lookup, (void *)hostname, ANYC_ABANDON_ON_CANCEL);
    rc = anyc_scope_close(&timeout, r);
    if (rc == 0 && anyc_scope_cancelled_caught(&timeout))
      printf("slow lookup abandoned after 50 ms; anyc_run does not wait for it\n");
  }
  anyc_group_cancel(&g); /* stop the ticker */
  return anyc_group_close(&g, rc);
}

int main(void)
{
  int rc = anyc_run(main_task, NULL);
  if (rc != 0)
    fprintf(stderr, "threads: %s\n", anyc_strerror(rc));
  return rc == 0 ? 0 : 1;
}
