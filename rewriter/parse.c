/* parse.c — turning files into translation units: the jobs (one per compile command;
 * a file listed twice in the database is parsed twice), and -j worker threads that
 * parse them, CXIndexes per worker created up front (a CXIndex or a TU is never
 * shared between threads).  Jobs that share their arguments and leading system
 * includes parse against one precompiled header of them (pch.c), unless --no-pch.
 *
 * With -p, each parse uses the database's own arguments and working directory (passed
 * as -working-directory: a multithreaded tool must not chdir).  Without it: the
 * compiler defaults plus --extra-arg/-I/-D.  Parses use DetailedPreprocessingRecord
 * (macro cursors, skipped #if ranges) and KeepGoing; a TU with an error is "not parsed":
 * none of its edits is used and its main file is left untouched. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <clang-c/CXCompilationDatabase.h>
#include <clang-c/Index.h>

#include "migrate.h"

static int ends_with(const char *s, const char *suf)
{
  size_t n = strlen(s), m = strlen(suf);
  return n >= m && strcmp(s + n - m, suf) == 0;
}

static void add_job(job_vec *jobs, const char *file, char **argv, int argc, const char *dir)
{
  job j = {0};
  j.file = anyc__xstrdup(file);
  j.argv = argv;
  j.argc = argc;
  j.dir = dir ? anyc__xstrdup(dir) : NULL;
  j.res.main_path = anyc__xstrdup(file);
  VEC_PUSH(*jobs, j);
}

/* The -I folders of an argument list, for the pre-filter (relative to dir). */
typedef VEC(const char *) str_vec;

static void include_dirs(char **argv, int argc, const char *dir, str_vec *out)
{
  for (int i = 0; i < argc; i++) {
    const char *d = NULL;
    if (strcmp(argv[i], "-I") == 0 && i + 1 < argc)
      d = argv[++i];
    else if (strncmp(argv[i], "-I", 2) == 0)
      d = argv[i] + 2;
    else if ((strcmp(argv[i], "-isystem") == 0 || strcmp(argv[i], "-iquote") == 0) &&
             i + 1 < argc)
      d = argv[++i];
    if (d)
      VEC_PUSH(*out, d[0] == '/' || !dir ? anyc__xstrdup(d) : anyc__xasprintf("%s/%s", dir, d));
  }
}

static int wanted_by_text(src_file *f, char **argv, int argc, const char *dir);

static int wanted(const options *o, src_file *f, char **argv, int argc, const char *dir)
{
  if (!o->prefilter)
    return f->candidate = 1;
  return wanted_by_text(f, argv, argc, dir);
}

/* The pre-filter alone (also under --no-prefilter, for files that are not translation
 * units of the build: parsing them is a guess that only legacy text justifies). */
static int wanted_by_text(src_file *f, char **argv, int argc, const char *dir)
{
  str_vec inc = {0};
  include_dirs(argv, argc, dir, &inc);
  f->candidate = anyc__prefilter(f->path, inc.v, inc.n);
  for (size_t i = 0; i < inc.n; i++)
    free((void *)inc.v[i]);
  free(inc.v);
  return f->candidate;
}

/* argv for a parse without a database: "cc" + extra args + the file. */
static char **default_argv(const options *o, const char *file, int header, int *argc)
{
  char **v = anyc__xrealloc(NULL, (o->extra.n + 5) * sizeof *v);
  int n = 0;
  v[n++] = anyc__xstrdup("cc");
  if (header) {
    v[n++] = anyc__xstrdup("-x");
    v[n++] = anyc__xstrdup("c-header");
  }
  for (size_t i = 0; i < o->extra.n; i++)
    v[n++] = anyc__xstrdup(o->extra.v[i]);
  v[n++] = anyc__xstrdup(file);
  *argc = n;
  return v;
}

/* The index of a `--` that ends the options (argc when there is none). */
static int options_end(char *const *argv, int argc)
{
  for (int i = 1; i < argc; i++)
    if (strcmp(argv[i], "--") == 0)
      return i;
  return argc;
}

int anyc__make_jobs(const options *o, file_table *t, job_vec *jobs, FILE *err)
{
  CXCompilationDatabase db = NULL;
  if (o->db_dir) {
    CXCompilationDatabase_Error e;
    /* `-p build/compile_commands.json` names the folder too */
    char *dir = anyc__xstrdup(o->db_dir);
    size_t dl = strlen(dir), fl = strlen("compile_commands.json");
    struct stat st;
    if (dl >= fl && strcmp(dir + dl - fl, "compile_commands.json") == 0 &&
        stat(dir, &st) == 0 && S_ISREG(st.st_mode))
      dir[dl - fl > 0 ? dl - fl : 0] = '\0';
    db = clang_CompilationDatabase_fromDirectory(*dir ? dir : ".", &e);
    free(dir);
    if (e != CXCompilationDatabase_NoError || !db) {
      fprintf(err, "anyc-migrate: cannot load %s/compile_commands.json\n", o->db_dir);
      return -1;
    }
  }
  /* The translation units of the build: files the database really lists (libclang
   * interpolates a command for any other file, so "has a command" proves nothing). */
  VEC(file_id) in_db = {0};
  if (db) {
    CXCompileCommands all = clang_CompilationDatabase_getAllCompileCommands(db);
    unsigned na = all ? clang_CompileCommands_getSize(all) : 0;
    for (unsigned c = 0; c < na; c++) {
      CXCompileCommand cmd = clang_CompileCommands_getCommand(all, c);
      CXString fn = clang_CompileCommand_getFilename(cmd);
      CXString dn = clang_CompileCommand_getDirectory(cmd);
      const char *name = clang_getCString(fn), *dir = clang_getCString(dn);
      char *p = name[0] == '/' ? anyc__xstrdup(name) : anyc__xasprintf("%s/%s", dir, name);
      file_id id;
      if (anyc__file_identity(p, &id) == 0)
        VEC_PUSH(in_db, id);
      free(p);
      clang_disposeString(fn);
      clang_disposeString(dn);
    }
    if (all)
      clang_CompileCommands_dispose(all);
  }
  for (size_t i = 0; i < t->f.n; i++) {
    src_file *f = &t->f.v[i];
    if (!ends_with(f->path, ".c"))
      continue;
    int listed = 0;
    for (size_t k = 0; k < in_db.n && !listed; k++)
      listed = in_db.v[k].dev == f->id.dev && in_db.v[k].ino == f->id.ino;
    if (!db) {
      int argc;
      char **argv = default_argv(o, f->path, 0, &argc);
      if (wanted(o, f, argv, argc, NULL))
        add_job(jobs, f->path, argv, argc, NULL);
      else {
        for (int k = 0; k < argc; k++)
          free(argv[k]);
        free(argv);
      }
      continue;
    }
    char *abs = realpath(f->path, NULL);
    CXCompileCommands cmds = clang_CompilationDatabase_getCompileCommands(db, abs ? abs : f->path);
    unsigned nc = cmds ? clang_CompileCommands_getSize(cmds) : 0;
    for (unsigned c = 0; c < nc; c++) {
      CXCompileCommand cmd = clang_CompileCommands_getCommand(cmds, c);
      unsigned na = clang_CompileCommand_getNumArgs(cmd);
      char **argv = anyc__xrealloc(NULL, (na + o->extra.n + 1) * sizeof *argv);
      int argc = 0;
      for (unsigned a = 0; a < na; a++) {
        CXString s = clang_CompileCommand_getArg(cmd, a);
        argv[argc++] = anyc__xstrdup(clang_getCString(s));
        clang_disposeString(s);
      }
      /* --extra-arg / -I / -D before a `--` (libclang's interpolated command for a file the
       * database does not list ends `-- FILE`: anything after it is an input file) */
      int dd = options_end(argv, argc);
      memmove(argv + dd + o->extra.n, argv + dd, (size_t)(argc - dd) * sizeof *argv);
      for (size_t a = 0; a < o->extra.n; a++)
        argv[dd + (int)a] = anyc__xstrdup(o->extra.v[a]);
      argc += (int)o->extra.n;
      CXString d = clang_CompileCommand_getDirectory(cmd);
      const char *dir = clang_getCString(d);
      if (c > 0 || (listed ? wanted(o, f, argv, argc, dir)
                           : wanted_by_text(f, argv, argc, dir))) {
        add_job(jobs, abs ? abs : f->path, argv, argc, dir);
        jobs->v[jobs->n - 1].listed = listed;
      } else {
        for (int k = 0; k < argc; k++)
          free(argv[k]);
        free(argv);
      }
      clang_disposeString(d);
      if (!f->candidate)
        break;
    }
    if (cmds)
      clang_CompileCommands_dispose(cmds);
    free(abs);
  }
  free(in_db.v);
  if (db)
    clang_CompilationDatabase_dispose(db);
  return 0;
}

/* ---- parsing ------------------------------------------------------------------------ */

/* diag is the driver's "unknown argument: '-fx'" (or "unknown argument '-fx'; did you
 * mean ..."): remove every such argument from a->v.  1 when one was removed. */
static int drop_args(tu_args *a, int (*bad)(const char *arg, const char *q, size_t len),
                     const char *q, size_t len)
{
  int n = 0, dropped = 0;
  for (int i = 0; i < a->n; i++) {
    if (i > 0 && i != a->input && bad(a->v[i], q, len)) {
      dropped = 1;
      continue;
    }
    if (i == a->input)
      a->input = n;
    a->v[n++] = a->v[i];
  }
  a->n = n;
  return dropped;
}

static int is_arg(const char *arg, const char *q, size_t len)
{
  return strlen(arg) == len && strncmp(arg, q, len) == 0;
}

/* `-fsanitize=bounds-strict` for "unsupported argument 'bounds-strict' to option
 * 'fsanitize='" (q: the option's name, len its length). */
static int has_option_prefix(const char *arg, const char *q, size_t len)
{
  return arg[0] == '-' && strncmp(arg + 1, q, len) == 0;
}

/* A target option clang 14 may not know the value of (`-march=znver5`): libclang then
 * fails without a diagnostic. */
static int is_target_tuning(const char *arg, const char *q, size_t len)
{
  (void)q, (void)len;
  return strncmp(arg, "-march=", 7) == 0 || strncmp(arg, "-mtune=", 7) == 0 ||
         strncmp(arg, "-mcpu=", 6) == 0;
}

/* The i-th single-quoted string of s: its start and length, or NULL. */
static const char *quoted(const char *s, int i, size_t *len)
{
  const char *q = s;
  for (int k = 0; q && k <= i; k++) {
    q = strchr(q, '\'');
    const char *e = q ? strchr(q + 1, '\'') : NULL;
    if (!e)
      return NULL;
    if (k == i) {
      *len = (size_t)(e - q - 1);
      return q + 1;
    }
    q = e + 1;
  }
  return NULL;
}

/* A parse failed on the command's options, as `diag` says: drop (or, for a C standard
 * newer than clang 14 names, rename) what failed it.  1 when something changed. */
static int drop_unknown_argument(tu_args *a, const char *diag, int *tried_target)
{
  size_t len;
  const char *q;
  if (diag && strstr(diag, "unknown argument") && (q = quoted(diag, 0, &len)))
    return drop_args(a, is_arg, q, len);
  if (diag && strstr(diag, "unsupported argument") && (q = quoted(diag, 1, &len)))
    return drop_args(a, has_option_prefix, q, len);
  if (!diag || !strstr(diag, "libclang could not parse it") || *tried_target)
    return 0;
  /* libclang fails with no diagnostic: a target it does not know, or -std=c23/gnu23 */
  *tried_target = 1;
  int changed = drop_args(a, is_target_tuning, NULL, 0);
  for (int i = 1; i < a->n; i++) {
    if (strcmp(a->v[i], "-std=c23") == 0)
      a->v[i] = "-std=c2x", changed = 1;
    else if (strcmp(a->v[i], "-std=gnu23") == 0)
      a->v[i] = "-std=gnu2x", changed = 1;
  }
  return changed;
}

/* Options whose next argument is a path. */
static int path_option(const char *a)
{
  static const char *const opts[] = {"-I", "-isystem", "-iquote", "-idirafter", "-include",
                                     "-imacros", "-o", "-MF", "-MT", "-MQ", "--sysroot",
                                     "-isysroot", "-x", "-D", "-U", NULL};
  for (int i = 0; opts[i]; i++)
    if (strcmp(a, opts[i]) == 0)
      return 1 + (a[1] == 'x' || a[1] == 'D' || a[1] == 'U' || (a[1] == 'M' && a[2] != 'F'));
  return 0;
}

static char *in_dir(const char *dir, const char *p)
{
  return p[0] == '/' || !dir ? anyc__xstrdup(p) : anyc__xasprintf("%s/%s", dir, p);
}

/* The database's arguments with every relative path made absolute against the
 * command's directory.  libclang 14 implements -working-directory by changing the
 * process's working directory (the real VFS's setCurrentWorkingDirectory), which other
 * worker threads would see; so the tool never passes it.  *input: the index of the one
 * input file, or -1 when there is not exactly one. */
static char **absolute_args(char **argv, int argc, const char *dir, int *input)
{
  char **v = anyc__xrealloc(NULL, ((size_t)argc + 1) * sizeof *v);
  int inputs = 0;
  *input = -1;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    int po = i > 0 ? path_option(a) : 0;
    if (i == 0 || a[0] == '-') {
      static const char *const joined[] = {"-I", "-iquote", "-isystem", "-idirafter", NULL};
      v[i] = NULL;
      for (int k = 0; i > 0 && joined[k] && !v[i]; k++) {
        size_t l = strlen(joined[k]);
        if (strncmp(a, joined[k], l) == 0 && a[l] && a[l] != '=') {
          char *p = in_dir(dir, a + l);
          v[i] = anyc__xasprintf("%s%s", joined[k], p);
          free(p);
        }
      }
      if (!v[i])
        v[i] = anyc__xstrdup(a);
      if (po && i + 1 < argc) {
        i++;
        v[i] = po == 1 ? in_dir(dir, argv[i]) : anyc__xstrdup(argv[i]);
      }
    } else {
      v[i] = in_dir(dir, a); /* an input file */
      *input = inputs++ ? -1 : i;
    }
  }
  v[argc] = NULL;
  return v;
}

void anyc__tu_args_build(const job *j, tu_args *a)
{
  /* Relative paths made absolute (no -working-directory, see absolute_args); then
   * -Wno-error so a project's -Werror does not turn warnings into "not parsed". */
  a->abs = absolute_args(j->argv, j->argc, j->dir, &a->input);
  a->nabs = j->argc;
  a->v = anyc__xrealloc(NULL, ((size_t)j->argc + 8) * sizeof *a->v);
  int n = 0, dd = options_end(a->abs, j->argc);
  for (int i = 0; i < dd; i++)
    a->v[n++] = a->abs[i];
  a->v[n++] = "-Wno-error";
  /* Last-resort folders for <async_service.h> / <anyc.h> (after every folder the
   * command names): the installed headers, then this build's source tree.  So a tree
   * migrates without -I when anyc is installed, or when the tool runs from its build. */
  static const char *const fallback[] = {ANYC_MIGRATE_INCLUDEDIR, ANYC_MIGRATE_SOURCE_INCLUDEDIR};
  for (size_t i = 0; i < sizeof fallback / sizeof fallback[0]; i++)
    if (fallback[i][0] && access(fallback[i], R_OK) == 0) {
      a->v[n++] = "-idirafter";
      a->v[n++] = fallback[i];
    }
  /* `-- FILE`: the file after every option, and the `--` itself dropped -- libclang
   * appends options of its own (the detailed preprocessing record: no #include cursors
   * without it), which must not follow a `--` either */
  const char *in = a->input >= 0 ? a->abs[a->input] : NULL;
  for (int i = dd + 1; i < j->argc; i++) {
    if (a->abs[i] == in)
      a->input = n;
    a->v[n++] = a->abs[i];
  }
  a->n = n; /* room for two more: -include-pch FILE (parse_one) */
}

void anyc__tu_args_free(tu_args *a)
{
  for (int i = 0; i < a->nabs; i++)
    free(a->abs[i]);
  free(a->abs);
  free(a->v);
}

int anyc__parse(void *idx, const char *const *args, int n, unsigned more_flags,
                CXTranslationUnit *tu, const char *file, char **diag)
{
  *tu = NULL;
  /* DetailedPreprocessingRecord: macro cursors and skipped #if ranges. */
  unsigned flags = CXTranslationUnit_DetailedPreprocessingRecord | CXTranslationUnit_KeepGoing;
  enum CXErrorCode e = clang_parseTranslationUnit2FullArgv(idx, NULL, args, n, NULL, 0,
                                                           flags | more_flags, tu);
  if (e != CXError_Success || !*tu) {
    if (diag)
      *diag = anyc__xasprintf("%s: libclang could not parse it (error %d)", file, (int)e);
    *tu = NULL;
    return -1;
  }
  int failed = 0;
  unsigned nd = clang_getNumDiagnostics(*tu);
  for (unsigned i = 0; i < nd && !failed; i++) {
    CXDiagnostic d = clang_getDiagnostic(*tu, i);
    if (clang_getDiagnosticSeverity(d) >= CXDiagnostic_Error) {
      failed = 1;
      if (diag) {
        CXString s = clang_formatDiagnostic(d, clang_defaultDiagnosticDisplayOptions());
        *diag = anyc__xstrdup(clang_getCString(s));
        clang_disposeString(s);
      }
    }
    clang_disposeDiagnostic(d);
  }
  if (failed) {
    clang_disposeTranslationUnit(*tu);
    *tu = NULL;
    return -1;
  }
  return 0;
}

/* idx[0] for plain parses; idx[1] (excludeDeclarationsFromPCH) for parses with a PCH:
 * the walk then visits the unit's own top-level declarations and preprocessing
 * entities, never those of the PCH (all system or anyc headers, which the walk skips
 * anyway: deserializing them only to skip them doubled the walk's time). */
static void parse_one(CXIndex idx[2], const options *o, const file_table *t, job *j,
                      const char *pch)
{
  tu_args a;
  anyc__tu_args_build(j, &a);
  CXTranslationUnit tu = NULL;
  /* With a shared precompiled header of the file's leading system includes (pch.c);
   * on any error the plain parse decides, so a PCH can only save time, never change
   * what is reported. */
  if (pch) {
    a.v[a.n] = "-include-pch";
    a.v[a.n + 1] = pch;
    anyc__parse(idx[1], a.v, a.n + 2, 0, &tu, j->file, NULL);
  }
  /* A compiler option clang does not know (a GCC-only -fconserve-stack, -fanalyzer in a
   * project's compilation database) fails the whole parse: drop it and parse again. */
  int tried_target = 0;
  for (int tries = 0; !tu && tries < 16; tries++) {
    free(j->res.diag);
    j->res.diag = NULL;
    if (anyc__parse(idx[0], a.v, a.n, 0, &tu, j->file, &j->res.diag) == 0)
      break;
    if (!drop_unknown_argument(&a, j->res.diag, &tried_target))
      break;
  }
  if (!tu)
    j->res.failed = 1;
  anyc__tu_args_free(&a);
  if (!tu)
    return;
  anyc__find_sites((struct CXTranslationUnitImpl *)tu, o, t, &j->res);
  clang_disposeTranslationUnit(tu);
}

typedef struct pool {
  const options *o;
  const file_table *t;
  job *jobs;
  anyc__pch_set *pchs;
  size_t n, next, done;
  pthread_mutex_t mu;
  FILE *err;
  int progress;
} pool;

typedef struct worker { pool *p; CXIndex idx[2]; pthread_t th; } worker;

static void *work(void *arg)
{
  worker *w = arg;
  pool *p = w->p;
  for (;;) {
    pthread_mutex_lock(&p->mu);
    size_t i = p->next++;
    pthread_mutex_unlock(&p->mu);
    if (i >= p->n)
      break;
    parse_one(w->idx, p->o, p->t, &p->jobs[i], anyc__pch_for(p->pchs, i));
    pthread_mutex_lock(&p->mu);
    p->done++;
    if (p->progress)
      fprintf(p->err, "\ranyc-migrate: %zu/%zu files", p->done, p->n);
    pthread_mutex_unlock(&p->mu);
  }
  return NULL;
}

void anyc__run_jobs(const options *o, const file_table *t, job *jobs, size_t n, FILE *err)
{
  if (n == 0)
    return;
  pool p = {o, t, jobs, NULL, n, 0, 0, PTHREAD_MUTEX_INITIALIZER, err, 0};
  if (o->pch)
    p.pchs = anyc__pch_plan(t, jobs, n);
  p.progress = !o->quiet && n > 1 && isatty(fileno(err));
  size_t nw = (size_t)o->jobs < n ? (size_t)o->jobs : n;
  worker *w = anyc__xrealloc(NULL, nw * sizeof *w);
  for (size_t i = 0; i < nw; i++) { /* indexes created serially, up front */
    w[i].p = &p;
    w[i].idx[0] = clang_createIndex(0, 0);
    w[i].idx[1] = p.pchs ? clang_createIndex(1, 0) : NULL;
  }
  if (nw == 1) {
    work(&w[0]);
  } else {
    for (size_t i = 0; i < nw; i++)
      if (pthread_create(&w[i].th, NULL, work, &w[i]) != 0)
        w[i].th = 0, work(&w[i]);
    for (size_t i = 0; i < nw; i++)
      if (w[i].th)
        pthread_join(w[i].th, NULL);
  }
  for (size_t i = 0; i < nw; i++) {
    clang_disposeIndex(w[i].idx[0]);
    if (w[i].idx[1])
      clang_disposeIndex(w[i].idx[1]);
  }
  free(w);
  anyc__pch_free(p.pchs);
  if (p.progress)
    fputs("\r\033[K", err);
}

/* Headers that are candidates but that no translation unit reached: parsed alone. */
void anyc__header_jobs(const options *o, file_table *t, const int *reached, job_vec *jobs)
{
  for (size_t i = 0; i < t->f.n; i++) {
    src_file *f = &t->f.v[i];
    if (!ends_with(f->path, ".h") || reached[i])
      continue;
    int argc;
    char **argv = default_argv(o, f->path, 1, &argc);
    if (wanted_by_text(f, argv, argc, NULL)) {
      add_job(jobs, f->path, argv, argc, NULL);
    }
    else {
      for (int k = 0; k < argc; k++)
        free(argv[k]);
      free(argv);
    }
  }
}

void anyc__job_free(job *j)
{
  for (int i = 0; i < j->argc; i++)
    free(j->argv[i]);
  free(j->argv);
  free(j->file);
  free(j->dir);
  free(j->res.main_path);
  free(j->res.diag);
  for (size_t i = 0; i < j->res.files.n; i++) {
    tu_file *f = &j->res.files.v[i];
    free(f->path);
    free(f->content);
    anyc__edits_free(&f->edits);
    anyc__edits_free(&f->svc_edits);
    anyc__sites_free(&f->sites);
  }
  free(j->res.files.v);
}
