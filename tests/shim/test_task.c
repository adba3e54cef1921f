/* test_task.c — shim/task.c: the task tree.  Upstream's DAG cancellation-order test,
 * both stats tests, the child limit, and the matrix rows and asyncio-suite tests about
 * parents, orphans and cancellation order; and the recycling of task records. */
#include <pthread.h>

#include "shim_test.h"

static int wait_cancelled_run(as_service *s)
{
  return as_wait_finished(s->manager);
}

/* ---- tests-trio/test_trio_dag_cancellation.py ----
 * Upstream's DAGServiceTest (async_service/tools/_dag_test.py) on its DEFAULT_DAG: 14
 * nodes, depth 6 (0->2->4->8->11->12->13).  Node 0 is run() itself.  Each node holds a
 * "resource" while it runs, and schedules a helper child that spawns the node's DAG
 * children (waiting until each is ready), signals the node ready and parks on
 * wait_finished.  When cancelled, each helper (after 0-100 shielded yields) checks that
 * its node's resource is still held and marks it checked; each node, after releasing
 * its resource and yielding, checks that its helper had checked.  run()'s own cleanup
 * then checks every resource is released and checked: all_checks_passed.  So every
 * subtree finished before its parent's cleanup ran. */
#define DAG_N 14
static const int dag_children[DAG_N][6] = {
  [0] = {1, 2, 3, -1}, [1] = {-1}, [2] = {4, 5, -1}, [3] = {-1},
  [4] = {6, 7, 8, 9, 10, -1}, [5] = {-1}, [6] = {-1}, [7] = {-1},
  [8] = {11, -1}, [9] = {-1}, [10] = {-1}, [11] = {12, -1}, [12] = {13, -1}, [13] = {-1},
};
static struct dag_node {
  int id, active, checked;
  as_manager *m;
  anyc_event ready_ev; /* the node's DAG children are all ready */
} dag[DAG_N];
static int dag_all_checks_passed;
static unsigned dag_rand = 12345;
static void dag_yield_execution(void) /* random.randint(0, 100) shielded checkpoints */
{
  dag_rand = dag_rand * 1103515245u + 12345u;
  anyc_scope sh;
  anyc_scope_open(&sh);
  anyc_scope_set_shield(&sh, 1);
  for (int i = (int)((dag_rand >> 16) % 101); i > 0; i--)
    CHECK_INT(anyc_checkpoint(), 0);
  CHECK_INT(anyc_scope_close(&sh, 0), 0);
}
static int dag_do_task(void *arg);
static int dag_do_child(void *arg)
{
  struct dag_node *n = arg;
  CHECK(n->active);
  CHECK(!n->checked);
  int rc = 0;
  for (int i = 0; rc == 0 && dag_children[n->id][i] >= 0; i++) {
    struct dag_node *c = &dag[dag_children[n->id][i]];
    CHECK_INT(as_run_task(n->m, dag_do_task, c, NULL), 0);
    rc = anyc_event_wait(&c->ready_ev);
  }
  if (rc == 0) {
    anyc_event_set(&n->ready_ev);
    rc = as_wait_finished(n->m);
  }
  dag_yield_execution(); /* finally: */
  CHECK(n->active); /* the node's resource outlives this subtree */
  n->checked = 1;
  return rc;
}
static int dag_do_task(void *arg)
{
  struct dag_node *n = arg;
  CHECK(!n->active);
  CHECK(!n->checked);
  n->active = 1; /* async with resource: */
  CHECK_INT(as_run_task(n->m, dag_do_child, n, NULL), 0);
  int rc = as_wait_finished(n->m);
  n->active = 0;
  dag_yield_execution(); /* finally: */
  CHECK(!n->active);
  CHECK(n->checked);
  return rc;
}
static int dag_run(as_service *s)
{
  for (int i = 0; i < DAG_N; i++) { /* pre-run sanity checks */
    CHECK(!dag[i].active && !dag[i].checked);
    dag[i].m = s->manager;
  }
  int rc = dag_do_task(&dag[0]);
  int passed = 1; /* finally: post-run sanity checks */
  for (int i = 0; i < DAG_N; i++)
    if (dag[i].active || !dag[i].checked)
      passed = 0;
  dag_all_checks_passed = passed;
  return passed ? rc : anyc_fail(-EPROTO, "a resource was still active or not checked");
}
static int dag_main(void *arg)
{
  (void)arg;
  tsvc t;
  as_manager *m = NULL;
  dag_all_checks_passed = 0;
  for (int i = 0; i < DAG_N; i++) {
    memset(&dag[i], 0, sizeof dag[i]);
    dag[i].id = i;
    anyc_event_init(&dag[i].ready_ev);
  }
  tsvc_init(&t, dag_run, NULL);
  CHECK_INT(as_background_service_enter(&t.svc, &m), 0);
  for (int i = 0; i < DAG_N; i++) /* ready_cancel */
    CHECK_INT(anyc_event_wait(&dag[i].ready_ev), 0);
  CHECK_INT(as_background_service_exit(m, 0), 0);
  CHECK_INT(dag_all_checks_passed, 1);
  CHECK_INT(as_error_count(m), 0);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_trio_service_task_cancellation_dag_order(void **state)
{
  (void)state;
  RUN(dag_main);
}

/* ---- tests-trio/test_trio_manager_stats.py ---- */
static anyc_event stats_ready;
static int stats_with_children(void *arg)
{
  for (int i = 0; i < 4; i++)
    CHECK_INT(as_run_task(arg, sleep_forever, NULL, NULL), 0);
  anyc_event_set(&stats_ready);
  return 0;
}
static int stats_run(as_service *s)
{
  as_manager *m = s->manager;
  for (int i = 0; i < 2; i++)
    CHECK_INT(as_run_task(m, sleep_forever, NULL, NULL), 0);
  for (int i = 0; i < 2; i++)
    CHECK_INT(as_run_task(m, just_checkpoint, NULL, NULL), 0);
  CHECK_INT(as_run_task(m, stats_with_children, m, NULL), 0);
  return 0; /* returns at once, as upstream's: its children keep it (and the service) alive */
}
static void check_stats(const as_manager *m, unsigned long total, unsigned long finished)
{
  as_stats st;
  as_get_stats(m, &st);
  CHECK_INT(st.total_count, total);
  CHECK_INT(st.finished_count, finished);
  CHECK_INT(st.pending_count, total - finished);
}
static int stats_main(void *arg)
{
  (void)arg;
  tsvc t;
  as_manager *m = NULL;
  anyc_event_init(&stats_ready);
  tsvc_init(&t, stats_run, NULL);
  CHECK_INT(as_background_service_enter(&t.svc, &m), 0);
  CHECK_INT(as_run_task(m, just_checkpoint, NULL, NULL), 0); /* an external root task */
  CHECK_INT(anyc_event_wait(&stats_ready), 0);
  for (int i = 0; i < 50; i++)
    CHECK_INT(anyc_checkpoint(), 0);
  check_stats(m, 10, 3);
  CHECK_INT(as_background_service_exit(m, 0), 0);
  check_stats(m, 10, 10);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_trio_manager_stats(void **state) { (void)state; RUN(stats_main); }

static int one_sleeper_run(as_service *s)
{
  CHECK_INT(as_run_task(s->manager, sleep_forever, NULL, NULL), 0);
  anyc_event_set(&tsvc_of(s)->ready);
  return 0;
}
static int stats_not_run_main(void *arg)
{
  (void)arg;
  tsvc t;
  as_manager *m = NULL;
  tsvc_init(&t, one_sleeper_run, NULL);
  CHECK_INT(as_background_service_enter(&t.svc, &m), 0);
  CHECK_INT(anyc_event_wait(&t.ready), 0);
  for (int i = 0; i < 10; i++)
    CHECK_INT(anyc_checkpoint(), 0);
  check_stats(m, 1, 0);
  CHECK_INT(as_background_service_exit(m, 0), 0);
  check_stats(m, 1, 1);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_trio_manager_stats_does_not_count_main_run_method(void **state) { (void)state; RUN(stats_not_run_main); }

/* ---- the child limit ---- */

/* asyncio suite 29 / matrix P29: the root set holds run + 1000 external tasks; the next
 * add fails, to the caller only. */
static int too_many_main(void *arg)
{
  (void)arg;
  tsvc t;
  as_manager *m = NULL;
  tsvc_init(&t, wait_cancelled_run, NULL);
  CHECK_INT(as_background_service_enter(&t.svc, &m), 0);
  for (int i = 0; i < 1000; i++)
    CHECK_INT(as_run_task(m, sleep_forever, NULL, NULL), 0);
  CHECK_INT(as_is_running(m), 1);
  CHECK_INT(as_did_error(m), 0);
  CHECK_INT(as_run_task(m, sleep_forever, NULL, NULL), AS_ETOOMANYCHILDREN);
  CHECK_INT(as_did_error(m), 0);
  CHECK_INT(as_background_service_exit(m, 0), 0);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_asyncio_service_with_too_many_children(void **state) { (void)state; RUN(too_many_main); }

/* The same limit on one task's children: 1001 children fit, the next is refused. */
static tsvc limit_child;
static int many_children_run(as_service *s)
{
  for (int i = 0; i < 1001; i++)
    CHECK_INT(as_run_task(s->manager, sleep_forever, NULL, NULL), 0);
  CHECK_INT(as_run_task(s->manager, sleep_forever, NULL, NULL), AS_ETOOMANYCHILDREN);
  CHECK_INT(as_run_child_service(s->manager, &limit_child.svc, NULL), AS_ETOOMANYCHILDREN);
  CHECK(limit_child.svc.manager != NULL); /* attached before the refusal, as upstream */
  check_flags(limit_child.svc.manager, 0, 0, 0, 0);
  return as_cancel(s->manager);
}
static int many_children_main(void *arg)
{
  (void)arg;
  tsvc t;
  tsvc_init(&t, many_children_run, NULL);
  tsvc_init(&limit_child, wait_cancelled_run, "Child");
  CHECK_INT(as_run_service(&t.svc), 0);
  check_stats(t.svc.manager, 1001, 1001);
  as_service_destroy(&limit_child.svc);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_matrix_p29_child_limit_per_task(void **state) { (void)state; RUN(many_children_main); }

/* The refusal's text lists the set's ten most common tasks as upstream's
 * TooManyChildrenException does (Counter(map(str, children)).most_common(10), a task's
 * str being "name[daemon=...]", printed as Python prints the list); a task returning the
 * code puts it in the service's error list. */
static int full_set_run(as_service *s)
{
  static const char *names[] = {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"};
  for (int i = 0; i < 989; i++)
    CHECK_INT(as_run_task(s->manager, sleep_forever, NULL, "worker"), 0);
  for (int i = 0; i < 11; i++) /* eleven names seen once: the last is left out */
    CHECK_INT(as_run_task(s->manager, sleep_forever, NULL, names[i]), 0);
  CHECK_INT(as_run_daemon_task(s->manager, sleep_forever, NULL, "it's"), 0);
  return as_run_task(s->manager, sleep_forever, NULL, "one too many");
}
static int most_common_main(void *arg)
{
  (void)arg;
  tsvc t;
  int code = 0;
  const char *msg = NULL;
  tsvc_init(&t, full_set_run, NULL);
  CHECK_INT(as_run_service(&t.svc), AS_ETOOMANYCHILDREN);
  CHECK_INT(as_error_at(t.svc.manager, 0, &code, &msg), 0);
  CHECK_INT(code, AS_ETOOMANYCHILDREN);
  CHECK(msg && strcmp(msg, "Tried to add more than 1000 child tasks. Most common tasks: "
                           "[('worker[daemon=False]', 989), ('a[daemon=False]', 1), "
                           "('b[daemon=False]', 1), ('c[daemon=False]', 1), "
                           "('d[daemon=False]', 1), ('e[daemon=False]', 1), "
                           "('f[daemon=False]', 1), ('g[daemon=False]', 1), "
                           "('h[daemon=False]', 1), ('i[daemon=False]', 1)]") == 0);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_too_many_children_lists_the_most_common_tasks(void **state) { (void)state; RUN(most_common_main); }

/* Python's repr of a name with a quote in it, and a daemon's str. */
static int quoted_set_run(as_service *s)
{
  for (int i = 0; i < 1000; i++)
    CHECK_INT(as_run_daemon_task(s->manager, sleep_forever, NULL, "it's"), 0);
  CHECK_INT(as_run_task(s->manager, sleep_forever, NULL, "back\\slash"), 0);
  return as_run_task(s->manager, sleep_forever, NULL, "one too many");
}
static int quoted_main(void *arg)
{
  (void)arg;
  tsvc t;
  const char *msg = NULL;
  tsvc_init(&t, quoted_set_run, NULL);
  CHECK_INT(as_run_service(&t.svc), AS_ETOOMANYCHILDREN);
  CHECK_INT(as_error_at(t.svc.manager, 0, NULL, &msg), 0);
  CHECK(msg && strcmp(msg, "Tried to add more than 1000 child tasks. Most common tasks: "
                           "[(\"it's[daemon=True]\", 1000), "
                           "('back\\\\slash[daemon=False]', 1)]") == 0);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_too_many_children_names_printed_as_python_does(void **state) { (void)state; RUN(quoted_main); }

/* Orphans handed up count against the limit of their new set, which no longer holds
 * the task that ended (upstream: FunctionTask.run's finally discards the task from
 * its parent before _run_and_manage_task's finally re-parents its children).  run holds
 * 1000 sleepers and T (1001 children); T starts `orphans` children and fails.  (When
 * the limit fires there, Python's raise in a finally replaces T's own error; C keeps
 * both, in order: errors are never dropped.) */
static int limit_orphans;
static int spawns_orphans_then_fails(void *arg)
{
  for (int i = 0; i < limit_orphans; i++)
    CHECK_INT(as_run_task(arg, sleep_forever, NULL, "orphan"), 0);
  int rc = anyc_checkpoint();
  return rc ? rc : anyc_fail(-EIO, "T failed");
}
static int full_run(as_service *s)
{
  for (int i = 0; i < 1000; i++)
    CHECK_INT(as_run_task(s->manager, sleep_forever, NULL, NULL), 0);
  CHECK_INT(as_run_task(s->manager, spawns_orphans_then_fails, s->manager, "T"), 0);
  return as_wait_finished(s->manager);
}
static void orphan_limit_scenario(int orphans)
{
  tsvc t;
  int code = 0;
  limit_orphans = orphans;
  tsvc_init(&t, full_run, NULL);
  CHECK_INT(as_run_service(&t.svc), -EIO);
  as_manager *m = t.svc.manager;
  /* one orphan takes T's place (1001 children again); a second is one too many */
  CHECK_INT(as_error_count(m), (orphans == 1 ? 1 : 2));
  CHECK_INT(as_error_at(m, 0, &code, NULL), 0);
  CHECK_INT(code, -EIO);
  if (orphans > 1) {
    /* run's set when the second orphan comes: the 1000 sleepers (unnamed: named by the
     * function's address, as upstream by its __name__) and the first orphan; not T */
    const char *msg = NULL;
    char want[160], fn[2 * sizeof(void *) + 3];
    as_task_fn f = sleep_forever;
    void *addr;
    memcpy(&addr, &f, sizeof addr);
    snprintf(fn, sizeof fn, "%p", addr);
    snprintf(want, sizeof want,
             "Tried to add more than 1000 child tasks. Most common tasks: "
             "[('%s[daemon=False]', 1000), ('orphan[daemon=False]', 1)]", fn);
    CHECK_INT(as_error_at(m, 1, &code, &msg), 0);
    CHECK_INT(code, AS_ETOOMANYCHILDREN);
    CHECK(msg && strcmp(msg, want) == 0);
  }
  check_stats(m, 1001 + (unsigned long)orphans, 1001 + (unsigned long)orphans);
  as_service_destroy(&t.svc);
}
static int one_orphan_main(void *arg) { (void)arg; orphan_limit_scenario(1); return 0; }
static int two_orphans_main(void *arg) { (void)arg; orphan_limit_scenario(2); return 0; }
static void test_orphans_handed_up_within_the_limit(void **state) { (void)state; RUN(one_orphan_main); }
static void test_orphans_handed_up_past_the_limit(void **state) { (void)state; RUN(two_orphans_main); }

/* A child service that failed but is still shutting down when its parent is cancelled
 * from outside: upstream's child run() then raises Cancelled, not its errors, so the
 * parent records nothing (and is not marked cancelled); the child keeps its error. */
static int slow_cleanup(void *arg)
{
  (void)arg;
  int rc = anyc_sleep(FOREVER);
  anyc_scope sh; /* cleanup that takes a second, shielded */
  anyc_scope_open(&sh);
  anyc_scope_set_shield(&sh, 1);
  CHECK_INT(anyc_scope_close(&sh, anyc_sleep(1)), 0);
  return rc;
}
static int fails_with_slow_cleanup_run(as_service *s)
{
  CHECK_INT(as_run_task(s->manager, slow_cleanup, NULL, NULL), 0);
  int rc = anyc_checkpoint();
  return rc ? rc : anyc_fail(-ENOKEY, "child");
}
static tsvc slow_child;
static int parent_of_slow_child_run(as_service *s)
{
  CHECK_INT(as_run_child_service(s->manager, &slow_child.svc, NULL), 0);
  return as_wait_finished(s->manager);
}
static int child_failed_outer_cancel_main(void *arg)
{
  (void)arg;
  tsvc t;
  anyc_scope outer;
  tsvc_init(&t, parent_of_slow_child_run, "Parent");
  tsvc_init(&slow_child, fails_with_slow_cleanup_run, "Child");
  anyc_move_on_after(&outer, 0.5); /* the child failed at 0 and cleans up until 1 */
  int rc = as_run_service(&t.svc);
  CHECK_INT(rc, -ECANCELED);
  CHECK_INT(anyc_scope_close(&outer, rc), 0);
  CHECK_NEAR(anyc_now(), 1.0, 1e-6);
  CHECK_INT(as_error_count(t.svc.manager), 0);
  check_flags(t.svc.manager, 1, 0, 0, 1);
  CHECK_INT(as_error_count(slow_child.svc.manager), 1);
  check_flags(slow_child.svc.manager, 1, 0, 1, 1);
  as_service_destroy(&slow_child.svc);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_failed_child_service_cancelled_from_outside(void **state) { (void)state; RUN(child_failed_outer_cancel_main); }

/* ---- parents, orphans, order ---- */

/* P17: a task scheduled from a task the service does not own is a root, not a child of
 * whichever service task happens to be running: its parent-to-be finishes without it. */
static int p17_returns_on_ev(void *arg)
{
  return anyc_event_wait(arg);
}
static int p17_main(void *arg)
{
  (void)arg;
  tsvc t;
  as_manager *m = NULL;
  tsvc_init(&t, wait_cancelled_run, NULL);
  CHECK_INT(as_background_service_enter(&t.svc, &m), 0);
  CHECK_INT(as_run_task(m, p17_returns_on_ev, &t.ev, NULL), 0);
  CHECK_INT(anyc_checkpoint(), 0);
  CHECK_INT(as_run_task(m, sleep_forever, NULL, NULL), 0);
  anyc_event_set(&t.ev);
  CHECK_INT(anyc_sleep(1), 0);
  check_stats(m, 2, 1); /* the first finished although the second still runs */
  CHECK_INT(as_background_service_exit(m, 0), 0);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_matrix_p17_run_task_from_foreign_task_is_root(void **state) { (void)state; RUN(p17_main); }

/* The shim remembers which legacy task last scheduled at which stack pointer, and
 * forgets it when that task's function returns (task.c, the parent lookup's memo).  T1,
 * a task of m1, schedules and ends; T2, a task of m2, then runs the same function on the
 * stack T1 left (its frame address proves it) and schedules onto m1 from the same spot:
 * a root of m1 (P17), not a child of T1's freed record.  Seen through the roots limit:
 * m1's run and T2's task are roots, so 999 more fit, not 1000. */
typedef struct memo_fan {
  as_manager *target;
  void *frame;         /* where fan's frame was: the same stack at the same depth */
  int fill;            /* then fill m1's roots up to the limit */
  int accepted;
} memo_fan;
static __attribute__((noinline)) int memo_fill(memo_fan *f)
{
  int rc;
  while ((rc = as_run_task(f->target, sleep_forever, NULL, "filler")) == 0)
    f->accepted++;
  return rc;
}
static __attribute__((noinline)) int memo_fan_fn(void *arg)
{
  memo_fan *f = arg;
  f->frame = __builtin_frame_address(0);
  CHECK_INT(as_run_task(f->target, f->fill ? sleep_forever : just_checkpoint, NULL, "K"), 0);
  if (f->fill)
    CHECK_INT(memo_fill(f), AS_ETOOMANYCHILDREN);
  return 0;
}
static int memo_main(void *arg)
{
  (void)arg;
  tsvc t1, t2;
  as_manager *m1 = NULL, *m2 = NULL;
  memo_fan a1 = {0}, a2 = {0};
  tsvc_init(&t1, wait_cancelled_run, "one");
  tsvc_init(&t2, wait_cancelled_run, "two");
  CHECK_INT(as_background_service_enter(&t1.svc, &m1), 0);
  CHECK_INT(as_background_service_enter(&t2.svc, &m2), 0);
  a1.target = a2.target = m1;
  a2.fill = 1;
  CHECK_INT(as_run_task(m1, memo_fan_fn, &a1, "T1"), 0);
  for (int i = 0; i < 10; i++) /* T1 schedules K, returns, waits for K; both end */
    CHECK_INT(anyc_checkpoint(), 0);
  check_stats(m1, 2, 2);
  CHECK_INT(as_run_task(m2, memo_fan_fn, &a2, "T2"), 0);
  for (int i = 0; i < 10; i++)
    CHECK_INT(anyc_checkpoint(), 0);
  CHECK(a1.frame != NULL && a1.frame == a2.frame); /* T2 ran on T1's stack */
  CHECK_INT(a2.accepted, 999);
  CHECK_INT(as_background_service_exit(m2, 0), 0);
  CHECK_INT(as_background_service_exit(m1, 0), 0);
  as_service_destroy(&t2.svc);
  as_service_destroy(&t1.svc);
  return 0;
}
static void test_parent_memo_forgotten_when_the_function_returns(void **state) { (void)state; RUN(memo_main); }

/* P17 from a private nursery (py-libp2p's Swarm/KadDHT run()): the task that schedules
 * is a plain anyc task of run's own group, which upstream does not find in the DAG, so
 * the new task is a root -- run does not wait for it. */
static int schedules_from_nursery(void *arg)
{
  tsvc *t = arg;
  return as_run_task(t->svc.manager, p17_returns_on_ev, &t->ev, NULL);
}
static int private_nursery_run(as_service *s)
{
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon(&g, schedules_from_nursery, tsvc_of(s)), 0);
  return anyc_group_close(&g, 0);
}
static int private_nursery_main(void *arg)
{
  (void)arg;
  tsvc t;
  as_manager *m = NULL;
  tsvc_init(&t, private_nursery_run, NULL);
  CHECK_INT(as_background_service_enter(&t.svc, &m), 0);
  CHECK_INT(anyc_sleep(1), 0);
  check_stats(m, 1, 1); /* run finished (counted, clamped) while the root still runs */
  CHECK_INT(as_is_running(m), 1);
  anyc_event_set(&t.ev);
  CHECK_INT(as_wait_finished(m), 0);
  CHECK_INT(as_is_cancelled(m), 0);
  CHECK_INT(as_background_service_exit(m, 0), 0);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_matrix_p17_run_task_from_private_nursery_is_root(void **state) { (void)state; RUN(private_nursery_main); }

/* P21: a task whose function returned is not finished while its child still runs. */
static int p21_parent(void *arg)
{
  tsvc *t = arg;
  CHECK_INT(as_run_task(t->svc.manager, p17_returns_on_ev, &t->ev, NULL), 0);
  return 0;
}
static int p21_run(as_service *s)
{
  CHECK_INT(as_run_task(s->manager, p21_parent, s, NULL), 0);
  return 0;
}
static int p21_main(void *arg)
{
  (void)arg;
  tsvc t;
  as_manager *m = NULL;
  tsvc_init(&t, p21_run, NULL);
  CHECK_INT(as_background_service_enter(&t.svc, &m), 0);
  CHECK_INT(anyc_sleep(1), 0);
  check_stats(m, 2, 0); /* run, the parent and the child are all unfinished */
  CHECK_INT(as_is_running(m), 1);
  anyc_event_set(&t.ev);
  CHECK_INT(as_wait_finished(m), 0);
  check_stats(m, 2, 2);
  CHECK_INT(as_is_cancelled(m), 0); /* P14: it finished on its own */
  CHECK_INT(as_background_service_exit(m, 0), 0);
  CHECK_INT(as_is_cancelled(m), 0);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_matrix_p21_parent_waits_for_child(void **state) { (void)state; RUN(p21_main); }

/* P27: on cancel, a child's cleanup runs before run()'s own. */
static int p27_child(void *arg)
{
  (void)arg;
  int rc = anyc_sleep(FOREVER);
  TRACE("child");
  return rc;
}
static int p27_run(as_service *s)
{
  CHECK_INT(as_run_task(s->manager, p27_child, NULL, NULL), 0);
  int rc = anyc_sleep(FOREVER);
  TRACE("run");
  return rc;
}
static int p27_main(void *arg)
{
  (void)arg;
  tsvc t;
  as_manager *m = NULL;
  tsvc_init(&t, p27_run, NULL);
  CHECK_INT(as_background_service_enter(&t.svc, &m), 0);
  CHECK_INT(anyc_sleep(0.1), 0);
  CHECK_INT(as_background_service_exit(m, 0), 0);
  CHECK(strcmp(trace_log, "child,run") == 0);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_matrix_p27_child_cancelled_before_run(void **state) { (void)state; RUN(p27_main); }

/* P30: the service's run task is named "run". */
static int p30_run(as_service *s)
{
  (void)s;
  CHECK(strcmp(anyc_task_name(), "run") == 0);
  return 0;
}
static int p30_main(void *arg)
{
  (void)arg;
  tsvc t;
  tsvc_init(&t, p30_run, NULL);
  CHECK_INT(as_run_service(&t.svc), 0);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_matrix_p30_run_task_name(void **state) { (void)state; RUN(p30_main); }

/* tests/core test_get_task_name, in C terms: an explicit name wins (and is copied); a
 * function task without one is named by the function's address (C has no __name__); a
 * child service without one by its service's name, "service" when that is NULL. */
static int names_task(void *arg)
{
  TRACE("%s", anyc_task_name());
  (void)arg;
  return 0;
}
static int names_run(as_service *s)
{
  char name[16] = "explicit_0";
  CHECK_INT(as_run_task(s->manager, names_task, NULL, name), 0);
  strcpy(name, "overwritten"); /* the manager kept its own copy */
  CHECK_INT(as_run_task(s->manager, names_task, NULL, NULL), 0);
  return 0;
}
static tsvc named_child;
static const char *child_task_name;
static int returns_run(as_service *s)
{
  (void)s;
  return 0;
}
static int daemon_child_run(as_service *s)
{
  CHECK_INT(as_run_daemon_child_service(s->manager, &named_child.svc, child_task_name), 0);
  return as_wait_finished(s->manager);
}
static void child_name_case(const char *svc_name, const char *explicit_name, const char *want)
{
  tsvc t;
  const char *msg = NULL;
  char expected[128];
  tsvc_init(&t, daemon_child_run, NULL);
  tsvc_init(&named_child, returns_run, svc_name);
  child_task_name = explicit_name;
  CHECK_INT(as_run_service(&t.svc), AS_EDAEMONEXIT);
  first_error(t.svc.manager, &msg);
  snprintf(expected, sizeof expected, "Daemon task %s[daemon=True] exited", want);
  CHECK(msg && strcmp(msg, expected) == 0);
  as_service_destroy(&named_child.svc);
  as_service_destroy(&t.svc);
}
static int get_task_name_main(void *arg)
{
  (void)arg;
  tsvc t;
  char want[128];
  as_task_fn fn = names_task;
  void *addr;
  memcpy(&addr, &fn, sizeof addr);
  tsvc_init(&t, names_run, NULL);
  CHECK_INT(as_run_service(&t.svc), 0);
  snprintf(want, sizeof want, "explicit_0,%p", addr);
  CHECK(strcmp(trace_log, want) == 0);
  as_service_destroy(&t.svc);
  child_name_case("NoStrOrRepr", NULL, "NoStrOrRepr");
  child_name_case("NoStrOrRepr", "explicit_1", "explicit_1");
  child_name_case(NULL, NULL, "service");
  return 0;
}
static void test_get_task_name(void **state) { (void)state; RUN(get_task_name_main); }

/* asyncio suite 9-11: a daemon or task leaving a child that would fail after 1 s. */
static int sleep_and_fail(void *arg)
{
  (void)arg;
  int rc = anyc_sleep(1);
  return rc ? rc : anyc_fail(-EPROTO, "sleep_and_fail");
}
enum leaving { CANCELS, DAEMON_RAISES, TASK_RAISES };
static int leaving_task(void *arg)
{
  tsvc *t = arg;
  as_manager *m = t->svc.manager;
  CHECK_INT(as_run_task(m, sleep_and_fail, NULL, NULL), 0);
  CHECK_INT(anyc_checkpoint(), 0);
  switch (*(enum leaving *)t->user) {
  case CANCELS:
    return as_cancel(m);
  case DAEMON_RAISES:
    return anyc_fail(-EIO, "Buggy daemon");
  default:
    return anyc_fail(-EIO, "Buggy task");
  }
}
static int leaving_run(as_service *s)
{
  tsvc *t = tsvc_of(s);
  if (*(enum leaving *)t->user == TASK_RAISES)
    CHECK_INT(as_run_task(s->manager, leaving_task, t, NULL), 0);
  else
    CHECK_INT(as_run_daemon_task(s->manager, leaving_task, t, NULL), 0);
  return as_wait_finished(s->manager);
}
static void leaving_scenario(enum leaving how, int expected, const char *message)
{
  tsvc t;
  const char *msg = NULL;
  tsvc_init(&t, leaving_run, NULL);
  t.user = &how;
  CHECK_INT(as_run_service(&t.svc), expected);
  CHECK_INT(as_error_count(t.svc.manager), message ? 1 : 0);
  if (message) {
    first_error(t.svc.manager, &msg);
    CHECK(msg && strcmp(msg, message) == 0);
  }
  CHECK(anyc_now() < 1);
  as_service_destroy(&t.svc);
}
static int cancels_main(void *arg) { (void)arg; leaving_scenario(CANCELS, 0, NULL); return 0; }
static int daemon_raises_main(void *arg) { (void)arg; leaving_scenario(DAEMON_RAISES, -EIO, "Buggy daemon"); return 0; }
static int task_raises_main(void *arg) { (void)arg; leaving_scenario(TASK_RAISES, -EIO, "Buggy task"); return 0; }
static void test_daemon_task_cancels_service_leaving_children(void **state) { (void)state; RUN(cancels_main); }
static void test_daemon_task_raises_exception_leaving_children(void **state) { (void)state; RUN(daemon_raises_main); }
static void test_task_raises_exception_leaving_children(void **state) { (void)state; RUN(task_raises_main); }

/* A task that fails hands its running child to its own parent (upstream PR #79): the
 * orphan is then cancelled in tree order, before the grandparent's cleanup. */
static int orphan_child(void *arg)
{
  anyc_event_set(arg);
  int rc = anyc_sleep(FOREVER);
  TRACE("orphan");
  return rc;
}
static int failing_parent(void *arg)
{
  tsvc *t = arg;
  CHECK_INT(as_run_task(t->svc.manager, orphan_child, &t->ready, "orphan"), 0);
  int rc = anyc_event_wait(&t->ready);
  return rc ? rc : anyc_fail(-EIO, "parent failed");
}
static int orphan_run(as_service *s)
{
  CHECK_INT(as_run_task(s->manager, failing_parent, s, "parent"), 0);
  int rc = as_wait_finished(s->manager);
  TRACE("run");
  return rc;
}
static int orphan_main(void *arg)
{
  (void)arg;
  tsvc t;
  tsvc_init(&t, orphan_run, NULL);
  CHECK_INT(as_run_service(&t.svc), -EIO);
  CHECK(strcmp(trace_log, "orphan,run") == 0);
  check_stats(t.svc.manager, 2, 2);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_orphan_handed_to_grandparent(void **state) { (void)state; RUN(orphan_main); }

/* A cancel that arrives before a task first ran is not lost (upstream pre-creates the
 * task's cancel scope): the task runs until its first checkpoint, which fails. */
static int no_checkpoint(void *arg)
{
  TRACE("no_checkpoint ran");
  (void)arg;
  return 0;
}
static int first_checkpoint(void *arg)
{
  (void)arg;
  TRACE("checkpoint task ran");
  int rc = anyc_checkpoint();
  TRACE("checkpoint: %d", rc);
  return rc;
}
static int early_cancel_run(as_service *s)
{
  CHECK_INT(as_run_task(s->manager, no_checkpoint, NULL, NULL), 0);
  CHECK_INT(as_run_task(s->manager, first_checkpoint, NULL, NULL), 0);
  return as_cancel(s->manager);
}
static int early_cancel_main(void *arg)
{
  (void)arg;
  tsvc t;
  char want[128];
  tsvc_init(&t, early_cancel_run, NULL);
  CHECK_INT(as_run_service(&t.svc), 0);
  snprintf(want, sizeof want, "no_checkpoint ran,checkpoint task ran,checkpoint: %d", -ECANCELED);
  CHECK(strcmp(trace_log, want) == 0);
  CHECK_INT(as_error_count(t.svc.manager), 0);
  check_stats(t.svc.manager, 2, 2);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_cancel_before_task_first_ran(void **state) { (void)state; RUN(early_cancel_main); }

/* Task records are recycled (per-manager chunks, kept by the thread between services).
 * A `run` that returned while its child ran is marked cancelled when the service stops
 * (it has no scope left to cancel); the next service's `run`, likely in the same record,
 * must not start cancelled. */
static int leaves_child_run(as_service *s)
{
  return as_run_task(s->manager, p27_child, NULL, NULL);
}
static int checkpoint_run(as_service *s)
{
  (void)s;
  int rc = anyc_checkpoint();
  TRACE("run: %d", rc);
  return rc;
}
static int recycled_main(void *arg)
{
  (void)arg;
  tsvc t;
  as_manager *m = NULL;
  tsvc_init(&t, leaves_child_run, NULL);
  CHECK_INT(as_background_service_enter(&t.svc, &m), 0);
  CHECK_INT(anyc_sleep(0.1), 0);
  CHECK_INT(as_background_service_exit(m, 0), 0);
  as_service_destroy(&t.svc);
  trace_log[0] = '\0';
  tsvc_init(&t, checkpoint_run, NULL);
  CHECK_INT(as_run_service(&t.svc), 0);
  CHECK(strcmp(trace_log, "run: 0") == 0);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_recycled_task_record_starts_clean(void **state) { (void)state; RUN(recycled_main); }

/* A manager keeps its task sets' lists only from the first walk on (task.c): here B
 * ends with its child D running, which builds them midway and hands D to A; E is spawned
 * after.  Stopping the service must still cancel leaves first: D and E (A's children,
 * one handed up, one linked as it came) finish before A is cancelled. */
typedef struct midway {
  as_manager *m;
  anyc_event d_ready, b_done, e_ready, all_ready;
} midway;
static int midway_leaf(void *arg, anyc_event *ready, const char *name)
{
  (void)arg;
  anyc_event_set(ready);
  int rc = anyc_sleep(FOREVER);
  TRACE("%s", name);
  return rc;
}
static int midway_d(void *arg) { return midway_leaf(arg, &((midway *)arg)->d_ready, "D"); }
static int midway_e(void *arg) { return midway_leaf(arg, &((midway *)arg)->e_ready, "E"); }
static int midway_b(void *arg)
{
  midway *w = arg;
  CHECK_INT(as_run_task(w->m, midway_d, w, "D"), 0);
  int rc = anyc_event_wait(&w->d_ready);
  anyc_event_set(&w->b_done);
  return rc ? rc : -ECANCELED; /* ended as cancelled: its child is handed up */
}
static int midway_a(void *arg)
{
  midway *w = arg;
  CHECK_INT(as_run_task(w->m, midway_b, w, "B"), 0);
  CHECK_INT(anyc_event_wait(&w->b_done), 0);
  CHECK_INT(as_run_task(w->m, midway_e, w, "E"), 0);
  CHECK_INT(anyc_event_wait(&w->e_ready), 0);
  anyc_event_set(&w->all_ready);
  int rc = anyc_sleep(FOREVER);
  TRACE("A");
  return rc;
}
static int midway_run(as_service *s)
{
  midway *w = tsvc_of(s)->user;
  w->m = s->manager;
  CHECK_INT(as_run_task(s->manager, midway_a, w, "A"), 0);
  return as_wait_finished(s->manager);
}
static int midway_main(void *arg)
{
  (void)arg;
  tsvc t;
  midway w;
  anyc_group g;
  memset(&w, 0, sizeof w);
  anyc_event_init(&w.d_ready);
  anyc_event_init(&w.b_done);
  anyc_event_init(&w.e_ready);
  anyc_event_init(&w.all_ready);
  tsvc_init(&t, midway_run, NULL);
  t.user = &w;
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon(&g, run_service_task, &t), 0);
  CHECK_INT(anyc_event_wait(&w.all_ready), 0);
  CHECK_INT(as_stop(w.m), 0);
  CHECK(strcmp(trace_log, "E,D,A") == 0 || strcmp(trace_log, "D,E,A") == 0);
  as_stats st;
  as_get_stats(w.m, &st);
  CHECK_INT((int)st.total_count, 4);
  CHECK_INT(anyc_group_close(&g, 0), 0);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_tree_lists_built_midway_still_cancel_leaves_first(void **state) { (void)state; RUN(midway_main); }

/* The storage a thread keeps between services is freed when the thread exits (the ASan
 * and valgrind runs of this suite report it lost otherwise). */
static int thread_tasks_ran;
static int count_task(void *arg)
{
  (void)arg;
  thread_tasks_ran++;
  return 0;
}
static int spawn_many_run(as_service *s)
{
  for (int i = 0; i < 200; i++) /* several record chunks */
    if (as_run_task(s->manager, count_task, NULL, "counted") < 0)
      return -EIO;
  return 0;
}
static void *service_thread(void *arg)
{
  as_service svc;
  as_service_init(&svc, spawn_many_run, "threaded");
  *(int *)arg = as_run_service(&svc);
  as_service_destroy(&svc);
  return NULL;
}
static void test_thread_storage_freed_at_thread_exit(void **state)
{
  (void)state;
  pthread_t th;
  int rc = -1;
  thread_tasks_ran = 0;
  assert_int_equal(pthread_create(&th, NULL, service_thread, &rc), 0);
  assert_int_equal(pthread_join(th, NULL), 0);
  assert_int_equal(rc, 0);
  assert_int_equal(thread_tasks_ran, 200);
}

/* as_stop never returns the service's errors; the error list keeps them. */
static int fails_on_cancel_run(as_service *s)
{
  int rc = as_wait_finished(s->manager);
  (void)rc;
  return anyc_fail(-EPIPE, "cleanup failed");
}
static int stop_no_errors_main(void *arg)
{
  (void)arg;
  tsvc t;
  as_manager *m = NULL;
  tsvc_init(&t, fails_on_cancel_run, NULL);
  CHECK_INT(as_background_service_enter(&t.svc, &m), 0);
  CHECK_INT(anyc_sleep(0.1), 0);
  CHECK_INT(as_stop(m), 0);
  CHECK_INT(as_did_error(m), 1);
  /* The failure has now cancelled the block's body (P16): the next checkpoint says so. */
  int body = as_wait_finished(m);
  CHECK_INT(body, -ECANCELED);
  CHECK_INT(as_background_service_exit(m, body), -EPIPE);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_stop_never_returns_service_errors(void **state) { (void)state; RUN(stop_no_errors_main); }

/* `await self.manager.stop()` from one of the service's own tasks: upstream cancels,
 * then wait_finished is interrupted by that very cancellation (the task is part of the
 * service, which cannot finish before it) -- so it returns -ECANCELED at once instead of
 * waiting for itself, and the service ends cleanly (probe round 2, self_stop). */
static int self_stopper(void *arg)
{
  tsvc *t = arg;
  t->rc = as_stop(t->svc.manager);
  t->flag = 1;
  return 0;
}
static int stops_itself_run(as_service *s)
{
  int rc = as_run_task(s->manager, self_stopper, tsvc_of(s), "stopper");
  return rc ? rc : as_wait_finished(s->manager);
}
static int stop_from_own_task_main(void *arg)
{
  (void)arg;
  tsvc t;
  tsvc_init(&t, stops_itself_run, NULL);
  CHECK_INT(as_run_service(&t.svc), 0);
  CHECK_INT(t.rc, -ECANCELED);
  CHECK_INT(t.flag, 1);
  check_flags(t.svc.manager, 1, 0, 1, 1);
  CHECK_INT(as_did_error(t.svc.manager), 0);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_stop_from_the_services_own_task(void **state) { (void)state; RUN(stop_from_own_task_main); }

/* A task (here run) that returns the error of a private nursery it closed re-raises
 * that nursery's exception in Python: the service records the failing child's message
 * (py-libp2p KadDHT.run's nursery; probe/shim errmsg).  A different code gets none. */
static int fails_with_disk(void *arg)
{
  (void)arg;
  int rc = anyc_sleep(0.01);
  return rc ? rc : anyc_fail(-EIO, "disk %d full", 3);
}
static int rethrowing_nursery_run(as_service *s)
{
  tsvc *t = tsvc_of(s);
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon(&g, fails_with_disk, NULL), 0);
  int rc = anyc_group_close(&g, 0);
  return t->flag ? (rc ? -EPIPE : 0) : rc;
}
static int rethrowing_nursery_main(void *arg)
{
  (void)arg;
  for (int other_code = 0; other_code < 2; other_code++) {
    tsvc t;
    const char *msg = NULL;
    tsvc_init(&t, rethrowing_nursery_run, NULL);
    t.flag = other_code;
    CHECK_INT(as_run_service(&t.svc), other_code ? -EPIPE : -EIO);
    CHECK_INT(as_error_count(t.svc.manager), 1);
    first_error(t.svc.manager, &msg);
    CHECK(msg && strcmp(msg, other_code ? "" : "disk 3 full") == 0);
    as_service_destroy(&t.svc);
  }
  return 0;
}
static void test_task_error_from_a_private_nursery_keeps_its_message(void **state) { (void)state; RUN(rethrowing_nursery_main); }

/* Tasks failing in the same batch (woken by one event, in the order they waited) are
 * listed in the order they failed, each with its message, and the first failure cancels the service at once:
 * upstream appends and cancels without yielding, so a daemon of the same batch returning
 * after it is no DaemonTaskExit, and a sibling scheduling a task after it gets it
 * dropped (returns 0, not run, not counted). */
static anyc_event batch_go;
static int fails_at_go(void *arg)
{
  int code = (int)(intptr_t)arg;
  int rc = anyc_event_wait(&batch_go);
  return rc ? rc : anyc_fail(code, "worker %d failed", -code);
}
static int returns_at_go(void *arg)
{
  (void)arg;
  return anyc_event_wait(&batch_go);
}
static int schedules_at_go(void *arg)
{
  tsvc *t = arg;
  int rc = anyc_event_wait(&batch_go);
  if (rc)
    return rc;
  t->rc = as_run_task(t->svc.manager, set_event, &t->ev, "late");
  return 0;
}
static int same_batch_run(as_service *s)
{
  static const int codes[] = {-EIO, -EPIPE, -EBADF};
  for (size_t i = 0; i < 3; i++)
    CHECK_INT(as_run_task(s->manager, fails_at_go, (void *)(intptr_t)codes[i], NULL), 0);
  CHECK_INT(as_run_daemon_task(s->manager, returns_at_go, NULL, NULL), 0);
  CHECK_INT(as_run_task(s->manager, schedules_at_go, tsvc_of(s), NULL), 0);
  int rc = anyc_sleep(1);
  if (rc)
    return rc;
  anyc_event_set(&batch_go);
  return anyc_sleep(FOREVER);
}
static int same_batch_main(void *arg)
{
  (void)arg;
  static const int codes[] = {-EIO, -EPIPE, -EBADF};
  tsvc t;
  tsvc_init(&t, same_batch_run, NULL);
  anyc_event_init(&batch_go);
  t.rc = 1;
  CHECK_INT(as_run_service(&t.svc), -EIO);
  CHECK_INT(as_error_count(t.svc.manager), 3);
  for (size_t i = 0; i < 3; i++) {
    int code = 0;
    const char *msg = NULL;
    char want[32];
    snprintf(want, sizeof want, "worker %d failed", -codes[i]);
    CHECK_INT(as_error_at(t.svc.manager, i, &code, &msg), 0);
    CHECK_INT(code, codes[i]);
    CHECK(msg && strcmp(msg, want) == 0);
  }
  CHECK_INT(t.rc, 0);                  /* dropped silently... */
  CHECK(!anyc_event_is_set(&t.ev));    /* ...not run... */
  as_stats st;
  as_get_stats(t.svc.manager, &st);
  CHECK_INT(st.total_count, 5);        /* ...not counted */
  CHECK_INT(st.finished_count, 5);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_errors_of_one_batch_listed_in_order(void **state) { (void)state; RUN(same_batch_main); }

/* A daemon's exit message carries its whole name, however long (upstream formats the
 * task's str()): "Daemon task <name>[daemon=True] exited". */
static int returns_at_once(void *arg)
{
  (void)arg;
  return 0;
}
static char long_name[400];
static int long_daemon_run(as_service *s)
{
  CHECK_INT(as_run_daemon_task(s->manager, returns_at_once, NULL, long_name), 0);
  return as_wait_finished(s->manager);
}
static int long_daemon_main(void *arg)
{
  (void)arg;
  char want[sizeof long_name + 64];
  memset(long_name, 'd', sizeof long_name - 1);
  long_name[sizeof long_name - 1] = '\0';
  snprintf(want, sizeof want, "Daemon task %s[daemon=True] exited", long_name);
  tsvc t;
  const char *msg = NULL;
  tsvc_init(&t, long_daemon_run, NULL);
  CHECK_INT(as_run_service(&t.svc), AS_EDAEMONEXIT);
  CHECK_INT(first_error(t.svc.manager, &msg), AS_EDAEMONEXIT);
  CHECK(msg && strcmp(msg, want) == 0);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_daemon_exit_message_keeps_a_long_name(void **state) { (void)state; RUN(long_daemon_main); }

int main(void)
{
  const struct CMUnitTest tests[] = {
    TEST(test_trio_service_task_cancellation_dag_order),
    TEST(test_trio_manager_stats),
    TEST(test_trio_manager_stats_does_not_count_main_run_method),
    TEST(test_asyncio_service_with_too_many_children),
    TEST(test_matrix_p29_child_limit_per_task),
    TEST(test_too_many_children_lists_the_most_common_tasks),
    TEST(test_too_many_children_names_printed_as_python_does),
    TEST(test_orphans_handed_up_within_the_limit),
    TEST(test_orphans_handed_up_past_the_limit),
    TEST(test_failed_child_service_cancelled_from_outside),
    TEST(test_matrix_p17_run_task_from_foreign_task_is_root),
    TEST(test_parent_memo_forgotten_when_the_function_returns),
    TEST(test_matrix_p17_run_task_from_private_nursery_is_root),
    TEST(test_matrix_p21_parent_waits_for_child),
    TEST(test_matrix_p27_child_cancelled_before_run),
    TEST(test_matrix_p30_run_task_name),
    TEST(test_get_task_name),
    TEST(test_daemon_task_cancels_service_leaving_children),
    TEST(test_daemon_task_raises_exception_leaving_children),
    TEST(test_task_raises_exception_leaving_children),
    TEST(test_orphan_handed_to_grandparent),
    TEST(test_tree_lists_built_midway_still_cancel_leaves_first),
    TEST(test_cancel_before_task_first_ran),
    TEST(test_recycled_task_record_starts_clean),
    TEST(test_thread_storage_freed_at_thread_exit),
    TEST(test_stop_never_returns_service_errors),
    TEST(test_stop_from_the_services_own_task),
    TEST(test_task_error_from_a_private_nursery_keeps_its_message),
    TEST(test_errors_of_one_batch_listed_in_order),
    TEST(test_daemon_exit_message_keeps_a_long_name),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
