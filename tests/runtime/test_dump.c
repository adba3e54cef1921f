/* test_dump.c — runtime/dump.c: anyc_dump_tasks prints the live tree. */
#include <errno.h>
#include <stdint.h>
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

/* ---- a deep tree, dumped by a task ---- */

#define DEEP 2000
static char *deep_dump;

static int deep(void *arg)
{
  intptr_t d = (intptr_t)arg;
  if (d == DEEP)
    return anyc_sleep(INFINITY);
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon_named(&g, d + 1 == DEEP ? "leaf" : NULL, deep, (void *)(d + 1)), 0);
  return anyc_group_close(&g, 0);
}

static int deep_dumper(void *arg)
{
  anyc_group *top = arg;
  size_t len;
  CHECK_INT(anyc_sleep(1), 0);
  FILE *f = open_memstream(&deep_dump, &len);
  anyc_dump_tasks(f); /* on this task's small stack */
  fclose(f);
  anyc_group_cancel(top);
  return 0;
}

static int deep_main(void *arg)
{
  (void)arg;
  anyc_group top;
  CHECK_INT(anyc_group_open(&top), 0);
  CHECK_INT(anyc_start_soon_named(&top, "dumper", deep_dumper, &top), 0);
  int rc = deep((void *)0);
  return anyc_group_close(&top, rc);
}

/* A task dumps a tree as deep as its tasks are nested (each the child of the previous
 * one's group): the walk used to recurse three frames per level and overflowed the
 * dumping task's stack; the leaf is printed, indented two levels per task. */
static void test_dump_deep_tree_from_a_task(void **state)
{
  (void)state;
  anyc_config c = {32 * 1024, 1, 0.0};
  checks_reset();
  deep_dump = NULL;
  assert_int_equal(anyc_run_with(&c, deep_main, NULL), 0);
  ASSERT_CHECKS();
  assert_non_null(deep_dump);
  char want[4 * DEEP + 64]; /* a whole line: newline, the indentation, the leaf */
  want[0] = '\n';
  memset(want + 1, ' ', 4 * DEEP);
  snprintf(want + 4 * DEEP + 1, sizeof want - 4 * DEEP - 1, "task 'leaf' blocked on sleep");
  if (!strstr(deep_dump, want))
    fail_msg("no leaf at indentation %d", 4 * DEEP);
  free(deep_dump);
}

/* ---- tasks running anyc_from_thread calls ---- */

static char *call_dump, *late_dump;
static volatile int main_ended;

static char *dump_to_string(void)
{
  char *buf = NULL;
  size_t len;
  FILE *f = open_memstream(&buf, &len);
  anyc_dump_tasks(f);
  fclose(f);
  return buf;
}

static int dumping_call(void *arg)
{
  (void)arg;
  call_dump = dump_to_string();
  return 0;
}

static int late_dumping_call(void *arg)
{
  (void)arg;
  while (!main_ended)
    CHECK_INT(anyc_sleep(0.001), 0);
  late_dump = dump_to_string(); /* main's task is gone by now */
  return 0;
}

static int calls_in(void *arg)
{
  return anyc_from_thread((anyc_fn)arg, NULL);
}

static int main_with_calls(void *arg)
{
  (void)arg;
  CHECK_INT(anyc_to_thread(calls_in, (void *)dumping_call, 0), 0);
  anyc_scope s;
  CHECK_INT(anyc_move_on_after(&s, 0.01), 0);
  int rc = anyc_to_thread(calls_in, (void *)late_dumping_call, ANYC_ABANDON_ON_CANCEL);
  CHECK_INT(rc, -ECANCELED);
  CHECK_INT(anyc_scope_close(&s, rc), 0);
  main_ended = 1;
  return 0;
}

/* A task running an anyc_from_thread call belongs to no group: the dump left it out
 * (and, once main had ended, read main's freed task). */
static void test_dump_lists_from_thread_tasks(void **state)
{
  (void)state;
  checks_reset();
  call_dump = late_dump = NULL;
  main_ended = 0;
  assert_int_equal(anyc_run(main_with_calls, NULL), 0);
  ASSERT_CHECKS();
  assert_non_null(call_dump);
  assert_non_null(late_dump);
  if (!strstr(call_dump, "task 'main' blocked on to_thread") ||
      !strstr(call_dump, "task 'from_thread' running"))
    fail_msg("dump while main waits: %s", call_dump);
  if (strstr(late_dump, "task 'main'") || !strstr(late_dump, "task 'from_thread' running"))
    fail_msg("dump after main ended: %s", late_dump);
  free(call_dump);
  free(late_dump);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      TEST(test_dump_prints_live_tree),
      TEST(test_dump_deep_tree_from_a_task),
      TEST(test_dump_lists_from_thread_tasks),
  };
  return cmocka_run_group_tests_name("runtime/dump", tests, NULL, NULL);
}
