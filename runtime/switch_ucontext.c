/* switch_ucontext.c — the portable context switch (ANYC_SWITCH=ucontext).
 *
 * For architectures without a hand-written switch, and as a reference the test suite
 * also runs against.  swapcontext saves the signal mask with a system call on every
 * switch, so it costs ~100x the assembly version; correctness is the same.
 * makecontext passes int arguments only, so the 64-bit entry and argument travel split
 * in two halves.
 */
#include <stdint.h>

#include "internal.h"

static void trampoline(unsigned ehi, unsigned elo, unsigned ahi, unsigned alo)
{
  void (*entry)(void *) =
      (void (*)(void *))(uintptr_t)(((uint64_t)ehi << 32) | (uint64_t)elo);
  void *arg = (void *)(uintptr_t)(((uint64_t)ahi << 32) | (uint64_t)alo);
  entry(arg);
  __builtin_trap(); /* entry never returns */
}

void anyc__ctx_init(struct anyc__ctx *c, void *stack_lo, size_t size, void (*entry)(void *),
                    void *arg)
{
  uint64_t e = (uint64_t)(uintptr_t)entry, a = (uint64_t)(uintptr_t)arg;
  getcontext(&c->uc);
  c->uc.uc_stack.ss_sp = stack_lo;
  c->uc.uc_stack.ss_size = size;
  c->uc.uc_link = NULL;
  makecontext(&c->uc, (void (*)(void))trampoline, 4, (unsigned)(e >> 32), (unsigned)e,
              (unsigned)(a >> 32), (unsigned)a);
}

void anyc__ctx_switch(struct anyc__ctx *from, struct anyc__ctx *to)
{
  swapcontext(&from->uc, &to->uc);
}
