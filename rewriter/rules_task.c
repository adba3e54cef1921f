/* rules_task.c — where code runs, decided from the unit alone: is a function inside a
 * task (a service's run, a function a task starter runs, or only called from such), or
 * outside any (main and what only main-side code calls)?  AS008 asks it for
 * as_run_service outside main.  And the tasks of a service: a function only the
 * service's run starts, whose as_wait_finished can only end by cancellation (AS017). */
#include <stdlib.h>
#include <string.h>

#include <clang-c/Index.h>

#include "migrate.h"
#include "sites.h"

/* Is `arg` of `call` the function a new task runs (anyc_start_soon's fn, as_run_task's
 * fn, anyc_run's main, ...)? */
static int spawns_task(CXCursor call, int arg)
{
  static const struct { const char *name; int arg; } spawners[] = {
    {"anyc_start_soon", 1}, {"anyc_start_soon_named", 2}, {"anyc_run", 0},
    {"anyc_run_with", 1},   {"as_run_task", 1},           {"as_run_daemon_task", 1},
    {"as_run", 0},
  };
  char *name = anyc__api_callee(call);
  int r = 0;
  for (size_t i = 0; name && i < sizeof spawners / sizeof spawners[0]; i++)
    r |= strcmp(name, spawners[i].name) == 0 && arg == spawners[i].arg;
  free(name);
  return r;
}

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
int anyc__fn_context(ctx *x, CXCursor fn, int depth, const char **why)
{
  char *name = anyc__cx_str(clang_getCursorSpelling(fn));
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
  fn_use *u = anyc__fn_uses(x, fn, &n);
  int seen = 0, bad = 0;
  for (size_t i = 0; i < n && !bad; i++) {
    int c;
    if (!clang_Cursor_isNull(u[i].call) && u[i].arg >= 0 && spawns_task(u[i].call, u[i].arg)) {
      c = IN_TASK;
    } else if (!clang_Cursor_isNull(u[i].call) && u[i].arg < 0 &&
               !clang_Cursor_isNull(u[i].in_fn)) {
      if (clang_equalCursors(clang_getCanonicalCursor(u[i].in_fn), clang_getCanonicalCursor(fn)))
        continue; /* recursion tells nothing */
      c = anyc__fn_context(x, u[i].in_fn, depth + 1, why);
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

/* The struct type of the object whose service's manager `m` names
 * (`obj->service.manager`, `obj.service.manager`).  0 if found. */
static int manager_object_type(CXCursor m, CXType *t)
{
  CXCursor a = anyc__strip(m);
  cursor_vec k = anyc__children(a);
  CXCursor svc = a.kind == CXCursor_MemberRefExpr && k.n == 1 ? anyc__strip(k.v[0])
                                                              : clang_getNullCursor();
  free(k.v);
  if (svc.kind != CXCursor_MemberRefExpr || !anyc__is_svc_type(clang_getCursorType(svc)))
    return -1;
  cursor_vec o = anyc__children(svc);
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
  if (anyc__owner_manager(x, arg, NULL))
    return 1;
  CXCursor a = anyc__strip(arg), var = clang_getCursorReferenced(a);
  if (a.kind != CXCursor_DeclRefExpr || var.kind != CXCursor_VarDecl ||
      clang_Cursor_hasVarDeclGlobalStorage(var))
    return 0;
  CXCursor init = clang_Cursor_getVarDeclInitializer(var);
  if (clang_Cursor_isNull(init) || !anyc__owner_manager(x, init, NULL))
    return 0;
  size_t n;
  fn_use *u = anyc__fn_uses(x, var, &n);
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
  fn_use *u = anyc__fn_uses(x, f->fn, &n);
  const char *why = n ? NULL : "the function is not started as a task in this file";
  for (size_t i = 0; i < n && !why; i++) {
    fn_info *run = NULL;
    CXCursor a[4];
    char *callee = clang_Cursor_isNull(u[i].call) ? NULL : anyc__api_callee(u[i].call);
    if (callee && u[i].arg == 1 && !clang_Cursor_isNull(u[i].in_fn) &&
        (strcmp(callee, "as_run_task") == 0 || strcmp(callee, "as_run_daemon_task") == 0) &&
        anyc__call_args(u[i].call, a, 4) == 4 && run_manager(x, a[0]))
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

/* Does the code of function f run in a task of the service whose manager `mgr` names
 * (`obj->service.manager`): is f that service's run, or a task only its run starts?
 * Otherwise (*why) it runs elsewhere -- the owner of a background block, say -- where
 * the native flags (anyc_cancelled()) describe another task. */
int anyc__in_service_task(ctx *x, fn_info *f, CXCursor mgr, const char **why)
{
  CXType t;
  if (f && f->is_run && anyc__owner_manager(x, mgr, f))
    return 1;
  if (!f || manager_object_type(mgr, &t) != 0) {
    *why = "the manager's service is not known";
    return 0;
  }
  if (f->is_run && f->has_obj_type && clang_equalTypes(f->obj_type, t))
    return 1;
  *why = not_task_of_service(x, f, t);
  return *why == NULL;
}

/* The rewrite removed the only use of the local object pointer in `objexpr` (the
 * task's `struct T *obj = arg;`): its declaration goes too, or becomes `(void)arg;` when
 * that was the parameter's only use -- as an expert leaves no unused variable.  0 when
 * nothing else is needed or done; -1 when the declaration is not that simple. */
int anyc__drop_unused_object(ctx *x, pend *p, fn_info *f, CXCursor objexpr)
{
  CXCursor o = anyc__strip(objexpr), var = clang_getCursorReferenced(o);
  size_t n;
  if (o.kind != CXCursor_DeclRefExpr || var.kind != CXCursor_VarDecl)
    return -1;
  free(anyc__fn_uses(x, var, &n));
  if (n != 1)
    return 0; /* still used */
  cursor_vec k = anyc__children(anyc__fn_body(f->fn));
  CXCursor decl = clang_getNullCursor();
  for (size_t i = 0; i < k.n; i++) {
    cursor_vec v = anyc__children(k.v[i]);
    if (k.v[i].kind == CXCursor_DeclStmt && v.n == 1 && anyc__same_node(v.v[0], var))
      decl = k.v[i];
    free(v.v);
  }
  free(k.v);
  CXCursor init = clang_Cursor_isNull(decl) ? decl : clang_Cursor_getVarDeclInitializer(var);
  CXCursor ie = clang_Cursor_isNull(init) ? init : anyc__strip(init);
  if (ie.kind == CXCursor_CStyleCastExpr) { /* `struct T *obj = (struct T *)arg;` */
    cursor_vec ck = anyc__children(ie);
    ie = ck.n ? anyc__strip(ck.v[ck.n - 1]) : clang_getNullCursor();
    free(ck.v);
  }
  CXCursor prm = clang_Cursor_isNull(ie) ? ie : clang_getCursorReferenced(ie);
  CXFile file;
  size_t b, e, sz;
  if (prm.kind != CXCursor_ParmDecl || anyc__extent(decl, &file, &b, &e) != 0)
    return -1;
  const char *s = anyc__contents(x, file, &sz);
  size_t semi = e && s[e - 1] == ';' ? e : anyc__after_semicolon(s, sz, e);
  if (!semi)
    return -1;
  free(anyc__fn_uses(x, prm, &n));
  if (n > 1) {
    anyc__delete_stmt(p, s, sz, b, semi);
  } else {
    char *name = anyc__cx_str(clang_getCursorSpelling(prm));
    char *t = anyc__xasprintf("(void)%s;", name);
    anyc__pedit(p, b, semi - b, t);
    free(t);
    free(name);
  }
  return 0;
}

/* As anyc__drop_unused_object for the object a manager is named through
 * (`obj->service.manager`, `obj` a local): 0 when nothing is needed or it was done
 * (also when the manager is named another way, e.g. `self->manager`), -1 when the
 * declaration is not simple enough to drop. */
int anyc__drop_manager_object(ctx *x, pend *p, fn_info *f, CXCursor mgr)
{
  cursor_vec mk = anyc__children(anyc__strip(mgr));
  cursor_vec ok = mk.n == 1 ? anyc__children(anyc__strip(mk.v[0])) : (cursor_vec){0};
  CXCursor o = ok.n == 1 ? anyc__strip(ok.v[0]) : clang_getNullCursor();
  int rc = 0;
  if (o.kind == CXCursor_DeclRefExpr &&
      clang_getCursorReferenced(o).kind == CXCursor_VarDecl)
    rc = anyc__drop_unused_object(x, p, f, o);
  free(mk.v);
  free(ok.v);
  return rc;
}

/* AS017: as_wait_finished(obj->service.manager) in a task of that service.  The service
 * is not finished while one of its tasks runs, so the call returns only when the task is
 * cancelled (the service is stopping): that is sleeping until cancelled. */
void anyc__rule_wait_finished_task(ctx *x, const ref *r, size_t ci, fn_info *f)
{
  CXCursor call = r->anc[ci - 1], par = anyc__stmt_parent(r, ci), args[1];
  CXType t;
  CXFile file;
  size_t b, e;
  const char *why = NULL;
  if (!f || anyc__call_args(call, args, 1) != 1 || anyc__extent(call, &file, &b, &e) != 0 ||
      !anyc__owner_manager(x, args[0], NULL) || manager_object_type(args[0], &t) != 0)
    why = "the manager is not named as obj->service.manager";
  else if (par.kind == CXCursor_CompoundStmt || par.kind == CXCursor_IfStmt ||
           par.kind == CXCursor_WhileStmt || par.kind == CXCursor_ForStmt ||
           par.kind == CXCursor_DoStmt)
    why = "its status is ignored: the native sleep's -ECANCELED has to be checked, and the "
          "code after it is shutdown work";
  else
    why = not_task_of_service(x, f, t);
  if (why) {
    anyc__left(x, r->cur, "AS110", r->name, 1, anyc__suggest_for(r->name),
               "as_wait_finished from code that is not the service's run: %s", why);
    return;
  }
  pend *p = anyc__new_pend(x, r->cur, "AS017", r->name, 1);
  p->s.suggest = anyc__xstrdup("anyc_sleep(INFINITY)");
  if (p->s.cls == SC_MACRO_ARG || p->s.cls == SC_MACRO_BODY) {
    anyc__decline(p, p->s.cls == SC_MACRO_ARG ? "AS109" : "AS105",
                  "as_wait_finished inside a macro: rewrite by hand");
    return;
  }
  if (anyc__drop_manager_object(x, p, f, args[0]) != 0) {
    anyc__decline(p, "AS110",
                  "the object the task names the manager through would be left unused; "
                  "rewrite by hand");
    return;
  }
  anyc__pedit(p, b, e - b, "anyc_sleep(INFINITY)");
  anyc__need_header(x, p, file, "math.h");
  anyc__set_reason(p, "a task of the service waits for the service's end: it sleeps until the "
                "service's group is cancelled (-ECANCELED, as as_wait_finished returned)");
}
