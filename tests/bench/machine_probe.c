/* machine_probe.c — the machine's costs that bound anyc's figures, measured the same run.
 *
 * The runtime's large-N workloads are memory-bound, not instruction-bound: spawning a
 * sleeper first-touches a stack page, cancelling one resumes a task whose stack page has
 * long left every cache and TLB.  What that costs varies tenfold between bare metal and a
 * VM with nested paging, so compare.sh prints these next to the results:
 *   clock_ns        one clock_gettime(CLOCK_MONOTONIC) (anyc_now on the real clock)
 *   fault_ns        first touch of a fresh anonymous page (page fault + zeroing)
 *   cold_<s>_ns     one dependent load per slot, slots <s> bytes apart, 200,000 slots,
 *                   each on its own page or line: 135168 = anyc's default stack slot
 *                   (128 KiB + guard page), 4096 = one page each, 256 = task structs
 * Prints one key=value line.  No anyc involved.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

static double now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double clock_cost(void)
{
  enum { N = 2000000 };
  struct timespec ts;
  double t0 = now_ns();
  for (int i = 0; i < N; i++)
    clock_gettime(CLOCK_MONOTONIC, &ts);
  return (now_ns() - t0) / N;
}

static void *map(size_t len)
{
  void *m = mmap(NULL, len, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (m == MAP_FAILED) {
    perror("machine_probe: mmap");
    exit(1);
  }
  return m;
}

static double fault_cost(void)
{
  const size_t pages = 8192, page = 4096; /* 32 MiB */
  volatile char *m = map(pages * page);
  double t0 = now_ns();
  for (size_t i = 0; i < pages; i++)
    m[i * page] = 1;
  double t = (now_ns() - t0) / (double)pages;
  munmap((void *)m, pages * page);
  return t;
}

/* A pointer chain through `slots` slots `stride` bytes apart, walked in slot order (as
 * the ready queue walks a crowd of tasks): every load depends on the previous one. */
static double cold_cost(size_t stride)
{
  const size_t slots = 200000, at = stride >= 128 ? stride - 64 : 0;
  char *m = map(slots * stride);
  for (size_t i = 0; i < slots; i++)
    *(char **)(m + i * stride + at) = m + ((i + 1) % slots) * stride + at;
  double best = 1e18;
  for (int round = 0; round < 3; round++) {
    char *p = m + at;
    double t0 = now_ns();
    for (size_t i = 0; i < slots; i++)
      p = *(char **)p;
    double t = (now_ns() - t0) / (double)slots;
    if (p != m + at)
      abort(); /* the chain is a cycle; also keeps the loads alive */
    if (t < best)
      best = t;
  }
  munmap(m, slots * stride);
  return best;
}

int main(void)
{
  printf("impl=machine clock_ns=%.1f fault_ns=%.0f cold_135168_ns=%.0f cold_4096_ns=%.0f "
         "cold_256_ns=%.1f\n",
         clock_cost(), fault_cost(), cold_cost(135168), cold_cost(4096), cold_cost(256));
  return 0;
}
