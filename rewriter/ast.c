/* ast.c — what the rules read from libclang and from the parsed bytes: children of a
 * cursor, implicit wrappers skipped, extents as byte ranges, a statement's context (its
 * parent, the next statement, the call's arguments), the text and indentation around a
 * site, fresh names in a function, where a declaration is used, and small edits every
 * rule needs (deleting a statement, adding a standard #include).  No rule lives here
 * (sites.h lists what the rule files share). */
#include <stdlib.h>
#include <string.h>

#include <clang-c/Index.h>

#include "migrate.h"
#include "sites.h"

static enum CXChildVisitResult collect_child(CXCursor c, CXCursor parent, CXClientData d)
{
  (void)parent;
  cursor_vec *v = d;
  VEC_PUSH(*v, c);
  return CXChildVisit_Continue;
}

cursor_vec anyc__children(CXCursor c)
{
  cursor_vec v = {0};
  clang_visitChildren(c, collect_child, &v);
  return v;
}

/* Skip implicit wrappers (casts libclang shows as UnexposedExpr) and parentheses. */
CXCursor anyc__strip(CXCursor c)
{
  while (c.kind == CXCursor_UnexposedExpr || c.kind == CXCursor_ParenExpr) {
    cursor_vec k = anyc__children(c);
    if (k.n != 1) {
      free(k.v);
      break;
    }
    c = k.v[0];
    free(k.v);
  }
  return c;
}

char *anyc__cx_str(CXString s)
{
  const char *c = clang_getCString(s);
  char *d = anyc__xstrdup(c ? c : "");
  clang_disposeString(s);
  return d;
}

int anyc__file_is_legacy_header(CXFile f)
{
  if (!f)
    return 0;
  char *name = anyc__cx_str(clang_getFileName(f));
  const char *base = strrchr(name, '/');
  base = base ? base + 1 : name;
  int r = strcmp(base, "async_service.h") == 0;
  free(name);
  return r;
}

/* Is the declaration `c` refers to one of the legacy header's? */
int anyc__decl_is_legacy(CXCursor decl)
{
  if (clang_Cursor_isNull(decl))
    return 0;
  CXFile f;
  clang_getFileLocation(clang_getCursorLocation(decl), &f, NULL, NULL, NULL);
  return anyc__file_is_legacy_header(f);
}

/* Same AST node?  clang_equalCursors also compares how the cursor was reached (its
 * parent declaration), which differs between visits; kind and extent do not. */
int anyc__same_node(CXCursor a, CXCursor b)
{
  if (clang_Cursor_isNull(a) || clang_Cursor_isNull(b) || a.kind != b.kind)
    return 0;
  return clang_equalRanges(clang_getCursorExtent(a), clang_getCursorExtent(b));
}

const char *anyc__contents(ctx *x, CXFile f, size_t *size)
{
  size_t n = 0;
  const char *s = clang_getFileContents(x->tu, f, &n);
  if (size)
    *size = n;
  return s;
}

/* File range of a cursor's extent; 0 when both ends are in one file. */
int anyc__extent(CXCursor c, CXFile *f, size_t *b, size_t *e)
{
  CXSourceRange r = clang_getCursorExtent(c);
  CXFile f1, f2;
  unsigned o1, o2;
  clang_getFileLocation(clang_getRangeStart(r), &f1, NULL, NULL, &o1);
  clang_getFileLocation(clang_getRangeEnd(r), &f2, NULL, NULL, &o2);
  if (!f1 || !clang_File_isEqual(f1, f2) || o2 < o1)
    return -1;
  *f = f1;
  *b = o1;
  *e = o2;
  return 0;
}

char *anyc__text_of(ctx *x, CXCursor c)
{
  CXFile f;
  size_t b, e, n;
  if (anyc__extent(c, &f, &b, &e) != 0)
    return anyc__xstrdup("");
  const char *s = anyc__contents(x, f, &n);
  if (!s || e > n)
    return anyc__xstrdup("");
  return anyc__xstrndup(s + b, e - b);
}

int anyc__is_comma_expr(ctx *x, CXCursor c)
{
  c = anyc__strip(c);
  if (c.kind != CXCursor_BinaryOperator)
    return 0;
  cursor_vec k = anyc__children(c);
  CXFile f;
  size_t b, e, n;
  int comma = 0;
  if (k.n == 2 && anyc__extent(k.v[0], &f, &b, &e) == 0) {
    const char *s = anyc__contents(x, f, &n);
    while (s && e < n && (s[e] == ' ' || s[e] == '\t' || s[e] == '\n' || s[e] == '\r'))
      e++;
    comma = s && e < n && s[e] == ',';
  }
  free(k.v);
  return comma;
}

size_t anyc__line_start(const char *s, size_t off)
{
  while (off > 0 && s[off - 1] != '\n')
    off--;
  return off;
}

char *anyc__indent_at(const char *s, size_t off)
{
  size_t b = anyc__line_start(s, off), e = b;
  while (s[e] == ' ' || s[e] == '\t')
    e++;
  return anyc__xstrndup(s + b, e - b);
}

int anyc__only_space(const char *s, size_t b, size_t e)
{
  for (size_t i = b; i < e; i++)
    if (s[i] != ' ' && s[i] != '\t')
      return 0;
  return 1;
}

fn_info *anyc__fn_of(ctx *x, const ref *r)
{
  for (size_t i = r->depth; i-- > 0;)
    if (r->anc[i].kind == CXCursor_FunctionDecl) {
      for (size_t k = 0; k < x->fns.n; k++)
        if (clang_equalCursors(x->fns.v[k].fn, r->anc[i]))
          return &x->fns.v[k];
      return NULL;
    }
  return NULL;
}

static void fn_idents(ctx *x, fn_info *f)
{
  if (f->idents.n)
    return;
  CXToken *toks;
  unsigned n;
  clang_tokenize(x->tu, clang_getCursorExtent(f->fn), &toks, &n);
  for (unsigned i = 0; i < n; i++)
    if (clang_getTokenKind(toks[i]) == CXToken_Identifier)
      VEC_PUSH(f->idents, anyc__cx_str(clang_getTokenSpelling(x->tu, toks[i])));
  clang_disposeTokens(x->tu, toks, n);
  VEC_PUSH(f->idents, anyc__xstrdup("")); /* marks "done" for empty functions */
}

int anyc__name_used(fn_info *f, const char *s)
{
  for (size_t i = 0; i < f->idents.n; i++)
    if (strcmp(f->idents.v[i], s) == 0)
      return 1;
  for (size_t i = 0; i < f->taken.n; i++)
    if (strcmp(f->taken.v[i], s) == 0)
      return 1;
  return 0;
}

/* A name not used in the function: base, base2, base3, ... */
char *anyc__fresh(ctx *x, fn_info *f, const char *base)
{
  fn_idents(x, f);
  char *s = anyc__xstrdup(base);
  for (int i = 2; anyc__name_used(f, s); i++) {
    free(s);
    s = anyc__xasprintf("%s%d", base, i);
  }
  VEC_PUSH(f->taken, anyc__xstrdup(s));
  return s;
}

CXCursor anyc__fn_body(CXCursor fn)
{
  cursor_vec k = anyc__children(fn);
  CXCursor b = clang_getNullCursor();
  if (k.n && k.v[k.n - 1].kind == CXCursor_CompoundStmt)
    b = k.v[k.n - 1];
  free(k.v);
  return b;
}

/* Indentation of the body's statements (first statement's line), or two spaces. */
char *anyc__body_indent(ctx *x, CXCursor body)
{
  cursor_vec k = anyc__children(body);
  char *ind = NULL;
  if (k.n) {
    CXFile f;
    size_t b, e;
    if (anyc__extent(k.v[0], &f, &b, &e) == 0)
      ind = anyc__indent_at(anyc__contents(x, f, NULL), b);
  }
  free(k.v);
  return ind ? ind : anyc__xstrdup("  ");
}

/* One level of indentation in this function: its body's indentation minus the
 * function's own (two spaces when that tells nothing). */
char *anyc__indent_unit(ctx *x, fn_info *f)
{
  CXFile file;
  size_t b, e;
  char *unit = NULL;
  if (anyc__extent(f->fn, &file, &b, &e) == 0) {
    char *outer = anyc__indent_at(anyc__contents(x, file, NULL), b);
    char *inner = anyc__body_indent(x, anyc__fn_body(f->fn));
    size_t lo = strlen(outer);
    if (strlen(inner) > lo && strncmp(inner, outer, lo) == 0)
      unit = anyc__xstrdup(inner + lo);
    free(outer);
    free(inner);
  }
  return unit ? unit : anyc__xstrdup("  ");
}

/* The nearest ancestor that is not an implicit wrapper or parenthesis, and the index of
 * the child on the path to the call. */
size_t anyc__parent_index(const ref *r, size_t from)
{
  size_t i = from;
  while (i > 0 && (r->anc[i - 1].kind == CXCursor_UnexposedExpr ||
                   r->anc[i - 1].kind == CXCursor_ParenExpr))
    i--;
  return i; /* anc[i-1] is the parent; 0: none */
}

/* Position of the call among the ancestors (the CallExpr), or 0 if the reference is
 * not the callee of a call. */
size_t anyc__call_index(ctx *x, const ref *r)
{
  (void)x;
  size_t p = anyc__parent_index(r, r->depth);
  if (p == 0 || r->anc[p - 1].kind != CXCursor_CallExpr)
    return 0;
  CXCursor call = r->anc[p - 1];
  cursor_vec k = anyc__children(call);
  int callee = k.n && anyc__same_node(anyc__strip(k.v[0]), r->cur);
  if (!callee && k.n) {
    /* the callee sits under the implicit decay cast */
    CXCursor c0 = k.v[0];
    callee = anyc__same_node(anyc__strip(c0), r->cur) ||
             (r->depth >= p + 1 && anyc__same_node(r->anc[p], c0));
  }
  free(k.v);
  return callee ? p : 0;
}

/* The statement-level parent of a call: CompoundStmt (expression statement),
 * ReturnStmt, VarDecl, or something else.  *sib gets the siblings when in a compound. */
CXCursor anyc__stmt_parent(const ref *r, size_t ci)
{
  size_t p = anyc__parent_index(r, ci - 1);
  return p ? r->anc[p - 1] : clang_getNullCursor();
}

/* Next sibling of `c` within compound `comp`; null if last. */
CXCursor anyc__next_stmt(CXCursor comp, CXCursor c)
{
  cursor_vec k = anyc__children(comp);
  CXCursor n = clang_getNullCursor();
  for (size_t i = 0; i + 1 < k.n; i++)
    if (anyc__same_node(k.v[i], c))
      n = k.v[i + 1];
  free(k.v);
  return n;
}

int anyc__call_args(CXCursor call, CXCursor *args, int max)
{
  int n = clang_Cursor_getNumArguments(call);
  if (n < 0 || n > max)
    return -1;
  for (int i = 0; i < n; i++)
    args[i] = clang_Cursor_getArgument(call, (unsigned)i);
  return n;
}

/* The byte just after the ';' ending the statement whose expression ends at e. */
size_t anyc__after_semicolon(const char *s, size_t n, size_t e)
{
  size_t i = e;
  while (i < n && (s[i] == ' ' || s[i] == '\t'))
    i++;
  return i < n && s[i] == ';' ? i + 1 : 0;
}

/* Delete a statement [b, semi): its whole line if it stands alone there. */
void anyc__delete_stmt(pend *p, const char *s, size_t n, size_t b, size_t semi)
{
  size_t ls = anyc__line_start(s, b), e = semi;
  while (e < n && (s[e] == ' ' || s[e] == '\t' || s[e] == '\r'))
    e++;
  if (anyc__only_space(s, ls, b) && (e == n || s[e] == '\n'))
    anyc__pedit(p, ls, (e < n ? e + 1 : e) - ls, "");
  else
    anyc__pedit(p, b, e - b, "");
}

/* Does `e` (stripped) name run's object: run's parameter itself, or a local variable
 * initialised from it (`struct T *obj = (struct T *)self;`)? */
static int names_run_object(CXCursor e, const fn_info *run)
{
  e = anyc__strip(e);
  if (e.kind != CXCursor_DeclRefExpr)
    return 0;
  CXCursor d = clang_getCursorReferenced(e);
  if (clang_equalCursors(d, run->param))
    return 1;
  if (d.kind != CXCursor_VarDecl || clang_Cursor_hasVarDeclGlobalStorage(d))
    return 0;
  CXCursor init = anyc__strip(clang_Cursor_getVarDeclInitializer(d));
  if (init.kind == CXCursor_CStyleCastExpr) {
    cursor_vec k = anyc__children(init);
    init = k.n ? anyc__strip(k.v[k.n - 1]) : clang_getNullCursor();
    free(k.v);
  }
  return init.kind == CXCursor_DeclRefExpr &&
         clang_equalCursors(clang_getCursorReferenced(init), run->param);
}

/* Is the manager argument the service's own: `self->manager`, or `obj->service.manager`
 * / `obj.service.manager` on a variable (not a member of another object: that is
 * another service's manager)?  In a run (`run` non-null) the object must be run's own
 * (its parameter, or a variable initialised from it). */
int anyc__owner_manager(ctx *x, CXCursor arg, const fn_info *run)
{
  CXCursor a = anyc__strip(arg);
  if (a.kind != CXCursor_MemberRefExpr)
    return 0;
  CXCursor refd = clang_getCursorReferenced(a);
  char *name = anyc__cx_str(clang_getCursorSpelling(refd));
  int ok = anyc__decl_is_legacy(refd) && strcmp(name, "manager") == 0;
  free(name);
  (void)x;
  if (!ok)
    return 0;
  cursor_vec k = anyc__children(a);
  CXCursor base = k.n == 1 ? anyc__strip(k.v[0]) : clang_getNullCursor();
  free(k.v);
  if (base.kind == CXCursor_DeclRefExpr) /* self->manager */
    return !run || names_run_object(base, run);
  if (base.kind != CXCursor_MemberRefExpr ||
      !anyc__is_svc_type(clang_getCursorType(clang_getCursorReferenced(base))))
    return 0;
  k = anyc__children(base);
  CXCursor obj = k.n == 1 ? anyc__strip(k.v[0]) : clang_getNullCursor();
  free(k.v);
  return obj.kind == CXCursor_DeclRefExpr && (!run || names_run_object(obj, run));
}

typedef struct use_walk { CXCursor target; cursor_vec stack; VEC(fn_use) uses; } use_walk;

static enum CXChildVisitResult use_visit(CXCursor c, CXCursor parent, CXClientData d)
{
  (void)parent;
  use_walk *w = d;
  if (w->stack.n == 1 && anyc__in_system(c))
    return CXChildVisit_Continue;
  if (c.kind == CXCursor_DeclRefExpr &&
      clang_equalCursors(clang_getCanonicalCursor(clang_getCursorReferenced(c)), w->target)) {
    fn_use u = {clang_getNullCursor(), clang_getNullCursor(), clang_getNullCursor(), -1};
    for (size_t i = w->stack.n; i-- > 0;)
      if (w->stack.v[i].kind == CXCursor_FunctionDecl) {
        u.in_fn = w->stack.v[i];
        break;
      }
    size_t i = w->stack.n;
    while (i > 0 && (w->stack.v[i - 1].kind == CXCursor_UnexposedExpr ||
                     w->stack.v[i - 1].kind == CXCursor_ParenExpr))
      i--;
    if (i > 0)
      u.parent = w->stack.v[i - 1];
    if (i > 0 && w->stack.v[i - 1].kind == CXCursor_CallExpr) {
      u.call = w->stack.v[i - 1];
      CXCursor path = i < w->stack.n ? w->stack.v[i] : c;
      int na = clang_Cursor_getNumArguments(u.call);
      for (int k = 0; k < na; k++)
        if (anyc__same_node(clang_Cursor_getArgument(u.call, (unsigned)k), path))
          u.arg = k;
    }
    VEC_PUSH(w->uses, u);
  }
  VEC_PUSH(w->stack, c);
  clang_visitChildren(c, use_visit, w);
  w->stack.n--;
  return CXChildVisit_Continue;
}

/* Every use of declaration `fn` (a function or a variable) in this unit. */
fn_use *anyc__fn_uses(ctx *x, CXCursor fn, size_t *n)
{
  use_walk w = {clang_getCanonicalCursor(fn), {0}, {0}};
  CXCursor root = clang_getTranslationUnitCursor(x->tu);
  VEC_PUSH(w.stack, root);
  clang_visitChildren(root, use_visit, &w);
  free(w.stack.v);
  *n = w.uses.n;
  return w.uses.v;
}

/* The name of the function a call calls, when the runtime, the shim or the system
 * declares it (never a user function of the same name); else NULL. */
char *anyc__api_callee(CXCursor call)
{
  CXCursor callee = clang_getCursorReferenced(call);
  if (callee.kind != CXCursor_FunctionDecl || !anyc__in_system(callee))
    return NULL;
  return anyc__cx_str(clang_getCursorSpelling(callee));
}

int anyc__fn_returns_int(CXCursor fn)
{
  CXType t = clang_getCanonicalType(clang_getResultType(clang_getCursorType(fn)));
  return t.kind == CXType_Int;
}

int anyc__fn_returns_void(CXCursor fn)
{
  return clang_getResultType(clang_getCursorType(fn)).kind == CXType_Void;
}

/* s[0, n) with the legacy function type as_task_fn (a cast in an argument) spelled
 * anyc_fn, the same type (AS014): a rule that rebuilds a call from its arguments' text
 * carries that rename, which AS014 then does not make a second time. */
static int ident_char(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static char *renamed_types(const char *s, size_t n)
{
  static const char old[] = "as_task_fn";
  sbuf b = {0};
  anyc__sb_addn(&b, "", 0);
  for (size_t i = 0; i < n;) {
    if (s[i] == '"' || s[i] == '\'') { /* a literal: copied as is */
      size_t j = i + 1;
      while (j < n && s[j] != s[i])
        j += s[j] == '\\' ? 2 : 1;
      j = j < n ? j + 1 : n;
      anyc__sb_addn(&b, s + i, j - i);
      i = j;
    } else if (i + sizeof old - 1 <= n && memcmp(s + i, old, sizeof old - 1) == 0 &&
               (i == 0 || !ident_char(s[i - 1])) &&
               (i + sizeof old - 1 == n || !ident_char(s[i + sizeof old - 1]))) {
      anyc__sb_add(&b, "anyc_fn");
      i += sizeof old - 1;
    } else {
      anyc__sb_addn(&b, s + i, 1);
      i++;
    }
  }
  return b.s;
}

/* The text of a call with a new callee and arguments; rebuilt only from the argument
 * texts, so comments inside arguments survive. */
char *anyc__arg_text(ctx *x, CXCursor a)
{
  CXFile f;
  size_t b, e, n;
  if (anyc__extent(a, &f, &b, &e) != 0)
    return anyc__text_of(x, a);
  const char *s = anyc__contents(x, f, &n);
  /* Widen over the blanks and block comments that sit between this argument and its
   * '(' / ',' on the left and its ',' / ')' on the right: they belong to it. */
  for (;;) {
    size_t k = b;
    while (k > 0 && (s[k - 1] == ' ' || s[k - 1] == '\t' || s[k - 1] == '\n'))
      k--;
    if (k >= 2 && s[k - 1] == '/' && s[k - 2] == '*') {
      size_t j = k - 2;
      while (j >= 2 && !(s[j - 2] == '/' && s[j - 1] == '*'))
        j--;
      if (j < 2)
        break;
      b = j - 2;
      continue;
    }
    break;
  }
  for (;;) {
    size_t k = e;
    while (k < n && (s[k] == ' ' || s[k] == '\t' || s[k] == '\n'))
      k++;
    if (k + 1 < n && s[k] == '/' && s[k + 1] == '*') {
      const char *end = strstr(s + k + 2, "*/");
      if (!end)
        break;
      e = (size_t)(end - s) + 2;
      continue;
    }
    if (k + 1 < n && s[k] == '/' && s[k + 1] == '/') {
      while (k < n && s[k] != '\n')
        k++;
      e = k;
      continue;
    }
    break;
  }
  return renamed_types(s + b, e - b);
}

int anyc__ref_inside(const ref *r, CXCursor c)
{
  for (size_t i = 0; i < r->depth; i++)
    if (clang_equalCursors(r->anc[i], c))
      return 1;
  return 0;
}

/* Does statement c contain a call of the legacy API (a recorded reference)? */
int anyc__has_legacy_call(ctx *x, CXCursor c)
{
  for (size_t i = 0; i < x->refs.n; i++) {
    const ref *r = &x->refs.v[i];
    if (r->kind != R_FUNC)
      continue;
    for (size_t d = 0; d < r->depth; d++)
      if (anyc__same_node(r->anc[d], c))
        return 1;
  }
  return 0;
}

/* The legacy function a statement calls as a whole (`f(...);` or `x = f(...);`), or
 * NULL; *call gets the call. */
char *anyc__stmt_call(CXCursor stmt, CXCursor *call)
{
  CXCursor c = anyc__strip(stmt);
  if (c.kind == CXCursor_DeclStmt) { /* int rc = f(...); (one variable) */
    cursor_vec k = anyc__children(c);
    CXCursor init = k.n == 1 && k.v[0].kind == CXCursor_VarDecl
                        ? clang_Cursor_getVarDeclInitializer(k.v[0]) : clang_getNullCursor();
    free(k.v);
    c = clang_Cursor_isNull(init) ? init : anyc__strip(init);
  } else if (c.kind == CXCursor_BinaryOperator) {
    cursor_vec k = anyc__children(c);
    CXCursor rhs = k.n == 2 ? anyc__strip(k.v[1]) : clang_getNullCursor();
    free(k.v);
    c = rhs;
  }
  if (c.kind != CXCursor_CallExpr)
    return NULL;
  CXCursor callee = clang_getCursorReferenced(c);
  if (!anyc__decl_is_legacy(callee))
    return NULL;
  *call = c;
  return anyc__cx_str(clang_getCursorSpelling(callee));
}

/* The new code names something a standard header declares (INFINITY: <math.h>): an
 * expert includes it where the file does not.  The line goes among the file's
 * #include <...> lines, before the first that sorts after it (else after the last of
 * them, else before the first #include, else at the top). */
void anyc__need_header(ctx *x, pend *p, CXFile file, const char *hdr)
{
  size_t n, hl = strlen(hdr), none = (size_t)-1, at = none, after = none, first = none;
  const char *s = anyc__contents(x, file, &n);
  for (size_t ls = 0; s && ls < n;) {
    size_t le = ls, i = ls;
    while (le < n && s[le] != '\n')
      le++;
    while (i < le && (s[i] == ' ' || s[i] == '\t'))
      i++;
    if (i < le && s[i] == '#') {
      for (i++; i < le && (s[i] == ' ' || s[i] == '\t'); i++)
        ;
      if (le - i > 7 && strncmp(s + i, "include", 7) == 0) {
        for (i += 7; i < le && (s[i] == ' ' || s[i] == '\t'); i++)
          ;
        first = first == none ? ls : first;
        const char *q = i < le && s[i] == '<' ? memchr(s + i, '>', le - i) : NULL;
        if (q) {
          size_t nl = (size_t)(q - s) - i - 1;
          int cmp = strncmp(s + i + 1, hdr, nl < hl ? nl : hl);
          if (cmp == 0 && nl == hl)
            return; /* included already */
          if (at == none && (cmp > 0 || (cmp == 0 && nl > hl)))
            at = ls;
          after = le < n ? le + 1 : le;
        }
      }
    }
    ls = le + 1;
  }
  if (at == none)
    at = after != none ? after : first != none ? first : 0;
  char *t = anyc__xasprintf("#include <%s>\n", hdr);
  anyc__pedit(p, at, 0, t);
  free(t);
}

/* Text without blanks, so two spellings of one service (`&x . service`, `&x.service`)
 * compare equal. */
char *anyc__norm(const char *s)
{
  sbuf b = {0};
  for (; *s; s++)
    if (*s != ' ' && *s != '\t' && *s != '\n')
      anyc__sb_addn(&b, s, 1);
  return b.s ? b.s : anyc__xstrdup("");
}

/* The innermost compound statement around the call at r->anc[ci - 1]. */
CXCursor anyc__nearest_compound(const ref *r, size_t ci)
{
  for (size_t i = ci; i-- > 0;)
    if (r->anc[i].kind == CXCursor_CompoundStmt)
      return r->anc[i];
  return clang_getNullCursor();
}

/* The variable a statement-level call's value goes to: `int X = call;` (a declaration
 * of one variable) or `X = call;`, in a compound statement.  Returns the statement and
 * sets *var (malloc'd); null cursor otherwise. */
CXCursor anyc__value_stmt(ctx *x, const ref *r, size_t ci, char **var, int *is_decl)
{
  CXCursor par = anyc__stmt_parent(r, ci);
  size_t pi = anyc__parent_index(r, ci - 1);
  *var = NULL;
  if (par.kind == CXCursor_VarDecl && pi >= 2 && r->anc[pi - 2].kind == CXCursor_DeclStmt &&
      pi >= 3 && r->anc[pi - 3].kind == CXCursor_CompoundStmt) {
    cursor_vec k = anyc__children(r->anc[pi - 2]);
    size_t nk = k.n;
    free(k.v);
    if (nk == 1) {
      *var = anyc__cx_str(clang_getCursorSpelling(par));
      *is_decl = 1;
      return r->anc[pi - 2];
    }
  } else if (par.kind == CXCursor_BinaryOperator && pi >= 2 &&
             r->anc[pi - 2].kind == CXCursor_CompoundStmt) {
    cursor_vec k = anyc__children(par);
    CXCursor lhs = k.n == 2 ? anyc__strip(k.v[0]) : clang_getNullCursor();
    free(k.v);
    char *op = anyc__text_of(x, par);
    int assign = strchr(op, '=') != NULL;
    free(op);
    if (lhs.kind == CXCursor_DeclRefExpr && assign) {
      *var = anyc__cx_str(clang_getCursorSpelling(lhs));
      *is_decl = 0;
      return par;
    }
  }
  return clang_getNullCursor();
}

/* Does the text s[b, e) open a group or a scope (or a background block, which becomes a
 * group)?  A return between such an open and its close would skip the close. */
int anyc__opens_scope(const char *s, size_t b, size_t e)
{
  static const char *const opens[] = {"anyc_group_open", "anyc_scope_open", "anyc_move_on_",
                                      "anyc_fail_a", "as_background_service_enter"};
  for (size_t i = 0; i < sizeof opens / sizeof opens[0]; i++) {
    size_t k = strlen(opens[i]);
    for (size_t j = b; j + k <= e; j++)
      if (memcmp(s + j, opens[i], k) == 0)
        return 1;
  }
  return 0;
}

/* The background block of function f that offset off lies in, or NULL. */
const block *anyc__block_at(ctx *x, fn_info *f, size_t off)
{
  for (size_t i = 0; f && i < x->blocks.n; i++) {
    const block *k = &x->blocks.v[i];
    if (clang_equalCursors(k->fn, f->fn) && off >= k->begin && off < k->end)
      return k;
  }
  return NULL;
}
