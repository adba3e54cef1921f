/* test_thread.c — runtime/thread.c: anyc_to_thread / anyc_from_thread
 * (trio/_tests/test_threads.py, anyio tests/test_to_thread.py + test_from_thread.py;
 * reference §1.9 items 47-49). */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "abort_helper.h"

static sem_t go, finished, cancelled_sem;
static atomic_int started, completed, after_check;
static pthread_t loop_thread;

/* sem_wait bounded at 30 s, so a broken runtime fails the test instead of hanging it. */
static int wait_sem(sem_t *s)
{
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += 30;
  return sem_timedwait(s, &until);
}

static void reset(void)
{
  checks_reset();
  sem_init(&go, 0, 0);
  sem_init(&finished, 0, 0);
  sem_init(&cancelled_sem, 0, 0);
  started = completed = after_check = 0;
  loop_thread = pthread_self();
}

static int square_on_worker(void *arg)
{
  int *x = arg;
  if (pthread_equal(pthread_self(), loop_thread))
    return -EINVAL;
  *x = *x * *x;
  return 42;
}

static int status_main(void *arg)
{
  (void)arg;
  int x = 7;
  CHECK_INT(anyc_to_thread(square_on_worker, &x, 0), 42);
  CHECK_INT(x, 49);
  CHECK_INT(anyc_to_thread(NULL, &x, 0), -EINVAL);
  CHECK_INT(anyc_to_thread(square_on_worker, &x, 2), -EINVAL);
  CHECK_INT(anyc_from_thread(square_on_worker, &x), -EPERM); /* not on a worker */
  return 0;
}

/* spec: "run fn on a worker thread ... returns fn's status"; misuse is reported. */
static void test_to_thread_returns_status(void **state)
{
  (void)state;
  reset();
  assert_int_equal(anyc_run(status_main, NULL), 0);
  ASSERT_CHECKS();
  int x = 1;
  assert_int_equal(anyc_to_thread(square_on_worker, &x, 0), -EPERM);
  assert_int_equal(anyc_from_thread(square_on_worker, &x), -EPERM);
}

static int counted_call(void *arg)
{
  (*(int *)arg)++;
  return 7;
}

static int inner_main(void *arg)
{
  CHECK_INT(anyc_from_thread(counted_call, arg), -EPERM); /* a task, on a worker */
  return 0;
}

static int worker_runs_its_own_loop(void *arg)
{
  int rc = anyc_run(inner_main, arg);
  if (rc == 0) /* the inner run has ended: a plain worker again */
    rc = anyc_from_thread(counted_call, arg) == 7 ? 0 : -EIO;
  return rc;
}

static int nested_run_main(void *arg)
{
  CHECK_INT(anyc_to_thread(worker_runs_its_own_loop, arg, 0), 0);
  return 0;
}

/* trio from_thread.run's deadlock guard ("this is a blocking function; call it from a
 * thread"): called from a task it raises, here -EPERM, even when that task belongs to a
 * run a worker started on its own thread.  It used to block that run's loop while the
 * outer run ran the call. */
static void test_trio_from_thread_in_a_task_of_a_worker_run_is_eperm(void **state)
{
  (void)state;
  int calls = 0;
  reset();
  assert_int_equal(anyc_run(nested_run_main, &calls), 0);
  ASSERT_CHECKS();
  assert_int_equal(calls, 1); /* only the call made once the inner run had ended */
}

/* Blocks until the test posts `go`; then reports that it finished. */
static int blocker(void *arg)
{
  (void)arg;
  started = 1;
  sem_wait(&go);
  completed = 1;
  sem_post(&finished);
  return 5;
}

/* Cancel the scope in arg once the worker has started (bounded: 30 s of real time). */
static int cancel_when_started(void *arg)
{
  for (int i = 0; i < 3000 && !started; i++)
    CHECK_INT(anyc_sleep(0.01), 0);
  CHECK_INT(started, 1);
  anyc_scope_cancel(arg);
  sem_post(&cancelled_sem); /* lets `slow` finish, after the cancellation */
  return 0;
}

/* Run fn on a thread with `flags` inside a scope that is cancelled once fn started. */
static int cancelled_once_started(anyc_fn fn, unsigned flags)
{
  anyc_group g;
  anyc_scope s;
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_scope_open(&s), 0);
  CHECK_INT(anyc_start_soon(&g, cancel_when_started, &s), 0);
  int rc = anyc_to_thread(fn, NULL, flags);
  CHECK_INT(rc, -ECANCELED);
  CHECK_INT(anyc_scope_close(&s, rc), 0);
  CHECK(anyc_scope_cancelled_caught(&s));
  return anyc_group_close(&g, 0);
}

static int abandon_main(void *arg)
{
  (void)arg;
  int rc = cancelled_once_started(blocker, ANYC_ABANDON_ON_CANCEL);
  CHECK_INT(completed, 0); /* returned while the thread still runs */
  return rc;
}

/* trio test_run_in_worker_thread_cancellation, abandon_on_cancel=True: the caller returns
 * at once, and the abandoned thread does not keep anyc_run from returning. */
static void test_trio_run_in_worker_thread_cancellation_abandon(void **state)
{
  (void)state;
  reset();
  assert_int_equal(anyc_run(abandon_main, NULL), 0);
  ASSERT_CHECKS();
  assert_int_equal(completed, 0); /* anyc_run returned with the thread still blocked */
  sem_post(&go);
  assert_int_equal(wait_sem(&finished), 0); /* the orphan frees itself, touching nothing of the run */
}

static int slow(void *arg)
{
  (void)arg;
  started = 1;
  wait_sem(&cancelled_sem);
  usleep(10000);
  completed = 1;
  return 5;
}

static int wait_main(void *arg)
{
  (void)arg;
  anyc_scope s;
  int rc = cancelled_once_started(slow, 0);
  CHECK_INT(completed, 1); /* waited for the thread despite the cancellation */
  /* cancelled before entry: the thread never starts */
  started = 0;
  CHECK_INT(anyc_scope_open(&s), 0);
  anyc_scope_cancel(&s);
  rc = anyc_to_thread(slow, NULL, 0);
  CHECK_INT(rc, -ECANCELED);
  CHECK_INT(anyc_to_thread(slow, NULL, ANYC_ABANDON_ON_CANCEL), -ECANCELED);
  CHECK_INT(anyc_scope_close(&s, rc), 0);
  CHECK_INT(started, 0);
  return 0;
}

/* trio test_run_in_worker_thread_cancellation, abandon_on_cancel=False and pre-cancelled. */
static void test_trio_run_in_worker_thread_cancellation_wait(void **state)
{
  (void)state;
  reset();
  assert_int_equal(anyc_run(wait_main, NULL), 0);
  ASSERT_CHECKS();
  usleep(1000);
  assert_int_equal(started, 0);
}

/* async_time_bomb: cancel the host's scope, then sleep under fail_after(10). */
static int time_bomb(void *arg)
{
  anyc_scope *host_scope = arg, inner;
  anyc_scope_cancel(host_scope);
  CHECK_INT(anyc_fail_after(&inner, 10), 0);
  int rc = anyc_sleep(INFINITY);
  CHECK_INT(rc, -ECANCELED);
  rc = anyc_scope_close(&inner, rc);
  CHECK_INT(rc, -ECANCELED); /* the host's cancellation, not a timeout */
  return rc;
}

static int bomb_worker(void *arg) { return anyc_from_thread(time_bomb, arg); }

static int bomb_main(void *arg)
{
  (void)arg;
  anyc_scope s;
  CHECK_INT(anyc_scope_open(&s), 0);
  int rc = anyc_to_thread(bomb_worker, &s, 0);
  CHECK_INT(rc, -ECANCELED);
  CHECK_INT(anyc_scope_close(&s, rc), 0);
  CHECK(anyc_scope_cancelled_caught(&s));
  return 0;
}

/* trio test_from_thread_host_cancelled / anyio test_cancelscope_propagation (item 48). */
static void test_trio_from_thread_host_cancelled(void **state)
{
  (void)state;
  reset();
  assert_int_equal(anyc_run(bomb_main, NULL), 0);
  ASSERT_CHECKS();
}

static int check_cancelled(void *arg)
{
  (void)arg;
  return anyc_cancelled() ? -ECANCELED : 0;
}

static int checking_worker(void *arg)
{
  (void)arg;
  sem_wait(&go);
  int rc = anyc_from_thread(check_cancelled, NULL);
  if (rc < 0)
    return rc;
  after_check = 1;
  return 0;
}

static int canceller(void *arg)
{
  CHECK_INT(anyc_sleep(0.01), 0);
  anyc_scope_cancel(arg);
  sem_post(&go);
  return 0;
}

static int check_main(void *arg)
{
  (void)arg;
  anyc_group g;
  anyc_scope s;
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_scope_open(&s), 0);
  CHECK_INT(anyc_start_soon(&g, canceller, &s), 0);
  int rc = anyc_to_thread(checking_worker, NULL, 0);
  CHECK_INT(rc, -ECANCELED);
  CHECK_INT(anyc_scope_close(&s, rc), 0);
  return anyc_group_close(&g, 0);
}

/* anyio test_thread_cancelled (item 49): after the host is cancelled, a cancellation
 * check from the worker (a from_thread call in the host's scopes) fails, so the code
 * after it never runs. */
static void test_anyio_thread_cancelled(void **state)
{
  (void)state;
  reset();
  assert_int_equal(anyc_run(check_main, NULL), 0);
  ASSERT_CHECKS();
  assert_int_equal(after_check, 0);
}

static int system_call(void *arg)
{
  (void)arg;
  return anyc_cancelled() ? -ECANCELED : 7;
}

static atomic_int first_rc, late_rc;

static int abandoned_worker(void *arg)
{
  (void)arg;
  first_rc = anyc_from_thread(system_call, NULL); /* before abandonment: a system task */
  started = 1;
  sem_wait(&go);
  late_rc = anyc_from_thread(system_call, NULL); /* orphaned by now */
  sem_post(&finished);
  return 0;
}

static int host_abandons(void *arg)
{
  (void)arg;
  int rc = anyc_to_thread(abandoned_worker, NULL, ANYC_ABANDON_ON_CANCEL);
  CHECK_INT(rc, -ECANCELED);
  return rc;
}

static int abandon_calls_main(void *arg)
{
  (void)arg;
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon(&g, host_abandons, NULL), 0);
  for (int i = 0; i < 3000 && !started; i++)
    CHECK_INT(anyc_sleep(0.01), 0);
  CHECK_INT(started, 1);
  anyc_group_cancel(&g); /* abandons the running job */
  return anyc_group_close(&g, 0);
}

/* trio _threads.py: an abandon_on_cancel host's from_thread calls run in a system task;
 * once the job is abandoned they fail (-ECANCELED) instead of touching the run, which
 * has finished by then. */
static void test_trio_from_thread_after_abandon(void **state)
{
  (void)state;
  reset();
  first_rc = late_rc = 1;
  assert_int_equal(anyc_run(abandon_calls_main, NULL), 0);
  ASSERT_CHECKS();
  assert_int_equal(first_rc, 7);
  sem_post(&go);
  assert_int_equal(wait_sem(&finished), 0);
  assert_int_equal(late_rc, -ECANCELED);
}

/* ---- anyio test_cancel_worker_thread ---- */

struct worker_cancel {
  anyc_event sleeping, finished;
  unsigned flags;
  atomic_int last_active; /* 't' = task, 'w' = worker thread */
  atomic_int set_rc;
};

static int set_event(void *arg)
{
  anyc_event_set(arg);
  return 0;
}

static int thread_worker(void *arg)
{
  struct worker_cancel *w = arg;
  if (anyc_from_thread(set_event, &w->sleeping) != 0)
    return -1;
  usleep(200000);
  w->last_active = 'w';
  w->set_rc = anyc_from_thread(set_event, &w->finished);
  sem_post(&finished); /* an abandoned worker may still be here when the run ends */
  return 0;
}

static int task_worker(void *arg)
{
  struct worker_cancel *w = arg;
  int rc = anyc_to_thread(thread_worker, w, w->flags);
  w->last_active = 't';
  return rc;
}

static int worker_cancel_main(void *arg)
{
  struct worker_cancel *w = arg;
  anyc_group g;
  anyc_event_init(&w->sleeping);
  anyc_event_init(&w->finished);
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon(&g, task_worker, w), 0);
  CHECK_INT(anyc_event_wait(&w->sleeping), 0);
  anyc_group_cancel(&g);
  CHECK_INT(anyc_group_close(&g, 0), 0);
  CHECK_INT(anyc_event_wait(&w->finished), 0); /* set by the worker, abandoned or not */
  return 0;
}

/* anyio test_cancel_worker_thread: the host of an abandoned job returns at once (the
 * worker is the last active), a waiting host only after the thread; either way the
 * worker's later from_thread call still runs on the loop while the run lives (it used
 * to fail with -ECANCELED once the job was abandoned: the event was never set and the
 * run aborted as deadlocked). */
static void test_anyio_cancel_worker_thread(void **state)
{
  (void)state;
  static struct worker_cancel w;
  const unsigned flags[2] = {ANYC_ABANDON_ON_CANCEL, 0};
  const int last[2] = {'w', 't'};
  for (int i = 0; i < 2; i++) {
    reset();
    w.flags = flags[i];
    w.last_active = 0;
    w.set_rc = 1;
    assert_int_equal(anyc_run(worker_cancel_main, &w), 0);
    ASSERT_CHECKS();
    assert_int_equal(wait_sem(&finished), 0);
    assert_int_equal(w.set_rc, 0);
    assert_int_equal(w.last_active, last[i]);
  }
}

#define MANY 100

static int add_one(void *arg)
{
  int *x = arg;
  (*x)++;
  return 0;
}

static int many_child(void *arg)
{
  int rc = anyc_to_thread(add_one, arg, 0);
  CHECK_INT(rc, 0);
  return rc;
}

static int queued_blocker(void *arg)
{
  (void)arg;
  int rc = anyc_to_thread(blocker, NULL, 0);
  CHECK_INT(rc, 5);
  return 0;
}

static int never_runs(void *arg)
{
  (void)arg;
  started = 99;
  return 0;
}

static int cancel_queued(void *arg)
{
  anyc_scope s;
  CHECK_INT(anyc_move_on_after(&s, 0.05), 0);
  int rc = anyc_to_thread(never_runs, NULL, 0); /* all 40 threads are busy */
  CHECK_INT(rc, -ECANCELED);
  CHECK_INT(anyc_scope_close(&s, rc), 0);
  for (int i = 0; i < 40; i++)
    sem_post(&go);
  (void)arg;
  return 0;
}

static int many_main(void *arg)
{
  (void)arg;
  static int counters[MANY];
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  for (int i = 0; i < MANY; i++) {
    counters[i] = i;
    CHECK_INT(anyc_start_soon(&g, many_child, &counters[i]), 0);
  }
  CHECK_INT(anyc_group_close(&g, 0), 0);
  for (int i = 0; i < MANY; i++)
    CHECK_INT(counters[i], i + 1);
  /* 40 blocked jobs fill the pool; a 41st queues and, cancelled, is dropped. */
  started = 0;
  CHECK_INT(anyc_group_open(&g), 0);
  for (int i = 0; i < 40; i++)
    CHECK_INT(anyc_start_soon(&g, queued_blocker, NULL), 0);
  CHECK_INT(anyc_sleep(0.02), 0);
  CHECK_INT(anyc_start_soon(&g, cancel_queued, NULL), 0);
  CHECK_INT(anyc_group_close(&g, 0), 0);
  CHECK(started != 99);
  return 0;
}

/* More jobs than threads queue and all complete; a queued job is dropped on cancel. */
static void test_to_thread_pool_queues_and_drops(void **state)
{
  (void)state;
  reset();
  assert_int_equal(anyc_run(many_main, NULL), 0);
  ASSERT_CHECKS();
  for (int i = 0; i < 40; i++)
    assert_int_equal(wait_sem(&finished), 0);
}

static int oom_main(void *arg)
{
  (void)arg;
  int x = 3;
  anyc__alloc_fail_at(1);
  CHECK_INT(anyc_to_thread(square_on_worker, &x, 0), -ENOMEM);
  anyc__alloc_fail_at(2);
  CHECK_INT(anyc_to_thread(square_on_worker, &x, 0), -ENOMEM);
  CHECK_INT(x, 3);
  CHECK_INT(anyc_to_thread(square_on_worker, &x, 0), 42);
  return 0;
}

/* spec robustness: out of memory returns -ENOMEM and leaks nothing. */
static void test_to_thread_out_of_memory(void **state)
{
  (void)state;
  reset();
  assert_int_equal(anyc_run(oom_main, NULL), 0);
  ASSERT_CHECKS();
}

static int fork_child_main(void *arg)
{
  (void)arg;
  int x = 5;
  return anyc_to_thread(square_on_worker, &x, 0) == 42 && x == 25 ? 0 : 1;
}

/* A fork()ed child gets a working pool of its own (the parent's threads do not exist
 * there). */
static void test_to_thread_after_fork(void **state)
{
  (void)state;
  reset();
  assert_int_equal(anyc_run(fork_child_main, NULL), 0); /* the parent's pool has a thread */
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    loop_thread = pthread_self();
    _exit(anyc_run(fork_child_main, NULL) == 0 ? 0 : 1);
  }
  int st = 0;
  assert_int_equal(waitpid(pid, &st, 0), pid);
  assert_true(WIFEXITED(st));
  assert_int_equal(WEXITSTATUS(st), 0);
}

/* ---- loop state touched from a worker thread ---- */

static anyc_group *foreign_group;
static anyc_sender *foreign_tx;

static int cancel_from_worker(void *arg)
{
  (void)arg;
  anyc_group_cancel(foreign_group); /* wakes the sleeper: the loop's job */
  return 0;
}

static int send_from_worker(void *arg)
{
  (void)arg;
  return anyc_try_send(foreign_tx, NULL); /* hands the item to a parked receiver */
}

static int sleep_forever(void *arg)
{
  (void)arg;
  return anyc_sleep(INFINITY);
}

static int receive_one(void *arg)
{
  void *item;
  return anyc_receive(arg, &item);
}

/* Park `parker(arg)` in a group, then run `worker` on a thread while it is parked. */
static int park_then_worker(anyc_fn parker, void *arg, anyc_fn worker)
{
  anyc_group g;
  foreign_group = &g;
  (void)anyc_group_open(&g);
  (void)anyc_start_soon(&g, parker, arg);
  if (anyc_sleep(0.01) < 0) /* it parks */
    return anyc_group_close(&g, -1);
  int rc = anyc_to_thread(worker, NULL, 0);
  return anyc_group_close(&g, rc);
}

static int foreign_cancel_main(void *arg)
{
  (void)arg;
  return park_then_worker(sleep_forever, NULL, cancel_from_worker);
}

static int foreign_send_main(void *arg)
{
  (void)arg;
  anyc_receiver *rx;
  (void)anyc_channel_open(0, &foreign_tx, &rx);
  return park_then_worker(receive_one, rx, send_from_worker);
}

/* Trio: the loop's objects are touched from a worker thread only through
 * trio.from_thread.  anyc_group_cancel or a channel send from a worker would corrupt
 * the scheduler (a NULL runtime, then a segfault or a broken ready queue); they abort
 * with a message that names the right tool. */
static void test_trio_loop_objects_from_worker_thread_abort(void **state)
{
  (void)state;
  run_expect_abort(foreign_cancel_main, "use anyc_from_thread");
  run_expect_abort(foreign_send_main, "use anyc_from_thread");
}

/* An anyc_fail() message made in a to_thread worker comes back with its error, as an
 * exception raised in the thread does (AnyIO re-raises it in the caller); a worker
 * that fails but returns 0 leaves nothing behind. */
static int worker_fails(void *arg)
{
  return anyc_fail(-EIO, "disk %d full", *(int *)arg);
}

static int worker_recovers(void *arg)
{
  (void)arg;
  (void)anyc_fail(-EIO, "transient");
  return 0;
}

static int failing_child(void *arg)
{
  return anyc_to_thread(worker_fails, arg, 0);
}

static int recovered_child(void *arg)
{
  int rc = anyc_to_thread(worker_recovers, arg, 0);
  return rc == 0 ? -EPIPE : rc; /* an error of its own, with no message */
}

static int fail_msg_main(void *arg)
{
  (void)arg;
  static int disk = 3;
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon_named(&g, "writer", failing_child, &disk), 0);
  CHECK_INT(anyc_group_close(&g, 0), -EIO);
  anyc_error_info info = {0};
  CHECK_INT(anyc_error_at(0, &info), 0);
  CHECK(info.message && strcmp(info.message, "disk 3 full") == 0);
  CHECK(info.task && strcmp(info.task, "writer") == 0);

  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon_named(&g, "reader", recovered_child, NULL), 0);
  CHECK_INT(anyc_group_close(&g, 0), -EPIPE);
  CHECK_INT(anyc_error_at(0, &info), 0);
  CHECK(info.message == NULL);
  return 0;
}

static void test_to_thread_fail_message_reaches_caller(void **state)
{
  (void)state;
  checks_reset();
  assert_int_equal(anyc_run(fail_msg_main, NULL), 0);
  ASSERT_CHECKS();
  assert_int_equal(anyc_fail(-EIO, "nobody's"), -EIO); /* outside both: just the code */
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      TEST(test_to_thread_returns_status),
      TEST(test_trio_from_thread_in_a_task_of_a_worker_run_is_eperm),
      TEST(test_trio_run_in_worker_thread_cancellation_abandon),
      TEST(test_trio_run_in_worker_thread_cancellation_wait),
      TEST(test_trio_from_thread_host_cancelled),
      TEST(test_anyio_thread_cancelled),
      TEST(test_trio_from_thread_after_abandon),
      TEST(test_anyio_cancel_worker_thread),
      TEST(test_to_thread_pool_queues_and_drops),
      TEST(test_to_thread_out_of_memory),
      TEST(test_to_thread_after_fork),
      TEST(test_trio_loop_objects_from_worker_thread_abort),
      TEST(test_to_thread_fail_message_reaches_caller),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
