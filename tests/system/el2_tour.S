// An EL2 tour, in the arm64 Image format (entered like a kernel at EL2):
// install EL2 and EL1 vectors, trap SMC and WFI with HCR_EL2, drop to EL1,
// take HVC, trapped SMC, trapped WFI, SVC, a virtual IRQ (HCR_EL2.VI), then
// print every syndrome recorded and power off.  Run on a64jit and on
// qemu-system-aarch64 -M virt,virtualization=on -cpu cortex-a57: same output.
        .equ    UART, 0x09000000
        .text
_start:
        b       main
        .word   0
        .quad   0, image_end - _start, 0xa, 0, 0, 0
        .word   0x644d5241, 0
main:
        adr     x27, _start
        adr     x1, stack2_top
        mov     sp, x1
        adr     x28, log
        adr     x1, vec2
        msr     vbar_el2, x1
        adr     x1, vec1
        msr     vbar_el1, x1
        movz    x1, #(1 << 4) | (1 << 13)               // IMO, TWI
        movk    x1, #(1 << 3) | (1 << 15), lsl #16      // TSC (19), RW (31)
        msr     hcr_el2, x1
        adr     x1, stack1_top
        msr     sp_el1, x1
        mov     x1, #0x3c5                              // EL1h, DAIF masked
        msr     spsr_el2, x1
        adr     x1, el1_main
        msr     elr_el2, x1
        isb
        eret
el1_main:
        hvc     #0x11
        smc     #0x22
        wfi
        svc     #0x33
        hvc     #1                      // EL2 raises a virtual IRQ
        msr     daifclr, #2             // ...taken right after this
irq_return:
        nop
        mrs     x9, isr_el1             // nothing pending any more
        str     x9, [x28], #8
        hvc     #3                      // EL2 prints and powers off

        .balign 2048
vec2:   .skip   0x400                   // current EL: unused
        mrs     x9, esr_el2             // lower EL, AArch64, synchronous
        str     x9, [x28], #8
        ubfx    x10, x9, #26, #6
        cmp     x10, #0x16
        b.eq    1f
        mrs     x11, elr_el2            // trapped SMC or WFI: skip it
        add     x11, x11, #4
        msr     elr_el2, x11
        eret
1:      and     x10, x9, #0xffff
        mrs     x11, hcr_el2
        cmp     x10, #1
        b.ne    2f
        orr     x11, x11, #(1 << 7)     // HCR_EL2.VI
        msr     hcr_el2, x11
        eret
2:      cmp     x10, #2
        b.ne    3f
        bic     x11, x11, #(1 << 7)
        msr     hcr_el2, x11
        eret
3:      cmp     x10, #3
        b.eq    finish
        eret

        .balign 2048
vec1:   .skip   0x200
        mrs     x9, esr_el1             // current EL with SPx, synchronous (SVC)
        str     x9, [x28], #8
        eret
        .balign 0x80
        mrs     x9, elr_el1             // current EL with SPx, IRQ (virtual)
        sub     x9, x9, x27
        str     x9, [x28], #8
        mrs     x9, isr_el1
        str     x9, [x28], #8
        mrs     x9, spsr_el1
        str     x9, [x28], #8
        hvc     #2                      // EL2 clears HCR_EL2.VI
        eret

finish:
        mrs     x9, currentel
        str     x9, [x28], #8
        adr     x19, log
        mov     x20, x28
4:      ldr     x0, [x19], #8
        bl      puthex
        cmp     x19, x20
        b.ne    4b
        movz    x0, #0x0008
        movk    x0, #0x8400, lsl #16    // PSCI SYSTEM_OFF
        smc     #0

puthex: mov     x1, #UART
        mov     x2, #60
5:      lsr     x3, x0, x2
        and     x3, x3, #0xf
        cmp     x3, #10
        add     x4, x3, #'0'
        add     x5, x3, #('a' - 10)
        csel    x3, x4, x5, lo
        strb    w3, [x1]
        subs    x2, x2, #4
        b.pl    5b
        mov     x3, #'\n'
        strb    w3, [x1]
        ret

        .balign 16
log:    .skip   256
        .skip   1024
stack1_top:
        .skip   1024
stack2_top:
image_end:
