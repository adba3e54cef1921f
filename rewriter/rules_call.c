/* rules_call.c — the rules for single calls, wherever they stand: as_sleep / as_to_thread
 * / as_run renamed (AS010-AS012), as_wait_for as a fail_after scope (AS013), as_is_running
 * as a loop condition (AS006); and how any rule checks a checkpoint status the legacy code
 * ignored (the function's status variable, its group closed first in a run). */
#include <stdlib.h>
#include <string.h>

#include <clang-c/Index.h>

#include "migrate.h"
#include "sites.h"

/* Suggested native forms for left calls. */
const char *anyc__suggest_for(const char *n)
{
  static const struct { const char *legacy, *native; } map[] = {
    {"as_run_task", "anyc_start_soon_named(&group, name, fn, arg) into a group the caller owns"},
    {"as_run_daemon_task", "anyc_start_soon_named(&group, name, fn, arg) into a group the caller owns"},
    {"as_run_child_service", "anyc_start_soon_named(&tg, name, child_run, &child)"},
    {"as_run_daemon_child_service", "anyc_start_soon_named(&tg, name, child_run, &child)"},
    {"as_wait_started", "anyc_start(&tg, fn, arg, NULL) with anyc_started() in the task; "
                        "anyc_checkpoint() after a background block's start"},
    {"as_wait_finished", "anyc_group_close(&tg, rc); anyc_sleep(INFINITY) in a task of the service"},
    {"as_stop", "anyc_group_cancel(&tg); rc = anyc_group_close(&tg, rc);"},
    {"as_cancel", "anyc_group_cancel(&tg)"},
    {"as_is_started", "structure: a group is running while open"},
    {"as_is_running", "!anyc_cancelled()"},
    {"as_is_cancelled", "anyc_scope_cancel_called(&scope) or anyc_cancelled()"},
    {"as_is_finished", "structure: a closed group is finished"},
    {"as_did_error", "the status anyc_group_close returns"},
    {"as_get_stats", "anyc_get_stats(&stats)"},
    {"as_error_count", "anyc_error_count()"},
    {"as_error_at", "anyc_error_at(i, &info)"},
    {"as_background_service_enter", "anyc_group_open(&tg); anyc_start_soon(&tg, run, obj); ...; anyc_group_cancel(&tg); rc = anyc_group_close(&tg, rc);"},
    {"as_background_service_exit", "anyc_group_cancel(&tg); rc = anyc_group_close(&tg, rc);"},
    {"as_run_service", "anyc_run(run, &obj) outside any task, run(&obj) inside one"},
    {"as_service_init", "nothing: the object is a plain struct"},
    {"as_service_destroy", "nothing: task groups need no teardown"},
    {"as_sleep", "anyc_sleep(seconds)"},
    {"as_to_thread", "anyc_to_thread(fn, arg, 0)"},
    {"as_run", "anyc_run(fn, arg)"},
    {"as_wait_for", "anyc_scope s; rc = anyc_fail_after(&s, t); if (rc == 0) rc = anyc_scope_close(&s, fn(arg));"},
  };
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
    if (strcmp(map[i].legacy, n) == 0)
      return map[i].native;
  return "see docs/rules";
}

/* Is n a name async_service.h gives its users?  Tokens (macro bodies, inactive #if
 * branches, macro arguments) carry no declaration, and real trees have names of their
 * own that merely start "as_" (`as_text`, `AS_EXTRA`): only the header's own names are
 * legacy sites (the pre-filter's prefix test stays an over-approximation). */
int anyc__is_legacy_name(const char *n)
{
  static const char *const others[] = {"as_service", "as_manager", "as_run_fn", "as_task_fn",
                                       "as_stats", "AS_ELIFECYCLE", "AS_EDAEMONEXIT",
                                       "AS_ETOOMANYCHILDREN", NULL};
  return strcmp(anyc__suggest_for(n), "see docs/rules") != 0 || anyc__is_one_of(n, others);
}

static int is_loop_cond(const ref *r, size_t ci)
{
  for (size_t i = ci - 1; i-- > 0;) {
    enum CXCursorKind k = r->anc[i].kind;
    if (k == CXCursor_WhileStmt || k == CXCursor_ForStmt || k == CXCursor_DoStmt) {
      cursor_vec kids = anyc__children(r->anc[i]);
      CXCursor path = r->anc[i + 1];
      int last = kids.n && anyc__same_node(kids.v[kids.n - 1], path);
      free(kids.v);
      return k == CXCursor_DoStmt ? last : !last;
    }
    if (k == CXCursor_CompoundStmt || k == CXCursor_FunctionDecl || k == CXCursor_IfStmt)
      return 0;
  }
  return 0;
}

/* The group-closing text for returns in a run function with a group. */
char *anyc__close_text(fn_info *f, const char *status)
{
  return anyc__xasprintf("anyc_group_close(&%s, %s)", f->tg, status);
}

/* `if (rc < 0) return rc;` in the enclosing function's terms: closing the background
 * block's group `tg` first inside a block, run's group in a run with a group (unless
 * the group is `closed` already: after the statement that closes it). */
static char *check_text(fn_info *f, const char *rc, const char *tg, int closed)
{
  if (tg || (f->needs_group && !closed))
    return anyc__xasprintf("if (%s < 0) return anyc_group_close(&%s, %s);", rc,
                           tg ? tg : f->tg, rc);
  if (anyc__fn_returns_void(f->fn))
    return anyc__xasprintf("if (%s < 0) return;", rc);
  return anyc__xasprintf("if (%s < 0) return %s;", rc, rc);
}

/* An `int` status variable the function already declares at the top of its body before
 * `before` (rc, ret, err, status): an expert reuses it rather than adding one -- when
 * it is dead at the site (anyc__var_dead_after); *var gets its declaration. */
static char *existing_status(fn_info *f, size_t before, CXCursor *var)
{
  static const char *const names[] = {"rc", "ret", "err", "status", "r", NULL};
  cursor_vec k = anyc__children(anyc__fn_body(f->fn));
  char *found = NULL;
  for (size_t i = 0; i < k.n && !found; i++) {
    if (k.v[i].kind != CXCursor_DeclStmt)
      continue;
    cursor_vec vars = anyc__children(k.v[i]);
    for (size_t v = 0; v < vars.n && !found; v++) {
      CXFile file;
      size_t b, e;
      char *name = anyc__cx_str(clang_getCursorSpelling(vars.v[v]));
      if (vars.v[v].kind == CXCursor_VarDecl && anyc__is_one_of(name, names) &&
          clang_getCanonicalType(clang_getCursorType(vars.v[v])).kind == CXType_Int &&
          anyc__extent(vars.v[v], &file, &b, &e) == 0 && e <= before) {
        found = name;
        *var = vars.v[v];
      } else {
        free(name);
      }
    }
    free(vars.v);
  }
  free(k.v);
  return found;
}

/* A status variable the check at statement r->anc[si] (from b to its `;` at semi) may
 * store into: run's group status (the tool's own, or the user's declaration it took
 * over when that is dead here), or the function's own dead rc/ret/...; NULL if none. */
static char *usable_status(ctx *x, fn_info *f, const ref *r, size_t si, size_t b, size_t semi)
{
  if (f->needs_group && f->close_off && b >= f->close_off)
    return NULL; /* after the close, run's status carries the service's error (AS005) */
  if (f->needs_group)
    return clang_Cursor_isNull(f->rc_var) || anyc__var_dead_after(x, r, si, f->rc_var, semi)
             ? anyc__xstrdup(f->rc)
             : NULL;
  CXCursor var = clang_getNullCursor();
  char *have = existing_status(f, b, &var);
  if (have && !anyc__var_dead_after(x, r, si, var, semi)) {
    free(have);
    have = NULL;
  }
  return have;
}

/* The status variable for a check: a usable one, or an `int rc;` (a fresh name) added
 * at the top of the body for the rule's checks (once: identical edits merge). */
static char *status_var(ctx *x, fn_info *f, pend *p, const ref *r, size_t si, size_t b,
                        size_t semi)
{
  char *have = usable_status(x, f, r, si, b, semi);
  if (have)
    return have;
  if (!f->chk)
    f->chk = anyc__fresh(x, f, "rc");
  CXCursor body = anyc__fn_body(f->fn);
  CXFile file;
  size_t bb, be, n;
  if (anyc__extent(body, &file, &bb, &be) != 0)
    return NULL;
  const char *s = anyc__contents(x, file, &n);
  size_t nl = bb + 1;
  while (nl < n && s[nl] != '\n')
    nl++;
  char *ind = anyc__body_indent(x, body);
  char *u = anyc__xasprintf("%sint %s;\n", ind, f->chk);
  anyc__pedit(p, nl + 1, 0, u);
  free(u);
  free(ind);
  return anyc__xstrdup(f->chk);
}

/* Does the function's body open with `{` and a line break (so lines can be added)? */
static int multi_line_body(ctx *x, fn_info *f)
{
  CXFile file;
  size_t b, e, n;
  if (anyc__extent(anyc__fn_body(f->fn), &file, &b, &e) != 0)
    return 0;
  const char *s = anyc__contents(x, file, &n);
  size_t i = b + 1;
  while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
    i++;
  return i < n && s[i] == '\n';
}

/* A status the legacy code ignored where the code after it must still run (see
 * anyc__rest_skippable): the native call's status is kept ignored, visibly.  Replaces
 * the statement [b, semi); braced when it is not a statement of a compound, so that an
 * `else` after it keeps its `if`. */
void anyc__keep_ignored(pend *p, CXCursor par, size_t b, size_t semi, const char *newcall)
{
  char *t = anyc__xasprintf("%sif (%s < 0) { /* ignored, as before: what follows still "
                            "runs */ }%s",
                            par.kind == CXCursor_CompoundStmt ? "" : "{ ", newcall,
                            par.kind == CXCursor_CompoundStmt ? "" : " }");
  anyc__pedit(p, b, semi - b, t);
  free(t);
}

/* A checkpoint call whose status the legacy code ignored: check it, in the enclosing
 * function's terms (return it; close the group first in a run with a group or in a
 * background block).  -1: no checked form here (the call is only renamed); -2: none
 * that an expert would write (in a block with a group or scope of its own open, or a
 * block in a run): the site is left; -3: returning there would skip code the legacy
 * program ran after it (anyc__rest_skippable): the status stays ignored. */
static int checked_stmt(ctx *x, fn_info *f, pend *p, const ref *r, size_t ci,
                        const char *newcall)
{
  CXCursor call = r->anc[ci - 1];
  CXCursor par = anyc__stmt_parent(r, ci);
  size_t si = anyc__parent_index(r, ci - 1);
  CXFile file;
  size_t b, e, n;
  if (anyc__extent(call, &file, &b, &e) != 0)
    return -1;
  const char *s = anyc__contents(x, file, &n);
  if (!f || (!anyc__fn_returns_int(f->fn) && !anyc__fn_returns_void(f->fn)))
    return -1;
  size_t semi = anyc__after_semicolon(s, n, e);
  if (!semi)
    return -1;
  const block *bk = anyc__block_at(x, f, b);
  if (bk) {
    p->svc = 1; /* the check closes the block's group: it goes with the block */
    if (f->needs_group || anyc__opens_scope(s, bk->begin, b))
      return -2;
  }
  /* After run's close the code is run's cleanup, and run's status carries the service's
   * error (AS005): a cancelled checkpoint there returns nothing of its own. */
  if (!anyc__rest_skippable(x, r, si) || (f->needs_group && f->close_off && b >= f->close_off)) {
    anyc__keep_ignored(p, par, b, semi, newcall);
    return -3;
  }
  char *t;
  if (anyc__fn_returns_void(f->fn)) {
    if (par.kind == CXCursor_CompoundStmt) {
      t = anyc__xasprintf("if (%s < 0) return", newcall);
      anyc__pedit(p, b, e - b, t);
    } else {
      t = anyc__xasprintf("{ if (%s < 0) return; }", newcall);
      anyc__pedit(p, b, semi - b, t);
    }
    free(t);
    return 0;
  }
  /* On a line of its own in a multi-line body: two statements with the function's
   * status variable.  Otherwise (one-line bodies, statements sharing a line, braceless
   * if/else bodies): one braced statement with a variable of its own. */
  size_t z = semi;
  while (z < n && (s[z] == ' ' || s[z] == '\t' || s[z] == '\r'))
    z++;
  int own_line = par.kind == CXCursor_CompoundStmt &&
                 anyc__only_space(s, anyc__line_start(s, b), b) && (z >= n || s[z] == '\n') &&
                 multi_line_body(x, f);
  const char *decl = "";
  char *rc = usable_status(x, f, r, si, b, semi);
  if (!own_line && !rc) {
    rc = anyc__fresh(x, f, "rc"); /* a variable of its own */
    decl = "int ";
  } else if (!rc && !(rc = status_var(x, f, p, r, si, b, semi))) {
    return -1;
  }
  char *chk = check_text(f, rc, bk ? bk->tg : NULL, f->close_off && b >= f->close_off);
  if (own_line) {
    char *ind = anyc__indent_at(s, b);
    chk[strlen(chk) - 1] = '\0'; /* the statement's own ';' ends it */
    t = anyc__xasprintf("%s = %s;\n%s%s", rc, newcall, ind, chk);
    free(ind);
    anyc__pedit(p, b, e - b, t);
  } else {
    /* one braced statement */
    t = anyc__xasprintf("{ %s%s = %s; %s }", decl, rc, newcall, chk);
    anyc__pedit(p, b, semi - b, t);
  }
  free(t);
  free(chk);
  free(rc);
  return 0;
}

/* Replace a call's callee name, optionally appending text before its ')'. */
static int rename_call(ctx *x, pend *p, const ref *r, size_t ci, const char *newname,
                       const char *append)
{
  CXFile file;
  size_t b, e, n, off = p->s.offset;
  if (anyc__extent(r->anc[ci - 1], &file, &b, &e) != 0)
    return -1;
  const char *s = anyc__contents(x, file, &n);
  if (e == 0 || s[e - 1] != ')')
    return -1;
  anyc__pedit(p, off, strlen(r->name), newname);
  if (append)
    anyc__pedit(p, e - 1, 0, append);
  return 0;
}

/* The value of a constant numeric argument (`-1`, `0.5`, `-2 * 0.1`): 1 and *v, or 0. */
static int const_number(CXCursor a, double *v)
{
  CXEvalResult ev = clang_Cursor_Evaluate(a);
  if (!ev)
    return 0;
  CXEvalResultKind k = clang_EvalResult_getKind(ev);
  int ok = k == CXEval_Int || k == CXEval_Float;
  if (k == CXEval_Int)
    *v = clang_EvalResult_isUnsignedInt(ev) ? (double)clang_EvalResult_getAsUnsigned(ev)
                                            : (double)clang_EvalResult_getAsLongLong(ev);
  else if (k == CXEval_Float)
    *v = clang_EvalResult_getAsDouble(ev);
  clang_EvalResult_dispose(ev);
  return ok;
}

/* Is expression `e`, a child of `par`, part of a for statement's header (its init or
 * increment) rather than its body? */
static int in_for_header(CXCursor par, CXCursor e)
{
  if (par.kind != CXCursor_ForStmt)
    return 0;
  cursor_vec k = anyc__children(par);
  CXFile f;
  size_t bb, be, eb, ee;
  int header = k.n && anyc__extent(k.v[k.n - 1], &f, &bb, &be) == 0 &&
               anyc__extent(e, &f, &eb, &ee) == 0 && eb < bb;
  free(k.v);
  return header;
}

/* Is expression `e` the left operand of a comma operator `par`?  (libclang 14 does not
 * name a binary operator: the bytes between the two operands say.) */
static int comma_lhs(ctx *x, CXCursor par, CXCursor e)
{
  if (par.kind != CXCursor_BinaryOperator)
    return 0;
  cursor_vec k = anyc__children(par);
  CXFile f;
  size_t lb, le, rb, re, eb, ee, n;
  int lhs = k.n == 2 && anyc__extent(k.v[0], &f, &lb, &le) == 0 &&
            anyc__extent(k.v[1], &f, &rb, &re) == 0 && anyc__extent(e, &f, &eb, &ee) == 0 &&
            eb >= lb && ee <= le && le <= rb;
  free(k.v);
  if (!lhs)
    return 0;
  const char *s = anyc__contents(x, f, &n);
  int commas = 0, other = 0;
  for (size_t i = le; i < rb && i < n; i++)
    if (s[i] == ',')
      commas++;
    else if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r' && s[i] != ')')
      other++;
  return commas == 1 && !other;
}

/* The native call's text: `native(args)`, with the to_thread flag, and a negative
 * constant delay as 0 (zero_first). */
static char *native_call(ctx *x, const ref *r, size_t ci, const char *native, int zero_first)
{
  CXCursor args[3];
  int na = anyc__call_args(r->anc[ci - 1], args, 3);
  sbuf call = {0};
  anyc__sb_printf(&call, "%s(", native);
  for (int i = 0; i < na; i++) {
    char *a = i == 0 && zero_first ? anyc__xstrdup("0") : anyc__arg_text(x, args[i]);
    anyc__sb_printf(&call, "%s%s", i ? ", " : "", a);
    free(a);
  }
  anyc__sb_add(&call, strcmp(native, "anyc_to_thread") == 0 ? ", 0)" : ")");
  return call.s;
}

/* `(void)as_sleep(x);`: the legacy code discarded the status on purpose, but anyc's
 * checkpoints are warn_unused_result, which gcc does not let a (void) cast silence
 * (-Werror fails): the status stays ignored, visibly, in a form that uses it.  1 when
 * done. */
static int void_cast_stmt(ctx *x, pend *p, const ref *r, size_t ci, const char *native,
                          int zero_first)
{
  size_t pi = anyc__parent_index(r, ci - 1);
  CXCursor cast = pi ? r->anc[pi - 1] : clang_getNullCursor();
  if (cast.kind != CXCursor_CStyleCastExpr || clang_getCursorType(cast).kind != CXType_Void)
    return 0;
  size_t qi = anyc__parent_index(r, pi - 1);
  CXCursor par = qi ? r->anc[qi - 1] : clang_getNullCursor();
  if (in_for_header(par, cast))
    return 0;
  enum CXCursorKind k = par.kind;
  if (k != CXCursor_CompoundStmt && k != CXCursor_IfStmt && k != CXCursor_WhileStmt &&
      k != CXCursor_ForStmt && k != CXCursor_DoStmt && k != CXCursor_CaseStmt &&
      k != CXCursor_DefaultStmt && k != CXCursor_LabelStmt)
    return 0;
  CXFile file;
  size_t b, e, n;
  if (anyc__extent(cast, &file, &b, &e) != 0)
    return 0;
  const char *s = anyc__contents(x, file, &n);
  size_t semi = anyc__after_semicolon(s, n, e);
  if (!semi)
    return 0;
  char *call = native_call(x, r, ci, native, zero_first);
  anyc__keep_ignored(p, par, b, semi, call);
  free(call);
  anyc__set_reason(p, "the status the legacy code discarded with (void) stays ignored, in a "
                      "form that uses it: the native call is warn_unused_result, which a "
                      "(void) cast does not silence");
  return 1;
}

/* AS010 / AS011 / AS012: renames (and the to_thread flag). */
void anyc__rule_simple(ctx *x, const ref *r, size_t ci, fn_info *f)
{
  const char *rule = strcmp(r->name, "as_sleep") == 0       ? "AS010"
                     : strcmp(r->name, "as_to_thread") == 0 ? "AS011"
                                                            : "AS012";
  const char *native = rule[4] == '0' ? "anyc_sleep" : rule[4] == '1' ? "anyc_to_thread"
                                                                      : "anyc_run";
  pend *p = anyc__new_pend(x, r->cur, rule, r->name, 0);
  CXCursor par = anyc__stmt_parent(r, ci);
  int checkpoint = rule[4] != '2';
  /* a statement of its own: in a block, the body of an if or loop, or the statement a
   * case, default or goto label names (`case 1: as_sleep(d); break;`) */
  int ignored = par.kind == CXCursor_CompoundStmt || par.kind == CXCursor_IfStmt ||
                par.kind == CXCursor_WhileStmt || par.kind == CXCursor_ForStmt ||
                par.kind == CXCursor_DoStmt || par.kind == CXCursor_CaseStmt ||
                par.kind == CXCursor_DefaultStmt || par.kind == CXCursor_LabelStmt;
  CXCursor hnode = r->anc[ci - 1], hpar = par; /* the call, or its (void) cast */
  if (par.kind == CXCursor_CStyleCastExpr && clang_getCursorType(par).kind == CXType_Void) {
    size_t pi = anyc__parent_index(r, ci - 1), qi = pi ? anyc__parent_index(r, pi - 1) : 0;
    hnode = par;
    hpar = qi ? r->anc[qi - 1] : clang_getNullCursor();
  }
  if (checkpoint && p->s.cls != SC_MACRO_BODY && in_for_header(hpar, hnode)) {
    /* `for (as_sleep(0); ...; as_sleep(d))`: an expression whose status is discarded,
     * where no statement can check it (and anyc's checkpoints are warn_unused_result) */
    anyc__decline(p, "AS110", "%s in a for header discards its status, which the native "
                              "call must have used: move it into the loop's body", r->name);
    p->s.suggest = anyc__xstrdup(anyc__suggest_for(r->name));
    return;
  }
  if (checkpoint && p->s.cls != SC_MACRO_BODY && comma_lhs(x, hpar, hnode)) {
    /* `as_sleep(d), n++;`: the comma discards the status, as in a for header */
    anyc__decline(p, "AS110", "%s is the left operand of a comma, which discards its status "
                              "the native call must have used: make it a statement of its "
                              "own", r->name);
    p->s.suggest = anyc__xstrdup(anyc__suggest_for(r->name));
    return;
  }
  if (p->s.cls == SC_MACRO_BODY) {
    anyc__decline(p, "AS105", "%s comes from a macro body; rewrite the macro definition",
                  r->name);
    p->s.suggest = anyc__xstrdup(anyc__suggest_for(r->name));
    return;
  }
  /* as_sleep yields for a delay <= 0 (asyncio); anyc_sleep refuses a negative one
   * (-EINVAL): a negative constant becomes 0, the same checkpoint; any other delay keeps
   * its text and the site says what changed */
  CXCursor a0[1];
  int sleep = rule[4] == '0' && anyc__call_args(r->anc[ci - 1], a0, 1) == 1;
  double d = 0;
  int constant = sleep && const_number(a0[0], &d);
  int neg = constant && d < 0 && p->s.cls == SC_PLAIN;
  const char *meaning = !sleep || constant ? ""
                        : "; a negative delay now fails with -EINVAL where as_sleep yielded: "
                          "clamp it to 0 where it can be negative";
  if (checkpoint && p->s.cls == SC_PLAIN && void_cast_stmt(x, p, r, ci, native, neg)) {
    p->s.suggest = anyc__xstrdup(native);
    return;
  }
  if (checkpoint && ignored && p->s.cls != SC_MACRO_ARG) {
    /* status ignored: the native call is a checkpoint whose result must be used */
    char *call = native_call(x, r, ci, native, neg);
    int rc = checked_stmt(x, f, p, r, ci, call);
    free(call);
    if (rc == -3) {
      anyc__set_reason(p, "its status stays ignored: the legacy code ran on after it (cleanup), "
                          "and returning at a cancelled checkpoint would skip that");
      p->s.suggest = anyc__xstrdup(native);
      return;
    }
    if (rc == 0) {
      anyc__set_reason(p, "the status the legacy code ignored is now checked%s%s",
                       neg ? "; the negative delay becomes 0 (as_sleep only yielded)" : "",
                       meaning);
      p->s.suggest = anyc__xstrdup(native);
      return;
    }
    anyc__edits_free(&p->edits);
    if (rc == -2) {
      anyc__decline(p, "AS110",
                    "its status is ignored inside a background block where a group or scope of "
                    "the code's own is open: check it by hand");
      p->s.suggest = anyc__xstrdup(native);
      return;
    }
  }
  anyc__set_reason(p, "the same call in the native API%s%s",
                   neg ? "; the negative delay becomes 0 (as_sleep only yielded)" : "", meaning);
  CXFile af;
  size_t ab, ae;
  if (neg && anyc__extent(a0[0], &af, &ab, &ae) == 0)
    anyc__pedit(p, ab, ae - ab, "0");
  if (rename_call(x, p, r, ci, native, rule[4] == '1' ? ", 0" : NULL) != 0) {
    anyc__decline(p, p->s.cls == SC_MACRO_ARG ? "AS109" : "AS110",
                  "the call's text could not be located");
  } else if (rule[4] == '1') {
    anyc__set_reason(p,
                     "a cancelled caller still waits for the thread (no ANYC_ABANDON_ON_CANCEL)");
  }
  p->s.suggest = anyc__xstrdup(anyc__suggest_for(r->name));
}

/* AS013: as_wait_for(fn, arg, t) -> a fail_after scope around fn(arg). */
void anyc__rule_wait_for(ctx *x, const ref *r, size_t ci, fn_info *f)
{
  CXCursor call = r->anc[ci - 1], par = anyc__stmt_parent(r, ci), args[3];
  CXFile file;
  size_t b, e, n;
  const char *why = NULL;
  if (!f || anyc__call_args(call, args, 3) != 3 || anyc__extent(call, &file, &b, &e) != 0)
    why = "the call's form is not recognised";
  const char *s = why ? NULL : anyc__contents(x, file, &n);
  /* The statement holding the call, its target variable, and its kind. */
  char *target = NULL;
  CXCursor stmt = clang_getNullCursor();
  int kind = 0; /* 1 decl, 2 assignment, 3 return */
  size_t pi = anyc__parent_index(r, ci - 1);
  if (!why && par.kind == CXCursor_VarDecl && pi >= 2 &&
      r->anc[pi - 2].kind == CXCursor_DeclStmt) {
    stmt = r->anc[pi - 2];
    cursor_vec k = anyc__children(stmt);
    if (k.n == 1) {
      kind = 1;
      target = anyc__cx_str(clang_getCursorSpelling(par));
    }
    free(k.v);
  } else if (!why && par.kind == CXCursor_BinaryOperator && pi >= 2) {
    cursor_vec k = anyc__children(par);
    CXCursor lhs = k.n == 2 ? anyc__strip(k.v[0]) : clang_getNullCursor();
    free(k.v);
    char *op = anyc__text_of(x, par);
    if (lhs.kind == CXCursor_DeclRefExpr && r->anc[pi - 2].kind == CXCursor_CompoundStmt &&
        strchr(op, '=')) {
      kind = 2;
      stmt = par;
      target = anyc__cx_str(clang_getCursorSpelling(lhs));
    }
    free(op);
  } else if (!why && par.kind == CXCursor_ReturnStmt && pi >= 2 &&
             r->anc[pi - 2].kind == CXCursor_CompoundStmt) {
    kind = 3;
    stmt = par;
  }
  /* fn converted to as_task_fn with a cast: as_wait_for called it through the pointer
   * type it expects, but an inline `((T)fn)(arg)` is a call through a non-compatible
   * type (undefined behaviour; gcc warns) when fn really has another signature. */
  if (!why && anyc__strip(args[0]).kind == CXCursor_CStyleCastExpr)
    why = "fn is cast to as_task_fn: calling it inline would call it through a "
          "non-compatible type; wrap it in an anyc_fn, then migrate";
  if (!why && !kind) {
    /* the statement holding the call (a wrapper-free parent chain) and where it stands */
    size_t si = pi;
    while (si > 0 && r->anc[si - 1].kind != CXCursor_CompoundStmt &&
           !clang_isStatement(r->anc[si - 1].kind))
      si--;
    enum CXCursorKind sk = si > 0 ? r->anc[si - 1].kind : CXCursor_CompoundStmt;
    why = sk == CXCursor_IfStmt || sk == CXCursor_WhileStmt || sk == CXCursor_ForStmt ||
              sk == CXCursor_DoStmt || sk == CXCursor_CaseStmt || sk == CXCursor_DefaultStmt ||
              sk == CXCursor_LabelStmt
            ? "the statement is the braceless body of an if, loop or case: its scope needs "
              "statements of their own; add braces, then migrate"
            : "as_wait_for is not the whole initialiser, assignment or return of its statement";
  }
  pend *p;
  if (why) {
    anyc__left(x, r->cur, "AS110", r->name, 0, anyc__suggest_for(r->name), "%s", why);
    free(target);
    return;
  }
  p = anyc__new_pend(x, r->cur, "AS013", r->name, 0);
  if (p->s.cls != SC_PLAIN && p->s.cls != SC_HEADER) {
    anyc__decline(p, p->s.cls == SC_MACRO_BODY ? "AS105" : "AS109",
                  "as_wait_for inside a macro is rewritten by hand");
    p->s.suggest = anyc__xstrdup(anyc__suggest_for(r->name));
    free(target);
    return;
  }
  CXFile sf;
  size_t sb, se;
  anyc__extent(stmt, &sf, &sb, &se);
  char *ind = anyc__indent_at(s, sb);
  char *sc = anyc__fresh(x, f, "scope");
  /* a timeout <= 0 times out at once in as_wait_for (asyncio); anyc_fail_after refuses a
   * negative one (-EINVAL, fn never runs): a negative constant becomes 0 */
  double tv = 0;
  int tconst = const_number(args[2], &tv);
  char *fn = anyc__arg_text(x, args[0]), *arg = anyc__arg_text(x, args[1]),
       *t = tconst && tv < 0 ? anyc__xstrdup("0") : anyc__arg_text(x, args[2]);
  CXCursor fn0 = anyc__strip(args[0]);
  char *callee = fn0.kind == CXCursor_DeclRefExpr ? anyc__xstrdup(fn)
                                                  : anyc__xasprintf("(%s)", fn);
  char *rc = kind == 3 ? anyc__fresh(x, f, "rc") : target;
  char *unit = anyc__indent_unit(x, f);
  char *before, *repl;
  if (kind == 3) {
    before = anyc__xasprintf("%sanyc_scope %s;\n%sint %s = anyc_fail_after(&%s, %s);\n"
                             "%sif (%s == 0)\n%s%s%s = anyc_scope_close(&%s, %s(%s));\n",
                             ind, sc, ind, rc, sc, t, ind, rc, ind, unit, rc, sc, callee, arg);
    repl = anyc__xstrdup(rc);
  } else {
    before = anyc__xasprintf("%sanyc_scope %s;\n", ind, sc);
    repl = anyc__xasprintf("anyc_fail_after(&%s, %s);\n%sif (%s == 0)\n%s%s%s = "
                           "anyc_scope_close(&%s, %s(%s))",
                           sc, t, ind, rc, ind, unit, rc, sc, callee, arg);
  }
  free(unit);
  /* after the statement's `;`, only blanks and a comment on its line */
  size_t z = se, semi = anyc__after_semicolon(s, n, se);
  if (semi)
    z = semi;
  while (z < n && (s[z] == ' ' || s[z] == '\t' || s[z] == '\r'))
    z++;
  int alone_after = z >= n || s[z] == '\n' || (z + 1 < n && s[z] == '/' &&
                                                (s[z + 1] == '/' || s[z + 1] == '*'));
  if (!anyc__only_space(s, anyc__line_start(s, sb), sb) || !alone_after) {
    anyc__decline(p, "AS110", "the statement shares its line; rewrite by hand");
  } else {
    anyc__pedit(p, anyc__line_start(s, sb), 0, before);
    anyc__pedit(p, b, e - b, repl);
    anyc__set_reason(p, "fn(arg) now runs in the calling task inside a fail_after scope "
                  "(-ETIMEDOUT when the deadline caught it)%s",
                  tconst ? tv < 0 ? "; the negative timeout becomes 0 (as_wait_for timed out "
                                    "at once)" : ""
                         : "; a negative timeout now fails with -EINVAL before fn runs, where "
                           "as_wait_for timed out: clamp it to 0 where it can be negative");
  }
  p->s.suggest = anyc__xstrdup(anyc__suggest_for(r->name));
  free(before);
  free(repl);
  if (kind == 3)
    free(rc);
  free(ind);
  free(sc);
  free(fn);
  free(arg);
  free(t);
  free(callee);
  free(target);
}

/* AS006: as_is_running as a loop condition. */
void anyc__rule_is_running(ctx *x, const ref *r, size_t ci, fn_info *f)
{
  if (!is_loop_cond(r, ci)) {
    anyc__left(x, r->cur, "AS103", r->name, 1, anyc__suggest_for(r->name),
               "as_is_running read outside a loop condition");
    return;
  }
  /* Only a service's own tasks (obj->service.manager, self->manager) loop "until my
   * service is cancelled"; a loop on a manager variable watches another service from
   * outside (a background block's body), which !anyc_cancelled() would not mean. */
  CXCursor args[1];
  if (anyc__call_args(r->anc[ci - 1], args, 1) != 1 || !anyc__owner_manager(x, args[0], NULL)) {
    anyc__left(x, r->cur, "AS103", r->name, 1, "watch the other service through its group",
               "as_is_running on a manager variable watches another service");
    return;
  }
  /* ... and only inside the service: in its owner (a background block's body) the loop
   * waits for the service to end, which !anyc_cancelled() -- the owner's flag -- is not */
  const char *why = NULL;
  if (!anyc__in_service_task(x, f, args[0], &why)) {
    anyc__left(x, r->cur, "AS103", r->name, 1, "wait for the service's group to close",
               "as_is_running outside the service's own tasks (%s): !anyc_cancelled() would "
               "ask about this task, not the service", why);
    return;
  }
  CXFile file;
  size_t b, e;
  pend *p = anyc__new_pend(x, r->cur, "AS006", r->name, 1);
  p->s.suggest = anyc__xstrdup("!anyc_cancelled()");
  if (p->s.cls == SC_MACRO_BODY || anyc__extent(r->anc[ci - 1], &file, &b, &e) != 0) {
    anyc__decline(p, "AS105", "as_is_running comes from a macro body");
    return;
  }
  if (anyc__drop_manager_object(x, p, f, args[0]) != 0) {
    anyc__decline(p, "AS110", "the object the loop names the manager through would be left "
                              "unused; rewrite by hand");
    return;
  }
  anyc__pedit(p, b, e - b, "!anyc_cancelled()");
  anyc__set_reason(p, "the loop stops as soon as the task is cancelled (is_running stayed true "
                "while a cancelled service shut down)");
}
