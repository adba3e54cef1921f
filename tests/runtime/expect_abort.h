/* expect_abort.h — run a function in a forked child and capture how it died.
 *
 * For misuse the runtime answers with abort() and a message (releasing a lock one does
 * not hold, ...): the test forks, runs the misuse in the child with stderr captured, and
 * asserts that the child was killed by a signal and printed the expected text.
 */
#ifndef ANYC_EXPECT_ABORT_H
#define ANYC_EXPECT_ABORT_H

#include <sys/wait.h>
#include <unistd.h>

#include "anyc_test.h"

/* Run fn(arg) in a child; return 1 if it died by a signal, with its stderr in out. */
static inline int run_expect_abort(void (*fn)(void *), void *arg, char *out, size_t cap)
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

#endif /* ANYC_EXPECT_ABORT_H */
