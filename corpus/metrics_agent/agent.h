/* agent.h — a metrics agent: a scraper daemon per target and an uploader task.  The
 * service is embedded in the middle of the struct, so run() recovers the agent with
 * container_of. */
#ifndef AGENT_H
#define AGENT_H

#include <stddef.h>
#include <async_service.h>

#define container_of(p, type, member) ((type *)((char *)(p) - offsetof(type, member)))

typedef struct agent agent_t;
struct agent
{
  const char *name;
  as_service base;            /* not first */
  int scrapes[2];
  int uploads;
  int max_scrapes;            /* the second scraper gives up after this many */
};

void agent_init(agent_t *a, const char *name, int max_scrapes);
int agent_run(as_service *self);          /* non-static: tests call it directly */

#endif
