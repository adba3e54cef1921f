/* scope.c — cancel scopes: deadlines, shields, and how cancellation reaches tasks.
 *
 * A scope is caller-allocated (anyc_scope's opaque storage holds a struct anyc__scope).
 * Opening one makes it the task's innermost scope, with the scope that was innermost
 * before as its parent.  The tree is Trio's CancelStatus tree:
 *
 *   - A task's effective state is cancelled when a scope on its chain — innermost
 *     outwards — is cancelled, stopping at the first shielded scope (which still obeys its
 *     own cancel and deadline).  Checkpoints read that chain: a few pointer loads.
 *   - Cancelling a scope (cancel() or its deadline) walks its subtree, skipping shielded
 *     and already-cancelled scopes, and aborts the wait of every parked task found, so a
 *     blocked checkpoint returns -ECANCELED with its operation undone.
 *   - Clearing a shield re-delivers a pending outer cancellation the same way.
 *   - Closing applies Trio's catch rule: only a cancelled scope that cannot see an outer
 *     cancellation catches -ECANCELED (the outermost cancelled scope wins), and a fail_*
 *     scope reports -ETIMEDOUT when its deadline had passed (AnyIO's rule).
 *
 * Cancellation is level-triggered: nothing is consumed, every later checkpoint in a
 * cancelled scope fails too, until the scope closes.
 *
 * The lists a cancellation walks (a scope's child scopes and its tasks) are built lazily:
 * only a task that parks at a cancel point can need waking, so the task, and the chain
 * of scopes above it that is not linked yet, are linked in when it parks
 * (anyc__scope_track), not when a scope opens.  A scope that opens and closes without
 * a cancellable wait inside (a timeout around a call that completes at once, a legacy
 * task's cancel handle around a short function) then touches only its own memory and the
 * task's: linking it at open wrote into the previous sibling's scope, which lives on
 * another task's stack — a cache miss per open and per close.  Invariant: a linked scope's
 * parent is linked (or is the root), so everything a cancellation must reach is reachable.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "internal.h"

_Static_assert(sizeof(struct anyc__scope) <= sizeof(anyc_scope),
               "anyc_scope storage too small for struct anyc__scope");
_Static_assert(_Alignof(struct anyc__scope) <= _Alignof(anyc_scope),
               "anyc_scope storage under-aligned");

static inline struct anyc__scope *impl(anyc_scope *s) { return (struct anyc__scope *)(void *)s; }
static inline const struct anyc__scope *cimpl(const anyc_scope *s)
{
  return (const struct anyc__scope *)(const void *)s;
}

/* The first scope in p's child list, from node n on, that a cancellation of p reaches
 * (not shielded, not already cancelled: its subtree was woken then), else NULL. */
static struct anyc__scope *reached_from(struct anyc__scope *p, struct anyc__list *n)
{
  for (; n != &p->children; n = n->next) {
    struct anyc__scope *c = anyc__container_of(n, struct anyc__scope, sibling);
    if (!c->shield && !c->cancel_called)
      return c;
  }
  return NULL;
}

/* Wake every parked task that root's cancellation reaches: a depth-first walk of the
 * subtree by its parent and sibling links, without recursion — a tree as deep as its
 * tasks are nested (a chain of 10,000 tasks each in the previous one's group) would
 * overflow the stack of the task that cancels it (Trio walks iteratively too). */
static void propagate(struct anyc__scope *root)
{
  struct anyc__scope *s = root;
  for (;;) {
    for (struct anyc__list *n = s->tasks.next; n != &s->tasks; n = n->next)
      anyc__abort_wait(anyc__container_of(n, struct anyc__task, scope_link));
    struct anyc__scope *next = reached_from(s, s->children.next);
    /* A leaf: the next sibling reached, else climb until an ancestor has one. */
    while (!next && s != root) {
      next = reached_from(s->parent, s->sibling.next);
      s = s->parent;
    }
    if (!next)
      return;
    s = next;
  }
}

/* Wake what s's cancellation reaches; the timers of the woken sleepers are dropped in
 * one batch at the end (a million-sleeper cancel is then O(n), not O(n log n)). */
static void propagate_batched(struct anyc__scope *s)
{
  if (ANYC_UNLIKELY(!anyc__rt))
    anyc__foreign_thread_die(); /* the walk wakes tasks: the loop thread's job */
  anyc__timers_batch_begin();
  propagate(s);
  anyc__timers_batch_end();
}

void anyc__scope_cancel(struct anyc__scope *s)
{
  if (s->cancel_called)
    return;
  s->cancel_called = 1;
  anyc__timer_remove(&s->timer);
  propagate_batched(s);
}

static void deadline_fire(struct anyc__timer *tm)
{
  anyc__scope_cancel(anyc__container_of(tm, struct anyc__scope, timer));
}

/* Every field set explicitly: a scope opens on hot paths (a timeout around each call),
 * where a memset of the whole struct shows in the profile. */
static inline void scope_init(struct anyc__scope *s, double deadline, int is_fail)
{
  s->parent = NULL;
  anyc__list_init(&s->children);
  anyc__list_init(&s->sibling);
  anyc__list_init(&s->tasks);
  s->owner = NULL;
  s->group = NULL;
  s->timer.deadline = deadline;
  s->timer.index = ANYC__NOT_IN_HEAP;
  s->timer.dead = 0;
  s->timer.fire = deadline_fire;
  s->magic = ANYC__SCOPE_OPEN;
  s->cancel_called = 0;
  s->shield = 0;
  s->caught = 0;
  s->is_fail = (uint8_t)is_fail;
}

void anyc__scope_init_root(struct anyc__scope *s) { scope_init(s, INFINITY, 0); }

static inline int linked(const struct anyc__scope *s) { return !anyc__list_empty(&s->sibling); }

/* Link s and its unlinked ancestors into their parents' child lists. */
static void link_chain(struct anyc__scope *s)
{
  for (; s->parent && !linked(s); s = s->parent)
    anyc__list_push(&s->parent->children, &s->sibling);
}

void anyc__scope_track(struct anyc__task *t)
{
  struct anyc__scope *s = t->cur_scope;
  anyc__list_remove(&t->scope_link);
  anyc__list_push(&s->tasks, &t->scope_link);
  t->tracked = s;
  link_chain(s);
}

/* t leaves the scope it is tracked in; it is tracked again when it next parks. */
static void untrack(struct anyc__task *t)
{
  anyc__list_remove(&t->scope_link);
  t->tracked = NULL;
}

/* Opening a scope that is open on this task's chain would make it its own ancestor
 * (every cancel check would loop): Trio's "single 'with' block" RuntimeError, here an
 * abort.  Only the task's own open scopes are searched (hot, on its stack, usually
 * none to three), never the new storage itself, which is uninitialised on a first open
 * (valgrind), and a closed scope's storage is reused freely. */
static inline void check_not_reentered(const struct anyc__task *t, const struct anyc__scope *s)
{
  /* The base scope too (always open while the task lives): a child opening the group it
   * runs in would make the group's scope its own parent. */
  for (const struct anyc__scope *p = t->cur_scope;; p = p->parent) {
    if (ANYC_UNLIKELY(p == s))
      anyc__die(s->group ? "task group entered twice (already open)"
                         : "cancel scope entered twice (already open)");
    if (p == t->base_scope)
      break;
  }
}

/* Open with a deadline known to lie in the future (future = 1) or not known (0): a
 * relative timeout computed from a fresh clock read need not read the clock again
 * (~20 ns here, a third of a timeout scope's cost). */
static int scope_open_at(struct anyc__scope *s, double deadline, int is_fail, int future)
{
  struct anyc__runtime *rt = anyc__rt;
  struct anyc__task *t = rt ? rt->current : NULL;
  if (ANYC_UNLIKELY(!t))
    return -EPERM;
  if (!s || isnan(deadline))
    return -EINVAL;
  check_not_reentered(t, s);
  scope_init(s, deadline, is_fail);
  s->owner = t;
  if (deadline < INFINITY) {
    if (!future && deadline <= anyc_now()) {
      s->cancel_called = 1; /* already due: cancelled on entry (Trio) */
    } else if (anyc__timer_add(&s->timer) < 0) {
      s->magic = 0;
      return -ENOMEM;
    }
  }
  s->parent = t->cur_scope;
  t->cur_scope = s;
  return 0;
}

int anyc__scope_open(struct anyc__scope *s, double deadline, int is_fail)
{
  return scope_open_at(s, deadline, is_fail, 0);
}

/* Can `s` see a cancellation of an enclosing scope (up to the first shield)? */
static int outer_cancel_visible(const struct anyc__scope *s)
{
  return !s->shield && anyc__scope_chain_cancelled(s->parent);
}

/* Pop s, t's innermost scope, and apply the catch rule to body_status. */
static int scope_pop(struct anyc__task *t, struct anyc__scope *s, int body_status)
{
  if (s->timer.index != ANYC__NOT_IN_HEAP)
    anyc__timer_remove(&s->timer);
  if (linked(s))
    anyc__list_remove(&s->sibling);
  if (t->tracked == s)
    untrack(t);
  t->cur_scope = s->parent;
  s->magic = ANYC__SCOPE_CLOSED;
  if (body_status == -ECANCELED && s->cancel_called && !outer_cancel_visible(s)) {
    s->caught = 1;
    if (s->is_fail && anyc_now() >= s->timer.deadline)
      return -ETIMEDOUT;
    return 0;
  }
  return body_status;
}

int anyc__scope_close(struct anyc__scope *s, int body_status)
{
  struct anyc__runtime *rt = anyc__rt;
  struct anyc__task *t = rt ? rt->current : NULL;
  if (ANYC_UNLIKELY(!t))
    return -EPERM;
  if (!s)
    return -EINVAL;
  if (s->magic != ANYC__SCOPE_OPEN)
    anyc__die("closing a cancel scope that is not open");
  if (s->owner != t || t->cur_scope != s)
    anyc__die("cancel scopes closed out of order (or by a task that did not open them)");
  return scope_pop(t, s, body_status);
}

/* Hang the outermost scope t has open under `to` (what is linked below it stays
 * reachable) and return it; NULL when t has none open. */
static struct anyc__scope *rehang_own_scopes(struct anyc__task *t, struct anyc__scope *to)
{
  struct anyc__scope *s = t->cur_scope;
  if (s == t->base_scope)
    return NULL;
  while (s->parent != t->base_scope)
    s = s->parent;
  s->parent = to;
  if (linked(s)) { /* something below waits: keep it reachable from its new home */
    anyc__list_remove(&s->sibling);
    link_chain(s);
  }
  return s;
}

/* anyc_task_cancel's scope goes in at the bottom of t's chain, between the scopes t has
 * open and the scope it runs under, as if t's body had opened it first thing; the
 * scopes above it move with it, and what is linked stays reachable. */
void anyc__scope_insert_own(struct anyc__task *t)
{
  struct anyc__scope *s = &t->stack->own;
  scope_init(s, INFINITY, 0);
  s->owner = t;
  s->parent = t->base_scope;
  if (!rehang_own_scopes(t, s)) {
    t->cur_scope = s;
    if (t->tracked) /* parked at a cancel point right under its base: track it here */
      anyc__scope_track(t);
  }
  t->has_own = 1;
}

int anyc__scope_close_own(struct anyc__task *t, int status)
{
  t->has_own = 0;
  return scope_pop(t, &t->stack->own, status);
}

/* Where a task started by anyc_start() hangs its own scopes: the outermost of them (or
 * the task itself when it has none) moves from the caller's scope to `to`. */
void anyc__scope_reparent_task(struct anyc__task *t, struct anyc__scope *to)
{
  if (t->tracked == t->base_scope)
    untrack(t);
  struct anyc__scope *moved = rehang_own_scopes(t, to);
  if (!moved)
    t->cur_scope = to;
  t->base_scope = to;
  /* The new home may already be cancelled: deliver it as any cancel would, to the task
   * and to everything parked in the scopes it brought along (its own children sleeping
   * in a group it opened: Trio's test_nursery_start_with_cancelled_nursery). */
  if (anyc__task_cancelled(t))
    anyc__abort_wait(t);
  if (moved && !moved->shield && !moved->cancel_called && anyc__scope_chain_cancelled(to))
    propagate_batched(moved);
}

/* ---- public API ---- */

int anyc_scope_open(anyc_scope *s) { return anyc__scope_open(impl(s), INFINITY, 0); }

static int relative(anyc_scope *s, double seconds, int is_fail)
{
  if (isnan(seconds) || seconds < 0)
    return anyc__rt && anyc__rt->current ? -EINVAL : -EPERM;
  /* A delay too small to move the clock's value (1e-12 s at a clock of 1e6 s) makes a
   * deadline equal to now: due on entry (Trio), so `future` compares the sum, not the
   * delay. */
  double now = anyc_now(), deadline = now + seconds;
  return scope_open_at(impl(s), deadline, is_fail, deadline > now);
}

int anyc_move_on_after(anyc_scope *s, double seconds) { return relative(s, seconds, 0); }
int anyc_fail_after(anyc_scope *s, double seconds) { return relative(s, seconds, 1); }
int anyc_move_on_at(anyc_scope *s, double deadline)
{
  return anyc__scope_open(impl(s), deadline, 0);
}
int anyc_fail_at(anyc_scope *s, double deadline)
{
  return anyc__scope_open(impl(s), deadline, 1);
}

void anyc_scope_cancel(anyc_scope *s)
{
  if (s && impl(s)->magic == ANYC__SCOPE_OPEN)
    anyc__scope_cancel(impl(s));
  else if (s && impl(s)->magic == ANYC__SCOPE_CLOSED)
    impl(s)->cancel_called = 1; /* Trio: cancelling an exited scope is harmless */
}

void anyc_scope_set_deadline(anyc_scope *s, double deadline)
{
  struct anyc__scope *sc = impl(s);
  if (!s || isnan(deadline))
    return;
  if (sc->magic != ANYC__SCOPE_OPEN) {
    sc->timer.deadline = deadline;
    return;
  }
  if (sc->cancel_called) {
    sc->timer.deadline = deadline;
    return;
  }
  if (deadline <= anyc_now()) {
    sc->timer.deadline = deadline;
    anyc__scope_cancel(sc);
  } else if (anyc__timer_update(&sc->timer, deadline) < 0) {
    /* No memory to track the new deadline: the conservative choice is to keep the
     * scope's earlier deadline (sooner) rather than silently run without one. */
    sc->timer.deadline = deadline;
  }
}

double anyc_scope_deadline(const anyc_scope *s) { return s ? cimpl(s)->timer.deadline : INFINITY; }

void anyc_scope_set_shield(anyc_scope *s, int shield)
{
  struct anyc__scope *sc = impl(s);
  if (!s)
    return;
  sc->shield = shield != 0;
  if (!shield && sc->magic == ANYC__SCOPE_OPEN && !sc->cancel_called &&
      anyc__scope_chain_cancelled(sc->parent))
    propagate_batched(sc);
}

int anyc_scope_cancel_called(const anyc_scope *s)
{
  if (!s)
    return 0;
  const struct anyc__scope *sc = cimpl(s);
  if (sc->cancel_called)
    return 1;
  /* A deadline that passed counts even before the scheduler noticed it, and asking
   * makes it so: Trio's cancel_called calls cancel() then, so the answer never goes
   * back to 0 (after the close) and the task's state agrees with it.  The storage is the
   * caller's, never truly const, so dropping the qualifier here is sound. */
  if (sc->magic != ANYC__SCOPE_OPEN || sc->timer.deadline > anyc_now())
    return 0;
  if (anyc__rt) /* only the loop thread may cancel; another thread just gets the answer */
    anyc__scope_cancel((struct anyc__scope *)(uintptr_t)sc);
  return 1;
}

int anyc_scope_cancelled_caught(const anyc_scope *s) { return s ? cimpl(s)->caught : 0; }

int anyc_scope_close(anyc_scope *s, int body_status)
{
  return anyc__scope_close(impl(s), body_status);
}

int anyc_cancelled(void)
{
  struct anyc__task *t = anyc__rt ? anyc__rt->current : NULL;
  return t ? anyc__task_cancelled(t) : 0;
}

double anyc_current_effective_deadline(void)
{
  struct anyc__task *t = anyc__rt ? anyc__rt->current : NULL;
  double d = INFINITY;
  if (!t)
    return d;
  for (const struct anyc__scope *s = t->cur_scope; s; s = s->parent) {
    if (s->cancel_called)
      return -INFINITY;
    if (s->timer.deadline < d)
      d = s->timer.deadline;
    if (s->shield)
      break;
  }
  return d;
}
