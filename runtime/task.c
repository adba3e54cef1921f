/* task.c — a task's life: creation, entry on its own stack, the end, and its name.
 *
 * A task is a malloc'd struct anyc__task plus a pooled stack, taken at spawn so that
 * anyc_start_soon can report -ENOMEM instead of failing the task later.  Its first switch
 * lands in task_entry on the new stack, which runs the body and then reports the status
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

const char *anyc__task_name(struct anyc__task *t)
{
  if (t->name)
    return t->name;
  if (!t->name_buf[0])
    snprintf(t->name_buf, sizeof t->name_buf, "task%" PRIu64, t->id);
  return t->name_buf;
}

const char *anyc_task_name(void)
{
  struct anyc__task *t = anyc__rt ? anyc__rt->current : NULL;
  return t ? anyc__task_name(t) : "";
}

static void task_entry(void *arg)
{
  struct anyc__task *t = arg;
  struct anyc__runtime *rt = anyc__rt;
#ifdef ANYC_ASAN
  __sanitizer_finish_switch_fiber(NULL, NULL, NULL);
#endif
  if (rt->dead)
    anyc__reap(rt);
  int status = t->start_fn ? t->start_fn(t->arg, t->start) : t->fn(t->arg);
  anyc__task_finished(t, status);
  anyc__exit_current();
}

int anyc__task_spawn(struct anyc__group *group, struct anyc__scope *base, const char *name,
                     anyc_fn fn, anyc_start_fn start_fn, void *arg,
                     struct anyc__task **out)
{
  struct anyc__runtime *rt = anyc__rt;
  struct anyc__task *t = anyc__malloc(sizeof *t);
  if (!t)
    return -ENOMEM;
  memset(t, 0, offsetof(struct anyc__task, name_buf) + 1);
  if (name && !(t->name = anyc__strdup(name))) {
    anyc__free(t);
    return -ENOMEM;
  }
  if (anyc__stack_get(rt->stacks, &t->stack) < 0) {
    anyc__free(t->name);
    anyc__free(t);
    return -ENOMEM;
  }
  anyc__ctx_init(&t->ctx, t->stack->lo, t->stack->size, task_entry, t);
  t->fn = fn;
  t->start_fn = start_fn;
  t->arg = arg;
  t->id = ++rt->next_id;
  t->sleep_timer.index = ANYC__NOT_IN_HEAP;
  anyc__list_init(&t->wait_link);
  anyc__list_init(&t->group_link);
  t->cur_scope = t->base_scope = base;
  anyc__list_push(&base->tasks, &t->scope_link);
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
  if (t->cur_scope != t->base_scope)
    anyc__die("task returned while a cancel scope or task group it opened is still open");
  if (t == rt->main)
    rt->main_status = status;
  else if (t->start)
    anyc__start_child_done(t, status);
  else if (t->group)
    anyc__group_child_done(t->group, t, status);
  anyc__list_remove(&t->scope_link);
  rt->stats.alive--;
}

void anyc__task_free(struct anyc__task *t)
{
  anyc__stack_put(anyc__rt->stacks, t->stack);
  anyc__errors_clear(&t->errors);
  anyc__free(t->fail_msg);
  anyc__free(t->name);
  anyc__free(t);
}
