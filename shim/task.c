/* task.c — legacy tasks: scheduling, the task tree, the per-task wrapper and
 * leaves-first cancellation (upstream's FunctionTask / ChildServiceTask).
 *
 * Each legacy task is an anyc task in its manager's task group, running task_main().
 * The wrapper opens a private anyc scope around the user's function: the task's own
 * cancel handle (upstream pre-creates a trio CancelScope per task, so a cancel before
 * the task first runs is not lost).  The scheduling task is the parent; anyc.h exposes
 * no task handle, so the running task is identified by its name pointer (anyc_task_name()
 * returns storage owned by the task, unique among live tasks), found through a small hash
 * behind a one-entry cache.  Every legacy task is spawned named, so that call never makes
 * the runtime allocate a name.  Records come from per-manager chunks recycled through the
 * thread: spawning a task costs the runtime's spawn plus a few stores here (issue 5: shim
 * vs native spawn cost).
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ---- running legacy tasks by anyc task (thread-local: one run per thread) ----
 *
 * The running function tasks are kept in a hash keyed by name pointer, with a one-entry
 * cache in front: the task that entered its wrapper last.  Scheduling mostly happens from
 * that task (a run() or a task spawning a batch), so the common lookup is one comparison,
 * and a short task that ends before another one starts never touches the hash.  A task
 * is in the cache or in the hash, never both; the cached one moves into the hash when
 * another task enters.  The cache is checked by key, not trusted: after a switch it may
 * name another task, which a key mismatch tells. */

static AS_TLS as_task **running;
static AS_TLS as_task *running_last; /* the cache; NULL or a running task */
static AS_TLS size_t running_cap, running_count;

/* ---- per-thread storage kept between services ----
 *
 * The hash table and up to AS_SPARE_CHUNKS spare record chunks stay with the thread from
 * one service to the next, and are freed when the thread exits (a key destructor; the
 * main thread's stay reachable until the process ends).  Giving them back whenever no
 * service ran made each short service free and re-allocate large blocks, and freeing a
 * large block makes malloc consolidate the many small ones the runtime just freed (task
 * names): about 15% of a legacy spawn. */

#define AS_SPARE_CHUNKS 16
static AS_TLS as_task_chunk *spare_chunks;
static AS_TLS size_t nspare_chunks;
static pthread_key_t thread_key;
static pthread_once_t thread_key_once = PTHREAD_ONCE_INIT;
static int thread_key_rc;

static void thread_storage_free(void *unused)
{
  (void)unused;
  free(running);
  running = NULL;
  running_cap = 0;
  while (spare_chunks) {
    as_task_chunk *c = spare_chunks;
    spare_chunks = c->next;
    free(c);
  }
  nspare_chunks = 0;
}

static void thread_key_make(void)
{
  thread_key_rc = pthread_key_create(&thread_key, thread_storage_free);
}

/* Before this thread keeps storage: make sure its exit frees it.  0 or -errno. */
static int thread_storage_arm(void)
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

static size_t slot(const char *key, size_t cap)
{
  uintptr_t h = (uintptr_t)key;
  h ^= h >> 17;
  h *= UINT64_C(0x9e3779b97f4a7c15) & UINTPTR_MAX;
  return (size_t)(h >> 7) & (cap - 1);
}

/* Move t (counted in running_count already) into the hash. */
static int hash_add(as_task *t)
{
  if (running_count > running_cap / 2) {
    if (thread_storage_arm() < 0)
      return -ENOMEM;
    size_t cap = running_cap ? running_cap * 2 : 64;
    as_task **tab = calloc(cap, sizeof *tab);
    if (!tab)
      return -ENOMEM;
    for (size_t i = 0; i < running_cap; i++) {
      for (as_task *e = running[i], *n; e; e = n) {
        n = e->hash_next;
        size_t s = slot(e->key, cap);
        e->hash_next = tab[s];
        tab[s] = e;
      }
    }
    free(running);
    running = tab;
    running_cap = cap;
  }
  size_t s = slot(t->key, running_cap);
  t->hash_next = running[s];
  running[s] = t;
  return 0;
}

/* t enters its wrapper: it becomes the cache, the previous cached task moves to the hash. */
static int running_add(as_task *t)
{
  if (running_last && hash_add(running_last) < 0)
    return -ENOMEM;
  running_last = t;
  running_count++;
  return 0;
}

static void running_remove(as_task *t)
{
  if (!t->key)
    return;
  if (running_last == t) {
    running_last = NULL;
  } else {
    for (as_task **p = &running[slot(t->key, running_cap)]; *p; p = &(*p)->hash_next) {
      if (*p == t) {
        *p = t->hash_next;
        break;
      }
    }
  }
  t->key = NULL;
  running_count--;
}

/* The legacy function task of `m` the caller is running in, or NULL (a root). */
static as_task *current_task(as_manager *m)
{
  if (!running_count)
    return NULL;
  const char *key = anyc_task_name();
  as_task *e = running_last;
  if (!e || e->key != key) {
    e = running_cap ? running[slot(key, running_cap)] : NULL;
    while (e && e->key != key)
      e = e->hash_next;
  }
  return e && e->m == m ? e : NULL;
}

/* ---- the tree ---- */

static as_task_set *set_of(as_task *t)
{
  return t->parent ? &t->parent->children : &t->m->roots;
}

static void set_link(as_task_set *s, as_task *t)
{
  t->prev = NULL;
  t->next = s->first;
  if (s->first)
    s->first->prev = t;
  s->first = t;
  s->count++;
}

/* Upstream refuses an add when the set already holds more than 1000 tasks. */
static int set_add(as_task_set *s, as_task *t)
{
  if (s->count > AS_MAX_CHILDREN)
    return AS_ETOOMANYCHILDREN;
  set_link(s, t);
  return 0;
}

static void set_remove(as_task_set *s, as_task *t)
{
  if (t->prev)
    t->prev->next = t->next;
  else
    s->first = t->next;
  if (t->next)
    t->next->prev = t->prev;
  t->prev = t->next = NULL;
  s->count--;
}

/* A task that ends with children still running hands them to its own parent (upstream
 * PR #79), so cancellation still reaches them in tree order.  The limit firing here is
 * an error of the service (upstream); the orphan is linked regardless so it stays
 * reachable for cancellation. */
static void hand_children_up(as_task *t)
{
  as_task *c;
  while ((c = t->children.first)) {
    set_remove(&t->children, c);
    c->parent = t->parent;
    as_task_set *s = set_of(c);
    if (s->count > AS_MAX_CHILDREN)
      as__manager_record(t->m, AS_ETOOMANYCHILDREN,
                         "Tried to add more than 1000 child tasks.");
    set_link(s, c);
  }
}

/* Records come from the manager's chunks (internal.h), taken from the thread's spares
 * or allocated: one malloc per AS_TASK_CHUNK records at the service's peak, none per
 * task. */
static as_task *task_alloc(as_manager *m)
{
  if (!m->free_tasks) {
    as_task_chunk *c = spare_chunks;
    if (c) {
      spare_chunks = c->next;
      nspare_chunks--;
    } else if (!(c = malloc(sizeof *c))) {
      return NULL;
    }
    c->next = m->chunks;
    m->chunks = c;
    for (size_t i = AS_TASK_CHUNK; i-- > 0;) {
      c->tasks[i].next = m->free_tasks;
      m->free_tasks = &c->tasks[i];
    }
  }
  as_task *t = m->free_tasks;
  m->free_tasks = t->next;
  return t; /* as__schedule sets every field */
}

static void task_free(as_task *t)
{
  t->next = t->m->free_tasks;
  t->m->free_tasks = t;
}

void as__tasks_release(as_manager *m)
{
  for (as_task_chunk *c = m->chunks, *n; c; c = n) {
    n = c->next;
    if (nspare_chunks < AS_SPARE_CHUNKS && thread_storage_arm() == 0) {
      c->next = spare_chunks;
      spare_chunks = c;
      nspare_chunks++;
    } else {
      free(c);
    }
  }
  m->chunks = NULL;
  m->free_tasks = NULL;
}

static void task_unref(as_task *t)
{
  if (--t->refs == 0)
    task_free(t);
}

/* ---- the wrapper ---- */

static void task_done(as_task *t)
{
  as_manager *m = t->m;
  /* Leave the parent's set first, then hand the children up: upstream discards the task
   * from its parent (FunctionTask.run's finally) before re-parenting its orphans, so an
   * orphan may take the ended task's place under the 1000-children limit. */
  set_remove(set_of(t), t);
  hand_children_up(t);
  running_remove(t);
  m->done++;
  anyc_event_set(&t->done);
  task_unref(t);
}

AS_COLD static void record_daemon_exit(as_task *t)
{
  char msg[256];
  /* The running task's name is the legacy task's: the runtime keeps the copy. */
  snprintf(msg, sizeof msg, "Daemon task %s[daemon=True] exited", anyc_task_name());
  as__manager_record(t->m, AS_EDAEMONEXIT, msg);
}

/* Record the caller's error `rc` with its pending anyc_fail() message.  anyc.h hands
 * the message out only through a group's error list, so pass rc as the body status of
 * an empty group (one schedule point, on the error path only). */
AS_COLD static void record_task_error(as_manager *m, int rc)
{
  anyc_group g;
  anyc_error_info info = {0};
  const char *message = NULL;
  if (anyc_group_open(&g) == 0 && anyc_group_close(&g, rc) == rc &&
      anyc_error_count() > 0 && anyc_error_at(0, &info) == 0 && info.code == rc)
    message = info.message;
  as__manager_record(m, rc, message);
}

static int function_task_main(as_task *t)
{
  anyc_scope scope; /* the task's own cancel handle */
  int rc = anyc_scope_open(&scope);
  if (rc < 0) {
    as__manager_record(t->m, rc, "cannot open the task's scope");
    return 0;
  }
  t->scope = &scope;
  if (t->cancel_requested)
    anyc_scope_cancel(&scope);
  int status = t->fn(t->arg);
  rc = anyc_scope_close(&scope, status); /* catches a cancellation of its own */
  t->scope = NULL;
  if (rc == -ECANCELED)
    return 0; /* cancelled from outside its own scope: no wait for children */
  if (rc < 0) {
    record_task_error(t->m, rc);
    return 0;
  }
  if (t->daemon && status == 0) {
    if (!t->m->cancelled)
      record_daemon_exit(t);
    return 0; /* upstream raises before waiting: the children are handed up */
  }
  /* Finished only when every child is: wait for them (upstream trio.py 80-81). */
  while (t->children.first)
    if (anyc_event_wait(&t->children.first->done) < 0)
      break;
  return 0;
}

static int child_task_main(as_task *t)
{
  as_manager *cm = t->child->manager;
  cm->cancel_at_start = t->cancel_requested;
  int rc = as__manager_run(cm);
  /* Cancelled from outside, with the parent's task group: upstream's child run() then
   * raises Cancelled, not the errors it recorded, so the parent records nothing. */
  if (rc == -ECANCELED)
    return 0;
  if (cm->nerrors) { /* the child's failure is an error of this task (matrix P11) */
    as__manager_record(t->m, cm->errors[0].code, cm->errors[0].message);
    return 0;
  }
  if (rc < 0) {
    as__manager_record(t->m, rc, NULL);
    return 0;
  }
  if (t->daemon && !t->m->cancelled)
    record_daemon_exit(t);
  return 0;
}

static int task_main(void *arg)
{
  as_task *t = arg;
  if (t->fn) {
    t->key = anyc_task_name();
    if (running_add(t) < 0) {
      t->key = NULL;
      as__manager_record(t->m, -ENOMEM, NULL);
    } else {
      function_task_main(t);
    }
  } else {
    child_task_main(t);
  }
  task_done(t);
  return 0;
}

int as__schedule(as_manager *m, as_task_fn fn, void *arg, as_service *child,
                 const char *name, int daemon)
{
  if (!m || !fn == !child)
    return -EINVAL;
  if (!as__manager_is_running(m) || !m->group_open)
    return AS_ELIFECYCLE;
  if (m->cancelled)
    return 0; /* upstream: dropped silently, neither run nor counted */
  char buf[2 * sizeof(void *) + 3];
  if (!name) {
    if (child) {
      name = child->name ? child->name : "service";
    } else {
      void *addr;
      memcpy(&addr, &fn, sizeof addr < sizeof fn ? sizeof addr : sizeof fn);
      snprintf(buf, sizeof buf, "%p", addr);
      name = buf;
    }
  }
  as_task *t = task_alloc(m);
  if (!t)
    return -ENOMEM;
  /* Field by field, not memset: on this path a memset (rep stos) cost more than the
   * rest of the record's set-up together.  prev/next are set by set_add. */
  t->m = m;
  t->parent = current_task(m);
  t->children.first = NULL;
  t->children.count = 0;
  t->fn = fn;
  t->arg = arg;
  t->child = child;
  t->daemon = daemon;
  t->cancel_requested = 0;
  t->scope = NULL;
  t->key = NULL;
  t->hash_next = NULL;
  t->refs = 1; /* the running wrapper's */
  anyc_event_init(&t->done);
  int rc = set_add(set_of(t), t);
  if (rc == 0) {
    rc = anyc_start_soon_named(&m->group, name, task_main, t);
    if (rc < 0)
      set_remove(set_of(t), t);
  }
  if (rc < 0) {
    task_free(t);
    return rc;
  }
  m->total++;
  return 0;
}

/* Cancel `t` leaves first: each child (and the children handed up meanwhile) is
 * cancelled and finished before t's own scope is cancelled; then wait for t. */
int as__task_cancel(as_task *t)
{
  int rc = 0;
  t->refs++; /* t may end (and hand its children up) while its children are cancelled */
  while (t->children.first)
    if ((rc = as__task_cancel(t->children.first)) < 0)
      goto out;
  if (t->child) {
    as_manager *cm = t->child->manager;
    if (cm->started)
      as__manager_cancel(cm);
    else
      t->cancel_requested = 1;
  } else if (t->scope) {
    anyc_scope_cancel(t->scope);
  } else {
    t->cancel_requested = 1;
  }
  rc = anyc_event_wait(&t->done);
out:
  task_unref(t);
  return rc;
}
