/* test_edits.c — the edit merger (rewriter/edits.c) and the unified diff (diff.c):
 * duplicates kept once, overlaps refused, insertions ordered around replacements, and
 * diffs that patch(1) applies. */
#include "migrate_test.h"

static void test_edits_duplicate_kept_once(void **state)
{
  (void)state;
  edit_vec v = {0};
  char *msg = NULL;
  assert_int_equal(anyc__edit_add(&v, 4, 3, "xyz", &msg, "0123456789"), 0);
  assert_int_equal(anyc__edit_add(&v, 4, 3, "xyz", &msg, "0123456789"), 0);
  assert_int_equal(v.n, 1);
  anyc__edits_free(&v);
}

static void test_edits_overlap_is_conflict(void **state)
{
  (void)state;
  edit_vec v = {0};
  char *msg = NULL;
  const char *c = "line1\nline2\n";
  assert_int_equal(anyc__edit_add(&v, 6, 5, "LINE2", &msg, c), 0);
  assert_int_equal(anyc__edit_add(&v, 8, 2, "zz", &msg, c), -1);
  assert_non_null(msg);
  assert_contains(msg, "line 2");
  free(msg);
  msg = NULL;
  /* two different insertions at one point are ambiguous */
  assert_int_equal(anyc__edit_add(&v, 0, 0, "a", &msg, c), 0);
  assert_int_equal(anyc__edit_add(&v, 0, 0, "b", &msg, c), -1);
  free(msg);
  /* an insertion strictly inside a replacement conflicts; at its ends it does not */
  msg = NULL;
  assert_int_equal(anyc__edit_add(&v, 7, 0, "i", &msg, c), -1);
  free(msg);
  assert_int_equal(anyc__edit_add(&v, 6, 0, "<", &msg, c), 0);
  assert_int_equal(anyc__edit_add(&v, 11, 0, ">", &msg, c), 0);
  anyc__edits_sort(&v);
  size_t n;
  char *out = anyc__edits_apply(&v, c, strlen(c), &n);
  assert_string_equal(out, "aline1\n<LINE2>\n");
  free(out);
  anyc__edits_free(&v);
}

static void test_diff_applies_with_patch(void **state)
{
  (void)state;
  scratch_new("diff");
  sbuf a = {0}, b = {0};
  for (int i = 0; i < 40; i++) {
    anyc__sb_printf(&a, "line %d\n", i);
    if (i == 3)
      anyc__sb_add(&b, "inserted\n");
    if (i != 20)
      anyc__sb_printf(&b, i == 30 ? "LINE %d\n" : "line %d\n", i);
  }
  anyc__sb_add(&b, "tail without newline");
  put_file("f.txt", a.s);
  FILE *out = tmpfile();
  anyc__unified_diff(out, "f.txt", a.s, a.n, b.s, b.n);
  char *d = slurp(out);
  assert_contains(d, "@@ -1,6 +1,7 @@\n line 0\n line 1\n line 2\n+inserted\n");
  assert_contains(d, "\\ No newline at end of file\n");
  put_file("f.patch", d);
  char cmd[700];
  snprintf(cmd, sizeof cmd, "cd '%s' && patch -s -p0 < f.patch", scratch);
  assert_int_equal(system(cmd), 0);
  char *got = get_file("f.txt");
  assert_string_equal(got, b.s);
  free(got);
  free(d);
  free(a.s);
  free(b.s);
  scratch_remove();
}

/* A file too large for the LCS table (4,000 lines, 40 scattered one-line changes) still
 * gets small hunks, and the diff applies. */
static void test_diff_large_file_small_hunks(void **state)
{
  (void)state;
  scratch_new("bigdiff");
  sbuf a = {0}, b = {0};
  for (int i = 0; i < 4000; i++) {
    anyc__sb_printf(&a, "line %d\n", i % 7 ? i : 0); /* repeated lines, as in real code */
    if (i % 100 == 50)
      anyc__sb_printf(&b, "changed %d\n", i);
    else
      anyc__sb_printf(&b, "line %d\n", i % 7 ? i : 0);
  }
  put_file("g.txt", a.s);
  FILE *out = tmpfile();
  anyc__unified_diff(out, "g.txt", a.s, a.n, b.s, b.n);
  char *d = slurp(out);
  size_t plus = 0;
  for (const char *p = d; (p = strstr(p, "\n+")); p++)
    plus++;
  assert_int_equal(plus, 40 + 1); /* 40 changed lines, plus the +++ header */
  put_file("g.patch", d);
  char cmd[700];
  snprintf(cmd, sizeof cmd, "cd '%s' && patch -s -p0 < g.patch", scratch);
  assert_int_equal(system(cmd), 0);
  char *got = get_file("g.txt");
  assert_string_equal(got, b.s);
  free(got);
  free(d);
  free(a.s);
  free(b.s);
  scratch_remove();
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_edits_duplicate_kept_once),
    cmocka_unit_test(test_edits_overlap_is_conflict),
    cmocka_unit_test(test_diff_applies_with_patch),
    cmocka_unit_test(test_diff_large_file_small_hunks),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
