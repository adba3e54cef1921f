/* signal.c — anyc_signal_wait: wait for one of a set of signals (AnyIO's
 * open_signal_receiver, one signal at a time), for clean shutdown on SIGINT / SIGTERM.
 *
 * Built on uv_signal_t, which turns the signal into a loop event (libuv's self-pipe), so
 * the waiting task is woken like any other.  The watchers exist only while the call
 * waits: it allocates one record with a uv_signal_t per signal number, and the record is
 * freed by the last handle's close callback, so a cancelled wait returns at once.
 */
#include <errno.h>
#include <signal.h>

#include "sync.h"

struct sigwait {
  struct anyc__task *task; /* NULL once the wait ended */
  int got;
  size_t n, open;          /* handles, handles not yet closed */
  uv_signal_t h[];
};

static void closed(uv_handle_t *h)
{
  struct sigwait *w = h->data;
  if (--w->open == 0)
    anyc__free(w);
}

static void finish(struct sigwait *w)
{
  w->task = NULL;
  for (size_t i = 0; i < w->n; i++)
    uv_close((uv_handle_t *)&w->h[i], closed);
}

static void on_signal(uv_signal_t *h, int signum)
{
  struct sigwait *w = h->data;
  struct anyc__task *t = w->task;
  if (!t)
    return;
  w->got = signum;
  for (size_t i = 0; i < w->n; i++)
    uv_signal_stop(&w->h[i]); /* the first signal wins; the rest keep their default */
  anyc__wake(t, 0);
}

static void wait_abort(struct anyc__task *t) { finish(t->wait_obj); }

int anyc_signal_wait(const int *signums, size_t n, int *got)
{
  struct anyc__task *t = anyc__current();
  if (ANYC_UNLIKELY(!t))
    return -EPERM;
  if (!signums || n == 0 || n > 64 || !got)
    return -EINVAL;
  for (size_t i = 0; i < n; i++)
    if (signums[i] <= 0 || signums[i] >= NSIG || signums[i] == SIGKILL || signums[i] == SIGSTOP)
      return -EINVAL;
  if (anyc__task_cancelled(t))
    return -ECANCELED;
  struct sigwait *w = anyc__malloc(sizeof *w + n * sizeof w->h[0]);
  if (!w)
    return -ENOMEM;
  w->task = t;
  w->n = w->open = 0;
  int rc = 0;
  for (size_t i = 0; i < n && rc == 0; i++) {
    rc = uv_signal_init(&anyc__rt->loop, &w->h[i]);
    if (rc == 0) {
      w->h[i].data = w;
      w->n = w->open = i + 1;
      rc = uv_signal_start(&w->h[i], on_signal, signums[i]);
    }
  }
  if (rc == 0)
    rc = anyc__park("signal", wait_abort, w);
  if (rc == 0)
    *got = w->got;
  if (rc != -ECANCELED) { /* a cancelled wait was finished by its abort */
    if (w->n)
      finish(w);
    else
      anyc__free(w);
  }
  return rc;
}
