/* layer.c — the layer service.  Its shutdown line is printed after its wait is
 * cancelled; leaves-first cancellation fixes the order: innermost first. */
#include <stdio.h>

#include "layer.h"

static int layer_run(as_service *self)
{
  struct layer *l = (struct layer *)self;
  printf("%s: started\n", self->name);
  if (l->inner) {
    int rc = l->daemon_child
                 ? as_run_daemon_child_service(self->manager, &l->inner->service, NULL)
                 : as_run_child_service(self->manager, &l->inner->service, NULL);
    if (rc)
      return rc;
    if ((rc = as_wait_started(l->inner->service.manager)))
      return rc;
  }
  l->up = 1;
  int rc = as_wait_finished(self->manager);
  printf("%s: stopping\n", self->name);
  return rc;
}

void layer_init(struct layer *l, const char *name, struct layer *inner, int daemon_child)
{
  as_service_init(&l->service, layer_run, name);
  l->inner = inner;
  l->daemon_child = daemon_child;
  l->up = 0;
}
