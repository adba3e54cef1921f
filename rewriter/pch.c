/* pch.c — shared precompiled headers: most of a parse is the system headers every file
 * includes (<async_service.h> -> <anyc.h> -> <stdio.h> ...), read and parsed again for
 * each translation unit.  Before the workers start, the jobs are grouped by their
 * arguments and by the run of `#include <...>` lines their main file opens with; for
 * every run two or more jobs share, that run is parsed once and saved as a PCH, and the
 * jobs parse with -include-pch (parse.c).
 *
 * The PCH must not change what a parse finds, so a run is precompiled only when:
 *  - it is the file's very first tokens (comments and blank lines aside), in `<...>`
 *    form (a quoted name would be looked up beside the temporary header);
 *  - the arguments hold no -include / -imacros / -x / -Xclang (which -include-pch would
 *    reorder or which make the PCH's language differ), and are the job's own;
 *  - every header it reaches is a system header or the anyc headers (async_service.h,
 *    anyc.h), none of them a file being migrated: their declarations are the ones the
 *    site walk skips anyway (sites.c, anyc__in_system), and no edit can fall inside;
 *  - every header the run names directly is include-guarded (or #pragma once), so the
 *    file's own #include of it after the PCH is a no-op, as it would be without the PCH.
 * A PCH that cannot be built is not used; a parse with it that reports any error is
 * redone plainly (parse.c), so the plain parse always has the last word. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <clang-c/Index.h>

#include "migrate.h"

typedef VEC(char *) strs;

typedef struct pch {
  strs key;        /* the arguments, the input file and output-only options dropped */
  strs incs;       /* the header names of the run (or of its start), "<...>" */
  unsigned long hash;
  size_t uses;     /* jobs whose run starts with incs */
  size_t up;       /* the entry one name shorter + 1, or 0 */
  int tried;
  char *path;      /* the saved PCH, or NULL */
  char *hdr;       /* the run as a header: kept while the PCH is used (clang checks
                      that a PCH's inputs are still there, unchanged) */
} pch;

struct anyc__pch_set {
  VEC(pch) p;
  size_t *choice;  /* per job: index into p + 1, or 0 */
  char *dir;       /* temporary folder holding the PCHs */
};

static void strs_free(strs *s)
{
  for (size_t i = 0; i < s->n; i++)
    free(s->v[i]);
  free(s->v);
}

static int strs_equal(const strs *a, const strs *b, size_t n)
{
  if (a->n < n || b->n < n)
    return 0;
  for (size_t i = 0; i < n; i++)
    if (strcmp(a->v[i], b->v[i]) != 0)
      return 0;
  return 1;
}

/* Skip blanks, newlines and comments from s[i]; returns the new index. */
static size_t skip_space(const char *s, size_t n, size_t i, int newlines)
{
  while (i < n) {
    if (s[i] == ' ' || s[i] == '\t' || s[i] == '\f' || s[i] == '\v' || s[i] == '\r' ||
        (newlines && s[i] == '\n')) {
      i++;
    } else if (s[i] == '/' && i + 1 < n && s[i + 1] == '*') {
      const char *e = NULL;
      for (size_t k = i + 2; k + 1 < n && !e; k++)
        if (s[k] == '*' && s[k + 1] == '/')
          e = s + k;
      if (!e || (!newlines && memchr(s + i, '\n', (size_t)(e - (s + i)))))
        return i;
      i = (size_t)(e - s) + 2;
    } else if (s[i] == '/' && i + 1 < n && s[i + 1] == '/') {
      if (!newlines)
        return i; /* a line comment ends the directive: stop at it like at '\n' */
      while (i < n && s[i] != '\n')
        i++;
    } else {
      break;
    }
  }
  return i;
}

/* The `#include <...>` lines a file opens with, in order.  Anything else (another
 * directive, code, a backslash continuation, a quoted or macro name) ends the run. */
static void leading_includes(const char *s, size_t n, strs *out)
{
  size_t i = 0;
  for (;;) {
    i = skip_space(s, n, i, 1);
    if (i >= n || s[i] != '#')
      return;
    i = skip_space(s, n, i + 1, 0);
    if (n - i < 7 || memcmp(s + i, "include", 7) != 0)
      return;
    i = skip_space(s, n, i + 7, 0);
    if (i >= n || s[i] != '<')
      return;
    size_t b = i;
    while (i < n && s[i] != '>' && s[i] != '\n' && s[i] != '\\')
      i++;
    if (i >= n || s[i] != '>' || i == b + 1)
      return;
    i++;
    size_t e = i;
    i = skip_space(s, n, i, 0);
    if (i < n && s[i] == '/' && i + 1 < n && s[i + 1] == '/')
      while (i < n && s[i] != '\n' && s[i] != '\\')
        i++;
    if (i < n && s[i] != '\n')
      return;
    VEC_PUSH(*out, anyc__xstrndup(s + b, e - b));
  }
}

/* The arguments that decide what a parse sees: the input and output-only options
 * dropped.  Returns -1 when the job must not use a PCH. */
static int job_key(const tu_args *a, strs *key)
{
  if (a->input < 0)
    return -1;
  for (int i = 0; i < a->n; i++) {
    const char *s = a->v[i];
    if (strncmp(s, "-include", 8) == 0 || strncmp(s, "-imacros", 8) == 0 ||
        strncmp(s, "-x", 2) == 0 || strcmp(s, "-Xclang") == 0 || strcmp(s, "--") == 0)
      return -1;
  }
  for (int i = 0; i < a->n; i++) {
    const char *s = a->v[i];
    if (i == a->input)
      continue;
    if ((strcmp(s, "-o") == 0 || strcmp(s, "-MF") == 0 || strcmp(s, "-MT") == 0 ||
         strcmp(s, "-MQ") == 0) && i + 1 < a->n) {
      i++;
      continue;
    }
    if (strcmp(s, "-MD") == 0 || strcmp(s, "-MMD") == 0)
      continue;
    VEC_PUSH(*key, anyc__xstrdup(s));
  }
  return 0;
}

typedef struct check {
  const file_table *t;
  CXTranslationUnit tu;
  int ok;
} check;

/* clang_getInclusions visitor: may this header be inside a PCH? (see the top) */
static void check_header(CXFile f, CXSourceLocation *stack, unsigned depth, CXClientData d)
{
  (void)stack;
  check *c = d;
  if (depth == 0 || !c->ok)
    return;
  CXFileUniqueID u;
  if (clang_getFileUniqueID(f, &u) != 0) {
    c->ok = 0;
    return;
  }
  file_id id = {(dev_t)u.data[0], (ino_t)u.data[1]};
  CXString name = clang_getFileName(f);
  const char *p = clang_getCString(name);
  const char *base = p ? strrchr(p, '/') : NULL;
  base = base ? base + 1 : p ? p : "";
  int anyc_header = strcmp(base, "async_service.h") == 0 || strcmp(base, "anyc.h") == 0;
  clang_disposeString(name);
  if (anyc__file_scanned(c->t, id))
    c->ok = 0;
  else if (!anyc_header &&
           !clang_Location_isInSystemHeader(clang_getLocationForOffset(c->tu, f, 0)))
    c->ok = 0;
  else if (depth == 1 && !clang_isFileMultipleIncludeGuarded(c->tu, f))
    c->ok = 0;
}

/* Parse the run as a header with the job's arguments and save it; 0 on success. */
static int build(anyc__pch_set *s, pch *p, const file_table *t, const job *j, size_t k)
{
  if (!s->dir) {
    const char *tmp = getenv("TMPDIR");
    char *tpl = anyc__xasprintf("%s/anyc-migrate-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(tpl)) {
      free(tpl);
      return -1;
    }
    s->dir = tpl;
  }
  char *hdr = anyc__xasprintf("%s/run%zu.h", s->dir, k);
  char *out = anyc__xasprintf("%s/run%zu.pch", s->dir, k);
  FILE *f = fopen(hdr, "w");
  int ok = f != NULL;
  for (size_t i = 0; ok && i < p->incs.n; i++)
    ok = fprintf(f, "#include %s\n", p->incs.v[i]) > 0;
  if (f && fclose(f) != 0)
    ok = 0;
  tu_args a;
  anyc__tu_args_build(j, &a);
  /* the run in place of the input, as a header */
  const char **v = anyc__xrealloc(NULL, ((size_t)a.n + 3) * sizeof *v);
  int n = 0;
  for (int i = 0; i < a.n; i++)
    if (i != a.input)
      v[n++] = a.v[i];
  v[n++] = "-x";
  v[n++] = "c-header";
  v[n++] = hdr;
  CXIndex idx = clang_createIndex(0, 0);
  CXTranslationUnit tu = NULL;
  if (ok && anyc__parse(idx, v, n, CXTranslationUnit_ForSerialization, &tu, hdr, NULL) == 0) {
    check c = {t, tu, 1};
    clang_getInclusions(tu, check_header, &c);
    ok = c.ok && clang_saveTranslationUnit(tu, out, clang_defaultSaveOptions(tu)) ==
                   CXSaveError_None;
    clang_disposeTranslationUnit(tu);
  } else {
    ok = 0;
  }
  clang_disposeIndex(idx);
  free(v);
  anyc__tu_args_free(&a);
  if (ok) {
    p->path = out;
    p->hdr = hdr;
    return 0;
  }
  unlink(hdr);
  free(hdr);
  unlink(out);
  free(out);
  return -1;
}

static unsigned long hash_strs(unsigned long h, const strs *v, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    for (const char *c = v->v[i]; *c; c++)
      h = (h ^ (unsigned char)*c) * 1099511628211UL;
    h = (h ^ 0xff) * 1099511628211UL; /* separator */
  }
  return h;
}

/* The entry for (key, the first `len` names of incs), added if new. */
static size_t entry(anyc__pch_set *s, const strs *key, const strs *incs, size_t len)
{
  unsigned long h = hash_strs(hash_strs(14695981039346656037UL, key, key->n), incs, len);
  for (size_t k = 0; k < s->p.n; k++) {
    pch *p = &s->p.v[k];
    if (p->hash == h && p->key.n == key->n && p->incs.n == len &&
        strs_equal(&p->key, key, key->n) && strs_equal(&p->incs, incs, len))
      return k;
  }
  pch p = {{0}, {0}, h, 0, 0, 0, NULL, NULL};
  for (size_t m = 0; m < key->n; m++)
    VEC_PUSH(p.key, anyc__xstrdup(key->v[m]));
  for (size_t m = 0; m < len; m++)
    VEC_PUSH(p.incs, anyc__xstrdup(incs->v[m]));
  VEC_PUSH(s->p, p);
  return s->p.n - 1;
}

anyc__pch_set *anyc__pch_plan(const file_table *t, const job *jobs, size_t n)
{
  if (n < 2)
    return NULL;
  anyc__pch_set *s = anyc__xrealloc(NULL, sizeof *s);
  memset(s, 0, sizeof *s);
  s->choice = anyc__xrealloc(NULL, n * sizeof *s->choice);
  /* Every prefix of every job's run, counted: a run some jobs share in part (<errno.h>
   * <stdio.h> and <errno.h> <stdio.h> <string.h>) still shares its common part. */
  size_t *last = anyc__xrealloc(NULL, n * sizeof *last); /* entry of the whole run + 1 */
  for (size_t i = 0; i < n; i++) {
    s->choice[i] = 0;
    last[i] = 0;
    tu_args a;
    strs key = {0}, incs = {0};
    anyc__tu_args_build(&jobs[i], &a);
    int usable = job_key(&a, &key) == 0;
    anyc__tu_args_free(&a);
    char *data;
    size_t size;
    if (usable && anyc__read_file(jobs[i].file, &data, &size) == 0) {
      leading_includes(data, size, &incs);
      free(data);
    }
    for (size_t len = 1; len <= incs.n; len++) {
      size_t k = entry(s, &key, &incs, len);
      s->p.v[k].uses++;
      s->p.v[k].up = len > 1 ? last[i] : 0;
      last[i] = k + 1;
    }
    strs_free(&key);
    strs_free(&incs);
  }
  /* Each job wants the longest prefix of its run that another job shares, built with
   * the arguments of the first job that wants it. */
  for (size_t i = 0; i < n; i++) {
    size_t k = last[i];
    while (k && s->p.v[k - 1].uses < 2)
      k = s->p.v[k - 1].up;
    while (k) { /* not built (say, <assert.h> is not guarded): a shorter one */
      pch *p = &s->p.v[k - 1];
      if (!p->tried) {
        p->tried = 1;
        build(s, p, t, &jobs[i], k - 1);
      }
      if (p->path)
        break;
      k = p->up;
    }
    s->choice[i] = k;
  }
  free(last);
  return s;
}

const char *anyc__pch_for(const anyc__pch_set *s, size_t i)
{
  return s && s->choice[i] ? s->p.v[s->choice[i] - 1].path : NULL;
}

void anyc__pch_free(anyc__pch_set *s)
{
  if (!s)
    return;
  for (size_t k = 0; k < s->p.n; k++) {
    strs_free(&s->p.v[k].key);
    strs_free(&s->p.v[k].incs);
    if (s->p.v[k].path)
      unlink(s->p.v[k].path);
    if (s->p.v[k].hdr)
      unlink(s->p.v[k].hdr);
    free(s->p.v[k].path);
    free(s->p.v[k].hdr);
  }
  free(s->p.v);
  free(s->choice);
  if (s->dir)
    rmdir(s->dir);
  free(s->dir);
  free(s);
}
