/* edits.c — byte-offset edits that the tool merges itself (never CXRewriter).
 *
 * An edit replaces [off, off+len) of the file as it was read.  The same edit reached
 * again (a header seen from several translation units) is kept once.  Two different
 * edits that overlap are a conflict: the caller leaves the file untouched and reports
 * it.  Insertions (len 0) touching a replacement's ends do not overlap it: they go
 * before it at its start and after it at its end; two different insertions at one
 * offset would be ambiguous and are a conflict too. */
#include <stdlib.h>
#include <string.h>

#include "migrate.h"

/* 1-based line of a byte offset, for conflict messages people can read. */
static unsigned line_of(const char *content, size_t off)
{
  unsigned line = 1;
  for (size_t i = 0; content && i < off; i++)
    line += content[i] == '\n';
  return line;
}

static int overlaps(const edit *a, size_t off, size_t len)
{
  if (a->len == 0 && len == 0)
    return a->off == off;
  if (a->len == 0)
    return a->off > off && a->off < off + len;
  if (len == 0)
    return off > a->off && off < a->off + a->len;
  return off < a->off + a->len && a->off < off + len;
}

int anyc__edit_add(edit_vec *v, size_t off, size_t len, const char *text, char **msg,
                   const char *content)
{
  for (size_t i = 0; i < v->n; i++) {
    edit *e = &v->v[i];
    if (e->off == off && e->len == len && strcmp(e->text, text) == 0)
      return 0;
    if (overlaps(e, off, len)) {
      if (msg && !*msg)
        *msg = anyc__xasprintf("edits overlap at line %u (bytes %zu+%zu \"%s\") and line %u "
                               "(bytes %zu+%zu \"%s\")",
                               line_of(content, e->off), e->off, e->len, e->text,
                               line_of(content, off), off, len, text);
      return -1;
    }
  }
  edit e = {off, len, anyc__xstrdup(text)};
  VEC_PUSH(*v, e);
  return 0;
}

static int cmp_edit(const void *pa, const void *pb)
{
  const edit *a = pa, *b = pb;
  if (a->off != b->off)
    return a->off < b->off ? -1 : 1;
  return (a->len != 0) - (b->len != 0); /* an insertion goes before a replacement */
}

void anyc__edits_sort(edit_vec *v)
{
  if (v->n)
    qsort(v->v, v->n, sizeof *v->v, cmp_edit);
}

char *anyc__edits_apply(const edit_vec *v, const char *content, size_t size, size_t *out)
{
  sbuf b = {0};
  size_t pos = 0;
  for (size_t i = 0; i < v->n; i++) {
    const edit *e = &v->v[i];
    anyc__sb_addn(&b, content + pos, e->off - pos);
    anyc__sb_add(&b, e->text);
    pos = e->off + e->len;
  }
  anyc__sb_addn(&b, content + pos, size - pos);
  *out = b.n;
  return b.s;
}

void anyc__edits_free(edit_vec *v)
{
  for (size_t i = 0; i < v->n; i++)
    free(v->v[i].text);
  free(v->v);
  v->v = NULL;
  v->n = v->cap = 0;
}
