/* gen_big_report.c — write a report of N synthetic sites (default 10,000) in one format,
 * so the browser test can check a large report renders in time and stays small.
 * usage: gen_big_report FORMAT OUT [N] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

int main(int argc, char **argv)
{
  if (argc < 3)
    return 2;
  size_t n = argc > 3 ? (size_t)atol(argv[3]) : 10000, per_file = 25;
  file_table t = {0};
  run_stats st = {0};
  for (size_t i = 0; i < n; i += per_file) {
    src_file f;
    memset(&f, 0, sizeof f);
    f.path = anyc__xasprintf("svc%03zu/module%zu.c", i / 1000, i / per_file);
    f.scanned = 1;
    sbuf text = {0};
    for (size_t s = 0; s < per_file && i + s < n; s++) {
      size_t off = text.n + 4;
      anyc__sb_printf(&text, "    as_run_task(m, worker_%zu, arg, \"w%zu\");\n", s, s);
      int left = (i + s) % 3 == 0;
      site x = {off, (unsigned)s + 1, 5, left ? "AS102" : "AS004", !left, SC_PLAIN,
                anyc__xstrdup("as_run_task"),
                anyc__xstrdup(left ? "scheduling from code the service does not own"
                                   : "the daemon no longer fails the service on return"),
                anyc__xstrdup("anyc_start_soon_named(&tg, \"w\", worker, arg)"), 0};
      VEC_PUSH(f.sites, x);
      if (!left) {
        edit e = {off, 11, anyc__xstrdup("anyc_start_soon_named")};
        VEC_PUSH(f.edits, e);
      }
      st.sites++;
      left ? st.left++ : st.rewritten++;
    }
    f.content = text.s;
    f.size = text.n;
    st.files_scanned++;
    st.files_legacy++;
    VEC_PUSH(t.f, f);
  }
  FILE *out = fopen(argv[2], "w");
  if (!out)
    return 2;
  int rc = anyc__report_write(out, argv[1], &t, &st);
  fclose(out);
  anyc__file_table_free(&t);
  return rc ? 1 : 0;
}
