/* background.c — `async with background_trio_service(svc) as m:` as an enter/exit pair.
 *
 * enter opens a group in the calling task (upstream's nursery inside the context
 * manager), runs the manager in a task of that group and waits until it started.  The
 * caller's code up to exit is the group's body, so a service that fails ends its task
 * with the error, which cancels the body (Trio nursery semantics, matrix P16).  exit
 * cancels the service (the leaves-first path), then closes the group, which waits for
 * the manager to finish.
 */
#include <errno.h>

#include "internal.h"

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
    as_service_destroy(svc);
    return rc;
  }
  rc = anyc_event_wait(&m->started_ev);
  if (rc < 0) { /* the caller is cancelled: the service ends with it */
    AS_IGNORE(anyc_group_close(&m->bg, rc));
    return rc;
  }
  *out = m;
  return 0;
}

int as_background_service_exit(as_manager *m, int body_status)
{
  AS_TRACE("as_background_service_exit");
  as__manager_cancel(m); /* no-op when it already finished on its own */
  int rc = anyc_group_close(&m->bg, body_status);
  if (m->nerrors)
    return m->errors[0].code;
  return body_status ? body_status : rc;
}
