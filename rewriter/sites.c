/* sites.c — finding the legacy sites of one translation unit and turning the ones a
 * rule can rewrite into byte edits (anyc__find_sites, the entry the parse workers call).
 *
 * One walk over the AST records every reference to the legacy API (calls, function
 * pointers, its types, its struct members, its macros, the #include), each with its
 * ancestor chain.  Each reference is classified (plain, macro argument, macro body,
 * header, inactive #if) from file vs expansion locations (never getSpellingLocation,
 * which is the file location before LLVM 19), then handed to its rule: rule_func here
 * dispatches calls to the call rules (rules_call.c), the service pattern
 * (rules_service.c) and the task rules (rules_task.c); types, members and macros are
 * judged here.  Rules produce "pending" sites with their edits.  The service pattern is
 * all-or-nothing per translation unit: if any site touching a service (its struct, run,
 * manager) has to be left, every service rewrite of the unit is left too (AS107),
 * because a half-migrated service (its struct plain, a task still scheduling through the
 * manager) would break at run time while compiling fine.
 *
 * Inserted code follows the spec's worked example: every checkpoint's status checked,
 * every group and scope closed with the body's status. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <clang-c/Index.h>

#include "migrate.h"
#include "sites.h"

int anyc__in_system(CXCursor c)
{
  CXSourceLocation l = clang_getCursorLocation(c);
  if (clang_Location_isInSystemHeader(l))
    return 1;
  CXFile f;
  clang_getExpansionLocation(l, &f, NULL, NULL, NULL);
  if (!f)
    return 1;
  if (anyc__file_is_legacy_header(f))
    return 1;
  char *name = anyc__cx_str(clang_getFileName(f));
  const char *base = strrchr(name, '/');
  int r = strcmp(base ? base + 1 : name, "anyc.h") == 0;
  free(name);
  return r;
}

/* Takes ownership of name. */
static void add_ref(ctx *x, enum ref_kind k, CXCursor c, char *name)
{
  ref r = {k, c, NULL, x->stack.n, name};
  r.anc = anyc__xrealloc(NULL, (x->stack.n + 1) * sizeof *r.anc);
  memcpy(r.anc, x->stack.v, x->stack.n * sizeof *r.anc);
  VEC_PUSH(x->refs, r);
}

int anyc__is_svc_type(CXType t)
{
  t = clang_getCanonicalType(t);
  if (t.kind != CXType_Record || !anyc__decl_is_legacy(clang_getTypeDeclaration(t)))
    return 0;
  char *name = anyc__cx_str(clang_getTypeSpelling(t));
  int r = strcmp(name, "struct as_service") == 0;
  free(name);
  return r;
}

static int is_manager_ptr(CXType t)
{
  t = clang_getCanonicalType(t);
  if (t.kind != CXType_Pointer)
    return 0;
  t = clang_getCanonicalType(clang_getPointeeType(t));
  if (t.kind != CXType_Record || !anyc__decl_is_legacy(clang_getTypeDeclaration(t)))
    return 0;
  char *name = anyc__cx_str(clang_getTypeSpelling(t));
  int r = strcmp(name, "struct as_manager") == 0 || strcmp(name, "const struct as_manager") == 0;
  free(name);
  return r;
}

static enum CXChildVisitResult visit(CXCursor c, CXCursor parent, CXClientData d);

static void walk(ctx *x, CXCursor c)
{
  VEC_PUSH(x->stack, c);
  clang_visitChildren(c, visit, x);
  x->stack.n--;
}

static enum CXChildVisitResult visit(CXCursor c, CXCursor parent, CXClientData d)
{
  (void)parent;
  ctx *x = d;
  if (x->stack.n == 1 && anyc__in_system(c))
    return CXChildVisit_Continue;
  CXCursor refd = clang_getCursorReferenced(c);
  switch (c.kind) {
  case CXCursor_DeclRefExpr:
    if (refd.kind == CXCursor_FunctionDecl && anyc__decl_is_legacy(refd))
      add_ref(x, R_FUNC, c, anyc__cx_str(clang_getCursorSpelling(refd)));
    else if (refd.kind == CXCursor_ParmDecl)
      add_ref(x, R_PARAMREF, c, anyc__xstrdup(""));
    if ((refd.kind == CXCursor_VarDecl || refd.kind == CXCursor_ParmDecl) &&
        is_manager_ptr(clang_getCursorType(refd)))
      add_ref(x, R_MGRVAR, c, anyc__cx_str(clang_getCursorSpelling(refd)));
    break;
  case CXCursor_TypeRef:
    if (anyc__decl_is_legacy(refd))
      add_ref(x, R_TYPE, c, anyc__cx_str(clang_getCursorSpelling(refd)));
    break;
  case CXCursor_MemberRef: /* a designator: { .service = ... } names the field */
    if (refd.kind == CXCursor_FieldDecl && anyc__is_svc_type(clang_getCursorType(refd)))
      add_ref(x, R_SVCFIELD, c, anyc__cx_str(clang_getCursorSpelling(refd)));
    break;
  case CXCursor_MemberRefExpr:
    if (anyc__decl_is_legacy(refd))
      add_ref(x, R_MEMBER, c, anyc__cx_str(clang_getCursorSpelling(refd)));
    else if (refd.kind == CXCursor_FieldDecl && anyc__is_svc_type(clang_getCursorType(refd)))
      add_ref(x, R_SVCFIELD, c, anyc__cx_str(clang_getCursorSpelling(refd)));
    break;
  case CXCursor_MacroExpansion:
    if (anyc__decl_is_legacy(refd))
      add_ref(x, R_MACRO, c, anyc__cx_str(clang_getCursorSpelling(c)));
    break;
  case CXCursor_InclusionDirective: {
    CXFile inc = clang_getIncludedFile(c);
    if (anyc__file_is_legacy_header(inc))
      add_ref(x, R_INCLUDE, c, anyc__xstrdup("async_service.h"));
    break;
  }
  case CXCursor_FieldDecl:
    if (anyc__is_svc_type(clang_getCursorType(c)))
      VEC_PUSH(x->svcfields, c);
    break;
  case CXCursor_FunctionDecl:
    if (clang_isCursorDefinition(c)) {
      fn_info f = {0};
      f.fn = c;
      f.rc_var = clang_getNullCursor();
      VEC_PUSH(x->fns, f);
    }
    break;
  default:
    break;
  }
  walk(x, c);
  return CXChildVisit_Continue;
}

/* Where the cursor's own token is: file location and class. */
static enum site_class classify(ctx *x, CXCursor c, const char *name, CXFile *f,
                                unsigned *line, unsigned *col, size_t *off)
{
  CXSourceLocation l = clang_getCursorLocation(c);
  CXFile ff, xf;
  unsigned fo, xo;
  clang_getFileLocation(l, &ff, line, col, &fo);
  clang_getExpansionLocation(l, &xf, NULL, NULL, &xo);
  *f = ff;
  *off = fo;
  size_t n;
  const char *s = ff ? anyc__contents(x, ff, &n) : NULL;
  int spelled = s && name && fo + strlen(name) <= n && strncmp(s + fo, name, strlen(name)) == 0;
  if (ff && xf && clang_File_isEqual(ff, xf) && fo == xo) {
    if (!spelled && name && *name)
      return SC_MACRO_BODY;
    return clang_File_isEqual(ff, x->main_file) ? SC_PLAIN : SC_HEADER;
  }
  return spelled ? SC_MACRO_ARG : SC_MACRO_BODY;
}

pend *anyc__new_pend(ctx *x, CXCursor c, const char *rule, const char *what, int svc)
{
  pend p = {0};
  unsigned line, col;
  size_t off;
  /* Only references are spelled with the legacy name at their location; a declaration's
   * location is its own name. */
  int ref_cursor = c.kind == CXCursor_DeclRefExpr || c.kind == CXCursor_TypeRef ||
                   c.kind == CXCursor_MemberRefExpr || c.kind == CXCursor_MacroExpansion;
  p.s.cls = classify(x, c, ref_cursor ? what : "", &p.file, &line, &col, &off);
  p.s.line = line;
  p.s.col = col;
  p.s.offset = off;
  p.s.rule = rule;
  p.s.rewritten = rule[2] == '0';
  p.s.what = anyc__xstrdup(what);
  p.svc = svc;
  VEC_PUSH(x->pends, p);
  return &x->pends.v[x->pends.n - 1];
}

void anyc__set_reason(pend *p, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  free(p->s.reason);
  p->s.reason = anyc__xrealloc(NULL, (size_t)n + 1);
  va_start(ap, fmt);
  vsnprintf(p->s.reason, (size_t)n + 1, fmt, ap);
  va_end(ap);
}

/* A pending site its rule cannot rewrite after all: left under `rule`, with the reason. */
void anyc__decline(pend *p, const char *rule, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  char *why = anyc__xrealloc(NULL, (size_t)n + 1);
  va_start(ap, fmt);
  vsnprintf(why, (size_t)n + 1, fmt, ap);
  va_end(ap);
  p->s.rule = rule;
  p->s.rewritten = 0;
  free(p->s.reason);
  p->s.reason = why;
}

pend *anyc__left(ctx *x, CXCursor c, const char *rule, const char *what, int svc,
                 const char *suggest, const char *fmt, ...)
{
  pend *p = anyc__new_pend(x, c, rule, what, svc);
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  p->s.reason = anyc__xrealloc(NULL, (size_t)n + 1);
  va_start(ap, fmt);
  vsnprintf(p->s.reason, (size_t)n + 1, fmt, ap);
  va_end(ap);
  p->s.suggest = anyc__xstrdup(suggest ? suggest : "");
  p->s.rewritten = 0;
  return p;
}

void anyc__pedit(pend *p, size_t off, size_t len, const char *text)
{
  edit e = {off, len, anyc__xstrdup(text)};
  VEC_PUSH(p->edits, e);
}

static const char *const svc_names[] = {
  "as_service_init", "as_service_destroy", "as_run_service", "as_background_service_enter",
  "as_background_service_exit", "as_run_task", "as_run_daemon_task", "as_run_child_service",
  "as_run_daemon_child_service", "as_wait_started", "as_wait_finished", "as_stop",
  "as_cancel", "as_is_started", "as_is_running", "as_is_cancelled", "as_is_finished",
  "as_did_error", "as_get_stats", "as_error_count", "as_error_at", NULL};

int anyc__is_one_of(const char *n, const char *const *list)
{
  for (; *list; list++)
    if (strcmp(n, *list) == 0)
      return 1;
  return 0;
}

/* Is the reference inside the arguments of a call of the legacy API?  Then that call's
 * site speaks for it (rewritten: the argument is gone; left: the call is reported). */
static int in_legacy_call(const ref *r)
{
  for (size_t i = r->depth; i-- > 0;)
    if (r->anc[i].kind == CXCursor_CallExpr &&
        anyc__decl_is_legacy(clang_getCursorReferenced(r->anc[i])))
      return 1;
  return 0;
}

/* R_MEMBER: a legacy struct member (self->manager, svc.name, stats.total_count). */
static void rule_member(ctx *x, const ref *r, const int *consumed)
{
  if (*consumed)
    return;
  /* inside the manager argument of a legacy call that is rewritten: judged there */
  anyc__left(x, r->cur, strcmp(r->name, "manager") == 0 ? "AS101" : "AS103", r->name, 1,
             strcmp(r->name, "manager") == 0 ? "pass the task group (anyc_group *) instead"
                                       : "the native equivalent (anyc_task_name, anyc_get_stats)",
       "the legacy member '%s' is read for another purpose", r->name);
}

void anyc__mark_handled(ctx *x, CXCursor c)
{
  VEC_PUSH(x->handled, c);
}

static int is_handled(ctx *x, CXCursor c)
{
  for (size_t i = 0; i < x->handled.n; i++)
    if ((clang_equalCursors(x->handled.v[i], c) || anyc__same_node(x->handled.v[i], c)))
      return 1;
  return 0;
}

/* Is this reference inside an argument of a legacy call that a rule rewrote away? */
static int in_rewritten_call(ctx *x, const ref *r)
{
  CXFile f;
  unsigned line, col;
  size_t off;
  classify(x, r->cur, NULL, &f, &line, &col, &off);
  if (!f)
    return 0;
  for (size_t i = 0; i < x->pends.n; i++) {
    pend *p = &x->pends.v[i];
    if (!p->s.rewritten || !p->edits.n || !clang_File_isEqual(f, p->file))
      continue;
    for (size_t k = 0; k < p->edits.n; k++) {
      edit *e = &p->edits.v[k];
      if (e->len && off >= e->off && off < e->off + e->len)
        return 1;
    }
  }
  return 0;
}

/* A call of the legacy API (or a reference to one of its functions). */
static void rule_func(ctx *x, const ref *r)
{
  if (is_handled(x, r->cur))
    return;
  size_t ci = anyc__call_index(x, r);
  int svc = anyc__is_one_of(r->name, svc_names);
  if (!ci) {
    anyc__left(x, r->cur, "AS104", r->name, svc,
               "call the native function, or wrap it in an anyc_fn", "a pointer to %s is taken",
               r->name);
    return;
  }
  fn_info *f = anyc__fn_of(x, r);
  fn_info *run = anyc__run_fn_of(x, r);
  if (strcmp(r->name, "as_sleep") == 0 || strcmp(r->name, "as_to_thread") == 0 ||
      strcmp(r->name, "as_run") == 0) {
    anyc__rule_simple(x, r, ci, f);
  } else if (strcmp(r->name, "as_wait_for") == 0) {
    anyc__rule_wait_for(x, r, ci, f);
  } else if (strcmp(r->name, "as_is_running") == 0) {
    anyc__rule_is_running(x, r, ci, f);
  } else if (strcmp(r->name, "as_run_service") == 0) {
    anyc__rule_run_service(x, r, ci);
  } else if (strcmp(r->name, "as_service_init") == 0 ||
             strcmp(r->name, "as_service_destroy") == 0) {
    anyc__rule_init_destroy(x, r, ci);
  } else if (strcmp(r->name, "as_background_service_enter") == 0) {
    anyc__rule_background(x, r, ci);
  } else if (run && (strcmp(r->name, "as_run_task") == 0 ||
                     strcmp(r->name, "as_run_daemon_task") == 0 ||
                     strcmp(r->name, "as_run_child_service") == 0 ||
                     strcmp(r->name, "as_run_daemon_child_service") == 0 ||
                     strcmp(r->name, "as_wait_finished") == 0 ||
                     strcmp(r->name, "as_cancel") == 0 || strcmp(r->name, "as_stop") == 0)) {
    anyc__rule_owner_call(x, r, ci, run);
  } else if (strcmp(r->name, "as_run_task") == 0 || strcmp(r->name, "as_run_daemon_task") == 0 ||
             strcmp(r->name, "as_run_child_service") == 0 ||
             strcmp(r->name, "as_run_daemon_child_service") == 0) {
    anyc__left(x, r->cur, run ? "AS110" : "AS102", r->name, 1, anyc__suggest_for(r->name),
               run ? "child services are migrated by hand" :
               "scheduling from code the service does not own (not its run)");
  } else if (strncmp(r->name, "as_is_", 6) == 0 || strcmp(r->name, "as_did_error") == 0 ||
             strcmp(r->name, "as_get_stats") == 0 || strncmp(r->name, "as_error_", 9) == 0) {
    anyc__left(x, r->cur, "AS103", r->name, 1, anyc__suggest_for(r->name),
               "%s reads the manager's state for another purpose", r->name);
  } else if (!run && strcmp(r->name, "as_wait_finished") == 0) {
    anyc__rule_wait_finished_task(x, r, ci, f);
  } else if (!run && (strcmp(r->name, "as_cancel") == 0 || strcmp(r->name, "as_stop") == 0)) {
    anyc__left(x, r->cur, "AS110", r->name, svc, anyc__suggest_for(r->name),
               "%s from code that is not the service's run: only run owns the group; pass the "
               "task group (anyc_group *) to this code", r->name);
  } else if (strcmp(r->name, "as_wait_started") == 0) {
    anyc__left(x, r->cur, "AS110", r->name, svc, anyc__suggest_for(r->name),
               "waiting for a service to start has no mechanical form: start it with "
               "anyc_start() and have its run call anyc_started()");
  } else {
    anyc__left(x, r->cur, "AS110", r->name, svc, anyc__suggest_for(r->name),
               "%s has no mechanical rewrite in this form", r->name);
  }
}

/* Types: as_task_fn -> anyc_fn (AS014); as_service in a field or run's parameter is
 * handled by AS002/AS003; anything else is left. */
static void rule_type(ctx *x, const ref *r)
{
  CXCursor par = r->depth ? r->anc[r->depth - 1] : clang_getNullCursor();
  if (!clang_Cursor_isNull(par) && is_handled(x, par))
    return; /* a declaration a rule removed (the background block's manager) */
  if (strcmp(r->name, "as_task_fn") == 0) {
    if (in_rewritten_call(x, r))
      return; /* the call's rewrite copies its arguments with the type renamed */
    pend *p = anyc__new_pend(x, r->cur, "AS014", r->name, 0);
    if (p->s.cls == SC_PLAIN || p->s.cls == SC_HEADER || p->s.cls == SC_MACRO_ARG) {
      anyc__pedit(p, p->s.offset, strlen("as_task_fn"), "anyc_fn");
      anyc__set_reason(p, "the same function type");
    } else {
      anyc__decline(p, "AS105", "as_task_fn in a macro body");
    }
    p->s.suggest = anyc__xstrdup("anyc_fn");
    return;
  }
  if (strcmp(r->name, "as_service") == 0 || strcmp(r->name, "struct as_service") == 0) {
    if (par.kind == CXCursor_FieldDecl) {
      for (size_t i = 0; i < x->svcfields.n; i++)
        if (clang_equalCursors(x->svcfields.v[i], par))
          return; /* AS002 */
    }
    if (par.kind == CXCursor_ParmDecl) {
      CXCursor fn = r->depth >= 2 ? r->anc[r->depth - 2] : clang_getNullCursor();
      for (size_t i = 0; i < x->fns.n; i++) {
        fn_info *f = &x->fns.v[i];
        if (f->is_run && clang_equalCursors(f->param, par))
          return; /* AS003 */
        if (f->is_run && fn.kind == CXCursor_FunctionDecl && !clang_isCursorDefinition(fn) &&
            clang_equalCursors(clang_getCanonicalCursor(fn), clang_getCanonicalCursor(f->fn))) {
          anyc__rule_prototype_param(x, f, par);
          return;
        }
      }
    }
    if (par.kind == CXCursor_CStyleCastExpr && in_rewritten_call(x, r))
      return;
  }
  const char *rule = strcmp(r->name, "as_manager") == 0 ? "AS101"
                     : strcmp(r->name, "as_stats") == 0 ? "AS103"
                                                        : "AS107";
  anyc__left(x, r->cur, rule, r->name, 1,
             strcmp(r->name, "as_manager") == 0 ? "anyc_group * (pass the group, not a manager)"
             : strcmp(r->name, "as_stats") == 0 ? "anyc_stats, filled by anyc_get_stats(&stats)"
                                                : "a plain struct / anyc_fn",
       "the legacy type %s is used here (%s)", r->name,
       par.kind == CXCursor_FieldDecl ? "a field" :
       par.kind == CXCursor_ParmDecl ? "a parameter" :
       par.kind == CXCursor_VarDecl ? "a variable" : "a declaration or cast");
}

/* The service-typed field referenced (hb.service / hb->service.manager). */
static void rule_svcfield(ctx *x, const ref *r)
{
  if (in_rewritten_call(x, r) || in_legacy_call(r))
    return;
  /* obj.service.manager: reported once, as the manager read (AS101) */
  size_t pi = anyc__parent_index(r, r->depth);
  if (pi && r->anc[pi - 1].kind == CXCursor_MemberRefExpr &&
      anyc__decl_is_legacy(clang_getCursorReferenced(r->anc[pi - 1])))
    return;
  anyc__left(x, r->cur, "AS107", r->name, 1, "the object itself",
             "the embedded as_service field '%s' is used directly", r->name);
}

/* Legacy macros used (the error codes). */
static void rule_macro(ctx *x, const ref *r)
{
  anyc__left(x, r->cur, "AS108", r->name, 0,
             "the native statuses: -ECANCELED, anyc_fail() messages",
             "legacy error code %s has no native equivalent", r->name);
}

/* User macros whose definitions name the legacy API (AS105), inactive #if branches
 * (AS106) and macro arguments their expansion drops (AS109): found by tokens, never
 * rewritten.  `skip`: the file offsets of tokens the AST walk already saw (NULL: none). */
typedef VEC(struct seen_tok { CXFile f; unsigned off; }) seen_vec;

static void token_sites(ctx *x, CXSourceRange range, const char *rule, enum site_class cls,
                        const char *why, const seen_vec *skip)
{
  CXToken *toks;
  unsigned n;
  clang_tokenize(x->tu, range, &toks, &n);
  for (unsigned i = 0; i < n; i++) {
    if (clang_getTokenKind(toks[i]) != CXToken_Identifier)
      continue;
    char *sp = anyc__cx_str(clang_getTokenSpelling(x->tu, toks[i]));
    pend p = {0};
    unsigned line, col, off;
    clang_getFileLocation(clang_getTokenLocation(x->tu, toks[i]), &p.file, &line, &col, &off);
    int seen = 0;
    for (size_t k = 0; skip && k < skip->n && !seen; k++)
      seen = skip->v[k].off == off && clang_File_isEqual(skip->v[k].f, p.file);
    /* In a branch compiled out here, a service's embedded field (`a.service`) is a use
     * the rewrite of the service cannot see: the struct would lose the field the other
     * configuration still names, so the service is left whole (AS107). */
    int field = 0;
    for (size_t k = 0; cls == SC_INACTIVE && k < x->svcfields.n && !field; k++) {
      char *fn = anyc__cx_str(clang_getCursorSpelling(x->svcfields.v[k]));
      field = strcmp(fn, sp) == 0;
      free(fn);
    }
    if (!seen && (field || anyc__is_legacy_name(sp))) {
      p.s.line = line;
      p.s.col = col;
      p.s.offset = off;
      p.s.rule = field ? "AS107" : rule;
      p.s.cls = cls;
      p.s.what = anyc__xstrdup(sp);
      p.s.reason = field ? anyc__xasprintf("the embedded as_service field '%s' is named in an "
                                           "inactive #if branch, which the rewrite cannot "
                                           "see: the service is migrated whole", sp)
                         : anyc__xstrdup(why);
      p.s.suggest = anyc__xstrdup(field ? "the object itself" : anyc__suggest_for(sp));
      /* a legacy call there is reported (AS106) and keeps the include, so the other
       * configuration's error points at a reported site; a field the struct lost would not */
      p.svc = field;
      VEC_PUSH(x->pends, p);
    }
    free(sp);
  }
  clang_disposeTokens(x->tu, toks, n);
}

static enum CXChildVisitResult macro_defs(CXCursor c, CXCursor parent, CXClientData d)
{
  (void)parent;
  ctx *x = d;
  if (c.kind == CXCursor_MacroDefinition && !anyc__in_system(c))
    token_sites(x, clang_getCursorExtent(c), "AS105", SC_MACRO_BODY,
                "a macro body names the legacy API; rewrite the macro by hand", NULL);
  return CXChildVisit_Continue;
}

/* A legacy name in the arguments of a macro whose expansion drops them
 * (`DEBUG_ONLY(as_sleep(1))` with DEBUG_ONLY empty in this configuration) reaches no AST
 * node: without a site of its own the file would count as migrated, its include would
 * switch, and the configuration that keeps the argument would no longer build.  Every
 * legacy name spelled inside a macro invocation (its name aside) that no reference of
 * the walk stands at is such a site. */
static void dropped_args(ctx *x, CXCursor root)
{
  cursor_vec kids = anyc__children(root);
  seen_vec seen = {0};
  for (size_t i = 0; i < x->refs.n; i++) {
    struct seen_tok t;
    clang_getFileLocation(clang_getCursorLocation(x->refs.v[i].cur), &t.f, NULL, NULL, &t.off);
    VEC_PUSH(seen, t);
  }
  for (size_t i = 0; i < kids.n; i++) {
    CXCursor c = kids.v[i];
    if (c.kind != CXCursor_MacroExpansion || anyc__in_system(c) ||
        !clang_Cursor_isMacroFunctionLike(clang_getCursorReferenced(c)))
      continue;
    CXSourceRange r = clang_getCursorExtent(c);
    CXFile f;
    unsigned b, e;
    clang_getFileLocation(clang_getRangeStart(r), &f, NULL, NULL, &b);
    clang_getFileLocation(clang_getRangeEnd(r), NULL, NULL, NULL, &e);
    size_t n;
    const char *s = f ? anyc__contents(x, f, &n) : NULL;
    unsigned open = b;
    while (s && open < e && open < n && s[open] != '(')
      open++;
    if (!s || open >= e)
      continue;
    /* only the arguments: the macro's own name is its definition's business */
    token_sites(x, clang_getRange(clang_getLocationForOffset(x->tu, f, open),
                                  clang_getRangeEnd(r)),
                "AS109", SC_INACTIVE,
                "in a macro argument that the macro's expansion drops in this configuration: "
                "never compiled here, so never rewritten; rewrite it by hand", &seen);
  }
  free(seen.v);
  free(kids.v);
}

static void inactive_sites(ctx *x, CXFile f)
{
  CXSourceRangeList *l = clang_getSkippedRanges(x->tu, f);
  if (!l)
    return;
  for (unsigned i = 0; i < l->count; i++)
    token_sites(x, l->ranges[i], "AS106", SC_INACTIVE,
                "in an inactive #if branch: not compiled in this configuration", NULL);
  clang_disposeSourceRangeList(l);
}

static tu_file *tf_get(ctx *x, CXFile f)
{
  CXFileUniqueID u;
  if (clang_getFileUniqueID(f, &u) != 0)
    return NULL;
  file_id id = {(dev_t)u.data[0], (ino_t)u.data[1]};
  for (size_t i = 0; i < x->res->files.n; i++)
    if (x->res->files.v[i].id.dev == id.dev && x->res->files.v[i].id.ino == id.ino)
      return &x->res->files.v[i];
  tu_file t = {0};
  t.id = id;
  t.path = anyc__cx_str(clang_getFileName(f));
  size_t n;
  const char *s = anyc__contents(x, f, &n);
  t.content = s ? anyc__xstrndup(s, n) : anyc__xstrdup("");
  t.size = s ? n : 0;
  VEC_PUSH(x->res->files, t);
  return &x->res->files.v[x->res->files.n - 1];
}

static int scanned(ctx *x, CXFile f)
{
  CXFileUniqueID u;
  if (!f || clang_getFileUniqueID(f, &u) != 0)
    return 0;
  file_id id = {(dev_t)u.data[0], (ino_t)u.data[1]};
  return anyc__file_scanned(x->t, id);
}

static void inclusion(CXFile inc, CXSourceLocation *stack, unsigned n, CXClientData d)
{
  (void)stack;
  (void)n;
  ctx *x = d;
  if (n == 0)
    x->main_file = inc;
  if (scanned(x, inc))
    tf_get(x, inc);
}

/* Does replacing s[b, e) with `text` drop a comment?  Comments are found by a small
 * lexer (skipping string and character literals); each must reappear in the text. */
static int drops_comment(const char *s, size_t b, size_t e, const char *text)
{
  for (size_t i = b; i < e; i++) {
    if (s[i] == '"' || s[i] == '\'') {
      char q = s[i];
      for (i++; i < e && s[i] != q; i++)
        if (s[i] == '\\')
          i++;
      continue;
    }
    if (s[i] != '/' || i + 1 >= e || (s[i + 1] != '*' && s[i + 1] != '/'))
      continue;
    size_t j = i + 2;
    if (s[i + 1] == '*') {
      while (j + 1 < e && !(s[j] == '*' && s[j + 1] == '/'))
        j++;
      j = j + 2 <= e ? j + 2 : e;
    } else {
      while (j < e && s[j] != '\n')
        j++;
    }
    char *c = anyc__xstrndup(s + i, j - i);
    int kept = strstr(text, c) != NULL;
    free(c);
    if (!kept)
      return 1;
    i = j - 1;
  }
  return 0;
}

static void finish(ctx *x)
{
  /* A rewrite that would drop a comment is declined: the site is left, with the reason
   * (deleting whole declarations and statements is not a rewrite of their text). */
  for (size_t i = 0; i < x->pends.n; i++) {
    pend *p = &x->pends.v[i];
    if (!p->s.rewritten || !p->file)
      continue;
    size_t n;
    const char *s = anyc__contents(x, p->file, &n);
    for (size_t k = 0; s && k < p->edits.n; k++) {
      edit *e = &p->edits.v[k];
      if (e->len && *e->text && e->off + e->len <= n &&
          drops_comment(s, e->off, e->off + e->len, e->text)) {
        p->s.rewritten = 0;
        p->s.rule = "AS110";
        free(p->s.reason);
        p->s.reason = anyc__xstrdup("a comment inside the code to rewrite would be lost; "
                                    "rewrite by hand");
        break;
      }
    }
  }
  /* Sites outside the given paths, or of disabled rules, are left. */
  int svc_failed = 0;
  const char *svc_why = NULL;
  char where[64] = "";
  CXFile svc_file = NULL;
  for (size_t i = 0; i < x->pends.n; i++) {
    pend *p = &x->pends.v[i];
    if (p->s.rewritten && !scanned(x, p->file)) {
      p->s.rewritten = 0;
      p->s.rule = "AS110";
      free(p->s.reason);
      p->s.reason = anyc__xstrdup("in a file outside the paths given");
    } else if (p->s.rewritten && !anyc__rule_enabled(x->o, p->s.rule)) {
      p->s.rewritten = 0;
      free(p->s.reason);
      p->s.reason = anyc__xstrdup("rule not selected (--rules)");
    }
    if (p->svc && !p->s.rewritten && !svc_failed) {
      svc_failed = 1;
      svc_why = p->s.rule;
      svc_file = p->file;
      snprintf(where, sizeof where, "%u:%u", p->s.line, p->s.col);
    }
  }
  for (size_t i = 0; i < x->pends.n; i++) {
    pend *p = &x->pends.v[i];
    if (svc_failed && p->svc && p->s.rewritten) {
      p->s.rewritten = 0;
      p->s.rule = "AS107";
      free(p->s.reason);
      /* the blocking site may be in another file of the unit (a header): name it */
      char *in = svc_file && p->file && !clang_File_isEqual(svc_file, p->file)
                   ? anyc__cx_str(clang_getFileName(svc_file))
                   : NULL;
      p->s.reason = anyc__xasprintf("the service is migrated whole, and its site at %s%s%s "
                                    "(%s) cannot be rewritten", in ? in : "", in ? ":" : "",
                                    where, svc_why);
      free(in);
    }
    if (!p->file) {
      anyc__edits_free(&p->edits);
      continue;
    }
    tu_file *tf = tf_get(x, p->file);
    if (!tf)
      continue;
    p->s.svc = p->svc;
    if (p->s.rewritten) {
      for (size_t k = 0; k < p->edits.n; k++)
        VEC_PUSH(*(p->svc ? &tf->svc_edits : &tf->edits), p->edits.v[k]);
      free(p->edits.v);
    } else {
      anyc__edits_free(&p->edits);
    }
    if (!p->s.reason)
      p->s.reason = anyc__xstrdup("");
    if (!p->s.suggest)
      p->s.suggest = anyc__xstrdup("");
    VEC_PUSH(tf->sites, p->s);
  }
}

static void free_ctx(ctx *x)
{
  for (size_t i = 0; i < x->refs.n; i++) {
    free(x->refs.v[i].anc);
    free(x->refs.v[i].name);
  }
  free(x->refs.v);
  for (size_t i = 0; i < x->fns.n; i++) {
    fn_info *f = &x->fns.v[i];
    for (size_t k = 0; k < f->idents.n; k++)
      free(f->idents.v[k]);
    for (size_t k = 0; k < f->taken.n; k++)
      free(f->taken.v[k]);
    free(f->idents.v);
    free(f->taken.v);
    free(f->param_name);
    free(f->tg);
    free(f->rc);
    free(f->chk);
    free(f->arg);
    free(f->indent);
  }
  free(x->fns.v);
  free(x->pends.v);
  free(x->stack.v);
  free(x->svcfields.v);
  free(x->handled.v);
  for (size_t i = 0; i < x->blocks.n; i++)
    free(x->blocks.v[i].tg);
  free(x->blocks.v);
}

void anyc__find_sites(struct CXTranslationUnitImpl *tu, const options *o,
                      const file_table *t, tu_result *res)
{
  ctx x = {0};
  x.tu = tu;
  x.o = o;
  x.t = t;
  x.res = res;
  CXCursor root = clang_getTranslationUnitCursor(tu);
  clang_getInclusions(tu, inclusion, &x);
  walk(&x, root);
  anyc__find_runs(&x);
  for (size_t i = 0; i < x.fns.n; i++)
    if (x.fns.v[i].is_run) {
      anyc__rule_run_fn(&x, &x.fns.v[i]);
      if (x.fns.v[i].needs_group)
        anyc__rule_returns(&x, &x.fns.v[i]);
    }
  for (size_t i = 0; i < x.svcfields.n; i++)
    if (!anyc__in_system(x.svcfields.v[i]))
      anyc__rule_struct_field(&x, x.svcfields.v[i]);
  for (size_t i = 0; i < x.refs.n; i++)
    if (x.refs.v[i].kind == R_FUNC)
      rule_func(&x, &x.refs.v[i]);
  for (size_t i = 0; i < x.fns.n; i++)
    if (x.fns.v[i].is_run)
      anyc__rule_param_uses(&x, &x.fns.v[i]);
  for (size_t i = 0; i < x.refs.n; i++) {
    ref *r = &x.refs.v[i];
    int consumed = 0;
    switch (r->kind) {
    case R_TYPE:
      rule_type(&x, r);
      break;
    case R_MEMBER:
      consumed = in_rewritten_call(&x, r) || in_legacy_call(r);
      rule_member(&x, r, &consumed);
      break;
    case R_SVCFIELD:
      rule_svcfield(&x, r);
      break;
    case R_MGRVAR:
      if (!in_rewritten_call(&x, r) && !in_legacy_call(r))
        anyc__left(&x, r->cur, "AS101", r->name, 1, "pass the task group (anyc_group *) instead",
                   "the manager '%s' is used outside the legacy calls", r->name);
      break;
    case R_MACRO:
      rule_macro(&x, r);
      break;
    case R_INCLUDE: {
      CXFile f;
      size_t b, e, n;
      if (anyc__extent(r->cur, &f, &b, &e) == 0 && scanned(&x, f)) {
        tu_file *tf = tf_get(&x, f);
        const char *s = anyc__contents(&x, f, &n);
        const char *q = NULL;
        for (size_t k = b; k < e && !q; k++)
          if (s[k] == '<' || s[k] == '"')
            q = s + k;
        if (q && tf->has_include < ANYC_MAX_LEGACY_INCLUDES)
          tf->inc[tf->has_include++] = (legacy_include){(size_t)(q - s), e - (size_t)(q - s), *q};
      }
      break;
    }
    default:
      break;
    }
  }
  anyc__rule_run_conditionals(&x);
  clang_visitChildren(root, macro_defs, &x);
  dropped_args(&x, root);
  for (size_t i = 0, n = res->files.n; i < n; i++) {
    CXFile f = clang_getFile(tu, res->files.v[i].path);
    if (f)
      inactive_sites(&x, f);
  }
  finish(&x);
  free_ctx(&x);
}
