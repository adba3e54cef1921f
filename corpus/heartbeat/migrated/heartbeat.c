/* heartbeat.c — the Heartbeat service: a daemon task beats; run() waits for enough
 * beats and then cancels its own manager. */
#include <errno.h>
#include <stdio.h>

#include "heartbeat.h"

static int beat_forever(void *arg) {
  struct heartbeat *hb = arg;
  while (hb->beats < hb->beats_wanted) {
    int rc = anyc_sleep(hb->interval);
    if (rc) return rc;                 /* cancelled: the service is stopping */
    hb->beats++;
    printf("heartbeat: beat %d\n", hb->beats);
  }
  /* Quiet until shutdown; a daemon must not return while the service runs. */
  return as_wait_finished(hb->service.manager);
}

static int heartbeat_run(as_service *self) {
  struct heartbeat *hb = (struct heartbeat *)self;
  int rc = as_run_daemon_task(self->manager, beat_forever, hb, "beat_forever");
  if (rc) return rc;
  while (hb->beats < hb->beats_wanted) {
    rc = anyc_sleep(hb->interval / 4);
    if (rc) return rc;
  }
  printf("heartbeat: enough beats, stopping\n");
  as_cancel(self->manager);
  return 0;
}

void heartbeat_init(struct heartbeat *hb, double interval, int beats_wanted) {
  as_service_init(&hb->service, heartbeat_run, "Heartbeat");
  hb->interval = interval;
  hb->beats_wanted = beats_wanted;
  hb->beats = 0;
}
