// Entry of the sample kernels: the 64-byte arm64 Image header and the code
// that turns the boot state into a C call main(x0, x1, x2, x3) at the entry EL.
        .section .text.head, "ax"
        .globl  _start
_start:
        b       entry                   // code0: branch to the real entry
        .word   0                       // code1
        .quad   0                       // text_offset: 0 (2 MB aligned base)
        .quad   _end - _start           // image_size, including BSS and stacks
        .quad   0xa                     // flags: LE (bit 0 = 0), 4K pages (1 << 1), anywhere (1 << 3)
        .quad   0, 0, 0                 // res2-res4
        .word   0x644d5241              // magic "ARM\x64"
        .word   0                       // res5 (no PE header)
entry:
        mov     x19, x0                 // boot arguments: x0 = DTB, x1-x3 = 0
        mov     x20, x1
        mov     x21, x2
        mov     x22, x3
        adr     x23, _start             // load address (we are linked at 0)
        // apply R_AARCH64_RELATIVE relocations: *(base + r_offset) = base + r_addend
        adr     x9, __rela_start
        adr     x10, __rela_end
1:      cmp     x9, x10
        b.hs    3f
        ldp     x11, x12, [x9]          // r_offset, r_info
        ldr     x13, [x9, #16]          // r_addend
        add     x9, x9, #24
        cmp     w12, #1027              // R_AARCH64_RELATIVE
        b.ne    1b
        add     x13, x13, x23
        str     x13, [x23, x11]
        b       1b
3:      adr     x9, __bss_start         // clear BSS
        adr     x10, __bss_end
4:      cmp     x9, x10
        b.hs    5f
        stp     xzr, xzr, [x9], #16
        b       4b
5:      adr     x9, el2_stack_top       // the stack of the entry EL
        mov     sp, x9
        mov     x0, x19
        mov     x1, x20
        mov     x2, x21
        mov     x3, x22
        bl      main
        bl      psci_off
