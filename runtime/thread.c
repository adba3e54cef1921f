/* thread.c — anyc_to_thread / anyc_from_thread: blocking work on worker threads.
 *
 * Why anyc has its own pool instead of uv_queue_work: libuv's pool is process-global,
 * 4 threads by default, sized once at startup (UV_THREADPOOL_SIZE), and shared with
 * libuv's own getaddrinfo and fs requests.  Four long to_thread jobs would stall every
 * anyc_tcp_connect name lookup in the process (a job waiting on a connection that needs
 * a lookup would deadlock), and a uv_work_t keeps its loop alive until the job returns,
 * so an abandoned job would keep anyc_run from returning.  The pool here is also
 * process-global (runs on several threads share it), starts empty, grows on demand up
 * to POOL_MAX threads (Trio's and AnyIO's default thread limit, 40) — beyond that jobs
 * queue — and a thread idle for IDLE_SECONDS exits.  Workers block every signal, so
 * signals reach the loop threads.  A fork()ed child starts with an empty pool.
 *
 * A job goes back to its run through the run's `door` (a uv_async_t plus two queues
 * under the pool mutex): finished jobs, and anyc_from_thread calls.  The door is open
 * only while the run has jobs it is waiting for, so an idle run has no handle keeping
 * its loop alive, the deadlock check in run.c still sees a run that waits for a worker
 * as alive, and no teardown hook is needed.
 *
 * Cancellation (AnyIO's rules; reference §1.7):
 *  - checked on entry: a cancelled caller never starts the thread;
 *  - a job still queued (all POOL_MAX threads busy) is simply dropped;
 *  - once running, without ANYC_ABANDON_ON_CANCEL the caller waits, shielded, for the
 *    thread and then returns -ECANCELED; with it the caller returns -ECANCELED at once
 *    and the job is orphaned: the worker frees it when fn returns, and its result is
 *    discarded.  fn and its arg must then not depend on the caller's frame.
 *
 * anyc_from_thread runs fn as a task on the loop and blocks the worker until it ends.
 * As in Trio, for a job without the flag the task runs in the host task's cancel scopes
 * (cancelling the host cancels it); for an ANYC_ABANDON_ON_CANCEL job it runs in the
 * run's root scope (a "system task"), because the host may abandon the job and leave
 * those scopes meanwhile.  An orphaned job's calls still run while the run lives (Trio
 * and AnyIO: the thread keeps its way back to the loop; AnyIO's test_cancel_worker_thread
 * sets an event the host's group waits for after abandoning it): the door stays open
 * for it, and the run, which never waits for an orphan, detaches it from the door when
 * it ends; from then on its calls return -ECANCELED (Trio's RunFinishedError).
 *
 * Job records are malloc'd directly (not anyc__malloc: the allocation counters are
 * thread-local and an orphaned job is freed by its worker), but the allocation is still
 * a fault site for the OOM tests.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>

#include "sync.h"

#define POOL_MAX 40
#define IDLE_SECONDS 10

enum { JOB_QUEUED, JOB_RUNNING, JOB_DONE };
/* What the caller's abort did with a job (loop thread only). */
enum { KEEP = 0, DROPPED, ORPHANED, WAIT };

struct door;

struct job {
  struct anyc__list link;   /* in the pool queue or door->done (under mu) */
  anyc_fn fn;
  void *arg;
  int status;               /* fn's result */
  int state;                /* JOB_* (under mu) */
  int orphan;               /* the caller left: the worker frees it (under mu); it is then
                               linked in door->orphans until it ends or the run does */
  int abandon;              /* ANYC_ABANDON_ON_CANCEL */
  struct door *door;        /* the run's way back */
  struct anyc__task *host;  /* the caller; loop thread only from here down */
  int parked;               /* the host is parked on the job */
  int delivered;            /* the door handed the result to the host */
  int *outcome;             /* KEEP / DROPPED / ORPHANED / WAIT, in the host's frame */
  char *fail_msg;           /* fn's anyc_fail() message (plain malloc: made on the worker) */
};

static void job_free(struct job *job)
{
  free(job->fail_msg);
  free(job);
}

/* An anyc_from_thread request, on the worker's stack. */
struct call {
  struct anyc__list link;   /* in door->calls (under mu) */
  struct job *job;
  anyc_fn fn;
  void *arg;
  int status, done;         /* under mu */
  pthread_cond_t cv;
  struct anyc__task *task;  /* the task running fn (loop thread) */
  struct anyc__list running;/* in door->running while that task lives (loop thread) */
};

struct door {
  uv_async_t async;
  struct anyc__list done;   /* finished jobs (under mu) */
  struct anyc__list calls;  /* pending from_thread calls (under mu) */
  struct anyc__list orphans;/* abandoned jobs still running (under mu) */
  struct anyc__list running;/* from_thread calls whose task lives (loop thread): they
                               belong to no group, so anyc_dump_tasks finds them here */
  size_t jobs;              /* jobs the run still waits for (loop thread) */
  int closing;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work_cv = PTHREAD_COND_INITIALIZER;
static struct anyc__list queue = {&queue, &queue};
static unsigned nthreads, nidle, nqueued;

static ANYC_TLS struct door *run_door;  /* the open door of this thread's run */
static ANYC_TLS struct job *worker_job; /* the job a worker thread is running */
static ANYC_TLS char *worker_fail_msg;   /* its pending anyc_fail() message */

int anyc__worker_fail(char *msg)
{
  if (!worker_job)
    return 0;
  free(worker_fail_msg);
  worker_fail_msg = msg;
  return 1;
}

/* ---- the pool ---- */

static void *worker_main(void *unused)
{
  (void)unused;
  pthread_mutex_lock(&mu);
  for (;;) {
    while (anyc__list_empty(&queue)) {
      struct timespec until;
      clock_gettime(CLOCK_REALTIME, &until);
      until.tv_sec += IDLE_SECONDS;
      nidle++;
      int rc = pthread_cond_timedwait(&work_cv, &mu, &until);
      nidle--;
      if (rc == ETIMEDOUT && anyc__list_empty(&queue)) {
        nthreads--;
        pthread_mutex_unlock(&mu);
        return NULL;
      }
    }
    struct job *job = anyc__container_of(queue.next, struct job, link);
    anyc__list_remove(&job->link);
    nqueued--;
    job->state = JOB_RUNNING;
    pthread_mutex_unlock(&mu);

    worker_job = job;
    int status = job->fn(job->arg);
    worker_job = NULL;
    char *msg = worker_fail_msg; /* goes back with an error, as an exception would */
    worker_fail_msg = NULL;
    if (status < 0)
      job->fail_msg = msg;
    else
      free(msg);

    pthread_mutex_lock(&mu);
    if (job->orphan) {
      struct door *d = job->door; /* NULL once its run has ended */
      anyc__list_remove(&job->link);
      if (d && anyc__list_empty(&d->orphans))
        uv_async_send(&d->async); /* the loop may close the door now */
      job_free(job);
    } else {
      job->status = status;
      job->state = JOB_DONE;
      anyc__list_push(&job->door->done, &job->link);
      uv_async_send(&job->door->async);
    }
  }
}

/* In a child of fork() only the forking thread exists: start from an empty pool (the
 * parent's queued jobs are not the child's to run). */
static void pool_after_fork(void)
{
  pthread_mutex_init(&mu, NULL);
  pthread_cond_init(&work_cv, NULL);
  anyc__list_init(&queue);
  nthreads = nidle = nqueued = 0;
  run_door = NULL;
}

static void pool_register_fork(void) { pthread_atfork(NULL, NULL, pool_after_fork); }

/* Queue a job, adding a thread when every idle one is spoken for. */
static int pool_submit(struct job *job)
{
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  int rc = 0;
  pthread_once(&once, pool_register_fork);
  pthread_mutex_lock(&mu);
  job->state = JOB_QUEUED;
  anyc__list_push(&queue, &job->link);
  nqueued++;
  if (nqueued > nidle && nthreads < POOL_MAX) {
    pthread_attr_t attr;
    pthread_t th;
    sigset_t all, old;
    sigfillset(&all);
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_sigmask(SIG_SETMASK, &all, &old); /* inherited by the worker */
    int err = pthread_create(&th, &attr, worker_main, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
    if (err == 0) {
      nthreads++;
    } else if (nthreads == 0) { /* nobody will ever run it */
      anyc__list_remove(&job->link);
      nqueued--;
      rc = -err;
    }
  }
  pthread_cond_signal(&work_cv);
  pthread_mutex_unlock(&mu);
  return rc;
}

/* ---- the door: worker -> loop ---- */

static void door_freed(uv_handle_t *h) { anyc__free(h->data); }

/* Close the door: orphans still running are cut off from the run (their calls fail from
 * now on), pending calls fail. */
static void door_close(struct door *d)
{
  d->closing = 1;
  if (run_door == d)
    run_door = NULL;
  pthread_mutex_lock(&mu);
  while (!anyc__list_empty(&d->orphans)) {
    struct job *job = anyc__container_of(d->orphans.next, struct job, link);
    anyc__list_remove(&job->link);
    job->door = NULL;
  }
  while (!anyc__list_empty(&d->calls)) {
    struct call *c = anyc__container_of(d->calls.next, struct call, link);
    anyc__list_remove(&c->link);
    c->status = -ECANCELED;
    c->done = 1;
    pthread_cond_signal(&c->cv);
  }
  pthread_mutex_unlock(&mu);
  uv_close((uv_handle_t *)&d->async, door_freed);
}

/* Close the door once the run waits for no job and no orphan may still call back. */
static void door_release(struct door *d)
{
  if (d->jobs > 0 || d->closing)
    return;
  pthread_mutex_lock(&mu);
  int orphans = !anyc__list_empty(&d->orphans);
  pthread_mutex_unlock(&mu);
  if (!orphans)
    door_close(d);
}

void anyc__threads_each_call(void (*fn)(struct anyc__task *t, void *arg), void *arg)
{
  if (!run_door)
    return;
  for (struct anyc__list *n = run_door->running.next; n != &run_door->running; n = n->next)
    fn(anyc__container_of(n, struct call, running)->task, arg);
}

void anyc__threads_run_end(void)
{
  if (run_door)
    door_close(run_door);
}

static int call_entry(void *arg)
{
  struct call *c = arg;
  int status = c->fn(c->arg);
  anyc__list_remove(&c->running); /* before the worker may return and free c */
  pthread_mutex_lock(&mu);
  c->status = status;
  c->done = 1;
  pthread_cond_signal(&c->cv);
  pthread_mutex_unlock(&mu);
  return 0;
}

static void start_call(struct call *c)
{
  struct job *job = c->job;
  struct anyc__scope *base = job->abandon ? anyc__rt->root_scope : job->host->cur_scope;
  int rc = anyc__task_spawn(NULL, base, "from_thread", call_entry, NULL, c, &c->task);
  if (rc == 0)
    anyc__list_push(&job->door->running, &c->running);
  if (rc < 0) {
    pthread_mutex_lock(&mu);
    c->status = rc;
    c->done = 1;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&mu);
  }
}

static void door_cb(uv_async_t *h)
{
  struct door *d = h->data;
  struct anyc__list done, calls;
  anyc__list_init(&done);
  anyc__list_init(&calls);
  pthread_mutex_lock(&mu);
  while (!anyc__list_empty(&d->done)) {
    struct anyc__list *n = d->done.next;
    anyc__list_remove(n);
    anyc__list_push(&done, n);
  }
  while (!anyc__list_empty(&d->calls)) {
    struct anyc__list *n = d->calls.next;
    anyc__list_remove(n);
    anyc__list_push(&calls, n);
  }
  pthread_mutex_unlock(&mu);
  while (!anyc__list_empty(&calls)) {
    struct anyc__list *n = calls.next;
    anyc__list_remove(n);
    start_call(anyc__container_of(n, struct call, link));
  }
  while (!anyc__list_empty(&done)) {
    struct job *job = anyc__container_of(done.next, struct job, link);
    anyc__list_remove(&job->link);
    job->delivered = 1;
    d->jobs--;
    if (job->parked) {
      job->parked = 0;
      anyc__wake(job->host, 0);
    }
  }
  door_release(d);
}

static int door_get(struct door **out)
{
  if (run_door) {
    *out = run_door;
    return 0;
  }
  struct door *d = anyc__malloc(sizeof *d);
  if (!d)
    return -ENOMEM;
  int rc = uv_async_init(&anyc__rt->loop, &d->async, door_cb);
  if (rc < 0) {
    anyc__free(d);
    return rc;
  }
  d->async.data = d;
  anyc__list_init(&d->done);
  anyc__list_init(&d->calls);
  anyc__list_init(&d->orphans);
  anyc__list_init(&d->running);
  d->jobs = 0;
  d->closing = 0;
  *out = run_door = d;
  return 0;
}

/* ---- anyc_to_thread ---- */

/* The host was cancelled while parked on the job (loop thread).  The decision goes to
 * the host's frame, not the job: an orphaned job belongs to its worker from the unlock
 * on, which may free it at once. */
static void job_abort(struct anyc__task *t)
{
  struct job *job = t->wait_obj;
  struct door *d = job->door;
  int *outcome = job->outcome;
  job->parked = 0;
  pthread_mutex_lock(&mu);
  if (job->state == JOB_QUEUED) {
    anyc__list_remove(&job->link);
    nqueued--;
    *outcome = DROPPED;
  } else if (!job->abandon) {
    *outcome = WAIT;
  } else if (job->state == JOB_RUNNING) {
    job->orphan = 1;
    *outcome = ORPHANED;
    anyc__list_push(&d->orphans, &job->link);
  } else { /* finished, not yet delivered: take it back from the door */
    anyc__list_remove(&job->link);
    *outcome = DROPPED;
  }
  pthread_mutex_unlock(&mu);
  if (*outcome != WAIT) {
    d->jobs--;
    door_release(d);
  }
}

int anyc_to_thread(anyc_fn fn, void *arg, unsigned flags)
{
  struct anyc__task *t = anyc__current();
  if (ANYC_UNLIKELY(!t))
    return -EPERM;
  if (!fn || (flags & ~(unsigned)ANYC_ABANDON_ON_CANCEL))
    return -EINVAL;
  if (anyc__task_cancelled(t))
    return -ECANCELED;
  if (anyc__alloc_should_fail())
    return -ENOMEM;
  struct job *job = calloc(1, sizeof *job);
  if (!job)
    return -ENOMEM;
  struct door *d;
  int rc = door_get(&d);
  if (rc < 0) {
    free(job);
    return rc;
  }
  job->fn = fn;
  job->arg = arg;
  job->abandon = (flags & ANYC_ABANDON_ON_CANCEL) != 0;
  job->door = d;
  job->host = t;
  int outcome = KEEP;
  job->outcome = &outcome;
  d->jobs++;
  rc = pool_submit(job);
  if (rc < 0) {
    free(job);
    d->jobs--;
    door_release(d);
    return rc;
  }
  job->parked = 1;
  rc = anyc__park("to_thread", job_abort, job);
  if (rc == 0) {
    rc = job->status;
    if (job->fail_msg) { /* the worker's anyc_fail() message becomes the caller's */
      char *m = anyc__strdup(job->fail_msg);
      if (m) {
        anyc__free(t->fail_msg);
        t->fail_msg = m;
      }
    }
    job_free(job);
    return rc;
  }
  /* Cancelled: job_abort decided who owns the job now. */
  if (outcome == WAIT) {
    while (!job->delivered) {
      job->parked = 1;
      anyc__park("to_thread (cancelled; waiting for the thread)", NULL, job);
    }
  }
  if (outcome != ORPHANED)
    job_free(job);
  return -ECANCELED;
}

/* ---- anyc_from_thread ---- */

int anyc_from_thread(anyc_fn fn, void *arg)
{
  struct job *job = worker_job;
  /* Not from a task either, even one of a run that a worker started on its own thread:
   * waiting here would stall that run's loop (Trio's deadlock guard: "this is a
   * blocking function; call it from a thread"). */
  if (!job || anyc__rt)
    return -EPERM;
  if (!fn)
    return -EINVAL;
  struct call c = {.job = job, .fn = fn, .arg = arg};
  pthread_cond_init(&c.cv, NULL);
  pthread_mutex_lock(&mu);
  if (!job->door) {
    c.status = -ECANCELED; /* an orphan whose run has ended */
  } else {
    anyc__list_push(&job->door->calls, &c.link);
    uv_async_send(&job->door->async);
    while (!c.done)
      pthread_cond_wait(&c.cv, &mu);
  }
  pthread_mutex_unlock(&mu);
  pthread_cond_destroy(&c.cv);
  return c.status;
}
