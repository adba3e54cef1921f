/* warmer.c — a request front-end that keeps two helper services in background blocks:
 * a cache warmer (stopped when the block is left) and a schema checker that fails,
 * which cancels the block it runs beside.  GNU coding style. */
#include <errno.h>
#include <stdio.h>

#include <async_service.h>

struct warmer
{
  as_service service;
  int warmed;
  int target;
};

struct checker
{
  as_service service;
  int checked;
};

static int
warmer_run (as_service *self)
{
  struct warmer *w = (struct warmer *) self;
  while (as_is_running (self->manager))
    {
      int rc = as_sleep (0.0005);
      if (rc)
        return rc;
      if (w->warmed < w->target)
        printf ("warmer: warmed %d\n", ++w->warmed);
    }
  return 0;
}

static int
checker_run (as_service *self)
{
  struct checker *c = (struct checker *) self;
  int rc = as_sleep (0.001);
  if (rc)
    return rc;
  c->checked = 1;
  printf ("checker: schema mismatch\n");
  return -EPROTO;
}

static int
warm_cache (void *arg)
{
  int *warmed = arg;
  struct warmer w = { .target = 3 };
  as_manager *m;

  as_service_init (&w.service, warmer_run, "warmer");
  int rc = as_background_service_enter (&w.service, &m);
  if (rc < 0)
    return rc;
  while (w.warmed < w.target)
    if ((rc = as_sleep (0.0002)) != 0)
      break;
  *warmed = w.warmed;
  rc = as_background_service_exit (m, rc);
  as_service_destroy (&w.service);
  printf ("front: warmer stopped: %s\n", anyc_strerror (rc));
  return rc;
}

static int
check_schema (void *arg)
{
  (void) arg;
  struct checker c = { .checked = 0 };
  as_manager *m;
  int rc;

  as_service_init (&c.service, checker_run, "checker");
  rc = as_background_service_enter (&c.service, &m);
  if (rc < 0)
    return rc;
  rc = as_sleep (5);            /* serve requests until the checker objects */
  printf ("front: body woke: %s\n", anyc_strerror (rc));
  rc = as_background_service_exit (m, rc);
  as_service_destroy (&c.service);
  return rc;
}

static int
front (void *arg)
{
  (void) arg;
  int warmed = 0;
  int rc = warm_cache (&warmed);
  if (rc)
    return rc;
  printf ("front: cache warm (%d entries)\n", warmed);
  rc = check_schema (NULL);
  printf ("front: checker block: %s\n", anyc_strerror (rc));
  return rc;
}

int
main (void)
{
  return as_run (front, NULL) == -EPROTO ? 0 : 1;
}
