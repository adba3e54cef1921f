/* p06: structural misuse aborts with a message naming the task (spec: "aborts with a
 * message naming the task"); each case runs in a forked child and its stderr is shown. */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include "probe.h"

static int ret_with_scope(void *a) { (void)a; static anyc_scope s; anyc_scope_open(&s); return 0; }
static int ret_with_group(void *a) { (void)a; static anyc_group g; anyc_group_open(&g); return 0; }
static int out_of_order(void *a)
{
  (void)a;
  anyc_scope s1, s2;
  anyc_scope_open(&s1);
  anyc_scope_open(&s2);
  anyc_scope_close(&s1, 0);
  return 0;
}
static int lock_non_owner(void *a) { (void)a; anyc_lock l; anyc_lock_init(&l); anyc_lock_release(&l); return 0; }
static int started_twice_fn(void *a, anyc_task_status *st) { (void)a; anyc_started(st, NULL); anyc_started(st, NULL); return 0; }
static int started_twice(void *a)
{
  (void)a;
  anyc_group g;
  anyc_group_open(&g);
  int rc = anyc_start(&g, started_twice_fn, NULL, NULL);
  return anyc_group_close(&g, rc);
}
static int scope_twice(void *a) { (void)a; anyc_scope s; anyc_scope_open(&s); anyc_scope_open(&s); return 0; }
static int group_close_out_of_order(void *a)
{
  (void)a;
  anyc_group g; anyc_scope s;
  anyc_group_open(&g);
  anyc_scope_open(&s);
  return anyc_group_close(&g, 0);
}
static int limiter_release(void *a) { (void)a; anyc_limiter l; anyc_limiter_init(&l, 1); anyc_limiter_release(&l); return 0; }

static int child_wrap(void *fn)
{
  anyc_group g;
  anyc_group_open(&g);
  anyc_start_soon_named(&g, "culprit", (anyc_fn)fn, NULL);
  return anyc_group_close(&g, 0);
}

static void expect_abort(const char *what, anyc_fn fn)
{
  int p[2];
  if (pipe(p) != 0) return;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(p[1], 2);
    anyc_run(child_wrap, (void *)fn);
    _exit(0);
  }
  close(p[1]);
  char buf[512] = {0};
  ssize_t n = read(p[0], buf, sizeof buf - 1);
  (void)n;
  close(p[0]);
  int st;
  waitpid(pid, &st, 0);
  int aborted = WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT;
  printf("  %-26s aborted=%d: %s", what, aborted, buf);
  EXPECT(aborted, 1);
  EXPECT(strstr(buf, "(in task '") != NULL, 1); /* the started task is unnamed */
}

int main(void)
{
  expect_abort("return with scope open", ret_with_scope);
  expect_abort("return with group open", ret_with_group);
  expect_abort("scopes out of order", out_of_order);
  expect_abort("lock release non-owner", lock_non_owner);
  expect_abort("started twice", (anyc_fn)started_twice);
  expect_abort("scope opened twice", scope_twice);
  expect_abort("group closed out of order", group_close_out_of_order);
  expect_abort("limiter release non-holder", limiter_release);
  return probe_done();
}
