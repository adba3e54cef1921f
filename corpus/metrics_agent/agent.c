/* agent.c — the agent's tasks.  Scrapers are daemons: a scraper that returns while the
 * agent runs is a bug, which the manager reports as a daemon exit. */
#include <errno.h>
#include <stdio.h>

#include "agent.h"

/* Teams wrap the spawn call to log names; the legacy call is inside the macro. */
#define SPAWN_DAEMON(m, fn, arg) as_run_daemon_task((m), (fn), (arg), #fn)

struct scraper { agent_t *a; int idx; };

static int scrape_a(void *arg)
{
  struct scraper *s = arg;
  for (;;)
  {
    int rc = as_sleep(0.0005);
    if (rc)
    {
      printf("agent: scraper %d cancelled\n", s->idx);
      return rc;
    }
    s->a->scrapes[s->idx]++;
  }
}

static int scrape_b(void *arg)
{
  struct scraper *s = arg;
  while (s->a->scrapes[s->idx] < s->a->max_scrapes)
  {
    if (as_sleep(0.0005) != 0)
      return -ECANCELED;
    s->a->scrapes[s->idx]++;
  }
  printf("agent: scraper %d ran out of targets\n", s->idx);
  return 0;                   /* a daemon returning: the agent fails */
}

static int upload(void *arg)
{
  agent_t *a = arg;
  int rc = as_sleep(60);      /* never gets there: cancelled by the daemon exit */
  if (rc == 0)
    a->uploads++;
  return rc;
}

/* A table of spawners: the uploader goes through a function pointer. */
static int (*const spawn)(as_manager *, as_task_fn, void *, const char *) = as_run_task;

int agent_run(as_service *self)
{
  agent_t *a = container_of(self, agent_t, base);
  static struct scraper s0, s1;
  int rc;

  s0 = (struct scraper){ a, 0 };
  s1 = (struct scraper){ a, 1 };
  if ((rc = SPAWN_DAEMON(self->manager, scrape_a, &s0)) < 0)
    return rc;
  if ((rc = SPAWN_DAEMON(self->manager, scrape_b, &s1)) < 0)
    return rc;
  rc = spawn(self->manager, upload, a, "upload");
  if (rc) return rc;
  return as_wait_finished(self->manager);
}

void agent_init(agent_t *a, const char *name, int max_scrapes)
{
  a->name = name;
  a->uploads = 0;
  a->scrapes[0] = a->scrapes[1] = 0;
  a->max_scrapes = max_scrapes;
  as_service_init(&a->base, agent_run, name);
}
