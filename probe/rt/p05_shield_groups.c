/* p05: shields, deadlines and groups together (mock clock): a shield around a group
 * protects its children; clearing it wakes them at once; moving an outer deadline
 * earlier or later while children sleep; a child's own shield inside a cancelled group. */
#include "probe.h"

struct rec { double secs; int rc; double at; int shield; };
static int sleeper(void *a)
{
  struct rec *r = a;
  if (r->shield) {
    anyc_scope s;
    anyc_scope_open(&s);
    anyc_scope_set_shield(&s, 1);
    r->rc = anyc_sleep(r->secs);
    r->at = anyc_now();
    return anyc_scope_close(&s, r->rc);
  }
  r->rc = anyc_sleep(r->secs);
  r->at = anyc_now();
  return r->rc;
}

static int main_fn(void *a)
{
  (void)a;
  double t0;
  /* 1+2: outer cancelled, shield around the group; then unshield at t+1 */
  {
    anyc_scope outer, sh;
    anyc_group g;
    struct rec r = {10, 1, 0, 0};
    anyc_scope_open(&outer);
    anyc_scope_cancel(&outer);
    anyc_scope_open(&sh);
    anyc_scope_set_shield(&sh, 1);
    anyc_group_open(&g);
    t0 = anyc_now();
    anyc_start_soon(&g, sleeper, &r);
    EXPECT(anyc_sleep(1), 0);
    anyc_scope_set_shield(&sh, 0);
    int rc = anyc_group_close(&g, 0);
    EXPECT(rc, -ECANCELED);
    EXPECT(r.rc, -ECANCELED);
    EXPECT((r.at - t0) * 1000, 1000);
    rc = anyc_scope_close(&sh, rc);
    EXPECT(rc, -ECANCELED);
    EXPECT(anyc_scope_close(&outer, rc), 0);
    EXPECT(anyc_scope_cancelled_caught(&outer), 1);
    EXPECT(anyc_scope_cancelled_caught(&sh), 0);
  }
  /* 3: move_on_after(1) around a group whose child sleeps 5 */
  {
    anyc_scope s;
    anyc_group g;
    struct rec r = {5, 1, 0, 0};
    t0 = anyc_now();
    anyc_move_on_after(&s, 1);
    anyc_group_open(&g);
    anyc_start_soon(&g, sleeper, &r);
    int rc = anyc_group_close(&g, 0);
    EXPECT(rc, -ECANCELED);
    EXPECT(anyc_scope_close(&s, rc), 0);
    EXPECT((anyc_now() - t0) * 1000, 1000);
  }
  /* 4: child shield inside a cancelled group */
  {
    anyc_group g;
    struct rec r = {2, 1, 0, 1};
    t0 = anyc_now();
    anyc_group_open(&g);
    anyc_start_soon(&g, sleeper, &r);
    anyc_checkpoint();
    anyc_group_cancel(&g);
    EXPECT(anyc_group_close(&g, 0), 0);
    EXPECT(r.rc, 0);
    EXPECT((r.at - t0) * 1000, 2000);
  }
  /* 5: outer deadline moved earlier, then 6: later, while a child sleeps */
  {
    anyc_scope s;
    anyc_group g;
    struct rec r = {50, 1, 0, 0};
    t0 = anyc_now();
    anyc_move_on_after(&s, 20);
    anyc_group_open(&g);
    anyc_start_soon(&g, sleeper, &r);
    anyc_sleep(1);
    anyc_scope_set_deadline(&s, t0 + 3);
    int rc = anyc_group_close(&g, 0);
    EXPECT(anyc_scope_close(&s, rc), 0);
    EXPECT((r.at - t0) * 1000, 3000);
  }
  {
    anyc_scope s;
    anyc_group g;
    struct rec r = {5, 1, 0, 0};
    t0 = anyc_now();
    anyc_move_on_after(&s, 2);
    anyc_group_open(&g);
    anyc_start_soon(&g, sleeper, &r);
    anyc_sleep(1);
    anyc_scope_set_deadline(&s, t0 + 30);
    int rc = anyc_group_close(&g, 0);
    EXPECT(rc, 0);
    EXPECT(anyc_scope_close(&s, rc), 0);
    EXPECT(anyc_scope_cancel_called(&s), 0);
    EXPECT(r.rc, 0);
    EXPECT((r.at - t0) * 1000, 5000);
  }
  /* current_effective_deadline inside a child: the group's enclosing scopes count */
  return 0;
}

int main(void)
{
  EXPECT(probe_run_mock(main_fn), 0);
  return probe_done();
}
