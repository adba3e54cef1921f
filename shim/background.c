/* background.c — `async with background_trio_service(svc) as m:` as an enter/exit pair.
 *
 * enter opens a group in the calling task (upstream's nursery inside the context
 * manager), runs the manager in a task of that group and waits until it started.  The
 * caller's code up to exit is the group's body, so a service that fails ends its task
 * with the error, which cancels the body (Trio nursery semantics, matrix P16).  exit
 * cancels the service (the leaves-first path) and waits until it finished, as upstream's
 * `finally: await manager.stop()`, then closes the group with the body's status.
 *
 * Blocks nest: `async with` leaves them in reverse order of entering, and the groups
 * underneath must close that way.  The open blocks of the thread form a stack (bg_top);
 * exit checks that the block is the innermost one its task holds, so leaving them in
 * another order aborts with a message about blocks, naming the services and the task,
 * instead of the runtime's generic out-of-order close.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

static AS_TLS as_manager *bg_top; /* innermost open block on this thread, any task */

static const char *service_name(const as_manager *m)
{
  return m->svc->name ? m->svc->name : "service";
}

/* Unlink `m` from the open blocks; abort if its task holds a block entered after it. */
static void block_leave(as_manager *m)
{
  const char *key = anyc_task_name();
  if (!m->bg_key) { /* left already (an `async with` is left once) */
    fprintf(stderr,
            "async_service: as_background_service_exit('%s') of a block already left (in "
            "task '%s')\n",
            service_name(m), key);
    abort();
  }
  for (as_manager **p = &bg_top; *p; p = &(*p)->bg_outer) {
    as_manager *b = *p;
    if (b == m) {
      *p = m->bg_outer;
      m->bg_key = NULL; /* out of the list: as_service_destroy may free it */
      return;
    }
    if (b->bg_key == key) {
      fprintf(stderr,
              "async_service: as_background_service_exit('%s') while the block of '%s', "
              "entered after it, is still open: blocks are left in reverse order of "
              "entering (in task '%s')\n",
              service_name(m), service_name(b), key);
      abort();
    }
  }
  fprintf(stderr,
          "async_service: as_background_service_exit('%s') by a task that did not enter "
          "the block (in task '%s')\n",
          service_name(m), key);
  abort();
}

static int background_main(void *arg)
{
  as_manager *m = arg;
  int rc = as__manager_run(m);
  if (rc < 0 && m->nerrors && m->errors[0].message)
    return anyc_fail(rc, "%s", m->errors[0].message);
  return rc;
}

int as_background_service_enter(as_service *svc, as_manager **out)
{
  AS_TRACE("as_background_service_enter");
  if (!out)
    return -EINVAL;
  as_manager *m;
  int rc = as__manager_attach(svc, &m);
  if (rc)
    return rc;
  rc = anyc_group_open(&m->bg);
  if (rc == 0)
    rc = anyc_start_soon_named(&m->bg, svc->name ? svc->name : "service", background_main,
                               m);
  if (rc < 0) {
    if (rc != -EPERM)
      AS_IGNORE(anyc_group_close(&m->bg, rc));
    as__manager_detach(svc);
    return rc;
  }
  m->scheduled = 1;
  rc = anyc_event_wait(&m->started_ev);
  if (rc < 0) { /* the caller is cancelled: the service ends with it */
    AS_IGNORE(anyc_group_close(&m->bg, rc));
    return rc;
  }
  m->bg_key = anyc_task_name();
  m->bg_outer = bg_top;
  bg_top = m;
  *out = m;
  return 0;
}

int as_background_service_exit(as_manager *m, int body_status)
{
  AS_TRACE("as_background_service_exit");
  if (!m)
    return -EINVAL;
  block_leave(m);
  as__manager_cancel(m); /* no-op when it already finished on its own */
  /* Upstream's `finally: await manager.stop()` runs before the nursery sees the body's
   * error, so the service is stopped leaves first.  Closing at once with an error status
   * would cancel the block's group, i.e. every task of the service together.  A caller
   * cancelled from outside gets -ECANCELED here at once (as stop()'s wait would raise)
   * and the close below then waits, as the nursery does. */
  if (!m->finished)
    AS_IGNORE(anyc_event_wait(&m->finished_ev));
  int rc = anyc_group_close(&m->bg, body_status);
  if (m->nerrors)
    return m->errors[0].code;
  return body_status ? body_status : rc;
}
