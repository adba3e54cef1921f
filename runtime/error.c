/* error.c — error codes, their names, and the per-group error records.
 *
 * anyc_strerror names every code a caller can see: negative errnos, libuv's own codes,
 * ANYC_EOF and the legacy layer's AS_E* codes (which the runtime reserves so one
 * function names all).  libuv's table covers the errnos it maps; the rest (EBADMSG,
 * ESTALE, EOWNERDEAD, ...) come from the C library's own descriptions — static strings,
 * never strerror's shared buffer, so the result stays valid and thread-safe.
 * anyc_fail attaches a message to the calling task's next error; groups keep an ordered
 * list of {code, task name, message} records that anyc_error_count/at expose after a
 * close — Trio's exception group, flattened.
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* The C library's descriptions of the errnos libuv does not name, in libuv's style
 * ("bad message", not "Bad message"; "RFS specific error" keeps its capitals), built
 * once into static storage so the result is a static string. */
#define ERRNO_TABLE 256
static char errno_text[ERRNO_TABLE][48];
static pthread_once_t errno_once = PTHREAD_ONCE_INIT;

static void errno_table_build(void)
{
  for (int e = 1; e < ERRNO_TABLE; e++) {
    const char *d = strerrordesc_np(e); /* glibc >= 2.32: static, NULL when unknown */
    if (!d)
      continue;
    snprintf(errno_text[e], sizeof errno_text[e], "%s", d);
    if (islower((unsigned char)errno_text[e][1]))
      errno_text[e][0] = (char)tolower((unsigned char)errno_text[e][0]);
  }
}

static const char *errno_description(int e)
{
  if (e <= 0 || e >= ERRNO_TABLE)
    return NULL;
  pthread_once(&errno_once, errno_table_build);
  return errno_text[e][0] ? errno_text[e] : NULL;
}

const char *anyc_strerror(int code)
{
  switch (code) {
  case 0: return "success";
  case ANYC_EOF: return "end of stream";
  case -4201: return "lifecycle error (AS_ELIFECYCLE)";
  case -4202: return "daemon task exited (AS_EDAEMONEXIT)";
  case -4203: return "too many children (AS_ETOOMANYCHILDREN)";
  case -ECANCELED: return "operation cancelled";
  case -ETIMEDOUT: return "timed out";
  default: break;
  }
  if (code < 0 && code > -4096) {
    /* libuv's messages cover errno values and its own getaddrinfo codes. */
    /* uv_strerror allocates (and never frees) a message for a code it does not know:
     * ask the non-allocating uv_err_name_r first. */
    char name[64];
    uv_err_name_r(code, name, sizeof name);
    if (strncmp(name, "Unknown", 7) != 0)
      return uv_strerror(code); /* a static string for every code it names */
    const char *m = errno_description(-code);
    if (m)
      return m;
  }
  return "unknown error";
}

void anyc__errors_add(struct anyc__errors *e, int code, const char *task, char *message)
{
  if (e->len == e->cap) {
    size_t cap = e->cap ? e->cap * 2 : 4;
    struct anyc__error *items = anyc__realloc(e->items, cap * sizeof *items);
    if (!items) {
      anyc__free(message);
      return;
    }
    e->items = items;
    e->cap = cap;
  }
  char *name = anyc__strdup(task);
  if (!name) {
    anyc__free(message);
    return;
  }
  e->items[e->len].code = code;
  e->items[e->len].task = name;
  e->items[e->len].message = message;
  e->len++;
}

void anyc__errors_clear(struct anyc__errors *e)
{
  for (size_t i = 0; i < e->len; i++) {
    anyc__free(e->items[i].task);
    anyc__free(e->items[i].message);
  }
  anyc__free(e->items);
  e->items = NULL;
  e->len = e->cap = 0;
}

int anyc_fail(int code, const char *fmt, ...)
{
  struct anyc__task *t = anyc__rt ? anyc__rt->current : NULL;
  if (!fmt)
    return code;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0)
    return code;
  /* On an anyc_to_thread worker there is no task: the message goes back with the job
   * (thread.c), so plain malloc, as the job's own memory (the counted heap is the loop
   * thread's). */
  char *msg = t ? anyc__malloc((size_t)n + 1) : malloc((size_t)n + 1);
  if (!msg)
    return code; /* the code still propagates; only the message is lost */
  va_start(ap, fmt);
  vsnprintf(msg, (size_t)n + 1, fmt, ap);
  va_end(ap);
  if (!t) {
    if (!anyc__worker_fail(msg))
      free(msg); /* neither a task nor a worker: nobody to report it */
    return code;
  }
  anyc__free(t->fail_msg);
  t->fail_msg = msg;
  return code;
}

size_t anyc_error_count(void)
{
  struct anyc__task *t = anyc__rt ? anyc__rt->current : NULL;
  return t ? t->errors.len : 0;
}

int anyc_error_at(size_t i, anyc_error_info *out)
{
  struct anyc__task *t = anyc__rt ? anyc__rt->current : NULL;
  if (!t)
    return -EPERM;
  if (!out)
    return -EINVAL;
  if (i >= t->errors.len)
    return -ERANGE;
  out->code = t->errors.items[i].code;
  out->task = t->errors.items[i].task;
  out->message = t->errors.items[i].message;
  return 0;
}

void anyc__die(const char *fmt, ...)
{
  struct anyc__task *t = anyc__rt ? anyc__rt->current : NULL;
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  fprintf(stderr, "anyc: %s (in task '%s')\n", buf, t ? anyc__task_name(t) : "<none>");
  fflush(stderr);
  abort();
}
