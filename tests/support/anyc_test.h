/* anyc_test.h — what every cmocka test of anyc shares.
 *
 * cmocka reports a failed assertion by longjmp-ing back to its runner; done from a task's
 * stack that would abandon the task mid-switch.  So code running inside tasks never
 * asserts: it CHECKs, which records the first failure, and the test asserts with
 * ASSERT_CHECKS() on the main stack once anyc_run() has returned.  TRACE() appends to a
 * log so a test can assert the order in which things happened.
 */
#ifndef ANYC_TEST_H
#define ANYC_TEST_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "anyc.h"

static char check_failure[1024];
static int check_failures;
static char trace_log[8192];

static inline void check_record(const char *what, const char *file, int line)
{
  if (check_failures++ == 0)
    snprintf(check_failure, sizeof check_failure, "%s:%d: CHECK(%s) failed", file, line, what);
}

#define CHECK(cond) ((cond) ? (void)0 : check_record(#cond, __FILE__, __LINE__))
#define CHECK_INT(a, b)                                                          \
  do {                                                                           \
    long long a_ = (long long)(a), b_ = (long long)(b);                          \
    if (a_ != b_) {                                                              \
      char m_[256];                                                              \
      snprintf(m_, sizeof m_, "%s == %s (%lld != %lld)", #a, #b, a_, b_);        \
      check_record(m_, __FILE__, __LINE__);                                      \
    }                                                                            \
  } while (0)
#define CHECK_NEAR(a, b, eps) CHECK(fabs((double)(a) - (double)(b)) <= (eps))

/* Reset the checks and the trace; call at the start of each test. */
static inline void checks_reset(void)
{
  check_failures = 0;
  check_failure[0] = '\0';
  trace_log[0] = '\0';
}

#define ASSERT_CHECKS()                                                          \
  do {                                                                           \
    if (check_failures)                                                          \
      fail_msg("%s (%d failed checks)", check_failure, check_failures);          \
  } while (0)

__attribute__((format(printf, 1, 2))) static inline void TRACE(const char *fmt, ...)
{
  size_t n = strlen(trace_log);
  if (n && n < sizeof trace_log - 1)
    trace_log[n++] = ',';
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(trace_log + n, sizeof trace_log - n, fmt, ap);
  va_end(ap);
}

/* Run fn on a mock clock with autojump at 0: timing tests take no real time. */
static inline int run_mock(anyc_fn fn, void *arg)
{
  anyc_config c = {0, 1, 0.0};
  return anyc_run_with(&c, fn, arg);
}

/* The common test shape: run fn as main on the mock clock; it must return 0 and no
 * CHECK inside may have failed.  (The trace stays for the caller to assert.) */
static inline void run_mock_checked(anyc_fn fn)
{
  checks_reset();
  assert_int_equal(run_mock(fn, NULL), 0);
  ASSERT_CHECKS();
}

/* Internal hooks of the static library (runtime/alloc.c). */
long anyc__alloc_live(void);
void anyc__alloc_fail_at(long n);
long anyc__alloc_countdown(void);

/* Every test ends with no runtime allocation outstanding. */
static inline int teardown_no_leaks(void **state)
{
  (void)state;
  assert_int_equal(anyc__alloc_live(), 0);
  return 0;
}
#define TEST(f) cmocka_unit_test_teardown(f, teardown_no_leaks)

#endif /* ANYC_TEST_H */
