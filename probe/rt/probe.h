/* probe.h — shared helpers of the runtime probe programs (probe/rt/): print each
 * observation next to what the spec / Trio says, "FAIL" when they differ. */
#ifndef PROBE_H
#define PROBE_H
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "anyc.h"

static int probe_fails;
#define EXPECT(got, want)                                                                 \
  do {                                                                                    \
    long long g_ = (long long)(got), w_ = (long long)(want);                              \
    if (g_ != w_)                                                                         \
      probe_fails++;                                                                      \
    printf("%s %s:%d %s = %lld (want %lld)\n", g_ == w_ ? "ok  " : "FAIL", __func__,      \
           __LINE__, #got, g_, w_);                                                       \
  } while (0)
#define EXPECT_STR(got, want)                                                             \
  do {                                                                                    \
    const char *g_ = (got), *w_ = (want);                                                 \
    int same_ = (g_ && w_) ? strcmp(g_, w_) == 0 : g_ == w_;                              \
    if (!same_)                                                                           \
      probe_fails++;                                                                      \
    printf("%s %s:%d %s = \"%s\" (want \"%s\")\n", same_ ? "ok  " : "FAIL", __func__,     \
           __LINE__, #got, g_ ? g_ : "(null)", w_ ? w_ : "(null)");                       \
  } while (0)

static inline int probe_run_mock(anyc_fn fn)
{
  anyc_config c = {0, 1, 0.0};
  return anyc_run_with(&c, fn, NULL);
}
static inline int probe_done(void)
{
  printf("%s: %d mismatches\n", probe_fails ? "FAIL" : "PASS", probe_fails);
  return probe_fails != 0;
}
#endif
