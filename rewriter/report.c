/* report.c — the report model (see report.h), the format dispatch, and the Markdown
 * rendering (short enough for a pull-request description: summary table, per-rule
 * table, and the sites left for a person as a checklist linking file:line). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

#ifndef ANYC_RULES_DOC_BASE
#define ANYC_RULES_DOC_BASE "docs/rules/"
#endif

/* The length of the valid UTF-8 sequence at s (1-4), or 0 when it is not one (a stray
 * continuation byte, a truncated or overlong sequence, a surrogate, past U+10FFFF). */
static int utf8_len(const unsigned char *s)
{
  int n = s[0] < 0x80 ? 1 : s[0] >= 0xc2 && s[0] <= 0xdf ? 2 : s[0] >= 0xe0 && s[0] <= 0xef ? 3
        : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : 0;
  for (int i = 1; i < n; i++)
    if ((s[i] & 0xc0) != 0x80)
      return 0;
  if ((n == 3 && s[0] == 0xe0 && s[1] < 0xa0) || (n == 3 && s[0] == 0xed && s[1] >= 0xa0) ||
      (n == 4 && s[0] == 0xf0 && s[1] < 0x90) || (n == 4 && s[0] == 0xf4 && s[1] >= 0x90))
    return 0;
  return n;
}

void anyc__json_str(FILE *out, const char *s, int html_safe)
{
  fputc('"', out);
  for (; s && *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c >= 0x80) {
      /* JSON is UTF-8: a source byte that is not (a Latin-1 comment) becomes U+FFFD */
      int n = utf8_len((const unsigned char *)s);
      if (n)
        fwrite(s, 1, (size_t)n, out), s += n - 1;
      else
        fputs("\\ufffd", out);
      continue;
    }
    if (c == '"' || c == '\\')
      fprintf(out, "\\%c", c);
    else if (c == '\n')
      fputs("\\n", out);
    else if (c == '\t')
      fputs("\\t", out);
    else if (c < 0x20 || (html_safe && (c == '<' || c == '>' || c == '&')))
      fprintf(out, "\\u%04x", c);
    else
      fputc(c, out);
  }
  fputc('"', out);
}

void anyc__uri_chars(FILE *out, const char *p)
{
  for (; *p; p++) {
    unsigned char c = (unsigned char)*p;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
        strchr("-._~/", c))
      fputc(c, out);
    else
      fprintf(out, "%%%02X", c);
  }
}

const char *anyc__rule_uri(const report *r, const char *id, char *buf, size_t n)
{
  snprintf(buf, n, "%s%s.md", r->doc_base, id);
  return buf;
}

static int cmp_edit_off(const void *a, const void *b)
{
  const edit *x = a, *y = b;
  return x->off < y->off ? -1 : x->off > y->off ? 1 : (x->len > y->len) - (x->len < y->len);
}

static int cmp_folder(const void *a, const void *b)
{
  return strcmp(((const report_folder *)a)->path, ((const report_folder *)b)->path);
}

static size_t line_start(const char *c, size_t off)
{
  while (off > 0 && c[off - 1] != '\n')
    off--;
  return off;
}

static size_t line_end(const char *c, size_t size, size_t off)
{
  while (off < size && c[off] != '\n')
    off++;
  return off;
}

/* The snippet of a site: its line, widened to whole lines until no edit of the file
 * crosses the range's ends (a replacement spanning lines is shown whole). */
static void snippet(report_site *rs, const src_file *f, const edit *e, size_t ne)
{
  const char *c = f->content;
  size_t lo = line_start(c, rs->s->offset), hi = line_end(c, f->size, rs->s->offset);
  for (int changed = 1; changed;) {
    changed = 0;
    for (size_t i = 0; i < ne; i++) {
      size_t a = e[i].off, b = e[i].off + e[i].len;
      if (b < lo || a > hi)
        continue;
      size_t nlo = line_start(c, a < lo ? a : lo), nhi = line_end(c, f->size, b > hi ? b : hi);
      if (nlo != lo || nhi != hi) {
        lo = nlo;
        hi = nhi;
        changed = 1;
      }
    }
  }
  rs->lo = lo;
  rs->hi = hi;
  rs->first_line = 1;
  for (size_t i = 0; i < lo; i++)
    rs->first_line += c[i] == '\n';
  rs->before = anyc__xstrndup(c + lo, hi - lo);
  size_t first = ne, last = 0;
  for (size_t i = 0; i < ne; i++)
    if (e[i].off >= lo && e[i].off + e[i].len <= hi) {
      if (first == ne)
        first = i;
      last = i + 1;
    }
  rs->edits = first < ne ? e + first : NULL;
  rs->nedits = first < ne ? last - first : 0;
  if (!rs->s->rewritten || !rs->nedits) {
    rs->after = anyc__xstrdup(rs->s->rewritten ? rs->before
                                               : rs->s->suggest ? rs->s->suggest : "");
    return;
  }
  sbuf b = {0};
  size_t pos = lo;
  for (size_t i = 0; i < rs->nedits; i++) {
    const edit *x = &rs->edits[i];
    anyc__sb_addn(&b, c + pos, x->off - pos);
    anyc__sb_add(&b, x->text);
    pos = x->off + x->len;
  }
  anyc__sb_addn(&b, c + pos, hi - pos);
  rs->after = b.s ? b.s : anyc__xstrdup("");
}

static unsigned codepoint_col(const char *c, size_t off)
{
  unsigned col = 1;
  for (size_t i = line_start(c, off); i < off; i++)
    col += ((unsigned char)c[i] & 0xc0) != 0x80;
  return col;
}

static report_folder *folder_of(report *r, const char *path)
{
  const char *slash = strrchr(path, '/');
  char *dir = slash ? anyc__xstrndup(path, (size_t)(slash - path)) : anyc__xstrdup(".");
  for (size_t i = 0; i < r->nfolders; i++)
    if (strcmp(r->folders[i].path, dir) == 0) {
      free(dir);
      return &r->folders[i];
    }
  r->folders = anyc__xrealloc(r->folders, (r->nfolders + 1) * sizeof *r->folders);
  report_folder *f = &r->folders[r->nfolders++];
  f->path = dir;
  f->rewritten = f->left = 0;
  return f;
}

void anyc__report_build(report *r, const file_table *t, const run_stats *st)
{
  memset(r, 0, sizeof *r);
  r->t = t;
  r->st = st;
  /* A file that did not parse holds legacy code nobody counted: it weighs as one site
   * left, so a run with such a file never reads 100% migrated. */
  size_t whole = st->sites + st->not_parsed;
  r->percent = whole ? 100.0 * (double)st->rewritten / (double)whole : 100.0;
  const char *base = getenv("ANYC_MIGRATE_DOC_BASE");
  r->doc_base = base && *base ? base : ANYC_RULES_DOC_BASE;
  r->nrules = anyc__rule_count;
  r->rules = anyc__xrealloc(NULL, r->nrules * sizeof *r->rules);
  for (size_t i = 0; i < r->nrules; i++)
    r->rules[i] = (report_rule){&anyc__rules[i], 0, 0};
  size_t total_edits = 0;
  for (size_t i = 0; i < t->f.n; i++) {
    r->nsites += t->f.v[i].sites.n;
    total_edits += t->f.v[i].edits.n;
  }
  r->sites = anyc__xrealloc(NULL, (r->nsites + 1) * sizeof *r->sites);
  r->sorted_edits = anyc__xrealloc(NULL, (total_edits + 1) * sizeof *r->sorted_edits);
  size_t k = 0;
  for (size_t i = 0; i < t->f.n; i++) {
    const src_file *f = &t->f.v[i];
    if (!f->sites.n)
      continue;
    edit *e = r->sorted_edits + r->nsorted;
    size_t ne = f->content ? f->edits.n : 0;
    if (ne)
      memcpy(e, f->edits.v, ne * sizeof *e);
    qsort(e, ne, sizeof *e, cmp_edit_off);
    r->nsorted += ne;
    report_folder *fo = folder_of(r, f->path);
    for (size_t s = 0; s < f->sites.n; s++) {
      report_site *rs = &r->sites[k++];
      memset(rs, 0, sizeof *rs);
      rs->file = f;
      rs->s = &f->sites.v[s];
      if (f->content && rs->s->offset <= f->size) {
        rs->col_cp = codepoint_col(f->content, rs->s->offset);
        snippet(rs, f, e, ne);
      } else {
        rs->col_cp = rs->s->col;
        rs->first_line = rs->s->line;
        rs->before = anyc__xstrdup("");
        rs->after = anyc__xstrdup(rs->s->suggest ? rs->s->suggest : "");
      }
      rs->s->rewritten ? fo->rewritten++ : fo->left++;
      for (size_t x = 0; x < r->nrules; x++)
        if (strcmp(r->rules[x].info->id, rs->s->rule) == 0)
          rs->s->rewritten ? r->rules[x].rewritten++ : r->rules[x].left++;
    }
  }
  r->nsites = k;
  qsort(r->folders, r->nfolders, sizeof *r->folders, cmp_folder);
}

void anyc__report_free(report *r)
{
  for (size_t i = 0; i < r->nsites; i++) {
    free(r->sites[i].before);
    free(r->sites[i].after);
  }
  for (size_t i = 0; i < r->nfolders; i++)
    free(r->folders[i].path);
  free(r->sites);
  free(r->folders);
  free(r->rules);
  free(r->sorted_edits);
  memset(r, 0, sizeof *r);
}

/* ---- Markdown ---- */

/* A pull-request description must stay readable (and under GitHub's 65,536 characters):
 * the checklist stops after this many sites and says how many more there are. */
#define MD_MAX_LEFT 100

/* Markdown is UTF-8 too (a pull-request description): a byte of a path or reason that
 * is not valid UTF-8 (a Latin-1 file name) is written as U+FFFD, as in the JSON.
 * Returns the bytes consumed at s, 0 for ASCII (the caller writes it). */
static size_t md_utf8(FILE *out, const char *s)
{
  if ((unsigned char)*s < 0x80)
    return 0;
  int n = utf8_len((const unsigned char *)s);
  if (n)
    fwrite(s, 1, (size_t)n, out);
  else
    fputs("\xef\xbf\xbd", out);
  return n ? (size_t)n : 1;
}

/* Markdown-safe text for a table cell or list item: pipes escaped, one line. */
static void md_text(FILE *out, const char *s)
{
  for (size_t n; s && *s; s++) {
    if ((n = md_utf8(out, s)) != 0)
      s += n - 1;
    else if (*s == '|')
      fputs("\\|", out);
    else if (*s == '\n')
      fputc(' ', out);
    else
      fputc(*s, out);
  }
}

static void md_link_text(FILE *out, const char *s)
{
  for (size_t n; *s; s++) {
    if ((n = md_utf8(out, s)) != 0) {
      s += n - 1;
      continue;
    }
    if (strchr("[]\\`*_<>|", *s))
      fputc('\\', out);
    fputc(*s, out);
  }
}

int anyc__report_md(FILE *out, const report *r)
{
  const run_stats *st = r->st;
  char uri[1024];
  fprintf(out, "## anyc-migrate report\n\n");
  fprintf(out, "**%.1f%% migrated**: %zu of %zu legacy sites rewritten, %zu left for a person",
          r->percent, st->rewritten, st->sites, st->left);
  /* a file not parsed weighs as one site left: say so, or the percentage reads wrong */
  if (st->not_parsed)
    fprintf(out, "; %zu file%s not parsed (each counted as one site left)", st->not_parsed,
            st->not_parsed == 1 ? "" : "s");
  fputs(".\n\n", out);
  fprintf(out, "| files scanned | files using the legacy API | sites | rewritten | left | "
               "files not parsed |\n|---:|---:|---:|---:|---:|---:|\n");
  fprintf(out, "| %zu | %zu | %zu | %zu | %zu | %zu |\n\n", st->files_scanned,
          st->files_legacy, st->sites, st->rewritten, st->left, st->not_parsed);
  fprintf(out, "### By rule\n\n| rule | title | rewritten | left |\n|---|---|---:|---:|\n");
  for (size_t i = 0; i < r->nrules; i++) {
    const report_rule *ru = &r->rules[i];
    if (!ru->rewritten && !ru->left)
      continue;
    fprintf(out, "| [%s](%s) | ", ru->info->id, anyc__rule_uri(r, ru->info->id, uri, sizeof uri));
    md_text(out, ru->info->title);
    fprintf(out, " | %zu | %zu |\n", ru->rewritten, ru->left);
  }
  if (st->left) {
    fprintf(out, "\n### Left for a person\n\n");
    size_t listed = 0;
    for (size_t i = 0; i < r->nsites; i++) {
      const report_site *rs = &r->sites[i];
      if (rs->s->rewritten)
        continue;
      if (listed++ == MD_MAX_LEFT) {
        fprintf(out, "- … and %zu more (the HTML, JSON and SARIF reports list every site)\n",
                st->left - MD_MAX_LEFT);
        break;
      }
      /* the path as link text (brackets escaped) and as a link target (percent-encoded:
       * a space or a parenthesis in a folder name would end a Markdown link) */
      fputs("- [ ] [", out);
      md_link_text(out, rs->file->path);
      fprintf(out, ":%u](", rs->s->line);
      anyc__uri_chars(out, rs->file->path);
      fprintf(out, "#L%u) **%s** `%s`: ", rs->s->line, rs->s->rule,
              rs->s->what ? rs->s->what : "");
      md_text(out, rs->s->reason);
      if (rs->s->suggest && *rs->s->suggest) {
        fputs(" — native form: `", out);
        md_text(out, rs->s->suggest);
        fputc('`', out);
      }
      fputc('\n', out);
    }
  }
  if (st->not_parsed) {
    fprintf(out, "\n### Not parsed (left untouched)\n\n");
    for (size_t i = 0; i < r->t->f.n; i++)
      if (r->t->f.v[i].parse_failed) {
        fputs("- `", out);
        md_text(out, r->t->f.v[i].path);
        fputs("`\n", out);
      }
  }
  return ferror(out) ? -EIO : 0;
}

/* ---- JSON (schema 1; docs/report-format.md, docs/report.schema.json) ---- */

const char *anyc__file_status(const src_file *f)
{
  return f->parse_failed       ? "not-parsed"
         : f->conflict         ? "conflict"
         : f->content_mismatch ? "changed-on-disk"
         : f->write_failed     ? "not-written"
                               : "ok";
}

const char *anyc__file_message(const src_file *f)
{
  return f->conflict_msg ? f->conflict_msg
         : f->parse_msg  ? f->parse_msg
         : f->content_mismatch ? "it changed on disk while it was being parsed"
                               : "";
}

int anyc__report_json(FILE *out, const report *r)
{
  const run_stats *st = r->st;
  fputs("{\n  \"schema\": 1,\n  \"tool\": {\"name\": \"anyc-migrate\", \"version\": ", out);
  anyc__json_str(out, ANYC_MIGRATE_VERSION, 0);
  fprintf(out, "},\n  \"summary\": {\"files_scanned\": %zu, \"files_legacy\": %zu, "
               "\"sites\": %zu, \"rewritten\": %zu, \"left\": %zu, \"files_not_parsed\": %zu, "
               "\"conflicts\": %zu, \"percent_migrated\": %.1f},\n",
          st->files_scanned, st->files_legacy, st->sites, st->rewritten, st->left,
          st->not_parsed, st->conflicts, r->percent);
  fputs("  \"rules\": [", out);
  for (size_t i = 0; i < r->nrules; i++) {
    const report_rule *ru = &r->rules[i];
    fprintf(out, "%s\n    {\"id\": \"%s\", \"name\": ", i ? "," : "", ru->info->id);
    anyc__json_str(out, ru->info->name, 0);
    fputs(", \"title\": ", out);
    anyc__json_str(out, ru->info->title, 0);
    fprintf(out, ", \"doc\": \"docs/rules/%s.md\", \"rewritten\": %zu, \"left\": %zu}",
            ru->info->id, ru->rewritten, ru->left);
  }
  fputs("\n  ],\n  \"files\": [", out);
  int first = 1;
  size_t k = 0; /* r->sites follows the file table's order */
  for (size_t i = 0; i < r->t->f.n; i++) {
    const src_file *f = &r->t->f.v[i];
    if (!f->sites.n && !f->parse_failed && !f->conflict)
      continue;
    fprintf(out, "%s\n    {\"path\": ", first ? "" : ",");
    first = 0;
    anyc__json_str(out, f->path, 0);
    fprintf(out, ", \"status\": \"%s\", \"message\": ", anyc__file_status(f));
    anyc__json_str(out, anyc__file_message(f), 0);
    fputs(", \"sites\": [", out);
    for (size_t s = 0; s < f->sites.n; s++, k++) {
      const report_site *rs = &r->sites[k];
      const site *x = rs->s;
      fprintf(out, "%s\n      {\"line\": %u, \"column\": %u, \"offset\": %zu, \"rule\": \"%s\", "
                   "\"rewritten\": %s, \"class\": \"%s\", \"legacy\": ",
              s ? "," : "", x->line, x->col, x->offset, x->rule, x->rewritten ? "true" : "false",
              anyc__site_class_name(x->cls));
      anyc__json_str(out, x->what, 0);
      fputs(", \"reason\": ", out);
      anyc__json_str(out, x->reason, 0);
      fputs(", \"suggestion\": ", out);
      anyc__json_str(out, x->suggest, 0);
      fprintf(out, ", \"snippet_line\": %u, \"before\": ", rs->first_line);
      anyc__json_str(out, rs->before, 0);
      fputs(", \"after\": ", out);
      anyc__json_str(out, rs->after, 0);
      fputc('}', out);
    }
    fputs(f->sites.n ? "\n    ]}" : "]}", out);
  }
  fputs("\n  ]\n}\n", out);
  return ferror(out) ? -EIO : 0;
}

int anyc__write_json_report(FILE *out, const file_table *t, const run_stats *st)
{
  return anyc__report_write(out, "json", t, st);
}

int anyc__report_write(FILE *out, const char *format, const file_table *t,
                       const run_stats *st)
{
  report r;
  anyc__report_build(&r, t, st);
  int rc = strcmp(format, "json") == 0    ? anyc__report_json(out, &r)
           : strcmp(format, "md") == 0    ? anyc__report_md(out, &r)
           : strcmp(format, "sarif") == 0 ? anyc__report_sarif(out, &r)
           : strcmp(format, "html") == 0  ? anyc__report_html(out, &r)
                                          : -EINVAL;
  anyc__report_free(&r);
  return rc;
}
