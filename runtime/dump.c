/* dump.c — anyc_dump_tasks(): the live tree, for debugging a stuck program.
 *
 * Prints each task with what it waits on, and inside it the scopes and groups it has
 * open (outermost first, with deadlines and cancel state); a group lists its children,
 * and so on down (walked without recursion, see dump_tree).  Tasks still being started by anyc_start() appear in their target group,
 * marked "(starting)".  Tasks running anyc_from_thread calls belong to no group: they
 * follow main's tree, each as a tree of its own (and alone once main has ended).
 * Output is for people, not parsers.
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
}

/* The outermost scope task t opened itself, or NULL. */
static const struct anyc__scope *outermost_own(const struct anyc__task *t)
{
  const struct anyc__scope *s = t->cur_scope;
  if (!s || s == t->base_scope)
    return NULL;
  while (s->parent && s->parent != t->base_scope)
    s = s->parent;
  return s;
}

/* The scope t opened right inside its own scope s, or NULL when s is its innermost. */
static const struct anyc__scope *next_inner(const struct anyc__task *t,
                                            const struct anyc__scope *s)
{
  const struct anyc__scope *p = t->cur_scope;
  if (p == s)
    return NULL;
  while (p->parent != s)
    p = p->parent;
  return p;
}

/* Each task, then the scopes it opened (outermost first), a group's children right
 * under the group.  Walked without recursion, back up through each group's owner: the
 * tree is as deep as tasks are nested, and a dump made by a task must not overflow its
 * stack on a deep one. */
static void dump_tree(FILE *out, struct anyc__task *root)
{
  struct anyc__task *t = root;
  int depth = 0;
  dump_task(out, t, depth);
  const struct anyc__scope *s = outermost_own(t);
  for (;;) {
    if (s) {
      dump_scope(out, s, depth + 1);
      if (s->group && !anyc__list_empty(&s->group->children)) {
        t = anyc__container_of(s->group->children.next, struct anyc__task, group_link);
        depth += 2;
        dump_task(out, t, depth);
        s = outermost_own(t);
      } else {
        s = next_inner(t, s);
      }
      continue;
    }
    /* t and all below it are printed: its next sibling, else back in its group's owner
     * at the scope after the group (climbing on while that was the owner's last). */
    while (!s) {
      if (t == root)
        return;
      struct anyc__group *g = t->group;
      if (t->group_link.next != &g->children) {
        t = anyc__container_of(t->group_link.next, struct anyc__task, group_link);
        dump_task(out, t, depth);
        s = outermost_own(t);
        if (!s)
          continue;
        break;
      }
      t = g->owner;
      depth -= 2;
      s = next_inner(t, &g->scope);
    }
  }
}

static void dump_call(struct anyc__task *t, void *out) { dump_tree(out, t); }

void anyc_dump_tasks(FILE *out)
{
  struct anyc__runtime *rt = anyc__rt;
  if (!out)
    return;
  if (!rt) {
    fputs("anyc: no run on this thread\n", out);
    return;
  }
  fprintf(out, "anyc run: %llu alive, %llu spawned, now=%.6f\n",
          (unsigned long long)rt->stats.alive, (unsigned long long)rt->stats.spawned,
          anyc_now());
  if (rt->main) /* NULL once main ended (tasks from anyc_from_thread may live on) */
    dump_tree(out, rt->main);
  anyc__threads_each_call(dump_call, out);
}
