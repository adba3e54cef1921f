/* alloc.c — the runtime's one door to the heap.
 *
 * Every allocation the runtime makes goes through anyc__malloc and friends so that the
 * fault tests can make the n-th allocation fail (anyc__alloc_fail_at) and then check,
 * with anyc__alloc_live, that the failing call returned -ENOMEM and leaked nothing.
 * Stack mappings ask anyc__alloc_should_fail too, so they are fault sites as well.
 * The counters are thread-local: each thread's run is its own world.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static ANYC_TLS long fail_countdown; /* 0: never fail; n: the n-th next allocation fails */
static ANYC_TLS long live;           /* allocations not yet freed */

int anyc__alloc_should_fail(void)
{
  if (ANYC_LIKELY(fail_countdown == 0))
    return 0;
  return --fail_countdown == 0;
}

void anyc__alloc_fail_at(long n) { fail_countdown = n > 0 ? n : 0; }
long anyc__alloc_countdown(void) { return fail_countdown; }
long anyc__alloc_live(void) { return live; }

void *anyc__malloc(size_t n)
{
  if (anyc__alloc_should_fail())
    return NULL;
  void *p = malloc(n);
  if (p)
    live++;
  return p;
}

void *anyc__calloc(size_t count, size_t n)
{
  if (anyc__alloc_should_fail())
    return NULL;
  void *p = calloc(count, n);
  if (p)
    live++;
  return p;
}

void *anyc__realloc(void *p, size_t n)
{
  if (anyc__alloc_should_fail())
    return NULL;
  void *q = realloc(p, n);
  if (q && !p)
    live++;
  return q;
}

void anyc__free(void *p)
{
  if (p) {
    live--;
    free(p);
  }
}

char *anyc__strdup(const char *s)
{
  size_t n = strlen(s) + 1;
  char *p = anyc__malloc(n);
  if (p)
    memcpy(p, s, n);
  return p;
}
