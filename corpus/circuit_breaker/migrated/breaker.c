/* breaker.c — the state machine of breaker.h (no async code in here). */
#include "breaker.h"

void breaker_init(struct breaker *b, int threshold, double cooldown) {
  b->state = BREAKER_CLOSED;
  b->failures = 0;
  b->threshold = threshold;
  b->cooldown = cooldown;
  b->opened_at = 0;
}

int breaker_allow(struct breaker *b, double now) {
  if (b->state == BREAKER_OPEN && now - b->opened_at >= b->cooldown)
    b->state = BREAKER_HALF_OPEN;
  return b->state != BREAKER_OPEN;
}

void breaker_record(struct breaker *b, int ok, double now) {
  if (ok) {
    b->state = BREAKER_CLOSED;
    b->failures = 0;
  } else if (b->state == BREAKER_HALF_OPEN || ++b->failures >= b->threshold) {
    b->state = BREAKER_OPEN;
    b->opened_at = now;
  }
}

const char *breaker_state_name(enum breaker_state s) {
  return s == BREAKER_CLOSED ? "closed" : s == BREAKER_OPEN ? "open" : "half-open";
}
