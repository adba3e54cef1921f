/* test_pch.c — the shared precompiled headers of anyc-migrate (rewriter/pch.c): a run
 * with them gives byte for byte the diff, the diagnostics, the report and the written
 * files of a run without them (--no-pch), on files whose sites are in the main file, in
 * a project header, in macros, in inactive #if branches, and on the corpus; and the
 * plan only shares what is safe to share (leading <...> system includes of jobs with
 * the same arguments, never a header being migrated). */
#include "migrate_test.h"

/* A service file opening with the common run; `extra` goes after the includes. */
static void put_service(const char *name, const char *includes, const char *extra)
{
  char text[4096];
  snprintf(text, sizeof text,
           "%s"
           "%s"
           "struct svc {\n"
           "    as_service service;\n"
           "    int ticks;\n"
           "};\n"
           "\n"
           "static int tick(void *arg) {\n"
           "    struct svc *s = arg;\n"
           "    while (as_is_running(s->service.manager)) {\n"
           "        s->ticks++;\n"
           "        int rc = as_sleep(0.5);\n"
           "        if (rc < 0) return rc == AS_ELIFECYCLE ? 0 : rc;\n"
           "    }\n"
           "    return 0;\n"
           "}\n"
           "\n"
           "static int run(as_service *self) {\n"
           "    as_run_daemon_task(self->manager, tick, self, \"tick\");\n"
           "    return as_wait_finished(self->manager);\n"
           "}\n"
           "\n"
           "int start(void) {\n"
           "    static struct svc s;\n"
           "    as_service_init(&s.service, run, \"svc\");\n"
           "    return as_run_service(&s.service);\n"
           "}\n",
           includes, extra);
  put_file(name, text);
}

static const char run_h[] = "#include <async_service.h>\n#include <stdio.h>\n";

/* A tree where every way a site can be reached is present, most files sharing the run
 * <async_service.h> <stdio.h> (some only its start, some a different one). */
static void put_tree(void)
{
  put_service("t/a.c", run_h, "");
  put_service("t/b.c", "/* leading comment */\n#include <async_service.h>   // why\n"
                       "#include <stdio.h>\n#include <string.h>\n", "");
  put_service("t/c.c", run_h,
              "#define NAP() as_sleep(1)\n"
              "static int nap(void) { return NAP(); }\n"
              "#if 0\nstatic int off(void) { return as_sleep(2); }\n#endif\n");
  put_service("t/d.c", "#define _GNU_SOURCE\n#include <async_service.h>\n#include <stdio.h>\n",
              "");
  put_file("t/inc/proj.h", "#ifndef PROJ_H\n#define PROJ_H\n#include <async_service.h>\n"
                           "static inline int proj_nap(void) { return as_sleep(3); }\n#endif\n");
  put_service("t/e.c", "#include <async_service.h>\n#include <stdio.h>\n#include \"inc/proj.h\"\n",
              "static int f(void) { return proj_nap(); }\n");
  put_service("t/f.c", "#include <stdio.h>\n#include <async_service.h>\n", "");
  put_service("t/g.c", "#include <stdio.h>\n#include <async_service.h>\n", "");
  put_file("t/broken.c", "#include <async_service.h>\n#include <stdio.h>\n"
                         "int broken(void) { return as_sleep(1) }\n");
  /* <assert.h> is meant to be included again (no guard): only what comes before it */
  put_service("t/j.c", "#include <async_service.h>\n#include <assert.h>\n", "");
  put_service("t/k.c", "#include <async_service.h>\n#include <assert.h>\n", "");
  put_file("t/plain.c", "#include <stdio.h>\nint plain(void) { return puts(\"x\"); }\n");
}

static void same_with_and_without(const char *const *args, size_t nargs)
{
  const char *a[16] = {0}, *b[16] = {0};
  assert_true(nargs + 2 < 16);
  for (size_t i = 0; i < nargs; i++)
    a[i] = b[i] = args[i];
  b[nargs] = "--no-pch";
  a[nargs] = b[nargs + 1] = NULL;
  int ra = migrate(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], NULL);
  char *out = strdup(run_out), *err = strdup(run_err);
  int rb = migrate(b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], NULL);
  assert_int_equal(ra, rb);
  assert_string_equal(out, run_out);
  assert_string_equal(err, run_err);
  free(out);
  free(err);
}

/* Diff, stderr with every note (-v), exit status and the JSON report: identical, at -j1
 * and -j2; and so are the files -w writes. */
static void test_pch_same_output_as_plain_parse(void **state)
{
  (void)state;
  scratch_new("pch");
  put_tree();
  const char *diff1[] = {"-v", "-j", "1", "t"};
  same_with_and_without(diff1, 4);
  assert_contains(run_out, "--- t/inc/proj.h");            /* the header's edit */
  assert_contains(run_err, "t/c.c:");                      /* macro + inactive sites */
  assert_contains(run_err, "AS106");
  assert_contains(run_err, "AS105");
  assert_contains(run_err, "broken.c: error: not parsed"); /* the fallback's message */
  const char *diff2[] = {"-v", "-j", "2", "t"};
  same_with_and_without(diff2, 4);
  const char *json[] = {"-q", "-j", "1", "--format", "json", "t"};
  same_with_and_without(json, 6);
  assert_contains(run_out, "\"AS106\"");

  char cmd[1400]; /* a copy for -w */
  snprintf(cmd, sizeof cmd, "cp -r '%s/t' '%s/w'", scratch, scratch);
  assert_int_equal(system(cmd), 0);
  assert_int_equal(migrate("-q", "-w", "t", NULL), 3);
  assert_int_equal(migrate("-q", "-w", "--no-pch", "w", NULL), 3);
  snprintf(cmd, sizeof cmd, "diff -r '%s/t' '%s/w'", scratch, scratch);
  assert_int_equal(system(cmd), 0);
  char *a = get_file("t/a.c");
  assert_contains(a, "anyc_sleep");
  free(a);
  scratch_remove();
}

/* The corpus programs (many files sharing <errno.h> <stdio.h> ...): the same. */
static void test_pch_corpus_same_as_plain_parse(void **state)
{
  (void)state;
  char corpus[600];
  snprintf(corpus, sizeof corpus, "%s/corpus", ANYC_SOURCE_DIR);
  if (access(corpus, R_OK) != 0)
    skip();
  scratch_new("pchcorpus");
  const char *args[] = {"-v", "-j", "2", "--exclude", "migrated", "--format", "json", corpus};
  same_with_and_without(args, 8);
  assert_contains(run_out, "\"AS0");
  scratch_remove();
}

/* The plan: which jobs get a PCH. */
static void test_pch_plan_shares_only_safe_runs(void **state)
{
  (void)state;
  scratch_new("pchplan");
  put_tree();
  put_file("t/inc2/mine.h", "#ifndef MINE_H\n#define MINE_H\nint mine(void);\n#endif\n");
  put_service("t/h.c", "#include <mine.h>\n#include <stdio.h>\n", "");
  put_service("t/i.c", "#include <mine.h>\n#include <stdio.h>\n", "");
  char inc2[700];
  snprintf(inc2, sizeof inc2, "-I%s/t/inc2", scratch);
  static char prog[] = "anyc-migrate";
  char inc[] = "-I" ANYC_SOURCE_DIR "/include", path[700];
  snprintf(path, sizeof path, "%s/t", scratch);
  char *argv[] = {prog, inc, inc2, path, NULL};
  options o;
  FILE *null = fopen("/dev/null", "w");
  assert_int_equal(anyc__cli_parse(&o, 4, argv, null, null), 0);
  file_table t = {0};
  int bad = 0;
  anyc__collect_files(&o, &t, null, &bad);
  anyc__file_index_build(&t);
  job_vec jobs = {0};
  assert_int_equal(anyc__make_jobs(&o, &t, &jobs, null), 0);
  anyc__pch_set *s = anyc__pch_plan(&t, jobs.v, jobs.n);
  assert_non_null(s);
  const char *pa = NULL, *pb = NULL, *pf = NULL, *pg = NULL, *pj = NULL, *pk = NULL;
  for (size_t i = 0; i < jobs.n; i++) {
    const char *base = strrchr(jobs.v[i].file, '/') + 1, *p = anyc__pch_for(s, i);
    if (strcmp(base, "a.c") == 0) pa = p;
    else if (strcmp(base, "b.c") == 0) pb = p;
    else if (strcmp(base, "f.c") == 0) pf = p;
    else if (strcmp(base, "g.c") == 0) pg = p;
    else if (strcmp(base, "j.c") == 0) pj = p;
    else if (strcmp(base, "k.c") == 0) pk = p;
    else if (strcmp(base, "d.c") == 0) /* a #define first: nothing to share */
      assert_null(p);
    else if (strcmp(base, "h.c") == 0 || strcmp(base, "i.c") == 0) /* <mine.h> is the */
      assert_null(p);                                                /* tree's own    */
  }
  assert_non_null(pa); /* a, b, c, e share <async_service.h> <stdio.h> */
  assert_non_null(pf); /* f, g share <stdio.h> <async_service.h> */
  assert_ptr_equal(pa, pb);
  assert_ptr_equal(pf, pg);
  assert_string_not_equal(pa, pf);
  assert_non_null(pj); /* <async_service.h> alone */
  assert_ptr_equal(pj, pk);
  assert_string_not_equal(pj, pa);
  char run[700], *text;
  size_t len;
  snprintf(run, sizeof run, "%.*s.h", (int)strlen(pj) - 4, pj); /* its header, beside */
  assert_int_equal(anyc__read_file(run, &text, &len), 0);
  assert_string_equal(text, "#include <async_service.h>\n");
  free(text);
  char *kept = strdup(pa);
  assert_int_equal(access(kept, R_OK), 0);
  anyc__pch_free(s);
  assert_int_not_equal(access(kept, R_OK), 0); /* removed at the end */
  free(kept);
  /* When the legacy header itself is being migrated, it is never precompiled (a
   * shorter start of the run without it still is). */
  for (size_t i = 0; i < jobs.n; i++)
    anyc__job_free(&jobs.v[i]);
  free(jobs.v);
  anyc__file_table_free(&t);
  anyc__options_free(&o);
  char hdr[700];
  snprintf(hdr, sizeof hdr, "%s/include/async_service.h", ANYC_SOURCE_DIR);
  char *argv2[] = {prog, inc, path, hdr, NULL};
  assert_int_equal(anyc__cli_parse(&o, 4, argv2, null, null), 0);
  memset(&t, 0, sizeof t);
  anyc__collect_files(&o, &t, null, &bad);
  anyc__file_index_build(&t);
  memset(&jobs, 0, sizeof jobs);
  assert_int_equal(anyc__make_jobs(&o, &t, &jobs, null), 0);
  s = anyc__pch_plan(&t, jobs.v, jobs.n);
  for (size_t i = 0; i < jobs.n; i++) {
    const char *base = strrchr(jobs.v[i].file, '/') + 1;
    if (strcmp(base, "a.c") == 0) /* every start of its run names the header */
      assert_null(anyc__pch_for(s, i));
    else if (strcmp(base, "f.c") == 0) /* <stdio.h> alone, not <async_service.h> */
      assert_non_null(anyc__pch_for(s, i));
    anyc__job_free(&jobs.v[i]);
  }
  anyc__pch_free(s);
  free(jobs.v);
  anyc__file_table_free(&t);
  anyc__options_free(&o);
  fclose(null);
  scratch_remove();
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_pch_same_output_as_plain_parse),
    cmocka_unit_test(test_pch_corpus_same_as_plain_parse),
    cmocka_unit_test(test_pch_plan_shares_only_safe_runs),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
