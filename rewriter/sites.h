/* sites.h — what the files of the site finder share (internal to rewriter/): the walk's
 * records (references to the legacy API with their ancestors, functions, pending sites,
 * the per-unit context) and the helpers and rules each file gives the others.  sites.c
 * walks and dispatches; ast.c reads cursors and bytes; flow.c says what can run after a
 * site; rules_call.c, rules_service.c and
 * rules_task.c are the rules (docs/rules/). */
#ifndef ANYC_MIGRATE_SITES_H
#define ANYC_MIGRATE_SITES_H

#include <stddef.h>

#include <clang-c/Index.h>

#include "migrate.h"

typedef VEC(CXCursor) cursor_vec;

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
  CXCursor rc_var;       /* the user's declaration run's group status took over, or null */
  char *chk;             /* a status variable added for checks (rules_call.c) */
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

/* A background block in a function (AS009), from its enter to its exit statement: a
 * status checked inside it must close the block's group (tg; NULL: the block is left). */
typedef struct block {
  CXCursor fn;
  size_t begin, end;
  char *tg;
} block;

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
  VEC(block) blocks;      /* background blocks seen so far (rule_func goes in text order) */
} ctx;

/* One use of a declaration (a function, a variable): the function it is in, its
 * nearest ancestor that is not an implicit wrapper or parenthesis, and the call it is
 * the callee (arg -1) or argument `arg` of; call is null for any other use. */
typedef struct fn_use { CXCursor in_fn, parent, call; int arg; } fn_use;

enum { IN_UNKNOWN, IN_TASK, IN_NO_TASK };

/* ---- ast.c: cursors, bytes, statements, names, uses -------------------------------------- */
cursor_vec anyc__children(CXCursor c);
CXCursor anyc__strip(CXCursor c);
char *anyc__cx_str(CXString s);
int anyc__file_is_legacy_header(CXFile f);
int anyc__decl_is_legacy(CXCursor decl);
int anyc__same_node(CXCursor a, CXCursor b);
const char *anyc__contents(ctx *x, CXFile f, size_t *size);
int anyc__extent(CXCursor c, CXFile *f, size_t *b, size_t *e);
char *anyc__text_of(ctx *x, CXCursor c);
/* Is c (parentheses aside: `(a, b)` is not) a comma expression `a, b`?  Such an
 * expression needs parentheses to become one argument of a call. */
int anyc__is_comma_expr(ctx *x, CXCursor c);
size_t anyc__line_start(const char *s, size_t off);
char *anyc__indent_at(const char *s, size_t off);
int anyc__only_space(const char *s, size_t b, size_t e);
fn_info *anyc__fn_of(ctx *x, const ref *r);
int anyc__name_used(fn_info *f, const char *s);
char *anyc__fresh(ctx *x, fn_info *f, const char *base);
CXCursor anyc__fn_body(CXCursor fn);
char *anyc__body_indent(ctx *x, CXCursor body);
char *anyc__indent_unit(ctx *x, fn_info *f);
size_t anyc__parent_index(const ref *r, size_t from);
size_t anyc__call_index(ctx *x, const ref *r);
CXCursor anyc__stmt_parent(const ref *r, size_t ci);
CXCursor anyc__next_stmt(CXCursor comp, CXCursor c);
int anyc__call_args(CXCursor call, CXCursor *args, int max);
size_t anyc__after_semicolon(const char *s, size_t n, size_t e);
void anyc__delete_stmt(pend *p, const char *s, size_t n, size_t b, size_t semi);
int anyc__owner_manager(ctx *x, CXCursor arg, const fn_info *run);
fn_use *anyc__fn_uses(ctx *x, CXCursor fn, size_t *n);
char *anyc__api_callee(CXCursor call);
int anyc__fn_returns_int(CXCursor fn);
int anyc__fn_returns_void(CXCursor fn);
char *anyc__arg_text(ctx *x, CXCursor a);
int anyc__ref_inside(const ref *r, CXCursor c);
int anyc__has_legacy_call(ctx *x, CXCursor c);
char *anyc__stmt_call(CXCursor stmt, CXCursor *call);
void anyc__need_header(ctx *x, pend *p, CXFile file, const char *hdr);
char *anyc__norm(const char *s);
CXCursor anyc__nearest_compound(const ref *r, size_t ci);
CXCursor anyc__value_stmt(ctx *x, const ref *r, size_t ci, char **var, int *is_decl);
int anyc__opens_scope(const char *s, size_t b, size_t e);
const block *anyc__block_at(ctx *x, fn_info *f, size_t off);

/* ---- flow.c: what can run after a site ---------------------------------------------------- */
int anyc__var_dead_after(ctx *x, const ref *r, size_t si, CXCursor var, size_t from);
int anyc__rest_skippable(ctx *x, const ref *r, size_t si);
int anyc__has_goto(ctx *x, CXCursor body);
int anyc__no_effects(ctx *x, CXCursor c);
int anyc__uses_within(ctx *x, CXCursor body, CXCursor var, size_t b, size_t e);

/* ---- sites.c: the walk, pending sites, handled cursors ----------------------------------- */
int anyc__in_system(CXCursor c);
int anyc__is_svc_type(CXType t);
pend *anyc__new_pend(ctx *x, CXCursor c, const char *rule, const char *what, int svc);
void anyc__set_reason(pend *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void anyc__decline(pend *p, const char *rule, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));
pend *anyc__left(ctx *x, CXCursor c, const char *rule, const char *what, int svc,
                 const char *suggest, const char *fmt, ...)
  __attribute__((format(printf, 7, 8)));
void anyc__pedit(pend *p, size_t off, size_t len, const char *text);
int anyc__is_one_of(const char *n, const char *const *list);
void anyc__mark_handled(ctx *x, CXCursor c);

/* ---- rules_call.c: single calls, checked statuses, suggestions --------------------------- */
const char *anyc__suggest_for(const char *n);
int anyc__is_legacy_name(const char *n);
/* Leave a run whose rewrite would not hold in other #if configurations (AS107). */
void anyc__rule_run_conditionals(ctx *x);
char *anyc__close_text(fn_info *f, const char *status);
void anyc__keep_ignored(pend *p, CXCursor par, size_t b, size_t semi, const char *newcall);
void anyc__rule_simple(ctx *x, const ref *r, size_t ci, fn_info *f);
void anyc__rule_wait_for(ctx *x, const ref *r, size_t ci, fn_info *f);
void anyc__rule_is_running(ctx *x, const ref *r, size_t ci, fn_info *f);

/* ---- rules_service.c: the service pattern ------------------------------------------------ */
void anyc__find_runs(ctx *x);
fn_info *anyc__run_fn_of(ctx *x, const ref *r);
void anyc__rule_run_fn(ctx *x, fn_info *f);
void anyc__rule_returns(ctx *x, fn_info *f);
void anyc__rule_prototype_param(ctx *x, fn_info *f, CXCursor prm);
void anyc__rule_param_uses(ctx *x, fn_info *f);
void anyc__rule_owner_call(ctx *x, const ref *r, size_t ci, fn_info *f);
void anyc__rule_struct_field(ctx *x, CXCursor field);
void anyc__rule_init_destroy(ctx *x, const ref *r, size_t ci);
void anyc__rule_run_service(ctx *x, const ref *r, size_t ci);
void anyc__rule_background(ctx *x, const ref *r, size_t ci);

/* ---- rules_task.c: where code runs, tasks of a service ----------------------------------- */
int anyc__fn_context(ctx *x, CXCursor fn, int depth, const char **why);
void anyc__rule_wait_finished_task(ctx *x, const ref *r, size_t ci, fn_info *f);
int anyc__in_service_task(ctx *x, fn_info *f, CXCursor mgr, const char **why);
/* The rewrite removed a use of the local object pointer `obj` (`obj->service.manager`):
 * drop its declaration (or make it `(void)arg;`) when that was its only use.  0 done or
 * nothing to do, -1 when the declaration is not simple. */
int anyc__drop_unused_object(ctx *x, pend *p, fn_info *f, CXCursor objexpr);
int anyc__drop_manager_object(ctx *x, pend *p, fn_info *f, CXCursor mgr);

#endif
