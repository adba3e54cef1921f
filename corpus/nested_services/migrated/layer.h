/* layer.h — one layer of a stack of services: it announces itself, optionally runs the
 * next layer as a child service, and announces its shutdown. */
#ifndef LAYER_H
#define LAYER_H

#include <async_service.h>

struct layer {
  as_service service;
  struct layer *inner;   /* run as a child service; NULL for the innermost */
  int daemon_child;      /* run the inner layer as a daemon child service */
  int up;                /* set once this layer is running */
};

void layer_init(struct layer *l, const char *name, struct layer *inner, int daemon_child);

#endif
