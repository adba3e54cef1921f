/* trace.c — legacy-use telemetry: with ASYNC_SERVICE_TRACE=1 in the environment, each
 * distinct call site of a legacy function is printed once to stderr, so a team can see
 * what is left to migrate in code that already runs.
 *
 * A call site is the return address of the legacy call.  dladdr() finds the module
 * (and the calling function when its symbol is exported); the function and file:line
 * come from addr2line(1) when it is installed and the module has debug info.  Both are best effort: the
 * line always carries the module and offset, which addr2line can resolve later.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int as__trace_state = -1; /* unknown until the first call */
/* Legacy calls come from several threads (a run per thread, as_cancel from to_thread
 * workers): the table of seen sites and the printing are under one lock.  Tracing is a
 * diagnostic mode; the lock is taken only when it is on (and on the first call). */
static pthread_mutex_t trace_lock = PTHREAD_MUTEX_INITIALIZER;
static void **seen;
static size_t nseen, capseen;

static int first_time(void *site)
{
  for (size_t i = 0; i < nseen; i++)
    if (seen[i] == site)
      return 0;
  if (nseen == capseen) {
    size_t cap = capseen ? capseen * 2 : 32;
    void **s = realloc(seen, cap * sizeof *s);
    if (!s)
      return 0;
    seen = s;
    capseen = cap;
  }
  seen[nseen++] = site;
  return 1;
}

/* Function and "file:line" of `offset` in `module` by addr2line; "" when unknown. */
static void source_line(const char *module, uintptr_t offset, char *fn, char *where,
                        size_t len)
{
  char cmd[1200];
  fn[0] = where[0] = '\0';
  if (strchr(module, '\'') ||
      snprintf(cmd, sizeof cmd, "addr2line -f -e '%s' 0x%lx 2>/dev/null", module,
               (unsigned long)offset) >= (int)sizeof cmd)
    return;
  FILE *p = popen(cmd, "r");
  if (!p)
    return;
  char *out[2] = {fn, where};
  for (int i = 0; i < 2 && fgets(out[i], (int)len, p); i++) {
    out[i][strcspn(out[i], "\n")] = '\0';
    if (strncmp(out[i], "??", 2) == 0)
      out[i][0] = '\0';
  }
  pclose(p);
}

static void trace_site(const char *api, void *return_address);

void as__trace(const char *api, void *return_address)
{
  pthread_mutex_lock(&trace_lock);
  if (as__trace_state < 0) {
    const char *v = getenv("ASYNC_SERVICE_TRACE");
    __atomic_store_n(&as__trace_state, v && *v && strcmp(v, "0") != 0, __ATOMIC_RELAXED);
  }
  if (as__trace_state && first_time(return_address))
    trace_site(api, return_address);
  pthread_mutex_unlock(&trace_lock);
}

/* Print one site (first time seen; under the lock). */
static void trace_site(const char *api, void *return_address)
{
  Dl_info info;
  memset(&info, 0, sizeof info);
  const char *module = "?", *fn = NULL;
  uintptr_t offset = (uintptr_t)return_address;
  if (dladdr(return_address, &info)) {
    module = info.dli_fname ? info.dli_fname : "?";
    fn = info.dli_sname;
    offset -= (uintptr_t)info.dli_fbase;
  }
  char dbg_fn[256], where[512];
  /* -1: an address inside the call instruction, so the line is the call's. */
  source_line(module, offset - 1, dbg_fn, where, sizeof dbg_fn);
  if (dbg_fn[0])
    fn = dbg_fn;
  fprintf(stderr, "async_service: legacy call %s from %s%s%s (%s+0x%lx)\n", api,
          fn ? fn : "?", where[0] ? " at " : "", where, module, (unsigned long)(offset - 1));
}
