/* breaker.h — a circuit breaker: closed -> open after N failures, half-open after a
 * cool-down, closed again after one success. */
#ifndef BREAKER_H
#define BREAKER_H

enum breaker_state { BREAKER_CLOSED, BREAKER_OPEN, BREAKER_HALF_OPEN };

struct breaker {
  enum breaker_state state;
  int failures, threshold;
  double opened_at, cooldown;
};

void breaker_init(struct breaker *b, int threshold, double cooldown);
/* May the call go through at time `now`?  Moves open -> half-open after the cool-down. */
int breaker_allow(struct breaker *b, double now);
void breaker_record(struct breaker *b, int ok, double now);
const char *breaker_state_name(enum breaker_state s);

#endif
