/* cli.c — the command line of anyc-migrate (rewriter.md "Command line").  Parsing only:
 * it fills an options struct, prints --help / --version / --list-rules, and reports bad
 * usage (exit 2 in the driver). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "migrate.h"

static const char usage[] =
  "usage: anyc-migrate [options] PATH...   files or folders (folders: every *.c and *.h below)\n"
  "  (default)            change nothing; print a unified diff of the rewrite to stdout\n"
  "  -w, --write          apply it in place\n"
  "  --check              change nothing; exit 1 if anything would be rewritten or any legacy use remains\n"
  "  --report FILE        write the migration report; format from the extension:\n"
  "                       .md .json .sarif .html (repeatable: one report per FILE)\n"
  "  --format md|json|sarif|html   write the report to stdout (or FILE) in that format\n"
  "  -p DIR               folder holding compile_commands.json\n"
  "  --extra-arg ARG      one more compiler argument for every parse (repeatable)\n"
  "  -I DIR, -D NAME[=V]  shorthands when there is no compilation database\n"
  "  --exclude GLOB       skip matching paths (repeatable)\n"
  "  -j N                 parse N files at once (default: the number of CPUs)\n"
  "  --rules LIST         only these rule ids (comma-separated); --list-rules prints them all\n"
  "  --no-prefilter       parse every file, even those naming no legacy identifier\n"
  "  --no-pch             parse every file on its own (no shared precompiled headers)\n"
  "  -q, --quiet / -v, --verbose\n"
  "  --version, --help\n"
  "exit status: 0 done (or nothing to do); 1 --check found work; 2 bad usage, a path that\n"
  "cannot be read or a file that could not be written (conflict, changed on disk);\n"
  "3 some files could not be parsed (left untouched, named on stderr)\n";

static const char *const formats[] = {"json", "md", "sarif", "html"};

static int known_format(const char *f)
{
  for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
    if (strcmp(f, formats[i]) == 0)
      return 1;
  return 0;
}

/* Value of an option given as "--opt V", "--opt=V" or (short) "-IV". */
static const char *take(int argc, char **argv, int *i, const char *arg, size_t optlen)
{
  if (arg[optlen] == '=')
    return arg + optlen + 1;
  if (arg[optlen] != '\0' && arg[1] != '-')
    return arg + optlen;
  if (arg[optlen] != '\0')
    return NULL;
  if (*i + 1 >= argc)
    return NULL;
  return argv[++*i];
}

static int is_opt(const char *arg, const char *name)
{
  size_t n = strlen(name);
  return strncmp(arg, name, n) == 0 &&
         (arg[n] == '\0' || arg[n] == '=' || (name[1] != '-' && n == 2));
}

static void split_rules(options *o, const char *list)
{
  char *copy = anyc__xstrdup(list), *save = NULL;
  for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
    VEC_PUSH(o->rules, anyc__xstrdup(t));
  free(copy);
}

const char *anyc__report_format(const options *o, const char *file)
{
  if (o->format)
    return o->format;
  const char *dot = strrchr(file, '.'), *slash = strrchr(file, '/');
  return dot && (!slash || dot > slash) ? dot + 1 : "";
}

int anyc__cli_parse(options *o, int argc, char **argv, FILE *out, FILE *err)
{
  memset(o, 0, sizeof *o);
  o->prefilter = 1;
  o->pch = 1;
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  o->jobs = cpus > 0 ? (int)cpus : 1;
  int only_paths = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v;
    if (only_paths || a[0] != '-' || a[1] == '\0') {
      VEC_PUSH(o->paths, a);
    } else if (strcmp(a, "--") == 0) {
      only_paths = 1;
    } else if (strcmp(a, "-w") == 0 || strcmp(a, "--write") == 0 ||
               strcmp(a, "--check") == 0) {
      /* --check promises to change nothing: with -w as well, which wins is a guess */
      enum mode m = a[1] == '-' && a[2] == 'c' ? MODE_CHECK : MODE_WRITE;
      if (o->mode != MODE_DIFF && o->mode != m) {
        fprintf(err, "anyc-migrate: --write and --check exclude each other\n");
        return -1;
      }
      o->mode = m;
    } else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
      o->quiet = 1;
    } else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
      o->verbose = 1;
    } else if (strcmp(a, "--no-prefilter") == 0) {
      o->prefilter = 0;
    } else if (strcmp(a, "--no-pch") == 0) {
      o->pch = 0;
    } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      fputs(usage, out);
      return 1;
    } else if (strcmp(a, "--version") == 0) {
      fprintf(out, "anyc-migrate %s\n", ANYC_MIGRATE_VERSION);
      return 1;
    } else if (strcmp(a, "--list-rules") == 0) {
      for (size_t r = 0; r < anyc__rule_count; r++)
        fprintf(out, "%s  %-20s %s\n", anyc__rules[r].id, anyc__rules[r].name,
                anyc__rules[r].title);
      return 1;
    } else if (is_opt(a, "--report")) {
      if (!(v = take(argc, argv, &i, a, 8)))
        goto missing;
      VEC_PUSH(o->reports, v);
    } else if (is_opt(a, "--format")) {
      if (!(v = take(argc, argv, &i, a, 8)))
        goto missing;
      o->format = v;
    } else if (is_opt(a, "--extra-arg")) {
      if (!(v = take(argc, argv, &i, a, 11)))
        goto missing;
      VEC_PUSH(o->extra, anyc__xstrdup(v));
    } else if (is_opt(a, "--exclude")) {
      if (!(v = take(argc, argv, &i, a, 9)))
        goto missing;
      VEC_PUSH(o->exclude, v);
    } else if (is_opt(a, "--rules")) {
      if (!(v = take(argc, argv, &i, a, 7)))
        goto missing;
      split_rules(o, v);
    } else if (is_opt(a, "-p")) {
      if (!(v = take(argc, argv, &i, a, 2)))
        goto missing;
      o->db_dir = v;
    } else if (is_opt(a, "-I") || is_opt(a, "-D")) {
      if (!(v = take(argc, argv, &i, a, 2)))
        goto missing;
      VEC_PUSH(o->extra, anyc__xasprintf("-%c%s", a[1], v));
    } else if (is_opt(a, "-j") || is_opt(a, "--jobs")) {
      if (!(v = take(argc, argv, &i, a, a[1] == '-' ? 6 : 2)))
        goto missing;
      char *end;
      long n = strtol(v, &end, 10);
      if (*end || n < 1 || n > 1024) {
        fprintf(err, "anyc-migrate: -j wants a number from 1 to 1024, not '%s'\n", v);
        return -1;
      }
      o->jobs = (int)n;
    } else {
      fprintf(err, "anyc-migrate: unknown option '%s'\n%s", a, usage);
      return -1;
    }
    continue;
  missing:
    fprintf(err, "anyc-migrate: option '%s' needs a value\n", a);
    return -1;
  }
  for (size_t r = 0; r < o->rules.n; r++)
    if (!anyc__rule_find(o->rules.v[r])) {
      fprintf(err, "anyc-migrate: unknown rule '%s' (see --list-rules)\n", o->rules.v[r]);
      return -1;
    }
  for (size_t r = 0; r <= o->reports.n; r++) {
    const char *f = r < o->reports.n ? anyc__report_format(o, o->reports.v[r]) : o->format;
    if (f && !known_format(f)) {
      fprintf(err, "anyc-migrate: unknown report format '%s' (json, md, sarif, html)\n", f);
      return -1;
    }
  }
  if (o->paths.n == 0) {
    fprintf(err, "anyc-migrate: no PATH given\n%s", usage);
    return -1;
  }
  return 0;
}

void anyc__options_free(options *o)
{
  for (size_t i = 0; i < o->extra.n; i++)
    free((void *)o->extra.v[i]);
  for (size_t i = 0; i < o->rules.n; i++)
    free((void *)o->rules.v[i]);
  free(o->extra.v);
  free(o->exclude.v);
  free(o->reports.v);
  free(o->paths.v);
  free(o->rules.v);
}
