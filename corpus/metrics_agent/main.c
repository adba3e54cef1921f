/* main.c — run the agent until its daemon exits; print what the manager recorded. */
#include <stdio.h>

#include "agent.h"

int main(void)
{
  agent_t a;
  agent_init(&a, "metrics", 3);
  int rc = as_run_service(&a.base);
  as_manager *m = a.base.manager;
  printf("agent: run_service -> %s\n", rc == AS_EDAEMONEXIT ? "AS_EDAEMONEXIT" : anyc_strerror(rc));
  size_t n = as_error_count(m);
  for (size_t i = 0; i < n; i++)
  {
    int code;
    const char *msg;
    if (as_error_at(m, i, &code, &msg) == 0)
      printf("agent: error %zu: %s\n", i, msg ? msg : "(no message)");
  }
  printf("agent: cancelled=%d did_error=%d uploads=%d\n", as_is_cancelled(m), as_did_error(m),
         a.uploads);
  as_service_destroy(&a.base);
  return rc == AS_EDAEMONEXIT ? 0 : 1;
}
