/* main.c — run the DHT; report the failure that stopped it. */
#include <errno.h>
#include <stdio.h>

#include "dht.h"

int main(void)
{
  static struct dht d;
  dht_init(&d);
  int rc = as_run_service(&d.service);
  as_manager *m = d.service.manager;
  printf("dht: run_service returned %s\n", anyc_strerror(rc));
  for (size_t i = 0; i < as_error_count(m); i++) {
    int code;
    const char *msg;
    as_error_at(m, i, &code, &msg);
    printf("dht: error %zu: %s (%s)\n", i, msg ? msg : "-", anyc_strerror(code));
  }
  printf("dht: cancelled=%d did_error=%d\n", as_is_cancelled(m), as_did_error(m));
  as_service_destroy(&d.service);
  return rc == -ENOENT ? 0 : 1;
}
