/* sites.c — finding the legacy sites of one translation unit and turning the ones a
 * rule can rewrite into byte edits.
 *
 * One walk over the AST records every reference to the legacy API (calls, function
 * pointers, its types, its struct members, its macros, the #include), each with its
 * ancestor chain.  Each reference is classified (plain, macro argument, macro body,
 * header, inactive #if) from file vs expansion locations (never getSpellingLocation,
 * which is the file location before LLVM 19), then handed to its rule.  Rules produce
 * "pending" sites with their edits.  The service pattern is all-or-nothing per
 * translation unit: if any site touching a service (its struct, run, manager) has to be
 * left, every service rewrite of the unit is left too (AS107), because a half-migrated
 * service (its struct plain, a task still scheduling through the manager) would break
 * at run time while compiling fine.
 *
 * Inserted code follows the spec's worked example: every checkpoint's status checked,
 * every group and scope closed with the body's status. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <clang-c/Index.h>

#include "migrate.h"

/* ---- small libclang helpers ------------------------------------------------------- */

typedef VEC(CXCursor) cursor_vec;

static enum CXChildVisitResult collect_child(CXCursor c, CXCursor parent, CXClientData d)
{
  (void)parent;
  cursor_vec *v = d;
  VEC_PUSH(*v, c);
  return CXChildVisit_Continue;
}

static cursor_vec children(CXCursor c)
{
  cursor_vec v = {0};
  clang_visitChildren(c, collect_child, &v);
  return v;
}

/* Skip implicit wrappers (casts libclang shows as UnexposedExpr) and parentheses. */
static CXCursor strip(CXCursor c)
{
  while (c.kind == CXCursor_UnexposedExpr || c.kind == CXCursor_ParenExpr) {
    cursor_vec k = children(c);
    if (k.n != 1) {
      free(k.v);
      break;
    }
    c = k.v[0];
    free(k.v);
  }
  return c;
}

static char *cx_str(CXString s)
{
  const char *c = clang_getCString(s);
  char *d = anyc__xstrdup(c ? c : "");
  clang_disposeString(s);
  return d;
}

static int file_is_legacy_header(CXFile f)
{
  if (!f)
    return 0;
  char *name = cx_str(clang_getFileName(f));
  const char *base = strrchr(name, '/');
  base = base ? base + 1 : name;
  int r = strcmp(base, "async_service.h") == 0;
  free(name);
  return r;
}

/* Is the declaration `c` refers to one of the legacy header's? */
static int decl_is_legacy(CXCursor decl)
{
  if (clang_Cursor_isNull(decl))
    return 0;
  CXFile f;
  clang_getFileLocation(clang_getCursorLocation(decl), &f, NULL, NULL, NULL);
  return file_is_legacy_header(f);
}

/* ---- the walk ---------------------------------------------------------------------- */

enum ref_kind { R_FUNC, R_TYPE, R_MEMBER, R_SVCFIELD, R_MACRO, R_INCLUDE, R_PARAMREF, R_MGRVAR };

typedef struct ref {
  enum ref_kind kind;
  CXCursor cur;
  CXCursor *anc; /* ancestors, outermost first */
  size_t depth;
  char *name;    /* the legacy name */
} ref;

typedef struct fn_info {
  CXCursor fn, body, param;
  char *param_name;
  int is_run;
  int needs_group, failed;
  char *tg, *rc, *arg;   /* names used in the rewrite */
  VEC(char *) idents;    /* every identifier of the function, for fresh names */
  VEC(char *) taken;
  char *indent;          /* of the body's statements */
  CXType obj_type;       /* T of run's `(T *)self` cast */
  int has_obj_type;
  size_t close_off;      /* end of the statement that closes the group (0: none) */
  size_t close_begin;
} fn_info;

typedef struct pend {
  CXFile file;
  site s;
  edit_vec edits;
  int svc;   /* part of a service: all-or-nothing */
} pend;

typedef struct ctx {
  CXTranslationUnit tu;
  const options *o;
  const file_table *t;
  tu_result *res;
  CXFile main_file;
  cursor_vec stack;
  VEC(ref) refs;
  VEC(fn_info) fns;
  VEC(pend) pends;
  cursor_vec svcfields;   /* FieldDecls of type as_service */
  cursor_vec handled;     /* references and declarations a rule already took care of */
} ctx;

static int in_system(CXCursor c)
{
  CXSourceLocation l = clang_getCursorLocation(c);
  if (clang_Location_isInSystemHeader(l))
    return 1;
  CXFile f;
  clang_getExpansionLocation(l, &f, NULL, NULL, NULL);
  if (!f)
    return 1;
  if (file_is_legacy_header(f))
    return 1;
  char *name = cx_str(clang_getFileName(f));
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

static int is_svc_type(CXType t)
{
  t = clang_getCanonicalType(t);
  if (t.kind != CXType_Record || !decl_is_legacy(clang_getTypeDeclaration(t)))
    return 0;
  char *name = cx_str(clang_getTypeSpelling(t));
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
  if (t.kind != CXType_Record || !decl_is_legacy(clang_getTypeDeclaration(t)))
    return 0;
  char *name = cx_str(clang_getTypeSpelling(t));
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
  if (x->stack.n == 1 && in_system(c))
    return CXChildVisit_Continue;
  CXCursor refd = clang_getCursorReferenced(c);
  switch (c.kind) {
  case CXCursor_DeclRefExpr:
    if (refd.kind == CXCursor_FunctionDecl && decl_is_legacy(refd))
      add_ref(x, R_FUNC, c, cx_str(clang_getCursorSpelling(refd)));
    else if (refd.kind == CXCursor_ParmDecl)
      add_ref(x, R_PARAMREF, c, anyc__xstrdup(""));
    if ((refd.kind == CXCursor_VarDecl || refd.kind == CXCursor_ParmDecl) &&
        is_manager_ptr(clang_getCursorType(refd)))
      add_ref(x, R_MGRVAR, c, cx_str(clang_getCursorSpelling(refd)));
    break;
  case CXCursor_TypeRef:
    if (decl_is_legacy(refd))
      add_ref(x, R_TYPE, c, cx_str(clang_getCursorSpelling(refd)));
    break;
  case CXCursor_MemberRef: /* a designator: { .service = ... } names the field */
    if (refd.kind == CXCursor_FieldDecl && is_svc_type(clang_getCursorType(refd)))
      add_ref(x, R_SVCFIELD, c, cx_str(clang_getCursorSpelling(refd)));
    break;
  case CXCursor_MemberRefExpr:
    if (decl_is_legacy(refd))
      add_ref(x, R_MEMBER, c, cx_str(clang_getCursorSpelling(refd)));
    else if (refd.kind == CXCursor_FieldDecl && is_svc_type(clang_getCursorType(refd)))
      add_ref(x, R_SVCFIELD, c, cx_str(clang_getCursorSpelling(refd)));
    break;
  case CXCursor_MacroExpansion:
    if (decl_is_legacy(refd))
      add_ref(x, R_MACRO, c, cx_str(clang_getCursorSpelling(c)));
    break;
  case CXCursor_InclusionDirective: {
    CXFile inc = clang_getIncludedFile(c);
    if (file_is_legacy_header(inc))
      add_ref(x, R_INCLUDE, c, anyc__xstrdup("async_service.h"));
    break;
  }
  case CXCursor_FieldDecl:
    if (is_svc_type(clang_getCursorType(c)))
      VEC_PUSH(x->svcfields, c);
    break;
  case CXCursor_FunctionDecl:
    if (clang_isCursorDefinition(c)) {
      fn_info f = {0};
      f.fn = c;
      VEC_PUSH(x->fns, f);
    }
    break;
  default:
    break;
  }
  walk(x, c);
  return CXChildVisit_Continue;
}

/* Same AST node?  clang_equalCursors also compares how the cursor was reached (its
 * parent declaration), which differs between visits; kind and extent do not. */
static int same_node(CXCursor a, CXCursor b)
{
  if (clang_Cursor_isNull(a) || clang_Cursor_isNull(b) || a.kind != b.kind)
    return 0;
  return clang_equalRanges(clang_getCursorExtent(a), clang_getCursorExtent(b));
}

/* ---- locations and text ------------------------------------------------------------ */

static const char *contents(ctx *x, CXFile f, size_t *size)
{
  size_t n = 0;
  const char *s = clang_getFileContents(x->tu, f, &n);
  if (size)
    *size = n;
  return s;
}

/* File range of a cursor's extent; 0 when both ends are in one file. */
static int extent(CXCursor c, CXFile *f, size_t *b, size_t *e)
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

static char *text_of(ctx *x, CXCursor c)
{
  CXFile f;
  size_t b, e, n;
  if (extent(c, &f, &b, &e) != 0)
    return anyc__xstrdup("");
  const char *s = contents(x, f, &n);
  if (!s || e > n)
    return anyc__xstrdup("");
  return anyc__xstrndup(s + b, e - b);
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
  const char *s = ff ? contents(x, ff, &n) : NULL;
  int spelled = s && name && fo + strlen(name) <= n && strncmp(s + fo, name, strlen(name)) == 0;
  if (ff && xf && clang_File_isEqual(ff, xf) && fo == xo) {
    if (!spelled && name && *name)
      return SC_MACRO_BODY;
    return clang_File_isEqual(ff, x->main_file) ? SC_PLAIN : SC_HEADER;
  }
  return spelled ? SC_MACRO_ARG : SC_MACRO_BODY;
}

static size_t line_start(const char *s, size_t off)
{
  while (off > 0 && s[off - 1] != '\n')
    off--;
  return off;
}

static char *indent_at(const char *s, size_t off)
{
  size_t b = line_start(s, off), e = b;
  while (s[e] == ' ' || s[e] == '\t')
    e++;
  return anyc__xstrndup(s + b, e - b);
}

static int only_space(const char *s, size_t b, size_t e)
{
  for (size_t i = b; i < e; i++)
    if (s[i] != ' ' && s[i] != '\t')
      return 0;
  return 1;
}

/* ---- pending sites ---------------------------------------------------------------- */

static pend *new_pend(ctx *x, CXCursor c, const char *rule, const char *what, int svc)
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

static void set_reason(pend *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_reason(pend *p, const char *fmt, ...)
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

static pend *left(ctx *x, CXCursor c, const char *rule, const char *what, int svc,
                  const char *suggest, const char *fmt, ...)
  __attribute__((format(printf, 7, 8)));
static pend *left(ctx *x, CXCursor c, const char *rule, const char *what, int svc,
                  const char *suggest, const char *fmt, ...)
{
  pend *p = new_pend(x, c, rule, what, svc);
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

static void pedit(pend *p, size_t off, size_t len, const char *text)
{
  edit e = {off, len, anyc__xstrdup(text)};
  VEC_PUSH(p->edits, e);
}

/* ---- functions: fresh names, status variables --------------------------------------- */

static fn_info *fn_of(ctx *x, const ref *r)
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
      VEC_PUSH(f->idents, cx_str(clang_getTokenSpelling(x->tu, toks[i])));
  clang_disposeTokens(x->tu, toks, n);
  VEC_PUSH(f->idents, anyc__xstrdup("")); /* marks "done" for empty functions */
}

static int name_used(fn_info *f, const char *s)
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
static char *fresh(ctx *x, fn_info *f, const char *base)
{
  fn_idents(x, f);
  char *s = anyc__xstrdup(base);
  for (int i = 2; name_used(f, s); i++) {
    free(s);
    s = anyc__xasprintf("%s%d", base, i);
  }
  VEC_PUSH(f->taken, anyc__xstrdup(s));
  return s;
}

static CXCursor fn_body(CXCursor fn)
{
  cursor_vec k = children(fn);
  CXCursor b = clang_getNullCursor();
  if (k.n && k.v[k.n - 1].kind == CXCursor_CompoundStmt)
    b = k.v[k.n - 1];
  free(k.v);
  return b;
}

/* Indentation of the body's statements (first statement's line), or two spaces. */
static char *body_indent(ctx *x, CXCursor body)
{
  cursor_vec k = children(body);
  char *ind = NULL;
  if (k.n) {
    CXFile f;
    size_t b, e;
    if (extent(k.v[0], &f, &b, &e) == 0)
      ind = indent_at(contents(x, f, NULL), b);
  }
  free(k.v);
  return ind ? ind : anyc__xstrdup("  ");
}

/* One level of indentation in this function: its body's indentation minus the
 * function's own (two spaces when that tells nothing). */
static char *indent_unit(ctx *x, fn_info *f)
{
  CXFile file;
  size_t b, e;
  char *unit = NULL;
  if (extent(f->fn, &file, &b, &e) == 0) {
    char *outer = indent_at(contents(x, file, NULL), b);
    char *inner = body_indent(x, fn_body(f->fn));
    size_t lo = strlen(outer);
    if (strlen(inner) > lo && strncmp(inner, outer, lo) == 0)
      unit = anyc__xstrdup(inner + lo);
    free(outer);
    free(inner);
  }
  return unit ? unit : anyc__xstrdup("  ");
}

/* ---- statement context of a call -------------------------------------------------- */

/* The nearest ancestor that is not an implicit wrapper or parenthesis, and the index of
 * the child on the path to the call. */
static size_t parent_index(const ref *r, size_t from)
{
  size_t i = from;
  while (i > 0 && (r->anc[i - 1].kind == CXCursor_UnexposedExpr ||
                   r->anc[i - 1].kind == CXCursor_ParenExpr))
    i--;
  return i; /* anc[i-1] is the parent; 0: none */
}

/* Position of the call among the ancestors (the CallExpr), or 0 if the reference is
 * not the callee of a call. */
static size_t call_index(ctx *x, const ref *r)
{
  (void)x;
  size_t p = parent_index(r, r->depth);
  if (p == 0 || r->anc[p - 1].kind != CXCursor_CallExpr)
    return 0;
  CXCursor call = r->anc[p - 1];
  cursor_vec k = children(call);
  int callee = k.n && same_node(strip(k.v[0]), r->cur);
  if (!callee && k.n) {
    /* the callee sits under the implicit decay cast */
    CXCursor c0 = k.v[0];
    callee = same_node(strip(c0), r->cur) ||
             (r->depth >= p + 1 && same_node(r->anc[p], c0));
  }
  free(k.v);
  return callee ? p : 0;
}

/* The statement-level parent of a call: CompoundStmt (expression statement),
 * ReturnStmt, VarDecl, or something else.  *sib gets the siblings when in a compound. */
static CXCursor stmt_parent(const ref *r, size_t ci)
{
  size_t p = parent_index(r, ci - 1);
  return p ? r->anc[p - 1] : clang_getNullCursor();
}

/* Next sibling of `c` within compound `comp`; null if last. */
static CXCursor next_stmt(CXCursor comp, CXCursor c)
{
  cursor_vec k = children(comp);
  CXCursor n = clang_getNullCursor();
  for (size_t i = 0; i + 1 < k.n; i++)
    if (same_node(k.v[i], c))
      n = k.v[i + 1];
  free(k.v);
  return n;
}

static int call_args(CXCursor call, CXCursor *args, int max)
{
  int n = clang_Cursor_getNumArguments(call);
  if (n < 0 || n > max)
    return -1;
  for (int i = 0; i < n; i++)
    args[i] = clang_Cursor_getArgument(call, (unsigned)i);
  return n;
}

/* The byte just after the ';' ending the statement whose expression ends at e. */
static size_t after_semicolon(const char *s, size_t n, size_t e)
{
  size_t i = e;
  while (i < n && (s[i] == ' ' || s[i] == '\t'))
    i++;
  return i < n && s[i] == ';' ? i + 1 : 0;
}

/* Delete a statement [b, semi): its whole line if it stands alone there. */
static void delete_stmt(pend *p, const char *s, size_t n, size_t b, size_t semi)
{
  size_t ls = line_start(s, b), e = semi;
  while (e < n && (s[e] == ' ' || s[e] == '\t' || s[e] == '\r'))
    e++;
  if (only_space(s, ls, b) && (e == n || s[e] == '\n'))
    pedit(p, ls, (e < n ? e + 1 : e) - ls, "");
  else
    pedit(p, b, e - b, "");
}

/* Is the manager argument the service's own (self->manager, x->service.manager)? */
static int owner_manager(ctx *x, CXCursor arg)
{
  CXCursor a = strip(arg);
  if (a.kind != CXCursor_MemberRefExpr)
    return 0;
  CXCursor refd = clang_getCursorReferenced(a);
  char *name = cx_str(clang_getCursorSpelling(refd));
  int ok = decl_is_legacy(refd) && strcmp(name, "manager") == 0;
  free(name);
  (void)x;
  return ok;
}

/* ---- where a function runs: its uses in this unit (lazily, for AS008 and AS017) ----- */

/* One use of a declaration (a function, a variable): the function it is in, and the
 * call it is the callee (arg -1) or argument `arg` of; call is null for any other use. */
typedef struct fn_use { CXCursor in_fn, call; int arg; } fn_use;
typedef struct use_walk { CXCursor target; cursor_vec stack; VEC(fn_use) uses; } use_walk;

static enum CXChildVisitResult use_visit(CXCursor c, CXCursor parent, CXClientData d)
{
  (void)parent;
  use_walk *w = d;
  if (w->stack.n == 1 && in_system(c))
    return CXChildVisit_Continue;
  if (c.kind == CXCursor_DeclRefExpr &&
      clang_equalCursors(clang_getCanonicalCursor(clang_getCursorReferenced(c)), w->target)) {
    fn_use u = {clang_getNullCursor(), clang_getNullCursor(), -1};
    for (size_t i = w->stack.n; i-- > 0;)
      if (w->stack.v[i].kind == CXCursor_FunctionDecl) {
        u.in_fn = w->stack.v[i];
        break;
      }
    size_t i = w->stack.n;
    while (i > 0 && (w->stack.v[i - 1].kind == CXCursor_UnexposedExpr ||
                     w->stack.v[i - 1].kind == CXCursor_ParenExpr))
      i--;
    if (i > 0 && w->stack.v[i - 1].kind == CXCursor_CallExpr) {
      u.call = w->stack.v[i - 1];
      CXCursor path = i < w->stack.n ? w->stack.v[i] : c;
      int na = clang_Cursor_getNumArguments(u.call);
      for (int k = 0; k < na; k++)
        if (same_node(clang_Cursor_getArgument(u.call, (unsigned)k), path))
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
static fn_use *fn_uses(ctx *x, CXCursor fn, size_t *n)
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
static char *api_callee(CXCursor call)
{
  CXCursor callee = clang_getCursorReferenced(call);
  if (callee.kind != CXCursor_FunctionDecl || !in_system(callee))
    return NULL;
  return cx_str(clang_getCursorSpelling(callee));
}

/* Is `arg` of `call` the function a new task runs (anyc_start_soon's fn, as_run_task's
 * fn, anyc_run's main, ...)? */
static int spawns_task(CXCursor call, int arg)
{
  static const struct { const char *name; int arg; } spawners[] = {
    {"anyc_start_soon", 1}, {"anyc_start_soon_named", 2}, {"anyc_run", 0},
    {"anyc_run_with", 1},   {"as_run_task", 1},           {"as_run_daemon_task", 1},
    {"as_run", 0},
  };
  char *name = api_callee(call);
  int r = 0;
  for (size_t i = 0; name && i < sizeof spawners / sizeof spawners[0]; i++)
    r |= strcmp(name, spawners[i].name) == 0 && arg == spawners[i].arg;
  free(name);
  return r;
}

enum { IN_UNKNOWN, IN_TASK, IN_NO_TASK };

/* The run function (of a service) that cursor fn declares, or NULL. */
static fn_info *run_info(ctx *x, CXCursor fn)
{
  for (size_t i = 0; i < x->fns.n; i++)
    if (x->fns.v[i].is_run && clang_equalCursors(clang_getCanonicalCursor(x->fns.v[i].fn),
                                                 clang_getCanonicalCursor(fn)))
      return &x->fns.v[i];
  return NULL;
}

/* Does function fn run inside a task?  IN_TASK: it is a service's run, a task's
 * function, or only called from such; IN_NO_TASK: it is main, or only called from code
 * that runs outside any task; IN_UNKNOWN otherwise (callers in other files, a pointer
 * taken, mixed callers), with *why.  Calls are followed `depth` levels up. */
static int fn_context(ctx *x, CXCursor fn, int depth, const char **why)
{
  char *name = cx_str(clang_getCursorSpelling(fn));
  int is_main = strcmp(name, "main") == 0;
  free(name);
  if (is_main)
    return IN_NO_TASK;
  if (run_info(x, fn))
    return IN_TASK;
  if (clang_getCursorLinkage(fn) != CXLinkage_Internal) {
    *why = "it is not static: callers in other files are not visible";
    return IN_UNKNOWN;
  }
  if (depth > 4) {
    *why = "its callers are too many calls away";
    return IN_UNKNOWN;
  }
  size_t n;
  fn_use *u = fn_uses(x, fn, &n);
  int seen = 0, bad = 0;
  for (size_t i = 0; i < n && !bad; i++) {
    int c;
    if (!clang_Cursor_isNull(u[i].call) && u[i].arg >= 0 && spawns_task(u[i].call, u[i].arg)) {
      c = IN_TASK;
    } else if (!clang_Cursor_isNull(u[i].call) && u[i].arg < 0 &&
               !clang_Cursor_isNull(u[i].in_fn)) {
      if (clang_equalCursors(clang_getCanonicalCursor(u[i].in_fn), clang_getCanonicalCursor(fn)))
        continue; /* recursion tells nothing */
      c = fn_context(x, u[i].in_fn, depth + 1, why);
    } else {
      *why = "a pointer to it is taken or passed to code that does not start a task with it";
      c = IN_UNKNOWN;
    }
    if (c == IN_UNKNOWN) {
      bad = 1;
    } else if (seen && c != seen) {
      *why = "it is called both from tasks and from outside any task";
      bad = 1;
    } else {
      seen = c;
    }
  }
  free(u);
  if (!bad && !seen)
    *why = "it is not used in this file";
  return bad || !seen ? IN_UNKNOWN : seen;
}

/* ---- the rules ------------------------------------------------------------------- */

static const char *const svc_names[] = {
  "as_service_init", "as_service_destroy", "as_run_service", "as_background_service_enter",
  "as_background_service_exit", "as_run_task", "as_run_daemon_task", "as_run_child_service",
  "as_run_daemon_child_service", "as_wait_started", "as_wait_finished", "as_stop",
  "as_cancel", "as_is_started", "as_is_running", "as_is_cancelled", "as_is_finished",
  "as_did_error", "as_get_stats", "as_error_count", "as_error_at", NULL};

static int is_one_of(const char *n, const char *const *list)
{
  for (; *list; list++)
    if (strcmp(n, *list) == 0)
      return 1;
  return 0;
}

/* Suggested native forms for left calls. */
static const char *suggest_for(const char *n)
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

static int fn_returns_int(CXCursor fn)
{
  CXType t = clang_getCanonicalType(clang_getResultType(clang_getCursorType(fn)));
  return t.kind == CXType_Int;
}

static int fn_returns_void(CXCursor fn)
{
  return clang_getResultType(clang_getCursorType(fn)).kind == CXType_Void;
}

static int is_loop_cond(const ref *r, size_t ci)
{
  for (size_t i = ci - 1; i-- > 0;) {
    enum CXCursorKind k = r->anc[i].kind;
    if (k == CXCursor_WhileStmt || k == CXCursor_ForStmt || k == CXCursor_DoStmt) {
      cursor_vec kids = children(r->anc[i]);
      CXCursor path = r->anc[i + 1];
      int last = kids.n && same_node(kids.v[kids.n - 1], path);
      free(kids.v);
      return k == CXCursor_DoStmt ? last : !last;
    }
    if (k == CXCursor_CompoundStmt || k == CXCursor_FunctionDecl || k == CXCursor_IfStmt)
      return 0;
  }
  return 0;
}

/* The group-closing text for returns in a run function with a group. */
static char *close_text(fn_info *f, const char *status)
{
  return anyc__xasprintf("anyc_group_close(&%s, %s)", f->tg, status);
}

/* `if (rc < 0) return rc;` in the enclosing function's terms. */
static char *check_text(fn_info *f, const char *rc)
{
  if (f->needs_group)
    return anyc__xasprintf("if (%s < 0) return anyc_group_close(&%s, %s);", rc, f->tg, rc);
  if (fn_returns_void(f->fn))
    return anyc__xasprintf("if (%s < 0) return;", rc);
  return anyc__xasprintf("if (%s < 0) return %s;", rc, rc);
}

/* An `int` status variable the function already declares at the top of its body before
 * `before` (rc, ret, err, status): an expert reuses it rather than adding one. */
static char *existing_status(ctx *x, fn_info *f, size_t before)
{
  static const char *const names[] = {"rc", "ret", "err", "status", "r", NULL};
  cursor_vec k = children(fn_body(f->fn));
  char *found = NULL;
  for (size_t i = 0; i < k.n && !found; i++) {
    if (k.v[i].kind != CXCursor_DeclStmt)
      continue;
    cursor_vec vars = children(k.v[i]);
    for (size_t v = 0; v < vars.n && !found; v++) {
      CXFile file;
      size_t b, e;
      char *name = cx_str(clang_getCursorSpelling(vars.v[v]));
      if (vars.v[v].kind == CXCursor_VarDecl && is_one_of(name, names) &&
          clang_getCanonicalType(clang_getCursorType(vars.v[v])).kind == CXType_Int &&
          extent(vars.v[v], &file, &b, &e) == 0 && e <= before)
        found = name;
      else
        free(name);
    }
    free(vars.v);
  }
  free(k.v);
  (void)x;
  return found;
}

/* The status variable of a function: the group's rc, one it declares already, or an
 * `int rc;` added at the top of the body (once: identical edits merge). */
static char *status_var(ctx *x, fn_info *f, pend *p, size_t at)
{
  if (f->needs_group)
    return anyc__xstrdup(f->rc);
  char *have = existing_status(x, f, at);
  if (have)
    return have;
  if (!f->rc)
    f->rc = fresh(x, f, "rc");
  CXCursor body = fn_body(f->fn);
  CXFile file;
  size_t b, e, n;
  if (extent(body, &file, &b, &e) != 0)
    return NULL;
  const char *s = contents(x, file, &n);
  size_t nl = b + 1;
  while (nl < n && s[nl] != '\n')
    nl++;
  char *ind = body_indent(x, body);
  char *u = anyc__xasprintf("%sint %s;\n", ind, f->rc);
  pedit(p, nl + 1, 0, u);
  free(u);
  free(ind);
  return anyc__xstrdup(f->rc);
}

/* Does the function's body open with `{` and a line break (so lines can be added)? */
static int multi_line_body(ctx *x, fn_info *f)
{
  CXFile file;
  size_t b, e, n;
  if (extent(fn_body(f->fn), &file, &b, &e) != 0)
    return 0;
  const char *s = contents(x, file, &n);
  size_t i = b + 1;
  while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
    i++;
  return i < n && s[i] == '\n';
}

/* A checkpoint call whose status the legacy code ignored: check it, in the enclosing
 * function's terms (return it; close the group first in a run with a group). */
static int checked_stmt(ctx *x, fn_info *f, pend *p, const ref *r, size_t ci,
                        const char *newcall)
{
  CXCursor call = r->anc[ci - 1];
  CXCursor par = stmt_parent(r, ci);
  CXFile file;
  size_t b, e, n;
  if (extent(call, &file, &b, &e) != 0)
    return -1;
  const char *s = contents(x, file, &n);
  if (!f || (!fn_returns_int(f->fn) && !fn_returns_void(f->fn)))
    return -1;
  size_t semi = after_semicolon(s, n, e);
  if (!semi)
    return -1;
  char *t;
  if (fn_returns_void(f->fn)) {
    if (par.kind == CXCursor_CompoundStmt) {
      t = anyc__xasprintf("if (%s < 0) return", newcall);
      pedit(p, b, e - b, t);
    } else {
      t = anyc__xasprintf("{ if (%s < 0) return; }", newcall);
      pedit(p, b, semi - b, t);
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
  int own_line = par.kind == CXCursor_CompoundStmt && only_space(s, line_start(s, b), b) &&
                 (z >= n || s[z] == '\n') && multi_line_body(x, f);
  char *have = f->needs_group ? NULL : existing_status(x, f, b);
  int has_status = f->needs_group || have;
  free(have);
  if (!own_line && !has_status) {
    char *v = fresh(x, f, "rc");
    char *chk = check_text(f, v);
    t = anyc__xasprintf("{ int %s = %s; %s }", v, newcall, chk);
    pedit(p, b, semi - b, t);
    free(t);
    free(chk);
    free(v);
    return 0;
  }
  char *rc = status_var(x, f, p, b);
  if (!rc)
    return -1;
  char *chk = check_text(f, rc);
  if (own_line) {
    char *ind = indent_at(s, b);
    chk[strlen(chk) - 1] = '\0'; /* the statement's own ';' ends it */
    t = anyc__xasprintf("%s = %s;\n%s%s", rc, newcall, ind, chk);
    free(ind);
    pedit(p, b, e - b, t);
  } else {
    /* the body of an if/else/loop without braces: one braced statement */
    t = anyc__xasprintf("{ %s = %s; %s }", rc, newcall, chk);
    pedit(p, b, semi - b, t);
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
  if (extent(r->anc[ci - 1], &file, &b, &e) != 0)
    return -1;
  const char *s = contents(x, file, &n);
  if (e == 0 || s[e - 1] != ')')
    return -1;
  pedit(p, off, strlen(r->name), newname);
  if (append)
    pedit(p, e - 1, 0, append);
  return 0;
}

/* The text of a call with a new callee and arguments; rebuilt only from the argument
 * texts, so comments inside arguments survive. */
static char *arg_text(ctx *x, CXCursor a)
{
  CXFile f;
  size_t b, e, n;
  if (extent(a, &f, &b, &e) != 0)
    return text_of(x, a);
  const char *s = contents(x, f, &n);
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
  return anyc__xstrndup(s + b, e - b);
}

/* AS010 / AS011 / AS012: renames (and the to_thread flag). */
static void rule_simple(ctx *x, const ref *r, size_t ci, fn_info *f)
{
  const char *rule = strcmp(r->name, "as_sleep") == 0       ? "AS010"
                     : strcmp(r->name, "as_to_thread") == 0 ? "AS011"
                                                            : "AS012";
  const char *native = rule[4] == '0' ? "anyc_sleep" : rule[4] == '1' ? "anyc_to_thread"
                                                                      : "anyc_run";
  pend *p = new_pend(x, r->cur, rule, r->name, 0);
  CXCursor par = stmt_parent(r, ci);
  int checkpoint = rule[4] != '2';
  int ignored = par.kind == CXCursor_CompoundStmt || par.kind == CXCursor_IfStmt ||
                par.kind == CXCursor_WhileStmt || par.kind == CXCursor_ForStmt ||
                par.kind == CXCursor_DoStmt;
  if (p->s.cls == SC_MACRO_BODY) {
    p->s.rule = "AS105";
    p->s.rewritten = 0;
    set_reason(p, "%s comes from a macro body; rewrite the macro definition", r->name);
    p->s.suggest = anyc__xstrdup(suggest_for(r->name));
    return;
  }
  if (checkpoint && ignored && p->s.cls != SC_MACRO_ARG) {
    /* status ignored: the native call is a checkpoint whose result must be used */
    CXCursor args[3];
    int na = call_args(r->anc[ci - 1], args, 3);
    sbuf call = {0};
    anyc__sb_printf(&call, "%s(", native);
    for (int i = 0; i < na; i++) {
      char *a = arg_text(x, args[i]);
      anyc__sb_printf(&call, "%s%s", i ? ", " : "", a);
      free(a);
    }
    anyc__sb_add(&call, rule[4] == '1' ? ", 0)" : ")");
    int rc = checked_stmt(x, f, p, r, ci, call.s);
    free(call.s);
    if (rc == 0) {
      set_reason(p, "the status the legacy code ignored is now checked");
      p->s.suggest = anyc__xstrdup(native);
      return;
    }
    p->edits.n = 0;
  }
  set_reason(p, "the same call in the native API");
  if (rename_call(x, p, r, ci, native, rule[4] == '1' ? ", 0" : NULL) != 0) {
    p->s.rule = p->s.cls == SC_MACRO_ARG ? "AS109" : "AS110";
    p->s.rewritten = 0;
    set_reason(p, "the call's text could not be located");
  } else if (rule[4] == '1') {
    set_reason(p, "a cancelled caller still waits for the thread (no ANYC_ABANDON_ON_CANCEL)");
  }
  p->s.suggest = anyc__xstrdup(suggest_for(r->name));
}

/* AS013: as_wait_for(fn, arg, t) -> a fail_after scope around fn(arg). */
static void rule_wait_for(ctx *x, const ref *r, size_t ci, fn_info *f)
{
  CXCursor call = r->anc[ci - 1], par = stmt_parent(r, ci), args[3];
  CXFile file;
  size_t b, e, n;
  const char *why = NULL;
  if (!f || call_args(call, args, 3) != 3 || extent(call, &file, &b, &e) != 0)
    why = "the call's form is not recognised";
  const char *s = why ? NULL : contents(x, file, &n);
  /* The statement holding the call, its target variable, and its kind. */
  char *target = NULL;
  CXCursor stmt = clang_getNullCursor();
  int kind = 0; /* 1 decl, 2 assignment, 3 return */
  size_t pi = parent_index(r, ci - 1);
  if (!why && par.kind == CXCursor_VarDecl && pi >= 2 &&
      r->anc[pi - 2].kind == CXCursor_DeclStmt) {
    stmt = r->anc[pi - 2];
    cursor_vec k = children(stmt);
    if (k.n == 1) {
      kind = 1;
      target = cx_str(clang_getCursorSpelling(par));
    }
    free(k.v);
  } else if (!why && par.kind == CXCursor_BinaryOperator && pi >= 2) {
    cursor_vec k = children(par);
    CXCursor lhs = k.n == 2 ? strip(k.v[0]) : clang_getNullCursor();
    free(k.v);
    char *op = text_of(x, par);
    if (lhs.kind == CXCursor_DeclRefExpr && r->anc[pi - 2].kind == CXCursor_CompoundStmt &&
        strchr(op, '=')) {
      kind = 2;
      stmt = par;
      target = cx_str(clang_getCursorSpelling(lhs));
    }
    free(op);
  } else if (!why && par.kind == CXCursor_ReturnStmt && pi >= 2 &&
             r->anc[pi - 2].kind == CXCursor_CompoundStmt) {
    kind = 3;
    stmt = par;
  }
  if (!why && !kind)
    why = "as_wait_for is not the whole initialiser, assignment or return of its statement";
  pend *p;
  if (why) {
    left(x, r->cur, "AS110", r->name, 0, suggest_for(r->name), "%s", why);
    free(target);
    return;
  }
  p = new_pend(x, r->cur, "AS013", r->name, 0);
  if (p->s.cls != SC_PLAIN && p->s.cls != SC_HEADER) {
    p->s.rule = p->s.cls == SC_MACRO_BODY ? "AS105" : "AS109";
    p->s.rewritten = 0;
    set_reason(p, "as_wait_for inside a macro is rewritten by hand");
    p->s.suggest = anyc__xstrdup(suggest_for(r->name));
    free(target);
    return;
  }
  CXFile sf;
  size_t sb, se;
  extent(stmt, &sf, &sb, &se);
  char *ind = indent_at(s, sb);
  char *sc = fresh(x, f, "scope");
  char *fn = arg_text(x, args[0]), *arg = arg_text(x, args[1]), *t = arg_text(x, args[2]);
  CXCursor fn0 = strip(args[0]);
  char *callee = fn0.kind == CXCursor_DeclRefExpr ? anyc__xstrdup(fn)
                                                  : anyc__xasprintf("(%s)", fn);
  char *rc = kind == 3 ? fresh(x, f, "rc") : target;
  char *unit = indent_unit(x, f);
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
  if (!only_space(s, line_start(s, sb), sb)) {
    p->s.rule = "AS110";
    p->s.rewritten = 0;
    set_reason(p, "the statement shares its line; rewrite by hand");
  } else {
    pedit(p, line_start(s, sb), 0, before);
    pedit(p, b, e - b, repl);
    set_reason(p, "fn(arg) now runs in the calling task inside a fail_after scope "
                  "(-ETIMEDOUT when the deadline caught it)");
  }
  p->s.suggest = anyc__xstrdup(suggest_for(r->name));
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

/* ---- the service pattern --------------------------------------------------------- */

static int ref_inside(const ref *r, CXCursor c)
{
  for (size_t i = 0; i < r->depth; i++)
    if (clang_equalCursors(r->anc[i], c))
      return 1;
  return 0;
}

/* Does statement c contain a call of the legacy API (a recorded reference)? */
static int has_legacy_call(ctx *x, CXCursor c)
{
  for (size_t i = 0; i < x->refs.n; i++) {
    const ref *r = &x->refs.v[i];
    if (r->kind != R_FUNC)
      continue;
    for (size_t d = 0; d < r->depth; d++)
      if (same_node(r->anc[d], c))
        return 1;
  }
  return 0;
}

/* The legacy function a statement calls as a whole (`f(...);` or `x = f(...);`), or
 * NULL; *call gets the call. */
static char *stmt_call(CXCursor stmt, CXCursor *call)
{
  CXCursor c = strip(stmt);
  if (c.kind == CXCursor_DeclStmt) { /* int rc = f(...); (one variable) */
    cursor_vec k = children(c);
    CXCursor init = k.n == 1 && k.v[0].kind == CXCursor_VarDecl
                        ? clang_Cursor_getVarDeclInitializer(k.v[0]) : clang_getNullCursor();
    free(k.v);
    c = clang_Cursor_isNull(init) ? init : strip(init);
  } else if (c.kind == CXCursor_BinaryOperator) {
    cursor_vec k = children(c);
    CXCursor rhs = k.n == 2 ? strip(k.v[1]) : clang_getNullCursor();
    free(k.v);
    c = rhs;
  }
  if (c.kind != CXCursor_CallExpr)
    return NULL;
  CXCursor callee = clang_getCursorReferenced(c);
  if (!decl_is_legacy(callee))
    return NULL;
  *call = c;
  return cx_str(clang_getCursorSpelling(callee));
}

/* A top-level statement of run that closes the group (`as_wait_finished(m);` or
 * `rc = as_wait_finished(m);`): returns after it are not wrapped. */
static void find_close_stmt(fn_info *f)
{
  cursor_vec k = children(f->body);
  for (size_t i = 0; i < k.n && !f->close_off; i++) {
    CXCursor call;
    char *name = stmt_call(k.v[i], &call);
    if (name && strcmp(name, "as_wait_finished") == 0) {
      CXFile file;
      size_t b, e;
      if (extent(k.v[i], &file, &b, &e) == 0) {
        f->close_begin = b;
        f->close_off = e;
      }
    }
    free(name);
  }
  free(k.v);
}

/* Pass 1: which functions are run functions, and which need a group. */
static void find_runs(ctx *x)
{
  for (size_t i = 0; i < x->fns.n; i++) {
    fn_info *f = &x->fns.v[i];
    if (clang_Cursor_getNumArguments(f->fn) != 1)
      continue;
    CXCursor prm = clang_Cursor_getArgument(f->fn, 0);
    CXType t = clang_getCanonicalType(clang_getCursorType(prm));
    if (t.kind != CXType_Pointer || !is_svc_type(clang_getPointeeType(t)) ||
        !fn_returns_int(f->fn))
      continue;
    f->is_run = 1;
    f->param = prm;
    f->param_name = cx_str(clang_getCursorSpelling(prm));
    f->body = fn_body(f->fn);
    for (size_t k = 0; k < x->refs.n; k++) {
      const ref *r = &x->refs.v[k];
      if (r->kind == R_FUNC && ref_inside(r, f->fn) &&
          (strcmp(r->name, "as_run_task") == 0 || strcmp(r->name, "as_run_daemon_task") == 0 ||
           strcmp(r->name, "as_run_child_service") == 0 ||
           strcmp(r->name, "as_run_daemon_child_service") == 0 ||
           strcmp(r->name, "as_wait_finished") == 0 || strcmp(r->name, "as_cancel") == 0 ||
           strcmp(r->name, "as_stop") == 0))
        f->needs_group = 1;
      /* run's object type, from its `(T *)self` cast (child services find run by it) */
      if (r->kind == R_PARAMREF && ref_inside(r, f->fn) && !f->has_obj_type &&
          clang_equalCursors(clang_getCursorReferenced(r->cur), prm)) {
        size_t pi = parent_index(r, r->depth);
        if (pi && r->anc[pi - 1].kind == CXCursor_CStyleCastExpr) {
          CXType ct = clang_getCanonicalType(clang_getCursorType(r->anc[pi - 1]));
          if (ct.kind == CXType_Pointer) {
            f->obj_type = clang_getCanonicalType(clang_getPointeeType(ct));
            f->has_obj_type = 1;
          }
        }
      }
    }
    if (f->needs_group) {
      f->tg = fresh(x, f, "tg");
      f->rc = fresh(x, f, "rc");
      find_close_stmt(f);
    }
    f->arg = strcmp(f->param_name, "arg") == 0 || !name_used(f, "arg") ? anyc__xstrdup("arg")
                                                                       : fresh(x, f, "arg");
  }
}

static fn_info *run_fn_of(ctx *x, const ref *r)
{
  fn_info *f = fn_of(x, r);
  return f && f->is_run ? f : NULL;
}

/* AS003: the run function: parameter, the cast of self, the group. */
static void rule_run_fn(ctx *x, fn_info *f)
{
  CXFile file;
  size_t b, e, n;
  pend *p = new_pend(x, f->param, "AS003", "as_service", 1);
  p->s.suggest = anyc__xstrdup("static int run(void *arg) with a task group");
  if (p->s.cls == SC_MACRO_ARG || p->s.cls == SC_MACRO_BODY ||
      extent(f->param, &file, &b, &e) != 0) {
    p->s.rule = "AS107";
    p->s.rewritten = 0;
    set_reason(p, "the run function's parameter comes from a macro");
    return;
  }
  const char *s = contents(x, file, &n);
  char *np = anyc__xasprintf("void *%s", f->arg);
  pedit(p, b, e - b, np);
  free(np);
  set_reason(p, "run(as_service *) becomes an anyc_fn; the object is passed as void *");
  /* Prototypes of the same function elsewhere in this unit. */
  /* (handled by rule_prototypes) */
  if (!f->needs_group)
    return;
  set_reason(p, "the service's tasks now run in a task group that run opens and closes; "
                "a daemon that returns no longer fails the service");
  /* Open the group before the first statement that is not a declaration, or that is
   * one whose initialiser calls the legacy API (int rc = as_run_task(...);). */
  cursor_vec k = children(f->body);
  size_t first = 0;
  while (first < k.n && k.v[first].kind == CXCursor_DeclStmt && !has_legacy_call(x, k.v[first]))
    first++;
  CXFile sf;
  size_t sb, se;
  if (first == k.n || extent(k.v[first], &sf, &sb, &se) != 0 ||
      !only_space(s, line_start(s, sb), sb)) {
    p->s.rule = "AS107";
    p->s.rewritten = 0;
    set_reason(p, "no place to open the task group in run");
    free(k.v);
    return;
  }
  char *ind = indent_at(s, sb);
  char *open = anyc__xasprintf("%sanyc_group %s;\n%sint %s = anyc_group_open(&%s);\n"
                               "%sif (%s < 0) return %s;\n",
                               ind, f->tg, ind, f->rc, f->tg, ind, f->rc, f->rc);
  pedit(p, line_start(s, sb), 0, open);
  free(open);
  /* Fall off the end: close the group there. */
  CXCursor last = k.v[k.n - 1];
  if (last.kind != CXCursor_ReturnStmt && !f->close_off) {
    size_t bb, be;
    extent(f->body, &sf, &bb, &be);
    size_t close_at = be - 1;
    if (only_space(s, line_start(s, close_at), close_at)) {
      char *t = anyc__xasprintf("%sreturn anyc_group_close(&%s, %s);\n", ind, f->tg, f->rc);
      pedit(p, line_start(s, close_at), 0, t);
      free(t);
    } else {
      char *t = anyc__xasprintf(" return anyc_group_close(&%s, %s); ", f->tg, f->rc);
      pedit(p, close_at, 0, t);
      free(t);
    }
  }
  free(ind);
  free(k.v);
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
  cursor_vec k = children(ret);
  int r = 0;
  if (k.n == 1) {
    CXCursor c = strip(k.v[0]);
    if (c.kind == CXCursor_CallExpr) {
      CXCursor callee = clang_getCursorReferenced(c);
      char *name = cx_str(clang_getCursorSpelling(callee));
      r = decl_is_legacy(callee) && strcmp(name, "as_wait_finished") == 0;
      free(name);
    }
  }
  free(k.v);
  (void)x;
  return r;
}

static void rule_returns(ctx *x, fn_info *f)
{
  cursor_vec rets = {0};
  clang_visitChildren(f->body, find_returns, &rets);
  for (size_t i = 0; i < rets.n; i++) {
    CXFile rf;
    size_t rb, re;
    if (is_wait_finished_return(x, rets.v[i]) ||
        (f->close_off && extent(rets.v[i], &rf, &rb, &re) == 0 && rb >= f->close_off))
      continue; /* the group is closed there already */
    cursor_vec k = children(rets.v[i]);
    CXFile file;
    size_t b, e;
    if (k.n == 1 && extent(k.v[0], &file, &b, &e) == 0) {
      pend *p = new_pend(x, rets.v[i], "AS003", "return", 1);
      p->s.cls = SC_PLAIN;
      char *open = anyc__xasprintf("anyc_group_close(&%s, ", f->tg);
      pedit(p, b, 0, open);
      pedit(p, e, 0, ")");
      free(open);
      set_reason(p, "returning from run closes its task group with the status");
      p->s.suggest = anyc__xstrdup("return anyc_group_close(&tg, status);");
    }
    free(k.v);
  }
  free(rets.v);
}

/* Uses of run's parameter: only `(T *)self` casts (-> arg) and the manager argument of
 * calls that are rewritten away are allowed. */
static void rule_param_uses(ctx *x, fn_info *f)
{
  for (size_t i = 0; i < x->refs.n; i++) {
    ref *r = &x->refs.v[i];
    if (r->kind != R_PARAMREF || !ref_inside(r, f->fn) ||
        !clang_equalCursors(clang_getCursorReferenced(r->cur), f->param))
      continue;
    size_t p = parent_index(r, r->depth);
    CXCursor par = p ? r->anc[p - 1] : clang_getNullCursor();
    if (par.kind == CXCursor_CStyleCastExpr &&
        clang_getCanonicalType(clang_getCursorType(par)).kind != CXType_Pointer) {
      /* (void)self and the like: only the name changes */
      CXFile file;
      size_t b, e;
      pend *pd = new_pend(x, r->cur, "AS003", f->param_name, 1);
      if (extent(r->cur, &file, &b, &e) == 0)
        pedit(pd, b, e - b, f->arg);
      set_reason(pd, "the parameter is now the object as void *");
      pd->s.suggest = anyc__xstrdup(f->arg);
      continue;
    }
    if (par.kind == CXCursor_CStyleCastExpr) {
      CXFile file;
      size_t b, e;
      pend *pd = new_pend(x, par, "AS003", f->param_name, 1);
      pd->s.cls = SC_PLAIN;
      if (extent(par, &file, &b, &e) == 0)
        pedit(pd, b, e - b, f->arg);
      set_reason(pd, "the object arrives as void *; no cast needed");
      pd->s.suggest = anyc__xstrdup(f->arg);
      continue;
    }
    if (par.kind == CXCursor_MemberRefExpr) {
      CXCursor refd = clang_getCursorReferenced(par);
      char *name = cx_str(clang_getCursorSpelling(refd));
      int mgr = decl_is_legacy(refd) && strcmp(name, "manager") == 0;
      free(name);
      if (mgr)
        continue; /* judged with the call it is an argument of (R_MEMBER) */
    }
    left(x, r->cur, "AS107", f->param_name, 1, "use the object passed as void *",
         "run uses its as_service parameter for something other than its manager");
  }
}

/* Is the reference inside the arguments of a call of the legacy API?  Then that call's
 * site speaks for it (rewritten: the argument is gone; left: the call is reported). */
static int in_legacy_call(const ref *r)
{
  for (size_t i = r->depth; i-- > 0;)
    if (r->anc[i].kind == CXCursor_CallExpr && decl_is_legacy(clang_getCursorReferenced(r->anc[i])))
      return 1;
  return 0;
}

/* R_MEMBER: a legacy struct member (self->manager, svc.name, stats.total_count). */
static void rule_member(ctx *x, const ref *r, const int *consumed)
{
  if (*consumed)
    return;
  /* inside the manager argument of a legacy call that is rewritten: judged there */
  left(x, r->cur, strcmp(r->name, "manager") == 0 ? "AS101" : "AS103", r->name, 1,
       strcmp(r->name, "manager") == 0 ? "pass the task group (anyc_group *) instead"
                                       : "the native equivalent (anyc_task_name, anyc_get_stats)",
       "the legacy member '%s' is read for another purpose", r->name);
}

static char *service_object(ctx *x, CXCursor arg, CXType *type);
static fn_info *run_for_type(ctx *x, CXType t);

/* Is statement `stmt` of compound `comp` followed by `return;` or a return of a constant
 * or a local variable -- nothing whose value or effects could depend on when the
 * service's tasks finish? */
static int stop_then_return(CXCursor comp, CXCursor stmt)
{
  CXCursor nx = next_stmt(comp, stmt);
  if (nx.kind != CXCursor_ReturnStmt)
    return 0;
  cursor_vec k = children(nx);
  CXCursor v = k.n == 1 ? strip(k.v[0]) : clang_getNullCursor();
  int ok = k.n == 0;
  if (v.kind == CXCursor_UnaryOperator) { /* -EIO */
    cursor_vec u = children(v);
    v = u.n == 1 ? strip(u.v[0]) : clang_getNullCursor();
    free(u.v);
  }
  if (v.kind == CXCursor_IntegerLiteral)
    ok = 1;
  else if (v.kind == CXCursor_DeclRefExpr) {
    CXCursor d = clang_getCursorReferenced(v);
    ok = (d.kind == CXCursor_VarDecl && !clang_Cursor_hasVarDeclGlobalStorage(d)) ||
         d.kind == CXCursor_ParmDecl;
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
static void rule_owner_call(ctx *x, const ref *r, size_t ci, fn_info *f)
{
  CXCursor call = r->anc[ci - 1], par = stmt_parent(r, ci), args[4];
  int na = call_args(call, args, 4);
  CXFile file;
  size_t b, e, n;
  if (na < 1 || extent(call, &file, &b, &e) != 0 || !owner_manager(x, args[0])) {
    left(x, r->cur, "AS102", r->name, 1, suggest_for(r->name),
         "%s on a manager that is not this service's own", r->name);
    return;
  }
  const char *s = contents(x, file, &n);
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
      left(x, r->cur, "AS110", r->name, 1, suggest_for(r->name),
           "the child service's run function is not found in this file");
      free(child_obj);
      return;
    }
  }
  int cancel = strcmp(r->name, "as_cancel") == 0 || strcmp(r->name, "as_stop") == 0;
  pend *p = new_pend(x, r->cur, spawn ? "AS004" : child ? "AS015" : cancel ? "AS007" : "AS005",
                     r->name, 1);
  p->s.suggest = anyc__xstrdup(suggest_for(r->name));
  if (p->s.cls == SC_MACRO_ARG || p->s.cls == SC_MACRO_BODY) {
    p->s.rule = p->s.cls == SC_MACRO_ARG ? "AS109" : "AS105";
    p->s.rewritten = 0;
    set_reason(p, "%s inside a macro: rewrite by hand", r->name);
    free(child_obj);
    return;
  }
  if (((spawn && na == 4) || child) && f->close_off && b >= f->close_off) {
    p->s.rule = "AS110";
    p->s.rewritten = 0;
    set_reason(p, "%s after run waited for its tasks: the group is closed there", r->name);
    free(child_obj);
    return;
  }
  if ((spawn && na == 4) || child) {
    char *fn, *a, *nm;
    if (child) {
      fn = cx_str(clang_getCursorSpelling(child_run->fn));
      a = child_obj;
      nm = arg_text(x, args[2]);
    } else {
      fn = arg_text(x, args[1]);
      a = arg_text(x, args[2]);
      nm = arg_text(x, args[3]);
    }
    char *nc = anyc__xasprintf("anyc_start_soon_named(&%s, %s, %s, %s)", f->tg, nm, fn, a);
    if (par.kind == CXCursor_CompoundStmt) {
      size_t semi = after_semicolon(s, n, e);
      CXCursor stmt = r->anc[parent_index(r, ci - 1)];
      CXCursor nx = next_stmt(par, stmt);
      int last_before_close = clang_Cursor_isNull(nx) ? same_node(par, f->body)
                                                      : is_wait_finished_return(x, nx);
      char *t = anyc__xasprintf("%s = %s", f->rc, nc);
      pedit(p, b, e - b, t);
      free(t);
      if (!last_before_close && semi) {
        char *ind = indent_at(s, b);
        char *chk = anyc__xasprintf("\n%sif (%s < 0) return anyc_group_close(&%s, %s);", ind,
                                    f->rc, f->tg, f->rc);
        pedit(p, semi, 0, chk);
        free(chk);
        free(ind);
      }
    } else if (par.kind == CXCursor_IfStmt || par.kind == CXCursor_WhileStmt ||
               par.kind == CXCursor_ForStmt || par.kind == CXCursor_DoStmt) {
      char *t = anyc__xasprintf("if ((%s = %s) < 0) return anyc_group_close(&%s, %s)", f->rc,
                                nc, f->tg, f->rc);
      /* only as the statement itself, not its condition */
      pedit(p, b, e - b, after_semicolon(s, n, e) ? t : nc);
      free(t);
    } else {
      pedit(p, b, e - b, nc);
    }
    set_reason(p, strstr(r->name, "daemon")
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
    char *t = close_text(f, f->rc);
    pedit(p, b, e - b, t);
    free(t);
    set_reason(p, "run's end closes its group: it waits for every task and returns the "
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
    CXCursor stmt = r->anc[parent_index(r, ci - 1)];
    CXCursor nx = assign ? clang_getNullCursor() : next_stmt(par, stmt);
    size_t semi = after_semicolon(s, n, e);
    char *t;
    if (assign) {
      t = anyc__xasprintf("anyc_group_close(&%s, %s)", f->tg, f->rc);
    } else if (nx.kind == CXCursor_ReturnStmt && clang_Cursor_isNull(next_stmt(par, nx)) &&
               semi) {
      char *ind = indent_at(s, b);
      t = anyc__xasprintf("%s = anyc_group_close(&%s, %s);\n%sif (%s < 0) return %s",
                          f->rc, f->tg, f->rc, ind, f->rc, f->rc);
      free(ind);
    } else {
      t = anyc__xasprintf("%s = anyc_group_close(&%s, %s)", f->rc, f->tg, f->rc);
    }
    pedit(p, b, e - b, t);
    free(t);
    set_reason(p, "run parks here until its tasks finish: the group closes here and the "
                  "code after it is run's cleanup");
    return;
  }
  if (strcmp(r->name, "as_stop") == 0 && f->close_off && b >= f->close_begin) {
    p->s.rule = "AS110";
    p->s.rewritten = 0;
    set_reason(p, "as_stop after run waited for its tasks: the group is closed there");
    return;
  }
  if (strcmp(r->name, "as_stop") == 0 && par.kind == CXCursor_CompoundStmt &&
      !stop_then_return(par, r->anc[parent_index(r, ci - 1)])) {
    /* as_stop returns only once the service's tasks have finished (leaves first); the
     * native cancel returns at once and the tasks finish when run closes its group, so
     * any code between the two would run earlier than it did. */
    p->s.rule = "AS110";
    p->s.rewritten = 0;
    set_reason(p, "as_stop is not followed by run's return: the code after it would run "
                  "before the service's tasks finish (as_stop waited for them)");
    return;
  }
  if (cancel && par.kind == CXCursor_ReturnStmt) {
    /* return as_cancel(self->manager);  ->  cancel, then close with 0 (as_cancel's).
     * return as_stop(...): the same; its -ECANCELED (run itself is cancelled) is a
     * cancellation of the group's own scope, which closing catches just as it does 0. */
    size_t pi = parent_index(r, ci - 1);
    CXFile rf;
    size_t rb, re;
    if (pi >= 2 && r->anc[pi - 2].kind == CXCursor_CompoundStmt &&
        extent(par, &rf, &rb, &re) == 0 && only_space(s, line_start(s, rb), rb)) {
      char *ind = indent_at(s, rb);
      char *t = anyc__xasprintf("%sanyc_group_cancel(&%s);\n", ind, f->tg);
      pedit(p, line_start(s, rb), 0, t);
      pedit(p, b, e - b, "0");
      free(t);
      free(ind);
      set_reason(p, "%s", cancel_reason(r->name, 1));
      return;
    }
  }
  if (cancel && par.kind == CXCursor_CompoundStmt) {
    char *t = anyc__xasprintf("anyc_group_cancel(&%s)", f->tg);
    pedit(p, b, e - b, t);
    free(t);
    set_reason(p, "%s", cancel_reason(r->name, 0));
    return;
  }
  p->s.rule = "AS110";
  p->s.rewritten = 0;
  set_reason(p, "%s is used in a form with no mechanical rewrite (e.g. its status is used)",
             r->name);
}

/* The new code names something a standard header declares (INFINITY: <math.h>): an
 * expert includes it where the file does not.  The line goes among the file's
 * #include <...> lines, before the first that sorts after it (else after the last of
 * them, else before the first #include, else at the top). */
static void need_header(ctx *x, pend *p, CXFile file, const char *hdr)
{
  size_t n, hl = strlen(hdr), none = (size_t)-1, at = none, after = none, first = none;
  const char *s = contents(x, file, &n);
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
  pedit(p, at, 0, t);
  free(t);
}

/* The struct type of the object whose service's manager `m` names
 * (`obj->service.manager`, `obj.service.manager`).  0 if found. */
static int manager_object_type(CXCursor m, CXType *t)
{
  CXCursor a = strip(m);
  cursor_vec k = children(a);
  CXCursor svc = a.kind == CXCursor_MemberRefExpr && k.n == 1 ? strip(k.v[0])
                                                              : clang_getNullCursor();
  free(k.v);
  if (svc.kind != CXCursor_MemberRefExpr || !is_svc_type(clang_getCursorType(svc)))
    return -1;
  cursor_vec o = children(svc);
  int rc = -1;
  if (o.n == 1) {
    CXType ot = clang_getCanonicalType(clang_getCursorType(o.v[0]));
    *t = ot.kind == CXType_Pointer ? clang_getCanonicalType(clang_getPointeeType(ot)) : ot;
    rc = 0;
  }
  free(o.v);
  return rc;
}

/* The manager argument of a call in a service's run names run's own manager:
 * `self->manager`, or a local variable initialised with it that is only ever passed to
 * calls (never assigned again, never taken by address). */
static int run_manager(ctx *x, CXCursor arg)
{
  if (owner_manager(x, arg))
    return 1;
  CXCursor a = strip(arg), var = clang_getCursorReferenced(a);
  if (a.kind != CXCursor_DeclRefExpr || var.kind != CXCursor_VarDecl ||
      clang_Cursor_hasVarDeclGlobalStorage(var))
    return 0;
  CXCursor init = clang_Cursor_getVarDeclInitializer(var);
  if (clang_Cursor_isNull(init) || !owner_manager(x, init))
    return 0;
  size_t n;
  fn_use *u = fn_uses(x, var, &n);
  int ok = 1;
  for (size_t i = 0; i < n; i++)
    ok &= !clang_Cursor_isNull(u[i].call) && u[i].arg >= 0;
  free(u);
  return ok;
}

/* Why function f is not (only) a task of the service whose object has type t -- one
 * that the service's run starts with as_run_task / as_run_daemon_task and nothing else
 * uses -- or NULL when it is. */
static const char *not_task_of_service(ctx *x, fn_info *f, CXType t)
{
  if (clang_getCursorLinkage(f->fn) != CXLinkage_Internal)
    return "the function is not static: it may be called from other files";
  size_t n;
  fn_use *u = fn_uses(x, f->fn, &n);
  const char *why = n ? NULL : "the function is not started as a task in this file";
  for (size_t i = 0; i < n && !why; i++) {
    fn_info *run = NULL;
    CXCursor a[4];
    char *callee = clang_Cursor_isNull(u[i].call) ? NULL : api_callee(u[i].call);
    if (callee && u[i].arg == 1 && !clang_Cursor_isNull(u[i].in_fn) &&
        (strcmp(callee, "as_run_task") == 0 || strcmp(callee, "as_run_daemon_task") == 0) &&
        call_args(u[i].call, a, 4) == 4 && run_manager(x, a[0]))
      run = run_info(x, u[i].in_fn);
    free(callee);
    if (!run)
      why = "the function is not only a task that the service's run starts";
    else if (!run->has_obj_type || !clang_equalTypes(run->obj_type, t))
      why = "the task is started by the run of another service";
  }
  free(u);
  return why;
}

/* The rewrite removed the only use of the local object pointer in `objexpr` (the
 * task's `struct T *obj = arg;`): its declaration goes too, or becomes `(void)arg;` when
 * that was the parameter's only use -- as an expert leaves no unused variable.  0 when
 * nothing else is needed or done; -1 when the declaration is not that simple. */
static int drop_unused_object(ctx *x, pend *p, fn_info *f, CXCursor objexpr)
{
  CXCursor o = strip(objexpr), var = clang_getCursorReferenced(o);
  size_t n;
  if (o.kind != CXCursor_DeclRefExpr || var.kind != CXCursor_VarDecl)
    return -1;
  free(fn_uses(x, var, &n));
  if (n != 1)
    return 0; /* still used */
  cursor_vec k = children(fn_body(f->fn));
  CXCursor decl = clang_getNullCursor();
  for (size_t i = 0; i < k.n; i++) {
    cursor_vec v = children(k.v[i]);
    if (k.v[i].kind == CXCursor_DeclStmt && v.n == 1 && same_node(v.v[0], var))
      decl = k.v[i];
    free(v.v);
  }
  free(k.v);
  CXCursor init = clang_Cursor_isNull(decl) ? decl : clang_Cursor_getVarDeclInitializer(var);
  CXCursor prm = clang_Cursor_isNull(init) ? init : clang_getCursorReferenced(strip(init));
  CXFile file;
  size_t b, e, sz;
  if (prm.kind != CXCursor_ParmDecl || extent(decl, &file, &b, &e) != 0)
    return -1;
  const char *s = contents(x, file, &sz);
  size_t semi = e && s[e - 1] == ';' ? e : after_semicolon(s, sz, e);
  if (!semi)
    return -1;
  free(fn_uses(x, prm, &n));
  if (n > 1) {
    delete_stmt(p, s, sz, b, semi);
  } else {
    char *name = cx_str(clang_getCursorSpelling(prm));
    char *t = anyc__xasprintf("(void)%s;", name);
    pedit(p, b, semi - b, t);
    free(t);
    free(name);
  }
  return 0;
}

/* AS017: as_wait_finished(obj->service.manager) in a task of that service.  The service
 * is not finished while one of its tasks runs, so the call returns only when the task is
 * cancelled (the service is stopping): that is sleeping until cancelled. */
static void rule_wait_finished_task(ctx *x, const ref *r, size_t ci, fn_info *f)
{
  CXCursor call = r->anc[ci - 1], par = stmt_parent(r, ci), args[1];
  CXType t;
  CXFile file;
  size_t b, e;
  const char *why = NULL;
  if (!f || call_args(call, args, 1) != 1 || extent(call, &file, &b, &e) != 0 ||
      !owner_manager(x, args[0]) || manager_object_type(args[0], &t) != 0)
    why = "the manager is not named as obj->service.manager";
  else if (par.kind == CXCursor_CompoundStmt || par.kind == CXCursor_IfStmt ||
           par.kind == CXCursor_WhileStmt || par.kind == CXCursor_ForStmt ||
           par.kind == CXCursor_DoStmt)
    why = "its status is ignored: the native sleep's -ECANCELED has to be checked, and the "
          "code after it is shutdown work";
  else
    why = not_task_of_service(x, f, t);
  if (why) {
    left(x, r->cur, "AS110", r->name, 1, suggest_for(r->name),
         "as_wait_finished from code that is not the service's run: %s", why);
    return;
  }
  pend *p = new_pend(x, r->cur, "AS017", r->name, 1);
  p->s.suggest = anyc__xstrdup("anyc_sleep(INFINITY)");
  if (p->s.cls == SC_MACRO_ARG || p->s.cls == SC_MACRO_BODY) {
    p->s.rule = p->s.cls == SC_MACRO_ARG ? "AS109" : "AS105";
    p->s.rewritten = 0;
    set_reason(p, "as_wait_finished inside a macro: rewrite by hand");
    return;
  }
  cursor_vec mk = children(strip(args[0])), ok = children(strip(mk.v[0]));
  int dropped = drop_unused_object(x, p, f, ok.v[0]);
  free(mk.v);
  free(ok.v);
  if (dropped != 0) {
    p->s.rule = "AS110";
    p->s.rewritten = 0;
    set_reason(p, "the object the task names the manager through would be left unused; "
                  "rewrite by hand");
    return;
  }
  pedit(p, b, e - b, "anyc_sleep(INFINITY)");
  need_header(x, p, file, "math.h");
  set_reason(p, "a task of the service waits for the service's end: it sleeps until the "
                "service's group is cancelled (-ECANCELED, as as_wait_finished returned)");
}

/* AS002: the embedded as_service field of a struct: its line goes. */
static void rule_struct_field(ctx *x, CXCursor field)
{
  CXFile file;
  size_t b, e, n;
  pend *p = new_pend(x, field, "AS002", "as_service", 1);
  p->s.suggest = anyc__xstrdup("a plain struct (the task group lives in run)");
  if (p->s.cls == SC_MACRO_ARG || p->s.cls == SC_MACRO_BODY ||
      extent(field, &file, &b, &e) != 0) {
    p->s.rule = "AS107";
    p->s.rewritten = 0;
    set_reason(p, "the as_service field comes from a macro");
    return;
  }
  const char *s = contents(x, file, &n);
  size_t semi = after_semicolon(s, n, e);
  size_t ls = line_start(s, b), q = semi;
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
    p->s.rule = "AS107";
    p->s.rewritten = 0;
    set_reason(p, "the as_service field's declaration is not recognised");
    return;
  }
  if (only_space(s, ls, b) && (q >= n || s[q] == '\n')) {
    pedit(p, ls, (q < n ? q + 1 : q) - ls, ""); /* its whole line */
  } else {
    size_t z = semi; /* shares the line: the declaration and the blanks after it */
    while (z < n && (s[z] == ' ' || s[z] == '\t'))
      z++;
    pedit(p, b, z - b, "");
  }
  set_reason(p, "the object no longer embeds the legacy base; nothing reads it any more");
  /* A struct whose only member was the base is left empty: accepted by GCC and Clang
   * (a GNU extension in C; -Wpedantic warns).  Say so on the site. */
  CXCursor parent = clang_getCursorSemanticParent(field);
  cursor_vec members = children(parent);
  size_t fields = 0;
  for (size_t i = 0; i < members.n; i++)
    fields += members.v[i].kind == CXCursor_FieldDecl;
  free(members.v);
  if (fields == 1)
    set_reason(p, "the struct's only member was the legacy base: it is left empty (a GNU C "
                  "extension, -Wpedantic warns); drop the struct by hand if nothing else uses it");
}

/* AS008: as_service_init / as_run_service / as_service_destroy. */
static char *norm(const char *s)
{
  sbuf b = {0};
  for (; *s; s++)
    if (*s != ' ' && *s != '\t' && *s != '\n')
      anyc__sb_addn(&b, s, 1);
  return b.s ? b.s : anyc__xstrdup("");
}

/* The object of a service named `&E.field` (-> "&E") or `&p->field` (-> "p"), and its
 * struct type; NULL when the service is not a field of an object. */
static char *service_object(ctx *x, CXCursor arg, CXType *type)
{
  CXCursor a0 = strip(arg);
  if (a0.kind != CXCursor_UnaryOperator)
    return NULL;
  char *t = text_of(x, a0);
  int amp = t[0] == '&';
  free(t);
  if (!amp)
    return NULL;
  cursor_vec k = children(a0);
  CXCursor mem = k.n == 1 ? strip(k.v[0]) : clang_getNullCursor();
  free(k.v);
  if (mem.kind != CXCursor_MemberRefExpr)
    return NULL;
  cursor_vec m = children(mem);
  char *obj = NULL;
  if (m.n == 1) {
    char *base = text_of(x, m.v[0]);
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
  CXCursor refd = clang_getCursorReferenced(strip(arg));
  for (size_t i = 0; i < x->fns.n; i++)
    if (x->fns.v[i].is_run && clang_equalCursors(x->fns.v[i].fn, refd))
      return &x->fns.v[i];
  return NULL;
}

/* The run function whose `(T *)self` cast names the struct type t. */
static fn_info *run_for_type(ctx *x, CXType t)
{
  for (size_t i = 0; i < x->fns.n; i++)
    if (x->fns.v[i].is_run && x->fns.v[i].has_obj_type &&
        clang_equalTypes(x->fns.v[i].obj_type, t))
      return &x->fns.v[i];
  return NULL;
}

/* The as_service_init in function f of the service spelled like `svc`: its call's
 * arguments (run, name).  0 if found. */
static int find_init(ctx *x, fn_info *f, CXCursor svc, CXCursor *ia)
{
  char *t = text_of(x, svc);
  char *key = norm(t);
  free(t);
  int found = -1;
  for (size_t i = 0; found && i < x->refs.n; i++) {
    const ref *o = &x->refs.v[i];
    if (o->kind != R_FUNC || fn_of(x, o) != f || strcmp(o->name, "as_service_init") != 0)
      continue;
    size_t oci = call_index(x, o);
    if (!oci || call_args(o->anc[oci - 1], ia, 3) != 3)
      continue;
    char *ot = text_of(x, ia[0]);
    char *k2 = norm(ot);
    free(ot);
    if (strcmp(k2, key) == 0)
      found = 0;
    free(k2);
  }
  free(key);
  return found;
}

/* The as_service_init calls in this unit of services whose object has type t, when
 * they all name the same run: the first one's arguments.  0 if found. */
static int find_init_of_type(ctx *x, CXType t, CXCursor *ia)
{
  int found = -1;
  CXCursor first_run = clang_getNullCursor();
  for (size_t i = 0; i < x->refs.n; i++) {
    const ref *o = &x->refs.v[i];
    if (o->kind != R_FUNC || strcmp(o->name, "as_service_init") != 0)
      continue;
    size_t oci = call_index(x, o);
    CXType ot;
    CXCursor a[3];
    if (!oci || call_args(o->anc[oci - 1], a, 3) != 3)
      continue;
    char *obj = service_object(x, a[0], &ot);
    int same = obj && clang_equalTypes(ot, t);
    free(obj);
    if (!same)
      continue;
    CXCursor run = clang_getCursorReferenced(strip(a[1]));
    if (found == 0 && !clang_equalCursors(run, first_run))
      return -1; /* two runs for one type: the type does not tell which */
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
    *runname = text_of(x, ia[1]);
  } else if (find_init_of_type(x, t, ia) == 0 && (run = run_named(x, ia[1])) &&
             (!run->has_obj_type || clang_equalTypes(run->obj_type, t))) {
    *runname = cx_str(clang_getCursorSpelling(run->fn));
  } else {
    return NULL;
  }
  *name = text_of(x, ia[2]);
  return run;
}

/* as_service_init of a service whose run is defined here, and as_service_destroy: the
 * statement goes (a plain struct needs neither). */
static void rule_init_destroy(ctx *x, const ref *r, size_t ci)
{
  CXCursor call = r->anc[ci - 1], par = stmt_parent(r, ci), args[3];
  int init = strcmp(r->name, "as_service_init") == 0;
  int na = call_args(call, args, 3);
  CXFile file;
  size_t b, e, n;
  const char *why = NULL;
  if (par.kind != CXCursor_CompoundStmt || extent(call, &file, &b, &e) != 0)
    why = "not a statement of its own";
  else if (init && (na != 3 || !run_named(x, args[1])))
    why = "the service's run function is not defined in this file";
  const char *s = why ? NULL : contents(x, file, &n);
  size_t semi = s ? after_semicolon(s, n, e) : 0;
  if (!why && !semi)
    why = "not a statement of its own";
  if (why) {
    left(x, r->cur, "AS107", r->name, 1, suggest_for(r->name), "%s: %s", r->name, why);
    return;
  }
  pend *p = new_pend(x, r->cur, "AS008", r->name, 1);
  delete_stmt(p, s, n, b, semi);
  set_reason(p, "a plain struct needs no %s", init ? "initialisation" : "teardown");
  p->s.suggest = anyc__xstrdup("");
}

/* as_run_service(&obj.service) -> anyc_run(run, &obj) outside any task (main, or code
 * only main-side code calls); run(&obj) inside a task, where as_run_service ran the
 * service in the calling task: run opens and closes its own group, so it returns once
 * every task of the service has finished, as as_run_service did. */
static void rule_run_service(ctx *x, const ref *r, size_t ci)
{
  CXCursor call = r->anc[ci - 1], args[3];
  fn_info *f = fn_of(x, r);
  const char *why = "it is not inside a function";
  int where = f ? fn_context(x, f->fn, 0, &why) : IN_UNKNOWN;
  int na = call_args(call, args, 3);
  CXFile file;
  size_t b, e;
  if (where == IN_UNKNOWN || na < 1 || extent(call, &file, &b, &e) != 0) {
    char *fname = f ? cx_str(clang_getCursorSpelling(f->fn)) : anyc__xstrdup("?");
    left(x, r->cur, "AS110", r->name, 1, suggest_for(r->name),
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
        : !clang_File_isEqual(df, file) || doff > b
            ? "the service's run is declared after this call"
            : NULL;
  if (why) {
    left(x, r->cur, "AS107", r->name, 1, suggest_for(r->name), "%s", why);
  } else {
    pend *p = new_pend(x, r->cur, "AS008", r->name, 1);
    char *t2 = where == IN_TASK ? anyc__xasprintf("%s(%s)", runname, obj)
                                : anyc__xasprintf("anyc_run(%s, %s)", runname, obj);
    pedit(p, b, e - b, t2);
    free(t2);
    set_reason(p, "%s", where == IN_TASK
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

static void mark_handled(ctx *x, CXCursor c)
{
  VEC_PUSH(x->handled, c);
}

static int is_handled(ctx *x, CXCursor c)
{
  for (size_t i = 0; i < x->handled.n; i++)
    if ((clang_equalCursors(x->handled.v[i], c) || same_node(x->handled.v[i], c)))
      return 1;
  return 0;
}

/* The innermost compound statement around the call at r->anc[ci - 1]. */
static CXCursor nearest_compound(const ref *r, size_t ci)
{
  for (size_t i = ci; i-- > 0;)
    if (r->anc[i].kind == CXCursor_CompoundStmt)
      return r->anc[i];
  return clang_getNullCursor();
}

/* The variable a statement-level call's value goes to: `int X = call;` (a declaration
 * of one variable) or `X = call;`, in a compound statement.  Returns the statement and
 * sets *var (malloc'd); null cursor otherwise. */
static CXCursor value_stmt(ctx *x, const ref *r, size_t ci, char **var, int *is_decl)
{
  CXCursor par = stmt_parent(r, ci);
  size_t pi = parent_index(r, ci - 1);
  *var = NULL;
  if (par.kind == CXCursor_VarDecl && pi >= 2 && r->anc[pi - 2].kind == CXCursor_DeclStmt &&
      pi >= 3 && r->anc[pi - 3].kind == CXCursor_CompoundStmt) {
    cursor_vec k = children(r->anc[pi - 2]);
    size_t nk = k.n;
    free(k.v);
    if (nk == 1) {
      *var = cx_str(clang_getCursorSpelling(par));
      *is_decl = 1;
      return r->anc[pi - 2];
    }
  } else if (par.kind == CXCursor_BinaryOperator && pi >= 2 &&
             r->anc[pi - 2].kind == CXCursor_CompoundStmt) {
    cursor_vec k = children(par);
    CXCursor lhs = k.n == 2 ? strip(k.v[0]) : clang_getNullCursor();
    free(k.v);
    char *op = text_of(x, par);
    int assign = strchr(op, '=') != NULL;
    free(op);
    if (lhs.kind == CXCursor_DeclRefExpr && assign) {
      *var = cx_str(clang_getCursorSpelling(lhs));
      *is_decl = 0;
      return par;
    }
  }
  return clang_getNullCursor();
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
  if (extent(enter, &file, &eb, &ee) != 0 || extent(exit, &file, &xb, &xe) != 0)
    return;
  const char *s = contents(x, file, &n);
  for (size_t i = 0; i < x->refs.n; i++) {
    const ref *o = &x->refs.v[i];
    int cancel = strcmp(o->name, "as_cancel") == 0, stop = strcmp(o->name, "as_stop") == 0;
    int started = strcmp(o->name, "as_wait_started") == 0;
    if (o->kind != R_FUNC || fn_of(x, o) != f || !(cancel || stop || started))
      continue;
    size_t oci = call_index(x, o);
    CXCursor oa[1];
    CXFile of;
    size_t ob, oe;
    if (!oci || call_args(o->anc[oci - 1], oa, 1) != 1 ||
        extent(o->anc[oci - 1], &of, &ob, &oe) != 0 || !clang_File_isEqual(of, file))
      continue;
    CXCursor m0 = strip(oa[0]), par = stmt_parent(o, oci);
    CXCursor ostmt = o->anc[parent_index(o, oci - 1)];
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
      cp = new_pend(x, o->cur, rule, o->name, 1);
      t = anyc__xasprintf("anyc_group_cancel(&%s)", tg);
      pedit(cp, ob, oe - ob, t);
      why = "the block's owner cancels the service: it cancels the block's group";
    } else if (stop && own_stmt && same_node(next_stmt(par, ostmt), exit)) {
      /* stop (cancel + wait) right before leaving: exit's cancel and close are that */
      size_t semi = after_semicolon(s, n, oe);
      if (!semi)
        continue;
      cp = new_pend(x, o->cur, rule, o->name, 1);
      delete_stmt(cp, s, n, ob, semi);
      why = "stopping the service right before leaving the block: leaving cancels the "
            "block's group and closes it, which waits for the service as as_stop did";
    } else if (started && status_used) {
      cp = new_pend(x, o->cur, rule, o->name, 1);
      pedit(cp, ob, oe - ob, "anyc_checkpoint()");
      why = "the native block starts the service at its first checkpoint: after this one "
            "it has started, as enter guaranteed (the status is still used)";
    } else if (started && only_space(s, line_start(s, ob), ob) &&
               own_stmt && same_node(enter_comp, par)) {
      size_t semi = after_semicolon(s, n, oe);
      if (!semi)
        continue;
      cp = new_pend(x, o->cur, rule, o->name, 1);
      char *ind = indent_at(s, ob);
      t = anyc__xasprintf("%s = anyc_checkpoint();\n%sif (%s < 0) return anyc_group_close(&%s, %s)",
                          var, ind, var, tg, var);
      free(ind);
      pedit(cp, ob, oe - ob, t);
      why = "the native block starts the service at its first checkpoint: after this one "
            "it has started, as enter guaranteed; a cancelled checkpoint leaves the block";
    } else {
      continue;
    }
    free(t);
    set_reason(cp, "%s", why);
    cp->s.suggest = anyc__xstrdup(started ? "anyc_checkpoint()" : "anyc_group_cancel(&tg)");
    mark_handled(x, o->cur);
  }
}

/* AS009: as_background_service_enter ... as_background_service_exit in one function ->
 * a task group that starts the service, then cancels and closes. */
static void rule_background(ctx *x, const ref *r, size_t ci)
{
  fn_info *f = fn_of(x, r);
  CXCursor call = r->anc[ci - 1], args[2], ea[2];
  const char *why = NULL;
  char *var = NULL, *obj = NULL;
  int is_decl = 0;
  CXCursor stmt = clang_getNullCursor(), mvar = clang_getNullCursor(), exit_call;
  const ref *exit_ref = NULL;
  size_t exit_ci = 0;
  fn_info *child = NULL;
  if (!f || !fn_returns_int(f->fn) || call_args(call, args, 2) != 2)
    why = "not in a function returning int";
  if (!why) {
    stmt = value_stmt(x, r, ci, &var, &is_decl);
    if (clang_Cursor_isNull(stmt))
      why = "its status is not stored by a statement of its own (int rc = ...; or rc = ...;)";
  }
  if (!why) {
    CXCursor a1 = strip(args[1]);
    cursor_vec k = children(a1);
    if (a1.kind == CXCursor_UnaryOperator && k.n == 1 && strip(k.v[0]).kind == CXCursor_DeclRefExpr)
      mvar = clang_getCursorReferenced(strip(k.v[0]));
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
    if (o->kind != R_FUNC || fn_of(x, o) != f || strcmp(o->name, "as_background_service_exit"))
      continue;
    size_t oci = call_index(x, o);
    if (!oci || call_args(o->anc[oci - 1], ea, 2) != 2)
      continue;
    CXCursor m0 = strip(ea[0]);
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
    CXCursor epar = stmt_parent(exit_ref, exit_ci);
    char *v2 = NULL;
    int d2;
    if (epar.kind == CXCursor_ReturnStmt &&
        parent_index(exit_ref, exit_ci - 1) >= 2 &&
        exit_ref->anc[parent_index(exit_ref, exit_ci - 1) - 2].kind == CXCursor_CompoundStmt)
      exit_stmt = epar;
    else
      exit_stmt = value_stmt(x, exit_ref, exit_ci, &v2, &d2);
    free(v2);
    if (clang_Cursor_isNull(exit_stmt))
      why = "as_background_service_exit is not returned or stored by a statement of its own";
  }
  /* The manager's declaration: `as_manager *m;` alone on its line goes. */
  CXCursor mdecl = clang_getNullCursor();
  for (size_t i = 0; !why && i < x->refs.n; i++) {
    const ref *o = &x->refs.v[i];
    if (o->kind == R_TYPE && o->depth >= 2 && same_node(o->anc[o->depth - 1], mvar) &&
        o->anc[o->depth - 2].kind == CXCursor_DeclStmt) {
      cursor_vec k = children(o->anc[o->depth - 2]);
      if (k.n == 1 && clang_Cursor_isNull(clang_Cursor_getVarDeclInitializer(mvar)))
        mdecl = o->anc[o->depth - 2];
      free(k.v);
    }
  }
  if (!why && clang_Cursor_isNull(mdecl))
    why = "the manager is not declared alone (as_manager *m;) in this function";
  CXFile file;
  size_t sb, se, cb, ce, xb, xe, xsb, xse, db, de, n;
  const char *s = NULL;
  if (!why && (extent(stmt, &file, &sb, &se) || extent(call, &file, &cb, &ce) ||
               extent(exit_call, &file, &xb, &xe) || extent(exit_stmt, &file, &xsb, &xse) ||
               extent(mdecl, &file, &db, &de)))
    why = "the block's statements are not in one file";
  if (!why) {
    s = contents(x, file, &n);
    if (!only_space(s, line_start(s, sb), sb) || !only_space(s, line_start(s, xsb), xsb))
      why = "a statement of the block shares its line";
  }
  if (why) {
    left(x, r->cur, "AS110", r->name, 1, suggest_for(r->name), "%s", why);
    free(var);
    free(obj);
    free(runname);
    free(name);
    return;
  }
  pend *p = new_pend(x, r->cur, "AS009", r->name, 1);
  char *tg = fresh(x, f, "tg");
  char *ind = indent_at(s, sb), *xind = indent_at(s, xsb);
  char *body = text_of(x, ea[1]);
  char *t = anyc__xasprintf("%sanyc_group %s;\n", ind, tg);
  pedit(p, line_start(s, sb), 0, t);
  free(t);
  t = anyc__xasprintf("anyc_group_open(&%s);\n%sif (%s < 0) return %s;\n"
                      "%s%s = anyc_start_soon_named(&%s, %s, %s, %s);\n"
                      "%sif (%s < 0) return anyc_group_close(&%s, %s)",
                      tg, ind, var, var, ind, var, tg, name, runname, obj, ind, var, tg, var);
  pedit(p, cb, ce - cb, t);
  free(t);
  t = anyc__xasprintf("%sanyc_group_cancel(&%s);\n", xind, tg);
  pedit(p, line_start(s, xsb), 0, t);
  free(t);
  t = anyc__xasprintf("anyc_group_close(&%s, %s)", tg, body);
  pedit(p, xb, xe - xb, t);
  free(t);
  size_t semi = after_semicolon(s, n, de);
  if (semi && s[de - 1] != ';')
    delete_stmt(p, s, n, db, semi);
  else
    delete_stmt(p, s, n, db, de);
  set_reason(p, "the service runs in a task group of the block; it starts at the block's "
                "first checkpoint (enter waited until it had started)");
  p->s.suggest = anyc__xstrdup(suggest_for(r->name));
  pend *q = new_pend(x, exit_ref->cur, "AS009", exit_ref->name, 1);
  set_reason(q, "leaving the block cancels the group and closes it with the body's status");
  q->s.suggest = anyc__xstrdup(suggest_for(exit_ref->name));
  mark_handled(x, exit_ref->cur);
  mark_handled(x, mvar);
  block_calls(x, f, mvar, tg, var, stmt, nearest_compound(r, ci), exit_stmt);
  free(tg);
  free(ind);
  free(xind);
  free(runname);
  free(name);
  free(body);
  free(var);
  free(obj);
}

/* AS006: as_is_running as a loop condition. */
static void rule_is_running(ctx *x, const ref *r, size_t ci)
{
  if (!is_loop_cond(r, ci)) {
    left(x, r->cur, "AS103", r->name, 1, suggest_for(r->name),
         "as_is_running read outside a loop condition");
    return;
  }
  /* Only a service's own tasks (obj->service.manager, self->manager) loop "until my
   * service is cancelled"; a loop on a manager variable watches another service from
   * outside (a background block's body), which !anyc_cancelled() would not mean. */
  CXCursor args[1];
  if (call_args(r->anc[ci - 1], args, 1) != 1 || !owner_manager(x, args[0])) {
    left(x, r->cur, "AS103", r->name, 1, "watch the other service through its group",
         "as_is_running on a manager variable watches another service");
    return;
  }
  CXFile file;
  size_t b, e;
  pend *p = new_pend(x, r->cur, "AS006", r->name, 1);
  p->s.suggest = anyc__xstrdup("!anyc_cancelled()");
  if (p->s.cls == SC_MACRO_BODY || extent(r->anc[ci - 1], &file, &b, &e) != 0) {
    p->s.rule = "AS105";
    p->s.rewritten = 0;
    set_reason(p, "as_is_running comes from a macro body");
    return;
  }
  pedit(p, b, e - b, "!anyc_cancelled()");
  set_reason(p, "the loop stops as soon as the task is cancelled (is_running stayed true "
                "while a cancelled service shut down)");
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
  size_t ci = call_index(x, r);
  int svc = is_one_of(r->name, svc_names);
  if (!ci) {
    left(x, r->cur, "AS104", r->name, svc, "call the native function, or wrap it in an anyc_fn",
         "a pointer to %s is taken", r->name);
    return;
  }
  fn_info *f = fn_of(x, r);
  fn_info *run = run_fn_of(x, r);
  if (strcmp(r->name, "as_sleep") == 0 || strcmp(r->name, "as_to_thread") == 0 ||
      strcmp(r->name, "as_run") == 0) {
    rule_simple(x, r, ci, f);
  } else if (strcmp(r->name, "as_wait_for") == 0) {
    rule_wait_for(x, r, ci, f);
  } else if (strcmp(r->name, "as_is_running") == 0) {
    rule_is_running(x, r, ci);
  } else if (strcmp(r->name, "as_run_service") == 0) {
    rule_run_service(x, r, ci);
  } else if (strcmp(r->name, "as_service_init") == 0 ||
             strcmp(r->name, "as_service_destroy") == 0) {
    rule_init_destroy(x, r, ci);
  } else if (strcmp(r->name, "as_background_service_enter") == 0) {
    rule_background(x, r, ci);
  } else if (run && (strcmp(r->name, "as_run_task") == 0 ||
                     strcmp(r->name, "as_run_daemon_task") == 0 ||
                     strcmp(r->name, "as_run_child_service") == 0 ||
                     strcmp(r->name, "as_run_daemon_child_service") == 0 ||
                     strcmp(r->name, "as_wait_finished") == 0 ||
                     strcmp(r->name, "as_cancel") == 0 || strcmp(r->name, "as_stop") == 0)) {
    rule_owner_call(x, r, ci, run);
  } else if (strcmp(r->name, "as_run_task") == 0 || strcmp(r->name, "as_run_daemon_task") == 0 ||
             strcmp(r->name, "as_run_child_service") == 0 ||
             strcmp(r->name, "as_run_daemon_child_service") == 0) {
    left(x, r->cur, run ? "AS110" : "AS102", r->name, 1, suggest_for(r->name),
         run ? "child services are migrated by hand" :
               "scheduling from code the service does not own (not its run)");
  } else if (strncmp(r->name, "as_is_", 6) == 0 || strcmp(r->name, "as_did_error") == 0 ||
             strcmp(r->name, "as_get_stats") == 0 || strncmp(r->name, "as_error_", 9) == 0) {
    left(x, r->cur, "AS103", r->name, 1, suggest_for(r->name),
         "%s reads the manager's state for another purpose", r->name);
  } else if (!run && strcmp(r->name, "as_wait_finished") == 0) {
    rule_wait_finished_task(x, r, ci, f);
  } else if (!run && (strcmp(r->name, "as_cancel") == 0 || strcmp(r->name, "as_stop") == 0)) {
    left(x, r->cur, "AS110", r->name, svc, suggest_for(r->name),
         "%s from code that is not the service's run: only run owns the group; pass the "
         "task group (anyc_group *) to this code", r->name);
  } else if (strcmp(r->name, "as_wait_started") == 0) {
    left(x, r->cur, "AS110", r->name, svc, suggest_for(r->name),
         "waiting for a service to start has no mechanical form: start it with "
         "anyc_start() and have its run call anyc_started()");
  } else {
    left(x, r->cur, "AS110", r->name, svc, suggest_for(r->name),
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
    pend *p = new_pend(x, r->cur, "AS014", r->name, 0);
    if (p->s.cls == SC_PLAIN || p->s.cls == SC_HEADER || p->s.cls == SC_MACRO_ARG) {
      pedit(p, p->s.offset, strlen("as_task_fn"), "anyc_fn");
      set_reason(p, "the same function type");
    } else {
      p->s.rule = "AS105";
      p->s.rewritten = 0;
      set_reason(p, "as_task_fn in a macro body");
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
      for (size_t i = 0; i < x->fns.n; i++)
        if (x->fns.v[i].is_run && clang_equalCursors(x->fns.v[i].param, par))
          return; /* AS003 */
    }
    if (par.kind == CXCursor_CStyleCastExpr && in_rewritten_call(x, r))
      return;
  }
  const char *rule = strcmp(r->name, "as_manager") == 0 ? "AS101"
                     : strcmp(r->name, "as_stats") == 0 ? "AS103"
                                                        : "AS107";
  left(x, r->cur, rule, r->name, 1,
       strcmp(r->name, "as_manager") == 0 ? "anyc_group * (pass the group, not a manager)"
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
  size_t pi = parent_index(r, r->depth);
  if (pi && r->anc[pi - 1].kind == CXCursor_MemberRefExpr &&
      decl_is_legacy(clang_getCursorReferenced(r->anc[pi - 1])))
    return;
  left(x, r->cur, "AS107", r->name, 1, "the object itself",
       "the embedded as_service field '%s' is used directly", r->name);
}

/* Legacy macros used (the error codes). */
static void rule_macro(ctx *x, const ref *r)
{
  left(x, r->cur, "AS108", r->name, 0,
       "the native statuses: -ECANCELED, anyc_fail() messages",
       "legacy error code %s has no native equivalent", r->name);
}

/* User macros whose definitions name the legacy API (AS105), and inactive #if branches
 * (AS106): found by tokens, never rewritten. */
static void token_sites(ctx *x, CXSourceRange range, CXCursor at, const char *rule,
                        const char *why)
{
  CXToken *toks;
  unsigned n;
  clang_tokenize(x->tu, range, &toks, &n);
  for (unsigned i = 0; i < n; i++) {
    if (clang_getTokenKind(toks[i]) != CXToken_Identifier)
      continue;
    char *sp = cx_str(clang_getTokenSpelling(x->tu, toks[i]));
    if (anyc__is_legacy_ident(sp, strlen(sp)) && strcmp(sp, "async_service") != 0) {
      pend p = {0};
      unsigned line, col, off;
      clang_getFileLocation(clang_getTokenLocation(x->tu, toks[i]), &p.file, &line, &col,
                            &off);
      p.s.line = line;
      p.s.col = col;
      p.s.offset = off;
      p.s.rule = rule;
      p.s.cls = rule[4] == '6' ? SC_INACTIVE : SC_MACRO_BODY;
      p.s.what = anyc__xstrdup(sp);
      p.s.reason = anyc__xstrdup(why);
      p.s.suggest = anyc__xstrdup(suggest_for(sp));
      p.svc = 0;
      VEC_PUSH(x->pends, p);
    }
    free(sp);
  }
  clang_disposeTokens(x->tu, toks, n);
  (void)at;
}

static enum CXChildVisitResult macro_defs(CXCursor c, CXCursor parent, CXClientData d)
{
  (void)parent;
  ctx *x = d;
  if (c.kind == CXCursor_MacroDefinition && !in_system(c))
    token_sites(x, clang_getCursorExtent(c), c, "AS105",
                "a macro body names the legacy API; rewrite the macro by hand");
  return CXChildVisit_Continue;
}

static void inactive_sites(ctx *x, CXFile f)
{
  CXSourceRangeList *l = clang_getSkippedRanges(x->tu, f);
  if (!l)
    return;
  for (unsigned i = 0; i < l->count; i++)
    token_sites(x, l->ranges[i], clang_getNullCursor(), "AS106",
                "in an inactive #if branch: not compiled in this configuration");
  clang_disposeSourceRangeList(l);
}

/* ---- results into the tu_result ----------------------------------------------------- */

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
  t.path = cx_str(clang_getFileName(f));
  size_t n;
  const char *s = contents(x, f, &n);
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
    const char *s = contents(x, p->file, &n);
    for (size_t k = 0; s && k < p->edits.n; k++) {
      edit *e = &p->edits.v[k];
      if (e->len && *e->text && e->off + e->len <= n && drops_comment(s, e->off, e->off + e->len, e->text)) {
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
      snprintf(where, sizeof where, "%u:%u", p->s.line, p->s.col);
    }
  }
  for (size_t i = 0; i < x->pends.n; i++) {
    pend *p = &x->pends.v[i];
    if (svc_failed && p->svc && p->s.rewritten) {
      p->s.rewritten = 0;
      p->s.rule = "AS107";
      free(p->s.reason);
      p->s.reason = anyc__xasprintf("the service is migrated whole, and its site at %s "
                                    "(%s) cannot be rewritten", where, svc_why);
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
    free(f->arg);
    free(f->indent);
  }
  free(x->fns.v);
  free(x->pends.v);
  free(x->stack.v);
  free(x->svcfields.v);
  free(x->handled.v);
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
  find_runs(&x);
  for (size_t i = 0; i < x.fns.n; i++)
    if (x.fns.v[i].is_run) {
      rule_run_fn(&x, &x.fns.v[i]);
      if (x.fns.v[i].needs_group)
        rule_returns(&x, &x.fns.v[i]);
    }
  for (size_t i = 0; i < x.svcfields.n; i++)
    if (!in_system(x.svcfields.v[i]))
      rule_struct_field(&x, x.svcfields.v[i]);
  for (size_t i = 0; i < x.refs.n; i++)
    if (x.refs.v[i].kind == R_FUNC)
      rule_func(&x, &x.refs.v[i]);
  for (size_t i = 0; i < x.fns.n; i++)
    if (x.fns.v[i].is_run)
      rule_param_uses(&x, &x.fns.v[i]);
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
        left(&x, r->cur, "AS101", r->name, 1, "pass the task group (anyc_group *) instead",
             "the manager '%s' is used outside the legacy calls", r->name);
      break;
    case R_MACRO:
      rule_macro(&x, r);
      break;
    case R_INCLUDE: {
      CXFile f;
      size_t b, e, n;
      if (extent(r->cur, &f, &b, &e) == 0 && scanned(&x, f)) {
        tu_file *tf = tf_get(&x, f);
        const char *s = contents(&x, f, &n);
        const char *q = NULL;
        for (size_t k = b; k < e && !q; k++)
          if (s[k] == '<' || s[k] == '"')
            q = s + k;
        if (q && !tf->has_include) {
          tf->has_include = 1;
          tf->include_off = (size_t)(q - s);
          tf->include_len = e - tf->include_off;
          tf->include_quote = *q;
        }
      }
      break;
    }
    default:
      break;
    }
  }
  clang_visitChildren(root, macro_defs, &x);
  for (size_t i = 0, n = res->files.n; i < n; i++) {
    CXFile f = clang_getFile(tu, res->files.v[i].path);
    if (f)
      inactive_sites(&x, f);
  }
  finish(&x);
  free_ctx(&x);
}
