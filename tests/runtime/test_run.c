/* test_run.c — runtime/run.c: anyc_run, anyc_run_with, the clock, misuse outside a run. */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

#include "abort_helper.h"

static int return_42(void *arg)
{
  (void)arg;
  return 42;
}

/* spec: "anyc_run ... returns main's status" */
static void test_run_returns_main_status(void **state)
{
  (void)state;
  assert_int_equal(anyc_run(return_42, NULL), 42);
  assert_int_equal(anyc_run_with(NULL, return_42, NULL), 42);
}

/* ---- main's status survives tasks that outlive it ---- */

/* Tasks running anyc_from_thread calls belong to no group, so they may outlive main;
 * main's task struct is then recycled.  Job A keeps a call alive past main's end; job B
 * calls in once main has ended, and its task gets main's old struct. */
static volatile int main_returning;
static sem_t job_b_go;
static anyc_event a_running, b_running, b_ran;

static int outliving_call(void *arg)
{
  (void)arg;
  anyc_event_set(&a_running);
  while (!main_returning)
    CHECK_INT(anyc_sleep(0.001), 0);
  sem_post(&job_b_go);
  CHECK_INT(anyc_event_wait(&b_ran), 0); /* alive until job B's call has ended */
  return 0;
}

static int late_call(void *arg)
{
  (void)arg;
  anyc_event_set(&b_ran);
  return 0; /* the status that used to be taken for main's */
}

static int job_a(void *arg)
{
  (void)arg;
  CHECK_INT(anyc_from_thread(outliving_call, NULL), 0);
  return 0;
}

static int note_running(void *ev)
{
  anyc_event_set(ev);
  return 0;
}

static int job_b(void *arg)
{
  (void)arg;
  CHECK_INT(anyc_from_thread(note_running, &b_running), 0);
  sem_wait(&job_b_go);
  CHECK_INT(anyc_from_thread(late_call, NULL), 0);
  return 0;
}

/* Abandon a to_thread job once `ready` is set: once the job is running.  By event, not
 * by a timeout: under valgrind a worker thread can take longer than any short timeout to
 * start, and each job must be running before main ends. */
typedef struct abandon_ctx {
  anyc_scope s;
  anyc_event *ready;
} abandon_ctx;

static int cancel_when_ready(void *arg)
{
  abandon_ctx *c = arg;
  CHECK_INT(anyc_event_wait(c->ready), 0);
  anyc_scope_cancel(&c->s);
  return 0;
}

static int abandon(anyc_fn job, anyc_event *ready)
{
  abandon_ctx c = {.ready = ready};
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_scope_open(&c.s), 0);
  CHECK_INT(anyc_start_soon(&g, cancel_when_ready, &c), 0);
  int rc = anyc_to_thread(job, NULL, ANYC_ABANDON_ON_CANCEL);
  CHECK_INT(rc, -ECANCELED);
  rc = anyc_scope_close(&c.s, rc);
  return anyc_group_close(&g, rc);
}

static int main_abandons_then_fails(void *arg)
{
  (void)arg;
  CHECK_INT(abandon(job_a, &a_running), 0);
  CHECK_INT(abandon(job_b, &b_running), 0);
  main_returning = 1;
  return -EIO;
}

/* spec: "anyc_run returns main's status".  A from_thread task spawned after main ended
 * got main's recycled struct and was taken for main: the run returned its 0. */
static void test_run_main_status_kept_past_main(void **state)
{
  (void)state;
  checks_reset();
  main_returning = 0;
  sem_init(&job_b_go, 0, 0);
  anyc_event_init(&a_running);
  anyc_event_init(&b_running);
  anyc_event_init(&b_ran);
  assert_int_equal(anyc_run(main_abandons_then_fails, NULL), -EIO);
  ASSERT_CHECKS();
  assert_true(anyc_event_is_set(&b_ran));
  sem_destroy(&job_b_go);
}

static int late_child(void *arg)
{
  int *done = arg;
  int rc = anyc_sleep(0.01);
  *done = rc == 0;
  return rc;
}

static int spawns_and_waits(void *arg)
{
  anyc_group g;
  int rc = anyc_group_open(&g);
  if (rc < 0)
    return rc;
  rc = anyc_start_soon(&g, late_child, arg);
  return anyc_group_close(&g, rc);
}

/* spec: "anyc_run returns only when main and every task it started have finished" */
static void test_run_waits_for_every_task(void **state)
{
  (void)state;
  int done = 0;
  assert_int_equal(anyc_run(spawns_and_waits, &done), 0);
  assert_int_equal(done, 1);
}

static int nested(void *arg)
{
  int *rc = arg;
  *rc = anyc_run(return_42, NULL);
  return 0;
}

/* spec: "a nested anyc_run inside a task returns -EBUSY" */
static void test_run_nested_is_ebusy(void **state)
{
  (void)state;
  int rc = 0;
  assert_int_equal(anyc_run(nested, &rc), 0);
  assert_int_equal(rc, -EBUSY);
}

/* spec: "Calling a task-only function outside anyc_run ... returns -EPERM" */
static void test_run_task_only_calls_outside_are_eperm(void **state)
{
  (void)state;
  anyc_group g;
  anyc_scope s;
  anyc_event e;
  anyc_event_init(&e);
  assert_int_equal(anyc_sleep(0), -EPERM);
  assert_int_equal(anyc_sleep(1), -EPERM);
  assert_int_equal(anyc_sleep_until(1), -EPERM);
  assert_int_equal(anyc_checkpoint(), -EPERM);
  assert_int_equal(anyc_group_open(&g), -EPERM);
  assert_int_equal(anyc_scope_open(&s), -EPERM);
  assert_int_equal(anyc_move_on_after(&s, 1), -EPERM);
  assert_int_equal(anyc_fail_after(&s, 1), -EPERM);
  assert_int_equal(anyc_move_on_at(&s, 1), -EPERM);
  assert_int_equal(anyc_fail_at(&s, 1), -EPERM);
  assert_int_equal(anyc_event_wait(&e), -EPERM);
  assert_int_equal(anyc_start_soon(&g, return_42, NULL), -EPERM);
  assert_int_equal(anyc_error_at(0, &(anyc_error_info){0}), -EPERM);
  assert_int_equal(anyc_error_count(), 0);
  assert_int_equal(anyc_cancelled(), 0);
  assert_true(isinf(anyc_current_effective_deadline()));
  assert_string_equal(anyc_task_name(), "");
}

static void test_run_rejects_bad_arguments(void **state)
{
  (void)state;
  anyc_config bad = {0, 1, -1.0};
  assert_int_equal(anyc_run(NULL, NULL), -EINVAL);
  assert_int_equal(anyc_run_with(&bad, return_42, NULL), -EINVAL);
  bad.autojump_threshold = NAN;
  assert_int_equal(anyc_run_with(&bad, return_42, NULL), -EINVAL);
  /* A stack no machine can map: the run cannot be set up (-ENOMEM), rather than a size
   * that wraps to nothing when rounded up to pages. */
  anyc_config huge = {SIZE_MAX, 0, 0.0};
  assert_int_equal(anyc_run_with(&huge, return_42, NULL), -ENOMEM);
  huge.stack_size = SIZE_MAX - 100;
  assert_int_equal(anyc_run_with(&huge, return_42, NULL), -ENOMEM);
}

static int mock_sleeps(void *arg)
{
  (void)arg;
  CHECK(anyc_now() == 0.0);
  for (int i = 0; i < 10; i++) {
    double t0 = anyc_now();
    CHECK_INT(anyc_sleep(10.0 * i), 0);
    CHECK(anyc_now() - t0 == 10.0 * i);
  }
  return 0;
}

static double real_seconds(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* trio test_mock_clock_autojump: sleeps of 0..90 s take no real time, exact deltas. */
static void test_run_mock_clock_autojump(void **state)
{
  (void)state;
  checks_reset();
  double t0 = real_seconds();
  assert_int_equal(run_mock(mock_sleeps, NULL), 0);
  ASSERT_CHECKS();
  assert_true(real_seconds() - t0 < 1.0);
}

static int threshold_sleep(void *arg)
{
  double *real = arg;
  double t0 = real_seconds();
  CHECK_INT(anyc_sleep(1000), 0);
  CHECK(anyc_now() == 1000.0);
  *real = real_seconds() - t0;
  return 0;
}

/* autojump_threshold: time jumps only after that much real idle time. */
static void test_run_mock_clock_threshold(void **state)
{
  (void)state;
  checks_reset();
  double real = 0;
  anyc_config c = {0, 1, 0.05};
  assert_int_equal(anyc_run_with(&c, threshold_sleep, &real), 0);
  ASSERT_CHECKS();
  assert_true(real >= 0.045);
  assert_true(real < 1.0);
}

static int real_sleep(void *arg)
{
  (void)arg;
  double t0 = anyc_now();
  CHECK_INT(anyc_sleep(0.02), 0);
  double dt = anyc_now() - t0;
  CHECK(dt >= 0.02);
  CHECK(dt < 0.5);
  return 0;
}

/* The real clock: anyc_now is monotonic seconds and sleeps last at least as asked. */
static void test_run_real_clock_sleep(void **state)
{
  (void)state;
  checks_reset();
  assert_int_equal(anyc_run(real_sleep, NULL), 0);
  ASSERT_CHECKS();
  double a = anyc_now(), b = anyc_now();
  assert_true(b >= a);
}

#define DEEP (768u << 10)
static int deep_stack(void *arg)
{
  volatile char buf[DEEP];
  (void)arg;
  for (size_t i = 0; i < DEEP; i += 512)
    buf[i] = (char)(i >> 9);
  CHECK_INT(anyc_checkpoint(), 0);
  for (size_t i = 0; i < DEEP; i += 512)
    if (buf[i] != (char)(i >> 9))
      return -EIO;
  return 0;
}

/* spec: anyc_config.stack_size is honoured: a 1 MiB stack holds a 768 KiB frame. */
static void test_run_stack_size_honoured(void **state)
{
  (void)state;
  checks_reset();
  anyc_config c = {1u << 20, 0, 0};
  assert_int_equal(anyc_run_with(&c, deep_stack, NULL), 0);
  ASSERT_CHECKS();
}

static void *thread_run(void *arg)
{
  int *rc = arg;
  *rc = run_mock(mock_sleeps, NULL);
  return NULL;
}

/* Runs on different threads are independent worlds. */
static void test_run_two_threads(void **state)
{
  (void)state;
  checks_reset();
  pthread_t a, b;
  int ra = -1, rb = -1;
  pthread_create(&a, NULL, thread_run, &ra);
  pthread_create(&b, NULL, thread_run, &rb);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  assert_int_equal(ra, 0);
  assert_int_equal(rb, 0);
}

static int wait_forever(void *arg)
{
  anyc_event e;
  anyc_event_init(&e);
  (void)arg;
  return anyc_event_wait(&e);
}

/* Every task blocked with nothing able to wake it: abort with the task tree. */
static void test_run_deadlock_aborts_with_tree(void **state)
{
  (void)state;
  run_expect_abort(wait_forever, "deadlock");
  run_expect_abort(wait_forever, "task 'main' blocked on event");
}

static int stale_loop_time(void *arg)
{
  (void)arg;
  anyc_listener *l;
  CHECK_INT(anyc_tcp_listen("127.0.0.1", 0, &l), 0); /* an active handle: the loop
                                                        would otherwise just return */
  double t0 = real_seconds();
  while (real_seconds() - t0 < 0.03)
    ; /* compute without yielding: libuv's cached loop time goes stale */
  CHECK_INT(anyc_sleep(0.001), 0);
  anyc_listener_close(l);
  return 0;
}

/* Regression: a short sleep after a long stretch without polling, while an idle handle
 * keeps the loop alive, must wake (its timer once fired in libuv's pre-poll phase and
 * the turn then polled forever). */
static void test_run_short_sleep_after_busy_stretch(void **state)
{
  (void)state;
  checks_reset();
  alarm(20); /* a hang fails the test instead of stalling the suite */
  assert_int_equal(anyc_run(stale_loop_time, NULL), 0);
  alarm(0);
  ASSERT_CHECKS();
}

static void test_run_strerror_names_codes(void **state)
{
  (void)state;
  assert_string_equal(anyc_strerror(ANYC_EOF), "end of stream");
  assert_string_equal(anyc_strerror(-ECANCELED), "operation cancelled");
  assert_string_equal(anyc_strerror(-ETIMEDOUT), "timed out");
  assert_string_equal(anyc_strerror(0), "success");
  assert_non_null(strstr(anyc_strerror(-4201), "AS_ELIFECYCLE"));
  assert_non_null(strstr(anyc_strerror(-4202), "AS_EDAEMONEXIT"));
  assert_non_null(strstr(anyc_strerror(-4203), "AS_ETOOMANYCHILDREN"));
  assert_string_equal(anyc_strerror(-ENOMEM), uv_strerror(UV_ENOMEM));
  assert_string_equal(anyc_strerror(-99999), "unknown error");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      TEST(test_run_returns_main_status),
      TEST(test_run_waits_for_every_task),
      TEST(test_run_main_status_kept_past_main),
      TEST(test_run_nested_is_ebusy),
      TEST(test_run_task_only_calls_outside_are_eperm),
      TEST(test_run_rejects_bad_arguments),
      TEST(test_run_mock_clock_autojump),
      TEST(test_run_mock_clock_threshold),
      TEST(test_run_real_clock_sleep),
      TEST(test_run_stack_size_honoured),
      TEST(test_run_two_threads),
      TEST(test_run_deadlock_aborts_with_tree),
      TEST(test_run_short_sleep_after_busy_stretch),
      TEST(test_run_strerror_names_codes),
  };
  return cmocka_run_group_tests_name("runtime/run", tests, NULL, NULL);
}
