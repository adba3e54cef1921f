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

/* Headers are shared by many files (libuv: every .c reads the same dozen), so each
 * header is read once per run: what it names itself and the headers its #include lines
 * resolve to (beside it or in the include folders, which is why the folders are part of
 * its key) are remembered, and each file's verdict is a walk of that include graph with
 * a visited mark.  A verdict is never remembered per header: a header inside an include
 * cycle, or reached at a depth limit, would be remembered "no legacy" from a partial
 * view and answer wrongly for a file that reaches it another way (round 4: b.c, which
 * includes h8.h directly and uses a legacy macro of h9.h, was skipped once a.c had
 * reached h8.h at the old depth limit of 8).  Only the job builder calls the pre-filter
 * (one thread), so no lock. */
#define MEMO_BUCKETS 4096

struct node {
  struct node *next;
  int self;            /* its own text names the legacy API (or it cannot be read) */
  unsigned mark;       /* the walk that last visited it */
  VEC(struct node *) incs;
  char key[];
};

static struct node *memo[MEMO_BUCKETS];
static unsigned walk_mark;

static size_t memo_hash(const char *k)
{
  size_t h = 1469598103934665603ull;
  for (; *k; k++)
    h = (h ^ (unsigned char)*k) * 1099511628211ull;
  return h % MEMO_BUCKETS;
}

/* The node of path (searched with `incdirs`, whose list is `sig`): from the memo, or read
 * once.  Its edges are filled after it is in the memo, so a cycle finds it there. */
static struct node *node_of(const char *path, const char **incdirs, size_t nincdirs,
                            const char *sig)
{
  char *key = anyc__xasprintf("%s\n%s", path, sig);
  size_t b = memo_hash(key);
  for (struct node *m = memo[b]; m; m = m->next)
    if (strcmp(m->key, key) == 0) {
      free(key);
      return m;
    }
  size_t kn = strlen(key) + 1;
  struct node *nd = anyc__xrealloc(NULL, sizeof *nd + kn);
  memset(nd, 0, sizeof *nd);
  memcpy(nd->key, key, kn);
  free(key);
  nd->next = memo[b];
  memo[b] = nd;
  char *text;
  size_t n;
  if (anyc__read_file(path, &text, &n) != 0) {
    nd->self = 1; /* unreadable here: let the parse decide */
    return nd;
  }
  nd->self = names_legacy(text, n);
  /* #include "x" / <x> found beside the file or in the include folders */
  for (char *l = text; !nd->self && l && *l; l = strchr(l, '\n')) {
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
    for (size_t d = 0; d <= nincdirs; d++) {
      char *cand = anyc__xasprintf("%s/%s", d == 0 ? dir : incdirs[d - 1], name);
      int found = access(cand, R_OK) == 0;
      if (found) {
        struct node *to = node_of(cand, incdirs, nincdirs, sig);
        VEC_PUSH(nd->incs, to);
      }
      free(cand);
      if (found)
        break;
    }
    free(dir);
    free(name);
  }
  free(text);
  return nd;
}

/* Does any file reachable from nd name the legacy API?  Depth-first, each node once. */
static int reaches_legacy(struct node *nd)
{
  VEC(struct node *) stack = {0};
  nd->mark = walk_mark;
  VEC_PUSH(stack, nd);
  int hit = 0;
  while (stack.n && !hit) {
    struct node *c = stack.v[--stack.n];
    hit = c->self;
    for (size_t i = 0; !hit && i < c->incs.n; i++)
      if (c->incs.v[i]->mark != walk_mark) {
        c->incs.v[i]->mark = walk_mark;
        VEC_PUSH(stack, c->incs.v[i]);
      }
  }
  free(stack.v);
  return hit;
}

/* Forget every header: a run's paths are as given (relative to its directory), and a
 * later run in the same process (the tests) may find other files under those names. */
void anyc__prefilter_reset(void)
{
  for (size_t b = 0; b < MEMO_BUCKETS; b++) {
    while (memo[b]) {
      struct node *nd = memo[b];
      memo[b] = nd->next;
      free(nd->incs.v);
      free(nd);
    }
  }
}

int anyc__prefilter(const char *path, const char **incdirs, size_t nincdirs)
{
  sbuf sig = {0}; /* the include folders, which decide how a header's includes resolve */
  for (size_t i = 0; i < nincdirs; i++)
    anyc__sb_printf(&sig, "%s\n", incdirs[i]);
  walk_mark++;
  int hit = reaches_legacy(node_of(path, incdirs, nincdirs, sig.s ? sig.s : ""));
  free(sig.s);
  return hit;
}
