/* run.c — anyc_run(): one run, its libuv loop, and the scheduler's loop-side half.
 *
 * A run owns a private uv_loop_t, a stack pool, a deadline heap and a root cancel scope,
 * all on the heap and reachable through the thread-local anyc__rt, so runs on different
 * threads are independent and a run inside a task is refused (-EBUSY).
 *
 * The scheduler loop runs on the thread's own stack:
 *
 *   while tasks are alive:
 *       run ready tasks (they switch among themselves; we get the CPU back when the
 *                        queue empties or the switch budget is spent)
 *       poll: fire due deadlines, then one libuv turn — non-blocking if tasks are
 *             still ready, else blocking until I/O or the earliest deadline
 *
 * With mock_clock the deadlines are virtual: when every task is blocked (and libuv has
 * nothing ready, or nothing within autojump_threshold real seconds), time jumps to the
 * earliest deadline, as trio.testing.MockClock's autojump does.
 *
 * If every task is blocked and nothing — no deadline, no libuv handle or request — can
 * ever wake one, the run cannot make progress: it prints the task tree and aborts rather
 * than hang (Trio would hang forever).
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

#ifdef ANYC_TSAN
#include <sanitizer/tsan_interface.h>
#endif

static ANYC_TLS anyc_stats last_stats; /* of the last finished run on this thread */

void anyc_get_stats(anyc_stats *out)
{
  if (!out)
    return;
  *out = anyc__rt ? anyc__rt->stats : last_stats;
}

/* The deadline timer only has to end the loop turn.  It may fire in the turn's
 * pre-poll timer phase (its due time already passed by then); without uv_stop, a
 * UV_RUN_ONCE turn would then go on to poll with no timer left — forever, if no I/O
 * comes (a hang the swarm corpus program hit under load). */
static void on_timer(uv_timer_t *h) { uv_stop(h->loop); }

/* How far CLOCK_MONOTONIC_COARSE may lag the precise clock: two of its ticks (0 when the
 * coarse clock is the precise one). */
static double coarse_slack(void)
{
#ifdef CLOCK_MONOTONIC_COARSE
  struct timespec res;
  if (clock_getres(CLOCK_MONOTONIC_COARSE, &res) == 0)
    return 2 * ((double)res.tv_sec + (double)res.tv_nsec * 1e-9);
  return 0.1; /* unknown: read the precise clock within 100 ms of a deadline */
#else
  return 0;
#endif
}

static void arm_timer(struct anyc__runtime *rt, double seconds)
{
  uv_update_time(&rt->loop); /* relative to now, not to the loop's cached time */
  double ms = ceil(seconds * 1000.0);
  if (ms < 0)
    ms = 0;
  if (ms > 1e12)
    ms = 1e12;
  uv_timer_start(&rt->timer, on_timer, (uint64_t)ms, 0);
}

static void deadlock(void)
{
  fprintf(stderr, "anyc: deadlock: every task is blocked and nothing can wake them\n");
  anyc_dump_tasks(stderr);
  fflush(stderr);
  abort();
}

/* One loop turn on the real clock; blocks only if may_block and nothing is ready. */
static void poll_real(struct anyc__runtime *rt, int may_block)
{
  anyc__timers_expire(anyc__real_now());
  if (rt->ready_head || !may_block) {
    uv_run(&rt->loop, UV_RUN_NOWAIT);
  } else {
    double next = anyc__timer_next();
    if (next < INFINITY)
      arm_timer(rt, next - anyc__real_now());
    if (!uv_loop_alive(&rt->loop))
      deadlock();
    uv_run(&rt->loop, UV_RUN_ONCE);
    uv_timer_stop(&rt->timer);
  }
  anyc__timers_expire(anyc__real_now());
}

/* One loop turn on the virtual clock: I/O first, then autojump when all are blocked. */
static void poll_mock(struct anyc__runtime *rt, int may_block)
{
  anyc__timers_expire(rt->mock_now);
  uv_run(&rt->loop, UV_RUN_NOWAIT);
  if (rt->ready_head || !may_block)
    return;
  double next = anyc__timer_next();
  if (rt->autojump > 0) {
    /* Wait up to the threshold in real time for I/O to make a task ready. */
    arm_timer(rt, rt->autojump);
    uv_run(&rt->loop, UV_RUN_ONCE);
    int timed_out = !uv_is_active((uv_handle_t *)&rt->timer);
    uv_timer_stop(&rt->timer);
    if (rt->ready_head || !timed_out)
      return;
  }
  if (next < INFINITY) {
    if (next > rt->mock_now)
      rt->mock_now = next;
    anyc__timers_expire(rt->mock_now);
    return;
  }
  if (!uv_loop_alive(&rt->loop))
    deadlock();
  uv_run(&rt->loop, UV_RUN_ONCE);
}

static void schedule(struct anyc__runtime *rt)
{
  for (;;) {
    struct anyc__task *next = anyc__next_ready();
    if (next) {
      rt->budget = ANYC__SWITCH_BUDGET;
      anyc__switch_to(rt, next);
      if (!rt->ready_head)
        continue; /* the queue emptied: the next pass polls, blocking */
    } else if (rt->stats.alive == 0) {
      return;
    }
    if (rt->mock_clock)
      poll_mock(rt, rt->ready_head == NULL);
    else
      poll_real(rt, rt->ready_head == NULL);
  }
}

static void on_close(uv_handle_t *h) { (void)h; }

/* Release a run (fully or partly set up); the loop is closed if it was initialised. */
/* A handle the program never closed (a stream, a listener): close it so the loop can be
 * closed rather than spun forever; its memory is lost, as the program lost it. */
static void close_leftover(uv_handle_t *h, void *arg)
{
  (void)arg;
  if (!uv_is_closing(h))
    uv_close(h, NULL);
}

static void destroy(struct anyc__runtime *rt)
{
  if (rt->loop.data == rt) {
    uv_close((uv_handle_t *)&rt->timer, on_close);
    uv_walk(&rt->loop, close_leftover, NULL);
    /* Run until every close callback (and any request still in flight, such as a
     * resolver lookup a cancelled connect left behind) has completed. */
    do
      uv_run(&rt->loop, UV_RUN_DEFAULT);
    while (uv_loop_close(&rt->loop) == UV_EBUSY);
  }
  anyc__channels_release(rt);
  anyc__stack_pool_destroy(rt->stacks);
  anyc__task_slabs_free(rt);
  anyc__free(rt->heap);
  anyc__free(rt->removed);
  anyc__free(rt->root_scope);
  anyc__free(rt);
}

#ifdef ANYC_ASAN
static void learn_thread_stack(struct anyc__runtime *rt)
{
  pthread_attr_t attr;
  void *addr = NULL;
  size_t size = 0;
  if (pthread_getattr_np(pthread_self(), &attr) == 0) {
    pthread_attr_getstack(&attr, &addr, &size);
    pthread_attr_destroy(&attr);
  }
  rt->sched_stack_lo = addr;
  rt->sched_stack_size = size;
}
#endif

int anyc_run_with(const anyc_config *cfg, anyc_fn main_fn, void *arg)
{
  if (anyc__rt)
    return -EBUSY;
  if (!main_fn)
    return -EINVAL;
  anyc_config c = {0, 0, 0.0};
  if (cfg)
    c = *cfg;
  if (isnan(c.autojump_threshold) || c.autojump_threshold < 0)
    return -EINVAL;

  struct anyc__runtime *rt = anyc__calloc(1, sizeof *rt);
  if (!rt)
    return -ENOMEM;
  int rc = -ENOMEM;
  rt->root_scope = anyc__malloc(sizeof *rt->root_scope);
  if (!rt->root_scope)
    goto fail;
  anyc__scope_init_root(rt->root_scope);
  rc = anyc__stack_pool_init(&rt->stacks, c.stack_size);
  if (rc < 0)
    goto fail;
  rc = uv_loop_init(&rt->loop);
  if (rc < 0)
    goto fail;
  rt->loop.data = rt;
  uv_timer_init(&rt->loop, &rt->timer);
  rt->mock_clock = c.mock_clock != 0;
  rt->coarse_slack = coarse_slack();
  rt->autojump = c.autojump_threshold;
  rt->mock_now = 0.0;
#ifdef ANYC_ASAN
  learn_thread_stack(rt);
#endif
#ifdef ANYC_TSAN
  rt->sched_tsan_fiber = __tsan_get_current_fiber();
#endif

  anyc__rt = rt;
  rc = anyc__task_spawn(NULL, rt->root_scope, "main", main_fn, NULL, arg, &rt->main);
  if (rc < 0) {
    anyc__rt = NULL;
    goto fail;
  }
  rc = anyc__overflow_handler_install();
  if (rc < 0) {
    /* main never ran: release it by hand */
    rt->ready_head = rt->ready_tail = NULL;
    anyc__list_remove(&rt->main->scope_link);
    anyc__task_free(rt->main);
    anyc__rt = NULL;
    goto fail;
  }
  schedule(rt);
  anyc__threads_run_end();
  anyc__overflow_handler_remove();
  rc = rt->main_status;
  last_stats = rt->stats;
  anyc__rt = NULL;
  destroy(rt);
  return rc;

fail:
  destroy(rt);
  return rc;
}

int anyc_run(anyc_fn main_fn, void *arg) { return anyc_run_with(NULL, main_fn, arg); }
