/* test_stack.c — runtime/stack.c: guarded pooled stacks and overflow reporting. */
#include <errno.h>
#include <stdio.h>

#include "abort_helper.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

static int mappings(void)
{
  FILE *f = fopen("/proc/self/maps", "r");
  int n = 0, c;
  if (!f)
    return -1;
  while ((c = fgetc(f)) != EOF)
    n += c == '\n';
  fclose(f);
  return n;
}

static volatile int limit = 1 << 30; /* never reached: the stack overflows first */

__attribute__((noinline)) static int recurse(volatile char *prev, int depth)
{
  volatile char frame[512];
  frame[0] = (char)depth;
  frame[511] = prev ? prev[0] : 0;
  if (depth >= limit)
    return 0;
  return recurse(frame, depth + 1) + frame[1];
}

static int canary_victim(void *arg);

static int overflow(void *arg)
{
  (void)arg;
  return recurse(NULL, 0);
}

/* spec: "Overflowing one prints `anyc: stack overflow in task '<name>' (stack <N>
 * bytes)` and aborts — never silent corruption." */
static void test_stack_overflow_is_reported(void **state)
{
  (void)state;
#ifdef UNDER_ASAN
  (void)overflow;
  (void)canary_victim;
  skip(); /* ASan owns SIGSEGV and reports the overflow itself */
#else
  anyc_config c = {64u << 10, 0, 0};
  run_expect_abort_cfg(&c, overflow, "anyc: stack overflow in task 'main' (stack 65536 bytes)");
#endif
}

void anyc__stack_force_guard_mode(int mode);

/* The fallbacks for kernels without MADV_GUARD_INSTALL: an mprotect guard page reports
 * the same way. */
static void test_stack_overflow_reported_with_mprotect_guard(void **state)
{
  (void)state;
#ifdef UNDER_ASAN
  skip();
#else
  anyc__stack_force_guard_mode(1);
  anyc_config c = {64u << 10, 0, 0};
  run_expect_abort_cfg(&c, overflow, "anyc: stack overflow in task 'main' (stack 65536 bytes)");
  anyc__stack_force_guard_mode(-1);
#endif
}

__attribute__((noinline)) static int overrun_by(size_t bytes)
{
  volatile char big[96u << 10];
  for (size_t i = 0; i < bytes && i < sizeof big; i++)
    big[i] = 1;
  return big[0];
}

static int overrun_then_switch(void *arg)
{
  (void)arg;
  overrun_by(96u << 10); /* runs past a 64 KiB stack, into the canary and beyond */
  return anyc_checkpoint();
}

static int canary_victim(void *arg)
{
  (void)arg;
  anyc_group g;
  anyc_group_open(&g);
  anyc_start_soon_named(&g, "overrunner", overrun_then_switch, NULL);
  return anyc_group_close(&g, 0);
}

/* ...and past the mprotect budget, a canary checked at every switch still catches it. */
static void test_stack_overflow_reported_with_canary(void **state)
{
  (void)state;
#ifdef UNDER_ASAN
  skip();
#else
  anyc__stack_force_guard_mode(2);
  anyc_config c = {64u << 10, 0, 0};
  run_expect_abort_cfg(&c, canary_victim,
                       "anyc: stack overflow in task 'overrunner' (stack 65536 bytes)");
  anyc__stack_force_guard_mode(-1);
#endif
}

static int noop(void *arg)
{
  (void)arg;
  return 0;
}

static int serial_tasks(void *arg)
{
  int *maps_growth = arg;
  int before = mappings();
  for (int round = 0; round < 100; round++) {
    anyc_group g;
    CHECK_INT(anyc_group_open(&g), 0);
    for (int i = 0; i < 100; i++)
      CHECK_INT(anyc_start_soon(&g, noop, NULL), 0);
    CHECK_INT(anyc_group_close(&g, 0), 0);
  }
  *maps_growth = mappings() - before;
  return 0;
}

/* Stacks are reused from the pool: 10,000 short tasks add (almost) no mappings. */
static void test_stack_pool_reuses_stacks(void **state)
{
  (void)state;
  checks_reset();
  int growth = 99;
  assert_int_equal(anyc_run(serial_tasks, &growth), 0);
  ASSERT_CHECKS();
  assert_true(growth <= 2);
}

static int sleeper(void *arg)
{
  (void)arg;
  return anyc_sleep(INFINITY);
}

#define MANY 40000

static int many_live(void *arg)
{
  int *maps = arg;
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  for (int i = 0; i < MANY; i++)
    CHECK_INT(anyc_start_soon(&g, sleeper, NULL), 0);
  CHECK_INT(anyc_sleep(1), 0);
  anyc_stats st;
  anyc_get_stats(&st);
  CHECK_INT(st.alive, MANY + 1);
  *maps = mappings();
  anyc_group_cancel(&g);
  return anyc_group_close(&g, 0);
}

/* 40,000 live guarded stacks — past libdill's ~32.7k ceiling (two mappings per stack
 * against vm.max_map_count) — without running out of mappings. */
static void test_stack_many_live_tasks_few_mappings(void **state)
{
  (void)state;
  checks_reset();
  int maps = 0;
  anyc_config c = {16u << 10, 1, 0};
  assert_int_equal(anyc_run_with(&c, many_live, &maps), 0);
  ASSERT_CHECKS();
  assert_true(maps < 20000);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      TEST(test_stack_overflow_is_reported),
      TEST(test_stack_overflow_reported_with_mprotect_guard),
      TEST(test_stack_overflow_reported_with_canary),
      TEST(test_stack_pool_reuses_stacks),
      TEST(test_stack_many_live_tasks_few_mappings),
  };
  return cmocka_run_group_tests_name("runtime/stack", tests, NULL, NULL);
}
