/* event.c — anyc_event: a one-shot flag tasks can wait for (Trio's Event).
 *
 * set() wakes every waiter and the event stays set; there is no clear().  wait() is a
 * full checkpoint even when the event is already set (Trio), and a cancelled waiter is
 * unlinked and wakes with -ECANCELED, leaving the event untouched.
 */
#include <errno.h>

#include "internal.h"

struct event {
  struct anyc__list waiters; /* parked tasks, FIFO, via their wait_link */
  int is_set;
};
_Static_assert(sizeof(struct event) <= sizeof(anyc_event), "anyc_event storage too small");

static inline struct event *impl(anyc_event *e) { return (struct event *)(void *)e; }

void anyc_event_init(anyc_event *e)
{
  anyc__list_init(&impl(e)->waiters);
  impl(e)->is_set = 0;
}

void anyc_event_set(anyc_event *e)
{
  struct event *ev = impl(e);
  if (ev->is_set)
    return;
  ev->is_set = 1;
  if (ANYC_UNLIKELY(!anyc__rt) && !anyc__list_empty(&ev->waiters))
    anyc__die("anyc_event_set with waiting tasks from a thread that is not running the "
              "loop (from a to_thread worker, use anyc_from_thread)");
  while (!anyc__list_empty(&ev->waiters)) {
    struct anyc__list *n = ev->waiters.next;
    anyc__list_remove(n);
    anyc__wake(anyc__container_of(n, struct anyc__task, wait_link), 0);
  }
}

int anyc_event_is_set(const anyc_event *e) { return ((const struct event *)(const void *)e)->is_set; }

static void wait_abort(struct anyc__task *t) { anyc__list_remove(&t->wait_link); }

int anyc_event_wait(anyc_event *e)
{
  struct anyc__task *t = anyc__rt ? anyc__rt->current : NULL;
  if (ANYC_UNLIKELY(!t))
    return -EPERM;
  struct event *ev = impl(e);
  if (ev->is_set)
    return anyc_checkpoint();
  if (anyc__task_cancelled(t))
    return -ECANCELED;
  anyc__list_push(&ev->waiters, &t->wait_link);
  return anyc__park("event", wait_abort, ev);
}
