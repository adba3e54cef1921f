/* service.c — a CircuitBreaker service guarding calls to a backend that is down for a
 * while.  A caller task issues calls one by one; a daemon reports each state change.
 * The breaker opens after three failures, rejects calls during the cool-down, lets one
 * probe through half-open, and closes once the backend is back. */
#include <errno.h>
#include <stdio.h>

#include <async_service.h>

#include "breaker.h"

struct cb_service {
  as_service service;
  struct breaker breaker;
  int backend_up_after;  /* call number from which the backend answers */
  int calls, rejected;
  enum breaker_state reported;
};

static int backend_call(struct cb_service *s) {
  return ++s->calls >= s->backend_up_after ? 0 : -ECONNREFUSED;
}

static int state_reporter(void *arg) {
  struct cb_service *s = arg;
  for (;;) {
    if (s->breaker.state != s->reported) {
      s->reported = s->breaker.state;
      printf("breaker: now %s\n", breaker_state_name(s->reported));
    }
    int rc = anyc_sleep(0.0002);
    if (rc) return rc;
  }
}

/* Wait until the reporter has seen the current state, so reports and calls interleave
 * in one order. */
static int settle(struct cb_service *s) {
  while (s->reported != s->breaker.state) {
    int rc = anyc_sleep(0.0001);
    if (rc) return rc;
  }
  return 0;
}

static int caller(void *arg) {
  struct cb_service *s = arg;
  int ok_streak = 0, rc;
  while (ok_streak < 2) {
    if ((rc = settle(s))) return rc;
    double now = anyc_now();
    if (!breaker_allow(&s->breaker, now)) {
      s->rejected++;
      if ((rc = anyc_sleep(s->breaker.cooldown / 4))) return rc;
      continue;
    }
    if ((rc = settle(s))) return rc;
    int result = backend_call(s);
    printf("call %d: %s\n", s->calls, result ? "refused" : "ok");
    breaker_record(&s->breaker, result == 0, anyc_now());
    ok_streak = result ? 0 : ok_streak + 1;
  }
  if ((rc = settle(s))) return rc;
  printf("breaker: backend healthy again\n");
  return as_cancel(s->service.manager);
}

static int cb_run(as_service *self) {
  struct cb_service *s = (struct cb_service *)self;
  as_run_daemon_task(self->manager, state_reporter, s, "state_reporter");
  as_run_task(self->manager, caller, s, "caller");
  return 0;
}

int main(void) {
  static struct cb_service s = {.backend_up_after = 5};
  breaker_init(&s.breaker, 3, 0.004);
  as_service_init(&s.service, cb_run, "CircuitBreaker");
  int rc = as_run_service(&s.service);
  printf("circuit breaker: rc=%d errors=%zu\n", rc, as_error_count(s.service.manager));
  as_service_destroy(&s.service);
  return rc;
}
