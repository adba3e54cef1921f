/* test_manager.c — upstream's tests-trio/test_trio_based_service.py (all 28), each
 * named after its upstream test, for shim/manager.c (and the paths through task.c and
 * background.c they exercise).  "raises X" in Python is "returns X" here. */
#include "abort_helper.h"
#include "shim_test.h"

/* ---- services shared by several tests ---- */

static int returns_run_at_once(as_service *s)
{
  (void)s;
  return 0;
}

static int wait_ev_run(as_service *s) /* waits on its event, then returns */
{
  return anyc_event_wait(&tsvc_of(s)->ev);
}

static int wait_cancelled_run(as_service *s) /* upstream WaitCancelledService */
{
  return as_wait_finished(s->manager);
}

static int sleep_forever_run(as_service *s)
{
  (void)s;
  return anyc_sleep(FOREVER);
}

static void trigger_set_ev(tsvc *t) { anyc_event_set(&t->ev); }
static void trigger_cancel(tsvc *t) { CHECK_INT(as_cancel(t->svc.manager), 0); }

/* 1 */
static tsvc child1;
static int initial_state_run(as_service *s)
{
  CHECK_INT(as_run_child_service(s->manager, &child1.svc, NULL), 0);
  as_manager *cm = child1.svc.manager; /* attached, not started yet */
  CHECK(cm != NULL);
  if (cm) {
    check_flags(cm, 0, 0, 0, 0);
    CHECK_INT(as_did_error(cm), 0);
  }
  return as_cancel(s->manager);
}
static int initial_state_main(void *arg)
{
  (void)arg;
  tsvc parent;
  tsvc_init(&parent, initial_state_run, "Parent");
  tsvc_init(&child1, wait_cancelled_run, "Child");
  CHECK_INT(as_run_service(&parent.svc), 0);
  as_service_destroy(&child1.svc);
  as_service_destroy(&parent.svc);
  return 0;
}
static void test_service_manager_initial_state(void **state) { (void)state; RUN(initial_state_main); }

/* 1, as a translated program writes it: a service that never ran has no manager yet
 * (svc->manager NULL), and the reads answer as upstream's fresh manager -- every flag
 * false, stats (0, 0), no errors; cancel/stop refuse (never started); waits are -EINVAL. */
static void test_service_manager_initial_state_never_run(void **state)
{
  (void)state;
  tsvc t;
  tsvc_init(&t, wait_cancelled_run, "Fresh");
  as_manager *m = t.svc.manager;
  assert_null(m);
  assert_int_equal(as_is_started(m), 0);
  assert_int_equal(as_is_running(m), 0);
  assert_int_equal(as_is_cancelled(m), 0);
  assert_int_equal(as_is_finished(m), 0);
  assert_int_equal(as_did_error(m), 0);
  as_stats st = {1, 1, 1};
  as_get_stats(m, &st);
  assert_int_equal(st.total_count, 0);
  assert_int_equal(st.finished_count, 0);
  assert_int_equal(st.pending_count, 0);
  assert_int_equal(as_error_count(m), 0);
  int code = 1;
  assert_int_equal(as_error_at(m, 0, &code, NULL), -ERANGE);
  assert_int_equal(as_cancel(m), AS_ELIFECYCLE);
  assert_int_equal(as_stop(m), AS_ELIFECYCLE);
  assert_int_equal(as_wait_started(m), -EINVAL);
  assert_int_equal(as_wait_finished(m), -EINVAL);
  as_service_destroy(&t.svc);
}

/* 2 */
static int clean_exit_main(void *arg)
{
  (void)arg;
  tsvc t;
  tsvc_init(&t, wait_ev_run, NULL);
  lifecycle_check(&t, trigger_set_ev, 0);
  CHECK_INT(t.rc, 0);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_trio_service_lifecycle_run_and_clean_exit(void **state) { (void)state; RUN(clean_exit_main); }

/* 3 */
static int external_cancel_main(void *arg)
{
  (void)arg;
  tsvc t;
  tsvc_init(&t, sleep_forever_run, NULL);
  lifecycle_check(&t, trigger_cancel, 1);
  CHECK_INT(t.rc, 0);
  CHECK_INT(as_did_error(t.svc.manager), 0); /* P26 */
  as_service_destroy(&t.svc);
  return 0;
}
static void test_trio_service_lifecycle_run_and_external_cancellation(void **state) { (void)state; RUN(external_cancel_main); }

/* 4 */
static int throwing_run(as_service *s)
{
  int rc = anyc_event_wait(&tsvc_of(s)->ev);
  return rc ? rc : anyc_fail(-EIO, "Service throwing error");
}
static int run_exception_main(void *arg)
{
  (void)arg;
  tsvc t;
  const char *msg = NULL;
  tsvc_init(&t, throwing_run, NULL);
  lifecycle_check(&t, trigger_set_ev, 1);
  CHECK_INT(t.rc, -EIO);
  CHECK_INT(as_error_count(t.svc.manager), 1); /* raised bare: the only error */
  CHECK_INT(first_error(t.svc.manager, &msg), -EIO);
  CHECK(msg && strcmp(msg, "Service throwing error") == 0);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_trio_service_lifecycle_run_and_exception(void **state) { (void)state; RUN(run_exception_main); }

/* 5 */
static int throwing_task(void *arg)
{
  int rc = anyc_event_wait(arg);
  return rc ? rc : anyc_fail(-EIO, "Service throwing error");
}
static int task_exception_run(as_service *s) /* returns at once, as upstream's */
{
  CHECK_INT(as_run_task(s->manager, throwing_task, &tsvc_of(s)->ev, NULL), 0);
  return 0;
}
static int task_exception_main(void *arg)
{
  (void)arg;
  tsvc t;
  const char *msg = NULL;
  tsvc_init(&t, task_exception_run, NULL);
  lifecycle_check(&t, trigger_set_ev, 1);
  CHECK_INT(t.rc, -EIO);
  CHECK_INT(as_error_count(t.svc.manager), 1);
  CHECK_INT(first_error(t.svc.manager, &msg), -EIO);
  CHECK(msg && strcmp(msg, "Service throwing error") == 0);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_trio_service_lifecycle_run_and_task_exception(void **state) { (void)state; RUN(task_exception_main); }

/* 6 */
static tsvc sub6;
static int ready_then_wait_cancelled_run(as_service *s) /* sets ready, waits finished */
{
  anyc_event_set(&tsvc_of(s)->ready);
  return as_wait_finished(s->manager);
}
static int run_sub_task(void *arg)
{
  return as_run_service(arg);
}
static int parent6_run(as_service *s)
{
  CHECK_INT(as_run_task(s->manager, run_sub_task, &sub6.svc, NULL), 0);
  return as_wait_finished(s->manager);
}
static int sub_cancelled_main(void *arg)
{
  (void)arg;
  tsvc parent;
  as_manager *m = NULL;
  tsvc_init(&parent, parent6_run, "Parent");
  tsvc_init(&sub6, ready_then_wait_cancelled_run, "Sub");
  CHECK_INT(as_background_service_enter(&parent.svc, &m), 0);
  CHECK_INT(anyc_event_wait(&sub6.ready), 0); /* upstream ready_cancel */
  CHECK_INT(as_background_service_exit(m, 0), 0);
  check_flags(m, 1, 0, 1, 1);
  check_flags(sub6.svc.manager, 1, 0, 0, 1); /* cancelled from outside: not is_cancelled */
  CHECK_INT(as_did_error(m), 0);
  CHECK_INT(as_did_error(sub6.svc.manager), 0);
  as_service_destroy(&sub6.svc);
  as_service_destroy(&parent.svc);
  return 0;
}
static void test_sub_service_cancelled_when_parent_stops(void **state) { (void)state; RUN(sub_cancelled_main); }

/* 7 */
static int daemon_waits_ev(void *arg)
{
  return anyc_event_wait(arg);
}
static int daemon_exit_run(as_service *s)
{
  CHECK_INT(as_run_daemon_task(s->manager, daemon_waits_ev, &tsvc_of(s)->ev, NULL), 0);
  return as_wait_finished(s->manager);
}
static int daemon_exit_main(void *arg)
{
  (void)arg;
  tsvc t;
  const char *msg = NULL;
  tsvc_init(&t, daemon_exit_run, NULL);
  lifecycle_check(&t, trigger_set_ev, 1);
  CHECK_INT(t.rc, AS_EDAEMONEXIT);
  CHECK_INT(as_error_count(t.svc.manager), 1);
  CHECK_INT(first_error(t.svc.manager, &msg), AS_EDAEMONEXIT);
  CHECK(msg && strncmp(msg, "Daemon task", 11) == 0);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_trio_service_lifecycle_run_and_daemon_task_exit(void **state) { (void)state; RUN(daemon_exit_main); }

/* 8: the task signals ready and waits for the trigger; run waits for ready, pulls the
 * trigger and fails; the woken task fails too.  Both recorded, run's first (the order
 * upstream's asyncio twin asserts). */
static int error_fn(void *arg)
{
  tsvc *t = arg;
  anyc_event_set(&t->ready);
  int rc = anyc_event_wait(&t->ev);
  CHECK_INT(rc, 0); /* woken by the trigger before the cancellation reaches it */
  return rc ? rc : anyc_fail(-EINVAL, "Exception inside error_fn");
}
static int multierror_run(as_service *s)
{
  tsvc *t = tsvc_of(s);
  CHECK_INT(as_run_task(s->manager, error_fn, t, NULL), 0);
  int rc = anyc_event_wait(&t->ready);
  if (rc)
    return rc;
  anyc_event_set(&t->ev);
  return anyc_fail(-EIO, "Exception inside Service.run()");
}
static int multierror_main(void *arg)
{
  (void)arg;
  tsvc t;
  int code = 0;
  const char *msg = NULL;
  tsvc_init(&t, multierror_run, NULL);
  CHECK_INT(as_run_service(&t.svc), -EIO);
  CHECK_INT(as_error_count(t.svc.manager), 2);
  CHECK_INT(as_error_at(t.svc.manager, 0, &code, &msg), 0);
  CHECK_INT(code, -EIO);
  CHECK(msg && strcmp(msg, "Exception inside Service.run()") == 0);
  CHECK_INT(as_error_at(t.svc.manager, 1, &code, &msg), 0);
  CHECK_INT(code, -EINVAL);
  CHECK(msg && strcmp(msg, "Exception inside error_fn") == 0);
  CHECK_INT(as_error_at(t.svc.manager, 2, &code, &msg), -ERANGE);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_multierror_in_run(void **state) { (void)state; RUN(multierror_main); }

/* 9 */
static int background_cm_main(void *arg)
{
  (void)arg;
  tsvc t;
  as_manager *m = NULL;
  tsvc_init(&t, wait_cancelled_run, NULL);
  CHECK_INT(as_background_service_enter(&t.svc, &m), 0);
  CHECK(t.svc.manager == m);
  check_flags(m, 1, 1, 0, 0);
  CHECK_INT(as_background_service_exit(m, 0), 0);
  check_flags(m, 1, 0, 1, 1);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_trio_service_background_service_context_manager(void **state) { (void)state; RUN(background_cm_main); }

/* 10 */
static int manager_stop_main(void *arg)
{
  (void)arg;
  tsvc t;
  as_manager *m = NULL;
  tsvc_init(&t, wait_cancelled_run, NULL);
  CHECK_INT(as_background_service_enter(&t.svc, &m), 0);
  check_flags(m, 1, 1, 0, 0);
  CHECK_INT(as_stop(m), 0);
  check_flags(m, 1, 0, 1, 1);
  CHECK_INT(as_background_service_exit(m, 0), 0);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_trio_service_manager_stop(void **state) { (void)state; RUN(manager_stop_main); }

/* 11 */
static int wait_on_ev(anyc_event *e, double seconds)
{
  anyc_scope s;
  anyc_fail_after(&s, seconds);
  return anyc_scope_close(&s, anyc_event_wait(e));
}
static int schedules_set_ev_run(as_service *s) /* run_task(task_fn); wait_finished */
{
  CHECK_INT(as_run_task(s->manager, set_event, &tsvc_of(s)->ev, NULL), 0);
  return as_wait_finished(s->manager);
}
static int run_task_main(void *arg)
{
  (void)arg;
  tsvc t;
  as_manager *m = NULL;
  tsvc_init(&t, schedules_set_ev_run, NULL);
  CHECK_INT(as_background_service_enter(&t.svc, &m), 0);
  CHECK_INT(wait_on_ev(&t.ev, 0.1), 0);
  CHECK_INT(as_background_service_exit(m, 0), 0);
  CHECK_INT(as_error_count(m), 0);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_trio_service_manager_run_task(void **state) { (void)state; RUN(run_task_main); }

/* tests-trio/test_trio_external_api.py: an "external API" call -- made by a task the
 * service does not own, inside its own nursery that is cancelled once the call
 * returned -- schedules a task; the task is a root of the service and outlives the
 * call: it runs to completion within 1 s. */
static int sleep_then_set(void *arg);
static int do_scheduling(void *arg) /* the external method */
{
  tsvc *t = arg;
  if (!t->svc.manager || !as_is_running(t->svc.manager))
    return AS_ELIFECYCLE;
  return as_run_task(t->svc.manager, sleep_then_set, &t->ev, "set_done");
}
static int external_schedules_main(void *arg)
{
  (void)arg;
  tsvc t;
  as_manager *m = NULL;
  anyc_group api;
  tsvc_init(&t, wait_cancelled_run, NULL);
  CHECK_INT(as_background_service_enter(&t.svc, &m), 0);
  CHECK_INT(anyc_group_open(&api), 0);
  CHECK_INT(anyc_start_soon(&api, do_scheduling, &t), 0);
  CHECK_INT(anyc_checkpoint(), 0); /* the call returned */
  anyc_group_cancel(&api);
  CHECK_INT(anyc_group_close(&api, 0), 0);
  CHECK_INT(wait_on_ev(&t.ev, 1.0), 0);
  CHECK_INT(as_background_service_exit(m, 0), 0);
  CHECK_INT(as_error_count(m), 0);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_trio_external_api_call_that_schedules_task(void **state) { (void)state; RUN(external_schedules_main); }

/* 12 */
static int sleep_then_set(void *arg)
{
  int rc = anyc_sleep(0.01);
  if (rc == 0)
    anyc_event_set(arg);
  return rc;
}
static int returns_after_scheduling_run(as_service *s)
{
  return as_run_task(s->manager, sleep_then_set, &tsvc_of(s)->ev, NULL);
}
static int waits_for_task_main(void *arg)
{
  (void)arg;
  tsvc t;
  as_manager *m = NULL;
  tsvc_init(&t, returns_after_scheduling_run, NULL);
  CHECK_INT(as_background_service_enter(&t.svc, &m), 0);
  CHECK_INT(wait_on_ev(&t.ev, 0.1), 0);
  CHECK_INT(as_background_service_exit(m, 0), 0);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_trio_service_manager_run_task_waits_for_task_completion(void **state) { (void)state; RUN(waits_for_task_main); }

/* 13 */
static int schedules_forever_run(as_service *s) /* sets ev (service_finished), returns */
{
  int rc = as_run_task(s->manager, sleep_forever, NULL, NULL);
  anyc_event_set(&tsvc_of(s)->ev);
  return rc;
}
static int still_cancel_main(void *arg)
{
  (void)arg;
  tsvc t;
  as_manager *m = NULL;
  anyc_scope s;
  tsvc_init(&t, schedules_forever_run, NULL);
  CHECK_INT(as_background_service_enter(&t.svc, &m), 0);
  CHECK_INT(wait_on_ev(&t.ev, 0.01), 0); /* run returned */
  anyc_move_on_after(&s, 0.01);
  CHECK_INT(anyc_scope_close(&s, as_wait_finished(m)), 0);
  CHECK(anyc_scope_cancelled_caught(&s));
  CHECK_INT(as_cancel(m), 0);
  CHECK_INT(within(0.01, as_wait_finished, m), 0);
  CHECK_INT(as_background_service_exit(m, 0), 0);
  CHECK_INT(as_error_count(m), 0);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_trio_service_manager_run_task_can_still_cancel_after_run_finishes(void **state) { (void)state; RUN(still_cancel_main); }

/* 14, 15: `with trio.fail_after(1): await trio.sleep_forever()` -- in run and in the
 * block's body; cancelled (not timed out) when the service fails. */
static int sleep_forever_failsafe(void)
{
  anyc_scope failsafe;
  anyc_fail_after(&failsafe, 1.0);
  return anyc_scope_close(&failsafe, anyc_sleep(FOREVER));
}
static int failsafe_run(as_service *s)
{
  (void)s;
  int rc = sleep_forever_failsafe();
  CHECK_INT(rc, -ECANCELED);
  return rc;
}

/* 14 */
static int fails_on_event(void *arg)
{
  int rc = anyc_event_wait(arg);
  return rc ? rc : anyc_fail(-EIO, "task exception in run_task");
}
static int schedules_failing_run(as_service *s)
{
  CHECK_INT(as_run_task(s->manager, fails_on_event, &tsvc_of(s)->ev, NULL), 0);
  return failsafe_run(s);
}
static int reraises_main(void *arg)
{
  (void)arg;
  tsvc t;
  as_manager *m = NULL;
  const char *msg = NULL;
  tsvc_init(&t, schedules_failing_run, NULL);
  CHECK_INT(as_background_service_enter(&t.svc, &m), 0);
  anyc_event_set(&t.ev);
  int body = sleep_forever_failsafe(); /* interrupted by the service's failure */
  CHECK_INT(body, -ECANCELED);
  CHECK_INT(as_background_service_exit(m, body), -EIO);
  CHECK_INT(as_error_count(m), 1); /* raised bare: run's cancellation is no error */
  CHECK_INT(first_error(m, &msg), -EIO);
  CHECK(msg && strcmp(msg, "task exception in run_task") == 0);
  CHECK(anyc_now() < 1.0);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_trio_service_manager_run_task_reraises_exceptions(void **state) { (void)state; RUN(reraises_main); }

/* 15: the daemon is run's child (scheduled by run), and returns once the body set ev. */
static int daemon_task_fn(void *arg)
{
  return anyc_event_wait(arg);
}
static int schedules_daemon_run(as_service *s)
{
  CHECK_INT(as_run_daemon_task(s->manager, daemon_task_fn, &tsvc_of(s)->ev, "daemon_task_fn"), 0);
  return failsafe_run(s);
}
static int daemon_returns_main(void *arg)
{
  (void)arg;
  tsvc t;
  as_manager *m = NULL;
  const char *msg = NULL;
  tsvc_init(&t, schedules_daemon_run, NULL);
  CHECK_INT(as_background_service_enter(&t.svc, &m), 0);
  anyc_event_set(&t.ev);
  int body = sleep_forever_failsafe(); /* interrupted by the daemon's exit */
  CHECK_INT(body, -ECANCELED);
  CHECK_INT(as_background_service_exit(m, body), AS_EDAEMONEXIT);
  CHECK_INT(as_error_count(m), 1);
  CHECK_INT(first_error(m, &msg), AS_EDAEMONEXIT);
  CHECK(msg && strcmp(msg, "Daemon task daemon_task_fn[daemon=True] exited") == 0);
  CHECK(anyc_now() < 1.0);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_trio_service_manager_run_daemon_task_cancels_if_exits(void **state) { (void)state; RUN(daemon_returns_main); }

/* 16 */
static int this_is_the_error_run(as_service *s)
{
  (void)s;
  return anyc_fail(-EIO, "this is the error");
}
static int records_main(void *arg)
{
  (void)arg;
  tsvc t;
  const char *msg = NULL;
  tsvc_init(&t, this_is_the_error_run, NULL);
  CHECK_INT(as_did_error(t.svc.manager), 0); /* before the run (no manager yet) */
  CHECK_INT(as_run_service(&t.svc), -EIO);
  CHECK_INT(as_did_error(t.svc.manager), 1);
  CHECK_INT(as_error_count(t.svc.manager), 1);
  CHECK_INT(first_error(t.svc.manager, &msg), -EIO);
  CHECK(msg && strcmp(msg, "this is the error") == 0);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_trio_service_manager_propogates_and_records_exceptions(void **state)
{
  (void)state;
  RUN(records_main);
}

/* 17 */
static tsvc child17;
static int parent17_run(as_service *s)
{
  CHECK_INT(as_run_child_service(s->manager, &child17.svc, NULL), 0);
  CHECK(child17.svc.manager != NULL);
  CHECK_INT(as_did_error(child17.svc.manager), 0);
  return as_wait_started(child17.svc.manager);
}
static void trigger_child17(tsvc *t)
{
  (void)t;
  anyc_event_set(&child17.ev);
}
static int clean_exit_child_main(void *arg)
{
  (void)arg;
  tsvc parent;
  tsvc_init(&parent, parent17_run, "Parent");
  tsvc_init(&child17, wait_ev_run, "Child");
  lifecycle_check(&parent, trigger_child17, 0);
  CHECK_INT(parent.rc, 0);
  check_flags(child17.svc.manager, 1, 0, 0, 1);
  as_stats st;
  as_get_stats(parent.svc.manager, &st); /* the child service is a task; run is not */
  CHECK_INT(st.total_count, 1);
  CHECK_INT(st.finished_count, 1);
  as_get_stats(child17.svc.manager, &st); /* its own run: no task */
  CHECK_INT(st.total_count, 0);
  as_service_destroy(&child17.svc);
  as_service_destroy(&parent.svc);
  return 0;
}
static void test_trio_service_lifecycle_run_and_clean_exit_with_child_service(void **state) { (void)state; RUN(clean_exit_child_main); }

/* 18 */
static tsvc child18;
static int parent18_run(as_service *s)
{
  CHECK_INT(as_run_daemon_child_service(s->manager, &child18.svc, NULL), 0);
  int rc = as_wait_started(child18.svc.manager);
  if (rc)
    return rc;
  anyc_event_set(&tsvc_of(s)->ready);
  return as_wait_finished(s->manager);
}
static int daemon_child_service_main(void *arg)
{
  (void)arg;
  tsvc parent;
  as_manager *m = NULL;
  tsvc_init(&parent, parent18_run, "Parent");
  tsvc_init(&child18, wait_cancelled_run, "Child");
  CHECK_INT(as_background_service_enter(&parent.svc, &m), 0);
  CHECK_INT(wait_on_ev(&parent.ready, 0.1), 0);
  CHECK_INT(as_background_service_exit(m, 0), 0);
  CHECK_INT(as_error_count(m), 0); /* the daemon child ended because its parent was cancelled */
  check_flags(child18.svc.manager, 1, 0, 1, 1); /* stopped through its manager (P13) */
  CHECK_INT(as_did_error(child18.svc.manager), 0);
  as_service_destroy(&child18.svc);
  as_service_destroy(&parent.svc);
  return 0;
}
static void test_trio_service_with_daemon_child_service(void **state) { (void)state; RUN(daemon_child_service_main); }

/* 19 */
static int daemon_sets_then_sleeps(void *arg)
{
  anyc_event_set(arg);
  return anyc_sleep(100);
}
static int daemon_child_task_run(as_service *s)
{
  CHECK_INT(as_run_daemon_task(s->manager, daemon_sets_then_sleeps, &tsvc_of(s)->ready, NULL), 0);
  return as_wait_finished(s->manager);
}
static int daemon_child_task_main(void *arg)
{
  (void)arg;
  tsvc t;
  as_manager *m = NULL;
  tsvc_init(&t, daemon_child_task_run, NULL);
  CHECK_INT(as_background_service_enter(&t.svc, &m), 0);
  CHECK_INT(wait_on_ev(&t.ready, 0.1), 0);
  CHECK_INT(as_background_service_exit(m, 0), 0);
  CHECK_INT(as_error_count(m), 0);
  CHECK(anyc_now() < 100);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_trio_service_with_daemon_child_task(void **state) { (void)state; RUN(daemon_child_task_main); }

/* 20: an "async generator" is a next() that checkpoints. */
static int gen_next(int *state)
{
  int rc = anyc_checkpoint();
  if (rc == 0)
    ++*state;
  return rc;
}
static int generator_run(as_service *s)
{
  int state = 0, rc;
  while ((rc = gen_next(&state)) == 0)
    if (state == 3)
      anyc_event_set(&tsvc_of(s)->ready);
  return rc;
}
static int async_generator_main(void *arg)
{
  (void)arg;
  tsvc t;
  as_manager *m = NULL;
  tsvc_init(&t, generator_run, NULL);
  CHECK_INT(as_background_service_enter(&t.svc, &m), 0);
  CHECK_INT(wait_on_ev(&t.ready, 0.1), 0);
  CHECK_INT(as_cancel(m), 0);
  CHECK_INT(as_background_service_exit(m, 0), 0);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_trio_service_with_async_generator(void **state) { (void)state; RUN(async_generator_main); }

/* 21 */
static int sleep_1(void *arg)
{
  (void)arg;
  return anyc_sleep(1);
}
static int disallows_main(void *arg)
{
  (void)arg;
  tsvc t;
  as_manager *m = NULL;
  tsvc_init(&t, wait_cancelled_run, NULL);
  CHECK_INT(as_background_service_enter(&t.svc, &m), 0);
  CHECK_INT(as_run_task(m, sleep_1, NULL, NULL), 0);
  CHECK_INT(as_background_service_exit(m, 0), 0);
  CHECK_INT(as_run_task(m, sleep_1, NULL, NULL), AS_ELIFECYCLE);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_trio_service_disallows_task_scheduling_when_not_running(void **state) { (void)state; RUN(disallows_main); }

/* 22 */
static int ran22;
static int mark_ran(void *arg)
{
  (void)arg;
  ran22 = 1;
  return 0;
}
static int cancel_then_schedule_run(as_service *s)
{
  CHECK_INT(as_cancel(s->manager), 0);
  CHECK_INT(as_run_task(s->manager, mark_ran, NULL, NULL), 0);
  return 0;
}
static int after_cancel_main(void *arg)
{
  (void)arg;
  tsvc t;
  as_stats st;
  ran22 = 0;
  tsvc_init(&t, cancel_then_schedule_run, NULL);
  CHECK_INT(as_run_service(&t.svc), 0);
  CHECK_INT(ran22, 0);
  as_get_stats(t.svc.manager, &st);
  CHECK_INT(st.total_count, 0);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_trio_service_disallows_task_scheduling_after_cancel(void **state) { (void)state; RUN(after_cancel_main); }

/* P5 for child services: dropped the same way, after the child's manager was attached
 * (upstream builds it first): returns 0, never started, not counted. */
static tsvc dropped_child;
static int cancel_then_schedule_child_run(as_service *s)
{
  CHECK_INT(as_cancel(s->manager), 0);
  CHECK_INT(as_run_child_service(s->manager, &dropped_child.svc, NULL), 0);
  CHECK(dropped_child.svc.manager != NULL);
  return 0;
}
static int child_after_cancel_main(void *arg)
{
  (void)arg;
  tsvc t;
  as_stats st;
  tsvc_init(&t, cancel_then_schedule_child_run, NULL);
  tsvc_init(&dropped_child, returns_run_at_once, "Child");
  CHECK_INT(as_run_service(&t.svc), 0);
  check_flags(dropped_child.svc.manager, 0, 0, 0, 0);
  as_get_stats(t.svc.manager, &st);
  CHECK_INT(st.total_count, 0);
  as_service_destroy(&dropped_child.svc);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_child_service_scheduled_after_cancel_is_dropped(void **state) { (void)state; RUN(child_after_cancel_main); }

/* 23 */
static int polling_daemon(void *arg)
{
  tsvc *t = arg;
  anyc_event_set(&t->ready);
  while (as_is_running(t->svc.manager)) {
    int rc = anyc_checkpoint();
    if (rc)
      return rc;
  }
  return 0;
}
static int polling_run(as_service *s)
{
  CHECK_INT(as_run_daemon_task(s->manager, polling_daemon, s, NULL), 0);
  return as_wait_finished(s->manager);
}
static int running_daemon_main(void *arg)
{
  (void)arg;
  tsvc t;
  as_manager *m = NULL;
  tsvc_init(&t, polling_run, NULL);
  CHECK_INT(as_background_service_enter(&t.svc, &m), 0);
  CHECK_INT(wait_on_ev(&t.ready, 0.1), 0);
  CHECK_INT(as_cancel(m), 0);
  CHECK_INT(as_background_service_exit(m, 0), 0);
  CHECK_INT(as_error_count(m), 0);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_trio_service_cancellation_with_running_daemon_task(void **state) { (void)state; RUN(running_daemon_main); }

/* 24-26: cleanup in run's "finally" (after its wait_finished is cancelled). */
enum cleanup { NO_AWAIT, UNSHIELDED_AWAIT, SHIELDED_AWAIT };
static int cleanup_run(as_service *s)
{
  tsvc *t = tsvc_of(s);
  anyc_event_set(&t->ready);
  int rc = as_wait_finished(s->manager);
  CHECK_INT(rc, -ECANCELED);
  enum cleanup how = *(enum cleanup *)t->user;
  if (how == UNSHIELDED_AWAIT) {
    if (anyc_checkpoint() != 0)
      return rc; /* the re-delivered cancellation interrupts the cleanup */
  } else if (how == SHIELDED_AWAIT) {
    anyc_scope sh;
    anyc_scope_open(&sh);
    anyc_scope_set_shield(&sh, 1);
    int c = anyc_scope_close(&sh, anyc_checkpoint());
    CHECK_INT(c, 0);
  }
  t->flag = 1;
  return rc;
}
static int cleanup_scenario(enum cleanup how, int expected)
{
  tsvc t;
  as_manager *m = NULL;
  tsvc_init(&t, cleanup_run, NULL);
  t.user = &how;
  CHECK_INT(as_background_service_enter(&t.svc, &m), 0);
  CHECK_INT(wait_on_ev(&t.ready, 0.1), 0);
  CHECK_INT(t.flag, 0);
  CHECK_INT(as_cancel(m), 0);
  CHECK_INT(as_background_service_exit(m, 0), 0);
  CHECK_INT(t.flag, expected);
  CHECK_INT(as_error_count(m), 0);
  as_service_destroy(&t.svc);
  return 0;
}
static int cleanup_main(void *arg) { (void)arg; return cleanup_scenario(NO_AWAIT, 1); }
static int cleanup_unshielded_main(void *arg) { (void)arg; return cleanup_scenario(UNSHIELDED_AWAIT, 0); }
static int cleanup_shielded_main(void *arg) { (void)arg; return cleanup_scenario(SHIELDED_AWAIT, 1); }
static void test_trio_service_with_try_finally_cleanup(void **state) { (void)state; RUN(cleanup_main); }
static void test_trio_service_with_try_finally_cleanup_with_unshielded_await(void **state) { (void)state; RUN(cleanup_unshielded_main); }
static void test_trio_service_with_try_finally_cleanup_with_shielded_await(void **state) { (void)state; RUN(cleanup_shielded_main); }

/* 27 */
static int error_in_run(as_service *s)
{
  CHECK_INT(as_run_daemon_task(s->manager, wait_finished_task, s->manager, NULL), 0);
  return anyc_fail(-EINVAL, "Exception inside run()");
}
static int error_in_run_main(void *arg)
{
  (void)arg;
  tsvc t;
  const char *msg = NULL;
  tsvc_init(&t, error_in_run, NULL);
  CHECK_INT(as_run_service(&t.svc), -EINVAL);
  CHECK_INT(as_error_count(t.svc.manager), 1); /* the cancelled daemon is no error */
  CHECK_INT(first_error(t.svc.manager, &msg), -EINVAL);
  CHECK(msg && strcmp(msg, "Exception inside run()") == 0);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_error_in_service_run(void **state) { (void)state; RUN(error_in_run_main); }

/* 28 */
static int sleep_and_fail(void *arg)
{
  (void)arg;
  int rc = anyc_sleep(1);
  return rc ? rc : anyc_fail(-EPROTO, "AssertionError");
}
static int daemon_leaving_children(void *arg)
{
  CHECK_INT(as_run_task(arg, sleep_and_fail, NULL, NULL), 0);
  return 0;
}
static int leaving_children_run(as_service *s) /* returns at once, as upstream's */
{
  CHECK_INT(as_run_daemon_task(s->manager, daemon_leaving_children, s->manager, "buggy_daemon"), 0);
  return 0;
}
static int leaving_children_main(void *arg)
{
  (void)arg;
  tsvc t;
  tsvc_init(&t, leaving_children_run, NULL);
  const char *msg = NULL;
  CHECK_INT(as_run_service(&t.svc), AS_EDAEMONEXIT);
  CHECK_INT(as_error_count(t.svc.manager), 1); /* the orphan was cancelled before failing */
  CHECK_INT(first_error(t.svc.manager, &msg), AS_EDAEMONEXIT);
  CHECK(msg && strcmp(msg, "Daemon task buggy_daemon[daemon=True] exited") == 0);
  CHECK(anyc_now() < 1);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_daemon_task_finishes_leaving_children(void **state) { (void)state; RUN(leaving_children_main); }

/* ---- rows of the behaviour matrix (reference §1.12) that apply to upstream Trio ---- */

/* P1, P2, P3: a manager attached (child service) but not started. */
static tsvc child_p1;
static int p1_run(as_service *s)
{
  CHECK_INT(as_run_child_service(s->manager, &child_p1.svc, NULL), 0);
  as_manager *cm = child_p1.svc.manager;
  CHECK_INT(as_cancel(cm), AS_ELIFECYCLE);                          /* P1 */
  CHECK_INT(as_stop(cm), AS_ELIFECYCLE);                            /* P2 */
  CHECK_INT(as_run_task(cm, just_checkpoint, NULL, NULL), AS_ELIFECYCLE); /* P3 */
  as_stats st;
  as_get_stats(cm, &st);
  CHECK_INT(st.total_count + st.finished_count + st.pending_count, 0);
  return as_cancel(s->manager);
}
static int p1_main(void *arg)
{
  (void)arg;
  tsvc t;
  tsvc_init(&t, p1_run, NULL);
  tsvc_init(&child_p1, wait_cancelled_run, "Child");
  CHECK_INT(as_run_service(&t.svc), 0);
  as_service_destroy(&child_p1.svc);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_matrix_p1_p2_p3_before_start(void **state) { (void)state; RUN(p1_main); }

/* P4, P6, P7, P8, P14: after a clean finish. */
static int returns_run(as_service *s)
{
  (void)s;
  return 0;
}
static int p4_main(void *arg)
{
  (void)arg;
  tsvc t, other;
  as_stats st;
  tsvc_init(&t, returns_run, NULL);
  tsvc_init(&other, wait_cancelled_run, NULL);
  CHECK_INT(as_run_service(&t.svc), 0);
  as_manager *m = t.svc.manager;
  check_flags(m, 1, 0, 0, 1);                                           /* P14 */
  as_get_stats(m, &st);
  CHECK_INT(st.total_count, 0);
  CHECK_INT(st.finished_count, 0);
  CHECK_INT(st.pending_count, 0);
  CHECK_INT(as_run_task(m, just_checkpoint, NULL, NULL), AS_ELIFECYCLE);  /* P4 */
  CHECK_INT(as_run_daemon_task(m, just_checkpoint, NULL, NULL), AS_ELIFECYCLE);
  CHECK_INT(as_run_child_service(m, &other.svc, NULL), AS_ELIFECYCLE);
  /* upstream attached the child's manager before refusing: it has one, never started */
  CHECK(other.svc.manager != NULL);
  check_flags(other.svc.manager, 0, 0, 0, 0);
  CHECK_INT(as_run_service(&other.svc), AS_ELIFECYCLE); /* "already has a manager" */
  CHECK_INT(as_run_daemon_child_service(m, &other.svc, NULL), AS_ELIFECYCLE);
  CHECK_INT(as_cancel(m), 0);                                           /* P6 */
  CHECK_INT(as_is_cancelled(m), 0);
  CHECK_INT(as_stop(m), 0); /* cancel (no-op) + wait_finished (already) */
  CHECK_INT(as_is_cancelled(m), 0);
  CHECK_INT(as_did_error(m), 0);
  CHECK_INT(as_run_service(&t.svc), AS_ELIFECYCLE);                     /* P7, P8 */
  as_manager *bm = NULL;
  CHECK_INT(as_background_service_enter(&t.svc, &bm), AS_ELIFECYCLE);
  as_service_destroy(&other.svc);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_matrix_p4_p6_p7_p8_p14_after_finish(void **state) { (void)state; RUN(p4_main); }

/* P7 for child services: a service that had a manager cannot become a child. */
static tsvc p7_child;
static int p7_run(as_service *s)
{
  CHECK_INT(as_run_child_service(s->manager, &p7_child.svc, NULL), AS_ELIFECYCLE);
  return 0;
}
static int p7_main(void *arg)
{
  (void)arg;
  tsvc t;
  tsvc_init(&t, p7_run, NULL);
  tsvc_init(&p7_child, returns_run, NULL);
  CHECK_INT(as_run_service(&p7_child.svc), 0);
  CHECK_INT(as_run_service(&t.svc), 0);
  as_service_destroy(&p7_child.svc);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_matrix_p7_child_with_manager(void **state) { (void)state; RUN(p7_main); }

/* P9: run fails once: returned; wait_finished does not return it; flags. */
static int p9_waiter(void *arg)
{
  tsvc *t = arg;
  while (!t->svc.manager)
    CHECK_INT(anyc_checkpoint(), 0);
  CHECK_INT(as_wait_finished(t->svc.manager), 0);
  t->flag = 1;
  return 0;
}
static int p9_main(void *arg)
{
  (void)arg;
  tsvc t;
  anyc_group g;
  tsvc_init(&t, this_is_the_error_run, NULL);
  anyc_group_open(&g);
  anyc_start_soon(&g, p9_waiter, &t);
  CHECK_INT(anyc_checkpoint(), 0);
  CHECK_INT(as_run_service(&t.svc), -EIO);
  CHECK_INT(anyc_group_close(&g, 0), 0);
  CHECK_INT(t.flag, 1);
  CHECK_INT(as_did_error(t.svc.manager), 1);
  CHECK_INT(as_error_count(t.svc.manager), 1); /* raised bare */
  CHECK_INT(as_is_cancelled(t.svc.manager), 1);
  check_flags(t.svc.manager, 1, 0, 1, 1);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_matrix_p9_run_raises_once(void **state) { (void)state; RUN(p9_main); }

/* P11, P12: a child service's failure, a daemon child service's return. */
static tsvc p11_child;
static int key_error_run(as_service *s)
{
  (void)s;
  return anyc_fail(-ENOKEY, "child");
}
static int p11_run(as_service *s)
{
  CHECK_INT(as_run_child_service(s->manager, &p11_child.svc, NULL), 0);
  return as_wait_finished(s->manager);
}
static int p12_run(as_service *s)
{
  CHECK_INT(as_run_daemon_child_service(s->manager, &p11_child.svc, NULL), 0);
  return as_wait_finished(s->manager);
}
static int p11_scenario(as_run_fn parent_run, as_run_fn child_run, int code, const char *message)
{
  tsvc t;
  const char *msg = NULL;
  tsvc_init(&t, parent_run, NULL);
  tsvc_init(&p11_child, child_run, "Child");
  CHECK_INT(as_run_service(&t.svc), code);
  CHECK_INT(as_error_count(t.svc.manager), 1);
  CHECK_INT(first_error(t.svc.manager, &msg), code);
  CHECK(msg && strcmp(msg, message) == 0);
  as_service_destroy(&p11_child.svc);
  as_service_destroy(&t.svc);
  return 0;
}
static int p11_main(void *arg) { (void)arg; return p11_scenario(p11_run, key_error_run, -ENOKEY, "child"); }
static int p12_main(void *arg)
{
  (void)arg;
  return p11_scenario(p12_run, returns_run, AS_EDAEMONEXIT, "Daemon task Child[daemon=True] exited");
}
static void test_matrix_p11_child_service_raises(void **state) { (void)state; RUN(p11_main); }
static void test_matrix_p12_daemon_child_service_returns(void **state) { (void)state; RUN(p12_main); }

/* A daemon child service that fails records its own error, not DaemonTaskExit
 * (upstream: the raise from child_manager.run() skips the daemon check). */
static int daemon_child_fails_main(void *arg)
{
  (void)arg;
  return p11_scenario(p12_run, key_error_run, -ENOKEY, "child");
}
static void test_daemon_child_service_fails(void **state) { (void)state; RUN(daemon_child_fails_main); }

/* A daemon child service stopped through its own manager while the parent runs: its
 * run() returned, the parent is not cancelled, so DaemonTaskExit (upstream). */
static tsvc stopped_child;
static int stopped_child_run(as_service *s)
{
  CHECK_INT(as_run_daemon_child_service(s->manager, &stopped_child.svc, NULL), 0);
  anyc_event_set(&tsvc_of(s)->ready);
  return as_wait_finished(s->manager);
}
static int daemon_child_stopped_main(void *arg)
{
  (void)arg;
  tsvc t;
  as_manager *m = NULL;
  const char *msg = NULL;
  tsvc_init(&t, stopped_child_run, NULL);
  tsvc_init(&stopped_child, wait_cancelled_run, "Child");
  CHECK_INT(as_background_service_enter(&t.svc, &m), 0);
  CHECK_INT(anyc_event_wait(&t.ready), 0);
  CHECK_INT(as_wait_started(stopped_child.svc.manager), 0);
  CHECK_INT(as_stop(stopped_child.svc.manager), 0);
  int body = as_wait_finished(m); /* the daemon's exit fails the service */
  CHECK_INT(as_background_service_exit(m, body), AS_EDAEMONEXIT);
  CHECK_INT(as_error_count(m), 1);
  CHECK_INT(first_error(m, &msg), AS_EDAEMONEXIT);
  CHECK(msg && strcmp(msg, "Daemon task Child[daemon=True] exited") == 0);
  check_flags(m, 1, 0, 1, 1);
  CHECK_INT(as_did_error(stopped_child.svc.manager), 0);
  as_service_destroy(&stopped_child.svc);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_daemon_child_service_stopped_by_its_manager(void **state) { (void)state; RUN(daemon_child_stopped_main); }

/* P13: a parent stopped while its child service runs: the child is cancelled. */
static tsvc p13_child;
static int p13_run(as_service *s)
{
  CHECK_INT(as_run_child_service(s->manager, &p13_child.svc, NULL), 0);
  anyc_event_set(&tsvc_of(s)->ready);
  return as_wait_finished(s->manager);
}
static int p13_main(void *arg)
{
  (void)arg;
  tsvc t;
  as_manager *m = NULL;
  tsvc_init(&t, p13_run, NULL);
  tsvc_init(&p13_child, wait_cancelled_run, "Child");
  CHECK_INT(as_background_service_enter(&t.svc, &m), 0);
  CHECK_INT(anyc_event_wait(&t.ready), 0);
  CHECK_INT(as_wait_started(p13_child.svc.manager), 0);
  CHECK_INT(as_stop(m), 0);
  check_flags(p13_child.svc.manager, 1, 0, 1, 1);
  CHECK_INT(as_background_service_exit(m, 0), 0);
  as_service_destroy(&p13_child.svc);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_matrix_p13_parent_stop_cancels_child_service(void **state) { (void)state; RUN(p13_main); }

/* P23, P25, P26, P28: flags inside run's cleanup; an error in cleanup; a daemon
 * cancelled during shutdown is no error. */
static int p23_run(as_service *s)
{
  tsvc *t = tsvc_of(s);
  CHECK_INT(as_run_daemon_task(s->manager, sleep_forever, NULL, NULL), 0);  /* P28 */
  anyc_event_set(&t->ready);
  int rc = anyc_sleep(FOREVER);
  CHECK_INT(rc, -ECANCELED);
  check_flags(s->manager, 1, 1, 1, 0);                                      /* P23 */
  return t->flag ? anyc_fail(-EINVAL, "in-finally") : rc;                   /* P25 */
}
static int p23_scenario(int fail_in_cleanup)
{
  tsvc t;
  as_manager *m = NULL;
  tsvc_init(&t, p23_run, NULL);
  t.flag = fail_in_cleanup;
  CHECK_INT(as_background_service_enter(&t.svc, &m), 0);
  CHECK_INT(anyc_event_wait(&t.ready), 0);
  CHECK_INT(as_background_service_exit(m, 0), fail_in_cleanup ? -EINVAL : 0);
  CHECK_INT(as_did_error(m), fail_in_cleanup);                              /* P26 */
  CHECK_INT(as_is_cancelled(m), 1);
  CHECK_INT(as_error_count(m), fail_in_cleanup);
  as_service_destroy(&t.svc);
  return 0;
}
static int p23_main(void *arg) { (void)arg; return p23_scenario(0); }
static int p25_main(void *arg) { (void)arg; return p23_scenario(1); }
static void test_matrix_p23_p26_p28_flags_during_shutdown(void **state) { (void)state; RUN(p23_main); }
static void test_matrix_p25_error_during_cleanup(void **state) { (void)state; RUN(p25_main); }

/* wait_finished called before the service started blocks until it started and finished
 * (reference 1.5): a waiter on a child's manager, attached but not started yet. */
static tsvc early_child;
static int waits_child_finished(void *arg)
{
  tsvc *parent = arg;
  as_manager *cm = early_child.svc.manager;
  CHECK(cm != NULL);
  CHECK_INT(as_is_started(cm), 0); /* runs before the child's task: not started yet */
  CHECK_INT(as_wait_finished(cm), 0);
  check_flags(cm, 1, 0, 0, 1);
  parent->flag = 1;
  return 0;
}
static int early_waiter_run(as_service *s)
{
  CHECK_INT(as_run_task(s->manager, waits_child_finished, tsvc_of(s), NULL), 0);
  CHECK_INT(as_run_child_service(s->manager, &early_child.svc, "Child"), 0);
  check_flags(early_child.svc.manager, 0, 0, 0, 0);
  return as_wait_started(early_child.svc.manager); /* as upstream test 17 */
}
static int early_waiter_main(void *arg)
{
  (void)arg;
  tsvc t;
  tsvc_init(&t, early_waiter_run, NULL);
  tsvc_init(&early_child, wait_ev_run, "Child");
  anyc_event_set(&early_child.ev); /* the child returns as soon as it runs */
  CHECK_INT(as_run_service(&t.svc), 0);
  CHECK_INT(t.flag, 1);
  check_flags(t.svc.manager, 1, 0, 0, 1);
  as_service_destroy(&early_child.svc);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_wait_finished_before_start(void **state) { (void)state; RUN(early_waiter_main); }

/* as_run_service outside any task starts the runtime itself. */
static void test_run_service_outside_a_task(void **state)
{
  (void)state;
  tsvc t;
  checks_reset();
  tsvc_init(&t, this_is_the_error_run, NULL);
  assert_int_equal(as_run_service(&t.svc), -EIO);
  assert_int_equal(as_is_finished(t.svc.manager), 1);
  assert_int_equal(as_wait_finished(t.svc.manager), -EPERM); /* needs a task */
  as_service_destroy(&t.svc);
  ASSERT_CHECKS();
}

/* as_run_service whose caller is cancelled from outside returns -ECANCELED and does not
 * mark the service cancelled (upstream test 6's sub-manager). */
static int outer_cancel_main(void *arg)
{
  (void)arg;
  tsvc t;
  anyc_scope s;
  tsvc_init(&t, wait_cancelled_run, NULL);
  anyc_move_on_after(&s, 1);
  int rc = as_run_service(&t.svc);
  CHECK_INT(rc, -ECANCELED);
  CHECK_INT(anyc_scope_close(&s, rc), 0);
  check_flags(t.svc.manager, 1, 0, 0, 1);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_run_service_cancelled_from_outside(void **state) { (void)state; RUN(outer_cancel_main); }

/* A caller already cancelled: upstream's run() gets Cancelled at its run lock (a
 * checkpoint) before it starts anything -- run never runs, the service is finished but
 * was never started (nor cancelled). */
static int traces_run(as_service *s)
{
  (void)s;
  TRACE("run ran");
  return 0;
}
static int cancelled_caller_main(void *arg)
{
  (void)arg;
  tsvc t;
  anyc_scope s;
  tsvc_init(&t, traces_run, NULL);
  CHECK_INT(anyc_scope_open(&s), 0);
  anyc_scope_cancel(&s);
  int rc = as_run_service(&t.svc);
  CHECK_INT(rc, -ECANCELED);
  CHECK_INT(anyc_scope_close(&s, rc), 0);
  check_flags(t.svc.manager, 0, 0, 0, 1);
  CHECK_INT(as_did_error(t.svc.manager), 0);
  CHECK(strcmp(trace_log, "") == 0);
  CHECK_INT(as_cancel(t.svc.manager), AS_ELIFECYCLE); /* never started */
  CHECK_INT(as_run_service(&t.svc), AS_ELIFECYCLE);   /* one manager for life */
  as_service_destroy(&t.svc);
  return 0;
}
static void test_run_service_from_a_cancelled_caller_never_starts(void **state) { (void)state; RUN(cancelled_caller_main); }

/* A task that runs another service and returns its error re-raises, in Python, the
 * exception the inner run() raised: the outer service records the inner message too
 * (probe/shim errmsg). */
static int bad_frame_run(as_service *s)
{
  (void)s;
  int rc = anyc_sleep(0.01);
  return rc ? rc : anyc_fail(-EPROTO, "bad frame %#x", 0x7f);
}
static int runs_inner_service(void *arg)
{
  return as_run_service(arg);
}
static int outer_of_inner_run(as_service *s)
{
  tsvc *t = tsvc_of(s);
  CHECK_INT(as_run_task(s->manager, runs_inner_service, t->user, "sub"), 0);
  return as_wait_finished(s->manager);
}
static int inner_error_main(void *arg)
{
  (void)arg;
  tsvc outer, inner;
  const char *msg = NULL;
  tsvc_init(&outer, outer_of_inner_run, "outer");
  tsvc_init(&inner, bad_frame_run, "inner");
  outer.user = &inner.svc;
  CHECK_INT(as_run_service(&outer.svc), -EPROTO);
  CHECK_INT(first_error(outer.svc.manager, &msg), -EPROTO);
  CHECK(msg && strcmp(msg, "bad frame 0x7f") == 0);
  CHECK_INT(first_error(inner.svc.manager, &msg), -EPROTO);
  CHECK(msg && strcmp(msg, "bad frame 0x7f") == 0);
  as_service_destroy(&inner.svc);
  as_service_destroy(&outer.svc);
  return 0;
}
static void test_run_service_in_a_task_error_keeps_its_message(void **state) { (void)state; RUN(inner_error_main); }

/* A legacy call that refuses (LifecycleError) raises in Python; a task that returns the
 * code re-raises it, so the service records upstream's message (probe/shim peers,
 * trinity #1770).  A refusal the task ignored lends its message to nothing else. */
static int finished_run(as_service *s)
{
  (void)s;
  return 0;
}
static int noop_task(void *arg)
{
  (void)arg;
  return 0;
}
static int refused_task(void *arg)
{
  tsvc *t = arg; /* t->user: the finished service; t->flag: what to do */
  tsvc *done = t->user;
  int rc = t->flag == 1 ? as_run_child_service(t->svc.manager, &done->svc, "again")
                        : as_run_task(done->svc.manager, noop_task, NULL, "late");
  return t->flag == 2 ? -EIO : rc; /* 2: ignore the refusal, fail otherwise */
}
static int refused_run(as_service *s)
{
  CHECK_INT(as_run_task(s->manager, refused_task, tsvc_of(s), "refused"), 0);
  return 0;
}
static int refused_message_main(void *arg)
{
  (void)arg;
  static const char *const want[3] = {
      "Tasks may not be scheduled if the service is not running",
      "Service already has a manager.", ""};
  for (int how = 0; how < 3; how++) {
    tsvc done, t;
    const char *msg = NULL;
    tsvc_init(&done, finished_run, "done");
    CHECK_INT(as_run_service(&done.svc), 0);
    tsvc_init(&t, refused_run, "svc");
    t.user = &done;
    t.flag = how;
    CHECK_INT(as_run_service(&t.svc), how == 2 ? -EIO : AS_ELIFECYCLE);
    first_error(t.svc.manager, &msg);
    CHECK(msg && strcmp(msg, want[how]) == 0);
    as_service_destroy(&t.svc);
    as_service_destroy(&done.svc);
  }
  return 0;
}
static void test_refused_call_returned_by_a_task_keeps_upstream_message(void **state) { (void)state; RUN(refused_message_main); }

/* Two tasks each hold a different refusal across a checkpoint, the later refusal made
 * before the first task returns its own: each keeps its text (Python's exceptions carry
 * theirs).  A fails first and cancels the service, so B's refusal is never returned. */
static int holds_child_refusal(void *arg)
{
  tsvc *t = arg;
  tsvc *done = t->user;
  int rc = as_run_child_service(t->svc.manager, &done->svc, "again");
  int s = anyc_sleep(1);
  return s ? s : rc;
}
static int holds_schedule_refusal(void *arg)
{
  tsvc *t = arg;
  tsvc *done = t->user;
  int s = anyc_sleep(0.5);
  if (s)
    return s;
  int rc = as_run_task(done->svc.manager, noop_task, NULL, "late");
  s = anyc_sleep(1.5);
  return s ? s : rc;
}
static int two_refusals_run(as_service *s)
{
  CHECK_INT(as_run_task(s->manager, holds_child_refusal, tsvc_of(s), "A"), 0);
  CHECK_INT(as_run_task(s->manager, holds_schedule_refusal, tsvc_of(s), "B"), 0);
  return 0;
}
static int two_refusals_main(void *arg)
{
  (void)arg;
  tsvc done, t;
  const char *msg = NULL;
  tsvc_init(&done, finished_run, "done");
  CHECK_INT(as_run_service(&done.svc), 0);
  tsvc_init(&t, two_refusals_run, "svc");
  t.user = &done;
  CHECK_INT(as_run_service(&t.svc), AS_ELIFECYCLE);
  CHECK_INT(as_error_count(t.svc.manager), 1);
  first_error(t.svc.manager, &msg);
  CHECK(msg && strcmp(msg, "Service already has a manager.") == 0);
  as_service_destroy(&t.svc);
  as_service_destroy(&done.svc);
  return 0;
}
static void test_refusals_held_by_two_tasks_keep_their_messages(void **state) { (void)state; RUN(two_refusals_main); }

/* as_service_destroy of a service that runs, or that a scheduled task will run, would
 * leave its tasks on freed memory (one in an open background block, the list of open
 * blocks): it aborts at the call, naming service and task.  A
 * child dropped because its parent was cancelled never runs: destroying it is fine. */
static tsvc doomed;
static int destroys_doomed(void *arg)
{
  (void)arg;
  as_service_destroy(&doomed.svc);
  return 0;
}
static int destroy_running_run(as_service *s)
{
  CHECK_INT(as_run_task(s->manager, destroys_doomed, NULL, "destroyer"), 0);
  return as_wait_finished(s->manager);
}
static int destroy_running_main(void *arg)
{
  (void)arg;
  tsvc_init(&doomed, destroy_running_run, "doomed");
  return as_run_service(&doomed.svc);
}
static int destroy_child_run(as_service *s)
{
  CHECK_INT(as_run_child_service(s->manager, &doomed.svc, NULL), 0);
  as_service_destroy(&doomed.svc);
  return 0;
}
static int destroy_child_main(void *arg)
{
  (void)arg;
  tsvc parent;
  tsvc_init(&parent, destroy_child_run, "parent");
  tsvc_init(&doomed, wait_cancelled_run, "doomed");
  return as_run_service(&parent.svc);
}
static int destroy_in_block_main(void *arg)
{
  (void)arg;
  as_manager *m = NULL;
  tsvc_init(&doomed, wait_cancelled_run, "doomed");
  if (as_background_service_enter(&doomed.svc, &m) == 0)
    as_service_destroy(&doomed.svc);
  return 0;
}
static int destroy_finished_in_block_main(void *arg)
{
  (void)arg;
  as_manager *m = NULL;
  tsvc_init(&doomed, returns_run_at_once, "doomed");
  if (as_background_service_enter(&doomed.svc, &m) == 0 && as_wait_finished(m) == 0)
    as_service_destroy(&doomed.svc); /* finished on its own, but the block is open */
  return 0;
}
static int dropped_child_run(as_service *s)
{
  CHECK_INT(as_cancel(s->manager), 0);
  CHECK_INT(as_run_child_service(s->manager, &doomed.svc, NULL), 0); /* dropped */
  as_service_destroy(&doomed.svc);
  CHECK(doomed.svc.manager == NULL);
  return 0;
}
static int dropped_child_main(void *arg)
{
  (void)arg;
  tsvc parent;
  tsvc_init(&parent, dropped_child_run, "parent");
  tsvc_init(&doomed, wait_cancelled_run, "doomed");
  CHECK_INT(as_run_service(&parent.svc), 0);
  as_service_destroy(&parent.svc);
  return 0;
}
static void test_destroy_live_service_aborts(void **state)
{
  (void)state;
  run_expect_abort(destroy_running_main,
                   "as_service_destroy('doomed') while the service is running: destroy it "
                   "after it finished, or if it never ran (in task 'destroyer')");
  run_expect_abort(destroy_child_main,
                   "as_service_destroy('doomed') while the service is scheduled to run: "
                   "destroy it after it finished, or if it never ran (in task 'run')");
  run_expect_abort(destroy_in_block_main,
                   "as_service_destroy('doomed') while the service is running");
  run_expect_abort(destroy_finished_in_block_main,
                   "as_service_destroy('doomed') while the service is in a background block "
                   "still open: destroy it after it finished, or if it never ran (in task "
                   "'main')");
  RUN(dropped_child_main);
}

/* C-only misuse: a NULL where a service, manager, function or out-pointer belongs is
 * -EINVAL from the calls that return a status, and nothing (no crash) from the void
 * ones; a service cannot be its own child (it already has its manager). */
static int null_args_run(as_service *s)
{
  as_manager *m = s->manager, *out = NULL;
  as_service no_run;
  as_service_init(&no_run, NULL, "no-run");
  CHECK_INT(as_run_task(NULL, just_checkpoint, NULL, NULL), -EINVAL);
  CHECK_INT(as_run_task(m, NULL, NULL, NULL), -EINVAL);
  CHECK_INT(as_run_daemon_task(NULL, just_checkpoint, NULL, NULL), -EINVAL);
  CHECK_INT(as_run_daemon_task(m, NULL, NULL, NULL), -EINVAL);
  CHECK_INT(as_run_child_service(NULL, &no_run, NULL), -EINVAL);
  CHECK_INT(as_run_child_service(m, NULL, NULL), -EINVAL);
  CHECK_INT(as_run_daemon_child_service(m, &no_run, NULL), -EINVAL);
  CHECK(no_run.manager == NULL);
  CHECK_INT(as_run_child_service(m, s, NULL), AS_ELIFECYCLE);
  CHECK_INT(as_run_service(NULL), -EINVAL);
  CHECK_INT(as_run_service(&no_run), -EINVAL);
  CHECK_INT(as_background_service_enter(NULL, &out), -EINVAL);
  CHECK_INT(as_background_service_enter(&no_run, &out), -EINVAL);
  CHECK_INT(as_background_service_enter(&no_run, NULL), -EINVAL);
  CHECK(out == NULL);
  as_get_stats(m, NULL);
  as_service_init(NULL, NULL, NULL);
  as_service_destroy(NULL);
  as_service_destroy(&no_run);
  as_stats st;
  as_get_stats(m, &st);
  CHECK_INT(st.total_count, 0); /* nothing was scheduled */
  return anyc_fail(-EIO, "done");
}
static int null_args_main(void *arg)
{
  (void)arg;
  tsvc t;
  tsvc_init(&t, null_args_run, NULL);
  CHECK_INT(as_run_service(&t.svc), -EIO);
  CHECK_INT(as_error_at(t.svc.manager, 0, NULL, NULL), 0);
  CHECK_INT(as_error_count(t.svc.manager), 1);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_null_arguments(void **state) { (void)state; RUN(null_args_main); }

int main(void)
{
  const struct CMUnitTest tests[] = {
    TEST(test_service_manager_initial_state),
    TEST(test_service_manager_initial_state_never_run),
    TEST(test_trio_service_lifecycle_run_and_clean_exit),
    TEST(test_trio_service_lifecycle_run_and_external_cancellation),
    TEST(test_trio_service_lifecycle_run_and_exception),
    TEST(test_trio_service_lifecycle_run_and_task_exception),
    TEST(test_sub_service_cancelled_when_parent_stops),
    TEST(test_trio_service_lifecycle_run_and_daemon_task_exit),
    TEST(test_multierror_in_run),
    TEST(test_trio_service_background_service_context_manager),
    TEST(test_trio_service_manager_stop),
    TEST(test_trio_service_manager_run_task),
    TEST(test_trio_external_api_call_that_schedules_task),
    TEST(test_trio_service_manager_run_task_waits_for_task_completion),
    TEST(test_trio_service_manager_run_task_can_still_cancel_after_run_finishes),
    TEST(test_trio_service_manager_run_task_reraises_exceptions),
    TEST(test_trio_service_manager_run_daemon_task_cancels_if_exits),
    TEST(test_trio_service_manager_propogates_and_records_exceptions),
    TEST(test_trio_service_lifecycle_run_and_clean_exit_with_child_service),
    TEST(test_trio_service_with_daemon_child_service),
    TEST(test_trio_service_with_daemon_child_task),
    TEST(test_trio_service_with_async_generator),
    TEST(test_trio_service_disallows_task_scheduling_when_not_running),
    TEST(test_trio_service_disallows_task_scheduling_after_cancel),
    TEST(test_child_service_scheduled_after_cancel_is_dropped),
    TEST(test_trio_service_cancellation_with_running_daemon_task),
    TEST(test_trio_service_with_try_finally_cleanup),
    TEST(test_trio_service_with_try_finally_cleanup_with_unshielded_await),
    TEST(test_trio_service_with_try_finally_cleanup_with_shielded_await),
    TEST(test_error_in_service_run),
    TEST(test_daemon_task_finishes_leaving_children),
    TEST(test_matrix_p1_p2_p3_before_start),
    TEST(test_matrix_p4_p6_p7_p8_p14_after_finish),
    TEST(test_matrix_p7_child_with_manager),
    TEST(test_matrix_p9_run_raises_once),
    TEST(test_matrix_p11_child_service_raises),
    TEST(test_matrix_p12_daemon_child_service_returns),
    TEST(test_daemon_child_service_fails),
    TEST(test_daemon_child_service_stopped_by_its_manager),
    TEST(test_matrix_p13_parent_stop_cancels_child_service),
    TEST(test_matrix_p23_p26_p28_flags_during_shutdown),
    TEST(test_matrix_p25_error_during_cleanup),
    TEST(test_wait_finished_before_start),
    TEST(test_run_service_outside_a_task),
    TEST(test_run_service_cancelled_from_outside),
    TEST(test_run_service_from_a_cancelled_caller_never_starts),
    TEST(test_run_service_in_a_task_error_keeps_its_message),
    TEST(test_refused_call_returned_by_a_task_keeps_upstream_message),
    TEST(test_refusals_held_by_two_tasks_keep_their_messages),
    TEST(test_destroy_live_service_aborts),
    TEST(test_null_arguments),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
