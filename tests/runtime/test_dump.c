/* test_dump.c — runtime/dump.c: anyc_dump_tasks prints the live tree. */
#include <errno.h>
#include <stdlib.h>

#include "anyc_test.h"

static char *dumped;

static int sleeper(void *arg)
{
  (void)arg;
  return anyc_sleep(INFINITY);
}

static int in_scope(void *arg)
{
  (void)arg;
  anyc_scope s;
  int rc = anyc_move_on_after(&s, 30);
  if (rc < 0)
    return rc;
  rc = anyc_sleep(100);
  return anyc_scope_close(&s, rc);
}

static int dump_tree(void *arg)
{
  (void)arg;
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon_named(&g, "listener", sleeper, NULL), 0);
  CHECK_INT(anyc_start_soon_named(&g, "worker", in_scope, NULL), 0);
  CHECK_INT(anyc_sleep(1), 0);
  size_t len;
  FILE *f = open_memstream(&dumped, &len);
  anyc_dump_tasks(f);
  fclose(f);
  anyc_group_cancel(&g);
  return anyc_group_close(&g, 0);
}

/* spec: "the live tree: groups, scopes, tasks, what each waits on". */
static void test_dump_prints_live_tree(void **state)
{
  (void)state;
  run_mock_checked(dump_tree);
  assert_non_null(dumped);
  const char *expect[] = {"task 'main' running", "group", "children=2",
                          "task 'listener' blocked on sleep",
                          "task 'worker' blocked on sleep until 100.000000",
                          "scope deadline=30.000000"};
  for (size_t i = 0; i < sizeof expect / sizeof *expect; i++)
    if (!strstr(dumped, expect[i]))
      fail_msg("dump lacks [%s] in: %s", expect[i], dumped);
  /* nesting: the workers are indented under main's group */
  assert_true(strstr(dumped, "group") < strstr(dumped, "task 'listener'"));
  free(dumped);
  FILE *f = fopen("/dev/null", "w");
  anyc_dump_tasks(f); /* outside a run: a one-line note, no crash */
  fclose(f);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      TEST(test_dump_prints_live_tree),
  };
  return cmocka_run_group_tests_name("runtime/dump", tests, NULL, NULL);
}
