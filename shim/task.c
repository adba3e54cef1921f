/* task.c — legacy tasks: scheduling, the task tree, the per-task wrapper and
 * leaves-first cancellation (upstream's FunctionTask / ChildServiceTask).
 *
 * Each legacy task is an anyc task in its manager's task group, running a wrapper with
 * its record as the argument.  Its anyc task handle is its own cancel handle (upstream
 * pre-creates a trio CancelScope per task; a cancel that comes before the task first runs
 * is a flag until it does), taken only once the manager may cancel (as__tasks_link).
 * The scheduling task is the parent, found through a per-thread memo or anyc_task_arg
 * (below).  Every legacy task is spawned named, so the runtime never allocates a name for
 * it.  Records come from per-manager chunks recycled through the thread: spawning a task
 * costs the runtime's spawn plus a few stores here (issue 5: shim vs native spawn cost,
 * docs/benchmarks.md).
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Upstream's TooManyChildrenException text starts so; too_many_children_message adds the
 * set's most common tasks.  Alone, it is the text when that list cannot be built. */
#define AS_TOO_MANY_CHILDREN_MESSAGE "Tried to add more than 1000 child tasks."

/* ---- the running legacy task ----
 * Every legacy function task runs function_task_body() with its record as the argument
 * (child services run child_task_body()), so the record of the function task the caller
 * runs in is anyc_task_arg(function_task_body): a lookup, no registry. */

static int function_task_body(void *arg);
static int child_task_body(void *arg);

/* The parent lookup's memo, one per thread: the record of the legacy function task that
 * last scheduled on this thread, and the stack pointer in schedule() then.  A stack
 * belongs to one task while the task lives, so while that task's function runs (its
 * body forgets the memo when the function returns) a schedule() at the same stack
 * pointer is that task's: no call to anyc_task_arg, no thread check (issue 5: a
 * service's run() spawning in a loop).  A task whose stack pointer differs, or a root,
 * takes the general path. */
static AS_TLS struct {
  uintptr_t sp;
  as_task *parent;
} sched_memo;

static inline uintptr_t stack_pointer(void)
{
  uintptr_t sp;
#if defined(__x86_64__)
  __asm__("mov %%rsp, %0" : "=r"(sp));
#elif defined(__aarch64__)
  __asm__("mov %0, sp" : "=r"(sp));
#else
  sp = (uintptr_t)__builtin_frame_address(0);
#endif
  return sp;
}

/* t's function returned: its stack may go to another task. */
static inline void memo_forget(const as_task *t)
{
  if (AS_UNLIKELY(sched_memo.parent == t)) {
    sched_memo.parent = NULL;
    sched_memo.sp = 0;
  }
}

/* ---- per-thread storage kept between services ----
 *
 * Up to AS_SPARE_CHUNKS spare record chunks stay with the thread from one service to the
 * next, and are freed when the thread exits (a key destructor; the main thread's stay
 * reachable until the process ends).  Giving them back whenever no
 * service ran made each short service free and re-allocate large blocks, and freeing a
 * large block makes malloc consolidate the many small ones the runtime just freed (task
 * names): about 15% of a legacy spawn.
 * The spares are kept with their records already on a free list (spare_free): a service
 * that ended has every record free, so the next one takes its whole list as it is
 * instead of threading each chunk's records again (8 instructions a legacy spawn). */

#define AS_SPARE_CHUNKS 16
static AS_TLS as_task_chunk *spare_chunks;
static AS_TLS as_task *spare_free; /* every record of spare_chunks */
static AS_TLS size_t nspare_chunks;
static pthread_key_t thread_key;
static pthread_once_t thread_key_once = PTHREAD_ONCE_INIT;
static int thread_key_rc;

static void thread_storage_free(void *unused)
{
  (void)unused;
  as__refusals_free();
  while (spare_chunks) {
    as_task_chunk *c = spare_chunks;
    spare_chunks = c->next;
    free(c);
  }
  spare_free = NULL;
  nspare_chunks = 0;
}

static void thread_key_make(void)
{
  thread_key_rc = pthread_key_create(&thread_key, thread_storage_free);
}

int as__thread_storage_arm(void)
{
  static AS_TLS int armed;
  if (armed)
    return 0;
  pthread_once(&thread_key_once, thread_key_make);
  if (thread_key_rc != 0 || pthread_setspecific(thread_key, &armed) != 0)
    return -ENOMEM;
  armed = 1;
  return 0;
}

/* ---- the tree ----
 * A set of tasks (a task's children, or the manager's roots) is a count and a list of
 * its members, kept by the owner; the operations take a view of the two.  The count is
 * always kept: the 1000-children limit and the wait for children need only it.  The list
 * is walked only when a task is cancelled leaves first, or ends with children to hand up
 * or wait for, so a manager keeps lists only from the first such walk on (m->linked,
 * as__tasks_link): until then a legacy task's spawn and end touch its parent's count, not
 * a sibling's record (issue 5: shim vs native spawn cost). */

typedef struct as_set {
  as_task **first;
  uint32_t *count;
} as_set;

static inline as_set children_of(as_task *t) { return (as_set){&t->children, &t->nchildren}; }

static inline as_set set_of(as_task *t)
{
  return t->parent ? children_of(t->parent) : (as_set){&t->m->roots, &t->m->nroots};
}

static void list_push(as_set s, as_task *t)
{
  t->prev = NULL;
  t->next = *s.first;
  if (*s.first)
    (*s.first)->prev = t;
  *s.first = t;
}

static void set_link(as_set s, as_task *t)
{
  ++*s.count;
  if (t->m->linked) {
    t->flags |= AS_TASK_LINKED;
    list_push(s, t);
  }
}

static void set_remove(as_set s, as_task *t)
{
  --*s.count;
  if (!(t->flags & AS_TASK_LINKED))
    return;
  if (t->prev)
    t->prev->next = t->next;
  else
    *s.first = t->next;
  if (t->next)
    t->next->prev = t->prev;
  t->prev = t->next = NULL;
}

/* ---- upstream's TooManyChildrenException text ----
 * "Tried to add more than 1000 child tasks. Most common tasks: [...]", the list being
 * Python's collections.Counter(map(str, children)).most_common(10), where a task's str is
 * "<name>[daemon=<True|False>]".  The shim keeps no names; the runtime does, so the set's
 * tasks are found among the task group's (anyc_group_walk), in spawn order, which equal
 * counts keep (most_common sorts stably).  Error path only. */

typedef struct name_count {
  char *str;
  size_t n;
} name_count;

typedef struct set_census {
  as_manager *m;
  as_task *parent; /* the set: parent's children, or m's roots (NULL) */
  as_task *skip;   /* a task that has left the set but not yet ended */
  name_count *v;
  size_t len, cap;
  int failed;      /* out of memory: no list */
} set_census;

static void census_add(anyc_task *task, void *ctx)
{
  set_census *c = ctx;
  as_task *t = anyc_task_arg_of(task, function_task_body);
  if (!t)
    t = anyc_task_arg_of(task, child_task_body);
  if (c->failed || !t || t == c->skip || t->m != c->m || t->parent != c->parent ||
      (t->flags & (AS_TASK_LIVE | AS_TASK_FINISHED)) != AS_TASK_LIVE)
    return;
  char *str;
  if (asprintf(&str, "%s[daemon=%s]", anyc_task_name_of(task),
               t->flags & AS_TASK_DAEMON ? "True" : "False") < 0) {
    c->failed = 1;
    return;
  }
  for (size_t i = 0; i < c->len; i++)
    if (strcmp(c->v[i].str, str) == 0) {
      c->v[i].n++;
      free(str);
      return;
    }
  if (c->len == c->cap) {
    size_t cap = c->cap ? 2 * c->cap : 16;
    name_count *v = realloc(c->v, cap * sizeof *v);
    if (!v) {
      free(str);
      c->failed = 1;
      return;
    }
    c->v = v;
    c->cap = cap;
  }
  c->v[c->len++] = (name_count){str, 1};
}

/* s as Python's repr() prints a str. */
static void put_py_str(FILE *f, const char *s)
{
  char q = strchr(s, '\'') && !strchr(s, '"') ? '"' : '\'';
  fputc(q, f);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '\\' || *p == (unsigned char)q)
      fprintf(f, "\\%c", *p);
    else if (*p == '\n')
      fputs("\\n", f);
    else if (*p == '\r')
      fputs("\\r", f);
    else if (*p == '\t')
      fputs("\\t", f);
    else if (*p < 0x20 || *p == 0x7f)
      fprintf(f, "\\x%02x", *p);
    else
      fputc(*p, f);
  }
  fputc(q, f);
}

/* The whole text for a set that is full (see above), malloc'd; NULL without memory. */
AS_COLD static char *too_many_children_message(as_manager *m, as_task *parent, as_task *skip)
{
  set_census c = {.m = m, .parent = parent, .skip = skip};
  anyc_group_walk(&m->group, census_add, &c);
  for (size_t i = 1; i < c.len; i++) /* stable: insertion sort, most first */
    for (size_t j = i; j > 0 && c.v[j].n > c.v[j - 1].n; j--) {
      name_count x = c.v[j];
      c.v[j] = c.v[j - 1];
      c.v[j - 1] = x;
    }
  char *msg = NULL;
  size_t size;
  FILE *f = c.failed ? NULL : open_memstream(&msg, &size);
  if (f) {
    fputs(AS_TOO_MANY_CHILDREN_MESSAGE " Most common tasks: [", f);
    for (size_t i = 0; i < c.len && i < 10; i++) {
      fputs(i ? ", (" : "(", f);
      put_py_str(f, c.v[i].str);
      fprintf(f, ", %zu)", c.v[i].n);
    }
    fputc(']', f);
    if (fclose(f) != 0) {
      free(msg);
      msg = NULL;
    }
  }
  for (size_t i = 0; i < c.len; i++)
    free(c.v[i].str);
  free(c.v);
  return msg;
}

/* Record or refuse with that text (or its first sentence, without memory). */
AS_COLD static int too_many_children(as_manager *m, as_task *parent, as_task *skip, int refuse)
{
  char *msg = too_many_children_message(m, parent, skip);
  const char *text = msg ? msg : AS_TOO_MANY_CHILDREN_MESSAGE;
  int rc = refuse ? as__refuse(AS_ETOOMANYCHILDREN, text)
                  : as__manager_record(m, AS_ETOOMANYCHILDREN, text);
  free(msg);
  return rc;
}

/* A task that ends with children still running hands them to its own parent (upstream
 * PR #79), so cancellation still reaches them in tree order.  The limit firing here is
 * an error of the service (upstream); the orphan is linked regardless so it stays
 * reachable for cancellation. */
AS_COLD static void hand_children_up(as_task *t)
{
  as_task *c;
  while ((c = t->children)) {
    set_remove(children_of(t), c);
    as_set s = set_of(t); /* t's parent's set, where c goes */
    if (*s.count > AS_MAX_CHILDREN) /* listed without c and without t, which left */
      AS_IGNORE(too_many_children(t->m, t->parent, t, 0));
    c->parent = t->parent;
    set_link(s, c);
  }
}

/* Thread c's records onto the free list *head (each free record has no flags). */
static void chunk_thread(as_task_chunk *c, as_task **head)
{
  for (size_t i = AS_TASK_CHUNK; i-- > 0;) {
    c->tasks[i].flags = 0;
    c->tasks[i].next = *head;
    *head = &c->tasks[i];
  }
}

/* Records come from the manager's chunks (internal.h): the thread's spares, all at once
 * with their free list, or a chunk allocated.  One malloc per AS_TASK_CHUNK records at
 * the service's peak, none per task.  Refilling the free list: NULL without memory. */
AS_COLD static as_task *chunk_refill(as_manager *m)
{
  if (spare_chunks) {
    as_task_chunk *last = spare_chunks;
    while (last->next)
      last = last->next;
    last->next = m->chunks;
    m->chunks = spare_chunks;
    m->free_tasks = spare_free;
    spare_chunks = NULL;
    spare_free = NULL;
    nspare_chunks = 0;
    return m->free_tasks;
  }
  as_task_chunk *c = aligned_alloc(_Alignof(as_task_chunk), sizeof *c);
  if (!c)
    return NULL;
  c->next = m->chunks;
  m->chunks = c;
  chunk_thread(c, &m->free_tasks);
  return m->free_tasks;
}

static void task_free(as_task *t)
{
  t->flags = 0; /* not LIVE: as__tasks_link skips it */
  t->next = t->m->free_tasks;
  t->m->free_tasks = t;
}

/* as__tasks_link's walk of m's group: a function task already running keeps its handle
 * (one that starts later takes its own: function_task_handle). */
static void take_handle(anyc_task *task, void *unused)
{
  (void)unused;
  as_task *t = anyc_task_arg_of(task, function_task_body);
  if (t && (t->flags & (AS_TASK_RUNNING | AS_TASK_FINISHED)) == AS_TASK_RUNNING)
    t->a.task = task;
}

void as__tasks_link(as_manager *m)
{
  if (m->linked)
    return;
  m->linked = 1;
  m->spawn_fast = 0; /* set_link keeps the lists: schedule_general */
  for (as_task_chunk *c = m->chunks; c; c = c->next)
    for (size_t i = 0; i < AS_TASK_CHUNK; i++) {
      as_task *t = &c->tasks[i];
      if ((t->flags & (AS_TASK_LIVE | AS_TASK_FINISHED)) == AS_TASK_LIVE) {
        t->flags |= AS_TASK_LINKED;
        list_push(set_of(t), t);
      }
    }
  anyc_group_walk(&m->group, take_handle, NULL);
}

void as__tasks_release(as_manager *m)
{
  as_task_chunk *c = m->chunks, *n;
  size_t count = 0;
  for (as_task_chunk *k = c; k; k = k->next)
    count++;
  /* No task of m is alive: its free list holds every record.  The thread has no spares
   * (the common case, one service after another): they are m's chunks and list as is,
   * unless m was cancelled or handed children up (m->linked): then its records were freed
   * in tree order, and the next service would take them scattered over the chunks. */
  if (c && !spare_chunks && !m->linked && count <= AS_SPARE_CHUNKS &&
      as__thread_storage_arm() == 0) {
    spare_chunks = c;
    spare_free = m->free_tasks;
    nspare_chunks = count;
    c = NULL;
  }
  for (; c; c = n) { /* else as many as fit, their records threaded again */
    n = c->next;
    if (nspare_chunks < AS_SPARE_CHUNKS && as__thread_storage_arm() == 0) {
      c->next = spare_chunks;
      spare_chunks = c;
      nspare_chunks++;
      chunk_thread(c, &spare_free);
    } else {
      free(c);
    }
  }
  m->chunks = NULL;
  m->free_tasks = NULL;
}

/* ---- the wrapper ---- */

/* Wait until t finished (what = AS_TASK_WAITED) or has no children left (what =
 * AS_TASK_WAITED_CHILDREN): 0, or -ECANCELED (then t may still run).  Waiting for t's end
 * is a checkpoint even when t already finished (the canceller, holding it, may find it
 * so). */
static int task_wait(as_task *t, uint32_t what)
{
  if (what == AS_TASK_WAITED && (t->flags & AS_TASK_FINISHED))
    return anyc_checkpoint();
  if (what == AS_TASK_WAITED_CHILDREN && !t->nchildren)
    return 0;
  as_manager *m = t->m;
  as_waiter w = {.on = t, .what = what, .next = m->waiters};
  anyc_event_init(&w.ev);
  m->waiters = &w;
  t->flags |= what;
  int rc = anyc_event_wait(&w.ev);
  if (rc < 0 && !anyc_event_is_set(&w.ev)) /* still listed: unlink */
    for (as_waiter **p = &m->waiters; *p; p = &(*p)->next)
      if (*p == &w) {
        *p = w.next;
        break;
      }
  return rc;
}

/* Wake (and unlist) everyone waiting for `what` of t. */
AS_COLD static void wake_waiters(as_task *t, uint32_t what)
{
  for (as_waiter **p = &t->m->waiters; *p;) {
    as_waiter *w = *p;
    if (w->on == t && w->what == what) {
      *p = w->next; /* unlist first: once set, w's owner may run and leave */
      anyc_event_set(&w->ev);
    } else {
      p = &w->next;
    }
  }
}

/* t, ended, leaves its parent's count (or the roots'). */
static inline void set_leave(as_task *t)
{
  --*set_of(t).count;
}

/* After t left its parent: wake the parent if it waits for its last child. */
static inline void parent_wake(as_task *t)
{
  as_task *parent = t->parent;
  if (parent && AS_UNLIKELY(!parent->nchildren && (parent->flags & AS_TASK_WAITED_CHILDREN)))
    wake_waiters(parent, AS_TASK_WAITED_CHILDREN);
}

/* task_done for a task with children to hand up, in its set's list, or waited for. */
AS_COLD static void task_done_slow(as_task *t)
{
  /* Leave the parent's set first, then hand the children up: upstream discards the task
   * from its parent (FunctionTask.run's finally) before re-parenting its orphans, so an
   * orphan may take the ended task's place under the 1000-children limit. */
  if (t->nchildren)
    as__tasks_link(t->m); /* before t leaves its set: the lists are built from the
                             records still running */
  set_remove(set_of(t), t);
  if (t->nchildren)
    hand_children_up(t);
  parent_wake(t);
  t->m->done++;
  uint32_t flags = t->flags;
  t->flags = flags | AS_TASK_FINISHED;
  if (flags & AS_TASK_WAITED)
    wake_waiters(t, AS_TASK_WAITED);
  if (!(flags & AS_TASK_HELD))
    task_free(t);
}

/* Flags that send a task's end to task_done_slow. */
#define AS_TASK_SLOW_END (AS_TASK_LINKED | AS_TASK_WAITED | AS_TASK_HELD)

/* A task ended with no children, unlisted and unwatched (most do): it leaves its
 * parent's count and its record is freed. */
static inline void task_release(as_task *t)
{
  set_leave(t);
  parent_wake(t);
  t->m->done++;
  task_free(t);
}

/* A legacy task ended: it leaves the tree and its record is freed, unless a canceller
 * holds it. */
static void task_done(as_task *t)
{
  if (AS_UNLIKELY(t->nchildren || (t->flags & AS_TASK_SLOW_END)))
    task_done_slow(t);
  else
    task_release(t);
}

AS_COLD static void record_daemon_exit(as_task *t)
{
#define AS_DAEMON_EXIT_FORMAT "Daemon task %s[daemon=True] exited"
  /* The running task's name is the legacy task's: the runtime keeps the copy, of any
   * length; the message has the whole of it (a fixed buffer cut the "exited" off). */
  const char *name = anyc_task_name();
  size_t size = sizeof AS_DAEMON_EXIT_FORMAT + strlen(name);
  char *msg = malloc(size);
  if (msg)
    snprintf(msg, size, AS_DAEMON_EXIT_FORMAT, name);
  as__manager_record(t->m, AS_EDAEMONEXIT, msg);
  free(msg);
#undef AS_DAEMON_EXIT_FORMAT
}

/* The message of the first error coded `rc` in the list of the last group the caller
 * closed, copied (NULL if none). */
AS_COLD static char *closed_group_message(int rc)
{
  anyc_error_info info;
  for (size_t i = 0; i < anyc_error_count(); i++)
    if (anyc_error_at(i, &info) == 0 && info.code == rc)
      return info.message ? strdup(info.message) : NULL;
  return NULL;
}

/* Record the caller's error `rc` with its pending anyc_fail() message.  anyc.h hands
 * the message out only through a group's error list, so pass rc as the body status of
 * an empty group (one schedule point, on the error path only).
 * Without one: a task returning the error of a group it closed (a private nursery in
 * run, as py-libp2p's KadDHT; a background block; as_run_service, whose manager closes
 * its system group with the service's error) re-raises that group's exception in
 * Python, message included: take the message the group recorded for that code.  Read
 * before the empty group replaces the list.  Else a legacy call that refused this task
 * with rc (upstream raised, e.g. LifecycleError): its message (as__refuse), also read
 * before the schedule point, where another task may refuse.
 * The error takes its place in the list (and cancels the service) before the schedule
 * point: upstream appends and cancels without yielding, so tasks failing in the same
 * batch are listed in the order they failed, and a task scheduled by a sibling that runs
 * meanwhile is dropped.  The message is filled in after. */
AS_COLD static void record_task_error(as_manager *m, int rc)
{
  anyc_group g;
  anyc_error_info info = {0};
  const char *message = NULL;
  char *inherited = closed_group_message(rc);
  char *refused = as__refusal_take(rc);
  size_t slot = m->nerrors;
  if (as__manager_record(m, rc, NULL) < 0) {
    free(inherited);
    free(refused);
    return;
  }
  if (anyc_group_open(&g) == 0 && anyc_group_close(&g, rc) == rc &&
      anyc_error_count() > 0 && anyc_error_at(0, &info) == 0 && info.code == rc)
    message = info.message;
  if (!message)
    message = inherited ? inherited : refused;
  if (message)
    m->errors[slot].message = strdup(message);
  free(inherited);
  free(refused);
}

/* After a function task's function returned an error, or a daemon's returned, or one
 * with children still running: off the common path (a task whose function returns 0
 * with no children left). */
AS_COLD static void function_task_end_work(as_task *t, int status)
{
  if (status == -ECANCELED)
    return; /* cancelled: by its own handle (then every child already finished), or
               with the whole group from outside (then no wait for children) */
  if (status < 0) {
    record_task_error(t->m, status);
    return;
  }
  if (t->flags & AS_TASK_DAEMON) {
    if (!t->m->cancelled)
      record_daemon_exit(t);
    return; /* upstream raises before waiting: the children are handed up */
  }
  /* Finished only when every child is, those handed up meanwhile included: wait for
   * them (upstream trio.py 80-81). */
  while (t->nchildren)
    if (task_wait(t, AS_TASK_WAITED_CHILDREN) < 0)
      break;
}

AS_COLD static void function_task_end(as_task *t, int status)
{
  t->flags &= ~(uint32_t)AS_TASK_RUNNING; /* its handle may end with it: cancel by flag */
  function_task_end_work(t, status);
  task_done(t);
}

/* A function task: upstream wraps it in a CancelScope of its own, created with the task
 * so a cancel before it first runs is not lost; here the anyc task's handle is that
 * scope (anyc_task_cancel catches the cancellation it causes when the task ends). */
/* The handle replaces the function's argument in the record: returns the argument. */
AS_COLD static void *function_task_handle(as_task *t)
{
  void *arg = t->a.arg;
  t->a.task = anyc_current_task();
  if (t->flags & AS_TASK_CANCEL)
    AS_IGNORE(anyc_task_cancel(t->a.task));
  return arg;
}

static int function_task_body(void *arg)
{
  as_task *t = arg;
  uint32_t flags = t->flags;
  t->flags = flags | AS_TASK_RUNNING;
  /* Its handle is needed only for a cancel, and a cancel walks the lists: a task that
   * starts before its manager keeps lists has its handle taken by as__tasks_link.  Asking
   * for it here, on every legacy task, cost a tenth of a legacy spawn (issue 5). */
  void *fn_arg = AS_UNLIKELY(flags & (AS_TASK_LINKED | AS_TASK_CANCEL))
                     ? function_task_handle(t)
                     : t->a.arg;
  int status = t->u.fn(fn_arg);
  memo_forget(t);
  /* One test for everything off the common path: an error, a daemon, children left, or
   * a record someone lists, waits for or holds. */
  if (AS_UNLIKELY(status < 0 || t->nchildren || (t->flags & (AS_TASK_DAEMON | AS_TASK_SLOW_END))))
    function_task_end(t, status);
  else
    task_release(t);
  return 0;
}

static void child_task_main(as_task *t)
{
  as_manager *cm = t->u.child->manager;
  cm->cancel_at_start = (t->flags & AS_TASK_CANCEL) != 0;
  int rc = as__manager_run(cm);
  /* Cancelled from outside, with the parent's task group: upstream's child run() then
   * raises Cancelled, not the errors it recorded, so the parent records nothing. */
  if (rc == -ECANCELED)
    return;
  if (cm->nerrors) { /* the child's failure is an error of this task (matrix P11) */
    as__manager_record(t->m, cm->errors[0].code, cm->errors[0].message);
    return;
  }
  if (rc < 0) {
    as__manager_record(t->m, rc, NULL);
    return;
  }
  if ((t->flags & AS_TASK_DAEMON) && !t->m->cancelled)
    record_daemon_exit(t);
}

static int child_task_body(void *arg)
{
  child_task_main(arg);
  task_done(arg);
  return 0;
}

/* Why a schedule call is refused: AS_ELIFECYCLE, or 0 for a cancelled service (upstream
 * drops the task silently, neither run nor counted). */
AS_COLD static int schedule_refused(const as_manager *m)
{
  if (!as__manager_is_running(m) || !m->group_open)
    return as__refuse(AS_ELIFECYCLE, "Tasks may not be scheduled if the service is not running");
  return 0;
}

static int schedule_unnamed(as_manager *m, as_task_fn fn, void *arg, as_service *child,
                            int daemon);

/* A spawn that failed after t was linked (out of memory): undo the bookkeeping. */
AS_COLD static int schedule_undo(as_task *t, int rc)
{
  set_remove(set_of(t), t);
  t->m->total--;
  task_free(t);
  return rc;
}

/* Fill in a new record.  Field by field, not memset: on this path a memset (rep stos)
 * cost more than the rest of the record's set-up together.  prev/next are set by
 * set_link when the manager keeps lists. */
static inline __attribute__((always_inline)) void record_fill(as_task *t, as_manager *m,
                                                              as_task *parent, as_task_fn fn,
                                                              void *arg, as_service *child,
                                                              int daemon)
{
  t->m = m;
  t->parent = parent;
  t->children = NULL;
  t->nchildren = 0;
  t->flags = AS_TASK_LIVE | (daemon ? AS_TASK_DAEMON : 0) | (child ? AS_TASK_CHILD : 0);
  if (child)
    t->u.child = child;
  else
    t->u.fn = fn;
  t->a.arg = arg;
}

/* Spawn t's anyc task, t already counted in its set. */
static inline __attribute__((always_inline)) int record_spawn(as_task *t, const char *name)
{
  int rc = anyc_start_soon_named(&t->m->group, name,
                                 t->flags & AS_TASK_CHILD ? child_task_body : function_task_body, t);
  if (AS_UNLIKELY(rc < 0))
    return schedule_undo(t, rc);
  return 0;
}

/* The general schedule: every check, the parent looked up (and remembered in the memo),
 * the lists kept if the manager keeps them.  schedule() comes here for anything but a
 * legacy task scheduling again from where it last did. */
static __attribute__((noinline)) int schedule_general(as_manager *m, as_task_fn fn, void *arg,
                                                      as_service *child, const char *name,
                                                      int daemon, uintptr_t sp)
{
  if (!m->group_open || m->cancelled) /* group_open: started and not finished */
    return schedule_refused(m);
  /* From another thread (a to_thread worker, a plain thread, another run's loop): -EPERM
   * before a record is taken; the records and the group are the loop thread's. */
  if (!as__on_loop_thread(m))
    return -EPERM;
  as_task *parent = anyc_task_arg(function_task_body);
  if (parent) {
    sched_memo.sp = sp;
    sched_memo.parent = parent;
    if (parent->m != m)
      parent = NULL; /* a task of another manager: a root here (matrix P17) */
  }
  as_set set = parent ? children_of(parent) : (as_set){&m->roots, &m->nroots};
  if (*set.count > AS_MAX_CHILDREN) /* upstream: a set of more than 1000 */
    return too_many_children(m, parent, NULL, 1);
  as_task *t = m->free_tasks;
  if (!t && !(t = chunk_refill(m)))
    return -ENOMEM;
  m->free_tasks = t->next;
  record_fill(t, m, parent, fn, arg, child, daemon);
  set_link(set, t);
  m->total++;
  return record_spawn(t, name);
}

/* Inlined into each public scheduling call below: as_run_task is the hot one.  A legacy
 * task that schedules again from where it last did (a loop in run(), a handler's spawn)
 * finds its record in the memo, and the rest is a record filled in, two counts and the
 * spawn; everything else goes through schedule_general. */
static inline __attribute__((always_inline)) int schedule(as_manager *m, as_task_fn fn,
                                                          void *arg, as_service *child,
                                                          const char *name, int daemon)
{
  if (AS_UNLIKELY(!m || !fn == !child))
    return -EINVAL;
  if (AS_UNLIKELY(!name))
    return schedule_unnamed(m, fn, arg, child, daemon);
  uintptr_t sp = stack_pointer();
  as_task *parent = sched_memo.parent;
  /* spawn_fast: accepting spawns, no lists kept.  The memo's parent is the running task
   * (so this is m's loop thread when it is m's); its set must have room; a free record. */
  if (AS_UNLIKELY(!m->spawn_fast || sched_memo.sp != sp || parent->m != m ||
                  parent->nchildren > AS_MAX_CHILDREN || !m->free_tasks))
    return schedule_general(m, fn, arg, child, name, daemon, sp);
  as_task *t = m->free_tasks;
  m->free_tasks = t->next;
  record_fill(t, m, parent, fn, arg, child, daemon);
  parent->nchildren++;
  m->total++;
  return record_spawn(t, name);
}

/* Upstream's get_task_name for a call that gave none: the child service's name, or the
 * function's (here its address). */
AS_COLD static int schedule_unnamed(as_manager *m, as_task_fn fn, void *arg,
                                    as_service *child, int daemon)
{
  char buf[2 * sizeof(void *) + 3];
  const char *name;
  if (child) {
    name = child->name ? child->name : "service";
  } else {
    void *addr;
    memcpy(&addr, &fn, sizeof addr < sizeof fn ? sizeof addr : sizeof fn);
    snprintf(buf, sizeof buf, "%p", addr);
    name = buf;
  }
  return as__schedule(m, fn, arg, child, name, daemon);
}

/* Cancel `t` leaves first: each child (and the children handed up meanwhile) is
 * cancelled and finished before t's own scope is cancelled; then wait for t. */
int as__task_cancel(as_task *t)
{
  int rc = 0;
  t->flags |= AS_TASK_HELD; /* t may end (and hand its children up) while its children
                               are cancelled: the record stays until we let go */
  while (t->children)
    if ((rc = as__task_cancel(t->children)) < 0)
      goto out;
  if (t->flags & AS_TASK_CHILD) {
    as_manager *cm = t->u.child->manager;
    if (cm->started)
      as__manager_cancel(cm);
    else
      t->flags |= AS_TASK_CANCEL;
  } else if (t->flags & AS_TASK_RUNNING) {
    AS_IGNORE(anyc_task_cancel(t->a.task));
  } else {
    t->flags |= AS_TASK_CANCEL;
  }
  rc = task_wait(t, AS_TASK_WAITED);
out:
  t->flags &= ~(uint32_t)AS_TASK_HELD;
  if (t->flags & AS_TASK_FINISHED)
    task_free(t);
  return rc;
}

int as__schedule(as_manager *m, as_task_fn fn, void *arg, as_service *child,
                 const char *name, int daemon)
{
  return schedule(m, fn, arg, child, name, daemon);
}

/* A scheduling call while ASYNC_SERVICE_TRACE is on: out of line, so that the call to
 * as__trace does not give every legacy spawn a frame. */
AS_COLD static int schedule_traced(const char *api, void *caller, as_manager *m,
                                   as_task_fn fn, void *arg, const char *name, int daemon)
{
  as__trace(api, caller);
  return as__schedule(m, fn, arg, NULL, name, daemon);
}

int as_run_task(as_manager *m, as_task_fn fn, void *arg, const char *name)
{
  if (AS_UNLIKELY(as__tracing()))
    return schedule_traced("as_run_task", __builtin_return_address(0), m, fn, arg, name, 0);
  return schedule(m, fn, arg, NULL, name, 0);
}

int as_run_daemon_task(as_manager *m, as_task_fn fn, void *arg, const char *name)
{
  if (AS_UNLIKELY(as__tracing()))
    return schedule_traced("as_run_daemon_task", __builtin_return_address(0), m, fn, arg,
                           name, 1);
  return schedule(m, fn, arg, NULL, name, 1);
}
