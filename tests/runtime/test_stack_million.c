/* test_stack_million.c — runtime/stack.c at scale: 1,000,000 concurrent sleeping tasks
 * with the default stack size, on an unmodified system (vm.max_map_count 65,530).
 * Labelled "slow": skipped in the sanitizer and valgrind runs. */
#include <errno.h>

#include "anyc_test.h"

#define MILLION 1000000

static int sleeper(void *arg)
{
  (void)arg;
  return anyc_sleep(10);
}

static int million(void *arg)
{
  (void)arg;
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  for (int i = 0; i < MILLION; i++) {
    int rc = anyc_start_soon(&g, sleeper, NULL);
    if (rc < 0) {
      CHECK_INT(rc, 0);
      break;
    }
  }
  CHECK_INT(anyc_sleep(1), 0); /* every task has run and is asleep */
  anyc_stats st;
  anyc_get_stats(&st);
  CHECK_INT(st.alive, MILLION + 1);
  anyc_group_cancel(&g);
  CHECK_INT(anyc_group_close(&g, 0), 0);
  anyc_get_stats(&st);
  CHECK_INT(st.alive, 1);
  return 0;
}

static void test_stack_million_sleeping_tasks(void **state)
{
  (void)state;
  checks_reset();
  anyc_config c = {0, 1, 0.0}; /* default stack size */
  assert_int_equal(anyc_run_with(&c, million, NULL), 0);
  ASSERT_CHECKS();
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      TEST(test_stack_million_sleeping_tasks),
  };
  return cmocka_run_group_tests_name("runtime/stack_million", tests, NULL, NULL);
}
