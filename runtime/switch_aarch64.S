/* switch_aarch64.S — the task context switch for AArch64 (AAPCS64).
 *
 * As on x86-64 a suspended task is its stack pointer: anyc__ctx_switch stores the
 * callee-saved registers x19-x30 and d8-d15 (160 bytes) below the old sp, saves sp in
 * from->sp, loads to->sp and restores the same frame; `ret` jumps to the restored x30.
 * FPCR/FPSR are not switched (tasks share the thread's floating-point environment).
 *
 * anyc__ctx_init lays out a frame whose x30 is anyc__trampoline, x19 the argument and
 * x20 the entry function; sp stays 16-byte aligned throughout, as AAPCS64 requires.
 */
        .text
        .globl  anyc__ctx_switch
        .hidden anyc__ctx_switch
        .type   anyc__ctx_switch, %function
        .p2align 4
/* void anyc__ctx_switch(struct anyc__ctx *from, struct anyc__ctx *to) */
anyc__ctx_switch:
        sub     sp, sp, #160
        stp     x19, x20, [sp, #0]
        stp     x21, x22, [sp, #16]
        stp     x23, x24, [sp, #32]
        stp     x25, x26, [sp, #48]
        stp     x27, x28, [sp, #64]
        stp     x29, x30, [sp, #80]
        stp     d8, d9, [sp, #96]
        stp     d10, d11, [sp, #112]
        stp     d12, d13, [sp, #128]
        stp     d14, d15, [sp, #144]
        mov     x2, sp
        str     x2, [x0]
        ldr     x2, [x1]
        mov     sp, x2
        ldp     x19, x20, [sp, #0]
        ldp     x21, x22, [sp, #16]
        ldp     x23, x24, [sp, #32]
        ldp     x25, x26, [sp, #48]
        ldp     x27, x28, [sp, #64]
        ldp     x29, x30, [sp, #80]
        ldp     d8, d9, [sp, #96]
        ldp     d10, d11, [sp, #112]
        ldp     d12, d13, [sp, #128]
        ldp     d14, d15, [sp, #144]
        add     sp, sp, #160
        ret
        .size   anyc__ctx_switch, .-anyc__ctx_switch

        .globl  anyc__ctx_init
        .hidden anyc__ctx_init
        .type   anyc__ctx_init, %function
        .p2align 4
/* void anyc__ctx_init(struct anyc__ctx *c, void *stack_lo, size_t size,
 *                     void (*entry)(void *), void *arg) */
anyc__ctx_init:
        add     x5, x1, x2
        and     x5, x5, #~15
        sub     x5, x5, #160
        mov     x6, #0
        mov     x7, #0
1:      str     xzr, [x5, x7]          /* zero the whole frame */
        add     x7, x7, #8
        cmp     x7, #160
        b.lo    1b
        str     x4, [x5, #0]           /* x19 = arg */
        str     x3, [x5, #8]           /* x20 = entry */
        adr     x6, anyc__trampoline
        str     x6, [x5, #88]          /* x30 = trampoline */
        str     x5, [x0]
        ret
        .size   anyc__ctx_init, .-anyc__ctx_init

        .type   anyc__trampoline, %function
        .p2align 4
anyc__trampoline:
        mov     x29, #0                /* end of the frame chain */
        mov     x0, x19
        blr     x20
        brk     #0
        .size   anyc__trampoline, .-anyc__trampoline

        .section .note.GNU-stack,"",%progbits
