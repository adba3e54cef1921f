/* group.c — task groups (Trio's nurseries) and anyc_start().
 *
 * A group is caller-allocated: anyc_group's opaque storage holds a struct anyc__group,
 * whose first member is the cancel scope that encloses the body and every child.
 * Opening the group opens that scope in the owner; children are spawned under it, so
 * they inherit the scopes active at open time, never those active at spawn time.
 *
 * The rules (Trio's, see docs/internals/cancellation.md):
 *   - A child that returns non-zero — other than -ECANCELED while its cancel state is
 *     cancelled — is an error: it is recorded (code, task name, anyc_fail message) and
 *     the group's scope is cancelled.  The body's status passed to close counts the same.
 *   - Close waits for every child; children may spawn siblings meanwhile.  It returns the
 *     first error, else -ECANCELED when a cancellation from outside reached the group,
 *     else 0 (its own scope's cancellation is caught).  It is a schedule point, never a
 *     cancel point.
 *   - The error list moves to the owner task when the close returns (anyc_error_at).
 *
 * anyc_start(): the new task counts as a child of the target group from the start (a
 * pending start keeps the group open) but runs under the caller's scopes until it calls
 * anyc_started(); then it and its own scopes move under the group's scope.  If it ends
 * first, its status (and its anyc_fail message) goes to the caller, not to the group.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "internal.h"

_Static_assert(sizeof(struct anyc__group) <= sizeof(anyc_group),
               "anyc_group storage too small for struct anyc__group");
_Static_assert(_Alignof(struct anyc__group) <= _Alignof(anyc_group),
               "anyc_group storage under-aligned");

static inline struct anyc__group *impl(anyc_group *g) { return (struct anyc__group *)(void *)g; }

static inline int spawnable(const struct anyc__group *g)
{
  return g && (g->magic == ANYC__GROUP_OPEN || g->magic == ANYC__GROUP_CLOSING);
}

/* Record an error of task `t` in g and cancel the group's scope. */
static void group_error(struct anyc__group *g, struct anyc__task *t, int status)
{
  if (!g->first_error)
    g->first_error = status;
  char *msg = t->fail_msg;
  t->fail_msg = NULL;
  anyc__errors_add(&g->errors, status, anyc__task_name(t), msg);
  anyc__scope_cancel(&g->scope);
}

/* Sort a task's non-zero status: a cancellation it was subject to, or an error. */
static void group_settle(struct anyc__group *g, struct anyc__task *t, int status)
{
  if (status == 0)
    return;
  if (status == -ECANCELED && anyc__task_cancelled(t))
    g->saw_cancel = 1;
  else
    group_error(g, t, status);
}

/* t no longer counts as g's child; the last one out wakes the closing owner. */
static void child_gone(struct anyc__group *g, struct anyc__task *t)
{
  anyc__list_remove(&t->group_link);
  if (--g->nchildren == 0 && g->waiter) {
    struct anyc__task *w = g->waiter;
    g->waiter = NULL;
    /* Closed now, not when the owner resumes (Trio's _check_nursery_closed): a task
     * that runs before the owner must not spawn a child the close would leave behind. */
    g->magic = ANYC__GROUP_CLOSED;
    anyc__wake(w, 0);
  }
}

void anyc__group_child_done(struct anyc__group *g, struct anyc__task *t, int status)
{
  group_settle(g, t, status);
  child_gone(g, t);
}

void anyc_group_walk(anyc_group *gp, anyc_walk_cb cb, void *ctx)
{
  struct anyc__group *g = impl(gp);
  if (!cb || !anyc__rt || !spawnable(g))
    return;
  for (struct anyc__list *l = g->children.next; l != &g->children; l = l->next)
    cb((anyc_task *)(void *)anyc__container_of(l, struct anyc__task, group_link), ctx);
}

int anyc_group_open(anyc_group *gp)
{
  struct anyc__runtime *rt = anyc__rt;
  struct anyc__task *t = rt ? rt->current : NULL;
  if (ANYC_UNLIKELY(!t))
    return -EPERM;
  if (!gp)
    return -EINVAL;
  struct anyc__group *g = impl(gp);
  memset(&g->children, 0, sizeof *g - offsetof(struct anyc__group, children));
  int rc = anyc__scope_open(&g->scope, INFINITY, 0);
  if (rc < 0)
    return rc;
  g->scope.group = g;
  anyc__list_init(&g->children);
  g->owner = t;
  g->magic = ANYC__GROUP_OPEN;
  return 0;
}

int anyc_start_soon_named(anyc_group *gp, const char *name, anyc_fn fn, void *arg)
{
  struct anyc__group *g = impl(gp);
  if (ANYC_UNLIKELY(!anyc__rt))
    return -EPERM;
  if (!spawnable(g) || !fn)
    return -EINVAL;
  return anyc__task_spawn(g, &g->scope, name, fn, NULL, arg, NULL);
}

int anyc_start_soon(anyc_group *g, anyc_fn fn, void *arg)
{
  return anyc_start_soon_named(g, NULL, fn, arg);
}

int anyc_group_close(anyc_group *gp, int body_status)
{
  struct anyc__runtime *rt = anyc__rt;
  struct anyc__task *t = rt ? rt->current : NULL;
  struct anyc__group *g = impl(gp);
  if (ANYC_UNLIKELY(!t))
    return -EPERM;
  if (!g || g->magic != ANYC__GROUP_OPEN)
    return -EINVAL;
  if (g->owner != t || t->cur_scope != &g->scope)
    anyc__die("task group closed out of order (or by a task that did not open it)");
  group_settle(g, t, body_status);
  g->magic = ANYC__GROUP_CLOSING;
  if (g->nchildren > 0) {
    g->waiter = t;
    anyc__park("group close", NULL, g);
  } else {
    /* Closed before the schedule point, as Trio's __aexit__ is: a spawn during it fails. */
    g->magic = ANYC__GROUP_CLOSED;
    anyc__yield(); /* a schedule point, not a cancel point (Trio's __aexit__) */
  }
  /* Errors pass the group's scope untouched; only a cancellation can be caught by it. */
  int status = anyc__scope_close(&g->scope, g->saw_cancel ? -ECANCELED : 0);
  if (g->first_error)
    status = g->first_error;
  anyc__errors_clear(&t->errors);
  t->errors = g->errors;
  memset(&g->errors, 0, sizeof g->errors);
  return status;
}

void anyc_group_cancel(anyc_group *gp)
{
  struct anyc__group *g = impl(gp);
  /* The scope, not the group's state: a group is closed to spawns as soon as its last
   * child ends, but its scope lives until the owner's close returns (as a nursery's
   * cancel_scope does), and cancelling it meanwhile is still recorded. */
  if (g && (g->magic == ANYC__GROUP_OPEN || g->magic == ANYC__GROUP_CLOSING ||
            g->magic == ANYC__GROUP_CLOSED) && g->scope.magic == ANYC__SCOPE_OPEN)
    anyc__scope_cancel(&g->scope);
}

/* ---- anyc_start ---- */

int anyc_start(anyc_group *gp, anyc_start_fn fn, void *arg, void **started_value)
{
  struct anyc__runtime *rt = anyc__rt;
  struct anyc__task *t = rt ? rt->current : NULL;
  struct anyc__group *g = impl(gp);
  if (ANYC_UNLIKELY(!t))
    return -EPERM;
  if (!spawnable(g) || !fn)
    return -EINVAL;
  struct anyc__start st = {.waiter = t, .target = g, .state = ANYC__START_PENDING};
  int rc = anyc__task_spawn(g, t->cur_scope, NULL, NULL, fn, arg, &st.child);
  if (rc < 0)
    return rc;
  st.child->start = &st;
  anyc__park("anyc_start", NULL, &st);
  if (st.result == 0 && started_value)
    *started_value = st.value;
  return st.result;
}

void anyc_started(anyc_task_status *status, void *value)
{
  struct anyc__task *t = anyc__rt ? anyc__rt->current : NULL;
  if (!status || !t || (struct anyc__task *)(void *)status != t || !t->is_start)
    anyc__die("anyc_started called with a status that is not this task's");
  struct anyc__start *st = t->start; /* NULL once started: the caller has moved on */
  if (!st || st->state != ANYC__START_PENDING)
    anyc__die("anyc_started called twice on the same task status");
  st->value = value;
  if (anyc__scope_chain_cancelled(t->base_scope)) {
    /* The caller is cancelled: stay under anyc_start() until the task ends (Trio). */
    st->state = ANYC__START_STAYED;
    return;
  }
  st->state = ANYC__START_STARTED;
  t->start = NULL;
  anyc__scope_reparent_task(t, &st->target->scope);
  st->result = 0;
  anyc__wake(st->waiter, 0);
}

void anyc__start_child_done(struct anyc__task *t, int status)
{
  struct anyc__start *st = t->start;
  struct anyc__group *g = st->target;
  /* The task's error comes out of anyc_start() with its anyc_fail message, as Trio
   * re-raises the child's exception itself out of start(): the message goes with the
   * next error the caller reports (the body status it passes to a group close, or its
   * return value).  A cancellation it was subject to is no error of its own. */
  if (t->fail_msg && status != 0 && !(status == -ECANCELED && anyc__task_cancelled(t))) {
    anyc__free(st->waiter->fail_msg);
    st->waiter->fail_msg = t->fail_msg;
  } else {
    anyc__free(t->fail_msg);
  }
  t->fail_msg = NULL;
  if (st->state == ANYC__START_PENDING && status == 0)
    status = -EINVAL; /* returned without calling anyc_started */
  st->state = ANYC__START_DONE;
  st->result = status;
  t->start = NULL;
  child_gone(g, t);
  anyc__wake(st->waiter, 0);
}
