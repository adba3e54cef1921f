/* thread.c — asyncio.to_thread: anyc_to_thread() without the abandon flag.  Kept apart
 * because it needs the runtime's worker threads. */
#include "internal.h"

int as_to_thread(as_task_fn fn, void *arg)
{
  AS_TRACE("as_to_thread");
  return anyc_to_thread(fn, arg, 0);
}
