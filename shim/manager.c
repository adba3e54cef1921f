/* manager.c — the service manager (upstream TrioManager): attaching, running a service
 * to completion, the cancel handler, lifecycle flags, stats and the error list, and the
 * public calls that schedule tasks and child services.
 *
 * Running a manager happens in the calling task (as Manager.run() does in Python): it
 * opens the system group (holding the cancel handler), then the task group, marks the
 * service started and schedules `run` as the first root task.  as_cancel() only sets the
 * flag and wakes the handler, which cancels the root tasks leaves first (task.c) and then
 * the whole task group as a catch-all, exactly upstream's _handle_cancelled.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

AS_TLS char as__thread_marker;

void as_service_init(as_service *svc, as_run_fn run, const char *name)
{
  AS_TRACE("as_service_init");
  if (!svc) /* void: nothing to report; as_run_service(NULL) is -EINVAL */
    return;
  memset(svc, 0, sizeof *svc);
  svc->run = run;
  svc->name = name;
}

/* Freeing a manager that runs, or that a scheduled task will run, leaves its tasks on
 * freed memory (and one whose background block is open, the thread's list of blocks):
 * a corruption found much later, far from the call.  There is no error to return (void,
 * as Python's `del`), so it aborts at the call, naming service and task. */
AS_COLD static void destroy_live(const as_manager *m)
{
  const char *task = anyc_task_name();
  fprintf(stderr,
          "async_service: as_service_destroy('%s') while the service %s: destroy it after "
          "it finished, or if it never ran (in task '%s')\n",
          m->svc->name ? m->svc->name : "service",
          m->finished  ? "is in a background block still open"
          : m->started ? "is running"
                       : "is scheduled to run",
          task[0] ? task : "<none>");
  abort();
}

void as_service_destroy(as_service *svc)
{
  AS_TRACE("as_service_destroy");
  as_manager *m = svc ? svc->manager : NULL;
  if (m && (((m->started || m->scheduled) && !m->finished) || m->bg_key))
    destroy_live(m);
  as__manager_detach(svc);
}

/* The shim's own release (a manager it attached and then could not start): not a legacy
 * call of the program, so not traced. */
void as__manager_detach(as_service *svc)
{
  as_manager *m = svc ? svc->manager : NULL;
  if (!m)
    return;
  for (size_t i = 0; i < m->nerrors; i++)
    free(m->errors[i].message);
  free(m->errors);
  as__tasks_release(m);
  free(m);
  svc->manager = NULL;
}

/* Recent refusals on this thread: which task, which code, upstream's message.  Several
 * tasks may each hold a refusal across checkpoints before returning it (a handler
 * refused by one peer's stopped manager while another is refused by a child that had a
 * manager), so one slot per task, the oldest reused past AS_REFUSALS.  A task is
 * compared by its handle only while it may still run; a recycled handle would need the
 * same code without a refusal of its own, and then gets a LifecycleError's text. */
#define AS_REFUSALS 8
static AS_TLS struct refusal {
  anyc_task *task;
  int code;
  char *message; /* a copy: the too-many-children text is built per refusal */
} refusals[AS_REFUSALS];
static AS_TLS unsigned refusal_next;

int as__refuse(int code, const char *message)
{
  anyc_task *self = anyc_current_task();
  if (!self) /* outside a task: no task will return it */
    return code;
  struct refusal *r = NULL;
  for (size_t i = 0; i < AS_REFUSALS && !r; i++)
    if (refusals[i].task == self)
      r = &refusals[i];
  if (!r)
    r = &refusals[refusal_next++ % AS_REFUSALS];
  free(r->message);
  /* Without memory the refusal stands and its text is lost; the thread's exit frees the
   * copies still held (as__thread_storage_arm). */
  char *copy = message && as__thread_storage_arm() == 0 ? strdup(message) : NULL;
  *r = (struct refusal){self, code, copy};
  return code;
}

char *as__refusal_take(int code)
{
  anyc_task *self = anyc_current_task();
  if (!self)
    return NULL;
  for (size_t i = 0; i < AS_REFUSALS; i++)
    if (refusals[i].task == self && refusals[i].code == code) {
      char *message = refusals[i].message;
      refusals[i].task = NULL; /* used once */
      refusals[i].message = NULL;
      return message;
    }
  return NULL;
}

void as__refusals_free(void)
{
  for (size_t i = 0; i < AS_REFUSALS; i++) {
    free(refusals[i].message);
    refusals[i] = (struct refusal){0};
  }
}

int as__manager_attach(as_service *svc, as_manager **out)
{
  if (!svc || !svc->run)
    return -EINVAL;
  if (svc->manager) /* one manager for life */
    return as__refuse(AS_ELIFECYCLE, "Service already has a manager.");
  as_manager *m = calloc(1, sizeof *m);
  if (!m)
    return -ENOMEM;
  m->svc = svc;
  anyc_event_init(&m->started_ev);
  anyc_event_init(&m->cancel_ev);
  anyc_event_init(&m->finished_ev);
  svc->manager = m;
  *out = m;
  return 0;
}

int as__manager_record(as_manager *m, int code, const char *message)
{
  if (m->nerrors == m->cap_errors) {
    size_t cap = m->cap_errors ? m->cap_errors * 2 : 4;
    as_error *e = realloc(m->errors, cap * sizeof *e);
    if (!e)
      return -ENOMEM;
    m->errors = e;
    m->cap_errors = cap;
  }
  m->errors[m->nerrors].code = code;
  m->errors[m->nerrors].message = message ? strdup(message) : NULL;
  m->nerrors++;
  as__manager_cancel(m); /* upstream: every recorded error cancels the service */
  return 0;
}

/* The system task: wait for cancellation, then unroll the tree leaves first. */
static int cancel_handler(void *arg)
{
  as_manager *m = arg;
  if (anyc_event_wait(&m->cancel_ev) < 0)
    return 0; /* shutting down, or cancelled from outside: the group scope does it */
  as__tasks_link(m);
  while (m->roots)
    if (as__task_cancel(m->roots) < 0)
      return 0;
  anyc_group_cancel(&m->group); /* catch-all for tasks not in the tree yet */
  return 0;
}

static int run_entry(void *arg)
{
  as_service *svc = arg;
  return svc->run(svc);
}

int as__manager_run(as_manager *m)
{
  if (m->started)
    return AS_ELIFECYCLE;
  if (anyc_cancelled()) {
    /* Upstream's run() first takes its run lock, a checkpoint: a caller already
     * cancelled gets Cancelled there, before the service started (run never runs,
     * is_started stays false) -- and its finally marks the manager finished. */
    m->finished = 1;
    anyc_event_set(&m->finished_ev);
    return -ECANCELED;
  }
  anyc_group sys;
  int rc = anyc_group_open(&sys);
  if (rc < 0)
    return rc;
  rc = anyc_start_soon_named(&sys, "cancel handler", cancel_handler, m);
  if (rc < 0)
    return anyc_group_close(&sys, rc);
  AS_IGNORE(anyc_group_open(&m->group)); /* cannot fail: we are in a task */
  m->thread = &as__thread_marker;
  m->group_open = m->spawn_fast = 1;
  m->started = 1;
  anyc_event_set(&m->started_ev);
  rc = as__schedule(m, run_entry, m->svc, NULL, "run", 0);
  m->total = 0; /* upstream: `run` itself is not counted */
  if (rc < 0)
    as__manager_record(m, rc, "cannot schedule the service's run");
  if (m->cancel_at_start)
    as__manager_cancel(m);
  AS_IGNORE(anyc_group_close(&m->group, 0)); /* tasks report through the error list */
  m->group_open = m->spawn_fast = 0;
  anyc_group_cancel(&sys);
  /* Close the system group with the service's first error and its message, so the
   * caller's last closed group describes what run() raised: a legacy task returning it
   * re-raises it, message included (record_task_error).  No message stays pending. */
  rc = m->nerrors ? m->errors[0].code : 0;
  if (rc && m->errors[0].message)
    AS_IGNORE(anyc_fail(rc, "%s", m->errors[0].message));
  AS_IGNORE(anyc_group_close(&sys, rc));
  m->finished = 1;
  anyc_event_set(&m->finished_ev);
  if (anyc_cancelled())
    return -ECANCELED; /* the caller was cancelled from outside */
  return rc;
}

/* Inside a task, run there; outside any task, start the runtime for it. */
static int run_service_main(void *arg)
{
  return as__manager_run(arg);
}

int as_run_service(as_service *svc)
{
  AS_TRACE("as_run_service");
  as_manager *m;
  int rc = as__manager_attach(svc, &m);
  if (rc)
    return rc;
  rc = anyc_run(run_service_main, m);
  return rc == -EBUSY ? as__manager_run(m) : rc;
}

/* ---- scheduling ---- */

/* as_run_task and as_run_daemon_task: task.c, beside the scheduling they inline. */

static int run_child(as_manager *m, as_service *child, const char *name, int daemon)
{
  if (!m || !child || !child->run)
    return -EINVAL;
  /* Upstream builds the child's manager (attaching it: "Service already has a manager."
   * if it had one) before it checks the parent is running and the child limit, so a
   * child refused for those reasons keeps its manager, never started: one for life. */
  as_manager *cm;
  int rc = as__manager_attach(child, &cm);
  if (rc)
    return rc;
  unsigned long scheduled_before = m->total; /* 0 is also "dropped": total tells */
  rc = as__schedule(m, NULL, NULL, child, name, daemon);
  if (rc < 0 && rc != AS_ELIFECYCLE && rc != AS_ETOOMANYCHILDREN)
    as__manager_detach(child);
  else if (rc == 0 && m->total != scheduled_before)
    cm->scheduled = 1;
  return rc;
}

int as_run_child_service(as_manager *m, as_service *child, const char *name)
{
  AS_TRACE("as_run_child_service");
  return run_child(m, child, name, 0);
}

int as_run_daemon_child_service(as_manager *m, as_service *child, const char *name)
{
  AS_TRACE("as_run_daemon_child_service");
  return run_child(m, child, name, 1);
}

/* ---- waiting and cancelling ---- */

/* A waiter of another run's loop would be queued on this loop's event, and woken by
 * this loop: refused.  An event already set queues nobody (a checkpoint of the caller's
 * own loop).  Before the service started its loop is not known yet. */
static int wait_on(as_manager *m, anyc_event *ev)
{
  if (!m)
    return -EINVAL;
  if (m->thread && !as__on_loop_thread(m) && !anyc_event_is_set(ev))
    return -EPERM;
  return anyc_event_wait(ev);
}

int as_wait_started(as_manager *m)
{
  AS_TRACE("as_wait_started");
  return wait_on(m, m ? &m->started_ev : NULL);
}

int as_wait_finished(as_manager *m)
{
  AS_TRACE("as_wait_finished");
  return wait_on(m, m ? &m->finished_ev : NULL);
}

/* Stopping a service from a blocking worker (asyncio's call_soon_threadsafe(
 * manager.cancel)) is the one legacy call made from other threads: from an as_to_thread
 * worker, cancel and stop run as a task on the loop.  Anywhere else anyc_from_thread
 * answers -EPERM and the call runs here, on the loop thread. */
static int cancel_on_loop(void *m) { return as__manager_cancel(m); }
static int stop_on_loop(void *m)
{
  int rc = as__manager_cancel(m);
  return rc < 0 ? rc : anyc_event_wait(&((as_manager *)m)->finished_ev);
}

/* anyc_from_thread answered -EPERM: the caller is no to_thread worker.  A running
 * service called from a thread other than its loop's (a plain thread, the loop of
 * another run): nothing can carry the call to the loop, and touching the manager there
 * would race it (the runtime aborts on the handler's wake-up, or wakes it on the wrong
 * loop). */
static int foreign_thread(const as_manager *m)
{
  return m && as__manager_is_running(m) && !as__on_loop_thread(m);
}

int as_cancel(as_manager *m)
{
  AS_TRACE("as_cancel");
  int rc = anyc_from_thread(cancel_on_loop, m);
  if (rc != -EPERM)
    return rc;
  return foreign_thread(m) ? -EPERM : cancel_on_loop(m);
}

int as__manager_cancel(as_manager *m)
{
  if (!m || !m->started)
    return as__refuse(AS_ELIFECYCLE, "Cannot cancel as service which was never started.");
  if (m->finished || m->cancelled)
    return 0;
  m->cancelled = 1;
  m->spawn_fast = 0;
  anyc_event_set(&m->cancel_ev);
  return 0;
}

int as_stop(as_manager *m)
{
  AS_TRACE("as_stop");
  if (!m) /* never started: as_cancel's refusal */
    return as__manager_cancel(m);
  int rc = anyc_from_thread(stop_on_loop, m);
  if (rc != -EPERM)
    return rc;
  return foreign_thread(m) ? -EPERM : stop_on_loop(m);
}

/* ---- flags, stats, errors ----
 * Before a service first runs, its `manager` member is NULL: C's rendering of upstream's
 * fresh manager.  These reads answer as that fresh manager does (every flag false, stats
 * (0, 0), no errors) instead of faulting -- upstream test_service_manager_initial_state. */

int as_is_started(const as_manager *m)
{
  AS_TRACE("as_is_started");
  return m && m->started;
}

int as_is_running(const as_manager *m)
{
  AS_TRACE("as_is_running");
  return m && as__manager_is_running(m);
}

int as_is_cancelled(const as_manager *m)
{
  AS_TRACE("as_is_cancelled");
  return m && m->cancelled;
}

int as_is_finished(const as_manager *m)
{
  AS_TRACE("as_is_finished");
  return m && m->finished;
}

int as_did_error(const as_manager *m)
{
  AS_TRACE("as_did_error");
  return m && m->nerrors > 0;
}

void as_get_stats(const as_manager *m, as_stats *out)
{
  AS_TRACE("as_get_stats");
  if (!out) /* void: nothing to report, nothing to write */
    return;
  if (!m) {
    out->total_count = out->finished_count = out->pending_count = 0;
    return;
  }
  out->total_count = m->total;
  out->finished_count = m->done < m->total ? m->done : m->total;
  out->pending_count = out->total_count - out->finished_count;
}

size_t as_error_count(const as_manager *m)
{
  AS_TRACE("as_error_count");
  return m ? m->nerrors : 0;
}

int as_error_at(const as_manager *m, size_t i, int *code, const char **message)
{
  AS_TRACE("as_error_at");
  if (!m || i >= m->nerrors)
    return -ERANGE;
  if (code)
    *code = m->errors[i].code;
  if (message)
    *message = m->errors[i].message;
  return 0;
}
