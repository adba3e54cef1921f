/* test_scope.c — runtime/scope.c: cancel scopes, deadlines, shields, the catch rule. */
#include <errno.h>
#include <stdint.h>
#include "abort_helper.h"

static int cancel_edge_cases(void *arg)
{
  (void)arg;
  anyc_scope s;
  CHECK_INT(anyc_scope_open(&s), 0);
  anyc_scope_cancel(&s);
  anyc_scope_cancel(&s); /* twice is fine */
  CHECK_INT(anyc_checkpoint(), -ECANCELED);
  CHECK_INT(anyc_checkpoint(), -ECANCELED); /* level-triggered */
  CHECK_INT(anyc_sleep(1), -ECANCELED);
  CHECK(anyc_cancelled());
  CHECK_INT(anyc_scope_close(&s, -ECANCELED), 0);
  CHECK(anyc_scope_cancel_called(&s));
  CHECK(anyc_scope_cancelled_caught(&s));
  CHECK(!anyc_cancelled());
  CHECK_INT(anyc_checkpoint(), 0);
  return 0;
}

/* trio test_cancel_edge_cases. */
static void test_trio_cancel_edge_cases(void **state)
{
  (void)state;
  run_mock_checked(cancel_edge_cases);
}

static int cancel_nesting(void *arg)
{
  (void)arg;
  anyc_scope s1, s2, s3;
  CHECK_INT(anyc_scope_open(&s1), 0);
  CHECK_INT(anyc_scope_open(&s2), 0);
  CHECK_INT(anyc_scope_open(&s3), 0);
  anyc_scope_cancel(&s3);
  anyc_scope_cancel(&s2);
  int rc = anyc_sleep(1);
  CHECK_INT(rc, -ECANCELED);
  rc = anyc_scope_close(&s3, rc);
  CHECK_INT(rc, -ECANCELED); /* s2 is cancelled too: the outermost catches */
  rc = anyc_scope_close(&s2, rc);
  CHECK_INT(rc, 0);
  CHECK_INT(anyc_scope_close(&s1, rc), 0);
  CHECK(!anyc_scope_cancelled_caught(&s3));
  CHECK(anyc_scope_cancelled_caught(&s2));
  CHECK(!anyc_scope_cancel_called(&s1));
  CHECK(!anyc_scope_cancelled_caught(&s1));
  /* cancel then close with no checkpoint: nothing caught, nothing leaks out */
  anyc_scope s4;
  CHECK_INT(anyc_scope_open(&s4), 0);
  anyc_scope_cancel(&s4);
  CHECK_INT(anyc_scope_close(&s4, 0), 0);
  CHECK(anyc_scope_cancel_called(&s4));
  CHECK(!anyc_scope_cancelled_caught(&s4));
  CHECK_INT(anyc_checkpoint(), 0);
  return 0;
}

/* trio test_cancel_scope_nesting + anyio test_cancelled_not_caught. */
static void test_trio_cancel_scope_nesting(void **state)
{
  (void)state;
  run_mock_checked(cancel_nesting);
}

static int shielding(void *arg)
{
  (void)arg;
  anyc_scope outer, inner, nested;
  CHECK_INT(anyc_scope_open(&outer), 0);
  CHECK_INT(anyc_scope_open(&inner), 0);
  anyc_scope_set_shield(&inner, 1);
  anyc_scope_cancel(&outer);
  CHECK_INT(anyc_checkpoint(), 0); /* shield blocks the outer cancel */
  CHECK(!anyc_cancelled());
  CHECK_INT(anyc_scope_open(&nested), 0);
  anyc_scope_cancel(&nested); /* a scope inside the shield can still cancel */
  int rc = anyc_checkpoint();
  CHECK_INT(rc, -ECANCELED);
  CHECK_INT(anyc_scope_close(&nested, rc), 0);
  anyc_scope_set_shield(&inner, 0);
  rc = anyc_checkpoint();
  CHECK_INT(rc, -ECANCELED); /* unshielded: outer's cancel arrives */
  rc = anyc_scope_close(&inner, rc);
  CHECK_INT(rc, -ECANCELED);
  CHECK_INT(anyc_scope_close(&outer, rc), 0);
  CHECK(anyc_scope_cancelled_caught(&outer));
  /* inner.cancel() while shielded is absorbed by inner */
  CHECK_INT(anyc_scope_open(&outer), 0);
  CHECK_INT(anyc_scope_open(&inner), 0);
  anyc_scope_set_shield(&inner, 1);
  anyc_scope_cancel(&outer);
  anyc_scope_cancel(&inner);
  rc = anyc_checkpoint();
  CHECK_INT(rc, -ECANCELED);
  CHECK_INT(anyc_scope_close(&inner, rc), 0);
  CHECK(anyc_scope_cancelled_caught(&inner));
  rc = anyc_checkpoint();
  CHECK_INT(anyc_scope_close(&outer, rc), 0);
  return 0;
}

/* trio test_cancel_shielding. */
static void test_trio_cancel_shielding(void **state)
{
  (void)state;
  run_mock_checked(shielding);
}

static int sleeper_traced(void *arg)
{
  (void)arg;
  TRACE("sleeping");
  int rc = anyc_sleep(INFINITY);
  if (rc == -ECANCELED)
    TRACE("cancelled");
  return rc;
}

static anyc_scope *abort_shield;

static int shielded_child(void *arg)
{
  (void)arg;
  anyc_scope s;
  int rc = anyc_scope_open(&s);
  if (rc < 0)
    return rc;
  anyc_scope_set_shield(&s, 1);
  abort_shield = &s;
  rc = sleeper_traced(NULL);
  return anyc_scope_close(&s, rc);
}

static int cancel_shield_abort(void *arg)
{
  (void)arg;
  anyc_scope outer;
  CHECK_INT(anyc_scope_open(&outer), 0);
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon(&g, shielded_child, NULL), 0);
  CHECK_INT(anyc_sleep(1), 0);
  anyc_scope_cancel(&outer);
  CHECK_INT(anyc_sleep(0), -ECANCELED);
  CHECK_INT(strcmp(trace_log, "sleeping"), 0); /* still asleep under the shield */
  anyc_scope_set_shield(abort_shield, 0);  /* the sleep aborts at once */
  int rc = anyc_group_close(&g, -ECANCELED);
  CHECK_INT(rc, -ECANCELED);
  CHECK_INT(anyc_scope_close(&outer, rc), 0);
  return 0;
}

/* trio test_cancel_shield_abort: clearing a shield aborts a blocked sleep at once. */
static void test_trio_cancel_shield_abort(void **state)
{
  (void)state;
  run_mock_checked(cancel_shield_abort);
  assert_string_equal(trace_log, "sleeping,cancelled");
}

static int unshield_while_propagating(void *arg)
{
  (void)arg;
  anyc_scope outer, inner;
  CHECK_INT(anyc_scope_open(&outer), 0);
  CHECK_INT(anyc_scope_open(&inner), 0);
  anyc_scope_cancel(&outer);
  int rc = anyc_checkpoint();
  CHECK_INT(rc, -ECANCELED);
  anyc_scope_set_shield(&inner, 1); /* the "finally" shields inner */
  rc = anyc_scope_close(&inner, rc);
  rc = anyc_scope_close(&outer, rc);
  CHECK_INT(rc, 0);
  CHECK(anyc_scope_cancelled_caught(&outer));
  CHECK(!anyc_scope_cancelled_caught(&inner));
  return 0;
}

/* trio test_unshield_while_cancel_propagating. */
static void test_trio_unshield_while_cancel_propagating(void **state)
{
  (void)state;
  run_mock_checked(unshield_while_propagating);
}

static int effective_deadline(void *arg)
{
  (void)arg;
  CHECK(isinf(anyc_current_effective_deadline()) && anyc_current_effective_deadline() > 0);
  anyc_scope a, b, c, d;
  CHECK_INT(anyc_move_on_at(&a, 5), 0);
  CHECK_INT(anyc_move_on_at(&b, 10), 0);
  CHECK(anyc_current_effective_deadline() == 5);
  CHECK_INT(anyc_scope_open(&c), 0);
  anyc_scope_set_shield(&c, 1);
  CHECK(isinf(anyc_current_effective_deadline()));
  anyc_scope_set_deadline(&c, 10);
  CHECK(anyc_current_effective_deadline() == 10);
  CHECK(anyc_scope_deadline(&c) == 10);
  CHECK_INT(anyc_scope_open(&d), 0);
  anyc_scope_cancel(&d);
  CHECK(anyc_current_effective_deadline() == -INFINITY);
  CHECK_INT(anyc_scope_close(&d, 0), 0);
  CHECK_INT(anyc_scope_close(&c, 0), 0);
  CHECK_INT(anyc_scope_close(&b, 0), 0);
  CHECK_INT(anyc_scope_close(&a, 0), 0);
  return 0;
}

/* trio test_current_effective_deadline. */
static void test_trio_current_effective_deadline(void **state)
{
  (void)state;
  run_mock_checked(effective_deadline);
}

static int shielded_deadline(void *arg)
{
  (void)arg;
  anyc_scope a, b, c;
  CHECK_INT(anyc_move_on_after(&a, 10), 0);
  CHECK_INT(anyc_scope_open(&b), 0);
  anyc_scope_set_shield(&b, 1);
  CHECK_INT(anyc_move_on_after(&c, 1000), 0);
  CHECK(anyc_current_effective_deadline() - anyc_now() > 900);
  CHECK_INT(anyc_scope_close(&c, 0), 0);
  CHECK_INT(anyc_scope_close(&b, 0), 0);
  CHECK_INT(anyc_scope_close(&a, 0), 0);
  return 0;
}

/* anyio test_shielded_deadline. */
static void test_anyio_shielded_deadline(void **state)
{
  (void)state;
  run_mock_checked(shielded_deadline);
}

static int basic_timeout(void *arg)
{
  (void)arg;
  anyc_scope s;
  CHECK_INT(anyc_move_on_after(&s, 1), 0);
  CHECK_INT(anyc_scope_close(&s, 0), 0);
  CHECK_INT(anyc_sleep(2), 0); /* deadline passes after the scope exited */
  CHECK(!anyc_scope_cancel_called(&s));
  CHECK_INT(anyc_move_on_after(&s, 5), 0);
  CHECK_INT(anyc_checkpoint(), 0);
  anyc_scope_set_deadline(&s, anyc_now() - 1); /* lowering below now cancels */
  CHECK_INT(anyc_checkpoint(), -ECANCELED);
  CHECK_INT(anyc_checkpoint(), -ECANCELED);
  CHECK_INT(anyc_scope_close(&s, -ECANCELED), 0);
  CHECK(anyc_scope_cancelled_caught(&s));
  /* a timeout that fires while blocked */
  double t0 = anyc_now();
  CHECK_INT(anyc_move_on_after(&s, 1), 0);
  int rc = anyc_sleep(10);
  CHECK_INT(rc, -ECANCELED);
  CHECK_INT(anyc_scope_close(&s, rc), 0);
  CHECK(anyc_now() - t0 == 1.0);
  return 0;
}

/* trio test_basic_timeout (MockClock). */
static void test_trio_basic_timeout(void **state)
{
  (void)state;
  run_mock_checked(basic_timeout);
}

static int moves_on_even_if_shielded(void *arg)
{
  (void)arg;
  anyc_scope outer, s;
  CHECK_INT(anyc_scope_open(&outer), 0);
  anyc_scope_cancel(&outer);
  double t0 = anyc_now();
  CHECK_INT(anyc_move_on_after(&s, 1), 0);
  anyc_scope_set_shield(&s, 1);
  int rc = anyc_sleep(2);
  CHECK_INT(rc, -ECANCELED);
  CHECK_INT(anyc_scope_close(&s, rc), 0);
  CHECK(anyc_now() - t0 == 1.0);
  CHECK_INT(anyc_fail_after(&s, 1), 0);
  anyc_scope_set_shield(&s, 1);
  rc = anyc_sleep(2);
  CHECK_INT(anyc_scope_close(&s, rc), -ETIMEDOUT);
  CHECK(anyc_now() - t0 == 2.0);
  CHECK_INT(anyc_scope_close(&outer, -ECANCELED), 0);
  return 0;
}

/* trio test_move_on_after_moves_on_even_if_shielded / test_fail_after_fails_even_if_shielded. */
static void test_trio_move_on_and_fail_after_even_if_shielded(void **state)
{
  (void)state;
  run_mock_checked(moves_on_even_if_shielded);
}

static int cancel_from_shielded(void *arg)
{
  (void)arg;
  anyc_scope outer, sh;
  CHECK_INT(anyc_move_on_after(&outer, 1), 0);
  CHECK_INT(anyc_scope_open(&sh), 0);
  anyc_scope_set_shield(&sh, 1);
  CHECK_INT(anyc_sleep(2), 0); /* outer's deadline passes inside the shield */
  CHECK(isinf(anyc_current_effective_deadline()));
  CHECK(!anyc_cancelled());
  CHECK_INT(anyc_scope_close(&sh, 0), 0);
  CHECK(anyc_current_effective_deadline() == -INFINITY);
  CHECK_INT(anyc_checkpoint(), -ECANCELED);
  CHECK_INT(anyc_checkpoint(), -ECANCELED);
  CHECK_INT(anyc_scope_close(&outer, -ECANCELED), 0);
  return 0;
}

/* anyio test_cancel_from_shielded_scope. */
static void test_anyio_cancel_from_shielded_scope(void **state)
{
  (void)state;
  run_mock_checked(cancel_from_shielded);
}

static int beyond_origin_shielded(void *arg)
{
  (void)arg;
  anyc_scope outer, inner;
  CHECK_INT(anyc_scope_open(&outer), 0);
  CHECK_INT(anyc_scope_open(&inner), 0);
  anyc_scope_set_shield(&inner, 1);
  anyc_scope_cancel(&inner);
  int rc = anyc_checkpoint();
  anyc_scope_cancel(&outer); /* the "finally" cancels the outer scope */
  rc = anyc_scope_close(&inner, rc);
  CHECK_INT(rc, 0);
  CHECK(anyc_scope_cancelled_caught(&inner));
  TRACE("between");
  rc = anyc_scope_close(&outer, rc);
  CHECK_INT(rc, 0);
  CHECK(!anyc_scope_cancelled_caught(&outer));
  return 0;
}

/* anyio test_cancelled_raises_beyond_origin_shielded. */
static void test_anyio_cancelled_raises_beyond_origin_shielded(void **state)
{
  (void)state;
  run_mock_checked(beyond_origin_shielded);
  assert_string_equal(trace_log, "between");
}

static int beyond_origin_unshielded(void *arg)
{
  (void)arg;
  anyc_scope outer, inner;
  CHECK_INT(anyc_scope_open(&outer), 0);
  CHECK_INT(anyc_scope_open(&inner), 0);
  anyc_scope_cancel(&inner);
  int rc = anyc_checkpoint();
  anyc_scope_cancel(&outer);
  rc = anyc_scope_close(&inner, rc);
  CHECK_INT(rc, -ECANCELED); /* outer is visible and cancelled: inner does not catch */
  CHECK(!anyc_scope_cancelled_caught(&inner));
  rc = anyc_scope_close(&outer, rc);
  CHECK_INT(rc, 0);
  CHECK(anyc_scope_cancelled_caught(&outer));
  return 0;
}

/* anyio test_cancelled_raises_beyond_origin_unshielded. */
static void test_anyio_cancelled_raises_beyond_origin_unshielded(void **state)
{
  (void)state;
  run_mock_checked(beyond_origin_unshielded);
}

static int triple_nested(void *arg)
{
  (void)arg;
  anyc_scope outer, middle, inner;
  CHECK_INT(anyc_scope_open(&outer), 0);
  CHECK_INT(anyc_scope_open(&middle), 0);
  CHECK_INT(anyc_scope_open(&inner), 0);
  anyc_scope_set_shield(&inner, 1);
  anyc_scope_cancel(&outer);
  CHECK_INT(anyc_checkpoint(), 0);
  CHECK_INT(anyc_scope_close(&inner, 0), 0);
  int rc = anyc_checkpoint();
  CHECK_INT(rc, -ECANCELED);
  if (rc == 0)
    TRACE("not reached");
  rc = anyc_scope_close(&middle, rc);
  CHECK_INT(anyc_scope_close(&outer, rc), 0);
  CHECK(anyc_scope_cancelled_caught(&outer));
  return 0;
}

/* anyio test_triple_nested_shield_checkpoint_in_middle. */
static void test_anyio_triple_nested_shield_checkpoint_in_middle(void **state)
{
  (void)state;
  run_mock_checked(triple_nested);
  assert_string_equal(trace_log, "");
}

static int fail_after_cases(void *arg)
{
  (void)arg;
  anyc_scope s;
  CHECK_INT(anyc_fail_after(&s, 1), 0);
  int rc = anyc_sleep(2);
  CHECK_INT(anyc_scope_close(&s, rc), -ETIMEDOUT);
  CHECK(anyc_scope_cancel_called(&s));
  CHECK(anyc_scope_cancelled_caught(&s));
  CHECK_INT(anyc_fail_after(&s, 1), 0);
  anyc_scope_cancel(&s); /* explicit cancel before the deadline: not a timeout */
  rc = anyc_sleep(2);
  CHECK_INT(anyc_scope_close(&s, rc), 0);
  CHECK(anyc_scope_cancelled_caught(&s));
  CHECK_INT(anyc_fail_at(&s, anyc_now() + 1), 0);
  CHECK_INT(anyc_scope_close(&s, anyc_sleep(1.5)), -ETIMEDOUT);
  CHECK_INT(anyc_move_on_at(&s, anyc_now() + 1), 0);
  CHECK_INT(anyc_scope_close(&s, anyc_sleep(1.5)), 0);
  return 0;
}

/* anyio test_fail_after + test_fail_after_cancelled_before_deadline (AnyIO's rule). */
static void test_anyio_fail_after(void **state)
{
  (void)state;
  run_mock_checked(fail_after_cases);
}

static int sleep_forever(void *arg)
{
  (void)arg;
  return anyc_sleep(INFINITY);
}

static int timeout_multiple(void *arg)
{
  (void)arg;
  anyc_scope s;
  CHECK_INT(anyc_fail_after(&s, 0.1), 0);
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  anyc_start_soon(&g, sleep_forever, NULL);
  int rc = anyc_group_close(&g, anyc_sleep(INFINITY));
  CHECK_INT(rc, -ECANCELED);
  CHECK_INT(anyc_scope_close(&s, rc), -ETIMEDOUT);
  return 0;
}

/* anyio test_timeout_error_with_multiple_cancellations. */
static void test_anyio_timeout_error_with_multiple_cancellations(void **state)
{
  (void)state;
  run_mock_checked(timeout_multiple);
}

static anyc_scope *nested_shield_outer;

static int cancel_other(void *arg)
{
  (void)arg;
  anyc_scope_cancel(nested_shield_outer);
  return 0;
}

static int nested_shield(void *arg)
{
  (void)arg;
  anyc_scope outer, sh, fa;
  CHECK_INT(anyc_scope_open(&outer), 0);
  nested_shield_outer = &outer;
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  anyc_start_soon(&g, cancel_other, NULL);
  CHECK_INT(anyc_scope_open(&sh), 0);
  anyc_scope_set_shield(&sh, 1);
  CHECK_INT(anyc_fail_after(&fa, 0.2), 0);
  int rc = anyc_sleep(INFINITY);
  rc = anyc_scope_close(&fa, rc);
  CHECK_INT(rc, -ETIMEDOUT);
  rc = anyc_scope_close(&sh, rc);
  rc = anyc_group_close(&g, rc);
  CHECK_INT(rc, -ETIMEDOUT);
  CHECK_INT(anyc_scope_close(&outer, rc), -ETIMEDOUT);
  return 0;
}

/* anyio test_nested_shield: fail_after inside a shield inside a cancelled scope. */
static void test_anyio_nested_shield(void **state)
{
  (void)state;
  run_mock_checked(nested_shield);
}

static int value_errors(void *arg)
{
  (void)arg;
  anyc_scope s;
  CHECK_INT(anyc_move_on_after(&s, -1), -EINVAL);
  CHECK_INT(anyc_move_on_after(&s, NAN), -EINVAL);
  CHECK_INT(anyc_fail_after(&s, -1), -EINVAL);
  CHECK_INT(anyc_move_on_at(&s, NAN), -EINVAL);
  CHECK_INT(anyc_fail_at(&s, NAN), -EINVAL);
  CHECK_INT(anyc_scope_open(NULL), -EINVAL);
  CHECK_INT(anyc_sleep(-1), -EINVAL);
  CHECK_INT(anyc_sleep(NAN), -EINVAL);
  CHECK_INT(anyc_sleep_until(NAN), -EINVAL);
  CHECK_INT(anyc_move_on_at(&s, -5), 0); /* a negative absolute deadline is allowed */
  CHECK(anyc_scope_cancel_called(&s));    /* and already passed */
  CHECK_INT(anyc_checkpoint(), -ECANCELED);
  CHECK_INT(anyc_scope_close(&s, -ECANCELED), 0);
  return 0;
}

static int infinite_deadlines(void *arg)
{
  (void)arg;
  anyc_scope s;
  double t0 = anyc_now();
  CHECK_INT(anyc_move_on_at(&s, -INFINITY), 0); /* long passed: cancelled on entry */
  CHECK(anyc_scope_cancel_called(&s));
  CHECK(anyc_current_effective_deadline() == -INFINITY);
  CHECK_INT(anyc_scope_close(&s, anyc_checkpoint()), 0);
  CHECK(anyc_scope_cancelled_caught(&s));
  CHECK_INT(anyc_fail_at(&s, -INFINITY), 0);
  CHECK_INT(anyc_scope_close(&s, anyc_sleep(1)), -ETIMEDOUT);
  CHECK_INT(anyc_move_on_after(&s, INFINITY), 0); /* no deadline at all */
  CHECK(anyc_current_effective_deadline() == INFINITY);
  CHECK_INT(anyc_sleep(1000), 0);
  anyc_scope_set_deadline(&s, anyc_now() + 1);
  anyc_scope_set_deadline(&s, INFINITY); /* removed again: nothing fires at +1 */
  CHECK_INT(anyc_sleep(5), 0);
  anyc_scope_set_deadline(&s, -INFINITY); /* passed: cancels now */
  CHECK(anyc_cancelled());
  CHECK_INT(anyc_scope_close(&s, anyc_sleep(1)), 0);
  CHECK_INT(anyc_sleep_until(-INFINITY), 0); /* in the past: just a checkpoint */
  CHECK_INT(anyc_sleep_until(anyc_now() - 1), 0);
  CHECK(anyc_now() - t0 == 1005.0);
  CHECK_INT(anyc_move_on_after(&s, 5), 0);
  CHECK_INT(anyc_sleep(INFINITY), -ECANCELED); /* forever, until the scope's deadline */
  CHECK_INT(anyc_scope_close(&s, -ECANCELED), 0);
  CHECK(anyc_now() - t0 == 1010.0);
  CHECK_INT(anyc_sleep(-INFINITY), -EINVAL);
  return 0;
}

/* trio: deadlines are floats where inf means none; a deadline in the past (even -inf)
 * cancels on entry; sleep_until a past time is a checkpoint; fail_at reports a timeout. */
static void test_trio_infinite_and_past_deadlines(void **state)
{
  (void)state;
  run_mock_checked(infinite_deadlines);
}

/* trio test_timeouts_raise_value_error. */
static void test_trio_timeouts_raise_value_error(void **state)
{
  (void)state;
  run_mock_checked(value_errors);
}

static int deadline_reached_unnoticed(void *arg)
{
  (void)arg;
  anyc_scope s;
  CHECK_INT(anyc_move_on_after(&s, 1), 0);
  anyc_scope sh;
  CHECK_INT(anyc_scope_open(&sh), 0);
  CHECK_INT(anyc_scope_close(&sh, 0), 0);
  CHECK(!anyc_scope_cancel_called(&s));
  CHECK_INT(anyc_sleep_until(anyc_now() + 5), -ECANCELED);
  CHECK(anyc_scope_cancel_called(&s));
  CHECK_INT(anyc_scope_close(&s, -ECANCELED), 0);
  return 0;
}

/* spec: "Reaching a scope's deadline cancels it." */
static void test_scope_deadline_cancels(void **state)
{
  (void)state;
  run_mock_checked(deadline_reached_unnoticed);
}

static int deadline_moves(void *arg)
{
  (void)arg;
  anyc_scope s;
  CHECK_INT(anyc_move_on_after(&s, 10), 0);
  anyc_scope_set_deadline(&s, anyc_now() + 2);
  CHECK_INT(anyc_sleep(5), -ECANCELED);
  CHECK(anyc_now() == 2.0);
  CHECK_INT(anyc_scope_close(&s, -ECANCELED), 0);
  CHECK_INT(anyc_move_on_after(&s, 1), 0);
  anyc_scope_set_deadline(&s, INFINITY); /* deadline removed */
  CHECK_INT(anyc_sleep(5), 0);
  CHECK_INT(anyc_scope_close(&s, 0), 0);
  CHECK(!anyc_scope_cancel_called(&s));
  return 0;
}

/* Deadlines are mutable and take effect at once (Trio). */
static void test_scope_set_deadline_takes_effect(void **state)
{
  (void)state;
  run_mock_checked(deadline_moves);
}

static int close_out_of_order(void *arg)
{
  (void)arg;
  anyc_scope a, b;
  anyc_scope_open(&a);
  anyc_scope_open(&b);
  anyc_scope_close(&a, 0);
  return 0;
}

static int return_with_scope_open(void *arg)
{
  (void)arg;
  anyc_scope a;
  anyc_scope_open(&a);
  return 0;
}

static int reenter_open_scope(void *arg)
{
  (void)arg;
  anyc_scope s;
  anyc_scope_open(&s);
  anyc_move_on_after(&s, 5); /* the same scope, still open */
  return anyc_scope_close(&s, 0);
}

static int reenter_open_group(void *arg)
{
  (void)arg;
  anyc_group g;
  anyc_group_open(&g);
  anyc_group_open(&g);
  return anyc_group_close(&g, 0);
}

static int reopen_own_group(void *arg)
{
  anyc_group *g = arg;
  anyc_group_open(g); /* its own group, open in the task that spawned it */
  return anyc_group_close(g, 0);
}

static int child_reenters_group(void *arg)
{
  (void)arg;
  anyc_group g;
  anyc_group_open(&g);
  anyc_start_soon_named(&g, "reopener", reopen_own_group, &g);
  return anyc_group_close(&g, 0);
}

/* trio test_cancel_unbound: re-entering a scope that is active raises RuntimeError
 * ("single 'with' block"); anyio test_taskgroup_reentry likewise for a task group.
 * Here it aborts naming the task: the scope would become its own parent (every later
 * cancel check would loop forever). */
static void test_trio_scope_reentry_aborts(void **state)
{
  (void)state;
  run_expect_abort(reenter_open_scope, "entered twice (already open) (in task 'main')");
  run_expect_abort(reenter_open_group, "entered twice (already open) (in task 'main')");
  /* A child opening the group it runs in: the group's scope, its base, became its own
   * parent and the child's next cancel check looped forever. */
  run_expect_abort(child_reenters_group, "entered twice (already open) (in task 'reopener')");
}

static int reuse_closed_scope(void *arg)
{
  (void)arg;
  anyc_scope s;
  for (int i = 0; i < 3; i++) { /* one variable, opened afresh each time: fine in C */
    CHECK_INT(anyc_move_on_after(&s, 1), 0);
    CHECK_INT(anyc_scope_close(&s, anyc_sleep(2)), 0);
    CHECK(anyc_scope_cancelled_caught(&s));
  }
  CHECK_INT(anyc_scope_close(NULL, 0), -EINVAL);
  return 0;
}

/* A closed scope's storage may be opened again (a new scope), and closing NULL is
 * -EINVAL, as for anyc_scope_open and anyc_group_close. */
static void test_spec_scope_storage_reuse_and_null_close(void **state)
{
  (void)state;
  run_mock_checked(reuse_closed_scope);
}

/* spec: closing scopes out of order, or returning with one open, aborts naming the task. */
static void test_scope_misuse_aborts_naming_task(void **state)
{
  (void)state;
  run_expect_abort(close_out_of_order, "closed out of order (or by a task that did not open them) (in task 'main')");
  run_expect_abort(return_with_scope_open, "still open (in task 'main')");
}

/* ---- the cancel tree is linked lazily (scope.c): a task is linked into its scope, and
 * the scope chain into the tree, only when it parks at a cancel point.  These pin that a
 * cancellation still reaches every parked task however its scopes came and went. */

static int park_in_fresh_scopes(void *arg)
{
  int *rc = arg;
  anyc_scope a, b, c;
  CHECK_INT(anyc_scope_open(&a), 0);
  CHECK_INT(anyc_sleep(1), 0); /* tracked in a, a linked */
  CHECK_INT(anyc_scope_close(&a, 0), 0);
  CHECK_INT(anyc_scope_open(&b), 0); /* b and c never linked until the park below */
  CHECK_INT(anyc_scope_open(&c), 0);
  *rc = anyc_sleep(INFINITY);
  CHECK_INT(anyc_scope_close(&c, *rc), -ECANCELED);
  return anyc_scope_close(&b, -ECANCELED);
}

static int cancel_reaches_fresh_scopes(void *arg)
{
  (void)arg;
  int rc = 1;
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon(&g, park_in_fresh_scopes, &rc), 0);
  CHECK_INT(anyc_sleep(5), 0);
  anyc_group_cancel(&g);
  CHECK_INT(anyc_group_close(&g, 0), 0);
  CHECK_INT(rc, -ECANCELED);
  return 0;
}

/* A task parked inside scopes opened after its last park is still cancelled with them. */
static void test_scope_cancel_reaches_task_parked_in_unlinked_scopes(void **state)
{
  (void)state;
  run_mock_checked(cancel_reaches_fresh_scopes);
}

struct moved {
  int child_rc, task_rc;
};

static int sleep_recorded(void *arg)
{
  int *rc = arg;
  *rc = anyc_sleep(INFINITY);
  return 0;
}

/* Parks (with a child parked below it) under the caller's scopes, then moves to the
 * target group with anyc_started and parks again. */
static int moving_starter(void *arg, anyc_task_status *status)
{
  struct moved *mv = arg;
  anyc_scope s;
  anyc_group inner;
  CHECK_INT(anyc_scope_open(&s), 0);
  CHECK_INT(anyc_group_open(&inner), 0);
  CHECK_INT(anyc_start_soon(&inner, sleep_recorded, &mv->child_rc), 0);
  CHECK_INT(anyc_sleep(1), 0); /* the child parks: s is linked under the caller's scope */
  anyc_started(status, NULL);
  mv->task_rc = anyc_sleep(INFINITY);
  int rc = anyc_group_close(&inner, mv->task_rc);
  return anyc_scope_close(&s, rc);
}

static int cancel_follows_started_task(void *arg)
{
  (void)arg;
  struct moved mv = {1, 1};
  anyc_group g;
  anyc_scope caller;
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_scope_open(&caller), 0);
  CHECK_INT(anyc_start(&g, moving_starter, &mv, NULL), 0);
  anyc_scope_cancel(&caller); /* the task left this scope: must not reach it */
  CHECK_INT(anyc_scope_close(&caller, anyc_checkpoint()), 0);
  CHECK_INT(anyc_sleep(5), 0);
  CHECK_INT(mv.task_rc, 1);
  CHECK_INT(mv.child_rc, 1);
  anyc_group_cancel(&g); /* its new home: reaches the task and its child */
  CHECK_INT(anyc_group_close(&g, 0), 0);
  CHECK_INT(mv.task_rc, -ECANCELED);
  CHECK_INT(mv.child_rc, -ECANCELED);
  return 0;
}

/* Trio's nursery.start: after task_status.started() the task and its scopes belong to
 * the target nursery — cancelling the caller's scope no longer reaches them, cancelling
 * the nursery does (with the scopes it had linked while still under the caller). */
static void test_trio_start_moves_cancel_tree_to_target(void **state)
{
  (void)state;
  run_mock_checked(cancel_follows_started_task);
}

static int start_into_cancelled_group(void *arg)
{
  (void)arg;
  struct moved mv = {1, 1};
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  anyc_group_cancel(&g); /* the target is cancelled before the task moves in */
  anyc_scope caller; /* start from outside g's cancelled scope */
  CHECK_INT(anyc_scope_open(&caller), 0);
  anyc_scope_set_shield(&caller, 1);
  double t0 = anyc_now();
  CHECK_INT(anyc_start(&g, moving_starter, &mv, NULL), 0);
  CHECK_INT(anyc_scope_close(&caller, 0), 0);
  CHECK_INT(anyc_group_close(&g, 0), 0);
  CHECK_INT(mv.task_rc, -ECANCELED);
  CHECK_INT(mv.child_rc, -ECANCELED); /* was never woken: the run deadlocked */
  CHECK_NEAR(anyc_now() - t0, 1.0, 1e-9);
  return 0;
}

/* trio test_nursery_start_with_cancelled_nursery: a task calls started() while its own
 * children sleep, and the target nursery is already cancelled: moving in delivers the
 * cancellation to the children it brings along, as a cancel after the move would. */
static void test_trio_start_into_cancelled_group_wakes_moved_sleepers(void **state)
{
  (void)state;
  run_mock_checked(start_into_cancelled_group);
}

/* ---- a cancellation walking a deep tree ---- */

#define DEEP_LEVELS 4000
static int deep_leaf_rc;

static int deep_level(void *arg)
{
  intptr_t d = (intptr_t)arg;
  if (d == DEEP_LEVELS) {
    deep_leaf_rc = anyc_sleep(INFINITY);
    return deep_leaf_rc;
  }
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon(&g, deep_level, (void *)(d + 1)), 0);
  return anyc_group_close(&g, 0);
}

static int deep_canceller(void *arg)
{
  int rc = anyc_sleep(1);
  anyc_scope_cancel(arg); /* the walk runs on this task's small stack */
  return rc;
}

static int deep_tree_main(void *arg)
{
  (void)arg;
  anyc_group g;
  anyc_scope s;
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_scope_open(&s), 0);
  CHECK_INT(anyc_start_soon(&g, deep_canceller, &s), 0);
  int rc = deep_level((void *)0);
  CHECK_INT(anyc_scope_close(&s, rc), 0);
  CHECK(anyc_scope_cancelled_caught(&s));
  return anyc_group_close(&g, 0);
}

/* A cancellation reaches the leaf of a tree as deep as its tasks are nested (each task
 * the child of the previous one's group), also when a task with a small stack cancels
 * it: the walk used to recurse once per level and overflowed the canceller's stack
 * (Trio's cancel-status walk is iterative for the same reason). */
static void test_scope_cancel_walks_deep_tree_without_recursion(void **state)
{
  (void)state;
  anyc_config c = {32 * 1024, 1, 0.0};
  checks_reset();
  deep_leaf_rc = 1;
  assert_int_equal(anyc_run_with(&c, deep_tree_main, NULL), 0);
  ASSERT_CHECKS();
  assert_int_equal(deep_leaf_rc, -ECANCELED);
}

/* ---- deadlines noticed by the checkpoints of a busy task (real clock) ---- */

static void busy_ms(double ms)
{
  double until = anyc_now() + ms / 1000.0;
  while (anyc_now() < until) {
  }
}

struct busy {
  int iterations;
  int rc;
};

/* A CPU-bound loop with a checkpoint per 2 ms of work under a 20 ms timeout. */
static int busy_under_timeout(void *arg)
{
  struct busy *b = arg;
  anyc_scope s;
  CHECK_INT(anyc_move_on_after(&s, 0.02), 0);
  int rc = 0;
  while (rc == 0 && b->iterations < 1000) {
    busy_ms(2);
    b->iterations++;
    rc = anyc_checkpoint();
  }
  b->rc = rc;
  CHECK_INT(anyc_scope_close(&s, rc), 0);
  CHECK(anyc_scope_cancelled_caught(&s));
  return 0;
}

static int busy_spinner(void *arg)
{
  int *stop = arg;
  while (!*stop && anyc_checkpoint() == 0)
    busy_ms(0.1);
  return 0;
}

static int busy_alone(void *arg)
{
  return busy_under_timeout(arg);
}

static int busy_with_company(void *arg)
{
  struct busy *b = arg;
  int stop = 0;
  anyc_group g;
  CHECK_INT(anyc_group_open(&g), 0);
  CHECK_INT(anyc_start_soon(&g, busy_spinner, &stop), 0);
  busy_under_timeout(b);
  stop = 1;
  return anyc_group_close(&g, 0);
}

/* trio's checkpoint(): "The scheduler is what checks timeouts ... by doing the schedule
 * point first, we ensure that the cancel point has the most up-to-date info."  A task
 * that checkpoints regularly is cancelled soon after its deadline — alone on the loop
 * (the schedule point that stays put used to skip the check for 512 checkpoints: a
 * second of overrun here) or switching with another busy task. */
static void test_trio_checkpoint_notices_passed_deadline(void **state)
{
  (void)state;
  struct busy b = {0, 1};
  checks_reset();
  assert_int_equal(anyc_run(busy_alone, &b), 0);
  ASSERT_CHECKS();
  assert_int_equal(b.rc, -ECANCELED);
  assert_true(b.iterations >= 1 && b.iterations <= 40); /* was ~512 */
  b = (struct busy){0, 1};
  assert_int_equal(anyc_run(busy_with_company, &b), 0);
  ASSERT_CHECKS();
  assert_int_equal(b.rc, -ECANCELED);
  assert_true(b.iterations >= 1 && b.iterations <= 40);
}

static int deadline_passed_query(void *arg)
{
  (void)arg;
  anyc_scope s;
  CHECK_INT(anyc_move_on_after(&s, 0.005), 0);
  busy_ms(10); /* the deadline passes; no checkpoint has seen it yet */
  CHECK(anyc_scope_cancel_called(&s));
  CHECK(anyc_cancelled()); /* asking cancelled it (trio calls cancel()) */
  CHECK(isinf(anyc_current_effective_deadline()) && anyc_current_effective_deadline() < 0);
  CHECK_INT(anyc_scope_close(&s, 0), 0);
  CHECK(anyc_scope_cancel_called(&s)); /* never un-cancels */
  CHECK(!anyc_scope_cancelled_caught(&s));
  return 0;
}

/* trio test_cancel_unbound / CancelScope.cancel_called: a scope whose deadline passed
 * reports cancel_called (calling cancel()), and that never goes back to false — not
 * even after the scope closed before any checkpoint noticed the deadline. */
static void test_trio_cancel_called_after_deadline_sticks(void **state)
{
  (void)state;
  checks_reset();
  assert_int_equal(anyc_run(deadline_passed_query, NULL), 0);
  ASSERT_CHECKS();
}

static int delay_below_clock_resolution(void *arg)
{
  (void)arg;
  anyc_scope s;
  CHECK_INT(anyc_sleep(1e6), 0); /* the clock at 1e6 s: 1e-12 s more is the same value */
  CHECK_INT(anyc_move_on_after(&s, 1e-12), 0);
  CHECK(anyc_scope_deadline(&s) == anyc_now());
  CHECK(anyc_cancelled()); /* due on entry, seen before any checkpoint */
  CHECK(anyc_current_effective_deadline() == -INFINITY);
  CHECK_INT(anyc_scope_close(&s, anyc_checkpoint()), 0);
  CHECK(anyc_scope_cancelled_caught(&s));
  CHECK_INT(anyc_fail_after(&s, 1e-12), 0);
  CHECK(anyc_cancelled());
  CHECK_INT(anyc_scope_close(&s, anyc_checkpoint()), -ETIMEDOUT);
  return 0;
}

/* trio: move_on_after(d) computes deadline = now + d and, on entry, cancels a scope
 * whose deadline is not after the clock (checked on the sum).  A positive delay too
 * small to change the clock's value left the scope uncancelled until the scheduler's
 * next deadline check, so the first checkpoint could pass. */
static void test_trio_delay_below_clock_resolution_is_due_on_entry(void **state)
{
  (void)state;
  run_mock_checked(delay_below_clock_resolution);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      TEST(test_trio_cancel_edge_cases),
      TEST(test_trio_delay_below_clock_resolution_is_due_on_entry),
      TEST(test_trio_cancel_scope_nesting),
      TEST(test_trio_cancel_shielding),
      TEST(test_trio_cancel_shield_abort),
      TEST(test_trio_unshield_while_cancel_propagating),
      TEST(test_trio_current_effective_deadline),
      TEST(test_anyio_shielded_deadline),
      TEST(test_trio_basic_timeout),
      TEST(test_trio_move_on_and_fail_after_even_if_shielded),
      TEST(test_anyio_cancel_from_shielded_scope),
      TEST(test_anyio_cancelled_raises_beyond_origin_shielded),
      TEST(test_anyio_cancelled_raises_beyond_origin_unshielded),
      TEST(test_anyio_triple_nested_shield_checkpoint_in_middle),
      TEST(test_anyio_fail_after),
      TEST(test_anyio_timeout_error_with_multiple_cancellations),
      TEST(test_anyio_nested_shield),
      TEST(test_trio_timeouts_raise_value_error),
      TEST(test_trio_infinite_and_past_deadlines),
      TEST(test_scope_deadline_cancels),
      TEST(test_scope_set_deadline_takes_effect),
      TEST(test_scope_misuse_aborts_naming_task),
      TEST(test_trio_scope_reentry_aborts),
      TEST(test_spec_scope_storage_reuse_and_null_close),
      TEST(test_scope_cancel_reaches_task_parked_in_unlinked_scopes),
      TEST(test_trio_start_moves_cancel_tree_to_target),
      TEST(test_trio_start_into_cancelled_group_wakes_moved_sleepers),
      TEST(test_scope_cancel_walks_deep_tree_without_recursion),
      TEST(test_trio_checkpoint_notices_passed_deadline),
      TEST(test_trio_cancel_called_after_deadline_sticks),
  };
  return cmocka_run_group_tests_name("runtime/scope", tests, NULL, NULL);
}
