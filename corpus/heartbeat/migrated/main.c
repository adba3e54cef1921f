/* main.c — run the heartbeat to completion from plain main(). */
#include <stdio.h>

#include "heartbeat.h"

int main(void) {
  struct heartbeat hb;
  heartbeat_init(&hb, 0.002, 5);
  int rc = as_run_service(&hb.service);
  as_manager *m = hb.service.manager;
  printf("heartbeat: finished rc=%d cancelled=%d errors=%zu\n", rc, as_is_cancelled(m),
         as_error_count(m));
  as_service_destroy(&hb.service);
  return rc == 0 ? 0 : 1;
}
