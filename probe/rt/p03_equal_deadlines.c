/* p03: a timeout and a sleep that end at the same instant (mock clock).  Trio expires
 * deadlines in (deadline, creation order): the scope, made first, fires first, so the
 * sleep is cancelled and the scope catches it.  Also two sibling scopes with equal
 * deadlines: the outer one (made first) catches. */
#include "probe.h"

static int main_fn(void *a)
{
  (void)a;
  for (int i = 0; i < 3; i++) {
    anyc_scope s;
    anyc_move_on_after(&s, 1);
    int rc = anyc_sleep(1);
    EXPECT(rc, -ECANCELED);
    EXPECT(anyc_scope_close(&s, rc), 0);
    EXPECT(anyc_scope_cancelled_caught(&s), 1);
  }
  for (int i = 0; i < 3; i++) {
    anyc_scope o, in;
    anyc_move_on_after(&o, 1);
    anyc_move_on_after(&in, 1);
    int rc = anyc_sleep(5);
    rc = anyc_scope_close(&in, rc);
    EXPECT(anyc_scope_cancelled_caught(&in), 0);
    EXPECT(anyc_scope_close(&o, rc), 0);
    EXPECT(anyc_scope_cancelled_caught(&o), 1);
  }
  /* Sleep made before the scope: a sleeper wakes normally, later the scope. */
  return 0;
}

int main(void)
{
  EXPECT(probe_run_mock(main_fn), 0);
  return probe_done();
}
