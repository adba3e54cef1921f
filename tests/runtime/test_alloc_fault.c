/* test_alloc_fault.c — every runtime allocation site, failed in turn (runtime/alloc.c).
 *
 * The scenario uses every allocating feature: the run itself, task structs, stacks,
 * names, deadlines in the heap (which grows), anyc_fail messages and error records,
 * anyc_start.  Run k makes the k-th allocation fail.  Each run must end with its status
 * either the normal one or -ENOMEM, and with no allocation outstanding; the loop ends
 * when a run finishes without reaching the k-th allocation (every site was hit).
 */
#include <errno.h>

#include "anyc_test.h"

static int sleeper(void *arg)
{
  (void)arg;
  anyc_scope s;
  int rc = anyc_move_on_after(&s, 5);
  if (rc < 0)
    return rc;
  rc = anyc_sleep(1);
  return anyc_scope_close(&s, rc);
}

static int failer(void *arg)
{
  (void)arg;
  int rc = anyc_sleep(2);
  if (rc < 0)
    return rc;
  return anyc_fail(-EIO, "deliberate failure %d", 42);
}

static int starter(void *arg, anyc_task_status *st)
{
  (void)arg;
  anyc_started(st, NULL);
  return anyc_sleep(0.5);
}

static int scenario(void *arg)
{
  (void)arg;
  anyc_group g;
  int rc = anyc_group_open(&g);
  if (rc < 0)
    return rc;
  for (int i = 0; i < 70 && rc == 0; i++) /* enough to grow the deadline heap past 64 */
    rc = anyc_start_soon_named(&g, i % 2 ? "odd" : "even", sleeper, NULL);
  if (rc == 0)
    rc = anyc_start_soon(&g, failer, NULL);
  if (rc == 0)
    rc = anyc_start(&g, starter, NULL, NULL);
  rc = anyc_group_close(&g, rc);
  if (rc == -EIO && anyc_error_count() > 1)
    return -EPROTO; /* exactly one error expected */
  return rc;
}

static void test_alloc_fault_every_site_fails_cleanly(void **state)
{
  (void)state;
  anyc_config c = {0, 1, 0.0};
  long k, enomem = 0;
  for (k = 1;; k++) {
    anyc__alloc_fail_at(k);
    int rc = anyc_run_with(&c, scenario, NULL);
    int fired = anyc__alloc_countdown() == 0;
    anyc__alloc_fail_at(0);
    if (rc != -EIO && rc != -ENOMEM)
      fail_msg("allocation %ld failed: run returned %d (%s)", k, rc, anyc_strerror(rc));
    if (anyc__alloc_live() != 0)
      fail_msg("allocation %ld failed: %ld allocations leaked", k, anyc__alloc_live());
    enomem += rc == -ENOMEM;
    if (!fired)
      break; /* the run made fewer than k allocations: every site has failed once */
  }
  assert_true(k > 10);
  assert_true(enomem > 0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      TEST(test_alloc_fault_every_site_fails_cleanly),
  };
  return cmocka_run_group_tests_name("runtime/alloc_fault", tests, NULL, NULL);
}
