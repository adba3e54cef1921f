/* sync.h — the token queue shared by the semaphore and the capacity limiter.
 *
 * Both are "n tokens and a FIFO of parked tasks": acquire takes a token or parks;
 * release hands the token straight to the first waiter (so a releasing task cannot
 * barge back in ahead of tasks already waiting — Trio's fairness) or returns it to the
 * pool.  The limiter adds who holds a token on top (semaphore.c).  The lock (lock.c)
 * follows the same rules with an owner instead of a count, which its storage needs for
 * the list of locks each task holds.
 */
#ifndef ANYC_SYNC_H
#define ANYC_SYNC_H

#include "internal.h"

struct anyc__tokens {
  struct anyc__list waiters; /* parked tasks, FIFO, via their wait_link */
  unsigned avail;            /* tokens nobody holds */
  unsigned nwait;            /* tasks in waiters */
};

void anyc__tokens_init(struct anyc__tokens *k, unsigned n);
/* Take a token for the running task `t` (already checked not cancelled): at once plus a
 * schedule point, or by parking until a release hands one over.  0 or -ECANCELED (a
 * cancelled waiter leaves the queue and takes nothing). */
int anyc__tokens_acquire(struct anyc__tokens *k, struct anyc__task *t, const char *what);
/* Give one token back: to the first waiter (woken, and returned so the caller can record
 * it as the new holder) or to the pool (returns NULL). */
struct anyc__task *anyc__tokens_release(struct anyc__tokens *k);

/* The running task, or NULL outside a run. */
static inline struct anyc__task *anyc__current(void)
{
  return anyc__rt ? anyc__rt->current : NULL;
}

#endif /* ANYC_SYNC_H */
