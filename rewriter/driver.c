/* driver.c — one run of anyc-migrate: collect files, parse, merge what every
 * translation unit found into per-file edits and sites, then diff / write / check,
 * print the diagnostics and the report, and choose the exit status.
 *
 * Merging is serial and in job order, so the output does not depend on -j.  A file is
 * written only if every parse that saw it saw the same bytes, its edits do not
 * conflict, and its own parse succeeded. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "migrate.h"
#include "report.h"



static int cmp_site(const void *pa, const void *pb)
{
  const site *a = pa, *b = pb;
  if (a->offset != b->offset)
    return a->offset < b->offset ? -1 : 1;
  return strcmp(a->rule, b->rule);
}

static void merge_site(src_file *f, site *s)
{
  for (size_t i = 0; i < f->sites.n; i++) {
    site *o = &f->sites.v[i];
    if (o->offset == s->offset && strcmp(o->what, s->what) == 0 &&
        (strcmp(o->rule, s->rule) == 0 || o->rewritten != s->rewritten ||
         o->cls == SC_INACTIVE || s->cls == SC_INACTIVE)) {
      if (!o->rewritten && !s->rewritten) {
        /* left in both: one use, one site.  A configuration that compiles it knows the
         * real reason; "inactive" only says another one does not (round 4: each such
         * use counted twice, AS106 and AS103) */
        if (o->cls == SC_INACTIVE && s->cls != SC_INACTIVE) {
          site keep = *s;
          *s = *o;
          *o = keep;
        }
      } else if (o->rewritten != s->rewritten && o->svc && s->svc) {
        /* one unit left the service, another rewrote it: the component decides
         * (left wins, see components()) */
        if (o->rewritten) {
          site keep = *s;
          *s = *o;
          *o = keep;
        }
      } else if (o->rewritten != s->rewritten &&
                 (o->cls == SC_INACTIVE || s->cls == SC_INACTIVE)) {
        /* one configuration compiles the branch out (AS106), another rewrote it: the
         * point of parsing every configuration is to cover both branches */
        if (s->rewritten) {
          site keep = *s;
          *s = *o;
          *o = keep;
        }
      } else if (o->rewritten != s->rewritten && !f->conflict) {
        f->conflict = 1;
        f->conflict_msg = anyc__xasprintf("line %u: %s is rewritten in one compile command "
                                          "and left in another", s->line, s->what);
      }
      free(s->what);
      free(s->reason);
      free(s->suggest);
      return;
    }
  }
  VEC_PUSH(f->sites, *s);
}

static void merge(file_table *t, job *jobs, size_t n, int *reached, FILE *err)
{
  for (size_t j = 0; j < n; j++) {
    tu_result *r = &jobs[j].res;
    if (r->failed) {
      file_id id;
      if (anyc__file_identity(jobs[j].file, &id) == 0) {
        src_file *f = anyc__file_lookup(t, id);
        if (f) {
          f->parse_failed = 1;
          if (!f->parse_msg && r->diag)
            f->parse_msg = anyc__xstrdup(r->diag);
        }
      }
      /* an error, not progress: named even under -q (exit 3 alone names nothing) */
      fprintf(err, "%s: error: not parsed, left untouched: %s\n", jobs[j].file,
                r->diag ? r->diag : "");
      continue;
    }
    for (size_t k = 0; k < r->files.n; k++) {
      tu_file *tf = &r->files.v[k];
      src_file *f = anyc__file_lookup(t, tf->id);
      if (!f) {
        src_file nf = {0};
        nf.path = anyc__xstrdup(tf->path);
        nf.id = tf->id;
        VEC_PUSH(t->f, nf);
        f = &t->f.v[t->f.n - 1];
      } else {
        reached[f - t->f.v] = 1;
      }
      if (!f->content) {
        f->content = tf->content;
        f->size = tf->size;
        tf->content = NULL;
      } else if (f->size != tf->size || memcmp(f->content, tf->content, f->size) != 0) {
        f->content_mismatch = 1;
      }
      for (size_t e = 0; e < tf->edits.n; e++) {
        edit *ed = &tf->edits.v[e];
        if (anyc__edit_add(&f->edits, ed->off, ed->len, ed->text, &f->conflict_msg,
                           f->content) != 0)
          f->conflict = 1;
      }
      for (size_t e = 0; e < tf->svc_edits.n; e++) {
        edit *ed = &tf->svc_edits.v[e];
        if (anyc__edit_add(&f->svc_edits, ed->off, ed->len, ed->text, &f->conflict_msg,
                           f->content) != 0)
          f->conflict = 1;
      }
      for (size_t s = 0; s < tf->sites.n; s++)
        merge_site(f, &tf->sites.v[s]);
      free(tf->sites.v);
      tf->sites.v = NULL;
      tf->sites.n = 0;
      if (tf->has_include && !f->has_include) {
        f->has_include = tf->has_include;
        memcpy(f->inc, tf->inc, sizeof f->inc);
      }
    }
  }
}

/* A .c file that another unit #includes (a unity build: redis's ae.c includes
 * ae_epoll.c) and that the database does not list is a fragment of that unit, not a
 * unit of its own: parsed alone it usually fails (its includer's declarations are
 * missing).  That failure is not the file's: the includer's parse covers its sites, and
 * counting it "not parsed" would drop them while the includer's include switch went
 * ahead, leaving the fragment's legacy calls undeclared. */
static void fragments(job *jobs, size_t n, const options *o, FILE *err)
{
  for (size_t j = 0; j < n; j++) {
    file_id id;
    if (!jobs[j].res.failed || jobs[j].listed || anyc__file_identity(jobs[j].file, &id) != 0)
      continue;
    for (size_t i = 0; i < n; i++) {
      const tu_result *r = &jobs[i].res;
      int in = 0;
      for (size_t k = 0; i != j && !r->failed && k < r->files.n && !in; k++)
        in = r->files.v[k].id.dev == id.dev && r->files.v[k].id.ino == id.ino;
      if (!in)
        continue;
      if (o->verbose)
        fprintf(err, "%s: note: not a unit of its own: parsed as part of %s, which includes "
                     "it (alone: %s)\n", jobs[j].file, jobs[i].file,
                jobs[j].res.diag ? jobs[j].res.diag : "");
      jobs[j].res.failed = 0;
      break;
    }
  }
}

/* A file with a site left that does not include async_service.h itself reaches the
 * legacy declarations through a header of its unit: every file of that unit keeps its
 * legacy include (switching it would leave the file's left sites undeclared). */
static void keep_includes(file_table *t, job *jobs, size_t njobs)
{
  for (size_t j = 0; j < njobs; j++) {
    int needs = 0;
    for (size_t k = 0; k < jobs[j].res.files.n && !needs; k++) {
      src_file *f = anyc__file_lookup(t, jobs[j].res.files.v[k].id);
      for (size_t s = 0; f && !f->has_include && s < f->sites.n && !needs; s++)
        needs = !f->sites.v[s].rewritten;
    }
    for (size_t k = 0; needs && k < jobs[j].res.files.n; k++) {
      src_file *f = anyc__file_lookup(t, jobs[j].res.files.v[k].id);
      if (f)
        f->keep_include = 1;
    }
  }
}

/* AS001: the include switches to anyc.h once the file has nothing legacy left, and no
 * file compiled with it uses the legacy API through it. */
static void include_rule(const options *o, src_file *f)
{
  if (!f->has_include || !f->content || !anyc__rule_enabled(o, "AS001"))
    return;
  const char *stays = NULL;
  for (size_t i = 0; i < f->sites.n && !stays; i++)
    if (!f->sites.v[i].rewritten)
      stays = "the file still uses the legacy API; the include stays";
  if (!stays && f->keep_include)
    stays = "a file compiled with this one still uses the legacy API through this include; "
            "the include stays";
  for (int k = 0; k < f->has_include; k++) {
    const legacy_include *in = &f->inc[k];
    unsigned line = 1, col = 1;
    for (size_t i = 0; i < in->off; i++) {
      if (f->content[i] == '\n')
        line++, col = 1;
      else
        col++;
    }
    site s = {in->off, line, col, stays ? "AS110" : "AS001", !stays, SC_PLAIN,
              anyc__xstrdup("async_service.h"),
              anyc__xstrdup(stays ? stays : "nothing legacy is left in the file"),
              anyc__xstrdup("#include <anyc.h>"), 0};
    VEC_PUSH(f->sites, s);
    if (stays)
      continue;
    /* the folder part stays: `"../include/async_service.h"` -> `"../include/anyc.h"` (the
     * two headers are installed side by side) */
    size_t dir = 0;
    for (size_t i = 1; i + 1 < in->len; i++)
      if (f->content[in->off + i] == '/')
        dir = i;
    char *h = anyc__xasprintf("%c%.*sanyc.h%c", in->quote, (int)dir, f->content + in->off + 1,
                              in->quote == '<' ? '>' : '"');
    if (anyc__edit_add(&f->edits, in->off, in->len, h, &f->conflict_msg, f->content) != 0)
      f->conflict = 1;
    free(h);
  }
}

/* ---- services spanning files ----------------------------------------------------
 * A service's struct usually lives in a header shared by several .c files (its run in
 * one, its use in main in another).  Files are grouped into components: two files are
 * together when one translation unit reached both.  If any service site of a component
 * is left (or one of its units did not parse), every service rewrite of the component
 * is left too, so no file is half-migrated against another. */
static size_t uf_find(size_t *p, size_t i)
{
  while (p[i] != i)
    i = p[i] = p[p[i]];
  return i;
}

static void components(file_table *t, job *jobs, size_t njobs, size_t first_header_job)
{
  size_t n = t->f.n;
  size_t *parent = anyc__xrealloc(NULL, (n + 1) * sizeof *parent);
  int *failed = anyc__xrealloc(NULL, (n + 1) * sizeof *failed);
  int *alone = anyc__xrealloc(NULL, (n + 1) * sizeof *alone);
  const site **why = anyc__xrealloc(NULL, (n + 1) * sizeof *why);
  size_t *why_file = anyc__xrealloc(NULL, (n + 1) * sizeof *why_file);
  for (size_t i = 0; i < n; i++) {
    parent[i] = i;
    failed[i] = 0;
    alone[i] = 0;
    why[i] = NULL;
  }
  for (size_t j = 0; j < njobs; j++) {
    file_id id;
    if (anyc__file_identity(jobs[j].file, &id) != 0)
      continue;
    src_file *m = anyc__file_lookup(t, id);
    if (!m)
      continue;
    size_t mi = (size_t)(m - t->f.v);
    if (jobs[j].res.failed)
      failed[mi] = 1;
    /* a header no .c file of the run includes (parsed on its own): the files that use
     * its service are not in the run, and would not build against a rewritten struct or
     * run -- its service stays legacy */
    if (j >= first_header_job)
      failed[mi] = alone[mi] = 1;
    for (size_t k = 0; k < jobs[j].res.files.n; k++) {
      src_file *f = anyc__file_lookup(t, jobs[j].res.files.v[k].id);
      if (f)
        parent[uf_find(parent, (size_t)(f - t->f.v))] = uf_find(parent, mi);
    }
  }
  for (size_t i = 0; i < n; i++) {
    size_t r = uf_find(parent, i);
    if (failed[i])
      failed[r] = 1;
    if (alone[i])
      alone[r] = 1;
    for (size_t s = 0; s < t->f.v[i].sites.n; s++) {
      const site *x = &t->f.v[i].sites.v[s];
      if (x->svc && !x->rewritten && !why[r]) {
        why[r] = x;
        why_file[r] = i;
        failed[r] = 1;
      }
    }
  }
  for (size_t i = 0; i < n; i++) {
    src_file *f = &t->f.v[i];
    size_t r = uf_find(parent, i);
    if (!failed[r]) {
      for (size_t e = 0; e < f->svc_edits.n; e++) {
        edit *ed = &f->svc_edits.v[e];
        if (anyc__edit_add(&f->edits, ed->off, ed->len, ed->text, &f->conflict_msg,
                           f->content) != 0)
          f->conflict = 1;
      }
      continue;
    }
    for (size_t s = 0; s < f->sites.n; s++) {
      site *x = &f->sites.v[s];
      if (!x->svc || !x->rewritten)
        continue;
      x->rewritten = 0;
      x->rule = "AS107";
      free(x->reason);
      x->reason = why[r] ? anyc__xasprintf("the service is migrated whole, across the files "
                                           "that share it, and its site at %s:%u:%u (%s) "
                                           "cannot be rewritten",
                                           t->f.v[why_file[r]].path, why[r]->line,
                                           why[r]->col, why[r]->rule)
                         : alone[r]
                         ? anyc__xstrdup("the service is declared in a header that no .c file "
                                         "of this run includes: the files using it are not "
                                         "migrated with it (give them too)")
                         : anyc__xstrdup("the service is migrated whole, and a file that "
                                         "shares it did not parse");
    }
  }
  free(parent);
  free(failed);
  free(alone);
  free(why);
  free(why_file);
}

/* A file written with CRLF line ends gets CRLF in the lines the rules insert. */
static void crlf_edits(src_file *f)
{
  if (!f->content || !memchr(f->content, '\r', f->size) || !strstr(f->content, "\r\n"))
    return;
  for (size_t i = 0; i < f->edits.n; i++) {
    const char *t = f->edits.v[i].text;
    if (!strchr(t, '\n'))
      continue;
    sbuf b = {0};
    for (size_t k = 0; t[k]; k++) {
      if (t[k] == '\n' && (k == 0 || t[k - 1] != '\r'))
        anyc__sb_addn(&b, "\r", 1);
      anyc__sb_addn(&b, t + k, 1);
    }
    free(f->edits.v[i].text);
    f->edits.v[i].text = b.s;
  }
}

int anyc__migrate_main(int argc, char **argv, FILE *out, FILE *err)
{
  options o;
  int pr = anyc__cli_parse(&o, argc, argv, out, err);
  if (pr != 0) {
    anyc__options_free(&o);
    return pr < 0 ? 2 : 0;
  }
  int status = 0, bad = 0;
  file_table t = {0};
  anyc__collect_files(&o, &t, err, &bad);
  size_t nscanned = t.f.n;
  anyc__file_index_build(&t);
  if (nscanned == 0 && !bad && !o.quiet)
    fprintf(err, "anyc-migrate: no .c or .h files under the paths given: nothing to do\n");

  job_vec jobs = {0};
  if (anyc__make_jobs(&o, &t, &jobs, err) != 0) {
    anyc__file_table_free(&t);
    anyc__options_free(&o);
    return 2;
  }
  anyc__prefilter_reset();
  anyc__run_jobs(&o, &t, jobs.v, jobs.n, err);
  int *reached = anyc__xrealloc(NULL, (nscanned + 1) * sizeof *reached);
  memset(reached, 0, (nscanned + 1) * sizeof *reached);
  for (size_t i = 0; i < nscanned; i++)
    reached[i] = !strstr(t.f.v[i].path, ".h") || t.f.v[i].path[strlen(t.f.v[i].path) - 1] != 'h';
  fragments(jobs.v, jobs.n, &o, err);
  merge(&t, jobs.v, jobs.n, reached, err);
  size_t first_header_job = jobs.n;
  anyc__header_jobs(&o, &t, reached, &jobs);
  anyc__run_jobs(&o, &t, jobs.v + first_header_job, jobs.n - first_header_job, err);
  merge(&t, jobs.v + first_header_job, jobs.n - first_header_job, reached, err);
  free(reached);

  components(&t, jobs.v, jobs.n, first_header_job);
  keep_includes(&t, jobs.v, jobs.n);

  run_stats st = {0};
  st.files_scanned = nscanned;
  int work = 0, unwritten = 0;
  for (size_t i = 0; i < t.f.n; i++) {
    src_file *f = &t.f.v[i];
    include_rule(&o, f);
    if (f->sites.n)
      qsort(f->sites.v, f->sites.n, sizeof *f->sites.v, cmp_site);
    st.files_legacy += f->sites.n > 0;
    st.not_parsed += f->parse_failed;
    /* Written (or diffed) first, so that the sites of a file left untouched -- its edits
     * conflict, it changed on disk, it could not be written -- count as left. */
    const char *untouched = NULL;
    char *write_err = NULL;
    if (f->edits.n && !f->parse_failed && f->scanned) {
      work = 1;
      if (f->conflict || f->content_mismatch) {
        st.conflicts++;
        unwritten = 1;
        untouched = "the file is left untouched (its edits conflict, or it changed on disk): "
                    "rewrite by hand or fix the conflict";
        fprintf(err, "%s: error: left untouched: %s\n", f->path,
                f->conflict ? f->conflict_msg : "it changed on disk while it was being parsed");
      } else {
        anyc__edits_sort(&f->edits);
        crlf_edits(f);
        size_t nn;
        char *nt = anyc__edits_apply(&f->edits, f->content, f->size, &nn);
        if (o.mode == MODE_DIFF && !(o.format && !o.reports.n)) {
          anyc__unified_diff(out, f->path, f->content, f->size, nt, nn);
        } else if (o.mode == MODE_WRITE) {
          int r = anyc__replace_file(f->path, f->content, f->size, nt, nn);
          if (r != 0) {
            f->write_failed = 1;
            unwritten = 1;
            const char *why = r == -ESTALE ? "it changed on disk since it was read" : strerror(-r);
            fprintf(err, "%s: error: not written: %s\n", f->path, why);
            untouched = write_err = anyc__xasprintf("the file could not be written (%s): "
                                                    "its rewrite is not applied", why);
          }
        }
        free(nt);
      }
    }
    for (size_t s = 0; s < f->sites.n; s++) {
      site *x = &f->sites.v[s];
      if (untouched && x->rewritten) { /* its rewrite is not written: it is left */
        x->rewritten = 0;
        x->rule = "AS110";
        free(x->reason);
        x->reason = anyc__xstrdup(untouched);
      }
      st.sites++;
      x->rewritten ? st.rewritten++ : st.left++;
      if (!x->rewritten)
        work = 1;
      if (o.quiet || (x->rewritten && !o.verbose))
        continue;
      fprintf(err, "%s:%u:%u: %s: [%s] %s: %s", f->path, x->line, x->col,
              x->rewritten ? "note" : "warning", x->rule, x->what, x->reason);
      if (!x->rewritten && x->suggest && *x->suggest)
        fprintf(err, "; native form: %s", x->suggest);
      fputc('\n', err);
    }
    free(write_err);
  }
  if (!o.quiet)
    fprintf(err, "anyc-migrate: %zu files scanned, %zu with legacy use, %zu sites: "
                 "%zu rewritten, %zu left; %zu not parsed\n",
            st.files_scanned, st.files_legacy, st.sites, st.rewritten, st.left, st.not_parsed);
  /* --format alone: the report to stdout (no diff); else one report per --report */
  for (size_t r = 0; r < (o.reports.n ? o.reports.n : o.format ? 1 : 0); r++) {
    const char *path = o.reports.n ? o.reports.v[r] : NULL;
    FILE *rf = path ? fopen(path, "w") : out;
    int e = rf ? 0 : errno;
    int bad_write = !rf || anyc__report_write(rf, path ? anyc__report_format(&o, path)
                                                       : o.format, &t, &st) != 0;
    if (rf && rf != out && fclose(rf) != 0)
      bad_write = 1;
    if (bad_write) {
      fprintf(err, "anyc-migrate: cannot write the report %s%s%s\n", path ? path : "to stdout",
              e ? ": " : "", e ? strerror(e) : "");
      unwritten = 1;
    }
  }
  if (bad || unwritten)
    status = 2;
  else if (st.not_parsed)
    status = 3;
  else if (o.mode == MODE_CHECK && work)
    status = 1;
  for (size_t j = 0; j < jobs.n; j++)
    anyc__job_free(&jobs.v[j]);
  free(jobs.v);
  anyc__file_table_free(&t);
  anyc__options_free(&o);
  return status;
}
