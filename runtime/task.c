/* task.c — a task's life: creation, entry on its own stack, the end, and its name.
 *
 * A task is a malloc'd struct anyc__task plus a pooled stack, taken only when the task
 * first runs (sched.c), so spawning a million tasks that run one after another touches
 * one stack, not a million.  Its first switch lands in anyc__task_entry on that stack, which runs the body and then reports the status
 * to whoever waits for it: the run (main), an anyc_start() caller (not yet started), or
 * its group.  Returning with a scope or group still open is structural misuse and aborts.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

#ifdef ANYC_ASAN
#include <sanitizer/common_interface_defs.h>
#endif
#ifdef ANYC_TSAN
#include <sanitizer/tsan_interface.h>
#endif

/* Give t its name: names shorter than name_short live inline (no allocation for the
 * usual "worker", "beat", "task42"), longer ones are copied.  -ENOMEM when a long name
 * cannot be copied. */
static int set_name(struct anyc__task *t, const char *name)
{
  size_t n = strlen(name) + 1;
  if (n <= sizeof t->name_short) {
    memcpy(t->name_short, name, n);
    t->name = t->name_short;
    return 0;
  }
  t->name = anyc__malloc(n);
  if (!t->name)
    return -ENOMEM;
  memcpy(t->name, name, n);
  return 0;
}

/* An unnamed task's "task<id>" is made the first time someone asks (most tasks never
 * are). */
const char *anyc__task_name(struct anyc__task *t)
{
  if (!t->name) {
    char buf[32];
    snprintf(buf, sizeof buf, "task%" PRIu64, t->id);
    if (set_name(t, buf) < 0)
      return "task"; /* out of memory: a name is still owed */
  }
  return t->name;
}

const char *anyc_task_name(void)
{
  struct anyc__task *t = anyc__rt ? anyc__rt->current : NULL;
  return t ? anyc__task_name(t) : "";
}

const char *anyc_task_name_of(anyc_task *task)
{
  return task ? anyc__task_name((struct anyc__task *)(void *)task) : "";
}

anyc_task *anyc_current_task(void)
{
  return (anyc_task *)(void *)(anyc__rt ? anyc__rt->current : NULL);
}

int anyc_task_cancel(anyc_task *task)
{
  struct anyc__task *t = (struct anyc__task *)(void *)task;
  if (ANYC_UNLIKELY(!anyc__rt))
    return task ? (anyc__foreign_thread_die(), 0) : -EPERM;
  if (!t || t->state == ANYC__DONE)
    return -EINVAL;
  /* A handle comes from the task itself (anyc_current_task), so the task has run and
   * holds its stack, where its own scope lives. */
  if (!t->has_own)
    anyc__scope_insert_own(t);
  anyc__scope_cancel(&t->stack->own);
  return 0;
}

static inline void *task_arg(const struct anyc__task *t, anyc_fn body)
{
  return t && !t->is_start && t->body.fn == body ? t->arg : NULL;
}

void *anyc_task_arg(anyc_fn body)
{
  return task_arg(anyc__rt ? anyc__rt->current : NULL, body);
}

void *anyc_task_arg_of(anyc_task *task, anyc_fn body)
{
  return task_arg((struct anyc__task *)(void *)task, body);
}

void anyc__task_entry(void *arg)
{
  struct anyc__task *t = arg;
  struct anyc__runtime *rt = anyc__rt;
#ifdef ANYC_ASAN
  __sanitizer_finish_switch_fiber(NULL, NULL, NULL);
#endif
  if (rt->dead)
    anyc__reap(rt);
  int status = t->is_start ? t->body.start_fn(t->arg, (anyc_task_status *)(void *)t)
                           : t->body.fn(t->arg);
  anyc__task_finished(t, status);
  anyc__exit_current();
}

/* Task structs come from slabs of TASKS_PER_SLAB and are recycled through a free list:
 * one allocation per 64 spawns instead of a malloc/free pair per task (glibc's costs
 * ~250 instructions per pair at this size), and neighbours in memory for the scheduler. */
#define TASKS_PER_SLAB 64
struct slab {
  struct slab *next;
  struct anyc__task tasks[TASKS_PER_SLAB];
};

#ifdef ANYC_ASAN
/* Under ASan every task is its own allocation, so a use after free is reported. */
static struct anyc__task *task_alloc(struct anyc__runtime *rt)
{
  (void)rt;
  return anyc__malloc(sizeof(struct anyc__task));
}

static void task_release(struct anyc__runtime *rt, struct anyc__task *t)
{
  (void)rt;
  anyc__free(t);
}
#else
static struct anyc__task *task_alloc(struct anyc__runtime *rt)
{
  struct anyc__task *t = rt->task_free;
  if (ANYC_UNLIKELY(!t)) {
    struct slab *sl = anyc__malloc(sizeof *sl);
    if (!sl)
      return NULL;
    sl->next = rt->task_slabs;
    rt->task_slabs = sl;
    for (int i = TASKS_PER_SLAB - 1; i >= 0; i--) {
      sl->tasks[i].next_ready = rt->task_free;
      rt->task_free = &sl->tasks[i];
    }
    t = rt->task_free;
  }
  rt->task_free = t->next_ready;
  return t;
}

static void task_release(struct anyc__runtime *rt, struct anyc__task *t)
{
  t->next_ready = rt->task_free;
  rt->task_free = t;
}
#endif

void anyc__task_slabs_free(struct anyc__runtime *rt)
{
  while (rt->zombies) {
    struct anyc__task *z = rt->zombies;
    rt->zombies = z->next_ready;
    if (z->name != z->name_short)
      anyc__free(z->name);
#ifdef ANYC_ASAN
    task_release(rt, z);
#endif
  }
  struct slab *sl = rt->task_slabs;
  while (sl) {
    struct slab *next = sl->next;
    anyc__free(sl);
    sl = next;
  }
  rt->task_slabs = NULL;
  rt->task_free = NULL;
}

int anyc__task_spawn(struct anyc__group *group, struct anyc__scope *base, const char *name,
                     anyc_fn fn, anyc_start_fn start_fn, void *arg,
                     struct anyc__task **out)
{
  struct anyc__runtime *rt = anyc__rt;
  struct anyc__task *t = task_alloc(rt);
  if (!t)
    return -ENOMEM;
  /* Fields are set one by one (no memset): spawning is the hot path of spawn_join. */
  t->name = NULL;
  if (name && set_name(t, name) < 0) {
    task_release(rt, t);
    return -ENOMEM;
  }
  t->stack = NULL;
  t->stack_canary = 0;
  t->has_own = 0;
  t->is_start = start_fn != NULL;
  if (start_fn)
    t->body.start_fn = start_fn;
  else
    t->body.fn = fn;
  t->arg = arg;
  t->start = NULL;
  t->wake_status = 0;
  t->wait_what = NULL;
  t->abort_fn = NULL;
  t->wait_obj = NULL;
  t->fail_msg = NULL;
  t->held = 0;
  t->locks = NULL;
  t->errors.items = NULL;
  t->errors.len = t->errors.cap = 0;
  t->id = ++rt->next_id;
  t->sleep_timer.index = ANYC__NOT_IN_HEAP;
  t->sleep_timer.dead = 0;
  anyc__list_init(&t->wait_link);
  anyc__list_init(&t->group_link);
  t->cur_scope = t->base_scope = base;
  anyc__list_init(&t->scope_link); /* tracked when it first parks at a cancel point */
  t->tracked = NULL;
  t->group = group;
  if (group) {
    anyc__list_push(&group->children, &t->group_link);
    group->nchildren++;
  }
#ifdef ANYC_ASAN
  t->asan_fake_stack = NULL;
#endif
  rt->stats.spawned++;
  rt->stats.alive++;
  anyc__ready(t);
  if (out)
    *out = t;
  return 0;
}

void anyc__task_finished(struct anyc__task *t, int status)
{
  struct anyc__runtime *rt = anyc__rt;
  if (ANYC_UNLIKELY(t->has_own) && t->cur_scope == &t->stack->own)
    status = anyc__scope_close_own(t, status); /* anyc_task_cancel's cancellation ends here */
  if (t->cur_scope != t->base_scope)
    anyc__die("task returned while a cancel scope or task group it opened is still open");
  if (t == rt->main) {
    rt->main_status = status;
    rt->main = NULL; /* its struct is recycled: a from_thread task may get it next */
  }
  else if (t->start)
    anyc__start_child_done(t, status);
  else if (t->group)
    anyc__group_child_done(t->group, t, status);
  anyc__list_remove(&t->scope_link);
  rt->stats.alive--;
}

void anyc__task_free(struct anyc__task *t)
{
  struct anyc__runtime *rt = anyc__rt;
  if (t->stack) {
#ifdef ANYC_TSAN
    __tsan_destroy_fiber(t->tsan_fiber);
#endif
    anyc__stack_put(rt->stacks, t->stack);
  }
  if (t->errors.items)
    anyc__errors_clear(&t->errors);
  anyc__free(t->fail_msg);
  if (ANYC_UNLIKELY(t->held)) {
    /* It ended holding a lock or a limiter token: its locks break (their waiters wake
     * with -EOWNERDEAD, Trio's BrokenResourceError), its tokens stay borrowed for good
     * (Trio's CapacityLimiter), and both name this struct as their owner.  Recycled, the
     * struct would make the next task spawned here their owner (an acquire would say
     * -EDEADLK, a release would pass); kept until the run ends, it still reads as ended
     * (lock.c looks) and its name in a message. */
    if (t->locks)
      anyc__locks_break(t);
    t->fail_msg = NULL;
    t->next_ready = rt->zombies;
    rt->zombies = t;
    return;
  }
  if (t->name != t->name_short)
    anyc__free(t->name);
  task_release(rt, t);
}
