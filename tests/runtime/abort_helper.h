/* abort_helper.h — run a program's worth of anyc in a child process and check that it
 * aborted with a given message on stderr (structural misuse, stack overflow). */
#ifndef ABORT_HELPER_H
#define ABORT_HELPER_H

#include <sys/wait.h>
#include <unistd.h>

#include "anyc_test.h"

static inline void run_expect_abort_cfg(const anyc_config *cfg, anyc_fn fn,
                                        const char *needle)
{
  int fds[2];
  assert_int_equal(pipe(fds), 0);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], 2);
    anyc_run_with(cfg, fn, NULL);
    _exit(0);
  }
  close(fds[1]);
  char buf[4096] = {0};
  size_t got = 0;
  ssize_t n;
  while (got < sizeof buf - 1 && (n = read(fds[0], buf + got, sizeof buf - 1 - got)) > 0)
    got += (size_t)n;
  close(fds[0]);
  int st;
  waitpid(pid, &st, 0);
  if (!WIFSIGNALED(st))
    fail_msg("child did not abort; stderr: %s", buf);
  if (!strstr(buf, needle))
    fail_msg("stderr lacks '%s': %s", needle, buf);
}

static inline void run_expect_abort(anyc_fn fn, const char *needle)
{
  run_expect_abort_cfg(NULL, fn, needle);
}

#endif
