/* deepchain.c — a crawler that follows links depth-first: each hop is a task scheduled
 * by the previous one, 900 deep (below Python's recursion limit, which upstream's
 * recursive cancel would hit near 1000).  Cancelling the service unwinds the chain
 * leaves first: hop i stops after hop i+1. */
#include <errno.h>
#include <stdio.h>

#include <async_service.h>

#define DEPTH 900

static int stop_seq[DEPTH + 1], seq, deepest;
static as_service crawler;

static int hop(void *arg)
{
  int i = (int)(intptr_t)arg;
  int rc;
  if (i < DEPTH && (rc = as_run_task(crawler.manager, hop, (void *)(intptr_t)(i + 1), "hop")))
    return rc;
  if (i == DEPTH)
    deepest = 1;
  rc = as_wait_finished(crawler.manager);
  stop_seq[i] = ++seq;
  return rc;
}

static int crawler_run(as_service *self)
{
  int rc = as_run_task(self->manager, hop, (void *)(intptr_t)1, "hop");
  if (rc)
    return rc;
  while (!deepest)
    if ((rc = as_sleep(0.001)))
      return rc;
  as_stats st;
  as_get_stats(self->manager, &st);
  printf("crawler: %d hops up: total=%lu finished=%lu\n", DEPTH, st.total_count,
         st.finished_count);
  return as_cancel(self->manager);
}

int main(void)
{
  as_service_init(&crawler, crawler_run, "crawler");
  int rc = as_run_service(&crawler);
  int ordered = 1;
  for (int i = 1; i < DEPTH; i++)
    ordered &= stop_seq[i] == stop_seq[i + 1] + 1;
  as_stats st;
  as_get_stats(crawler.manager, &st);
  printf("crawler: run_service -> %d, leaves first: %s, total=%lu finished=%lu errors=%zu\n", rc,
         ordered ? "yes" : "no", st.total_count, st.finished_count, as_error_count(crawler.manager));
  as_service_destroy(&crawler);
  return 0;
}
