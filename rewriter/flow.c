/* flow.c — what can run after a site, for the rules that add code there: whether a
 * variable is dead at a statement (so a rule may store a status in it), whether every
 * statement an added early return would skip is one the legacy program could skip too
 * (so checking an ignored status does not drop cleanup), and whether a label lets a
 * jump reach code past a given point (so run's group close cannot be bypassed).
 * The answers are conservative: "no" whenever the structure is not plainly understood;
 * the rules then use a fresh variable, keep the status ignored, or leave the site. */
#include <stdlib.h>
#include <string.h>

#include <clang-c/Index.h>

#include "migrate.h"
#include "sites.h"

typedef struct var_ref {
  size_t off;
  int write;             /* `var = ...;` as a statement of a compound */
  size_t wb, we;         /* that statement's extent */
  CXCursor comp;         /* and the compound it is a statement of */
  int addr;              /* &var */
} var_ref;

typedef struct flow_walk {
  ctx *x;
  CXCursor var;
  cursor_vec stack;
  VEC(var_ref) refs;
  VEC(size_t) jumps;     /* goto, break, continue, labels (jump targets) */
  int has_goto;
} flow_walk;

static int is_loop(enum CXCursorKind k)
{
  return k == CXCursor_WhileStmt || k == CXCursor_ForStmt || k == CXCursor_DoStmt;
}

static size_t begin_of(CXCursor c)
{
  CXFile f;
  size_t b = 0, e;
  anyc__extent(c, &f, &b, &e);
  return b;
}

/* The operator of a binary expression: the text between its operands. */
static char *binary_op(ctx *x, CXCursor bin)
{
  cursor_vec k = anyc__children(bin);
  CXFile f;
  size_t lb, le, rb, re, n;
  char *op = NULL;
  if (k.n == 2 && anyc__extent(k.v[0], &f, &lb, &le) == 0 &&
      anyc__extent(k.v[1], &f, &rb, &re) == 0 && le <= rb) {
    const char *s = anyc__contents(x, f, &n);
    while (le < rb && (s[le] == ' ' || s[le] == '\t' || s[le] == '\n' || s[le] == '\r'))
      le++;
    while (rb > le && (s[rb - 1] == ' ' || s[rb - 1] == '\t' || s[rb - 1] == '\n' ||
                       s[rb - 1] == '\r'))
      rb--;
    op = anyc__xstrndup(s + le, rb - le);
  }
  free(k.v);
  return op ? op : anyc__xstrdup("");
}

static enum CXChildVisitResult flow_visit(CXCursor c, CXCursor parent, CXClientData d)
{
  (void)parent;
  flow_walk *w = d;
  switch (c.kind) {
  case CXCursor_GotoStmt:
  case CXCursor_IndirectGotoStmt:
    w->has_goto = 1;
    /* fall through */
  case CXCursor_BreakStmt:
  case CXCursor_ContinueStmt:
  case CXCursor_LabelStmt:
    VEC_PUSH(w->jumps, begin_of(c));
    break;
  default:
    break;
  }
  if (c.kind == CXCursor_DeclRefExpr &&
      clang_equalCursors(clang_getCanonicalCursor(clang_getCursorReferenced(c)), w->var)) {
    var_ref v = {0};
    v.off = begin_of(c);
    size_t i = w->stack.n;
    while (i > 0 && (w->stack.v[i - 1].kind == CXCursor_UnexposedExpr ||
                     w->stack.v[i - 1].kind == CXCursor_ParenExpr))
      i--;
    CXCursor par = i > 0 ? w->stack.v[i - 1] : clang_getNullCursor();
    if (par.kind == CXCursor_UnaryOperator) {
      char *t = anyc__text_of(w->x, par);
      v.addr = t[0] == '&';
      free(t);
    } else if (par.kind == CXCursor_BinaryOperator && i >= 2 &&
               w->stack.v[i - 2].kind == CXCursor_CompoundStmt &&
               begin_of(par) == v.off) {
      char *op = binary_op(w->x, par);
      CXFile f;
      if (strcmp(op, "=") == 0 && anyc__extent(par, &f, &v.wb, &v.we) == 0) {
        v.write = 1;
        v.comp = w->stack.v[i - 2];
      }
      free(op);
    }
    VEC_PUSH(w->refs, v);
  }
  VEC_PUSH(w->stack, c);
  clang_visitChildren(c, flow_visit, w);
  w->stack.n--;
  return CXChildVisit_Continue;
}

static void flow_scan(ctx *x, CXCursor body, CXCursor var, flow_walk *w)
{
  memset(w, 0, sizeof *w);
  w->x = x;
  w->var = clang_getCanonicalCursor(var);
  VEC_PUSH(w->stack, body);
  clang_visitChildren(body, flow_visit, w);
}

static void flow_free(flow_walk *w)
{
  free(w->stack.v);
  free(w->refs.v);
  free(w->jumps.v);
}

static int inside(CXCursor c, size_t off)
{
  CXFile f;
  size_t b, e;
  return anyc__extent(c, &f, &b, &e) == 0 && off >= b && off < e;
}

/* Is local variable `var` dead after the statement r->anc[si] (ending at `from`): is its
 * next use on every path from there a plain `var = ...;`, or none at all?  Jumps
 * (goto, break, continue, labels) between the two, a loop around the statement that
 * the write is not in, or the variable's address taken: not provably dead. */
int anyc__var_dead_after(ctx *x, const ref *r, size_t si, CXCursor var, size_t from)
{
  if (var.kind != CXCursor_VarDecl || clang_Cursor_hasVarDeclGlobalStorage(var))
    return 0;
  size_t fi = si;
  while (fi > 0 && r->anc[fi].kind != CXCursor_FunctionDecl)
    fi--;
  CXCursor body = anyc__fn_body(r->anc[fi]);
  flow_walk w;
  flow_scan(x, body, var, &w);
  int dead = 1;
  var_ref *next = NULL;
  for (size_t i = 0; i < w.refs.n; i++) {
    dead &= !w.refs.v[i].addr;
    if (!next && w.refs.v[i].off >= from)
      next = &w.refs.v[i];
  }
  if (dead && !next) {
    /* no use after it in the text: dead unless a loop or a goto leads back to one */
    dead = !w.has_goto;
    for (size_t a = fi + 1; dead && a < si; a++)
      for (size_t i = 0; is_loop(r->anc[a].kind) && i < w.refs.n; i++)
        dead &= !inside(r->anc[a], w.refs.v[i].off);
  } else if (dead) {
    dead = next->write;
    for (size_t i = 0; dead && i < w.refs.n; i++) /* `var = f(var);` reads it */
      dead = &w.refs.v[i] == next || w.refs.v[i].off < next->wb || w.refs.v[i].off >= next->we;
    for (size_t i = 0; dead && i < w.jumps.n; i++)
      dead = w.jumps.v[i] < from || w.jumps.v[i] >= next->off;
    /* the write's compound encloses the statement, with no loop between them */
    size_t ca = 0;
    for (size_t a = fi + 1; dead && a <= si; a++)
      if (anyc__same_node(r->anc[a], next->comp))
        ca = a;
    dead = dead && ca;
    for (size_t a = ca + 1; dead && a < si; a++)
      dead = !is_loop(r->anc[a].kind);
  }
  flow_free(&w);
  return dead;
}

/* Could the code an early return would skip be skipped with no visible difference:
 * statements without side effects of their own (returns of plain values, checks and
 * switches on them, breaks) and calls of the legacy API (the checkpoints and schedulings
 * the rewrite handles; after a cancellation they return at once)? */
typedef struct effects { ctx *x; int bad; } effects;

static int legacy_call(CXCursor c)
{
  return c.kind == CXCursor_CallExpr && anyc__decl_is_legacy(clang_getCursorReferenced(c));
}

static enum CXChildVisitResult effect_visit(CXCursor c, CXCursor parent, CXClientData d)
{
  (void)parent;
  effects *e = d;
  if (c.kind == CXCursor_CallExpr && !legacy_call(c)) {
    e->bad = 1;
  } else if (c.kind == CXCursor_UnaryOperator) {
    char *t = anyc__text_of(e->x, c);
    size_t n = strlen(t);
    e->bad |= strncmp(t, "++", 2) == 0 || strncmp(t, "--", 2) == 0 ||
              (n >= 2 && (strcmp(t + n - 2, "++") == 0 || strcmp(t + n - 2, "--") == 0));
    free(t);
  } else if (c.kind == CXCursor_BinaryOperator || c.kind == CXCursor_CompoundAssignOperator) {
    char *op = binary_op(e->x, c);
    size_t n = strlen(op);
    e->bad |= n && op[n - 1] == '=' && strcmp(op, "==") && strcmp(op, "!=") &&
              strcmp(op, "<=") && strcmp(op, ">=");
    free(op);
  } else if (c.kind == CXCursor_StmtExpr || c.kind == CXCursor_AsmStmt) {
    e->bad = 1;
  }
  return e->bad ? CXChildVisit_Break : CXChildVisit_Recurse;
}

int anyc__no_effects(ctx *x, CXCursor c)
{
  effects e = {x, 0};
  if (c.kind == CXCursor_CallExpr && !legacy_call(c))
    return 0;
  clang_visitChildren(c, effect_visit, &e);
  return !e.bad;
}

static int skippable(ctx *x, CXCursor c)
{
  cursor_vec k = anyc__children(c);
  int ok = 0;
  switch (c.kind) {
  case CXCursor_NullStmt:
  case CXCursor_BreakStmt: /* to the code after its loop or switch, which is judged too */
    ok = 1;
    break;
  case CXCursor_SwitchStmt:
    ok = k.n == 2 && anyc__no_effects(x, k.v[0]) && skippable(x, k.v[1]);
    break;
  case CXCursor_CaseStmt:
  case CXCursor_DefaultStmt:
  case CXCursor_CompoundStmt:
    ok = 1;
    for (size_t i = 0; ok && i < k.n; i++)
      ok = skippable(x, k.v[i]);
    break;
  case CXCursor_IfStmt:
    ok = k.n >= 2 && anyc__no_effects(x, k.v[0]);
    for (size_t i = 1; ok && i < k.n; i++)
      ok = skippable(x, k.v[i]);
    break;
  case CXCursor_ReturnStmt:
    ok = k.n == 0 || anyc__no_effects(x, k.v[0]);
    break;
  case CXCursor_DeclStmt:
    ok = 1;
    for (size_t i = 0; ok && i < k.n; i++) {
      CXCursor init = clang_Cursor_getVarDeclInitializer(k.v[i]);
      ok = clang_Cursor_isNull(init) || legacy_call(anyc__strip(init)) || anyc__no_effects(x, init);
    }
    break;
  default:
    if (clang_isExpression(c.kind)) {
      CXCursor e = anyc__strip(c);
      char *op = e.kind == CXCursor_BinaryOperator ? binary_op(x, e) : NULL;
      if (op && strcmp(op, "=") == 0) {
        /* var = legacy_call(...); */
        cursor_vec ek = anyc__children(e);
        ok = ek.n == 2 &&
             anyc__strip(ek.v[0]).kind == CXCursor_DeclRefExpr &&
             legacy_call(anyc__strip(ek.v[1]));
        free(ek.v);
      } else {
        ok = legacy_call(e) || anyc__no_effects(x, e);
      }
      free(op);
    }
    break;
  }
  free(k.v);
  return ok;
}

/* A loop the legacy code leaves once its task is cancelled: its condition asks whether
 * the service still runs (as_is_running, or its native form). */
static int loop_ends_on_cancel(ctx *x, CXCursor loop)
{
  cursor_vec k = anyc__children(loop);
  int ok = 0;
  if (loop.kind != CXCursor_ForStmt && k.n == 2) {
    char *t = anyc__text_of(x, k.v[loop.kind == CXCursor_DoStmt ? 1 : 0]);
    ok = strstr(t, "as_is_running") || strstr(t, "anyc_cancelled");
    free(t);
  }
  free(k.v);
  return ok;
}

/* Would an early return right after statement r->anc[si] skip only code the legacy
 * program could skip as well (see skippable; a `break` leaves its loop or switch, a
 * loop that ends on cancellation is left)?  Then a cancelled checkpoint may return
 * there; otherwise the legacy program ran that code, and the rewrite must too. */
int anyc__rest_skippable(ctx *x, const ref *r, size_t si)
{
  int leaving = 0; /* a break was met: the rest of the loop or switch does not run */
  for (size_t a = si; a-- > 0;) {
    CXCursor par = r->anc[a], child = r->anc[a + 1];
    if (par.kind == CXCursor_FunctionDecl)
      return 1;
    if (par.kind == CXCursor_CompoundStmt) {
      if (leaving)
        continue;
      cursor_vec k = anyc__children(par);
      int after = 0, ok = 1;
      for (size_t i = 0; ok && !leaving && i < k.n; i++) {
        if (after && k.v[i].kind == CXCursor_BreakStmt)
          leaving = 1;
        else if (after)
          ok = skippable(x, k.v[i]);
        after |= anyc__same_node(k.v[i], child);
      }
      free(k.v);
      if (!ok)
        return 0;
    } else if (is_loop(par.kind) || par.kind == CXCursor_SwitchStmt) {
      if (leaving)
        leaving = 0; /* the break lands after it */
      else if (par.kind != CXCursor_SwitchStmt && !loop_ends_on_cancel(x, par))
        return 0;
    } else if (par.kind != CXCursor_IfStmt && par.kind != CXCursor_CaseStmt &&
               par.kind != CXCursor_DefaultStmt && par.kind != CXCursor_LabelStmt) {
      return 0;
    }
  }
  return 0;
}

/* Does `body` hold a goto (one that could jump past a statement a rule relies on)? */
int anyc__has_goto(ctx *x, CXCursor body)
{
  flow_walk w;
  flow_scan(x, body, clang_getNullCursor(), &w);
  int found = w.has_goto;
  flow_free(&w);
  return found;
}

/* Are all the uses of variable `var` in `body` inside [b, e)? */
int anyc__uses_within(ctx *x, CXCursor body, CXCursor var, size_t b, size_t e)
{
  flow_walk w;
  flow_scan(x, body, var, &w);
  int in = 1;
  for (size_t i = 0; i < w.refs.n; i++)
    in &= w.refs.v[i].off >= b && w.refs.v[i].off < e;
  flow_free(&w);
  return in;
}
