/* stack.c — task stacks: carved from large mappings, guarded, pooled, and watched.
 *
 * Why not one mmap per stack: a fresh guarded mapping costs ~3 µs, and a guard made with
 * mprotect splits the mapping in two, so 65,530 mappings per process (vm.max_map_count)
 * cap a runtime near 32k tasks — where libdill dies.  Instead stacks are slots of big
 * chunks (~16 MiB each, MAP_NORESERVE so untouched pages cost nothing):
 *
 *   chunk:  [guard|stack ........ |desc][guard|stack ........ |desc] ...
 *            ^ one page            ^ struct anyc__stack at the top of each slot
 *
 * The guard page is installed with madvise(MADV_GUARD_INSTALL) (Linux >= 6.13), which
 * adds no mapping at all.  On older kernels it falls back to mprotect(PROT_NONE) while
 * the mapping count stays well under the limit, and beyond that to a canary: a pattern
 * at the bottom of the stack that the scheduler checks every time the task switches out.
 * The canary catches an overflow late (at the next switch, not at the faulting write),
 * but it catches it, and 1,000,000 tasks still fit.  docs/internals/stacks.md has the
 * numbers.
 *
 * Freed stacks go on a LIFO free list and are reused hot (~13 ns instead of ~3 µs); the
 * chunks are unmapped when the run ends.  A SIGSEGV handler on an alternate signal stack
 * turns a fault in a guard page into "anyc: stack overflow in task '<name>' (stack N
 * bytes)" and abort(), instead of a silent crash or corruption.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifdef ANYC_HAVE_VALGRIND
#include <valgrind/valgrind.h>
#endif

#include "internal.h"

#ifdef ANYC_ASAN
#include <sanitizer/asan_interface.h>
#endif

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102 /* Linux 6.13 uapi; glibc 2.36's headers predate it */
#endif

#define CHUNK_TARGET (16u << 20)          /* bytes of address space per chunk */
#define MPROTECT_GUARD_LIMIT 16000u       /* two mappings each: stay far from 65,530 */
#define CANARY_WORDS 8
#define CANARY 0xa5c3a5c3a5c3a5c3ull

enum guard_mode { GUARD_MADVISE, GUARD_MPROTECT, GUARD_CANARY };

struct chunk {
  char *base;          /* the mapping */
  size_t len;
  size_t carved;       /* slots handed out so far */
  struct chunk *next;
};

struct anyc__stack_pool {
  size_t stack_size;   /* usable bytes per stack (page multiple) */
  size_t slot_size;    /* guard + stack */
  size_t slots;        /* per chunk */
  size_t page;
  struct chunk *chunks;
  struct anyc__stack *free;
  size_t mprotected;   /* guards made with mprotect */
  int mode;            /* enum guard_mode: the best the kernel allowed so far */
};

/* Test hook: the guard scheme new pools start with (GUARD_* ; -1 = best available). */
static ANYC_TLS int forced_mode = -1;
void anyc__stack_force_guard_mode(int mode) { forced_mode = mode; }

size_t anyc__stack_default_size(void)
{
#ifdef ANYC_ASAN
  return 512u << 10; /* ASan's redzones make frames several times larger */
#else
  return 128u << 10;
#endif
}

int anyc__stack_pool_init(struct anyc__stack_pool **out, size_t stack_size)
{
  struct anyc__stack_pool *p = anyc__calloc(1, sizeof *p);
  if (!p)
    return -ENOMEM;
  p->page = (size_t)sysconf(_SC_PAGESIZE);
  if (stack_size == 0)
    stack_size = anyc__stack_default_size();
  if (stack_size < (16u << 10))
    stack_size = 16u << 10;
  if (stack_size > SIZE_MAX / 4) { /* no such mapping exists; rounding would wrap to 0 */
    anyc__free(p);
    return -ENOMEM;
  }
  stack_size = (stack_size + p->page - 1) & ~(p->page - 1);
  p->stack_size = stack_size;
  p->slot_size = stack_size + p->page;
  p->slots = CHUNK_TARGET / p->slot_size;
  if (p->slots == 0)
    p->slots = 1;
  p->mode = forced_mode >= 0 ? forced_mode : GUARD_MADVISE;
  *out = p;
  return 0;
}

void anyc__stack_pool_destroy(struct anyc__stack_pool *p)
{
  if (!p)
    return;
  struct chunk *c = p->chunks;
  while (c) {
    struct chunk *next = c->next;
#ifdef ANYC_HAVE_VALGRIND
    for (size_t i = 0; i < c->carved; i++) {
      char *slot = c->base + i * p->slot_size;
      struct anyc__stack *s =
          (struct anyc__stack *)(slot + p->slot_size - sizeof(struct anyc__stack));
      VALGRIND_STACK_DEREGISTER(s->vg_id);
    }
#endif
    munmap(c->base, c->len);
    anyc__free(c);
    c = next;
  }
  anyc__free(p);
}

/* Give slot `slot` its guard, the best way the kernel allows. */
static int guard_slot(struct anyc__stack_pool *p, char *slot)
{
  if (p->mode == GUARD_MADVISE) {
    if (madvise(slot, p->page, MADV_GUARD_INSTALL) == 0)
      return 0;
    p->mode = GUARD_MPROTECT; /* EINVAL: kernel < 6.13 (or a tool that hides it) */
  }
  if (p->mode == GUARD_MPROTECT) {
    if (p->mprotected < MPROTECT_GUARD_LIMIT && mprotect(slot, p->page, PROT_NONE) == 0) {
      p->mprotected++;
      return 0;
    }
    p->mode = GUARD_CANARY;
  }
  return 1; /* canary */
}

static int carve(struct anyc__stack_pool *p, struct anyc__stack **out)
{
  struct chunk *c = p->chunks;
  if (!c || c->carved == p->slots) {
    c = anyc__malloc(sizeof *c);
    if (!c)
      return -ENOMEM;
    c->len = p->slots * p->slot_size;
    c->base = anyc__alloc_should_fail()
                  ? MAP_FAILED
                  : mmap(NULL, c->len, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (c->base == MAP_FAILED) {
      anyc__free(c);
      return -ENOMEM;
    }
    /* Huge pages would make every stack cost its full size in RSS. */
    madvise(c->base, c->len, MADV_NOHUGEPAGE);
    c->carved = 0;
    c->next = p->chunks;
    p->chunks = c;
  }
  char *slot = c->base + c->carved++ * p->slot_size;
  struct anyc__stack *s =
      (struct anyc__stack *)(slot + p->slot_size - sizeof(struct anyc__stack));
  s->lo = slot + p->page;
  s->size = (size_t)((char *)s - (char *)s->lo) & ~(size_t)15;
  s->next = NULL;
  s->nominal = p->stack_size;
  s->canary = guard_slot(p, slot);
  if (s->canary) {
    /* Without a guard the page below is just more stack: count it, mark the bottom. */
    s->lo = slot;
    s->size += p->page;
    uint64_t *w = s->lo;
    for (int i = 0; i < CANARY_WORDS; i++)
      w[i] = CANARY;
  }
#ifdef ANYC_HAVE_VALGRIND
  s->vg_id = VALGRIND_STACK_REGISTER(s->lo, (char *)s->lo + s->size);
#else
  s->vg_id = 0;
#endif
  *out = s;
  return 0;
}

int anyc__stack_get(struct anyc__stack_pool *p, struct anyc__stack **out)
{
  struct anyc__stack *s = p->free;
  if (ANYC_LIKELY(s != NULL)) {
    p->free = s->next;
    *out = s;
    return 0;
  }
  return carve(p, out);
}

void anyc__stack_put(struct anyc__stack_pool *p, struct anyc__stack *s)
{
#ifdef ANYC_ASAN
  /* A finished task never returned from its frames, so their redzones are still
   * poisoned; the next task on this stack must start from clean shadow memory. */
  ASAN_UNPOISON_MEMORY_REGION(s->lo, s->size);
#endif
  s->next = p->free;
  p->free = s;
}

/* ---- overflow reporting ---- */

static void write_str(const char *s) { (void)!write(2, s, strlen(s)); }

static void write_overflow(const char *name, size_t size)
{
  char num[32];
  int i = (int)sizeof num - 1;
  num[i] = '\0';
  do {
    num[--i] = (char)('0' + size % 10);
    size /= 10;
  } while (size && i > 0);
  write_str("anyc: stack overflow in task '");
  write_str(name);
  write_str("' (stack ");
  write_str(num + i);
  write_str(" bytes)\n");
}

void anyc__stack_check(const struct anyc__stack *s, const char *task_name)
{
  const uint64_t *w = s->lo;
  for (int i = 0; i < CANARY_WORDS; i++) {
    if (w[i] != CANARY) {
      write_overflow(task_name, s->nominal);
      abort();
    }
  }
}

static struct sigaction old_segv, old_bus;
static ANYC_TLS void *altstack;
static ANYC_TLS stack_t old_altstack;
static int handler_users; /* runs using the handler (threads may run their own loops) */

static void on_fault(int sig, siginfo_t *si, void *uctx)
{
  struct anyc__runtime *rt = anyc__rt;
  struct anyc__task *t = rt ? rt->current : NULL;
  (void)uctx;
  if (t && t->stack) {
    char *addr = si->si_addr;
    char *lo = t->stack->lo;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    /* The guard page, or below it by less than a large frame: an overflow. */
    if (addr < lo + 256 && addr >= lo - page - (64u << 10)) {
      write_overflow(anyc__task_name(t), t->stack->nominal);
      signal(SIGABRT, SIG_DFL);
      abort();
    }
  }
  /* Not ours: hand the fault to whoever had it before (re-raised on return). */
  struct sigaction *old = sig == SIGSEGV ? &old_segv : &old_bus;
  sigaction(sig, old, NULL);
}

int anyc__overflow_handler_install(void)
{
  size_t size = 64u << 10;
  altstack = anyc__malloc(size);
  if (!altstack)
    return -ENOMEM;
  stack_t ss = {.ss_sp = altstack, .ss_size = size, .ss_flags = 0};
  sigaltstack(&ss, &old_altstack);
  if (__atomic_fetch_add(&handler_users, 1, __ATOMIC_ACQ_REL) == 0) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &old_segv);
    sigaction(SIGBUS, &sa, &old_bus);
  }
  return 0;
}

void anyc__overflow_handler_remove(void)
{
  if (__atomic_sub_fetch(&handler_users, 1, __ATOMIC_ACQ_REL) == 0) {
    sigaction(SIGSEGV, &old_segv, NULL);
    sigaction(SIGBUS, &old_bus, NULL);
  }
  sigaltstack(&old_altstack, NULL);
  anyc__free(altstack);
  altstack = NULL;
}
