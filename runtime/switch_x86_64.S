/* switch_x86_64.S — the task context switch for x86-64 (System V ABI).
 *
 * A suspended task is just its stack pointer: anyc__ctx_switch pushes the callee-saved
 * registers (rbp, rbx, r12-r15) on the old stack, stores rsp in from->sp, loads to->sp
 * and pops the same registers off the new stack.  Caller-saved registers are the
 * compiler's problem, as for any call.  The MXCSR and x87 control words are not
 * switched: tasks share the thread's floating-point environment (as minicoro does; it
 * saves ~5 ns per switch).
 *
 * A new task's stack is prepared by anyc__ctx_init so that the first switch "returns"
 * into anyc__trampoline with entry in r13 and its argument in r12, and rsp 16-byte
 * aligned as the ABI requires before a call.  entry never returns.
 *
 *   top (16-aligned) - 16 ................ rsp after the first ret (aligned)
 *   -8  anyc__trampoline (return address)
 *   -16 rbp = 0   -24 rbx = 0   -32 r12 = arg   -40 r13 = entry   -48 r14   -56 r15 = sp
 */
        .text
        .globl  anyc__ctx_switch
        .hidden anyc__ctx_switch
        .type   anyc__ctx_switch, @function
        .p2align 4
/* void anyc__ctx_switch(struct anyc__ctx *from, struct anyc__ctx *to) */
anyc__ctx_switch:
        .cfi_startproc
        pushq   %rbp
        pushq   %rbx
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        movq    %rsp, (%rdi)
        movq    (%rsi), %rsp
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %rbx
        popq    %rbp
        ret
        .cfi_endproc
        .size   anyc__ctx_switch, .-anyc__ctx_switch

        .globl  anyc__ctx_init
        .hidden anyc__ctx_init
        .type   anyc__ctx_init, @function
        .p2align 4
/* void anyc__ctx_init(struct anyc__ctx *c, void *stack_lo, size_t size,
 *                     void (*entry)(void *), void *arg) */
anyc__ctx_init:
        .cfi_startproc
        leaq    (%rsi,%rdx), %rax
        andq    $-16, %rax
        subq    $16, %rax               /* rsp once the trampoline is entered */
        movq    $0, (%rax)
        movq    $0, 8(%rax)
        subq    $56, %rax
        movq    $0, 0(%rax)             /* r15 */
        movq    $0, 8(%rax)             /* r14 */
        movq    %rcx, 16(%rax)          /* r13 = entry */
        movq    %r8, 24(%rax)           /* r12 = arg */
        movq    $0, 32(%rax)            /* rbx */
        movq    $0, 40(%rax)            /* rbp */
        leaq    anyc__trampoline(%rip), %r9
        movq    %r9, 48(%rax)           /* return address */
        movq    %rax, (%rdi)
        ret
        .cfi_endproc
        .size   anyc__ctx_init, .-anyc__ctx_init

        .type   anyc__trampoline, @function
        .p2align 4
anyc__trampoline:
        .cfi_startproc
        .cfi_undefined rip              /* end of the call chain for unwinders */
        movq    %r12, %rdi
        callq   *%r13
        ud2
        .cfi_endproc
        .size   anyc__trampoline, .-anyc__trampoline

        .section .note.GNU-stack,"",@progbits
