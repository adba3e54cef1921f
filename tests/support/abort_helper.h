/* abort_helper.h — misuse answered by abort(): run it in a forked child with stderr
 * captured, and check that the child died by a signal with the expected message.
 *
 * Structural misuse (releasing a lock one does not hold, closing scopes out of order,
 * leaving background blocks out of order, a stack overflow) ends the process with a
 * message naming the task; a test cannot survive that in-process, so it forks. */
#ifndef ABORT_HELPER_H
#define ABORT_HELPER_H

#include <sys/wait.h>
#include <unistd.h>

#include "anyc_test.h"

/* Run fn(arg) in a child; its stderr goes to out (NUL-terminated).  1 if it died by a
 * signal. */
static inline int fork_capture(void (*fn)(void *), void *arg, char *out, size_t cap)
{
  int fds[2];
  if (pipe(fds) != 0)
    return 0;
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    dup2(fds[1], 2);
    fn(arg);
    _exit(0);
  }
  close(fds[1]);
  size_t got = 0;
  ssize_t n;
  while (got + 1 < cap && (n = read(fds[0], out + got, cap - 1 - got)) > 0)
    got += (size_t)n;
  out[got] = '\0';
  close(fds[0]);
  int st = 0;
  waitpid(pid, &st, 0);
  return WIFSIGNALED(st);
}

struct abort_run {
  const anyc_config *cfg;
  anyc_fn fn;
};

static inline void abort_run_child(void *arg)
{
  const struct abort_run *r = arg;
  (void)anyc_run_with(r->cfg, r->fn, NULL);
}

/* anyc_run_with(cfg, fn) must abort with `needle` on stderr. */
static inline void run_expect_abort_cfg(const anyc_config *cfg, anyc_fn fn,
                                        const char *needle)
{
  struct abort_run r = {cfg, fn};
  char buf[4096];
  if (!fork_capture(abort_run_child, &r, buf, sizeof buf))
    fail_msg("child did not abort; stderr: %s", buf);
  if (!strstr(buf, needle))
    fail_msg("stderr lacks '%s': %s", needle, buf);
}

static inline void run_expect_abort(anyc_fn fn, const char *needle)
{
  run_expect_abort_cfg(NULL, fn, needle);
}

#endif
