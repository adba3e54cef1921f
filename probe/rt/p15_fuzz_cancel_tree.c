/* p15: randomized cancel trees.  Random nests of tasks, groups and scopes (some
 * shielded, some with deadlines; some tasks moved into other groups with anyc_start),
 * every leaf blocked at a cancel point of a random kind (sleep, event, lock, semaphore,
 * limiter, channel send or receive); then random cancels, shield flips, deadline moves and group cancels.
 * Invariant (spec: "a task blocked in a checkpoint when its effective state becomes
 * cancelled is woken"): once things settle no task is blocked at a cancel point while
 * its effective state is cancelled — anyc_dump_tasks marks such a task "[cancelled]". */
#include <stdlib.h>
#include "probe.h"

#define MAXREG 4096
static anyc_scope *scopes[MAXREG];
static int nscopes;
static anyc_group *groups[MAXREG];
static int ngroups;
static int stopping; /* teardown: no new shields, no new sleeps */
static unsigned seed;
static int rnd(int n) { seed = seed * 1103515245u + 12345u; return (int)((seed >> 8) % (unsigned)n); }

static void reg_scope(anyc_scope *s) { if (nscopes < MAXREG) scopes[nscopes++] = s; }
static void unreg_scope(anyc_scope *s) { for (int i = 0; i < nscopes; i++) if (scopes[i] == s) scopes[i] = NULL; }
static void reg_group(anyc_group *g) { if (ngroups < MAXREG) groups[ngroups++] = g; }
static void unreg_group(anyc_group *g) { for (int i = 0; i < ngroups; i++) if (groups[i] == g) groups[i] = NULL; }

static anyc_event never;
static anyc_lock held_lock;
static anyc_semaphore empty_sem;
static anyc_limiter empty_lim;
static anyc_sender *tx0;
static anyc_receiver *rx0;

/* Block forever at a random kind of cancel point. */
static int wait_forever(void)
{
  void *it;
  switch (rnd(7)) {
  case 0: return anyc_event_wait(&never);
  case 1: return anyc_lock_acquire(&held_lock);
  case 2: return anyc_semaphore_acquire(&empty_sem);
  case 3: return anyc_limiter_acquire(&empty_lim);
  case 4: return anyc_receive(rx0, &it);
  case 5: return anyc_send(tx0, NULL);
  default: return anyc_sleep(INFINITY);
  }
}

static int node(void *a);
struct startarg { long depth; };
static int started_node(void *a, anyc_task_status *st);

/* Body at `depth`: k scopes, maybe a group with children, then sleep forever. */
static int body(long depth, anyc_task_status *st)
{
  anyc_scope sc[3];
  int k = rnd(3);
  for (int i = 0; i < k; i++) {
    if (rnd(3) == 0) anyc_move_on_after(&sc[i], 1 + rnd(50));
    else anyc_scope_open(&sc[i]);
    if (rnd(4) == 0 && !stopping) anyc_scope_set_shield(&sc[i], 1);
    reg_scope(&sc[i]);
  }
  anyc_group g;
  int has_group = depth < 4 && rnd(3) != 0;
  if (has_group) {
    anyc_group_open(&g);
    reg_group(&g);
    int n = 1 + rnd(3);
    for (int i = 0; i < n; i++) {
      if (rnd(4) == 0 && ngroups > 0) {
        /* start into a random open group (or this one) */
        anyc_group *target = &g;
        int j = rnd(ngroups);
        if (groups[j]) target = groups[j];
        struct startarg sa = {depth + 1};
        (void)anyc_start(target, started_node, &sa, NULL);
      } else {
        anyc_start_soon(&g, node, (void *)(depth + 1));
      }
    }
  }
  if (st) {
    if (rnd(2)) (void)anyc_sleep(rnd(3));
    anyc_started(st, NULL);
  }
  int rc = stopping ? 0 : wait_forever();
  if (has_group) {
    unreg_group(&g);
    rc = anyc_group_close(&g, rc);
  }
  for (int i = k - 1; i >= 0; i--) {
    unreg_scope(&sc[i]);
    rc = anyc_scope_close(&sc[i], rc);
  }
  return rc == -ECANCELED ? -ECANCELED : 0;
}

static int node(void *a) { return body((long)a, NULL); }
static int started_node(void *a, anyc_task_status *st) { return body(((struct startarg *)a)->depth, st); }

static int violations;
static void check(const char *when)
{
  static char buf[1 << 20];
  FILE *f = fmemopen(buf, sizeof buf, "w");
  anyc_dump_tasks(f);
  fclose(f);
  const char *keep = getenv("P15_DUMP"); /* every dump appended there (to compare builds) */
  if (keep) {
    FILE *k = fopen(keep, "a");
    if (k) {
      fputs(buf, k);
      fclose(k);
    }
  }
  for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
    if (strstr(line, " blocked on ") && strstr(line, "[cancelled]") &&
        !strstr(line, "group close") && !strstr(line, "anyc_start")) {
      if (violations++ < 5)
        printf("  seed %u after %s: %s\n", seed, when, line);
    }
  }
}

static int controller(void *a)
{
  (void)a;
  anyc_group root;
  anyc_event_init(&never);
  anyc_lock_init(&held_lock);
  (void)anyc_lock_acquire(&held_lock);
  anyc_semaphore_init(&empty_sem, 0);
  anyc_limiter_init(&empty_lim, 0);
  anyc_channel_open(0, &tx0, &rx0);
  anyc_group_open(&root);
  reg_group(&root);
  for (int i = 0; i < 3; i++)
    anyc_start_soon(&root, node, (void *)0);
  (void)anyc_sleep(0.5);
  check("build");
  static const char *what[] = {"cancel", "shield on", "shield off", "deadline past", "deadline soon", "group cancel"};
  for (int step = 0; step < 40; step++) {
    int op = rnd(6);
    if (op == 5) {
      int j = rnd(ngroups);
      if (groups[j] && groups[j] != &root) anyc_group_cancel(groups[j]);
    } else if (nscopes) {
      anyc_scope *s = scopes[rnd(nscopes)];
      if (!s) continue;
      switch (op) {
      case 0: anyc_scope_cancel(s); break;
      case 1: anyc_scope_set_shield(s, 1); break;
      case 2: anyc_scope_set_shield(s, 0); break;
      case 3: anyc_scope_set_deadline(s, anyc_now() - 1); break;
      case 4: anyc_scope_set_deadline(s, anyc_now() + 0.1 * (1 + rnd(5))); break;
      }
    }
    for (int i = 0; i < 3; i++)
      (void)anyc_sleep(0.01 * (1 + rnd(20)));
    check(what[op]);
  }
  stopping = 1;
  for (int i = 0; i < nscopes; i++) /* let the end reach everyone */
    if (scopes[i])
      anyc_scope_set_shield(scopes[i], 0);
  unreg_group(&root);
  anyc_group_cancel(&root);
  (void)anyc_group_close(&root, 0);
  anyc_lock_release(&held_lock);
  anyc_sender_close(tx0);
  anyc_receiver_close(rx0);
  return 0;
}

int main(int argc, char **argv)
{
  int runs = argc > 1 ? atoi(argv[1]) : 300;
  int first = argc > 2 ? atoi(argv[2]) : 0;
  for (int r = first; r < first + runs; r++) {
    fprintf(stderr, "run %d\n", r);
    seed = 1000u + (unsigned)r;
    nscopes = ngroups = 0;
    stopping = 0;
    anyc_config c = {0, 1, 0};
    int rc = anyc_run_with(&c, controller, NULL);
    if (rc != 0) { printf("  run %d rc %d\n", r, rc); violations++; }
  }
  EXPECT(violations, 0);
  return probe_done();
}
