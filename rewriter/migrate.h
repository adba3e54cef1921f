/* migrate.h — internal interface of anyc-migrate, the libclang rewriter.
 *
 * Pipeline (driver.c): options (cli.c) -> the files to scan (files.c) -> token
 * pre-filter (prefilter.c) -> one job per compile command, parsed by -j workers with one
 * CXIndex each (parse.c) -> legacy sites found and turned into byte edits by the rules
 * (sites.c walks, ast.c reads, rules_call.c / rules_service.c / rules_task.c rewrite,
 * sites.h; the rule table in rules.c) -> edits merged per real file, duplicates dropped,
 * overlaps refused (edits.c) -> diff (diff.c), atomic write-back, diagnostics and the
 * report (output.c).
 *
 * The tool owns its edits: it never uses CXRewriter (which silently drops edits inside
 * macro expansions).  Layering: libclang only, never libanyc or the shim.
 */
#ifndef ANYC_MIGRATE_H
#define ANYC_MIGRATE_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#define ANYC_MIGRATE_VERSION "0.1.0"

/* ---- growable arrays ---------------------------------------------------------------- */
void *anyc__xrealloc(void *p, size_t n);
char *anyc__xstrdup(const char *s);
char *anyc__xstrndup(const char *s, size_t n);
char *anyc__xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define VEC(T) struct { T *v; size_t n, cap; }
#define VEC_PUSH(vec, x)                                                              \
  do {                                                                                \
    if ((vec).n == (vec).cap) {                                                       \
      (vec).cap = (vec).cap ? 2 * (vec).cap : 8;                                      \
      (vec).v = anyc__xrealloc((vec).v, (vec).cap * sizeof *(vec).v);                 \
    }                                                                                 \
    (vec).v[(vec).n++] = (x);                                                         \
  } while (0)

/* A string builder. */
typedef struct sbuf { char *s; size_t n, cap; } sbuf;
void anyc__sb_addn(sbuf *b, const char *s, size_t n);
void anyc__sb_add(sbuf *b, const char *s);
void anyc__sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- options ------------------------------------------------------------------------ */
enum mode { MODE_DIFF, MODE_WRITE, MODE_CHECK };
typedef struct options {
  enum mode mode;
  VEC(const char *) reports; /* --report FILE (repeatable: one report per file) */
  const char *format;        /* --format (every report in it); NULL: each file's extension */
  const char *db_dir;        /* -p DIR */
  VEC(const char *) extra;   /* --extra-arg, -I, -D, as compiler arguments */
  VEC(const char *) exclude; /* --exclude GLOB */
  VEC(const char *) paths;
  VEC(const char *) rules;   /* --rules; empty = all */
  int jobs;
  int quiet, verbose, prefilter;
  int pch;                   /* share precompiled system headers (off: --no-pch) */
} options;

/* Parse argv.  Returns 0 to go on, 1 when done (help, version, list printed), or -1
 * after printing a usage error to `err`. */
int anyc__cli_parse(options *o, int argc, char **argv, FILE *out, FILE *err);
void anyc__options_free(options *o);
/* The format of report file `file`: --format, else the file's extension ("" if none). */
const char *anyc__report_format(const options *o, const char *file);

/* ---- rules -------------------------------------------------------------------------- */
typedef struct rule_info {
  const char *id;     /* AS0xx rewritten, AS1xx left for a person */
  const char *name;   /* kebab-case */
  const char *title;  /* one line */
} rule_info;
extern const rule_info anyc__rules[];
extern const size_t anyc__rule_count;
const rule_info *anyc__rule_find(const char *id);
int anyc__rule_enabled(const options *o, const char *id);

/* ---- files -------------------------------------------------------------------------- */
typedef struct file_id { dev_t dev; ino_t ino; } file_id;

/* Where a site is, and what was found there. */
enum site_class { SC_PLAIN, SC_MACRO_ARG, SC_MACRO_BODY, SC_HEADER, SC_INACTIVE };
const char *anyc__site_class_name(enum site_class c);

typedef struct site {
  size_t offset;          /* byte offset in the file */
  unsigned line, col;     /* 1-based; col in bytes */
  const char *rule;       /* rule id */
  int rewritten;
  enum site_class cls;
  char *what;             /* the legacy name, e.g. "as_run_task" */
  char *reason;           /* why left / what changed in meaning */
  char *suggest;          /* suggested native form (left sites), or the new code */
  int svc;                /* part of the service pattern: migrated all-or-nothing */
} site;

typedef struct edit { size_t off, len; char *text; } edit;
typedef VEC(edit) edit_vec;
typedef VEC(site) site_vec;

/* One `#include <async_service.h>` (or "async_service.h") of a file: the header-name
 * token.  A file may name the header more than once (an include guard makes the others
 * no-ops): every one switches to anyc.h, or none. */
#define ANYC_MAX_LEGACY_INCLUDES 8
typedef struct legacy_include {
  size_t off, len;
  char quote;          /* '<' or '"' */
} legacy_include;

/* A file the run looked at, keyed by its real identity (dev/inode). */
typedef struct src_file {
  char *path;          /* as displayed: the path the user gave (or found below it) */
  file_id id;
  int scanned;         /* named by the paths (may be edited); else reached only */
  int candidate;       /* pre-filter said: names a legacy identifier */
  int parse_failed;
  int conflict;        /* differing overlapping edits, or TUs disagree */
  int content_mismatch;
  int write_failed;
  int has_include;     /* how many #include <async_service.h> it holds (in `inc`) */
  int keep_include;    /* a file compiled with this one uses the legacy API through it */
  legacy_include inc[ANYC_MAX_LEGACY_INCLUDES];
  char *content;       /* the bytes the parses saw; NULL until a parse used it */
  size_t size;
  edit_vec edits;
  edit_vec svc_edits;  /* the service pattern's edits: applied only if its whole
                          component (files sharing translation units) migrates */
  site_vec sites;
  char *conflict_msg;
  char *parse_msg;     /* the first error of a parse that failed */
} src_file;

typedef struct file_table {
  VEC(src_file) f;
  file_id *index;      /* the scanned files' identities, sorted (lock-free lookups) */
  size_t nindex;
} file_table;
/* Build the index once the paths are collected (before any parse). */
void anyc__file_index_build(file_table *t);
int anyc__file_scanned(const file_table *t, file_id id);
int anyc__file_identity(const char *path, file_id *out);
src_file *anyc__file_lookup(file_table *t, file_id id);
/* Expand the paths (folders: every *.c and *.h below), apply --exclude.  Unreadable
 * paths are reported to err and counted in *bad. */
void anyc__collect_files(const options *o, file_table *t, FILE *err, int *bad);
int anyc__read_file(const char *path, char **data, size_t *size);
void anyc__file_table_free(file_table *t);
void anyc__sites_free(site_vec *v);      /* a site vector and the strings it owns */

/* ---- pre-filter ------------------------------------------------------------------- */
int anyc__is_legacy_ident(const char *s, size_t n);
/* 1 if `text` or a header it includes (found in dir or include dirs) names the API. */
int anyc__prefilter(const char *path, const char **incdirs, size_t nincdirs);
void anyc__prefilter_reset(void);

/* ---- edits -------------------------------------------------------------------------- */
/* Add an edit; identical ones are kept once.  Returns 0, or -1 on a conflict (message
 * stored in *msg). */
int anyc__edit_add(edit_vec *v, size_t off, size_t len, const char *text, char **msg,
                   const char *content);
/* Apply sorted edits to content; returns the new text (malloc'd) and its size. */
char *anyc__edits_apply(const edit_vec *v, const char *content, size_t size, size_t *out);
void anyc__edits_sort(edit_vec *v);
void anyc__edits_free(edit_vec *v);

/* ---- diff --------------------------------------------------------------------------- */
void anyc__unified_diff(FILE *out, const char *path, const char *a, size_t an,
                        const char *b, size_t bn);

/* ---- parsing and sites (parse.c; sites.c, ast.c, rules_*.c; rules.c) ---------------- */
/* What one translation unit produced for one file. */
typedef struct tu_file {
  file_id id;
  char *path;
  char *content; size_t size;
  edit_vec edits;
  edit_vec svc_edits;
  site_vec sites;
  int has_include;     /* as src_file's */
  legacy_include inc[ANYC_MAX_LEGACY_INCLUDES];
} tu_file;

typedef struct tu_result {
  char *main_path;
  int failed;            /* errors: its edits are dropped, the main file not touched */
  char *diag;            /* the first error, for the message */
  VEC(tu_file) files;
} tu_result;


typedef struct job {
  char *file;            /* the main file */
  char **argv; int argc; /* full compiler argv (argv[0] = compiler) */
  char *dir;             /* working directory, or NULL */
  int listed;            /* the compilation database lists the file: a unit of the build */
  tu_result res;
} job;

/* Build the jobs for the candidate .c files (and the headers no TU reaches are parsed
 * on their own later).  Returns 0, or -1 when the compilation database cannot be read. */
typedef VEC(job) job_vec;
int anyc__make_jobs(const options *o, file_table *t, job_vec *jobs, FILE *err);
/* Jobs for candidate headers no translation unit reached (parsed on their own). */
void anyc__header_jobs(const options *o, file_table *t, const int *reached, job_vec *jobs);
void anyc__run_jobs(const options *o, const file_table *t, job *jobs, size_t n, FILE *err);
void anyc__job_free(job *j);

/* The arguments one job is parsed with (parse.c): the job's argv with relative paths
 * made absolute, then -Wno-error and the fallback header folders; v has room for two
 * more.  input: the index in v of the one input file, or -1. */
typedef struct tu_args {
  char **abs; int nabs;  /* owned */
  const char **v; int n;
  int input;
} tu_args;
void anyc__tu_args_build(const job *j, tu_args *a);
void anyc__tu_args_free(tu_args *a);
/* Parse with the tool's flags (| more_flags).  0 when the unit has no error (then *tu
 * is set); else -1, *tu NULL and, if diag, the first error in *diag (malloc'd). */
struct CXTranslationUnitImpl;
int anyc__parse(void *idx, const char *const *args, int n, unsigned more_flags,
                struct CXTranslationUnitImpl **tu, const char *file, char **diag);

/* Shared precompiled headers (pch.c): jobs with the same arguments whose files open
 * with the same run of #include <...> of system headers (and the anyc headers) parse
 * against one PCH of that run, built once per run.  NULL: none worth building. */
typedef struct anyc__pch_set anyc__pch_set;
anyc__pch_set *anyc__pch_plan(const file_table *t, const job *jobs, size_t n);
/* The PCH for jobs[i] of the plan, or NULL (parse plainly). */
const char *anyc__pch_for(const anyc__pch_set *s, size_t i);
void anyc__pch_free(anyc__pch_set *s);

/* Find the legacy sites of one parsed TU and their edits (sites.c + the rule files). */
void anyc__find_sites(struct CXTranslationUnitImpl *tu, const options *o,
                      const file_table *t, tu_result *res);

/* ---- driver and output ------------------------------------------------------------- */
/* Whole-tool entry, so tests can run it in-process.  Returns the exit status. */
int anyc__migrate_main(int argc, char **argv, FILE *out, FILE *err);
/* Called just before a file is replaced (tests use it to change the file under us). */
extern void (*anyc__before_write_hook)(const char *path);
/* Atomically replace path with data, keeping its mode, if it still holds `expect`.
 * Returns 0, -ESTALE when it changed since it was read, or a negative errno. */
int anyc__replace_file(const char *path, const char *expect, size_t expect_n,
                       const char *data, size_t n);

typedef struct run_stats {
  size_t files_scanned, files_legacy, sites, rewritten, left, not_parsed, conflicts;
} run_stats;
int anyc__write_json_report(FILE *out, const file_table *t, const run_stats *st);

#endif
