/* test_trace.c — shim/trace.c: ASYNC_SERVICE_TRACE=1 prints each distinct legacy call
 * site once to stderr, naming the caller (and file:line when debug info allows). */
#include <pthread.h>
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

/* Run fn with stderr going to a file; its text into buf (NUL-terminated). */
static void capture_stderr(void (*fn)(void), char *buf, size_t cap)
{
  char path[] = "/tmp/anyc-trace-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  fflush(stderr);
  int saved = dup(2);
  dup2(fd, 2);
  fn();
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  lseek(fd, 0, SEEK_SET);
  ssize_t n = read(fd, buf, cap - 1);
  close(fd);
  unlink(path);
  assert_true(n > 0);
  buf[n] = '\0';
}

static int count_lines(const char *buf, const char *needle)
{
  int lines = 0;
  for (const char *p = buf; (p = strstr(p, needle)); p++)
    lines++;
  return lines;
}

static int never_runs(as_service *s)
{
  (void)s;
  return 0;
}

static void two_sites(void)
{
  as_service svc;
  as_manager *m = NULL;
  as_service_init(&svc, never_runs, "never");
  assert_int_equal(as_background_service_enter(&svc, &m), -EPERM);
  for (int i = 0; i < 3; i++)
    assert_int_equal(site_a(), -EPERM);
  assert_int_equal(site_b(), -EPERM);
}

static void test_trace_prints_each_call_site_once(void **state)
{
  (void)state;
  char buf[4096];
  capture_stderr(two_sites, buf, sizeof buf);
  /* two sites, the first called three times */
  assert_int_equal(count_lines(buf, "legacy call as_sleep from "), 2);
  /* Only the program's calls: the enter refused outside a task releases the manager it
   * attached, which is no as_service_destroy of the program's. */
  assert_int_equal(count_lines(buf, "legacy call as_background_service_enter from "), 1);
  assert_int_equal(count_lines(buf, "as_service_destroy"), 0);
  assert_int_equal(count_lines(buf, "as_service_init"), 1);
  /* With debug info (RelWithDebInfo, Debug) addr2line names the callers. */
  if (access("/usr/bin/addr2line", X_OK) == 0 && strstr(buf, "test_trace.c:")) {
    assert_non_null(strstr(buf, "site_a"));
    assert_non_null(strstr(buf, "site_b"));
  }
}

/* Legacy calls come from several threads (a run per thread; as_cancel from to_thread
 * workers): the trace still prints each site once, and its table survives growing under
 * two threads at once (under ASan a lost race shows as a use after free). */
#define SITE (rc |= as_is_running(NULL));
#define SITE8 SITE SITE SITE SITE SITE SITE SITE SITE
#define NSITES 64
static void *many_sites(void *arg)
{
  int rc = 0;
  SITE8 SITE8 SITE8 SITE8 SITE8 SITE8 SITE8 SITE8
  return arg ? NULL : (void *)(intptr_t)rc;
}
static void two_threads(void)
{
  pthread_t a, b;
  assert_int_equal(pthread_create(&a, NULL, many_sites, NULL), 0);
  assert_int_equal(pthread_create(&b, NULL, many_sites, NULL), 0);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
}
static void test_trace_from_two_threads_prints_each_site_once(void **state)
{
  (void)state;
  static char buf[64 * 1024];
  capture_stderr(two_threads, buf, sizeof buf);
  assert_int_equal(count_lines(buf, "legacy call as_is_running from "), NSITES);
}

int main(void)
{
  setenv("ASYNC_SERVICE_TRACE", "1", 1); /* read at the first legacy call */
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_trace_prints_each_call_site_once),
    cmocka_unit_test(test_trace_from_two_threads_prints_each_site_once),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
