/* asyncio.c — the asyncio-style calls legacy programs used beside the manager:
 * asyncio.run, asyncio.sleep and asyncio.wait_for, each a thin layer over anyc.h. */
#include <errno.h>

#include "internal.h"

int as_run(as_task_fn main, void *arg)
{
  AS_TRACE("as_run");
  return anyc_run(main, arg);
}

/* asyncio accepts delays and timeouts <= 0 ("already due": sleep just yields, wait_for
 * times out at fn's first suspension); trio and anyc refuse negative ones with -EINVAL.
 * Code computing `deadline - now` relies on asyncio's reading, so clamp.  NaN stays an
 * error. */
static double not_negative(double seconds) { return seconds < 0 ? 0 : seconds; }

int as_sleep(double seconds)
{
  AS_TRACE("as_sleep");
  return anyc_sleep(not_negative(seconds));
}

int as_wait_for(as_task_fn fn, void *arg, double timeout)
{
  AS_TRACE("as_wait_for");
  if (!fn) /* as anyc_to_thread and anyc_run answer a NULL function */
    return -EINVAL;
  anyc_scope s;
  int rc = anyc_fail_after(&s, not_negative(timeout));
  if (rc < 0)
    return rc;
  return anyc_scope_close(&s, fn(arg));
}
