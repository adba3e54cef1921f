/* util.c — allocation that cannot fail quietly, and a string builder: the small
 * helpers every part of anyc-migrate uses.  Out of memory ends the tool (exit 2) rather
 * than half-writing a file. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migrate.h"

static void oom(void)
{
  fputs("anyc-migrate: out of memory\n", stderr);
  exit(2);
}

void *anyc__xrealloc(void *p, size_t n)
{
  void *q = realloc(p, n ? n : 1);
  if (!q)
    oom();
  return q;
}

char *anyc__xstrndup(const char *s, size_t n)
{
  char *d = anyc__xrealloc(NULL, n + 1);
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

char *anyc__xstrdup(const char *s)
{
  return anyc__xstrndup(s, strlen(s));
}

static char *vformat(const char *fmt, va_list ap)
{
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  char *s = anyc__xrealloc(NULL, (size_t)n + 1);
  vsnprintf(s, (size_t)n + 1, fmt, ap);
  return s;
}

char *anyc__xasprintf(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  char *s = vformat(fmt, ap);
  va_end(ap);
  return s;
}

void anyc__sb_addn(sbuf *b, const char *s, size_t n)
{
  if (b->n + n + 1 > b->cap) {
    b->cap = (b->n + n + 1) * 2;
    b->s = anyc__xrealloc(b->s, b->cap);
  }
  memcpy(b->s + b->n, s, n);
  b->n += n;
  b->s[b->n] = '\0';
}

void anyc__sb_add(sbuf *b, const char *s)
{
  anyc__sb_addn(b, s, strlen(s));
}

void anyc__sb_printf(sbuf *b, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  char *s = vformat(fmt, ap);
  va_end(ap);
  anyc__sb_add(b, s);
  free(s);
}
