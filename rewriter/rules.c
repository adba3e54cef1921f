/* rules.c — the rule table: every rewrite (AS0xx) and every kind of site left for a
 * person (AS1xx), with a stable id, a name and a one-line title.  Each has a page
 * docs/rules/<id>.md (legacy form, native form, why, when it declines).  The ids are a
 * public interface (reports, --rules, CI annotations): never renumber. */
#include <string.h>

#include "migrate.h"

const rule_info anyc__rules[] = {
  {"AS001", "include", "#include <async_service.h> becomes #include <anyc.h> once nothing legacy is left"},
  {"AS002", "service-struct", "a struct embedding as_service becomes a plain struct"},
  {"AS003", "service-run", "the service's run(as_service *) becomes run(void *) with a task group"},
  {"AS004", "run-task", "as_run_task / as_run_daemon_task from run become anyc_start_soon_named into its group"},
  {"AS005", "wait-finished", "as_wait_finished that parks run becomes closing the group"},
  {"AS006", "is-running-loop", "as_is_running as a loop condition becomes !anyc_cancelled()"},
  {"AS007", "cancel-by-owner", "as_cancel / as_stop by the owner become anyc_group_cancel"},
  {"AS008", "run-service", "as_service_init + as_run_service (+ as_service_destroy) become anyc_run(run, &obj), or run(&obj) inside a task"},
  {"AS009", "background-service", "as_background_service_enter/exit become a group that starts the service, then cancels and closes"},
  {"AS010", "sleep", "as_sleep becomes anyc_sleep"},
  {"AS011", "to-thread", "as_to_thread becomes anyc_to_thread(fn, arg, 0)"},
  {"AS012", "run", "as_run becomes anyc_run"},
  {"AS013", "wait-for", "as_wait_for becomes a fail_after cancel scope around the call"},
  {"AS014", "task-fn-type", "the as_task_fn type becomes anyc_fn"},
  {"AS015", "child-service", "as_run_child_service from run becomes anyc_start_soon_named of the child's run"},
  {"AS016", "wait-started", "as_wait_started on a background block's manager becomes a checkpoint: the service starts there"},
  {"AS017", "wait-finished-in-task", "as_wait_finished in a task of the service becomes sleeping until cancelled"},
  {"AS101", "manager-escapes", "a manager stored, or passed to code that is not the legacy API"},
  {"AS102", "foreign-scheduling", "scheduling into a service from code the service does not own"},
  {"AS103", "flags-stats", "lifecycle flags, stats or error lists read for other purposes"},
  {"AS104", "function-pointer", "a function pointer to the legacy API"},
  {"AS105", "macro-body", "a legacy use inside a macro body"},
  {"AS106", "inactive-branch", "a legacy use in an inactive #if branch"},
  {"AS107", "service-incomplete", "a service whose sites cannot all be rewritten is left whole"},
  {"AS108", "error-code", "a legacy error code (AS_ELIFECYCLE, AS_EDAEMONEXIT, AS_ETOOMANYCHILDREN)"},
  {"AS109", "macro-argument", "a legacy use in a macro argument that cannot be rewritten safely"},
  {"AS110", "manual", "a legacy call with no mechanical rewrite in this form"},
};
const size_t anyc__rule_count = sizeof anyc__rules / sizeof anyc__rules[0];

const rule_info *anyc__rule_find(const char *id)
{
  for (size_t i = 0; i < anyc__rule_count; i++)
    if (strcmp(anyc__rules[i].id, id) == 0)
      return &anyc__rules[i];
  return NULL;
}

/* --rules limits the rewrites; AS1xx sites are always reported, because hiding a
 * legacy use would make --check lie. */
int anyc__rule_enabled(const options *o, const char *id)
{
  if (o->rules.n == 0 || id[2] == '1')
    return 1;
  for (size_t i = 0; i < o->rules.n; i++)
    if (strcmp(o->rules.v[i], id) == 0)
      return 1;
  return 0;
}

const char *anyc__site_class_name(enum site_class c)
{
  static const char *const names[] = {"plain", "macro-argument", "macro-body", "header",
                                      "inactive"};
  return names[c];
}
