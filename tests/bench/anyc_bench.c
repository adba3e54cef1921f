/* anyc_bench.c — the runtime's micro-benchmarks, against the public API only.
 *
 * One program, one workload per run:  anyc_bench <workload> [n]
 * Workloads (the same ones are written for Trio/AnyIO in py/bench.py and for Go in
 * go/main.go, so compare.sh can put them side by side):
 *   spawn_join       n no-op tasks started in one group, then the group closed; ns/task
 *   spawn_batch      the same in groups of BATCH (1,000) tasks, n tasks in all: the
 *                    working set stays in cache, as for a server spawning per request
 *   yield_pingpong   two tasks alternating anyc_sleep(0), n rounds each; ns/switch
 *   sleepers         n tasks sleeping 10 s: spawn ns/task, RSS bytes/task once all are
 *                    asleep, cancel ns/task (anyc_group_cancel + close)
 *   timeout_scope    anyc_move_on_after(10 s) around one anyc_checkpoint, n times; ns/op
 *   checkpoint_only  anyc_checkpoint, n times; ns/op
 * Each prints one machine-readable line of key=value pairs ("impl=anyc workload=...").
 * The timed workloads first run a warm-up pass (a tenth of n) so the stack pool and the
 * caches are in steady state, as a long-running server would be; sleepers is cold, on
 * purpose (its spawn figure includes taking fresh stacks).
 * ANYC_BENCH_STACK_SIZE=<bytes> in the environment sets anyc_config.stack_size (default:
 * the runtime's), to see how stack spacing changes the memory-bound workloads.
 * Timing is CLOCK_MONOTONIC around the measured section, not anyc_now(), which is the
 * loop's cached clock.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "anyc.h"

struct bench {
  const char *workload;
  long n;
};

static double now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Profiling only the measured section (tests/bench/profile.sh): with
 * ANYC_BENCH_PERF_CTL=<ctl fifo>:<ack fifo> set, `perf record -D -1 --control=fifo:...`
 * is told to enable sampling when a section begins and to disable it when it ends, so the
 * warm-up, the set-up and the teardown stay out of the profile.  ANYC_BENCH_PHASE picks
 * one section of a workload that has several (sleepers: "spawn" or "cancel"). */
static void perf_ctl(const char *cmd)
{
  static int ctl = -2, ack = -1;
  if (ctl == -2) {
    const char *spec = getenv("ANYC_BENCH_PERF_CTL");
    const char *colon = spec ? strchr(spec, ':') : NULL;
    ctl = -1;
    if (colon) {
      char path[4096];
      snprintf(path, sizeof path, "%.*s", (int)(colon - spec), spec);
      ctl = open(path, O_WRONLY);
      ack = open(colon + 1, O_RDONLY);
    }
  }
  if (ctl < 0)
    return;
  char buf[16];
  if (write(ctl, cmd, strlen(cmd)) < 0 || (ack >= 0 && read(ack, buf, sizeof buf) < 0))
    perror("anyc_bench: perf control");
}

static int profiled(const char *phase)
{
  const char *want = getenv("ANYC_BENCH_PHASE");
  return !want || !phase || strcmp(want, phase) == 0;
}

/* Start / end a measured section; both return CLOCK_MONOTONIC in ns. */
static double section_begin(const char *phase)
{
  if (profiled(phase))
    perf_ctl("enable\n");
  return now_ns();
}

static double section_end(const char *phase)
{
  double t = now_ns();
  if (profiled(phase))
    perf_ctl("disable\n");
  return t;
}

/* Resident set size in bytes (second field of /proc/self/statm, in pages). */
static long rss_bytes(void)
{
  long size = 0, resident = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (!f)
    return -1;
  if (fscanf(f, "%ld %ld", &size, &resident) != 2)
    resident = -1;
  fclose(f);
  return resident < 0 ? -1 : resident * sysconf(_SC_PAGESIZE);
}

static int fail(const char *what, int rc)
{
  fprintf(stderr, "anyc_bench: %s: %s\n", what, anyc_strerror(rc));
  return rc;
}

static void report(const struct bench *b, const char *metric, double value)
{
  printf("impl=anyc workload=%s n=%ld %s=%.1f\n", b->workload, b->n, metric, value);
}

/* ---- spawn_join --------------------------------------------------------------------- */

static int noop(void *arg)
{
  (void)arg;
  return 0;
}

static int spawn_join_round(long n)
{
  anyc_group g;
  int rc = anyc_group_open(&g);
  if (rc < 0)
    return fail("anyc_group_open", rc);
  for (long i = 0; i < n && rc == 0; i++)
    rc = anyc_start_soon(&g, noop, NULL);
  if (rc < 0)
    fail("anyc_start_soon", rc);
  return anyc_group_close(&g, rc);
}

static int bench_spawn_join(void *arg)
{
  const struct bench *b = arg;
  int rc = spawn_join_round(b->n / 10 + 1);
  if (rc < 0)
    return rc;
  double t0 = section_begin(NULL);
  rc = spawn_join_round(b->n);
  double t1 = section_end(NULL);
  if (rc < 0)
    return fail("spawn_join", rc);
  report(b, "ns_per_op", (t1 - t0) / (double)b->n);
  return 0;
}

#define BATCH 1000

static int spawn_batch_rounds(long n)
{
  for (long done = 0; done < n; done += BATCH) {
    int rc = spawn_join_round(BATCH);
    if (rc < 0)
      return rc;
  }
  return 0;
}

static int bench_spawn_batch(void *arg)
{
  const struct bench *b = arg;
  long n = (b->n + BATCH - 1) / BATCH * BATCH; /* whole batches */
  int rc = spawn_batch_rounds(n / 10 + 1);
  if (rc < 0)
    return rc;
  double t0 = section_begin(NULL);
  rc = spawn_batch_rounds(n);
  double t1 = section_end(NULL);
  if (rc < 0)
    return fail("spawn_batch", rc);
  report(b, "ns_per_op", (t1 - t0) / (double)n);
  return 0;
}

/* ---- yield_pingpong ----------------------------------------------------------------- */

static int yielder(void *arg)
{
  long rounds = *(const long *)arg;
  for (long i = 0; i < rounds; i++) {
    int rc = anyc_sleep(0);
    if (rc < 0)
      return rc;
  }
  return 0;
}

static int pingpong_round(long rounds)
{
  anyc_group g;
  int rc = anyc_group_open(&g);
  if (rc < 0)
    return fail("anyc_group_open", rc);
  if (rc == 0)
    rc = anyc_start_soon(&g, yielder, &rounds);
  if (rc == 0)
    rc = anyc_start_soon(&g, yielder, &rounds);
  return anyc_group_close(&g, rc);
}

static int bench_yield_pingpong(void *arg)
{
  const struct bench *b = arg;
  int rc = pingpong_round(b->n / 10 + 1);
  if (rc < 0)
    return rc;
  anyc_stats s0, s1;
  anyc_get_stats(&s0);
  double t0 = section_begin(NULL);
  rc = pingpong_round(b->n);
  double t1 = section_end(NULL);
  anyc_get_stats(&s1);
  if (rc < 0)
    return fail("yield_pingpong", rc);
  /* One op = one switch: each of the 2n sleeps hands the thread to the other task. */
  printf("impl=anyc workload=%s n=%ld ns_per_op=%.1f runtime_switches=%llu\n", b->workload,
         b->n, (t1 - t0) / (2.0 * (double)b->n),
         (unsigned long long)(s1.switches - s0.switches));
  return 0;
}

/* ---- sleepers ----------------------------------------------------------------------- */

static long asleep; /* sleepers that have reached their sleep */

static int sleeper(void *arg)
{
  (void)arg;
  asleep++;
  return anyc_sleep(10.0);
}

static int bench_sleepers(void *arg)
{
  const struct bench *b = arg;
  anyc_group g;
  int rc = anyc_group_open(&g);
  if (rc < 0)
    return fail("anyc_group_open", rc);
  long rss0 = rss_bytes();
  double t0 = section_begin("spawn");
  for (long i = 0; i < b->n && rc == 0; i++)
    rc = anyc_start_soon(&g, sleeper, NULL);
  /* The children run once this task checkpoints; loop until every one is asleep. */
  while (rc == 0 && asleep < b->n)
    rc = anyc_sleep(0);
  double t1 = section_end("spawn");
  long rss1 = rss_bytes();
  if (rc < 0) {
    fail("spawning sleepers", rc);
    anyc_group_cancel(&g);
    return anyc_group_close(&g, rc);
  }
  double t2 = section_begin("cancel");
  anyc_group_cancel(&g);
  rc = anyc_group_close(&g, 0);
  double t3 = section_end("cancel");
  if (rc < 0)
    return fail("anyc_group_close", rc);
  printf("impl=anyc workload=%s n=%ld spawn_ns_per_task=%.1f rss_bytes_per_task=%.1f "
         "cancel_ns_per_task=%.1f\n",
         b->workload, b->n, (t1 - t0) / (double)b->n,
         (double)(rss1 - rss0) / (double)b->n, (t3 - t2) / (double)b->n);
  return 0;
}

/* ---- timeout_scope / checkpoint_only ------------------------------------------------ */

static int scope_loop(long n)
{
  for (long i = 0; i < n; i++) {
    anyc_scope s;
    int rc = anyc_move_on_after(&s, 10.0);
    if (rc < 0)
      return fail("anyc_move_on_after", rc);
    rc = anyc_scope_close(&s, anyc_checkpoint());
    if (rc < 0)
      return fail("timeout_scope", rc);
  }
  return 0;
}

static int checkpoint_loop(long n)
{
  for (long i = 0; i < n; i++) {
    int rc = anyc_checkpoint();
    if (rc < 0)
      return fail("anyc_checkpoint", rc);
  }
  return 0;
}

static int bench_loop(const struct bench *b, int (*loop)(long))
{
  int rc = loop(b->n / 10 + 1);
  if (rc < 0)
    return rc;
  double t0 = section_begin(NULL);
  rc = loop(b->n);
  double t1 = section_end(NULL);
  if (rc < 0)
    return rc;
  report(b, "ns_per_op", (t1 - t0) / (double)b->n);
  return 0;
}

static int bench_timeout_scope(void *arg) { return bench_loop(arg, scope_loop); }
static int bench_checkpoint_only(void *arg) { return bench_loop(arg, checkpoint_loop); }

/* ---- main --------------------------------------------------------------------------- */

static const struct {
  const char *name;
  anyc_fn fn;
  long default_n;
} workloads[] = {
  { "spawn_join", bench_spawn_join, 1000000 },
  { "spawn_batch", bench_spawn_batch, 1000000 },
  { "yield_pingpong", bench_yield_pingpong, 1000000 },
  { "sleepers", bench_sleepers, 100000 },
  { "timeout_scope", bench_timeout_scope, 1000000 },
  { "checkpoint_only", bench_checkpoint_only, 1000000 },
};

int main(int argc, char **argv)
{
  const size_t count = sizeof workloads / sizeof workloads[0];
  if (argc < 2 || argc > 3) {
    fprintf(stderr, "usage: %s <workload> [n]\nworkloads:", argv[0]);
    for (size_t i = 0; i < count; i++)
      fprintf(stderr, " %s", workloads[i].name);
    fputc('\n', stderr);
    return 2;
  }
  for (size_t i = 0; i < count; i++) {
    if (strcmp(argv[1], workloads[i].name) != 0)
      continue;
    struct bench b = { workloads[i].name, workloads[i].default_n };
    if (argc == 3) {
      char *end;
      b.n = strtol(argv[2], &end, 10);
      if (*end || b.n <= 0) {
        fprintf(stderr, "anyc_bench: bad n '%s'\n", argv[2]);
        return 2;
      }
    }
    anyc_config cfg = { 0, 0, 0.0 };
    const char *stack = getenv("ANYC_BENCH_STACK_SIZE");
    if (stack)
      cfg.stack_size = (size_t)strtoul(stack, NULL, 10);
    int rc = anyc_run_with(&cfg, workloads[i].fn, &b);
    if (rc < 0) {
      fprintf(stderr, "anyc_bench: %s failed: %s\n", b.workload, anyc_strerror(rc));
      return 1;
    }
    return 0;
  }
  fprintf(stderr, "anyc_bench: unknown workload '%s'\n", argv[1]);
  return 2;
}
