/* report_sarif.c — the report as SARIF 2.1.0, for GitHub code scanning and editors.
 *
 * One run; tool.driver lists every rule (id, name, short description, help URI into
 * docs/rules/).  One result per site: level "note" when rewritten, "warning" when left
 * for a person; the message names the legacy call and the reason (and the native form);
 * a physical location with 1-based line and column, columns counted in Unicode code
 * points (run.columnKind = "unicodeCodePoints"); partialFingerprints that survive lines
 * moving (a hash of rule, file, the line's text and its occurrence); and for rewritten
 * sites a fix whose replacements are the run's byte-offset edits.  Relative paths are
 * resolved against the SRCROOT base (the working directory).
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report.h"

/* A path as URI characters: unreserved characters and '/' kept, the rest escaped. */
/* An artifactLocation: absolute paths as file: URIs, relative ones against SRCROOT. */
static void artifact(FILE *out, const char *path)
{
  fputs("{\"uri\": \"", out);
  if (path[0] == '/') {
    fputs("file://", out);
    anyc__uri_chars(out, path);
    fputs("\"}", out);
  } else {
    anyc__uri_chars(out, path);
    fputs("\", \"uriBaseId\": \"SRCROOT\"}", out);
  }
}

static uint64_t fnv1a(uint64_t h, const char *s, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    h ^= (unsigned char)s[i];
    h *= 0x100000001b3ull;
  }
  return h;
}

/* Stable across edits elsewhere in the file: rule, file, the site line's text without
 * surrounding blanks, and which occurrence of that (rule, text) in the file it is. */
static uint64_t fingerprint(const report *r, size_t idx)
{
  const report_site *rs = &r->sites[idx];
  const char *c = rs->file->content;
  const char *line = "";
  size_t n = 0;
  if (c) {
    size_t a = rs->s->offset, b = rs->s->offset;
    while (a > 0 && c[a - 1] != '\n')
      a--;
    while (b < rs->file->size && c[b] != '\n')
      b++;
    while (a < b && (c[a] == ' ' || c[a] == '\t'))
      a++;
    while (b > a && (c[b - 1] == ' ' || c[b - 1] == '\t' || c[b - 1] == '\r'))
      b--;
    line = c + a;
    n = b - a;
  }
  uint64_t h = 0xcbf29ce484222325ull;
  h = fnv1a(h, rs->s->rule, strlen(rs->s->rule) + 1);
  h = fnv1a(h, rs->file->path, strlen(rs->file->path) + 1);
  h = fnv1a(h, line, n);
  unsigned occurrence = 0;
  for (size_t j = 0; j < idx; j++)
    occurrence += r->sites[j].file == rs->file && strcmp(r->sites[j].s->rule, rs->s->rule) == 0;
  return fnv1a(h, (const char *)&occurrence, sizeof occurrence);
}

static size_t rule_index(const report *r, const char *id)
{
  for (size_t i = 0; i < r->nrules; i++)
    if (strcmp(r->rules[i].info->id, id) == 0)
      return i;
  return 0;
}

/* The run's invocation: a file not parsed, left untouched by a conflict, changed on disk
 * or not written is a tool execution notification (level error) naming the file and why
 * -- such a file holds legacy code no result describes -- and makes the execution
 * unsuccessful (the tool's exit status 2 or 3).  The summary's numbers follow as the
 * run's properties, so SARIF carries the same numbers as the other formats. */
static void invocation(FILE *out, const report *r)
{
  const run_stats *st = r->st;
  int ok = 1;
  fputs("    \"invocations\": [{\"toolExecutionNotifications\": [", out);
  for (size_t i = 0; i < r->t->f.n; i++) {
    const src_file *f = &r->t->f.v[i];
    const char *status = anyc__file_status(f);
    if (strcmp(status, "ok") == 0)
      continue;
    char *msg = anyc__xasprintf("%s: %s%s%s", f->path, status, *anyc__file_message(f) ? ": " : "",
                                anyc__file_message(f));
    fprintf(out, "%s\n      {\"level\": \"error\", \"descriptor\": {\"id\": \"%s\"}, "
                 "\"message\": {\"text\": ", ok ? "" : ",", status);
    anyc__json_str(out, msg, 0);
    free(msg);
    fputs("},\n       \"locations\": [{\"physicalLocation\": {\"artifactLocation\": ", out);
    artifact(out, f->path);
    fputs("}}]}", out);
    ok = 0;
  }
  fprintf(out, "%s], \"executionSuccessful\": %s}],\n", ok ? "" : "\n    ", ok ? "true" : "false");
  fprintf(out, "    \"properties\": {\"summary\": {\"files_scanned\": %zu, \"files_legacy\": %zu, "
               "\"sites\": %zu, \"rewritten\": %zu, \"left\": %zu, \"files_not_parsed\": %zu, "
               "\"conflicts\": %zu, \"percent_migrated\": %.1f}}\n",
          st->files_scanned, st->files_legacy, st->sites, st->rewritten, st->left,
          st->not_parsed, st->conflicts, r->percent);
}

int anyc__report_sarif(FILE *out, const report *r)
{
  char uri[1024], cwd[PATH_MAX];
  if (!getcwd(cwd, sizeof cwd))
    strcpy(cwd, "/");
  fputs("{\n  \"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\",\n"
        "  \"version\": \"2.1.0\",\n  \"runs\": [{\n"
        "    \"tool\": {\"driver\": {\"name\": \"anyc-migrate\", \"version\": ",
        out);
  anyc__json_str(out, ANYC_MIGRATE_VERSION, 0);
  fputs(", \"informationUri\": ", out);
  anyc__json_str(out, r->doc_base, 0);
  fputs(",\n      \"rules\": [", out);
  for (size_t i = 0; i < r->nrules; i++) {
    const rule_info *ru = r->rules[i].info;
    fprintf(out, "%s\n        {\"id\": \"%s\", \"name\": ", i ? "," : "", ru->id);
    anyc__json_str(out, ru->name, 0);
    fputs(", \"shortDescription\": {\"text\": ", out);
    anyc__json_str(out, ru->title, 0);
    fputs("}, \"helpUri\": ", out);
    anyc__json_str(out, anyc__rule_uri(r, ru->id, uri, sizeof uri), 0);
    fprintf(out, ", \"defaultConfiguration\": {\"level\": \"%s\"}}",
            ru->id[2] == '1' ? "warning" : "note");
  }
  fputs("\n      ]}},\n    \"columnKind\": \"unicodeCodePoints\",\n"
        "    \"originalUriBaseIds\": {\"SRCROOT\": {\"uri\": ",
        out);
  fputs("\"file://", out);
  anyc__uri_chars(out, cwd);
  fputs(cwd[strlen(cwd) - 1] == '/' ? "\"}},\n" : "/\"}},\n", out);
  fputs("    \"results\": [", out);
  for (size_t i = 0; i < r->nsites; i++) {
    const report_site *rs = &r->sites[i];
    const site *s = rs->s;
    fprintf(out, "%s\n      {\"ruleId\": \"%s\", \"ruleIndex\": %zu, \"level\": \"%s\",\n"
                 "       \"message\": {\"text\": ",
            i ? "," : "", s->rule, rule_index(r, s->rule), s->rewritten ? "note" : "warning");
    char *msg = anyc__xasprintf("%s: %s%s%s%s", s->what ? s->what : s->rule,
                                s->rewritten ? "rewritten. " : "",
                                s->reason ? s->reason : "",
                                !s->rewritten && s->suggest && *s->suggest ? " Native form: " : "",
                                !s->rewritten && s->suggest ? s->suggest : "");
    anyc__json_str(out, msg, 0);
    free(msg);
    fputs("},\n       \"locations\": [{\"physicalLocation\": {\"artifactLocation\": ", out);
    artifact(out, rs->file->path);
    fprintf(out, ", \"region\": {\"startLine\": %u, \"startColumn\": %u}}}],\n",
            s->line, rs->col_cp);
    fprintf(out, "       \"partialFingerprints\": {\"anycSiteHash/v1\": \"%016llx\"}",
            (unsigned long long)fingerprint(r, i));
    if (s->rewritten && rs->nedits) {
      fputs(",\n       \"fixes\": [{\"description\": {\"text\": ", out);
      anyc__json_str(out, anyc__rule_find(s->rule) ? anyc__rule_find(s->rule)->title : s->rule, 0);
      fputs("}, \"artifactChanges\": [{\"artifactLocation\": ", out);
      artifact(out, rs->file->path);
      fputs(", \"replacements\": [", out);
      for (size_t e = 0; e < rs->nedits; e++) {
        fprintf(out, "%s{\"deletedRegion\": {\"byteOffset\": %zu, \"byteLength\": %zu}, "
                     "\"insertedContent\": {\"text\": ",
                e ? ", " : "", rs->edits[e].off, rs->edits[e].len);
        anyc__json_str(out, rs->edits[e].text, 0);
        fputs("}}", out);
      }
      fputs("]}]}]", out);
    }
    fputc('}', out);
  }
  fputs("\n    ],\n", out);
  invocation(out, r);
  fputs("  }]\n}\n", out);
  return ferror(out) ? -EIO : 0;
}
