/* report.h — the migration report: one model, four renderings.
 *
 * anyc__report_build turns what a run found (the file table and its counts) into the
 * model every format renders: the summary, per-rule counts, per-folder counts, and per
 * site its location (byte column and code-point column), rule, status, reason,
 * suggested native form, and a before/after snippet (the site's lines as read, and the
 * same lines with the run's edits applied — or, for a site left for a person, the
 * suggested native code).  The renderers (report.c: Markdown and dispatch;
 * report_sarif.c; report_html.c; JSON in output.c) only format it, so the numbers agree
 * in every format by construction.  docs/report-format.md documents each.
 */
#ifndef ANYC_MIGRATE_REPORT_H
#define ANYC_MIGRATE_REPORT_H

#include "migrate.h"

typedef struct report_rule {
  const rule_info *info;
  size_t rewritten, left;
} report_rule;

typedef struct report_folder {
  char *path;                 /* the directory part of the files' paths ("." if none) */
  size_t rewritten, left;
} report_folder;

typedef struct report_site {
  const src_file *file;
  const site *s;
  unsigned col_cp;            /* 1-based column in Unicode code points (SARIF) */
  unsigned first_line;        /* line number where `before` starts */
  size_t lo, hi;              /* byte range of `before` in the file */
  char *before;               /* the site's source lines, as read */
  char *after;                /* rewritten lines, or the suggested native form */
  const edit *edits;          /* the file's edits inside [lo, hi) (SARIF fixes) */
  size_t nedits;
} report_site;

typedef struct report {
  const file_table *t;        /* the run's files (for the ones not parsed) */
  const run_stats *st;
  double percent;             /* rewritten / sites, 100 when there are none */
  report_rule *rules;         /* every rule, in table order */
  size_t nrules;
  report_folder *folders;     /* folders holding sites, sorted by path */
  size_t nfolders;
  report_site *sites;         /* file order, then by offset */
  size_t nsites;
  edit *sorted_edits;         /* per-file sorted copies, owned */
  size_t nsorted;
  const char *doc_base;       /* where docs/rules/ASxxx.md live (a URI prefix) */
} report;

void anyc__report_build(report *r, const file_table *t, const run_stats *st);
void anyc__report_free(report *r);

/* Render in `format` (json, md, sarif, html).  Returns 0 or a negative errno. */
int anyc__report_write(FILE *out, const char *format, const file_table *t,
                       const run_stats *st);
int anyc__report_json(FILE *out, const report *r);
int anyc__report_md(FILE *out, const report *r);
int anyc__report_sarif(FILE *out, const report *r);
int anyc__report_html(FILE *out, const report *r);

/* A file's status for the reports ("ok", "not-parsed", "conflict", "changed-on-disk",
 * "not-written") and why (the parse's first error, the conflict; "" when ok). */
const char *anyc__file_status(const src_file *f);
const char *anyc__file_message(const src_file *f);

/* A path as URI characters: unreserved bytes as they are, '/' kept, every other byte
 * percent-encoded (SARIF artifact URIs, Markdown link targets). */
void anyc__uri_chars(FILE *out, const char *p);

/* A JSON string literal.  html_safe also escapes < > & so the text can sit inside a
 * <script> element. */
void anyc__json_str(FILE *out, const char *s, int html_safe);
/* The URI of a rule's page, doc_base + id + ".md", written into buf. */
const char *anyc__rule_uri(const report *r, const char *id, char *buf, size_t n);

#endif
