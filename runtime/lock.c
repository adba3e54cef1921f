/* lock.c — anyc_lock: a FIFO-fair mutex for tasks (Trio's Lock).
 *
 * An owner and a FIFO of parked waiters.  Release hands the lock to the first waiter
 * and makes it the owner at once, so the releasing task cannot take it back before the
 * waiters (release is not a checkpoint).  Re-acquiring by the owner returns -EDEADLK and
 * releasing by anyone else aborts with a message naming both tasks: Trio raises
 * RuntimeError for both, but a release by a non-owner means the program's idea of who
 * holds the lock is already wrong, which the spec treats as structural misuse.
 *
 * An owner that ends without releasing breaks the lock (Trio's parking-lot breaker,
 * trio >= 0.27: "BrokenResourceError: Owner of this lock exited without releasing"):
 * the tasks waiting for it wake with -EOWNERDEAD (POSIX robust mutexes' code for the
 * same event) and every later acquire returns it at once, instead of waiting forever.
 * To find its locks when it ends, a task keeps the locks it holds in a list through
 * the locks themselves (t->locks, next_held); the owner's struct outlives it (task.c
 * keeps a task that ended holding anything until the run ends), so a broken lock still
 * names it.
 */
#include <errno.h>

#include "sync.h"

struct lock {
  struct anyc__list waiters;  /* parked acquirers, FIFO, via their wait_link */
  struct anyc__task *owner;   /* NULL when free */
  struct lock *next_held;     /* the owner's next held lock (owner->locks) */
};
_Static_assert(sizeof(struct lock) <= sizeof(anyc_lock), "anyc_lock storage too small");
_Static_assert(_Alignof(struct lock) <= _Alignof(anyc_lock), "anyc_lock storage under-aligned");

static inline struct lock *impl(anyc_lock *l) { return (struct lock *)(void *)l; }

void anyc_lock_init(anyc_lock *lp)
{
  struct lock *l = impl(lp);
  anyc__list_init(&l->waiters);
  l->owner = NULL;
  l->next_held = NULL;
}

/* t becomes the owner of l. */
static inline void take(struct lock *l, struct anyc__task *t)
{
  l->owner = t;
  l->next_held = t->locks;
  t->locks = l;
  t->held++;
}

static void wait_abort(struct anyc__task *t) { anyc__list_remove(&t->wait_link); }

/* The lock's owner ended holding it: -EOWNERDEAD, with Trio's message. */
static int broken(const struct lock *l)
{
  return anyc_fail(-EOWNERDEAD, "owner of this lock exited without releasing: task '%s'",
                   anyc__task_name(l->owner));
}

int anyc_lock_acquire(anyc_lock *lp)
{
  struct anyc__task *t = anyc__current();
  struct lock *l = impl(lp);
  if (ANYC_UNLIKELY(!t))
    return -EPERM;
  if (anyc__task_cancelled(t))
    return -ECANCELED;
  if (!l->owner) {
    take(l, t); /* before the schedule point */
    anyc__yield();
    return 0;
  }
  if (l->owner == t)
    return -EDEADLK;
  if (ANYC_UNLIKELY(l->owner->state == ANYC__DONE))
    return broken(l);
  anyc__list_push(&l->waiters, &t->wait_link);
  int rc = anyc__park("lock", wait_abort, l);
  if (ANYC_UNLIKELY(rc == -EOWNERDEAD))
    return broken(l);
  return rc;
}

void anyc_lock_release(anyc_lock *lp)
{
  struct anyc__task *t = anyc__current();
  struct lock *l = impl(lp);
  /* !t: outside any task nobody holds it (a free lock's owner is NULL too). */
  if (!t || l->owner != t)
    anyc__die("anyc_lock_release: the lock is not held by this task (owner: %s)",
              l->owner ? anyc__task_name(l->owner) : "none");
  /* Usually the lock taken last: the head of the list. */
  struct lock **p = (struct lock **)&t->locks;
  while (*p != l)
    p = &(*p)->next_held;
  *p = l->next_held;
  t->held--;
  if (anyc__list_empty(&l->waiters)) {
    l->owner = NULL;
    return;
  }
  struct anyc__list *n = l->waiters.next;
  anyc__list_remove(n);
  struct anyc__task *next = anyc__container_of(n, struct anyc__task, wait_link);
  take(l, next);
  anyc__wake(next, 0);
}

void anyc__locks_break(struct anyc__task *t)
{
  for (struct lock *l = t->locks; l; l = l->next_held)
    while (!anyc__list_empty(&l->waiters)) {
      struct anyc__list *n = l->waiters.next;
      anyc__list_remove(n);
      anyc__wake(anyc__container_of(n, struct anyc__task, wait_link), -EOWNERDEAD);
    }
  t->locks = NULL; /* the locks keep t as their owner: broken for good */
}
