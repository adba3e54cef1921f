/* dump.c — anyc_dump_tasks(): the live tree, for debugging a stuck program.
 *
 * Prints each task with what it waits on, and inside it the scopes and groups it has
 * open (outermost first, with deadlines and cancel state); a group lists its children,
 * recursively.  Tasks still being started by anyc_start() appear in their target group,
 * marked "(starting)".  Output is for people, not parsers.
 */
#include <math.h>
#include <stdio.h>

#include "internal.h"

static const char *state_name(const struct anyc__task *t)
{
  switch (t->state) {
  case ANYC__RUNNING: return "running";
  case ANYC__READY: return "ready";
  case ANYC__BLOCKED: return "blocked";
  default: return "done";
  }
}

static void indent(FILE *out, int depth)
{
  for (int i = 0; i < depth; i++)
    fputs("  ", out);
}

static void dump_task(FILE *out, struct anyc__task *t, int depth);

static void dump_scope(FILE *out, const struct anyc__scope *s, int depth)
{
  indent(out, depth);
  fputs(s->group ? "group" : "scope", out);
  if (s->timer.deadline < INFINITY)
    fprintf(out, " deadline=%.6f (in %.6fs)", s->timer.deadline, s->timer.deadline - anyc_now());
  if (s->cancel_called)
    fputs(" cancelled", out);
  if (s->shield)
    fputs(" shielded", out);
  if (s->group)
    fprintf(out, " children=%zu", s->group->nchildren);
  fputc('\n', out);
  if (s->group) {
    const struct anyc__list *h = &s->group->children;
    for (const struct anyc__list *n = h->next; n != h; n = n->next)
      dump_task(out, anyc__container_of(n, struct anyc__task, group_link), depth + 1);
  }
}

/* The scopes task t opened, outermost first (recursion reverses the parent chain). */
static void dump_chain(FILE *out, const struct anyc__task *t, const struct anyc__scope *s,
                       int depth)
{
  if (s == t->base_scope || !s)
    return;
  dump_chain(out, t, s->parent, depth);
  dump_scope(out, s, depth);
}

static void dump_task(FILE *out, struct anyc__task *t, int depth)
{
  indent(out, depth);
  fprintf(out, "task '%s' %s", anyc__task_name(t), state_name(t));
  if (t->state == ANYC__BLOCKED && t->wait_what)
    fprintf(out, " on %s", t->wait_what);
  if (t->state == ANYC__BLOCKED && t->sleep_timer.index != ANYC__NOT_IN_HEAP)
    fprintf(out, " until %.6f", t->sleep_timer.deadline);
  if (t->start)
    fputs(" (starting)", out);
  if (anyc__task_cancelled(t))
    fputs(" [cancelled]", out);
  fputc('\n', out);
  dump_chain(out, t, t->cur_scope, depth + 1);
}

void anyc_dump_tasks(FILE *out)
{
  struct anyc__runtime *rt = anyc__rt;
  if (!out)
    return;
  if (!rt || !rt->main) {
    fputs("anyc: no run on this thread\n", out);
    return;
  }
  fprintf(out, "anyc run: %llu alive, %llu spawned, now=%.6f\n",
          (unsigned long long)rt->stats.alive, (unsigned long long)rt->stats.spawned,
          anyc_now());
  if (rt->main->state != ANYC__DONE)
    dump_task(out, rt->main, 0);
}
