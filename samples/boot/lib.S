// Shared code of the sample kernels (QEMU virt compatible board):
// PL011 output, PSCI SYSTEM_OFF, exception vector tables for EL2 and EL1 that
// call C handlers, and calls into a lower EL that come back (call_el1/call_el0).
// General-purpose registers only (no FP/SIMD anywhere).
        .equ    UART_DR, 0x09000000
        .text

// void putc(int c)
        .globl  putc
putc:   mov     x9, #UART_DR
        strb    w0, [x9]
        ret

// void puts(const char *s)   (no newline added)
        .globl  puts
puts:   mov     x9, #UART_DR
1:      ldrb    w10, [x0], #1
        cbz     w10, 2f
        strb    w10, [x9]
        b       1b
2:      ret

// void puthex(unsigned long v): "0x" and the shortest hex form (at least one digit)
        .globl  puthex
puthex: mov     x9, #UART_DR
        mov     w10, #'0'
        strb    w10, [x9]
        mov     w10, #'x'
        strb    w10, [x9]
        mov     x11, #60
1:      cbz     x11, 2f                 // skip leading zero digits (keep the last)
        lsr     x12, x0, x11
        cbnz    x12, 2f
        sub     x11, x11, #4
        b       1b
2:      lsr     x12, x0, x11
        and     x12, x12, #0xf
        cmp     x12, #10
        add     x13, x12, #'0'
        add     x14, x12, #('a' - 10)
        csel    x12, x13, x14, lo
        strb    w12, [x9]
        subs    x11, x11, #4
        b.pl    2b
        ret

// void putdec(unsigned long v)
        .globl  putdec
putdec: sub     sp, sp, #32
        mov     x9, sp
        mov     x10, #10
1:      udiv    x11, x0, x10
        msub    x12, x11, x10, x0
        add     x12, x12, #'0'
        strb    w12, [x9], #1
        mov     x0, x11
        cbnz    x0, 1b
        mov     x13, #UART_DR
        mov     x14, sp
2:      ldrb    w12, [x9, #-1]!
        strb    w12, [x13]
        cmp     x9, x14
        b.ne    2b
        add     sp, sp, #32
        ret

// void psci_off(void): PSCI SYSTEM_OFF through SMC (QEMU's virt answers SMC
// as the firmware when virtualization=on); never returns.  At EL1/EL0 it asks
// the EL above (HVC/SVC #0xfffe), whose vector code calls psci_off.
        .globl  psci_off
psci_off:
        mrs     x9, CurrentEL
        cmp     x9, #8
        b.eq    2f
        cmp     x9, #4
        b.eq    1f
        svc     #0xfffe                 // EL0: ask EL1 (the vector code below)
1:      hvc     #0xfffe                 // EL1: ask EL2 (an SMC may be trapped by HCR_EL2.TSC)
2:      movz    x0, #0x0008
        movk    x0, #0x8400, lsl #16
        smc     #0
        b       .

// unsigned long psci_call(unsigned long fn, a1, a2, a3): SMC #0, result in x0
        .globl  psci_call
psci_call:
        smc     #0
        ret

// void *memset(void *d, int c, unsigned long n), memcpy: byte loops (no DC ZVA, no SIMD)
        .globl  memset
memset: mov     x9, x0
1:      cbz     x2, 2f
        strb    w1, [x9], #1
        sub     x2, x2, #1
        b       1b
2:      ret
        .globl  memcpy
memcpy: mov     x9, x0
1:      cbz     x2, 2f
        ldrb    w10, [x1], #1
        strb    w10, [x9], #1
        sub     x2, x2, #1
        b       1b
2:      ret

// ---------------------------------------------------------------------------
// Calls into a lower exception level that return.
// unsigned long call_el1(fn, arg, sp_el1, spsr)   (at EL2)
// unsigned long call_el0(fn, arg, sp_el0, spsr)   (at EL1)
// fn(arg) runs at the lower EL; when it returns, its x30 points at a
// trampoline doing HVC/SVC #0xffff, which the vector code below recognises:
// it restores the caller's stack and callee-saved registers and returns the
// lower EL's x0.
.macro  call_lower name, el, spreg, saved, tramp, insn
        .globl  \name
\name:  stp     x29, x30, [sp, #-96]!
        stp     x19, x20, [sp, #16]
        stp     x21, x22, [sp, #32]
        stp     x23, x24, [sp, #48]
        stp     x25, x26, [sp, #64]
        stp     x27, x28, [sp, #80]
        adr     x9, \saved
        ldr     x10, [x9]               // nest: keep the previous one on the stack
        str     x10, [sp, #-16]!
        mov     x10, sp
        str     x10, [x9]
        msr     elr_\el, x0
        msr     \spreg, x2
        msr     spsr_\el, x3
        mov     x0, x1
        adr     x30, \tramp
        isb
        eret
\tramp: \insn   #0xffff
.endm
        call_lower call_el1, el2, sp_el1, saved_sp_el2, tramp_el1, hvc
        call_lower call_el0, el1, sp_el0, saved_sp_el1, tramp_el0, svc

// ---------------------------------------------------------------------------
// Vector tables.  Each entry pushes a 256-byte frame (x0-x30) and calls
//   void el2_vector(unsigned vec, struct frame *f)  /  el1_vector(...)
// vec = entry index 0-15: 0-3 current EL SP0, 4-7 current EL SPx, 8-11 lower
// EL AArch64, 12-15 lower EL AArch32; vec & 3: 0 sync, 1 IRQ, 2 FIQ, 3 SError.
// The handler may change the frame (registers restored from it) and ELR/SPSR.
.macro  ventry n, common
        .balign 0x80
        sub     sp, sp, #256
        stp     x0, x1, [sp]
        mov     x0, #\n
        b       \common
.endm

.macro  vcommon name, el, cfunc, retesr_hi, saved
\name:  stp     x2, x3, [sp, #16]
        stp     x4, x5, [sp, #32]
        stp     x6, x7, [sp, #48]
        stp     x8, x9, [sp, #64]
        stp     x10, x11, [sp, #80]
        stp     x12, x13, [sp, #96]
        stp     x14, x15, [sp, #112]
        stp     x16, x17, [sp, #128]
        stp     x18, x19, [sp, #144]
        stp     x20, x21, [sp, #160]
        stp     x22, x23, [sp, #176]
        stp     x24, x25, [sp, #192]
        stp     x26, x27, [sp, #208]
        stp     x28, x29, [sp, #224]
        str     x30, [sp, #240]
        cmp     x0, #8                  // lower EL, AArch64, synchronous?
        b.ne    1f
        mrs     x2, esr_\el
        movz    x3, #0xffff
        movk    x3, #\retesr_hi, lsl #16
        cmp     x2, x3                  // HVC/SVC #0xffff: the lower EL returned
        b.eq    2f
        sub     x3, x3, #1
        cmp     x2, x3                  // HVC/SVC #0xfffe: the lower EL powers off
        b.eq    psci_off
1:      mov     x1, sp
        bl      \cfunc
        ldp     x0, x1, [sp]
        ldp     x2, x3, [sp, #16]
        ldp     x4, x5, [sp, #32]
        ldp     x6, x7, [sp, #48]
        ldp     x8, x9, [sp, #64]
        ldp     x10, x11, [sp, #80]
        ldp     x12, x13, [sp, #96]
        ldp     x14, x15, [sp, #112]
        ldp     x16, x17, [sp, #128]
        ldp     x18, x19, [sp, #144]
        ldp     x20, x21, [sp, #160]
        ldp     x22, x23, [sp, #176]
        ldp     x24, x25, [sp, #192]
        ldp     x26, x27, [sp, #208]
        ldp     x28, x29, [sp, #224]
        ldr     x30, [sp, #240]
        add     sp, sp, #256
        eret
2:      ldr     x0, [sp]                // the lower EL's return value
        adr     x9, \saved
        ldr     x10, [x9]
        mov     sp, x10
        ldr     x10, [sp], #16
        str     x10, [x9]
        ldp     x19, x20, [sp, #16]
        ldp     x21, x22, [sp, #32]
        ldp     x23, x24, [sp, #48]
        ldp     x25, x26, [sp, #64]
        ldp     x27, x28, [sp, #80]
        ldp     x29, x30, [sp], #96
        ret
.endm

        .balign 2048
        .globl  vectors_el2
vectors_el2:
        .irp    n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
        ventry  \n, common_el2
        .endr
        vcommon common_el2, el2, el2_vector, 0x5a00, saved_sp_el2   // ESR of HVC #0xffff: EC 0x16, IL

        .balign 2048
        .globl  vectors_el1
vectors_el1:
        .irp    n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
        ventry  \n, common_el1
        .endr
        vcommon common_el1, el1, el1_vector, 0x5600, saved_sp_el1   // ESR of SVC #0xffff: EC 0x15, IL

// Default handlers (a sample defines its own): report and power off.
        .weak   el2_vector
el2_vector:
        mov     x19, x0
        adr     x0, msg_unexp2
        b       unexpected
        .weak   el1_vector
el1_vector:
        mov     x19, x0
        adr     x0, msg_unexp1
unexpected:
        bl      puts
        mov     x0, x19
        bl      puthex
        mov     x0, #'\n'
        bl      putc
        bl      psci_off

        .section .rodata
msg_unexp2: .asciz "unexpected exception at EL2, vector "
msg_unexp1: .asciz "unexpected exception at EL1, vector "

        .data
        .balign 8
saved_sp_el2:   .quad 0
saved_sp_el1:   .quad 0
