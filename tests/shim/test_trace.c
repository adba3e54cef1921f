/* test_trace.c — shim/trace.c: ASYNC_SERVICE_TRACE=1 prints each distinct legacy call
 * site once to stderr, naming the caller (and file:line when debug info allows). */
#include <stdlib.h>
#include <unistd.h>

#include "shim_test.h"

static int site_a(void)
{
  return as_sleep(0); /* outside a run: -EPERM, but still a legacy call */
}

static int site_b(void)
{
  return as_sleep(0);
}

static void test_trace_prints_each_call_site_once(void **state)
{
  (void)state;
  char path[] = "/tmp/anyc-trace-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  fflush(stderr);
  int saved = dup(2);
  dup2(fd, 2);
  for (int i = 0; i < 3; i++)
    assert_int_equal(site_a(), -EPERM);
  assert_int_equal(site_b(), -EPERM);
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  char buf[4096] = {0};
  lseek(fd, 0, SEEK_SET);
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  unlink(path);
  assert_true(n > 0);
  int lines = 0;
  for (char *p = buf; (p = strstr(p, "legacy call as_sleep from ")); p++)
    lines++;
  assert_int_equal(lines, 2); /* two sites, the first called three times */
  /* With debug info (RelWithDebInfo, Debug) addr2line names the callers. */
  if (access("/usr/bin/addr2line", X_OK) == 0 && strstr(buf, "test_trace.c:")) {
    assert_non_null(strstr(buf, "site_a"));
    assert_non_null(strstr(buf, "site_b"));
  }
}

int main(void)
{
  setenv("ASYNC_SERVICE_TRACE", "1", 1); /* read at the first legacy call */
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_trace_prints_each_call_site_once),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
