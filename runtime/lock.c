/* lock.c — anyc_lock: a FIFO-fair mutex for tasks (Trio's Lock).
 *
 * A semaphore of one token plus its owner.  Release hands the lock to the first waiter
 * and makes it the owner at once, so the releasing task cannot take it back before the
 * waiters (release is not a checkpoint).  Re-acquiring by the owner returns -EDEADLK and
 * releasing by anyone else aborts with a message naming both tasks: Trio raises
 * RuntimeError for both, but a release by a non-owner means the program's idea of who
 * holds the lock is already wrong, which the spec treats as structural misuse.
 */
#include <errno.h>

#include "sync.h"

struct lock {
  struct anyc__tokens tokens;
  struct anyc__task *owner;
};
_Static_assert(sizeof(struct lock) <= sizeof(anyc_lock), "anyc_lock storage too small");
_Static_assert(_Alignof(struct lock) <= _Alignof(anyc_lock), "anyc_lock storage under-aligned");

static inline struct lock *impl(anyc_lock *l) { return (struct lock *)(void *)l; }

void anyc_lock_init(anyc_lock *l)
{
  anyc__tokens_init(&impl(l)->tokens, 1);
  impl(l)->owner = NULL;
}

int anyc_lock_acquire(anyc_lock *lp)
{
  struct anyc__task *t = anyc__current();
  struct lock *l = impl(lp);
  if (ANYC_UNLIKELY(!t))
    return -EPERM;
  if (anyc__task_cancelled(t))
    return -ECANCELED;
  if (l->owner == t)
    return -EDEADLK;
  if (l->tokens.avail) {
    l->owner = t; /* set before the schedule point inside tokens_acquire */
    t->held++;
  }
  return anyc__tokens_acquire(&l->tokens, t, "lock");
}

void anyc_lock_release(anyc_lock *lp)
{
  struct anyc__task *t = anyc__current();
  struct lock *l = impl(lp);
  /* !t: outside any task nobody holds it — without this check a release of a free lock
   * from outside a run (owner NULL == t NULL) would add a second token. */
  if (!t || l->owner != t)
    anyc__die("anyc_lock_release: the lock is not held by this task (owner: %s)",
              l->owner ? anyc__task_name(l->owner) : "none");
  t->held--;
  l->owner = anyc__tokens_release(&l->tokens);
  if (l->owner)
    l->owner->held++;
}
