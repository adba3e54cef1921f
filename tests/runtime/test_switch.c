/* test_switch.c — the context switch on its own (runtime/switch_*.S, switch_ucontext.c).
 *
 * Plain C, no cmocka and no libuv, so the same file also runs cross-compiled for
 * AArch64 under qemu (ctest runtime.switch_aarch64).  Two contexts ping-pong; each keeps
 * values in locals and floating-point variables across switches (callee-saved registers
 * must survive), checks its stack alignment, and the entry function receives its
 * argument.  Exit status 0 = pass.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

#define ROUNDS 100000
#define STACK (64 * 1024)

static struct anyc__ctx main_ctx, a_ctx, b_ctx;
static long a_count, b_count;
static int failures;

static void check(int ok, const char *what)
{
  if (!ok && failures++ < 10)
    fprintf(stderr, "switch test: %s\n", what);
}

static void task_a(void *arg)
{
  double f = 1.5;
  long local = (long)(intptr_t)arg;
  check(local == 42, "entry argument");
  for (long i = 0; i < ROUNDS; i++) {
    a_count++;
    f += 1.0;
    anyc__ctx_switch(&a_ctx, &b_ctx);
    check(local == 42, "local survives switches (a)");
  }
  check(f == 1.5 + ROUNDS, "double survives switches (a)");
  anyc__ctx_switch(&a_ctx, &main_ctx);
  abort(); /* never resumed */
}

__attribute__((noinline)) static void aligned(void)
{
  /* A 16-byte aligned local: misalignment would show as a non-zero low nibble. */
  _Alignas(16) volatile char buf[16];
  check(((uintptr_t)buf & 15) == 0, "16-byte stack alignment");
}

static void task_b(void *arg)
{
  double g = 0.25;
  long local = (long)(intptr_t)arg;
  aligned();
  for (;;) {
    b_count++;
    g *= 1.0;
    anyc__ctx_switch(&b_ctx, &a_ctx);
    check(local == 7, "local survives switches (b)");
    check(g == 0.25, "double survives switches (b)");
  }
}

int main(void)
{
  char *sa = malloc(STACK), *sb = malloc(STACK);
  if (!sa || !sb)
    return 2;
  anyc__ctx_init(&a_ctx, sa, STACK, task_a, (void *)(intptr_t)42);
  anyc__ctx_init(&b_ctx, sb, STACK, task_b, (void *)(intptr_t)7);
  double keep = 3.25;
  long keep_int = 99;
  anyc__ctx_switch(&main_ctx, &a_ctx);
  check(keep == 3.25 && keep_int == 99, "main's registers survive");
  check(a_count == ROUNDS && b_count == ROUNDS, "every round ran");
  free(sa);
  free(sb);
  if (failures)
    return 1;
  printf("switch: %d rounds ok\n", ROUNDS);
  return 0;
}
