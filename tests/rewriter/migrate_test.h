/* migrate_test.h — what the anyc-migrate tests share: a scratch folder per test, files
 * written and read back, and the whole tool run in-process (anyc__migrate_main) with
 * its stdout and stderr captured.  ANYC_SOURCE_DIR (set by CMake) locates include/. */
#ifndef MIGRATE_TEST_H
#define MIGRATE_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "migrate.h"

static char scratch[256];
static char *run_out, *run_err;

static inline void scratch_new(const char *name)
{
  snprintf(scratch, sizeof scratch, "/tmp/anyc-migrate-test-%s-%ld", name, (long)getpid());
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", scratch, scratch);
  assert_int_equal(system(cmd), 0);
}

static inline void scratch_remove(void)
{
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "chmod -R u+w '%s'; rm -rf '%s'", scratch, scratch);
  (void)!system(cmd);
}

/* Path of a file in the scratch folder (static buffer rotation: 4 at once). */
static inline const char *sp(const char *name)
{
  static char buf[4][600];
  static int i;
  i = (i + 1) % 4;
  snprintf(buf[i], sizeof buf[i], "%s/%s", scratch, name);
  return buf[i];
}

static inline void put_file(const char *name, const char *text)
{
  const char *p = sp(name);
  char *slash = strrchr(p, '/');
  if (slash) {
    char dir[600], cmd[700];
    snprintf(dir, sizeof dir, "%.*s", (int)(slash - p), p);
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
    assert_int_equal(system(cmd), 0);
  }
  FILE *f = fopen(p, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static inline char *get_file(const char *name)
{
  char *d;
  size_t n;
  assert_int_equal(anyc__read_file(sp(name), &d, &n), 0);
  return d;
}

static inline char *slurp(FILE *f)
{
  fflush(f);
  long n = ftell(f);
  rewind(f);
  char *s = calloc(1, (size_t)n + 1);
  if (n > 0 && fread(s, 1, (size_t)n, f) != (size_t)n)
    s[0] = '\0';
  fclose(f);
  return s;
}

/* Run anyc-migrate with the given arguments (NULL-terminated), from the scratch folder
 * as the current directory.  Returns its exit status; run_out / run_err hold output. */
static inline int migrate(const char *first, ...)
{
  static char prog[] = "anyc-migrate", inc[] = "-I" ANYC_SOURCE_DIR "/include";
  char *argv[64];
  int argc = 0;
  argv[argc++] = prog;
  argv[argc++] = inc;
  va_list ap;
  va_start(ap, first);
  for (const char *a = first; a && argc < 63; a = va_arg(ap, const char *))
    argv[argc++] = (char *)a;
  va_end(ap);
  argv[argc] = NULL;
  free(run_out);
  free(run_err);
  FILE *out = tmpfile(), *err = tmpfile();
  char cwd[600];
  assert_non_null(getcwd(cwd, sizeof cwd));
  assert_int_equal(chdir(scratch), 0);
  int rc = anyc__migrate_main(argc, argv, out, err);
  assert_int_equal(chdir(cwd), 0);
  run_out = slurp(out);
  run_err = slurp(err);
  return rc;
}

/* Does the file compile against the given header folder alone? */
static inline int compiles(const char *name)
{
  char cmd[900];
  snprintf(cmd, sizeof cmd, "cc -std=c11 -Wall -Wextra -Werror -fsyntax-only -I '%s/include' '%s' 2>&1",
           ANYC_SOURCE_DIR, sp(name));
  return system(cmd) == 0;
}

#define assert_contains(hay, needle)                                                    \
  do {                                                                                  \
    if (!strstr((hay), (needle)))                                                       \
      fail_msg("expected to find:\n%s\n--- in:\n%s", (needle), (hay));                 \
  } while (0)
#define assert_not_contains(hay, needle)                                                \
  do {                                                                                  \
    if (strstr((hay), (needle)))                                                        \
      fail_msg("did not expect:\n%s\n--- in:\n%s", (needle), (hay));                   \
  } while (0)

#endif
