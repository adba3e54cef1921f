/* test_safety.c — "nothing lost" (rewriter.md): each unsafe situation gives its
 * documented exit status and leaves every file as it was (or correctly rewritten). */
#include <sys/stat.h>

#include "migrate_test.h"

static const char legacy[] =
  "#include <async_service.h>\n"
  "static int t(void *p) { (void)p; return 0; }\n"
  "int main(void) { return as_run(t, NULL); }\n";
static const char native[] =
  "#include <anyc.h>\n"
  "static int t(void *p) { (void)p; return 0; }\n"
  "int main(void) { return anyc_run(t, NULL); }\n";

static void assert_file(const char *name, const char *want)
{
  char *got = get_file(name);
  assert_string_equal(got, want);
  free(got);
}

/* A file that does not parse: exit 3, named, untouched; other files still done. */
static void test_safety_unparsable_untouched(void **state)
{
  (void)state;
  scratch_new("unparsable");
  const char *bad = "#include <async_service.h>\nint f( { return as_sleep(1); }\n";
  put_file("bad.c", bad);
  put_file("good.c", legacy);
  assert_int_equal(migrate("-w", ".", NULL), 3);
  assert_contains(run_err, "bad.c: error: not parsed, left untouched");
  assert_file("bad.c", bad);
  assert_file("good.c", native);
  put_file("good.c", legacy);
  assert_int_equal(migrate("-q", "-w", "--report", "r.json", ".", NULL), 3); /* -q: not errors */
  assert_contains(run_err, "bad.c: error: not parsed, left untouched");
  char *rep = get_file("r.json"); /* the unparsed file counts: not 100% migrated */
  assert_contains(rep, "\"files_not_parsed\": 1");
  assert_null(strstr(rep, "\"percent_migrated\": 100.0"));
  free(rep);
  scratch_remove();
}

/* A read-only file is not written: exit 2, content unchanged. */
static void test_safety_read_only_file(void **state)
{
  (void)state;
  scratch_new("readonly");
  put_file("ro.c", legacy);
  assert_int_equal(chmod(sp("ro.c"), 0444), 0);
  assert_int_equal(migrate("-w", "ro.c", NULL), 2);
  assert_contains(run_err, "ro.c: error: not written");
  assert_file("ro.c", legacy);
  /* probe 3: its sites are left, not "rewritten" (the summary read 100% migrated) */
  assert_int_equal(migrate("-w", "--report", "r.json", "ro.c", NULL), 2);
  assert_contains(run_err, "ro.c:3:25: warning: [AS110] as_run: the file could not be written "
                           "(Permission denied): its rewrite is not applied");
  assert_contains(run_err, "2 sites: 0 rewritten, 2 left");
  char *j = get_file("r.json");
  assert_contains(j, "\"rewritten\": 0, \"left\": 2");
  assert_contains(j, "\"status\": \"not-written\"");
  free(j);
  scratch_remove();
}

/* The mode of a rewritten file is kept. */
static void test_safety_mode_kept(void **state)
{
  (void)state;
  scratch_new("mode");
  put_file("x.c", legacy);
  assert_int_equal(chmod(sp("x.c"), 0751), 0);
  assert_int_equal(migrate("-q", "-w", "x.c", NULL), 0);
  struct stat st;
  assert_int_equal(stat(sp("x.c"), &st), 0);
  assert_int_equal(st.st_mode & 07777, 0751);
  assert_file("x.c", native);
  scratch_remove();
}

/* A file changed on disk between the read and the write is not written: the user's
 * change survives. */
static void change_it(const char *path)
{
  FILE *f = fopen(path, "a");
  if (f) {
    fputs("/* edited meanwhile */\n", f);
    fclose(f);
  }
}

static void test_safety_changed_between_read_and_write(void **state)
{
  (void)state;
  scratch_new("changed");
  put_file("x.c", legacy);
  anyc__before_write_hook = change_it;
  int rc = migrate("-w", "x.c", NULL);
  anyc__before_write_hook = NULL;
  assert_int_equal(rc, 2);
  assert_contains(run_err, "changed on disk");
  char *got = get_file("x.c");
  assert_contains(got, "as_run(t, NULL)");
  assert_contains(got, "/* edited meanwhile */");
  free(got);
  scratch_remove();
}

/* Two compile commands for one file whose rewrites differ at the same place: a
 * conflict; the file is untouched, the conflict named, its sites counted as left.  (Also: every command of a
 * file listed twice is parsed.) */
static void test_safety_overlap_conflict(void **state)
{
  (void)state;
  scratch_new("conflict");
  const char *src =
    "#include <async_service.h>\n"
    "static int task(void *arg) {\n"
    "  (void)arg;\n"
    "#ifdef A\n"
    "  int rc = 0; (void)rc;\n"
    "#endif\n"
    "  as_sleep(1.0);\n"
    "  return 0;\n"
    "}\n"
    "int main(void) { return as_run(task, NULL); }\n";
  put_file("x.c", src);
  char db[2048];
  snprintf(db, sizeof db,
           "[{\"directory\": \"%s\", \"file\": \"x.c\", \"arguments\": [\"cc\", \"-I%s/include\", \"-c\", \"x.c\"]},\n"
           " {\"directory\": \"%s\", \"file\": \"x.c\", \"command\": \"cc -DA -I%s/include -c x.c\"}]\n",
           scratch, ANYC_SOURCE_DIR, scratch, ANYC_SOURCE_DIR);
  put_file("build/compile_commands.json", db);
  assert_int_equal(migrate("-w", "-p", "build", "x.c", NULL), 2);
  assert_contains(run_err, "x.c: error: left untouched: edits overlap");
  assert_file("x.c", src);
  /* none of its sites counts as rewritten (probe finding 16: the summary said 100%) */
  assert_contains(run_err, " 0 rewritten,");
  scratch_remove();
}

/* A symlinked file: rewritten once through its real file; the link stays a link. */
static void test_safety_symlink(void **state)
{
  (void)state;
  scratch_new("symlink");
  put_file("real.c", legacy);
  assert_int_equal(symlink("real.c", sp("link.c")), 0);
  assert_int_equal(migrate("-q", "-w", "link.c", "real.c", NULL), 0);
  struct stat st;
  assert_int_equal(lstat(sp("link.c"), &st), 0);
  assert_true(S_ISLNK(st.st_mode));
  assert_file("real.c", native);
  scratch_remove();
}

/* A missing path: exit 2 (the other paths are still done). */
static void test_safety_missing_path(void **state)
{
  (void)state;
  scratch_new("missing");
  put_file("x.c", legacy);
  assert_int_equal(migrate("-q", "-w", "nope.c", "x.c", NULL), 2);
  assert_contains(run_err, "cannot read nope.c");
  assert_file("x.c", native);
  scratch_remove();
}

/* A folder with no C files: nothing to do, exit 0; bad usage: exit 2. */
static void test_safety_empty_dir_and_usage(void **state)
{
  (void)state;
  scratch_new("empty");
  put_file("sub/readme.txt", "no C here\n");
  assert_int_equal(migrate("--check", "sub", NULL), 0);
  assert_contains(run_err, "nothing to do");
  assert_int_equal(migrate("--bogus", "sub", NULL), 2);
  assert_int_equal(migrate(NULL), 2);
  assert_int_equal(migrate("-j", "0", "sub", NULL), 2);
  scratch_remove();
}

/* -j2 gives the same result as -j1 on many files; --exclude skips a path; the
 * pre-filter skips files without legacy names (and --no-prefilter does not change the
 * outcome). */
static void test_engine_jobs_exclude_prefilter(void **state)
{
  (void)state;
  scratch_new("jobs");
  char name[64];
  for (int i = 0; i < 12; i++) {
    snprintf(name, sizeof name, "d/f%02d.c", i);
    put_file(name, i % 3 ? legacy : "int plain(void);\nint plain(void) { return 0; }\n");
  }
  put_file("d/skip/s.c", legacy);
  assert_int_equal(migrate("-q", "-j", "1", "--exclude", "skip", "d", NULL), 0);
  char *one = strdup(run_out);
  assert_int_equal(migrate("-q", "-j", "2", "--no-prefilter", "--exclude", "skip", "d", NULL), 0);
  assert_string_equal(one, run_out);
  assert_not_contains(one, "s.c");
  assert_contains(one, "--- d/f01.c");
  free(one);
  assert_int_equal(migrate("-q", "-w", "-j", "2", "d", NULL), 0);
  assert_file("d/f01.c", native);
  assert_file("d/skip/s.c", native);
  scratch_remove();
}

/* A compilation database with relative paths (-I../inc, the file name) resolved
 * against each command's own directory; the tool's working directory is not changed by
 * the parse (libclang's -working-directory would change it for every thread). */
static void test_engine_compile_db_relative_paths(void **state)
{
  (void)state;
  scratch_new("reldb");
  put_file("proj/inc/nap.h",
           "#include <async_service.h>\nstatic inline int nap(void) { return as_sleep(1); }\n");
  put_file("proj/src/x.c", "#include \"nap.h\"\nint x(void);\nint x(void) { return nap(); }\n");
  char db[2048];
  snprintf(db, sizeof db,
           "[{\"directory\": \"%s/proj/src\", \"file\": \"x.c\", "
           "\"arguments\": [\"cc\", \"-I../inc\", \"-I\", \"%s/include\", \"-c\", \"x.c\", \"-o\", \"x.o\"]}]\n",
           scratch, ANYC_SOURCE_DIR);
  put_file("proj/build/compile_commands.json", db);
  char before[600], after[600];
  assert_non_null(getcwd(before, sizeof before));
  static char a0[] = "anyc-migrate", a1[] = "-q", a2[] = "-w", a3[] = "-p", a4[] = "proj/build",
              a5[] = "proj";
  char *argv[] = {a0, a1, a2, a3, a4, a5, NULL};
  FILE *out = tmpfile(), *err = tmpfile();
  assert_int_equal(chdir(scratch), 0);
  int rc = anyc__migrate_main(6, argv, out, err);
  assert_non_null(getcwd(after, sizeof after));
  assert_int_equal(chdir(before), 0);
  assert_string_equal(after, scratch);
  free(slurp(out));
  char *e = slurp(err);
  assert_int_equal(rc, 0);
  assert_string_equal(e, "");
  free(e);
  char *h = get_file("proj/inc/nap.h");
  assert_string_equal(h, "#include <anyc.h>\nstatic inline int nap(void) { return anyc_sleep(1); }\n");
  free(h);
  scratch_remove();
}

/* No -I and no database (as `make run` calls it): the legacy header is still found
 * (installed headers, then the build's source tree, searched last). */
static void test_engine_finds_legacy_header_without_flags(void **state)
{
  (void)state;
  scratch_new("noflags");
  put_file("x.c", legacy);
  static char a0[] = "anyc-migrate", a1[] = "-q", a2[] = "-w", a3[] = "x.c";
  char *argv[] = {a0, a1, a2, a3, NULL};
  FILE *out = tmpfile(), *err = tmpfile();
  char cwd[600];
  assert_non_null(getcwd(cwd, sizeof cwd));
  assert_int_equal(chdir(scratch), 0);
  int rc = anyc__migrate_main(4, argv, out, err);
  assert_int_equal(chdir(cwd), 0);
  free(slurp(out));
  free(slurp(err));
  assert_int_equal(rc, 0);
  assert_file("x.c", native);
  scratch_remove();
}

/* Probe 3: --check with -w is bad usage (exit 2) and writes nothing, whatever the order
 * (it was: the last one won, so `--check -w` rewrote the tree); --report may be given once
 * per format, each file written (it was: only the last); a report that cannot be
 * written is named with its reason, exit 2. */
static void test_safety_mode_conflict_and_reports(void **state)
{
  (void)state;
  scratch_new("p3cli");
  put_file("x.c", legacy);
  assert_int_equal(migrate("-q", "--check", "-w", sp("x.c"), NULL), 2);
  assert_contains(run_err, "--write and --check exclude each other");
  assert_int_equal(migrate("-q", "-w", "--check", sp("x.c"), NULL), 2);
  assert_file("x.c", legacy);
  assert_int_equal(migrate("-q", "--report", sp("r.json"), "--report", sp("r.md"), sp("x.c"),
                           NULL), 0);
  char *j = get_file("r.json"), *m = get_file("r.md");
  assert_contains(j, "\"schema\": 1");
  assert_contains(m, "## anyc-migrate report");
  free(j);
  free(m);
  assert_int_equal(migrate("-q", "--report", sp("no/such/dir/r.json"), sp("x.c"), NULL), 2);
  assert_contains(run_err, "cannot write the report");
  assert_contains(run_err, "No such file or directory");
  assert_file("x.c", legacy);
  scratch_remove();
}

/* Probe 3: a file not parsed is in every report with its reason: JSON's message holds
 * the parse error (it was empty), SARIF names it as an error notification of an
 * unsuccessful execution and carries the summary (it said nothing of it: a scan of such a
 * tree looked clean), the Markdown headline says why the percentage is not 100, and the
 * HTML page shows that percentage (it computed 100% from the sites alone). */
static void test_safety_unparsable_in_every_report(void **state)
{
  (void)state;
  scratch_new("p3unparsed");
  put_file("bad.c", "#include <async_service.h>\nint f( { return as_sleep(1); }\n");
  put_file("good.c", legacy);
  assert_int_equal(migrate("-q", "--report", "r.json", "--report", "r.sarif", "--report",
                           "r.md", "--report", "r.html", ".", NULL), 3);
  char *h = get_file("r.html"); /* the page's headline and chart use the same percentage */
  assert_contains(h, "\"files_not_parsed\": 1, \"percent_migrated\": 66.7}");
  free(h);
  char *j = get_file("r.json"), *sa = get_file("r.sarif"), *m = get_file("r.md");
  assert_contains(j, "\"path\": \"./bad.c\", \"status\": \"not-parsed\", \"message\": "
                     "\"./bad.c:2:8: error:");
  assert_contains(sa, "{\"level\": \"error\", \"descriptor\": {\"id\": \"not-parsed\"}, "
                      "\"message\": {\"text\": \"./bad.c: not-parsed: ./bad.c:2:8: error:");
  assert_contains(sa, "\"executionSuccessful\": false");
  assert_contains(sa, "\"files_not_parsed\": 1");
  assert_contains(m, "left for a person; 1 file not parsed (each counted as one site left).");
  free(j);
  free(sa);
  free(m);
  put_file("bad.c", legacy);
  assert_int_equal(migrate("-q", "--report", "r.sarif", ".", NULL), 0);
  sa = get_file("r.sarif");
  assert_contains(sa, "\"invocations\": [{\"toolExecutionNotifications\": [], "
                      "\"executionSuccessful\": true}]");
  free(sa);
  scratch_remove();
}

/* Probe 3: a site in a folder whose name has a space and a file with parentheses and an
 * underscore: the Markdown checklist links it with a percent-encoded target (a space or
 * a parenthesis ended the link) and the link text escaped. */
static void test_safety_md_links_encode_paths(void **state)
{
  (void)state;
  scratch_new("p3mdlink");
  put_file("my dir/left_(1).c",
           "#include <async_service.h>\n"
           "static int z(as_manager *m) { return as_is_running(m); }\n"
           "int y(void) { return z(0); }\n");
  assert_int_equal(migrate("-q", "--format", "md", ".", NULL), 0);
  assert_contains(run_out, "- [ ] [./my dir/left\\_(1).c:2](./my%20dir/left_%281%29.c#L2) "
                           "**AS101** `as_manager`");
  scratch_remove();
}

/* Probe 3: a Latin-1 byte in a comment on a site's line: the JSON report stays UTF-8 (the
 * byte becomes U+FFFD; it was copied raw, so strict parsers refused the report), valid
 * UTF-8 text is kept as it is, and the file itself is rewritten byte for byte. */
static void test_safety_reports_stay_utf8(void **state)
{
  (void)state;
  scratch_new("p3utf8");
  put_file("l.c", "#include <async_service.h>\n"
                  "/* caf\xe9 */ int f(void) { return as_sleep(1); } /* \xc3\xa9 */\n");
  assert_int_equal(migrate("-q", "--report", "r.json", "-w", "l.c", NULL), 0);
  char *j = get_file("r.json");
  assert_contains(j, "\"before\": \"/* caf\\ufffd */ int f(void) { return as_sleep(1); } "
                     "/* \xc3\xa9 */\"");
  assert_null(strstr(j, "caf\xe9"));
  free(j);
  assert_file("l.c", "#include <anyc.h>\n"
                     "/* caf\xe9 */ int f(void) { return anyc_sleep(1); } /* \xc3\xa9 */\n");
  /* Probe 4: a Latin-1 file name went raw into the Markdown (a pull-request
   * description: invalid UTF-8); it becomes U+FFFD there as in the JSON, the link target
   * stays percent-encoded, and a valid name is kept as it is */
  put_file("na\xefve.c", "#include <async_service.h>\nint g(void) { return as_cancel(0); }\n");
  put_file("\xc3\xa9t\xc3\xa9.c", "#include <async_service.h>\nint h(void) { return as_cancel(0); }\n");
  assert_int_equal(migrate("-q", "--report", "r.md", ".", NULL), 0);
  char *m = get_file("r.md");
  assert_contains(m, "- [ ] [./na\xef\xbf\xbdve.c:2](./na%EFve.c#L2) **AS110** `as_cancel`");
  assert_contains(m, "- [ ] [./\xc3\xa9t\xc3\xa9.c:2](./%C3%A9t%C3%A9.c#L2)");
  assert_null(strstr(m, "na\xefve"));
  free(m);
  scratch_remove();
}

/* Probe 3: a file the compilation database does not list gets libclang's interpolated
 * command, which ends `-- FILE`: the tool's own arguments appended after it (-Wno-error,
 * the fallback include folders, --extra-arg / -I / -D) were taken for input files, so
 * such a file including <async_service.h> without -I was "not parsed" (exit 3) and -D did
 * nothing.  They now go before the `--`. */
static void test_engine_unlisted_file_gets_tool_arguments(void **state)
{
  (void)state;
  scratch_new("p3unlisted");
  put_file("src/listed.c", "int listed(void);\nint listed(void) { return 0; }\n");
  put_file("src/new.c", "#ifndef NEEDED\n#error needs NEEDED\n#endif\n"
                        "#include <async_service.h>\nint zz(void) { return as_sleep(0); }\n");
  char db[2048];
  snprintf(db, sizeof db,
           "[{\"directory\": \"%s/src\", \"file\": \"listed.c\", "
           "\"arguments\": [\"cc\", \"-c\", \"listed.c\", \"-o\", \"listed.o\"]}]\n",
           scratch);
  put_file("b/compile_commands.json", db);
  assert_int_equal(migrate("-q", "-p", sp("b"), sp("src/new.c"), NULL), 3);
  assert_contains(run_err, "needs NEEDED");
  /* `-p` naming the database file itself, as some tools take it (it wanted the folder) */
  assert_int_equal(migrate("-q", "-w", "-p", sp("b/compile_commands.json"), "-D", "NEEDED",
                           sp("src/new.c"), NULL), 0);
  assert_file("src/new.c", "#ifndef NEEDED\n#error needs NEEDED\n#endif\n"
                           "#include <anyc.h>\nint zz(void) { return anyc_sleep(0); }\n");
  scratch_remove();
}

/* Probe 4: a unity build (redis's ae.c includes ae_epoll.c): the included .c file,
 * which the database does not list, was parsed alone, failed (its includer's
 * declarations missing) and counted "not parsed" (exit 3), while its includer's parse
 * switched the include: the fragment's as_sleep was left undeclared.  A .c file another
 * unit includes is now parsed as part of it; its sites are rewritten with it. */
static void test_engine_included_c_file_is_part_of_its_includer(void **state)
{
  (void)state;
  scratch_new("p4unity");
  put_file("main.c", "#include <async_service.h>\nstatic int ticks;\n#include \"impl.c\"\n"
                     "int main(void) { return as_run(poll_main, 0); }\n");
  put_file("impl.c", "static int poll_main(void *arg) {\n  (void)arg;\n  ticks++;\n"
                     "  return as_sleep(0);\n}\n");
  char db[1024];
  snprintf(db, sizeof db,
           "[{\"directory\": \"%s\", \"file\": \"main.c\", \"arguments\": [\"cc\", "
           "\"-I%s/include\", \"-c\", \"main.c\"]}]\n", scratch, ANYC_SOURCE_DIR);
  put_file("compile_commands.json", db);
  assert_int_equal(migrate("-w", "-p", ".", ".", NULL), 0);
  assert_not_contains(run_err, "not parsed, left untouched");
  assert_contains(run_err, "2 with legacy use, 3 sites: 3 rewritten, 0 left; 0 not parsed");
  assert_file("main.c", "#include <anyc.h>\nstatic int ticks;\n#include \"impl.c\"\n"
                        "int main(void) { return anyc_run(poll_main, 0); }\n");
  assert_file("impl.c", "static int poll_main(void *arg) {\n  (void)arg;\n  ticks++;\n"
                        "  return anyc_sleep(0);\n}\n");
  /* without a database every .c file is a candidate unit: the same */
  put_file("main.c", "#include <async_service.h>\nstatic int ticks;\n#include \"impl.c\"\n"
                     "int main(void) { return as_run(poll_main, 0); }\n");
  put_file("impl.c", "static int poll_main(void *arg) {\n  (void)arg;\n  ticks++;\n"
                     "  return as_sleep(0);\n}\n");
  assert_int_equal(migrate("-q", "-w", ".", NULL), 0);
  assert_file("impl.c", "static int poll_main(void *arg) {\n  (void)arg;\n  ticks++;\n"
                        "  return anyc_sleep(0);\n}\n");
  /* a .c file nobody includes that does not parse is still "not parsed" */
  put_file("broken.c", "#include <async_service.h>\nint b(void) { return as_sleep(0) + nope; }\n");
  assert_int_equal(migrate("-q", "-w", ".", NULL), 3);
  assert_contains(run_err, "broken.c: error: not parsed");
  scratch_remove();
}

/* Probe 4: the pre-filter remembered each header's verdict for the run, but a header
 * reached at its depth limit was remembered "no legacy" without its includes being
 * read: once a.c had reached h8.h through seven headers, b.c (which includes h8.h
 * directly and uses a legacy macro of h9.h) was skipped, and its site was missing from
 * a run over the folder while `anyc-migrate b.c` reported it.  It now remembers each
 * header's own text and includes, and walks that graph per file. */
static void test_engine_prefilter_memo_ignores_depth_limit(void **state)
{
  (void)state;
  scratch_new("p4deep");
  char name[32], text[64];
  for (int i = 1; i <= 8; i++) {
    snprintf(name, sizeof name, "h%d.h", i);
    snprintf(text, sizeof text, "#include \"h%d.h\"\n", i + 1);
    put_file(name, text);
  }
  put_file("h9.h", "#include <async_service.h>\n#define NAP(s) as_sleep(s)\n");
  put_file("a.c", "#include \"h1.h\"\nint a(void) { return 0; }\n");
  put_file("b.c", "#include \"h8.h\"\nint b(void) { return NAP(0); }\n");
  assert_int_equal(migrate(".", NULL), 0);
  assert_contains(run_err, "b.c:2:22: warning: [AS105] as_sleep: as_sleep comes from a macro body");
  /* an include cycle (guarded headers): x.h is first seen from y.h, which it includes
   * back; z.c reaches the legacy macro through x.h -> w.h.  A per-header verdict taken
   * while the cycle was open said "no" for y.h; the walk of the include graph does not */
  put_file("x.h", "#ifndef X_H\n#define X_H\n#include \"y.h\"\n#include \"w.h\"\n#endif\n");
  put_file("y.h", "#ifndef Y_H\n#define Y_H\n#include \"x.h\"\n#endif\n");
  put_file("w.h", "#include <async_service.h>\n#define NAP2(s) as_sleep(s)\n");
  put_file("m.c", "#include \"x.h\"\nint m(void) { return 0; }\n");
  put_file("z.c", "#include \"y.h\"\nint z(void) { return NAP2(0); }\n");
  assert_int_equal(migrate(".", NULL), 0);
  assert_contains(run_err, "z.c:2:22: warning: [AS105] as_sleep: as_sleep comes from a macro body");
  scratch_remove();
}

/* Probe 3: a compilation database written for gcc: an option clang does not know
 * (-fconserve-stack, -fanalyzer), a value it does not take (-fsanitize=bounds-strict,
 * -march=znver9) or a standard it names otherwise (-std=gnu23: gnu2x) failed the whole
 * parse ("not parsed", exit 3) on a real tree.  Such options are dropped (the standard
 * renamed) and the file parsed again; -D beside them still counts. */
static void test_engine_gcc_only_options_dropped(void **state)
{
  (void)state;
  scratch_new("p3gccopts");
  put_file("src/a.c", "#ifndef X\n#error X\n#endif\n"
                      "#include <async_service.h>\nint zz(void) { return as_sleep(0); }\n");
  char db[2048];
  snprintf(db, sizeof db,
           "[{\"directory\": \"%s/src\", \"file\": \"a.c\", \"command\": \"gcc "
           "-fconserve-stack -fanalyzer -DX=1 -fno-ipa-sra -std=gnu23 -march=znver9 "
           "-fsanitize=bounds-strict -c a.c -o a.o\"}]\n", scratch);
  put_file("b/compile_commands.json", db);
  assert_int_equal(migrate("-q", "-w", "-p", sp("b"), sp("src/a.c"), NULL), 0);
  assert_file("src/a.c", "#ifndef X\n#error X\n#endif\n"
                         "#include <anyc.h>\nint zz(void) { return anyc_sleep(0); }\n");
  scratch_remove();
}

/* Probe 3: an exclude glob of src/gen/ files with the folder given as `./src`: the walked path
 * `./src/gen/g.c` did not match, so the generated file was rewritten anyway. */
static void test_engine_exclude_ignores_leading_dot(void **state)
{
  (void)state;
  scratch_new("p3excl");
  put_file("src/gen/g.c", legacy);
  put_file("src/k.c", legacy);
  assert_int_equal(migrate("-q", "-w", "--exclude", "src/gen/*", "./src", NULL), 0);
  assert_file("src/gen/g.c", legacy);
  assert_file("src/k.c", native);
  scratch_remove();
}

/* Probe 3: root rewriting a file another user owns: the new file (written beside it and
 * renamed over it) became root's.  It keeps its owner and group.  (Only root can give a
 * file away: the check runs as root only.) */
static void test_safety_owner_kept(void **state)
{
  (void)state;
  if (geteuid() != 0)
    skip();
  scratch_new("p3owner");
  put_file("x.c", legacy);
  assert_int_equal(chown(sp("x.c"), 65534, 65534), 0);
  assert_int_equal(chmod(sp("x.c"), 0640), 0);
  assert_int_equal(migrate("-q", "-w", "x.c", NULL), 0);
  struct stat st;
  assert_int_equal(stat(sp("x.c"), &st), 0);
  assert_int_equal(st.st_uid, 65534);
  assert_int_equal(st.st_gid, 65534);
  assert_int_equal(st.st_mode & 07777, 0640);
  assert_file("x.c", native);
  scratch_remove();
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_safety_unparsable_untouched),
    cmocka_unit_test(test_safety_read_only_file),
    cmocka_unit_test(test_safety_mode_kept),
    cmocka_unit_test(test_safety_changed_between_read_and_write),
    cmocka_unit_test(test_safety_overlap_conflict),
    cmocka_unit_test(test_safety_symlink),
    cmocka_unit_test(test_safety_missing_path),
    cmocka_unit_test(test_safety_empty_dir_and_usage),
    cmocka_unit_test(test_engine_jobs_exclude_prefilter),
    cmocka_unit_test(test_engine_compile_db_relative_paths),
    cmocka_unit_test(test_engine_finds_legacy_header_without_flags),
    cmocka_unit_test(test_safety_mode_conflict_and_reports),
    cmocka_unit_test(test_safety_unparsable_in_every_report),
    cmocka_unit_test(test_safety_md_links_encode_paths),
    cmocka_unit_test(test_safety_reports_stay_utf8),
    cmocka_unit_test(test_engine_unlisted_file_gets_tool_arguments),
    cmocka_unit_test(test_engine_gcc_only_options_dropped),
    cmocka_unit_test(test_engine_exclude_ignores_leading_dot),
    cmocka_unit_test(test_safety_owner_kept),
    cmocka_unit_test(test_engine_included_c_file_is_part_of_its_includer),
    cmocka_unit_test(test_engine_prefilter_memo_ignores_depth_limit),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
