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

#define MAX_DEPTH 8

static int scan(const char *path, const char **incdirs, size_t nincdirs, int depth)
{
  char *text;
  size_t n;
  if (anyc__read_file(path, &text, &n) != 0)
    return 1; /* unreadable here: let the parse decide */
  int hit = names_legacy(text, n);
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
        hit = scan(cand, incdirs, nincdirs, depth + 1);
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
  return scan(path, incdirs, nincdirs, 0);
}
