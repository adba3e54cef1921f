/* limiter.c — anyc_limiter: Trio's CapacityLimiter, a semaphore whose borrowers are
 * tasks, each holding at most one token.
 *
 * The holders are kept in a small array (grown with anyc__realloc, freed whenever the
 * limiter falls idle, so an init'd limiter needs no destroy).  A waiter reserves its
 * slot before it parks, so the release that hands it a token never has to allocate.
 * Choices where Trio raises RuntimeError: a second acquire by a holder returns -EDEADLK
 * (as anyc_lock does — a recoverable, testable error); a release by a task that holds no
 * token aborts with a message, like anyc_lock_release, because the accounting is already
 * broken.  Lookups are linear in the number of holders: limiters guard tens of tokens
 * (Trio's default thread limiter has 40).
 */
#include <errno.h>

#include "sync.h"

struct limiter {
  struct anyc__tokens tokens;
  unsigned total;
  struct anyc__task **holders; /* borrowers, in no particular order */
  size_t nholders, cap;
};
_Static_assert(sizeof(struct limiter) <= sizeof(anyc_limiter), "anyc_limiter storage too small");
_Static_assert(_Alignof(struct limiter) <= _Alignof(anyc_limiter),
               "anyc_limiter storage under-aligned");

static inline struct limiter *impl(anyc_limiter *l) { return (struct limiter *)(void *)l; }

void anyc_limiter_init(anyc_limiter *lp, unsigned tokens)
{
  struct limiter *l = impl(lp);
  anyc__tokens_init(&l->tokens, tokens);
  l->total = tokens;
  l->holders = NULL;
  l->nholders = l->cap = 0;
}

static size_t find(const struct limiter *l, const struct anyc__task *t)
{
  for (size_t i = l->nholders; i-- > 0;)
    if (l->holders[i] == t)
      return i;
  return (size_t)-1;
}

/* Room for every holder and waiter plus one more. */
static int reserve(struct limiter *l)
{
  size_t need = l->nholders + l->tokens.nwait + 1;
  if (need <= l->cap)
    return 0;
  size_t cap = l->cap ? l->cap * 2 : 4;
  while (cap < need)
    cap *= 2;
  struct anyc__task **h = anyc__realloc(l->holders, cap * sizeof *h);
  if (!h)
    return -ENOMEM;
  l->holders = h;
  l->cap = cap;
  return 0;
}

static void maybe_shrink(struct limiter *l)
{
  if (l->nholders == 0 && l->tokens.nwait == 0) {
    anyc__free(l->holders);
    l->holders = NULL;
    l->cap = 0;
  }
}

int anyc_limiter_acquire(anyc_limiter *lp)
{
  struct anyc__task *t = anyc__current();
  struct limiter *l = impl(lp);
  if (ANYC_UNLIKELY(!t))
    return -EPERM;
  if (anyc__task_cancelled(t))
    return -ECANCELED;
  if (find(l, t) != (size_t)-1)
    return -EDEADLK;
  int rc = reserve(l);
  if (rc < 0)
    return rc;
  if (l->tokens.avail) {
    l->holders[l->nholders++] = t; /* recorded before the schedule point */
    t->held++;
  }
  rc = anyc__tokens_acquire(&l->tokens, t, "limiter");
  if (rc < 0)
    maybe_shrink(l); /* cancelled while waiting */
  return rc;
}

void anyc_limiter_release(anyc_limiter *lp)
{
  struct anyc__task *t = anyc__current();
  struct limiter *l = impl(lp);
  size_t i = t ? find(l, t) : (size_t)-1;
  if (i == (size_t)-1)
    anyc__die("anyc_limiter_release: this task holds no token of the limiter");
  l->holders[i] = l->holders[--l->nholders];
  t->held--;
  struct anyc__task *next = anyc__tokens_release(&l->tokens);
  if (next) {
    l->holders[l->nholders++] = next; /* its slot was reserved before it parked */
    next->held++;
  }
  maybe_shrink(l);
}

unsigned anyc_limiter_borrowed(const anyc_limiter *lp)
{
  return (unsigned)((const struct limiter *)(const void *)lp)->nholders;
}
