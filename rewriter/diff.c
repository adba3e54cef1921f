/* diff.c — the unified diff printed in the default (dry-run) mode, applicable with
 * `patch -p0` / `git apply`.  A line diff (LCS) with 3 lines of context; the files are
 * split into lines once, and the LCS runs only over the region between the first and
 * the last changed line, which is small for a rewrite. */
#include <stdlib.h>
#include <string.h>

#include "migrate.h"

typedef struct line { const char *s; size_t n; } line;

static line *split(const char *t, size_t n, size_t *count)
{
  line *v = NULL;
  size_t c = 0, cap = 0;
  for (size_t i = 0; i < n;) {
    const char *nl = memchr(t + i, '\n', n - i);
    size_t e = nl ? (size_t)(nl - t) + 1 : n;
    if (c == cap)
      v = anyc__xrealloc(v, (cap = cap ? cap * 2 : 64) * sizeof *v);
    v[c++] = (line){t + i, e - i};
    i = e;
  }
  *count = c;
  return v;
}

static int same(line a, line b)
{
  return a.n == b.n && memcmp(a.s, b.s, a.n) == 0;
}

static void put(FILE *out, char tag, line l)
{
  fputc(tag, out);
  fwrite(l.s, 1, l.n, out);
  if (l.n == 0 || l.s[l.n - 1] != '\n')
    fputs("\n\\ No newline at end of file\n", out);
}

enum { CTX = 3, WINDOW = 200, SYNC = 3 };

/* ops: 0 keep, 1 delete (a), 2 insert (b) */
typedef struct op { int kind; size_t ai, bi; } op;

void anyc__unified_diff(FILE *out, const char *path, const char *a, size_t an,
                        const char *b, size_t bn)
{
  size_t na, nb;
  line *la = split(a, an, &na), *lb = split(b, bn, &nb);
  size_t pre = 0, suf = 0;
  while (pre < na && pre < nb && same(la[pre], lb[pre]))
    pre++;
  while (suf < na - pre && suf < nb - pre && same(la[na - 1 - suf], lb[nb - 1 - suf]))
    suf++;
  size_t ma = na - pre - suf, mb = nb - pre - suf;
  /* LCS table over the middle (bounded: beyond it, delete-all/insert-all). */
  unsigned *t = NULL;
  int lcs = (ma + 1) * (mb + 1) <= 16u * 1024 * 1024;
  if (lcs) {
    t = anyc__xrealloc(NULL, (ma + 1) * (mb + 1) * sizeof *t);
    for (size_t i = ma + 1; i-- > 0;)
      for (size_t j = mb + 1; j-- > 0;) {
        unsigned *c = &t[i * (mb + 1) + j];
        if (i == ma || j == mb)
          *c = 0;
        else if (same(la[pre + i], lb[pre + j]))
          *c = t[(i + 1) * (mb + 1) + j + 1] + 1;
        else {
          unsigned d = t[(i + 1) * (mb + 1) + j], r = t[i * (mb + 1) + j + 1];
          *c = d > r ? d : r;
        }
      }
  }
  op *ops = anyc__xrealloc(NULL, (na + nb + 1) * sizeof *ops);
  size_t nops = 0;
  for (size_t i = 0; i < pre; i++)
    ops[nops++] = (op){0, i, i};
  size_t i = 0, j = 0;
  while (!lcs && (i < ma || j < mb)) {
    /* Too large for the table: walk both sides, and at each mismatch resynchronise on
     * the nearest pair of lines that starts SYNC equal lines (searched up to WINDOW
     * lines ahead on each side).  Every op stays correct; only minimality is lost. */
    if (i < ma && j < mb && same(la[pre + i], lb[pre + j])) {
      ops[nops++] = (op){0, pre + i, pre + j};
      i++, j++;
      continue;
    }
    size_t di = 0, dj = 0;
    int found = 0;
    for (size_t sum = 1; sum <= 2 * WINDOW && !found; sum++)
      for (size_t x = 0; x <= sum && !found; x++) {
        size_t y = sum - x;
        if (x > WINDOW || y > WINDOW || i + x > ma || j + y > mb)
          continue;
        size_t k = 0;
        while (k < SYNC && i + x + k < ma && j + y + k < mb &&
               same(la[pre + i + x + k], lb[pre + j + y + k]))
          k++;
        if (k == SYNC || (k > 0 && (i + x + k == ma || j + y + k == mb)) ||
            (i + x == ma && j + y == mb)) {
          di = x, dj = y, found = 1;
        }
      }
    if (!found) {
      di = i < ma ? 1 : 0;
      dj = j < mb ? 1 : 0;
    }
    for (size_t k = 0; k < di; k++, i++)
      ops[nops++] = (op){1, pre + i, pre + j};
    for (size_t k = 0; k < dj; k++, j++)
      ops[nops++] = (op){2, pre + i, pre + j};
  }
  while (i < ma || j < mb) {
    if (lcs && i < ma && j < mb && same(la[pre + i], lb[pre + j])) {
      ops[nops++] = (op){0, pre + i, pre + j};
      i++, j++;
    } else if (i < ma && (j == mb || !lcs ||
                          t[(i + 1) * (mb + 1) + j] >= t[i * (mb + 1) + j + 1])) {
      ops[nops++] = (op){1, pre + i, pre + j};
      i++;
    } else {
      ops[nops++] = (op){2, pre + i, pre + j};
      j++;
    }
  }
  for (size_t k = 0; k < suf; k++)
    ops[nops++] = (op){0, na - suf + k, nb - suf + k};
  free(t);

  int header = 0;
  for (size_t k = 0; k < nops;) {
    if (ops[k].kind == 0) {
      k++;
      continue;
    }
    /* A hunk: from CTX lines before this change to CTX after the last change that is
     * no more than 2*CTX unchanged lines from the previous one. */
    size_t start = k >= CTX ? k - CTX : 0, end = k;
    for (size_t q = k; q < nops; q++) {
      if (ops[q].kind != 0)
        end = q;
      else if (q - end > 2 * CTX)
        break;
    }
    size_t stop = end + CTX + 1 < nops ? end + CTX + 1 : nops;
    size_t acount = 0, bcount = 0;
    for (size_t q = start; q < stop; q++) {
      acount += ops[q].kind != 2;
      bcount += ops[q].kind != 1;
    }
    if (!header) {
      fprintf(out, "--- %s\n+++ %s\n", path, path);
      header = 1;
    }
    size_t astart = ops[start].ai + (acount ? 1 : 0), bstart = ops[start].bi + (bcount ? 1 : 0);
    fprintf(out, "@@ -%zu,%zu +%zu,%zu @@\n", astart, acount, bstart, bcount);
    for (size_t q = start; q < stop; q++) {
      if (ops[q].kind == 0)
        put(out, ' ', la[ops[q].ai]);
      else if (ops[q].kind == 1)
        put(out, '-', la[ops[q].ai]);
      else
        put(out, '+', lb[ops[q].bi]);
    }
    k = stop;
  }
  free(ops);
  free(la);
  free(lb);
}
