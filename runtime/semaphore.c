/* semaphore.c — anyc_semaphore (Trio's Semaphore without max_value) and the token queue
 * (sync.h) that the capacity limiter is built on.
 *
 * acquire follows Trio's fast-path pattern: a cancel point first, then the non-blocking
 * take, then a schedule point that cannot fail (the token is already ours, so a
 * cancellation arriving now is left for the next checkpoint rather than losing it);
 * otherwise the task parks and a release hands it the token directly.
 */
#include <errno.h>
#include <limits.h>

#include "sync.h"

void anyc__tokens_init(struct anyc__tokens *k, unsigned n)
{
  anyc__list_init(&k->waiters);
  k->avail = n;
  k->nwait = 0;
}

static void tokens_abort(struct anyc__task *t)
{
  struct anyc__tokens *k = t->wait_obj;
  anyc__list_remove(&t->wait_link);
  k->nwait--;
}

int anyc__tokens_acquire(struct anyc__tokens *k, struct anyc__task *t, const char *what)
{
  if (k->avail > 0) {
    k->avail--;
    anyc__yield();
    return 0;
  }
  anyc__list_push(&k->waiters, &t->wait_link);
  k->nwait++;
  return anyc__park(what, tokens_abort, k);
}

struct anyc__task *anyc__tokens_release(struct anyc__tokens *k)
{
  if (anyc__list_empty(&k->waiters)) {
    k->avail++;
    return NULL;
  }
  struct anyc__list *n = k->waiters.next;
  anyc__list_remove(n);
  k->nwait--;
  struct anyc__task *t = anyc__container_of(n, struct anyc__task, wait_link);
  anyc__wake(t, 0);
  return t;
}

/* ---- anyc_semaphore ---- */

struct semaphore {
  struct anyc__tokens tokens;
};
_Static_assert(sizeof(struct semaphore) <= sizeof(anyc_semaphore),
               "anyc_semaphore storage too small");
_Static_assert(_Alignof(struct semaphore) <= _Alignof(anyc_semaphore),
               "anyc_semaphore storage under-aligned");

static inline struct semaphore *impl(anyc_semaphore *s) { return (struct semaphore *)(void *)s; }

void anyc_semaphore_init(anyc_semaphore *s, unsigned initial)
{
  anyc__tokens_init(&impl(s)->tokens, initial);
}

int anyc_semaphore_acquire(anyc_semaphore *s)
{
  struct anyc__task *t = anyc__current();
  if (ANYC_UNLIKELY(!t))
    return -EPERM;
  if (anyc__task_cancelled(t))
    return -ECANCELED;
  return anyc__tokens_acquire(&impl(s)->tokens, t, "semaphore");
}

void anyc_semaphore_release(anyc_semaphore *s)
{
  struct anyc__tokens *k = &impl(s)->tokens;
  if (k->avail == UINT_MAX)
    anyc__die("anyc_semaphore_release: the count would exceed UINT_MAX");
  anyc__tokens_release(k);
}
