/* output.c — what leaves the tool: files replaced atomically, and the JSON report.
 *
 * Replacing a file: read it again and compare with the bytes the parses saw (a file
 * changed on disk since is not written: -ESTALE), write the new text beside it, fsync,
 * give it the old mode, compare once more, rename over the original, fsync the folder.
 * A failure at any step leaves the original as it was. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "migrate.h"

void (*anyc__before_write_hook)(const char *path);

static int unchanged(const char *path, const char *expect, size_t n)
{
  char *now;
  size_t nn;
  int r = anyc__read_file(path, &now, &nn);
  if (r != 0)
    return r;
  r = nn == n && memcmp(now, expect, n) == 0 ? 0 : -ESTALE;
  free(now);
  return r;
}

int anyc__replace_file(const char *path, const char *expect, size_t expect_n,
                       const char *data, size_t n)
{
  int r = unchanged(path, expect, expect_n);
  if (r != 0)
    return r;
  /* Resolve a symlink: replace the file it names, keep the link. */
  char *real = realpath(path, NULL);
  if (!real)
    return -errno;
  struct stat st;
  if (stat(real, &st) != 0) {
    r = -errno;
    free(real);
    return r;
  }
  /* A read-only file is the user's "do not touch", even for root (who could rename
   * over it). */
  if (!(st.st_mode & 0222) || access(real, W_OK) != 0) {
    free(real);
    return -EACCES;
  }
  char *tmp = anyc__xasprintf("%s.anyc-migrate.XXXXXX", real);
  int fd = mkstemp(tmp);
  if (fd < 0) {
    r = -errno;
    goto out;
  }
  for (size_t done = 0; done < n;) {
    ssize_t w = write(fd, data + done, n - done);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      r = -errno;
      break;
    }
    done += (size_t)w;
  }
  if (r == 0 && fchmod(fd, st.st_mode & 07777) != 0)
    r = -errno;
  if (r == 0 && fsync(fd) != 0)
    r = -errno;
  if (close(fd) != 0 && r == 0)
    r = -errno;
  if (r == 0 && anyc__before_write_hook)
    anyc__before_write_hook(path);
  if (r == 0)
    r = unchanged(real, expect, expect_n);
  if (r == 0 && rename(tmp, real) != 0)
    r = -errno;
  if (r != 0) {
    unlink(tmp);
  } else {
    char *dcopy = anyc__xstrdup(real);
    int dfd = open(dirname(dcopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
      fsync(dfd);
      close(dfd);
    }
    free(dcopy);
  }
out:
  free(tmp);
  free(real);
  return r;
}

/* ---- JSON report (schema 1, docs/report-format.md) ---------------------------------- */

static void jstr(FILE *out, const char *s)
{
  fputc('"', out);
  for (; s && *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      fprintf(out, "\\%c", c);
    else if (c == '\n')
      fputs("\\n", out);
    else if (c == '\t')
      fputs("\\t", out);
    else if (c < 0x20)
      fprintf(out, "\\u%04x", c);
    else
      fputc(c, out);
  }
  fputc('"', out);
}

int anyc__write_json_report(FILE *out, const file_table *t, const run_stats *st)
{
  fprintf(out, "{\n  \"schema\": 1,\n  \"tool\": {\"name\": \"anyc-migrate\", \"version\": ");
  jstr(out, ANYC_MIGRATE_VERSION);
  double pct = st->sites ? 100.0 * (double)st->rewritten / (double)st->sites : 100.0;
  fprintf(out, "},\n  \"summary\": {\"files_scanned\": %zu, \"files_legacy\": %zu, "
               "\"sites\": %zu, \"rewritten\": %zu, \"left\": %zu, \"files_not_parsed\": %zu, "
               "\"conflicts\": %zu, \"percent_migrated\": %.1f},\n",
          st->files_scanned, st->files_legacy, st->sites, st->rewritten, st->left,
          st->not_parsed, st->conflicts, pct);
  fputs("  \"rules\": [", out);
  for (size_t r = 0; r < anyc__rule_count; r++) {
    size_t rw = 0, lf = 0;
    for (size_t i = 0; i < t->f.n; i++)
      for (size_t s = 0; s < t->f.v[i].sites.n; s++) {
        const site *x = &t->f.v[i].sites.v[s];
        if (strcmp(x->rule, anyc__rules[r].id) == 0)
          x->rewritten ? rw++ : lf++;
      }
    fprintf(out, "%s\n    {\"id\": \"%s\", \"name\": \"%s\", \"title\": ", r ? "," : "",
            anyc__rules[r].id, anyc__rules[r].name);
    jstr(out, anyc__rules[r].title);
    fprintf(out, ", \"doc\": \"docs/rules/%s.md\", \"rewritten\": %zu, \"left\": %zu}",
            anyc__rules[r].id, rw, lf);
  }
  fputs("\n  ],\n  \"files\": [", out);
  int first = 1;
  for (size_t i = 0; i < t->f.n; i++) {
    const src_file *f = &t->f.v[i];
    if (!f->sites.n && !f->parse_failed && !f->conflict)
      continue;
    fprintf(out, "%s\n    {\"path\": ", first ? "" : ",");
    first = 0;
    jstr(out, f->path);
    const char *status = f->parse_failed ? "not-parsed" : f->conflict ? "conflict"
                         : f->content_mismatch ? "changed-on-disk" : f->write_failed ? "not-written"
                                                                   : "ok";
    fprintf(out, ", \"status\": \"%s\", \"message\": ", status);
    jstr(out, f->conflict_msg ? f->conflict_msg : "");
    fputs(", \"sites\": [", out);
    for (size_t s = 0; s < f->sites.n; s++) {
      const site *x = &f->sites.v[s];
      fprintf(out, "%s\n      {\"line\": %u, \"column\": %u, \"offset\": %zu, \"rule\": \"%s\", "
                   "\"rewritten\": %s, \"class\": \"%s\", \"legacy\": ",
              s ? "," : "", x->line, x->col, x->offset, x->rule, x->rewritten ? "true" : "false",
              anyc__site_class_name(x->cls));
      jstr(out, x->what);
      fputs(", \"reason\": ", out);
      jstr(out, x->reason);
      fputs(", \"suggestion\": ", out);
      jstr(out, x->suggest);
      fputc('}', out);
    }
    fputs(f->sites.n ? "\n    ]}" : "]}", out);
  }
  fputs("\n  ]\n}\n", out);
  return ferror(out) ? -EIO : 0;
}
