/* warmer.c — a request front-end that keeps two helper services in background blocks:
 * a cache warmer (stopped when the block is left) and a schema checker that fails,
 * which cancels the block it runs beside.  GNU coding style. */
#include <errno.h>
#include <stdio.h>

#include <anyc.h>

struct warmer
{
  int warmed;
  int target;
};

struct checker
{
  int checked;
};

static int
warmer_run (void *arg)
{
  struct warmer *w = arg;
  while (!anyc_cancelled())
    {
      int rc = anyc_sleep (0.0005);
      if (rc)
        return rc;
      if (w->warmed < w->target)
        printf ("warmer: warmed %d\n", ++w->warmed);
    }
  return 0;
}

static int
checker_run (void *arg)
{
  struct checker *c = arg;
  int rc = anyc_sleep (0.001);
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

  anyc_group tg;
  int rc = anyc_group_open(&tg);
  if (rc < 0) return rc;
  rc = anyc_start_soon_named(&tg, "warmer", warmer_run, &w);
  if (rc < 0)
    return anyc_group_close(&tg, rc);
  while (w.warmed < w.target)
    if ((rc = anyc_sleep (0.0002)) != 0)
      break;
  *warmed = w.warmed;
  anyc_group_cancel(&tg);
  rc = anyc_group_close(&tg, rc);
  printf ("front: warmer stopped: %s\n", anyc_strerror (rc));
  return rc;
}

static int
check_schema (void *arg)
{
  (void) arg;
  struct checker c = { .checked = 0 };
  int rc;

  anyc_group tg;
  rc = anyc_group_open(&tg);
  if (rc < 0) return rc;
  rc = anyc_start_soon_named(&tg, "checker", checker_run, &c);
  if (rc < 0)
    return anyc_group_close(&tg, rc);
  rc = anyc_sleep (5);            /* serve requests until the checker objects */
  printf ("front: body woke: %s\n", anyc_strerror (rc));
  anyc_group_cancel(&tg);
  rc = anyc_group_close(&tg, rc);
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
  return anyc_run (front, NULL) == -EPROTO ? 0 : 1;
}
