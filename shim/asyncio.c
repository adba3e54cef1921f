/* asyncio.c — the asyncio-style calls legacy programs used beside the manager:
 * asyncio.run, asyncio.sleep and asyncio.wait_for, each a thin layer over anyc.h. */
#include <errno.h>

#include "internal.h"

int as_run(as_task_fn main, void *arg)
{
  AS_TRACE("as_run");
  return anyc_run(main, arg);
}

int as_sleep(double seconds)
{
  AS_TRACE("as_sleep");
  return anyc_sleep(seconds);
}

int as_wait_for(as_task_fn fn, void *arg, double timeout)
{
  AS_TRACE("as_wait_for");
  anyc_scope s;
  int rc = anyc_fail_after(&s, timeout);
  if (rc < 0)
    return rc;
  return anyc_scope_close(&s, fn(arg));
}
