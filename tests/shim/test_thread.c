/* test_thread.c — shim/thread.c: as_to_thread is anyc_to_thread without the abandon
 * flag: the result comes back, and a cancelled caller still waits for its thread. */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "shim_test.h"

static atomic_int thread_started, thread_done;

static int wait_cancelled_run_fn(as_service *s) { return as_wait_finished(s->manager); }

static int blocking_work(void *arg)
{
  atomic_store(&thread_started, 1);
  struct timespec ts = {0, 20 * 1000 * 1000};
  nanosleep(&ts, NULL);
  atomic_store(&thread_done, 1);
  return *(int *)arg;
}

static int result_main(void *arg)
{
  (void)arg;
  int status = -EIO;
  atomic_store(&thread_done, 0);
  CHECK_INT(as_to_thread(blocking_work, &status), -EIO);
  CHECK_INT(atomic_load(&thread_done), 1);
  return 0;
}
static void test_as_to_thread_returns_status(void **state) { (void)state; RUN(result_main); }

/* Cancel the caller once its thread is running (a job still queued is simply dropped). */
static anyc_scope *victim;
static int cancel_when_started(void *arg)
{
  (void)arg;
  while (!atomic_load(&thread_started)) {
    int rc = anyc_sleep(0);
    if (rc)
      return rc;
  }
  anyc_scope_cancel(victim);
  return 0;
}
static int cancelled_main(void *arg)
{
  (void)arg;
  int status = 0;
  anyc_group g;
  anyc_scope s;
  atomic_store(&thread_started, 0);
  atomic_store(&thread_done, 0);
  anyc_group_open(&g);
  anyc_scope_open(&s);
  victim = &s;
  anyc_start_soon(&g, cancel_when_started, NULL);
  int rc = as_to_thread(blocking_work, &status);
  CHECK_INT(rc, -ECANCELED);
  CHECK_INT(atomic_load(&thread_done), 1); /* not abandoned: it waited */
  CHECK_INT(anyc_scope_close(&s, rc), 0);
  CHECK_INT(anyc_group_close(&g, 0), 0);
  return 0;
}
static void test_as_to_thread_cancelled_caller_waits(void **state) { (void)state; RUN(cancelled_main); }

/* py-libp2p-style "stop the service from a blocking worker": as_cancel and as_stop from
 * an as_to_thread worker run on the loop (asyncio: call_soon_threadsafe) instead of
 * touching the scheduler from the worker's thread. */
static as_manager *worker_target;
static int worker_rc = 1;
static int cancels_from_worker(void *arg)
{
  (void)arg;
  worker_rc = as_cancel(worker_target);
  return 0;
}
static int stops_from_worker(void *arg)
{
  (void)arg;
  worker_rc = as_stop(worker_target);
  return 0;
}
static anyc_event never;
static int parks_until_cancelled(void *arg)
{
  (void)arg;
  return anyc_event_wait(&never); /* not a sleep: the mock clock's autojump skips sleeps
                                     while the worker thread runs, as Trio's does */
}
static int run_cancelled_by_worker(as_service *self)
{
  worker_target = self->manager;
  anyc_event_init(&never);
  CHECK_INT(as_run_daemon_task(self->manager, parks_until_cancelled, NULL, "daemon"), 0);
  /* the worker cancels this service, run included: its wait for the worker ends cancelled */
  CHECK_INT(as_to_thread(cancels_from_worker, NULL), -ECANCELED);
  return as_wait_finished(self->manager);
}
static int stop_wait_run(as_service *self) { return as_wait_finished(self->manager); }
static int from_worker_main(void *arg)
{
  (void)arg;
  tsvc a, b;
  tsvc_init(&a, run_cancelled_by_worker, "a");
  CHECK_INT(as_run_service(&a.svc), 0);
  CHECK_INT(worker_rc, 0);
  CHECK_INT(as_is_cancelled(a.svc.manager), 1);
  as_service_destroy(&a.svc);

  as_manager *m = NULL;
  tsvc_init(&b, stop_wait_run, "b");
  CHECK_INT(as_background_service_enter(&b.svc, &m), 0);
  worker_target = m;
  worker_rc = 1;
  CHECK_INT(as_to_thread(stops_from_worker, NULL), 0);
  CHECK_INT(worker_rc, 0);
  CHECK_INT(as_is_finished(m), 1); /* as_stop returned in the worker once it finished */
  CHECK_INT(as_background_service_exit(m, 0), 0);
  as_service_destroy(&b.svc);
  return 0;
}
static void test_as_cancel_and_stop_from_a_worker_thread(void **state) { (void)state; RUN(from_worker_main); }

static void test_as_to_thread_outside_a_task(void **state)
{
  (void)state;
  int status = 0;
  assert_int_equal(as_to_thread(blocking_work, &status), -EPERM);
}

/* A worker's anyc_fail() message is the task's error message, as an exception raised in
 * asyncio.to_thread's function reaches the service with its text. */
static int failing_work(void *arg)
{
  return anyc_fail(-ENOSPC, "volume %s full", (const char *)arg);
}

static int fetch_task(void *arg)
{
  return as_to_thread(failing_work, arg);
}

static char volume[] = "data";

static int fetch_run(as_service *self)
{
  return as_run_task(self->manager, fetch_task, volume, "fetch");
}

static void test_as_to_thread_error_keeps_its_message(void **state)
{
  (void)state;
  as_service svc;
  as_service_init(&svc, fetch_run, "fetcher");
  assert_int_equal(as_run_service(&svc), -ENOSPC);
  const char *msg = NULL;
  assert_int_equal(first_error(svc.manager, &msg), -ENOSPC);
  assert_string_equal(msg, "volume data full");
  assert_int_equal(as_error_count(svc.manager), 1);
  as_service_destroy(&svc);
}

/* Scheduling needs the loop: from an as_to_thread worker as_run_task and
 * as_run_child_service answer -EPERM, and touch nothing of the manager (its task
 * records are the loop's: the worker must not take one while the loop spawns, as the
 * churning task here does; a lost race is rare, so this mostly pins the answer). */
static int worker_tries(void *arg)
{
  tsvc *t = arg;
  as_service child;
  int bad = 0;
  for (int i = 0; i < 200000; i++)
    bad |= as_run_task(t->svc.manager, just_checkpoint, NULL, "w") != -EPERM;
  as_service_init(&child, wait_cancelled_run_fn, "child");
  bad |= as_run_child_service(t->svc.manager, &child, NULL) != -EPERM;
  bad |= child.manager != NULL;
  return bad ? -EIO : 0;
}
static int churn(void *arg)
{
  tsvc *t = arg;
  while (!anyc_event_is_set(&t->ev)) {
    for (int i = 0; i < 50; i++)
      if (as_run_task(t->svc.manager, just_checkpoint, NULL, "c") < 0)
        return -EIO;
    int rc = anyc_sleep(0);
    if (rc)
      return rc;
    t->flag += 50;
  }
  return 0;
}
static int worker_schedules_run(as_service *s)
{
  tsvc *t = tsvc_of(s);
  CHECK_INT(as_run_task(s->manager, churn, t, "churn"), 0);
  t->rc = as_to_thread(worker_tries, t);
  anyc_event_set(&t->ev);
  return 0;
}
static int worker_schedules_main(void *arg)
{
  (void)arg;
  tsvc t;
  tsvc_init(&t, worker_schedules_run, "svc");
  CHECK_INT(as_run_service(&t.svc), 0);
  CHECK_INT(t.rc, 0);
  as_stats st;
  as_get_stats(t.svc.manager, &st);
  CHECK_INT(st.total_count, (unsigned long)t.flag + 1); /* churn and its tasks only */
  CHECK_INT(st.pending_count, 0);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_scheduling_from_a_worker_thread_is_refused(void **state) { (void)state; RUN(worker_schedules_main); }

/* A thread that is neither the loop's nor a to_thread worker cannot reach the loop:
 * as_cancel, as_stop and as_run_task answer -EPERM there while the service runs, from a
 * plain thread (they touched the manager from it and the runtime aborted on the
 * handler's wake-up) and from a task of another run's loop (it would have woken the
 * handler on the wrong loop); so do the waits for an event not yet set (the waiter
 * would be queued on this loop).  Once the service finished, the waits just return. */
static as_manager *foreign_target;
static int foreign_rc[8];
static int other_loop_main(void *arg)
{
  (void)arg;
  foreign_rc[3] = as_cancel(foreign_target);
  foreign_rc[4] = as_stop(foreign_target);
  foreign_rc[5] = as_run_task(foreign_target, just_checkpoint, NULL, "x");
  foreign_rc[6] = as_wait_started(foreign_target);
  foreign_rc[7] = as_wait_finished(foreign_target);
  return 0;
}
static int waits_in_other_loop(void *arg)
{
  (void)arg;
  foreign_rc[0] = as_wait_finished(foreign_target);
  return 0;
}
static int waits_in_own_run(void *arg)
{
  (void)arg;
  return as_run(waits_in_other_loop, NULL);
}
static void *foreign_thread_main(void *arg)
{
  (void)arg;
  foreign_rc[0] = as_cancel(foreign_target);
  foreign_rc[1] = as_stop(foreign_target);
  foreign_rc[2] = as_run_task(foreign_target, just_checkpoint, NULL, "x");
  if (as_run(other_loop_main, NULL) != 0)
    foreign_rc[3] = 1;
  return NULL;
}
static int joins_foreign(void *arg)
{
  return pthread_join(*(pthread_t *)arg, NULL) == 0 ? 0 : -EIO;
}
static int foreign_run(as_service *s)
{
  pthread_t th;
  foreign_target = s->manager;
  if (pthread_create(&th, NULL, foreign_thread_main, NULL) != 0)
    return -EIO;
  int rc = as_to_thread(joins_foreign, &th);
  CHECK_INT(as_is_cancelled(s->manager), 0);
  return rc;
}
static int foreign_main(void *arg)
{
  (void)arg;
  tsvc t;
  tsvc_init(&t, foreign_run, "svc");
  CHECK_INT(as_run_service(&t.svc), 0);
  for (int i = 0; i < 8; i++) /* as_wait_started: started already, nothing to queue */
    CHECK_INT(foreign_rc[i], i == 6 ? 0 : -EPERM);
  CHECK_INT(as_is_cancelled(t.svc.manager), 0);
  CHECK_INT(as_cancel(t.svc.manager), 0); /* finished: nothing to race, nothing done */
  /* finished: another run's loop may wait on it (nothing is queued) */
  foreign_rc[0] = 1;
  CHECK_INT(as_to_thread(waits_in_own_run, NULL), 0);
  CHECK_INT(foreign_rc[0], 0);
  as_stats st;
  as_get_stats(t.svc.manager, &st);
  CHECK_INT(st.total_count, 0);
  as_service_destroy(&t.svc);
  return 0;
}
static void test_calls_from_another_thread_or_loop_are_refused(void **state) { (void)state; RUN(foreign_main); }

int main(void)
{
  const struct CMUnitTest tests[] = {
    TEST(test_as_to_thread_returns_status),
    TEST(test_as_to_thread_cancelled_caller_waits),
    TEST(test_as_to_thread_outside_a_task),
    TEST(test_as_cancel_and_stop_from_a_worker_thread),
    TEST(test_as_to_thread_error_keeps_its_message),
    TEST(test_scheduling_from_a_worker_thread_is_refused),
    TEST(test_calls_from_another_thread_or_loop_are_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
