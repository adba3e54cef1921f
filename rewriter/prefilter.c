/* prefilter.c — the token pre-filter: a file is parsed only if its text, or the text
 * of a project header it includes, names a legacy identifier.  Trees without legacy use
 * then cost a read per file instead of a parse (Coccinelle's trick).  It over-approximates
 * (any identifier starting "as_" or "AS_E", or async_service) and never misses: every
 * legacy name has one of these forms. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "migrate.h"

int anyc__is_legacy_ident(const char *s, size_t n)
{
  if (n > 3 && memcmp(s, "as_", 3) == 0)
    return 1;
  if (n > 4 && memcmp(s, "AS_E", 4) == 0)
    return 1;
  return n == 13 && memcmp(s, "async_service", 13) == 0;
}

static int ident_char(char c)
{
  return isalnum((unsigned char)c) || c == '_';
}

static int names_legacy(const char *t, size_t n)
{
  for (size_t i = 0; i < n;) {
    if (ident_char(t[i]) && (i == 0 || !ident_char(t[i - 1]))) {
      size_t j = i;
      while (j < n && ident_char(t[j]))
        j++;
      if (anyc__is_legacy_ident(t + i, j - i))
        return 1;
      i = j;
    } else {
      i++;
    }
  }
  return 0;
}

#define MAX_DEPTH 32

/* Headers are shared by many files (libuv: every .c reads the same dozen), so each
 * header's verdict is remembered for the run, keyed by its path and the include folders
 * it was searched with; without this a tree with no legacy use re-read ~180 headers per
 * file.  Only the job builder calls the pre-filter (one thread), so no lock. */
#define MEMO_BUCKETS 4096
struct memo {
  struct memo *next;
  int hit;
  char key[];
};
static struct memo *memo[MEMO_BUCKETS];
/* Set when a scan stopped at MAX_DEPTH without following a header's includes: its "no"
 * is then only true from that depth, and memoised it would answer for the same header
 * reached at depth 1 from another file (b.c's use of a macro from h9.h was missed once
 * a.c had reached h8.h through seven other headers). */
static int depth_cut;

static size_t memo_hash(const char *k)
{
  size_t h = 1469598103934665603ull;
  for (; *k; k++)
    h = (h ^ (unsigned char)*k) * 1099511628211ull;
  return h % MEMO_BUCKETS;
}

static struct memo *memo_find(const char *key)
{
  for (struct memo *m = memo[memo_hash(key)]; m; m = m->next)
    if (strcmp(m->key, key) == 0)
      return m;
  return NULL;
}

static void memo_put(const char *key, int hit)
{
  size_t n = strlen(key) + 1;
  struct memo *m = anyc__xrealloc(NULL, sizeof *m + n);
  memcpy(m->key, key, n);
  m->hit = hit;
  size_t b = memo_hash(key);
  m->next = memo[b];
  memo[b] = m;
}

static int scan(const char *path, const char **incdirs, size_t nincdirs, int depth,
                const char *sig);

/* A header's verdict, from the memo or by scanning it once. */
static int scan_header(const char *path, const char **incdirs, size_t nincdirs, int depth,
                       const char *sig)
{
  char *key = anyc__xasprintf("%s\n%s", path, sig);
  struct memo *m = memo_find(key);
  int cut = depth_cut;
  depth_cut = 0;
  int hit = m ? m->hit : scan(path, incdirs, nincdirs, depth, sig);
  if (!m && (hit || !depth_cut))
    memo_put(key, hit);
  depth_cut |= cut;
  free(key);
  return hit;
}

static int scan(const char *path, const char **incdirs, size_t nincdirs, int depth,
                const char *sig)
{
  char *text;
  size_t n;
  if (anyc__read_file(path, &text, &n) != 0)
    return 1; /* unreadable here: let the parse decide */
  int hit = names_legacy(text, n);
  if (!hit && depth >= MAX_DEPTH)
    depth_cut = 1;
  /* Follow #include "x" / <x> into headers found beside the file or in -I folders. */
  for (char *l = text; !hit && depth < MAX_DEPTH && l && *l; l = strchr(l, '\n')) {
    while (*l == '\n' || *l == ' ' || *l == '\t')
      l++;
    if (*l != '#')
      continue;
    char *p = l + 1;
    while (*p == ' ' || *p == '\t')
      p++;
    if (strncmp(p, "include", 7) != 0)
      continue;
    p += 7;
    while (*p == ' ' || *p == '\t')
      p++;
    char close = *p == '"' ? '"' : *p == '<' ? '>' : 0;
    char *e = close ? strchr(p + 1, close) : NULL;
    char *nl = strchr(p, '\n');
    if (!e || (nl && e > nl))
      continue;
    char *name = anyc__xstrndup(p + 1, (size_t)(e - p - 1));
    const char *slash = strrchr(path, '/');
    char *dir = slash ? anyc__xstrndup(path, (size_t)(slash - path)) : anyc__xstrdup(".");
    for (size_t d = 0; d <= nincdirs && !hit; d++) {
      char *cand = anyc__xasprintf("%s/%s", d == 0 ? dir : incdirs[d - 1], name);
      if (access(cand, R_OK) == 0) {
        hit = scan_header(cand, incdirs, nincdirs, depth + 1, sig);
        free(cand);
        break;
      }
      free(cand);
    }
    free(dir);
    free(name);
  }
  free(text);
  return hit;
}

int anyc__prefilter(const char *path, const char **incdirs, size_t nincdirs)
{
  sbuf sig = {0}; /* the include folders, which decide how a header's includes resolve */
  for (size_t i = 0; i < nincdirs; i++)
    anyc__sb_printf(&sig, "%s\n", incdirs[i]);
  int hit = scan(path, incdirs, nincdirs, 0, sig.s ? sig.s : "");
  free(sig.s);
  return hit;
}
