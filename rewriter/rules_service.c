/* rules_service.c — the service pattern: the struct embedding as_service (AS002), its run
 * becoming an anyc_fn with a task group (AS003), scheduling, closing and cancelling from
 * run (AS004, AS005, AS007, AS015), as_service_init / as_run_service / as_service_destroy
 * (AS008) and background blocks with the owner's calls in them (AS009, AS007, AS016).
 * Every site is part of the service (svc): sites.c's finish() keeps them all or none. */
#include <stdlib.h>
#include <string.h>

#include <clang-c/Index.h>

#include "migrate.h"
#include "sites.h"

/* A top-level statement of run that closes the group (`as_wait_finished(m);` or
 * `rc = as_wait_finished(m);`): returns after it are not wrapped. */
static void find_close_stmt(fn_info *f)
{
  cursor_vec k = anyc__children(f->body);
  for (size_t i = 0; i < k.n && !f->close_off; i++) {
    CXCursor call;
    char *name = anyc__stmt_call(k.v[i], &call);
    if (name && strcmp(name, "as_wait_finished") == 0) {
      CXFile file;
      size_t b, e;
      if (anyc__extent(k.v[i], &file, &b, &e) == 0) {
        f->close_begin = b;
        f->close_off = e;
      }
    }
    free(name);
  }
  free(k.v);
}

/* Pass 1: which functions are run functions, and which need a group. */
void anyc__find_runs(ctx *x)
{
  for (size_t i = 0; i < x->fns.n; i++) {
    fn_info *f = &x->fns.v[i];
    if (clang_Cursor_getNumArguments(f->fn) != 1)
      continue;
    CXCursor prm = clang_Cursor_getArgument(f->fn, 0);
    CXType t = clang_getCanonicalType(clang_getCursorType(prm));
    if (t.kind != CXType_Pointer || !anyc__is_svc_type(clang_getPointeeType(t)) ||
        !anyc__fn_returns_int(f->fn))
      continue;
    f->is_run = 1;
    f->param = prm;
    f->param_name = anyc__cx_str(clang_getCursorSpelling(prm));
    f->body = anyc__fn_body(f->fn);
    for (size_t k = 0; k < x->refs.n; k++) {
      const ref *r = &x->refs.v[k];
      if (r->kind == R_FUNC && anyc__ref_inside(r, f->fn) &&
          (strcmp(r->name, "as_run_task") == 0 || strcmp(r->name, "as_run_daemon_task") == 0 ||
           strcmp(r->name, "as_run_child_service") == 0 ||
           strcmp(r->name, "as_run_daemon_child_service") == 0 ||
           strcmp(r->name, "as_wait_finished") == 0 || strcmp(r->name, "as_cancel") == 0 ||
           strcmp(r->name, "as_stop") == 0))
        f->needs_group = 1;
      /* run's object type, from its `(T *)self` cast (child services find run by it) */
      if (r->kind == R_PARAMREF && anyc__ref_inside(r, f->fn) && !f->has_obj_type &&
          clang_equalCursors(clang_getCursorReferenced(r->cur), prm)) {
        size_t pi = anyc__parent_index(r, r->depth);
        if (pi && r->anc[pi - 1].kind == CXCursor_CStyleCastExpr) {
          CXType ct = clang_getCanonicalType(clang_getCursorType(r->anc[pi - 1]));
          /* `struct T *obj = (void *)self;`: the type is the variable's */
          size_t j = pi - 1;
          while (ct.kind == CXType_Pointer &&
                 clang_getCanonicalType(clang_getPointeeType(ct)).kind == CXType_Void &&
                 j-- > 0) {
            enum CXCursorKind ak = r->anc[j].kind;
            if (ak == CXCursor_VarDecl)
              ct = clang_getCanonicalType(clang_getCursorType(r->anc[j]));
            else if (ak != CXCursor_UnexposedExpr && ak != CXCursor_ParenExpr)
              break;
          }
          if (ct.kind == CXType_Pointer) {
            f->obj_type = clang_getCanonicalType(clang_getPointeeType(ct));
            f->has_obj_type = 1;
          }
        }
      }
    }
    if (f->needs_group) {
      f->tg = anyc__fresh(x, f, "tg");
      f->rc = anyc__fresh(x, f, "rc");
      find_close_stmt(f);
    }
    f->arg = strcmp(f->param_name, "arg") == 0 || !anyc__name_used(f, "arg") ? anyc__xstrdup("arg")
                                                                       : anyc__fresh(x, f, "arg");
  }
}

fn_info *anyc__run_fn_of(ctx *x, const ref *r)
{
  fn_info *f = anyc__fn_of(x, r);
  return f && f->is_run ? f : NULL;
}

/* The indentation of body statement k[i], for lines inserted before it: a label's line
 * (`again:` at column 0, as most styles write it) tells nothing, so a label takes the
 * indentation of the body's other statements (the nearest one on a line of its own). */
static char *stmt_indent(const char *s, cursor_vec k, size_t i)
{
  CXFile file;
  size_t b, e;
  if (k.v[i].kind == CXCursor_LabelStmt)
    for (size_t d = 1; d < k.n; d++)
      for (int side = -1; side <= 1; side += 2) {
        size_t j = i + (size_t)side * d;   /* wraps past 0: then j >= k.n */
        if (j < k.n && k.v[j].kind != CXCursor_LabelStmt &&
            anyc__extent(k.v[j], &file, &b, &e) == 0 &&
            anyc__only_space(s, anyc__line_start(s, b), b))
          return anyc__indent_at(s, b);
      }
  anyc__extent(k.v[i], &file, &b, &e);
  return anyc__indent_at(s, b);
}

/* Run's first status-bearing statement declares its status: `int rc = as_run_task(...);`.
 * An expert opens the group into that variable (`int rc = anyc_group_open(&tg);`) and
 * assigns the spawn's status to it -- when the variable is a plain int used nowhere but
 * in that statement and the one after it (its check), so that the group's status (which
 * later spawns write and the close reads) never holds a value of the user's.  Then the
 * declaration loses its type (the spawn's rule rewrites the call). */
static void take_status_decl(ctx *x, fn_info *f, pend *p, const char *s, cursor_vec k,
                             size_t first)
{
  cursor_vec vars = anyc__children(k.v[first]);
  CXCursor var = vars.n == 1 && k.v[first].kind == CXCursor_DeclStmt ? vars.v[0]
                                                                     : clang_getNullCursor();
  free(vars.v);
  CXType t = clang_getCursorType(var);
  CXCursor init = var.kind == CXCursor_VarDecl
                    ? anyc__strip(clang_Cursor_getVarDeclInitializer(var))
                    : clang_getNullCursor();
  char *callee = init.kind == CXCursor_CallExpr
                   ? anyc__cx_str(clang_getCursorSpelling(clang_getCursorReferenced(init)))
                   : anyc__xstrdup("");
  int spawn = anyc__decl_is_legacy(clang_getCursorReferenced(init)) &&
              (strcmp(callee, "as_run_task") == 0 || strcmp(callee, "as_run_daemon_task") == 0 ||
               strcmp(callee, "as_run_child_service") == 0 ||
               strcmp(callee, "as_run_daemon_child_service") == 0);
  free(callee);
  CXFile file;
  size_t sb, se, nb, ne;
  unsigned name_off;
  if (!spawn || t.kind != CXType_Int || clang_isConstQualifiedType(t) ||
      anyc__extent(k.v[first], &file, &sb, &se) != 0)
    return;
  clang_getFileLocation(clang_getCursorLocation(var), NULL, NULL, NULL, &name_off);
  int next = first + 1 < k.n && anyc__extent(k.v[first + 1], &file, &nb, &ne) == 0;
  char *type = anyc__xstrndup(s + sb, name_off > sb ? name_off - sb : 0);
  char *norm = anyc__norm(type);
  int plain = strcmp(norm, "int") == 0;
  free(type);
  free(norm);
  if (!plain || !anyc__uses_within(x, f->body, var, sb, next ? ne : se))
    return;
  free(f->rc);
  f->rc = anyc__cx_str(clang_getCursorSpelling(var));
  f->rc_var = var;
  anyc__pedit(p, sb, name_off - sb, "");
}

/* Is run an old-style (K&R) definition: its parameter declared after the `)` of its
 * identifier list? */
static int old_style(ctx *x, fn_info *f)
{
  CXFile file;
  unsigned at;
  size_t n, pb, pe;
  clang_getFileLocation(clang_getCursorLocation(f->fn), &file, NULL, NULL, &at);
  if (!file || anyc__extent(f->param, &file, &pb, &pe) != 0)
    return 0;
  const char *s = anyc__contents(x, file, &n);
  size_t i = at;
  while (i < n && s[i] != '(')
    i++;
  for (int depth = 0; i < n; i++) {
    depth += s[i] == '(' ? 1 : s[i] == ')' ? -1 : 0;
    if (depth == 0)
      break;
  }
  return pb > i;
}


/* Does statement c end in a return on every path (a return, a block ending in one, an
 * if/else whose both branches do)?  Then run cannot fall off its end, and no closing
 * return is appended after it (it would be unreachable). */
static int always_returns(CXCursor c)
{
  int r = 0;
  cursor_vec k = anyc__children(c);
  if (c.kind == CXCursor_ReturnStmt)
    r = 1;
  else if (c.kind == CXCursor_CompoundStmt)
    r = k.n > 0 && always_returns(k.v[k.n - 1]);
  else if (c.kind == CXCursor_IfStmt)
    r = k.n == 3 && always_returns(k.v[1]) && always_returns(k.v[2]);
  free(k.v);
  return r;
}

/* Does anything of run f but its manager reads its parameter (a cast, the spawn of the
 * object itself, a use that keeps the service legacy)? */
static int param_kept(ctx *x, fn_info *f)
{
  for (size_t i = 0; i < x->refs.n; i++) {
    const ref *r = &x->refs.v[i];
    if (r->kind != R_PARAMREF || !anyc__ref_inside(r, f->fn) ||
        !clang_equalCursors(clang_getCursorReferenced(r->cur), f->param))
      continue;
    size_t pi = anyc__parent_index(r, r->depth);
    CXCursor par = pi ? r->anc[pi - 1] : clang_getNullCursor();
    if (par.kind != CXCursor_MemberRefExpr)
      return 1;
    CXCursor refd = clang_getCursorReferenced(par);
    char *name = anyc__cx_str(clang_getCursorSpelling(refd));
    int mgr = anyc__decl_is_legacy(refd) && strcmp(name, "manager") == 0;
    free(name);
    if (!mgr)
      return 1;
  }
  return 0;
}

/* Insert statement `stmt` first in run's body: on a line of its own, indented as the
 * body's statements, when the first statement has a line of its own; else after `{`. */
static void void_at_body_start(pend *p, fn_info *f, const char *s, const char *stmt)
{
  cursor_vec k = anyc__children(f->body);
  CXFile file;
  size_t b, e;
  if (k.n && anyc__extent(k.v[0], &file, &b, &e) == 0 &&
      anyc__only_space(s, anyc__line_start(s, b), b)) {
    char *ind = stmt_indent(s, k, 0);
    char *t = anyc__xasprintf("%s%s\n", ind, stmt);
    anyc__pedit(p, anyc__line_start(s, b), 0, t);
    free(t);
    free(ind);
  } else if (anyc__extent(f->body, &file, &b, &e) == 0) {
    char *t = anyc__xasprintf(" %s", stmt);
    anyc__pedit(p, b + 1, 0, t);
    free(t);
  }
  free(k.v);
}

/* AS003: the run function: parameter, the cast of self, the group. */
void anyc__rule_run_fn(ctx *x, fn_info *f)
{
  CXFile file;
  size_t b, e, n;
  pend *p = anyc__new_pend(x, f->param, "AS003", "as_service", 1);
  p->s.suggest = anyc__xstrdup("static int run(void *arg) with a task group");
  if (old_style(x, f)) {
    /* `static int run(self) as_service *self; {`: the identifier list would need the
     * new name too */
    anyc__decline(p, "AS107",
                  "run has an old-style (K&R) definition: give it a prototype, then migrate");
    return;
  }
  if (p->s.cls == SC_MACRO_ARG || p->s.cls == SC_MACRO_BODY ||
      anyc__extent(f->param, &file, &b, &e) != 0) {
    anyc__decline(p, "AS107", "the run function's parameter comes from a macro");
    return;
  }
  const char *s = anyc__contents(x, file, &n);
  char *np = anyc__xasprintf("void *%s", f->arg);
  anyc__pedit(p, b, e - b, np);
  free(np);
  anyc__set_reason(p, "run(as_service *) becomes an anyc_fn; the object is passed as void *");
  /* run named its parameter only for the manager: nothing reads `arg` now, and -Wextra
   * would flag it (`(void)arg;`, as an expert writes) */
  char *unused = param_kept(x, f) ? anyc__xstrdup("")
                                  : anyc__xasprintf("(void)%s;", f->arg);
  /* Prototypes of the same function in this unit: anyc__rule_prototype_param. */
  if (!f->needs_group) {
    if (*unused)
      void_at_body_start(p, f, s, unused);
    free(unused);
    return;
  }
  anyc__set_reason(p, "the service's tasks now run in a task group that run opens and closes; "
                "a daemon that returns no longer fails the service");
  if (f->close_off && anyc__has_goto(x, f->body)) {
    /* `goto out;` from before the statement that closes the group to a label after it
     * would return with the group open (the runtime aborts) */
    anyc__decline(p, "AS107",
                  "a goto in run can jump past the as_wait_finished that becomes the group's "
                  "close, leaving run with its task group open: close the group on every "
                  "path by hand");
    free(unused);
    return;
  }
  /* Open the group before the first statement that is not a declaration, or that is
   * one whose initialiser calls the legacy API (int rc = as_run_task(...);). */
  cursor_vec k = anyc__children(f->body);
  size_t first = 0;
  while (first < k.n && k.v[first].kind == CXCursor_DeclStmt &&
         !anyc__has_legacy_call(x, k.v[first]))
    first++;
  CXFile sf;
  size_t sb, se;
  if (first == k.n || anyc__extent(k.v[first], &sf, &sb, &se) != 0) {
    anyc__decline(p, "AS107", "no place to open the task group in run");
    free(k.v);
    free(unused);
    return;
  }
  take_status_decl(x, f, p, s, k, first);
  char *ind = stmt_indent(s, k, first);
  char *open;
  if (anyc__only_space(s, anyc__line_start(s, sb), sb)) {
    open = anyc__xasprintf("%s%s%s%sanyc_group %s;\n%sint %s = anyc_group_open(&%s);\n"
                           "%sif (%s < 0) return %s;\n",
                           *unused ? ind : "", unused, *unused ? "\n" : "",
                           ind, f->tg, ind, f->rc, f->tg, ind, f->rc, f->rc);
    anyc__pedit(p, anyc__line_start(s, sb), 0, open);
  } else {
    /* the statement shares its line (`static int r(as_service *self) { return ...; }`):
     * the open goes on that line too, before it */
    open = anyc__xasprintf("%s%sanyc_group %s; int %s = anyc_group_open(&%s); "
                           "if (%s < 0) return %s; ",
                           unused, *unused ? " " : "", f->tg, f->rc, f->tg, f->rc, f->rc);
    anyc__pedit(p, sb, 0, open);
  }
  free(unused);
  free(open);
  /* Fall off the end: close the group there. */
  CXCursor last = k.v[k.n - 1];
  if (!always_returns(last) && !f->close_off) {
    size_t bb, be;
    anyc__extent(f->body, &sf, &bb, &be);
    size_t close_at = be - 1;
    if (anyc__only_space(s, anyc__line_start(s, close_at), close_at)) {
      char *t = anyc__xasprintf("%sreturn anyc_group_close(&%s, %s);\n", ind, f->tg, f->rc);
      anyc__pedit(p, anyc__line_start(s, close_at), 0, t);
      free(t);
    } else {
      char *t = anyc__xasprintf(" return anyc_group_close(&%s, %s); ", f->tg, f->rc);
      anyc__pedit(p, close_at, 0, t);
      free(t);
    }
  }
  free(ind);
  free(k.v);
}

/* The parameter `as_service *self` of a prototype of run function f (`static int
 * s_run(as_service *self);` above main): it becomes `void *arg` with the definition. */
void anyc__rule_prototype_param(ctx *x, fn_info *f, CXCursor prm)
{
  CXFile file;
  size_t b, e;
  pend *p = anyc__new_pend(x, prm, "AS003", "as_service", 1);
  p->s.suggest = anyc__xstrdup("void *arg");
  if (p->s.cls == SC_MACRO_ARG || p->s.cls == SC_MACRO_BODY ||
      anyc__extent(prm, &file, &b, &e) != 0) {
    anyc__decline(p, "AS107", "the prototype's parameter comes from a macro");
    return;
  }
  char *name = anyc__cx_str(clang_getCursorSpelling(prm));
  char *t = anyc__xasprintf(*name ? "void *%s" : "void *", f->arg);
  anyc__pedit(p, b, e - b, t);
  anyc__set_reason(p, "a prototype of run: its parameter changes with the definition's");
  free(t);
  free(name);
}

/* Every return in a run function with a group closes it with the returned status. */
static enum CXChildVisitResult find_returns(CXCursor c, CXCursor parent, CXClientData d)
{
  (void)parent;
  cursor_vec *v = d;
  if (c.kind == CXCursor_ReturnStmt)
    VEC_PUSH(*v, c);
  return CXChildVisit_Recurse;
}

static int is_wait_finished_return(ctx *x, CXCursor ret)
{
  cursor_vec k = anyc__children(ret);
  int r = 0;
  if (k.n == 1) {
    CXCursor c = anyc__strip(k.v[0]);
    if (c.kind == CXCursor_CallExpr) {
      CXCursor callee = clang_getCursorReferenced(c);
      char *name = anyc__cx_str(clang_getCursorSpelling(callee));
      r = anyc__decl_is_legacy(callee) && strcmp(name, "as_wait_finished") == 0;
      free(name);
    }
  }
  free(k.v);
  (void)x;
  return r;
}

/* The variable holding the close's status after run's closing statement (`rc2 =
 * anyc_group_close(&tg, rc2);` for a bare as_wait_finished, the user's `rc = ...` or
 * `int rc = ...`), and whether the close is directly followed by run's last statement,
 * a return (AS005 checks the status there itself). */
static char *close_carrier(ctx *x, fn_info *f, int *checked)
{
  cursor_vec k = anyc__children(f->body);
  char *var = NULL;
  *checked = 0;
  for (size_t i = 0; i < k.n && !var; i++) {
    CXFile file;
    size_t b, e;
    if (anyc__extent(k.v[i], &file, &b, &e) != 0 || b != f->close_begin)
      continue;
    CXCursor c = anyc__strip(k.v[i]);
    if (c.kind == CXCursor_CallExpr) {
      var = anyc__xstrdup(f->rc);
      *checked = i + 2 == k.n && k.v[i + 1].kind == CXCursor_ReturnStmt;
    } else if (c.kind == CXCursor_DeclStmt) {
      cursor_vec v = anyc__children(c);
      var = v.n == 1 ? anyc__cx_str(clang_getCursorSpelling(v.v[0])) : NULL;
      free(v.v);
    } else if (c.kind == CXCursor_BinaryOperator) {
      cursor_vec v = anyc__children(c);
      CXCursor lhs = v.n == 2 ? anyc__strip(v.v[0]) : clang_getNullCursor();
      var = lhs.kind == CXCursor_DeclRefExpr ? anyc__cx_str(clang_getCursorSpelling(lhs)) : NULL;
      free(v.v);
    }
  }
  free(k.v);
  (void)x;
  return var;
}

/* A return after run's close: the legacy as_run_service returned the service's first
 * error whatever run returned; natively the close's status is its only carrier, so
 * run returns it when it failed.  `return 0;` returns the carrier (0 or the error);
 * another plain value v, `carrier < 0 ? carrier : v`; a value with side effects (which
 * the legacy code evaluated every time) is left (AS110). */
static void carry_close_status(ctx *x, CXCursor ret, const char *var, int checked)
{
  cursor_vec k = anyc__children(ret);
  CXCursor v = k.n == 1 ? anyc__strip(k.v[0]) : clang_getNullCursor();
  CXFile file;
  size_t b, e, n;
  char *name = v.kind == CXCursor_DeclRefExpr ? anyc__cx_str(clang_getCursorSpelling(v))
                                              : anyc__xstrdup("");
  if (checked || clang_Cursor_isNull(v) || (var && strcmp(name, var) == 0) ||
      anyc__extent(k.v[0], &file, &b, &e) != 0) {
    free(name);
    free(k.v);
    return;
  }
  free(name);
  const char *s = anyc__contents(x, file, &n);
  char *val = anyc__xstrndup(s + b, e - b);
  pend *p = anyc__new_pend(x, ret, "AS005", "return", 1);
  p->s.cls = SC_PLAIN;
  p->s.suggest = anyc__xstrdup("return status < 0 ? status : value;");
  if (!var || !anyc__no_effects(x, k.v[0])) {
    anyc__decline(p, "AS110",
                  "run returns a value computed after its group closed: the service's error "
                  "(which as_run_service returned) must be returned by hand");
  } else {
    int simple = strspn(val, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789")
                 == strlen(val);
    char *t = strcmp(val, "0") == 0 ? anyc__xstrdup(var)
              : anyc__xasprintf(simple ? "%s < 0 ? %s : %s" : "%s < 0 ? %s : (%s)", var, var,
                                val);
    anyc__pedit(p, b, e - b, t);
    free(t);
    anyc__set_reason(p, "the service's error reached as_run_service whatever run returned; "
                        "natively the close's status carries it: run returns it when it failed");
  }
  free(val);
  free(k.v);
}

void anyc__rule_returns(ctx *x, fn_info *f)
{
  cursor_vec rets = {0};
  clang_visitChildren(f->body, find_returns, &rets);
  int checked = 0;
  char *carrier = f->close_off ? close_carrier(x, f, &checked) : NULL;
  for (size_t i = 0; i < rets.n; i++) {
    CXFile rf;
    size_t rb, re;
    if (is_wait_finished_return(x, rets.v[i]))
      continue; /* the group is closed there already */
    if (f->close_off && anyc__extent(rets.v[i], &rf, &rb, &re) == 0 && rb >= f->close_off) {
      carry_close_status(x, rets.v[i], carrier, checked);
      continue;
    }
    cursor_vec k = anyc__children(rets.v[i]);
    CXFile file;
    size_t b, e;
    if (k.n == 1 && anyc__extent(k.v[0], &file, &b, &e) == 0) {
      pend *p = anyc__new_pend(x, rets.v[i], "AS003", "return", 1);
      size_t n, rb2, re2;
      const char *s = anyc__contents(x, file, &n);
      int spelled = anyc__extent(rets.v[i], &rf, &rb2, &re2) == 0 && rb2 + 6 <= n &&
                    strncmp(s + rb2, "return", 6) == 0;
      if (!spelled || p->s.cls == SC_MACRO_BODY || p->s.cls == SC_MACRO_ARG) {
        /* TRY(x) expanding to `do { ... return r; } while (0)`: the return is not in the
         * text to wrap (wrapping the invocation does not compile) */
        anyc__decline(p, "AS105",
                      "a return from a macro expansion in run: it must close run's task group; "
                      "rewrite the macro or run by hand");
        p->s.suggest = anyc__xstrdup("return anyc_group_close(&tg, status);");
        free(k.v);
        continue;
      }
      p->s.cls = SC_PLAIN;
      /* `return a, b;` keeps its meaning as one argument only in parentheses */
      int comma = anyc__is_comma_expr(x, k.v[0]);
      char *open = anyc__xasprintf("anyc_group_close(&%s, %s", f->tg, comma ? "(" : "");
      anyc__pedit(p, b, 0, open);
      anyc__pedit(p, e, 0, comma ? "))" : ")");
      free(open);
      anyc__set_reason(p, "returning from run closes its task group with the status");
      p->s.suggest = anyc__xstrdup("return anyc_group_close(&tg, status);");
    }
    free(k.v);
  }
  free(rets.v);
  free(carrier);
}

static char *service_object(ctx *x, CXCursor arg, CXType *type);

/* Is the as_service field `field` the first member of its struct?  Then the service's
 * address is its object's, and run's parameter is the object run now gets as void *. */
static int first_member(CXCursor field)
{
  cursor_vec m = anyc__children(clang_getCursorSemanticParent(field));
  int first = 0;
  for (size_t i = 0; i < m.n; i++)
    if (m.v[i].kind == CXCursor_FieldDecl) {
      first = clang_equalCursors(m.v[i], field);
      break;
    }
  free(m.v);
  return first;
}

/* Is run's `self` the object itself: its service the first member of the object's type
 * (the type of run's `(T *)self` cast, and of every object an as_service_init in this
 * unit gives this run)?  Known only when at least one of them names the type. */
static int self_is_object(ctx *x, fn_info *f)
{
  int known = 0, first = 1;
  if (f->has_obj_type) {
    cursor_vec m = anyc__children(clang_getTypeDeclaration(f->obj_type));
    CXCursor f0 = clang_getNullCursor();
    for (size_t i = 0; i < m.n && clang_Cursor_isNull(f0); i++)
      if (m.v[i].kind == CXCursor_FieldDecl)
        f0 = m.v[i];
    free(m.v);
    known = 1;
    first = !clang_Cursor_isNull(f0) && anyc__is_svc_type(clang_getCursorType(f0));
  }
  for (size_t i = 0; first && i < x->refs.n; i++) {
    const ref *o = &x->refs.v[i];
    size_t oci = o->kind == R_FUNC && strcmp(o->name, "as_service_init") == 0
                   ? anyc__call_index(x, o) : 0;
    CXCursor a[3];
    if (!oci || anyc__call_args(o->anc[oci - 1], a, 3) != 3 ||
        !clang_equalCursors(clang_getCanonicalCursor(clang_getCursorReferenced(
                              anyc__strip(a[1]))), clang_getCanonicalCursor(f->fn)))
      continue;
    CXType t;
    char *obj = service_object(x, a[0], &t);
    cursor_vec k = anyc__children(anyc__strip(a[0]));
    CXCursor mem = k.n == 1 ? anyc__strip(k.v[0]) : clang_getNullCursor();
    free(k.v);
    known = 1;
    first = obj && mem.kind == CXCursor_MemberRefExpr &&
            first_member(clang_getCursorReferenced(mem));
    free(obj);
  }
  return known && first;
}

/* Is this use of run's parameter the task argument of a spawn AS004 rewrites
 * (as_run_task(self->manager, fn, self, name))? */
static int spawn_arg_node(CXCursor par, CXCursor node)
{
  if (par.kind != CXCursor_CallExpr || clang_Cursor_getNumArguments(par) != 4)
    return 0;
  CXCursor callee = clang_getCursorReferenced(par);
  char *name = anyc__cx_str(clang_getCursorSpelling(callee));
  int spawn = anyc__decl_is_legacy(callee) &&
              (strcmp(name, "as_run_task") == 0 || strcmp(name, "as_run_daemon_task") == 0);
  free(name);
  return spawn && anyc__same_node(anyc__strip(clang_Cursor_getArgument(par, 2)), node);
}

static int spawn_arg(CXCursor par, const ref *r)
{
  return spawn_arg_node(par, r->cur);
}

/* Uses of run's parameter: only `(T *)self` casts (-> arg), the manager argument of
 * calls that are rewritten away, and -- when the service is the object's first member
 * -- the task argument of a spawn (AS004 passes the object) are allowed. */
void anyc__rule_param_uses(ctx *x, fn_info *f)
{
  for (size_t i = 0; i < x->refs.n; i++) {
    ref *r = &x->refs.v[i];
    if (r->kind != R_PARAMREF || !anyc__ref_inside(r, f->fn) ||
        !clang_equalCursors(clang_getCursorReferenced(r->cur), f->param))
      continue;
    size_t p = anyc__parent_index(r, r->depth);
    CXCursor par = p ? r->anc[p - 1] : clang_getNullCursor();
    if (par.kind == CXCursor_CStyleCastExpr &&
        clang_getCanonicalType(clang_getCursorType(par)).kind != CXType_Pointer) {
      /* (void)self and the like: only the name changes */
      CXFile file;
      size_t b, e;
      pend *pd = anyc__new_pend(x, r->cur, "AS003", f->param_name, 1);
      if (anyc__extent(r->cur, &file, &b, &e) == 0)
        anyc__pedit(pd, b, e - b, f->arg);
      anyc__set_reason(pd, "the parameter is now the object as void *");
      pd->s.suggest = anyc__xstrdup(f->arg);
      continue;
    }
    if (par.kind == CXCursor_CStyleCastExpr) {
      /* `as_run_task(self->manager, fn, (T *)self, name)`: AS004 rebuilds the call with
       * `arg` in that place; a second edit inside it would overlap (a conflict) */
      size_t q = anyc__parent_index(r, p - 1);
      if (q && spawn_arg_node(r->anc[q - 1], par))
        continue;
      CXFile file;
      size_t b, e;
      pend *pd = anyc__new_pend(x, par, "AS003", f->param_name, 1);
      pd->s.cls = SC_PLAIN;
      if (anyc__extent(par, &file, &b, &e) == 0)
        anyc__pedit(pd, b, e - b, f->arg);
      anyc__set_reason(pd, "the object arrives as void *; no cast needed");
      pd->s.suggest = anyc__xstrdup(f->arg);
      continue;
    }
    if (par.kind == CXCursor_MemberRefExpr) {
      CXCursor refd = clang_getCursorReferenced(par);
      char *name = anyc__cx_str(clang_getCursorSpelling(refd));
      int mgr = anyc__decl_is_legacy(refd) && strcmp(name, "manager") == 0;
      free(name);
      if (mgr)
        continue; /* judged with the call it is an argument of (R_MEMBER) */
    }
    if (spawn_arg(par, r)) {
      if (self_is_object(x, f))
        continue; /* AS004 passes the object (rule_owner_call) */
      anyc__left(x, r->cur, "AS107", f->param_name, 1, "pass the object, not its service",
                 "run passes its as_service parameter to a task, and the service is not "
                 "known to be its object's first member: the task would get another pointer");
      continue;
    }
    anyc__left(x, r->cur, "AS107", f->param_name, 1, "use the object passed as void *",
               "run uses its as_service parameter for something other than its manager");
  }
}

static fn_info *run_for_type(ctx *x, CXType t);

/* Is statement `stmt` of compound `comp` followed by `return;` or a return of a constant
 * or of a local variable whose address is never taken -- nothing whose value could
 * depend on when the service's tasks finish? */
static int stop_then_return(ctx *x, CXCursor comp, CXCursor stmt)
{
  CXCursor nx = anyc__next_stmt(comp, stmt);
  if (nx.kind != CXCursor_ReturnStmt)
    return 0;
  cursor_vec k = anyc__children(nx);
  CXCursor v = k.n == 1 ? anyc__strip(k.v[0]) : clang_getNullCursor();
  int ok = k.n == 0;
  if (v.kind == CXCursor_UnaryOperator) { /* -EIO */
    cursor_vec u = anyc__children(v);
    v = u.n == 1 ? anyc__strip(u.v[0]) : clang_getNullCursor();
    free(u.v);
  }
  if (v.kind == CXCursor_IntegerLiteral)
    ok = 1;
  CXCursor d = v.kind == CXCursor_DeclRefExpr ? clang_getCursorReferenced(v)
                                              : clang_getNullCursor();
  if ((d.kind == CXCursor_VarDecl && !clang_Cursor_hasVarDeclGlobalStorage(d)) ||
      d.kind == CXCursor_ParmDecl) {
    size_t n;
    fn_use *u = anyc__fn_uses(x, d, &n);
    ok = 1;
    for (size_t i = 0; i < n; i++)
      if (u[i].parent.kind == CXCursor_UnaryOperator) {
        char *t = anyc__text_of(x, u[i].parent);
        ok &= t[0] != '&';
        free(t);
      }
    free(u);
  }
  free(k.v);
  return ok;
}

static const char *cancel_reason(const char *name, int returned)
{
  if (strcmp(name, "as_stop") == 0)
    return returned ? "stopping the service from run is cancelling run's group; closing it "
                      "waits for the tasks, as as_stop did (its -ECANCELED was caught)"
                    : "stopping the service from run is cancelling run's group; run's return "
                      "closes it and waits for the tasks, as as_stop did";
  return returned ? "cancelling the service is cancelling run's group (as_cancel returned 0)"
                  : "cancelling the service is cancelling run's group";
}

/* AS004 / AS005 / AS007 / AS015 inside a run function. */
void anyc__rule_owner_call(ctx *x, const ref *r, size_t ci, fn_info *f)
{
  CXCursor call = r->anc[ci - 1], par = anyc__stmt_parent(r, ci), args[4];
  int na = anyc__call_args(call, args, 4);
  CXFile file;
  size_t b, e, n;
  if (na < 1 || anyc__extent(call, &file, &b, &e) != 0 || !anyc__owner_manager(x, args[0], f)) {
    anyc__left(x, r->cur, "AS102", r->name, 1, anyc__suggest_for(r->name),
               "%s on a manager that is not this service's own", r->name);
    return;
  }
  const char *s = anyc__contents(x, file, &n);
  int spawn = strcmp(r->name, "as_run_task") == 0 || strcmp(r->name, "as_run_daemon_task") == 0;
  int child = strcmp(r->name, "as_run_child_service") == 0 ||
              strcmp(r->name, "as_run_daemon_child_service") == 0;
  char *child_obj = NULL;
  fn_info *child_run = NULL;
  if (child) {
    CXType ct;
    child_obj = na == 3 ? service_object(x, args[1], &ct) : NULL;
    child_run = child_obj ? run_for_type(x, ct) : NULL;
    if (!child_run) {
      anyc__left(x, r->cur, "AS110", r->name, 1, anyc__suggest_for(r->name),
                 "the child service's run function is not found in this file");
      free(child_obj);
      return;
    }
  }
  int cancel = strcmp(r->name, "as_cancel") == 0 || strcmp(r->name, "as_stop") == 0;
  const char *rule = spawn ? "AS004" : child ? "AS015" : cancel ? "AS007" : "AS005";
  pend *p = anyc__new_pend(x, r->cur, rule, r->name, 1);
  p->s.suggest = anyc__xstrdup(anyc__suggest_for(r->name));
  if (p->s.cls == SC_MACRO_ARG || p->s.cls == SC_MACRO_BODY) {
    anyc__decline(p, p->s.cls == SC_MACRO_ARG ? "AS109" : "AS105",
                  "%s inside a macro: rewrite by hand", r->name);
    free(child_obj);
    return;
  }
  if (((spawn && na == 4) || child) && f->close_off && b >= f->close_off) {
    anyc__decline(p, "AS110", "%s after run waited for its tasks: the group is closed there",
                  r->name);
    free(child_obj);
    return;
  }
  if ((spawn && na == 4) || child) {
    char *fn, *a, *nm;
    if (child) {
      fn = anyc__cx_str(clang_getCursorSpelling(child_run->fn));
      a = child_obj;
      nm = anyc__arg_text(x, args[2]);
    } else {
      fn = anyc__arg_text(x, args[1]);
      CXCursor a2 = anyc__strip(args[2]);
      if (a2.kind == CXCursor_CStyleCastExpr &&
          clang_getCanonicalType(clang_getCursorType(a2)).kind == CXType_Pointer) {
        /* `(T *)self`: the object, which run now receives as `arg` (as AS003's casts) */
        cursor_vec ck = anyc__children(a2);
        CXCursor op = ck.n ? anyc__strip(ck.v[ck.n - 1]) : clang_getNullCursor();
        free(ck.v);
        if (op.kind == CXCursor_DeclRefExpr &&
            clang_equalCursors(clang_getCursorReferenced(op), f->param))
          a2 = op;
      }
      /* run's own parameter (allowed by rule_param_uses only when it is the object, or
       * through a cast) */
      a = a2.kind == CXCursor_DeclRefExpr &&
              clang_equalCursors(clang_getCursorReferenced(a2), f->param)
            ? anyc__xstrdup(f->arg)
            : anyc__arg_text(x, args[2]);
      nm = anyc__arg_text(x, args[3]);
    }
    char *nc = anyc__xasprintf("anyc_start_soon_named(&%s, %s, %s, %s)", f->tg, nm, fn, a);
    size_t si = anyc__parent_index(r, ci - 1), semi = anyc__after_semicolon(s, n, e);
    int stmt_level = par.kind == CXCursor_CompoundStmt || par.kind == CXCursor_IfStmt ||
                     par.kind == CXCursor_WhileStmt || par.kind == CXCursor_ForStmt ||
                     par.kind == CXCursor_DoStmt || par.kind == CXCursor_CaseStmt ||
                     par.kind == CXCursor_DefaultStmt || par.kind == CXCursor_LabelStmt;
    if (stmt_level && semi && !anyc__rest_skippable(x, r, si)) {
      /* run went on after a failed start (to cleanup the legacy code ran): so does this */
      anyc__keep_ignored(p, par, b, semi, nc);
    } else if (par.kind == CXCursor_CompoundStmt) {
      CXCursor stmt = r->anc[si];
      CXCursor nx = anyc__next_stmt(par, stmt);
      int last_before_close = clang_Cursor_isNull(nx) ? anyc__same_node(par, f->body)
                                                      : is_wait_finished_return(x, nx);
      char *t = anyc__xasprintf("%s = %s", f->rc, nc);
      anyc__pedit(p, b, e - b, t);
      free(t);
      if (!last_before_close && semi) {
        char *ind = anyc__indent_at(s, b);
        char *chk = anyc__xasprintf("\n%sif (%s < 0) return anyc_group_close(&%s, %s);", ind,
                                    f->rc, f->tg, f->rc);
        anyc__pedit(p, semi, 0, chk);
        free(chk);
        free(ind);
      }
    } else if (stmt_level && semi) {
      /* a braceless body (of an if, a loop, a case): one braced statement, so that an
       * `else` after it keeps its `if` */
      char *t = anyc__xasprintf("{ %s = %s; if (%s < 0) return anyc_group_close(&%s, %s); }",
                                f->rc, nc, f->rc, f->tg, f->rc);
      anyc__pedit(p, b, semi - b, t);
      free(t);
    } else {
      anyc__pedit(p, b, e - b, nc);
    }
    anyc__set_reason(p, strstr(r->name, "daemon")
                      ? "a daemon that returns no longer fails the service: the group waits for it"
                  : child ? "the child service's run is a task of run's group"
                          : "the task is a child of run's task group");
    free(nc);
    free(fn);
    free(a);
    free(nm);
    return;
  }
  if (strcmp(r->name, "as_wait_finished") == 0 && par.kind == CXCursor_ReturnStmt) {
    char *t = anyc__close_text(f, f->rc);
    anyc__pedit(p, b, e - b, t);
    free(t);
    anyc__set_reason(p, "run's end closes its group: it waits for every task and returns the "
                  "first error");
    return;
  }
  if (strcmp(r->name, "as_wait_finished") == 0 && f->close_off && b >= f->close_begin &&
      b < f->close_off &&
      (par.kind == CXCursor_CompoundStmt || par.kind == CXCursor_BinaryOperator ||
       par.kind == CXCursor_VarDecl)) {
    /* The statement that parks run: the group closes there (code after it is run's
     * cleanup, as in the legacy service). */
    int assign = par.kind != CXCursor_CompoundStmt;
    CXCursor stmt = r->anc[anyc__parent_index(r, ci - 1)];
    CXCursor nx = assign ? clang_getNullCursor() : anyc__next_stmt(par, stmt);
    size_t semi = anyc__after_semicolon(s, n, e);
    /* Cleanup after the park: in a working legacy program run leaves as_wait_finished
     * only when the service is cancelled (nothing else can finish it while run waits),
     * so the cleanup ran at shutdown.  A bare close would return as soon as the tasks
     * are done -- before shutdown when none of them runs until cancelled -- and run
     * the cleanup early: the body parks first, anyc_sleep(INFINITY) being -ECANCELED
     * at shutdown as as_wait_finished was. */
    size_t si = ci - 1;
    while (si > 0 && r->anc[si - 1].kind != CXCursor_CompoundStmt)
      si--;
    CXCursor after = si > 0 ? anyc__next_stmt(r->anc[si - 1], r->anc[si])
                            : clang_getNullCursor();
    int cleanup = !clang_Cursor_isNull(after) && after.kind != CXCursor_ReturnStmt;
    char *body = cleanup ? anyc__xstrdup("anyc_sleep(INFINITY)") : anyc__xstrdup(f->rc);
    char *t;
    if (assign) {
      t = anyc__xasprintf("anyc_group_close(&%s, %s)", f->tg, body);
    } else if (nx.kind == CXCursor_ReturnStmt && clang_Cursor_isNull(anyc__next_stmt(par, nx)) &&
               semi) {
      char *ind = anyc__indent_at(s, b);
      t = anyc__xasprintf("%s = anyc_group_close(&%s, %s);\n%sif (%s < 0) return %s",
                          f->rc, f->tg, f->rc, ind, f->rc, f->rc);
      free(ind);
    } else {
      t = anyc__xasprintf("%s = anyc_group_close(&%s, %s)", f->rc, f->tg, body);
    }
    anyc__pedit(p, b, e - b, t);
    free(t);
    free(body);
    if (cleanup) {
      CXFile cf;
      size_t c0, c1;
      if (anyc__extent(r->anc[ci - 1], &cf, &c0, &c1) == 0)
        anyc__need_header(x, p, cf, "math.h");
      anyc__set_reason(p, "run parks here until the service is stopped (anyc_sleep(INFINITY), "
                    "-ECANCELED then, as as_wait_finished), then closes its group; the code "
                    "after it is run's cleanup, run at shutdown as before");
    } else {
      anyc__set_reason(p, "run parks here until its tasks finish: the group closes here");
    }
    return;
  }
  if (strcmp(r->name, "as_stop") == 0 && f->close_off && b >= f->close_begin) {
    anyc__decline(p, "AS110", "as_stop after run waited for its tasks: the group is closed there");
    return;
  }
  if (strcmp(r->name, "as_stop") == 0 && par.kind == CXCursor_CompoundStmt &&
      !stop_then_return(x, par, r->anc[anyc__parent_index(r, ci - 1)])) {
    /* as_stop returns only once the service's tasks have finished (leaves first); the
     * native cancel returns at once and the tasks finish when run closes its group, so
     * any code between the two would run earlier than it did. */
    anyc__decline(p, "AS110",
                  "as_stop is not followed by run's return: the code after it would run before "
                  "the service's tasks finish (as_stop waited for them)");
    return;
  }
  if (cancel && par.kind == CXCursor_ReturnStmt) {
    /* return as_cancel(self->manager);  ->  cancel, then close with 0 (as_cancel's).
     * return as_stop(...): the same; its -ECANCELED (run itself is cancelled) is a
     * cancellation of the group's own scope, which closing catches just as it does 0. */
    size_t pi = anyc__parent_index(r, ci - 1);
    CXFile rf;
    size_t rb, re;
    if (pi >= 2 && r->anc[pi - 2].kind == CXCursor_CompoundStmt &&
        anyc__extent(par, &rf, &rb, &re) == 0 && anyc__only_space(s, anyc__line_start(s, rb), rb)) {
      char *ind = anyc__indent_at(s, rb);
      char *t = anyc__xasprintf("%sanyc_group_cancel(&%s);\n", ind, f->tg);
      anyc__pedit(p, anyc__line_start(s, rb), 0, t);
      anyc__pedit(p, b, e - b, "0");
      free(t);
      free(ind);
      anyc__set_reason(p, "%s", cancel_reason(r->name, 1));
      return;
    }
  }
  if (cancel && par.kind == CXCursor_CompoundStmt) {
    char *t = anyc__xasprintf("anyc_group_cancel(&%s)", f->tg);
    anyc__pedit(p, b, e - b, t);
    free(t);
    anyc__set_reason(p, "%s", cancel_reason(r->name, 0));
    return;
  }
  anyc__decline(p, "AS110",
                "%s is used in a form with no mechanical rewrite (e.g. its status is used)",
                r->name);
}

/* An initialiser list of the struct type `t` whose elements are not all designated
 * (`{ {0}, 41, 0 }`): removing a member shifts them onto the next member.  `{0}` and
 * `{}` zero the whole object either way. */
typedef struct positional { ctx *x; CXType t; int found; } positional;

static int designated_only(const char *s)
{
  char *t = anyc__norm(s);
  int ok = strcmp(t, "{}") == 0 || strcmp(t, "{0}") == 0;
  if (!ok && t[0] == '{') {
    ok = 1;
    int depth = 0, start = 1;
    for (const char *c = t + 1; *c && ok; c++) {
      if (start && depth == 0 && *c != '}')
        ok = *c == '.';
      start = 0;
      if (*c == '{' || *c == '(' || *c == '[')
        depth++;
      else if (*c == '}' || *c == ')' || *c == ']')
        depth--;
      else if (*c == ',' && depth == 0)
        start = 1;
    }
  }
  free(t);
  return ok;
}

static enum CXChildVisitResult find_positional(CXCursor c, CXCursor parent, CXClientData d)
{
  (void)parent;
  positional *w = d;
  if (c.kind == CXCursor_InitListExpr &&
      clang_equalTypes(clang_getCanonicalType(clang_getCursorType(c)), w->t)) {
    char *t = anyc__text_of(w->x, c);
    w->found |= !designated_only(t);
    free(t);
  }
  return w->found ? CXChildVisit_Break : CXChildVisit_Recurse;
}

/* AS002: the embedded as_service field of a struct: its line goes. */
void anyc__rule_struct_field(ctx *x, CXCursor field)
{
  CXFile file;
  size_t b, e, n;
  pend *p = anyc__new_pend(x, field, "AS002", "as_service", 1);
  p->s.suggest = anyc__xstrdup("a plain struct (the task group lives in run)");
  positional w = {x, clang_getCanonicalType(clang_getCursorType(
                       clang_getCursorSemanticParent(field))), 0};
  clang_visitChildren(clang_getTranslationUnitCursor(x->tu), find_positional, &w);
  if (w.found) {
    anyc__decline(p, "AS107",
                  "an initialiser of the struct is positional: without the as_service member "
                  "its values would land on the next members; designate them (.member = "
                  "value), then migrate");
    return;
  }
  if (p->s.cls == SC_MACRO_ARG || p->s.cls == SC_MACRO_BODY ||
      anyc__extent(field, &file, &b, &e) != 0) {
    anyc__decline(p, "AS107", "the as_service field comes from a macro");
    return;
  }
  const char *s = anyc__contents(x, file, &n);
  size_t semi = anyc__after_semicolon(s, n, e);
  size_t ls = anyc__line_start(s, b), q = semi;
  while (q < n && (s[q] == ' ' || s[q] == '\t' || s[q] == '\r'))
    q++;
  if (q + 1 < n && s[q] == '/' && s[q + 1] == '*') { /* trailing comment on the line */
    const char *end = strstr(s + q + 2, "*/");
    const char *nl = memchr(s + q, '\n', n - q);
    if (end && (!nl || end < nl))
      q = (size_t)(end - s) + 2;
  } else if (q + 1 < n && s[q] == '/' && s[q + 1] == '/') {
    while (q < n && s[q] != '\n')
      q++;
  }
  while (q < n && (s[q] == ' ' || s[q] == '\t' || s[q] == '\r'))
    q++;
  if (!semi) {
    anyc__decline(p, "AS107", "the as_service field's declaration is not recognised");
    return;
  }
  if (anyc__only_space(s, ls, b) && (q >= n || s[q] == '\n')) {
    anyc__pedit(p, ls, (q < n ? q + 1 : q) - ls, ""); /* its whole line */
  } else {
    size_t z = semi; /* shares the line: the declaration and the blanks after it */
    while (z < n && (s[z] == ' ' || s[z] == '\t'))
      z++;
    anyc__pedit(p, b, z - b, "");
  }
  anyc__set_reason(p, "the object no longer embeds the legacy base; nothing reads it any more");
  /* A struct whose only member was the base is left empty: accepted by GCC and Clang
   * (a GNU extension in C; -Wpedantic warns).  Say so on the site. */
  CXCursor parent = clang_getCursorSemanticParent(field);
  cursor_vec members = anyc__children(parent);
  size_t fields = 0;
  for (size_t i = 0; i < members.n; i++)
    fields += members.v[i].kind == CXCursor_FieldDecl;
  free(members.v);
  if (fields == 1)
    anyc__set_reason(p, "the struct's only member was the legacy base: it is left empty (a GNU C "
                  "extension, -Wpedantic warns); drop the struct by hand if nothing else uses it");
}

/* The object of a service named `&E.field` (-> "&E") or `&p->field` (-> "p"), and its
 * struct type; NULL when the service is not a field of an object. */
static char *service_object(ctx *x, CXCursor arg, CXType *type)
{
  CXCursor a0 = anyc__strip(arg);
  if (a0.kind != CXCursor_UnaryOperator)
    return NULL;
  char *t = anyc__text_of(x, a0);
  int amp = t[0] == '&';
  free(t);
  if (!amp)
    return NULL;
  cursor_vec k = anyc__children(a0);
  CXCursor mem = k.n == 1 ? anyc__strip(k.v[0]) : clang_getNullCursor();
  free(k.v);
  if (mem.kind != CXCursor_MemberRefExpr)
    return NULL;
  cursor_vec m = anyc__children(mem);
  char *obj = NULL;
  if (m.n == 1) {
    char *base = anyc__text_of(x, m.v[0]);
    CXType bt = clang_getCanonicalType(clang_getCursorType(m.v[0]));
    if (bt.kind == CXType_Pointer) {
      obj = base;
      bt = clang_getCanonicalType(clang_getPointeeType(bt));
    } else {
      obj = anyc__xasprintf("&%s", base);
      free(base);
    }
    if (type)
      *type = bt;
  }
  free(m.v);
  return obj;
}

/* The run function defined in this unit that `arg` names, or NULL. */
static fn_info *run_named(ctx *x, CXCursor arg)
{
  CXCursor refd = clang_getCursorReferenced(anyc__strip(arg));
  for (size_t i = 0; i < x->fns.n; i++)
    if (x->fns.v[i].is_run && clang_equalCursors(clang_getCanonicalCursor(x->fns.v[i].fn),
                                                 clang_getCanonicalCursor(refd)))
      return &x->fns.v[i];
  return NULL;
}

static int find_init_of_type(ctx *x, CXType t, CXCursor *ia);

/* The run of a child service of type t: the run every as_service_init of that type in
 * this unit names; with none, the one run function whose `(T *)self` cast names t.  NULL
 * when that does not tell one run (two runs for the type: the init decides which, and it
 * is not here). */
static fn_info *run_for_type(ctx *x, CXType t)
{
  CXCursor ia[3];
  int inits = find_init_of_type(x, t, ia);
  if (inits == 0)
    return run_named(x, ia[1]);
  if (inits == -2)
    return NULL;
  fn_info *found = NULL;
  for (size_t i = 0; i < x->fns.n; i++)
    if (x->fns.v[i].is_run && x->fns.v[i].has_obj_type &&
        clang_equalTypes(x->fns.v[i].obj_type, t)) {
      if (found)
        return NULL;
      found = &x->fns.v[i];
    }
  return found;
}

/* The as_service_init in function f of the service spelled like `svc`: its call's
 * arguments (run, name).  0 if found. */
static int find_init(ctx *x, fn_info *f, CXCursor svc, CXCursor *ia)
{
  char *t = anyc__text_of(x, svc);
  char *key = anyc__norm(t);
  free(t);
  int found = -1;
  for (size_t i = 0; found && i < x->refs.n; i++) {
    const ref *o = &x->refs.v[i];
    if (o->kind != R_FUNC || anyc__fn_of(x, o) != f || strcmp(o->name, "as_service_init") != 0)
      continue;
    size_t oci = anyc__call_index(x, o);
    if (!oci || anyc__call_args(o->anc[oci - 1], ia, 3) != 3)
      continue;
    char *ot = anyc__text_of(x, ia[0]);
    char *k2 = anyc__norm(ot);
    free(ot);
    if (strcmp(k2, key) == 0)
      found = 0;
    free(k2);
  }
  free(key);
  return found;
}

/* The as_service_init calls in this unit of services whose object has type t, when
 * they all name the same run: the first one's arguments.  0 if found, -1 if there is
 * none, -2 if they name different runs. */
static int find_init_of_type(ctx *x, CXType t, CXCursor *ia)
{
  int found = -1;
  CXCursor first_run = clang_getNullCursor();
  for (size_t i = 0; i < x->refs.n; i++) {
    const ref *o = &x->refs.v[i];
    if (o->kind != R_FUNC || strcmp(o->name, "as_service_init") != 0)
      continue;
    size_t oci = anyc__call_index(x, o);
    CXType ot;
    CXCursor a[3];
    if (!oci || anyc__call_args(o->anc[oci - 1], a, 3) != 3)
      continue;
    char *obj = service_object(x, a[0], &ot);
    int same = obj && clang_equalTypes(ot, t);
    free(obj);
    if (!same)
      continue;
    CXCursor run = clang_getCursorReferenced(anyc__strip(a[1]));
    if (found == 0 && !clang_equalCursors(run, first_run))
      return -2; /* two runs for one type: the type does not tell which */
    if (found != 0)
      memcpy(ia, a, sizeof a);
    first_run = run;
    found = 0;
  }
  return found;
}

/* The run of service `svc` (`&obj.field`, object type t) used in function f: the run its
 * as_service_init in f names, else the run every as_service_init of that type in this
 * unit names.  Sets *runname and *name (the init's name argument); NULL if not found. */
static fn_info *service_run(ctx *x, fn_info *f, CXCursor svc, CXType t, char **runname,
                            char **name)
{
  CXCursor ia[3];
  fn_info *run = NULL;
  if (find_init(x, f, svc, ia) == 0 && (run = run_named(x, ia[1]))) {
    *runname = anyc__text_of(x, ia[1]);
  } else if (find_init_of_type(x, t, ia) == 0 && (run = run_named(x, ia[1])) &&
             (!run->has_obj_type || clang_equalTypes(run->obj_type, t))) {
    *runname = anyc__cx_str(clang_getCursorSpelling(run->fn));
  } else {
    return NULL;
  }
  *name = anyc__text_of(x, ia[2]);
  return run;
}

/* The local variables and parameters an argument of a call names, each with how many
 * times it does. */
typedef struct arg_vars {
  CXCursor v[8];
  size_t uses[8], n;
} arg_vars;

static enum CXChildVisitResult collect_arg_vars(CXCursor c, CXCursor parent, CXClientData d)
{
  (void)parent;
  arg_vars *a = d;
  if (c.kind != CXCursor_DeclRefExpr)
    return CXChildVisit_Recurse;
  CXCursor v = clang_getCanonicalCursor(clang_getCursorReferenced(c));
  if (v.kind != CXCursor_ParmDecl &&
      (v.kind != CXCursor_VarDecl || clang_Cursor_hasVarDeclGlobalStorage(v)))
    return CXChildVisit_Continue;
  size_t i = 0;
  while (i < a->n && !clang_equalCursors(a->v[i], v))
    i++;
  if (i == a->n && a->n < 8)
    a->v[a->n++] = v;
  if (i < a->n)
    a->uses[i]++;
  return CXChildVisit_Continue;
}

/* The names the arguments of `call` use, with counts. */
static void call_arg_vars(CXCursor call, arg_vars *a)
{
  int na = clang_Cursor_getNumArguments(call);
  for (int i = 0; i < na; i++)
    clang_visitChildren(clang_Cursor_getArgument(call, (unsigned)i), collect_arg_vars, a);
  for (int i = 0; i < na; i++) /* an argument that is itself a name */
    collect_arg_vars(clang_Cursor_getArgument(call, (unsigned)i), clang_getNullCursor(), a);
}

/* How many uses of variable v lie in the arguments of the as_service_init /
 * as_service_destroy calls of this unit (statements AS008 deletes together), and whether
 * `call` is the first of them to name it (it carries the `(void)v;`). */
static size_t uses_in_deleted(ctx *x, CXCursor v, CXCursor call, int *first)
{
  size_t total = 0;
  unsigned off = 0, best = ~0u;
  clang_getFileLocation(clang_getCursorLocation(call), NULL, NULL, NULL, &off);
  for (size_t i = 0; i < x->refs.n; i++) {
    const ref *o = &x->refs.v[i];
    if (o->kind != R_FUNC || (strcmp(o->name, "as_service_init") != 0 &&
                              strcmp(o->name, "as_service_destroy") != 0))
      continue;
    size_t oci = anyc__call_index(x, o);
    if (!oci)
      continue;
    arg_vars a = {0};
    call_arg_vars(o->anc[oci - 1], &a);
    for (size_t k = 0; k < a.n; k++)
      if (clang_equalCursors(a.v[k], v)) {
        unsigned co;
        clang_getFileLocation(clang_getCursorLocation(o->anc[oci - 1]), NULL, NULL, NULL, &co);
        total += a.uses[k];
        if (co < best)
          best = co;
      }
  }
  *first = best == off;
  return total;
}

/* Deleting `call`'s statement removes every use of a parameter or local variable that
 * only its arguments (and those of the other init/destroy statements deleted with it)
 * named (`static void setup(struct w *w, const char *name) { w->id =
 * 1; as_service_init(&w->service, run, name); }`): -Wall -Wextra would then flag it.  The
 * statement becomes `(void)name;` for each such name, as an expert would leave it; NULL
 * when no name is left unused. */
static char *unused_after_delete(ctx *x, CXCursor call)
{
  arg_vars a = {0};
  call_arg_vars(call, &a);
  sbuf t = {0};
  for (size_t i = 0; i < a.n; i++) {
    size_t n;
    int first;
    free(anyc__fn_uses(x, a.v[i], &n));
    if (n > uses_in_deleted(x, a.v[i], call, &first) || !first)
      continue;
    char *name = anyc__cx_str(clang_getCursorSpelling(a.v[i]));
    if (t.s)
      anyc__sb_add(&t, " ");
    anyc__sb_add(&t, "(void)");
    anyc__sb_add(&t, name);
    anyc__sb_add(&t, ";");
    free(name);
  }
  return t.s;
}

/* as_service_init of a service whose run is defined here, and as_service_destroy: the
 * statement goes (a plain struct needs neither). */
void anyc__rule_init_destroy(ctx *x, const ref *r, size_t ci)
{
  CXCursor call = r->anc[ci - 1], par = anyc__stmt_parent(r, ci), args[3];
  int init = strcmp(r->name, "as_service_init") == 0;
  int na = anyc__call_args(call, args, 3);
  CXFile file;
  size_t b, e, n;
  const char *why = NULL;
  if (par.kind != CXCursor_CompoundStmt || anyc__extent(call, &file, &b, &e) != 0)
    why = "not a statement of its own";
  else if (init && (na != 3 || !run_named(x, args[1])))
    why = "the service's run function is not defined in this file";
  const char *s = why ? NULL : anyc__contents(x, file, &n);
  size_t semi = s ? anyc__after_semicolon(s, n, e) : 0;
  if (!why && !semi)
    why = "not a statement of its own";
  if (why) {
    anyc__left(x, r->cur, "AS107", r->name, 1, anyc__suggest_for(r->name), "%s: %s", r->name, why);
    return;
  }
  pend *p = anyc__new_pend(x, r->cur, "AS008", r->name, 1);
  char *keep = unused_after_delete(x, call);
  if (keep)
    anyc__pedit(p, b, semi - b, keep); /* `(void)name;`: no unused parameter or variable */
  else
    anyc__delete_stmt(p, s, n, b, semi);
  free(keep);
  anyc__set_reason(p, "a plain struct needs no %s", init ? "initialisation" : "teardown");
  p->s.suggest = anyc__xstrdup("");
}

/* Is a declaration at offset doff of file df seen before offset b of file `file`: in
 * the same file before it, or in a header that `file` includes (itself or through
 * others) by a directive before b? */
typedef struct incl_find {
  CXFile target, in;
  size_t before;
  int found;
} incl_find;

static void find_inclusion(CXFile inc, CXSourceLocation *stack, unsigned len, CXClientData d)
{
  incl_find *w = d;
  if (!clang_File_isEqual(inc, w->target))
    return;
  for (unsigned i = 0; i < len; i++) {
    CXFile f;
    unsigned off;
    clang_getFileLocation(stack[i], &f, NULL, NULL, &off);
    if (clang_File_isEqual(f, w->in) && off < w->before)
      w->found = 1;
  }
}

static int declared_before(ctx *x, CXFile df, unsigned doff, CXFile file, size_t b)
{
  if (clang_File_isEqual(df, file))
    return doff <= b;
  incl_find w = {df, file, b, 0};
  clang_getInclusions(x->tu, find_inclusion, &w);
  return w.found;
}

/* as_run_service(&obj.service) -> anyc_run(run, &obj) outside any task (main, or code
 * only main-side code calls); run(&obj) inside a task, where as_run_service ran the
 * service in the calling task: run opens and closes its own group, so it returns once
 * every task of the service has finished, as as_run_service did. */
void anyc__rule_run_service(ctx *x, const ref *r, size_t ci)
{
  CXCursor call = r->anc[ci - 1], args[3];
  fn_info *f = anyc__fn_of(x, r);
  const char *why = "it is not inside a function";
  int where = f ? anyc__fn_context(x, f->fn, 0, &why) : IN_UNKNOWN;
  int na = anyc__call_args(call, args, 3);
  CXFile file;
  size_t b, e;
  if (where == IN_UNKNOWN || na < 1 || anyc__extent(call, &file, &b, &e) != 0) {
    char *fname = f ? anyc__cx_str(clang_getCursorSpelling(f->fn)) : anyc__xstrdup("?");
    anyc__left(x, r->cur, "AS110", r->name, 1, anyc__suggest_for(r->name),
               "whether %s runs inside a task is not known here: %s", fname, why);
    free(fname);
    return;
  }
  CXType t;
  char *obj = service_object(x, args[0], &t), *runname = NULL, *name = NULL;
  fn_info *run = obj ? service_run(x, f, args[0], t, &runname, &name) : NULL;
  CXFile df;
  unsigned doff = 0;
  if (run)
    clang_getFileLocation(clang_getCursorLocation(clang_getCanonicalCursor(run->fn)), &df,
                          NULL, NULL, &doff);
  why = !obj   ? "the service is not named as &object.field"
        : !run ? "no as_service_init of this service with a run defined in this file"
        : !declared_before(x, df, doff, file, b)
            ? "the service's run is declared after this call"
            : NULL;
  if (why) {
    anyc__left(x, r->cur, "AS107", r->name, 1, anyc__suggest_for(r->name), "%s", why);
  } else {
    pend *p = anyc__new_pend(x, r->cur, "AS008", r->name, 1);
    char *t2 = where == IN_TASK ? anyc__xasprintf("%s(%s)", runname, obj)
                                : anyc__xasprintf("anyc_run(%s, %s)", runname, obj);
    anyc__pedit(p, b, e - b, t2);
    free(t2);
    anyc__set_reason(p, "%s", where == IN_TASK
                            ? "inside a task the service runs in the calling task: its run "
                              "opens and closes its own group, so it returns once every task "
                              "has finished, as as_run_service did"
                            : "the service runs as the first task of a run of its own");
    p->s.suggest = anyc__xstrdup(where == IN_TASK ? "run(&obj)" : "anyc_run(run, &obj)");
  }
  free(obj);
  free(runname);
  free(name);
}

/* The owner's other calls on a background block's manager m, between enter (statement
 * `enter`, status variable `var`) and exit (statement `exit`), in f; tg is the block's
 * group.  A call not rewritten here is left to rule_func (AS110), which keeps the
 * block -- and its service -- legacy (AS107). */
static void block_calls(ctx *x, fn_info *f, CXCursor mvar, const char *tg, const char *var,
                        CXCursor enter, CXCursor enter_comp, CXCursor exit)
{
  CXFile file;
  size_t eb, ee, xb, xe, n;
  if (anyc__extent(enter, &file, &eb, &ee) != 0 || anyc__extent(exit, &file, &xb, &xe) != 0)
    return;
  const char *s = anyc__contents(x, file, &n);
  for (size_t i = 0; i < x->refs.n; i++) {
    const ref *o = &x->refs.v[i];
    int cancel = strcmp(o->name, "as_cancel") == 0, stop = strcmp(o->name, "as_stop") == 0;
    int started = strcmp(o->name, "as_wait_started") == 0;
    if (o->kind != R_FUNC || anyc__fn_of(x, o) != f || !(cancel || stop || started))
      continue;
    size_t oci = anyc__call_index(x, o);
    CXCursor oa[1];
    CXFile of;
    size_t ob, oe;
    if (!oci || anyc__call_args(o->anc[oci - 1], oa, 1) != 1 ||
        anyc__extent(o->anc[oci - 1], &of, &ob, &oe) != 0 || !clang_File_isEqual(of, file))
      continue;
    CXCursor m0 = anyc__strip(oa[0]), par = anyc__stmt_parent(o, oci);
    CXCursor ostmt = o->anc[anyc__parent_index(o, oci - 1)];
    int own_stmt = par.kind == CXCursor_CompoundStmt;
    int status_used = !own_stmt && par.kind != CXCursor_IfStmt && par.kind != CXCursor_WhileStmt &&
                      par.kind != CXCursor_ForStmt && par.kind != CXCursor_DoStmt;
    if (m0.kind != CXCursor_DeclRefExpr ||
        !clang_equalCursors(clang_getCursorReferenced(m0), mvar) || ob < ee || oe > xb)
      continue;
    const char *rule = started ? "AS016" : "AS007", *why;
    char *t = NULL;
    pend *cp = NULL;
    if (cancel && own_stmt) {
      /* the owner cancels the service: it cancels the block's group (exit closes it) */
      cp = anyc__new_pend(x, o->cur, rule, o->name, 1);
      t = anyc__xasprintf("anyc_group_cancel(&%s)", tg);
      anyc__pedit(cp, ob, oe - ob, t);
      why = "the block's owner cancels the service: it cancels the block's group";
    } else if (stop && own_stmt && anyc__same_node(anyc__next_stmt(par, ostmt), exit)) {
      /* stop (cancel + wait) right before leaving: exit's cancel and close are that */
      size_t semi = anyc__after_semicolon(s, n, oe);
      if (!semi)
        continue;
      cp = anyc__new_pend(x, o->cur, rule, o->name, 1);
      anyc__delete_stmt(cp, s, n, ob, semi);
      why = "stopping the service right before leaving the block: leaving cancels the "
            "block's group and closes it, which waits for the service as as_stop did";
    } else if (started && status_used) {
      cp = anyc__new_pend(x, o->cur, rule, o->name, 1);
      anyc__pedit(cp, ob, oe - ob, "anyc_checkpoint()");
      why = "the native block starts the service at its first checkpoint: after this one "
            "it has started, as enter guaranteed (the status is still used)";
    } else if (started && anyc__only_space(s, anyc__line_start(s, ob), ob) &&
               own_stmt && anyc__same_node(enter_comp, par) && !anyc__opens_scope(s, ee, ob)) {
      size_t semi = anyc__after_semicolon(s, n, oe);
      if (!semi)
        continue;
      cp = anyc__new_pend(x, o->cur, rule, o->name, 1);
      char *ind = anyc__indent_at(s, ob);
      t = anyc__xasprintf("%s = anyc_checkpoint();\n%sif (%s < 0) return anyc_group_close(&%s, %s)",
                          var, ind, var, tg, var);
      free(ind);
      anyc__pedit(cp, ob, oe - ob, t);
      why = "the native block starts the service at its first checkpoint: after this one "
            "it has started, as enter guaranteed; a cancelled checkpoint leaves the block";
    } else {
      continue;
    }
    free(t);
    anyc__set_reason(cp, "%s", why);
    cp->s.suggest = anyc__xstrdup(started ? "anyc_checkpoint()" : "anyc_group_cancel(&tg)");
    anyc__mark_handled(x, o->cur);
  }
}

/* Does a return lie inside the block, between the enter statement (ending at `from`)
 * and the exit statement (from `to`)?  The one allowed is `return var;` (enter's status)
 * in the statement right after the enter: taken only when enter failed. */
static int returns_inside(ctx *x, fn_info *f, CXCursor comp, CXCursor enter, const char *var,
                          size_t from, size_t to)
{
  cursor_vec rets = {0};
  clang_visitChildren(anyc__fn_body(f->fn), find_returns, &rets);
  CXCursor after = anyc__next_stmt(comp, enter);
  CXFile file;
  size_t ab = 0, ae = 0;
  anyc__extent(after, &file, &ab, &ae);
  int inside = 0;
  for (size_t i = 0; i < rets.n && !inside; i++) {
    size_t rb, re;
    if (anyc__extent(rets.v[i], &file, &rb, &re) != 0 || rb < from || rb >= to)
      continue;
    cursor_vec k = anyc__children(rets.v[i]);
    CXCursor v = k.n == 1 ? anyc__strip(k.v[0]) : clang_getNullCursor();
    char *name = v.kind == CXCursor_DeclRefExpr ? anyc__cx_str(clang_getCursorSpelling(v))
                                                : anyc__xstrdup("");
    inside = !(rb >= ab && re <= ae && strcmp(name, var) == 0);
    free(name);
    free(k.v);
  }
  free(rets.v);
  (void)x;
  return inside;
}

/* The statement `after` enter's: when it is `if (<test of var>) return var;` (braced or
 * not, no else), *ret gets the returned value's cursor; 1 when the test is a plain
 * failure test (var, var < 0, var != 0), which after the start means failure too. */
static int enter_check(ctx *x, CXCursor after, const char *var, CXCursor *ret)
{
  if (after.kind != CXCursor_IfStmt)
    return 0;
  cursor_vec k = anyc__children(after);
  int plain = 0;
  if (k.n == 2) {
    CXCursor then = k.v[1];
    if (then.kind == CXCursor_CompoundStmt) {
      cursor_vec t = anyc__children(then);
      then = t.n == 1 ? t.v[0] : clang_getNullCursor();
      free(t.v);
    }
    cursor_vec rk = then.kind == CXCursor_ReturnStmt ? anyc__children(then) : (cursor_vec){0};
    CXCursor v = rk.n == 1 ? anyc__strip(rk.v[0]) : clang_getNullCursor();
    free(rk.v);
    char *vn = v.kind == CXCursor_DeclRefExpr ? anyc__cx_str(clang_getCursorSpelling(v))
                                              : anyc__xstrdup("");
    if (strcmp(vn, var) == 0) {
      *ret = v;
      char *ct = anyc__text_of(x, k.v[0]), *c = anyc__norm(ct);
      char *lt = anyc__xasprintf("%s<0", var), *ne = anyc__xasprintf("%s!=0", var);
      plain = strcmp(c, var) == 0 || strcmp(c, lt) == 0 || strcmp(c, ne) == 0;
      free(ct);
      free(c);
      free(lt);
      free(ne);
    }
    free(vn);
  }
  free(k.v);
  return plain;
}

/* AS009: as_background_service_enter ... as_background_service_exit in one function ->
 * a task group that starts the service, then cancels and closes. */
void anyc__rule_background(ctx *x, const ref *r, size_t ci)
{
  fn_info *f = anyc__fn_of(x, r);
  CXCursor call = r->anc[ci - 1], args[2], ea[2];
  const char *why = NULL;
  char *var = NULL, *obj = NULL;
  int is_decl = 0;
  CXCursor stmt = clang_getNullCursor(), mvar = clang_getNullCursor(), exit_call;
  const ref *exit_ref = NULL;
  size_t exit_ci = 0;
  fn_info *child = NULL;
  if (!f || !anyc__fn_returns_int(f->fn) || anyc__call_args(call, args, 2) != 2)
    why = "not in a function returning int";
  else if (f->is_run && f->needs_group)
    why = "a background block inside a run with a task group: a return in the block would "
          "close run's group while the block's is still open";
  /* Inside a block this function entered before (rule_func goes in text order, so that
   * block is recorded): the checks added after this enter return at once, which would
   * leave the outer block's group open (the runtime aborts a task returning so). */
  for (size_t i = 0; !why && f && i < x->blocks.n; i++) {
    const block *o = &x->blocks.v[i];
    CXFile cf;
    size_t c0, c1;
    if (clang_equalCursors(o->fn, f->fn) && anyc__extent(call, &cf, &c0, &c1) == 0 &&
        o->begin <= c0 && c0 < o->end)
      why = "nested in a background block entered before it in this function: the checks "
            "the rewrite adds after this enter would return with the outer block's group "
            "open; move the inner block into a function of its own";
  }
  if (!why) {
    stmt = anyc__value_stmt(x, r, ci, &var, &is_decl);
    if (clang_Cursor_isNull(stmt))
      why = "its status is not stored by a statement of its own (int rc = ...; or rc = ...;)";
  }
  if (!why) {
    CXCursor a1 = anyc__strip(args[1]);
    cursor_vec k = anyc__children(a1);
    if (a1.kind == CXCursor_UnaryOperator && k.n == 1 &&
        anyc__strip(k.v[0]).kind == CXCursor_DeclRefExpr)
      mvar = clang_getCursorReferenced(anyc__strip(k.v[0]));
    free(k.v);
    if (mvar.kind != CXCursor_VarDecl)
      why = "the manager is not a local variable";
  }
  char *runname = NULL, *name = NULL;
  if (!why) {
    CXType t;
    obj = service_object(x, args[0], &t);
    if (!obj)
      why = "the service is not named as &object.field";
    else if (!(child = service_run(x, f, args[0], t, &runname, &name)))
      why = "no as_service_init of this service with a run defined in this file";
  }
  for (size_t i = 0; !why && i < x->refs.n; i++) {
    const ref *o = &x->refs.v[i];
    if (o->kind != R_FUNC || anyc__fn_of(x, o) != f ||
        strcmp(o->name, "as_background_service_exit"))
      continue;
    size_t oci = anyc__call_index(x, o);
    if (!oci || anyc__call_args(o->anc[oci - 1], ea, 2) != 2)
      continue;
    CXCursor m0 = anyc__strip(ea[0]);
    if (m0.kind == CXCursor_DeclRefExpr &&
        clang_equalCursors(clang_getCursorReferenced(m0), mvar)) {
      if (exit_ref)
        why = "the block is left in more than one place";
      exit_ref = o;
      exit_ci = oci;
    }
  }
  if (!why && !exit_ref)
    why = "no as_background_service_exit of this manager in the function";
  CXCursor exit_stmt = clang_getNullCursor();
  if (!why) {
    exit_call = exit_ref->anc[exit_ci - 1];
    CXCursor epar = anyc__stmt_parent(exit_ref, exit_ci);
    char *v2 = NULL;
    int d2;
    if (epar.kind == CXCursor_ReturnStmt &&
        anyc__parent_index(exit_ref, exit_ci - 1) >= 2 &&
        exit_ref->anc[anyc__parent_index(exit_ref, exit_ci - 1) - 2].kind == CXCursor_CompoundStmt)
      exit_stmt = epar;
    else
      exit_stmt = anyc__value_stmt(x, exit_ref, exit_ci, &v2, &d2);
    free(v2);
    size_t xpi = anyc__parent_index(exit_ref, exit_ci - 1);
    int labelled = 0;
    for (size_t a = xpi; a-- > 0 && !labelled && exit_ref->anc[a].kind != CXCursor_CompoundStmt;)
      labelled = exit_ref->anc[a].kind == CXCursor_LabelStmt;
    if (clang_Cursor_isNull(exit_stmt))
      why = labelled ? "as_background_service_exit carries a label: a goto jumps to it, past "
                       "the block's statements; close the block's group on every path by hand"
                     : "as_background_service_exit is not returned or stored by a statement of "
                       "its own";
  }
  /* The manager's declaration: `as_manager *m;` (or `= NULL;`, which enter overwrites)
   * alone on its line goes. */
  CXCursor mdecl = clang_getNullCursor();
  for (size_t i = 0; !why && i < x->refs.n; i++) {
    const ref *o = &x->refs.v[i];
    if (o->kind == R_TYPE && o->depth >= 2 && anyc__same_node(o->anc[o->depth - 1], mvar) &&
        o->anc[o->depth - 2].kind == CXCursor_DeclStmt) {
      cursor_vec k = anyc__children(o->anc[o->depth - 2]);
      CXCursor init = clang_Cursor_getVarDeclInitializer(mvar);
      char *it = clang_Cursor_isNull(init) ? NULL : anyc__text_of(x, init);
      char *nt = it ? anyc__norm(it) : NULL;
      if (k.n == 1 && (!nt || strcmp(nt, "NULL") == 0 || strcmp(nt, "0") == 0))
        mdecl = o->anc[o->depth - 2];
      free(it);
      free(nt);
      free(k.v);
    }
  }
  if (!why && clang_Cursor_isNull(mdecl))
    why = "the manager is not declared alone, without an initialiser other than NULL "
          "(as_manager *m;), in this function";
  CXFile file;
  size_t sb, se, cb, ce, xb, xe, xsb, xse, db, de, n;
  const char *s = NULL;
  if (!why && (anyc__extent(stmt, &file, &sb, &se) || anyc__extent(call, &file, &cb, &ce) ||
               anyc__extent(exit_call, &file, &xb, &xe) ||
               anyc__extent(exit_stmt, &file, &xsb, &xse) || anyc__extent(mdecl, &file, &db, &de)))
    why = "the block's statements are not in one file";
  if (!why) {
    s = anyc__contents(x, file, &n);
    if (!anyc__only_space(s, anyc__line_start(s, sb), sb) ||
        !anyc__only_space(s, anyc__line_start(s, xsb), xsb))
      why = "a statement of the block shares its line";
    else if (returns_inside(x, f, anyc__nearest_compound(r, ci), stmt, var, se, xsb))
      why = "a return inside the block leaves it without its exit";
    else if (anyc__has_goto(x, anyc__fn_body(f->fn)))
      why = "a goto in the function can jump into or out of the block, past its enter or "
            "exit: close the block's group on every path by hand";
  }
  /* Checks the rules add inside the block close its group (rules_call.c); in a block
   * that is left, they are left with it (the block's sites are the service's). */
  block bk = {f ? f->fn : clang_getNullCursor(), 0, (size_t)-1, NULL};
  if (!why) {
    bk.begin = se;
    bk.end = xsb;
  } else {
    CXFile f0;
    size_t ce0;
    anyc__extent(call, &f0, &bk.begin, &ce0); /* to the function's end */
  }
  if (why) {
    if (f)
      VEC_PUSH(x->blocks, bk);
    anyc__left(x, r->cur, "AS110", r->name, 1, anyc__suggest_for(r->name), "%s", why);
    free(var);
    free(obj);
    free(runname);
    free(name);
    return;
  }
  pend *p = anyc__new_pend(x, r->cur, "AS009", r->name, 1);
  char *tg = anyc__fresh(x, f, "tg");
  bk.tg = anyc__xstrdup(tg);
  VEC_PUSH(x->blocks, bk);
  char *ind = anyc__indent_at(s, sb), *xind = anyc__indent_at(s, xsb);
  char *body = anyc__text_of(x, ea[1]);
  char *t = anyc__xasprintf("%sanyc_group %s;\n", ind, tg);
  anyc__pedit(p, anyc__line_start(s, sb), 0, t);
  free(t);
  /* The user's own check of enter's status right after it (`if (rc) return rc;`) now
   * checks the start: its return closes the group, and when it is a plain failure test
   * it is the only check (an expert does not write two). */
  CXCursor uret = clang_getNullCursor();
  int user_check = enter_check(x, anyc__next_stmt(anyc__nearest_compound(r, ci), stmt), var,
                               &uret);
  CXFile rf;
  size_t rb, re;
  if (!clang_Cursor_isNull(uret) && anyc__extent(uret, &rf, &rb, &re) == 0) {
    char *open = anyc__xasprintf("anyc_group_close(&%s, ", tg);
    anyc__pedit(p, rb, 0, open);
    anyc__pedit(p, re, 0, ")");
    free(open);
  }
  char *own = user_check ? anyc__xstrdup("")
                         : anyc__xasprintf(";\n%sif (%s < 0) return anyc_group_close(&%s, %s)",
                                           ind, var, tg, var);
  t = anyc__xasprintf("anyc_group_open(&%s);\n%sif (%s < 0) return %s;\n"
                      "%s%s = anyc_start_soon_named(&%s, %s, %s, %s)%s",
                      tg, ind, var, var, ind, var, tg, name, runname, obj, own);
  free(own);
  anyc__pedit(p, cb, ce - cb, t);
  free(t);
  t = anyc__xasprintf("%sanyc_group_cancel(&%s);\n", xind, tg);
  anyc__pedit(p, anyc__line_start(s, xsb), 0, t);
  free(t);
  t = anyc__xasprintf("anyc_group_close(&%s, %s)", tg, body);
  anyc__pedit(p, xb, xe - xb, t);
  free(t);
  size_t semi = anyc__after_semicolon(s, n, de);
  if (semi && s[de - 1] != ';')
    anyc__delete_stmt(p, s, n, db, semi);
  else
    anyc__delete_stmt(p, s, n, db, de);
  anyc__set_reason(p, "the service runs in a task group of the block; it starts at the block's "
                "first checkpoint (enter waited until it had started)");
  p->s.suggest = anyc__xstrdup(anyc__suggest_for(r->name));
  pend *q = anyc__new_pend(x, exit_ref->cur, "AS009", exit_ref->name, 1);
  anyc__set_reason(q, "leaving the block cancels the group and closes it with the body's status");
  q->s.suggest = anyc__xstrdup(anyc__suggest_for(exit_ref->name));
  anyc__mark_handled(x, exit_ref->cur);
  anyc__mark_handled(x, mvar);
  block_calls(x, f, mvar, tg, var, stmt, anyc__nearest_compound(r, ci), exit_stmt);
  free(tg);
  free(ind);
  free(xind);
  free(runname);
  free(name);
  free(body);
  free(var);
  free(obj);
}

/* ---- run's body and the preprocessor ------------------------------------------------
 * The rewrite of run is checked in the one configuration parsed.  Probe round 4: the
 * group's open placed inside an #ifdef block (the spawn after #endif then used an
 * undeclared tg and rc), a status variable declared under a conditional and reused after
 * it, or `self` in a branch compiled out here (never seen, so never renamed) each broke
 * the other configurations.  Conditional code that the rewrite does not touch (a debug
 * printf under #ifdef DEBUG) is no reason to leave the service. */

struct region {
  size_t b;
  size_t e;
};
typedef VEC(struct region) region_vec;

/* The parts of s[b, e) between a conditional directive and its #endif (at depth > 0;
 * a body that starts inside an outer #if counts from b). */
static region_vec cond_regions(const char *s, size_t b, size_t e)
{
  region_vec r = {0};
  int depth = 0;
  size_t start = b;
  for (size_t i = b; i < e; i++) {
    if (s[i] != '#' || !anyc__only_space(s, anyc__line_start(s, i), i))
      continue;
    size_t k = i + 1;
    while (k < e && (s[k] == ' ' || s[k] == '\t'))
      k++;
    size_t eol = k;
    while (eol < e && s[eol] != '\n')
      eol++;
    if (e - k >= 5 && strncmp(s + k, "endif", 5) == 0) {
      if (depth == 0 || --depth == 0)
        VEC_PUSH(r, ((struct region){depth == 0 && start < i ? start : b, eol}));
    } else if (e - k >= 2 && strncmp(s + k, "if", 2) == 0) {
      if (depth++ == 0)
        start = anyc__line_start(s, i);
    }
  }
  if (depth > 0)
    VEC_PUSH(r, ((struct region){start, e}));
  return r;
}

static int in_regions(const region_vec *r, size_t off)
{
  for (size_t i = 0; i < r->n; i++)
    if (off >= r->v[i].b && off < r->v[i].e)
      return 1;
  return 0;
}

struct decl_scan { const region_vec *r; int hit; };

static enum CXChildVisitResult decl_in_region(CXCursor c, CXCursor parent, CXClientData d)
{
  (void)parent;
  struct decl_scan *ds = d;
  CXFile f;
  size_t b, e;
  if (c.kind == CXCursor_VarDecl && anyc__extent(c, &f, &b, &e) == 0 && in_regions(ds->r, b)) {
    ds->hit = 1;
    return CXChildVisit_Break;
  }
  return CXChildVisit_Recurse;
}

/* Does an inactive #if range inside s[b, e) of file f name `name`? */
static int inactive_names(ctx *x, CXFile f, size_t b, size_t e, const char *name)
{
  CXSourceRangeList *l = clang_getSkippedRanges(x->tu, f);
  int hit = 0;
  for (unsigned i = 0; l && i < l->count && !hit; i++) {
    unsigned rb, re;
    clang_getFileLocation(clang_getRangeStart(l->ranges[i]), NULL, NULL, NULL, &rb);
    clang_getFileLocation(clang_getRangeEnd(l->ranges[i]), NULL, NULL, NULL, &re);
    if (rb < b || re > e)
      continue;
    CXToken *toks;
    unsigned n;
    clang_tokenize(x->tu, l->ranges[i], &toks, &n);
    for (unsigned t = 0; t < n && !hit; t++) {
      if (clang_getTokenKind(toks[t]) != CXToken_Identifier)
        continue;
      char *sp = anyc__cx_str(clang_getTokenSpelling(x->tu, toks[t]));
      hit = strcmp(sp, name) == 0;
      free(sp);
    }
    clang_disposeTokens(x->tu, toks, n);
  }
  if (l)
    clang_disposeSourceRangeList(l);
  return hit;
}

void anyc__rule_run_conditionals(ctx *x)
{
  for (size_t i = 0; i < x->fns.n; i++) {
    fn_info *f = &x->fns.v[i];
    CXFile file;
    size_t b, e, n;
    if (!f->is_run || anyc__extent(f->body, &file, &b, &e) != 0)
      continue;
    const char *s = anyc__contents(x, file, &n);
    if (!s || e > n)
      continue;
    region_vec r = cond_regions(s, b, e);
    const char *why = NULL;
    struct decl_scan ds = {&r, 0};
    if (r.n && f->needs_group) {
      clang_visitChildren(f->body, decl_in_region, &ds);
      if (ds.hit)
        why = "a variable of run is declared inside an #if block: the group's status could "
              "land in a name other configurations lack";
    }
    for (size_t k = 0; !why && r.n && k < x->pends.n; k++) {
      pend *p = &x->pends.v[k];
      if (!p->svc || !p->s.rewritten || !p->file || !clang_File_isEqual(p->file, file))
        continue;
      for (size_t m = 0; m < p->edits.n && !why; m++)
        if (p->edits.v[m].off >= b && p->edits.v[m].off < e && in_regions(&r, p->edits.v[m].off))
          why = "the rewrite of run would edit inside an #if block (the group's open or a "
                "status it reuses would exist in this configuration only)";
    }
    if (!why && f->param_name && *f->param_name && inactive_names(x, file, b, e, f->param_name))
      why = "run's parameter is used in an #if branch compiled out here, which the rewrite "
            "cannot rename";
    free(r.v);
    if (!why)
      continue;
    /* decline run's own site (AS003): the service is then left whole (finish) */
    unsigned po;
    clang_getFileLocation(clang_getCursorLocation(f->param), NULL, NULL, NULL, &po);
    for (size_t k = 0; k < x->pends.n; k++) {
      pend *p = &x->pends.v[k];
      if (strcmp(p->s.rule, "AS003") == 0 && p->s.offset == po && p->file &&
          clang_File_isEqual(p->file, file)) {
        anyc__decline(p, "AS107", "%s; rewrite by hand, or move the conditional code into a "
                                  "function of its own", why);
        break;
      }
    }
  }
}
