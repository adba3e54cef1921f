/* shim_test.h — what the shim's tests share: a test service with the knobs upstream's
 * test services have (an event to wait on, a flag, a slot for the manager under test),
 * upstream's do_service_lifecycle_check, and a wrapper that runs a scenario on the mock
 * clock and asserts its checks.  Everything here runs inside tasks, so it CHECKs.
 */
#ifndef SHIM_TEST_H
#define SHIM_TEST_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "anyc_test.h"
#include <async_service.h>

#define FOREVER 1e9 /* seconds; mock time, so never reached in practice */

/* A service and the state its tests look at. */
typedef struct tsvc {
  as_service svc;
  anyc_event ev, ready;
  int flag, rc;
  void *user;
} tsvc;

static inline tsvc *tsvc_of(as_service *s) { return (tsvc *)(void *)s; }

static inline void tsvc_init(tsvc *t, as_run_fn run, const char *name)
{
  memset(t, 0, sizeof *t);
  as_service_init(&t->svc, run, name);
  anyc_event_init(&t->ev);
  anyc_event_init(&t->ready);
}

static inline void check_flags(const as_manager *m, int started, int running, int cancelled,
                               int finished)
{
  CHECK_INT(as_is_started(m), started);
  CHECK_INT(as_is_running(m), running);
  CHECK_INT(as_is_cancelled(m), cancelled);
  CHECK_INT(as_is_finished(m), finished);
}

/* Run as_run_service(svc) in a task and keep its result in tsvc.rc. */
static inline int run_service_task(void *arg)
{
  tsvc *t = arg;
  t->rc = as_run_service(&t->svc);
  return 0;
}

/* Wait for `m`'s event-like condition within `seconds` (upstream: fail_after(0.1)). */
static inline int within(double seconds, int (*wait)(as_manager *), as_manager *m)
{
  anyc_scope s;
  anyc_fail_after(&s, seconds);
  return anyc_scope_close(&s, wait(m));
}

/* Upstream's do_service_lifecycle_check: run the service beside us, check the flags
 * around trigger(), which must end it (cancelled or not). */
static inline void lifecycle_check(tsvc *t, void (*trigger)(tsvc *), int should_be_cancelled)
{
  anyc_group g;
  check_flags(t->svc.manager, 0, 0, 0, 0); /* not run yet: no manager, all false */
  anyc_group_open(&g);
  anyc_start_soon(&g, run_service_task, t);
  CHECK_INT(anyc_sleep(0), 0); /* the runner attaches and starts the manager */
  as_manager *m = t->svc.manager;
  CHECK(m != NULL);
  if (m) {
    CHECK_INT(within(0.1, as_wait_started, m), 0);
    check_flags(m, 1, 1, 0, 0);
    trigger(t);
    CHECK_INT(within(0.1, as_wait_finished, m), 0);
    check_flags(m, 1, 0, should_be_cancelled, 1);
  }
  CHECK_INT(anyc_group_close(&g, 0), 0);
}

/* Run scenario() on the mock clock and assert what it checked. */
#define RUN(scenario)                                                            \
  do {                                                                           \
    checks_reset();                                                              \
    assert_int_equal(run_mock(scenario, NULL), 0);                               \
    ASSERT_CHECKS();                                                             \
  } while (0)

/* The first recorded error of m: its code, and its message (or ""). */
static inline int first_error(const as_manager *m, const char **message)
{
  int code = 0;
  const char *msg = NULL;
  if (as_error_at(m, 0, &code, &msg) < 0)
    return 0;
  if (message)
    *message = msg ? msg : "";
  return code;
}

/* Task bodies tests share. */
static inline int sleep_forever(void *arg)
{
  (void)arg;
  return anyc_sleep(FOREVER);
}

static inline int just_checkpoint(void *arg)
{
  (void)arg;
  return anyc_checkpoint();
}

static inline int set_event(void *arg)
{
  anyc_event_set(arg);
  return 0;
}

static inline int wait_finished_task(void *arg)
{
  return as_wait_finished(arg);
}

#endif /* SHIM_TEST_H */
