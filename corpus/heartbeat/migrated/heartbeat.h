/* heartbeat.h — a service that beats at a fixed interval until told to stop. */
#ifndef HEARTBEAT_H
#define HEARTBEAT_H

#include <async_service.h>

struct heartbeat {
  as_service service;   /* must be first: run() gets the service pointer */
  double interval;
  int beats_wanted;
  int beats;
};

void heartbeat_init(struct heartbeat *hb, double interval, int beats_wanted);

#endif
