// CPU-bound benchmark guest (arm64 Image, bare metal, QEMU virt compatible).
// The iteration count is the quad at offset 0x40 (patched by
// benchmarks/jit_bench.py).  Work per iteration: an LCG, a data-dependent
// array update (loads and stores), shifts, a multiply, flag-setting compares.
// Prints a checksum on the PL011 and powers off with PSCI SYSTEM_OFF.
        .equ    UART, 0x09000000
        .text
        .globl  _start
_start:
        b       main
        .word   0
        .quad   0
        .quad   image_end - _start
        .quad   0xa
        .quad   0, 0, 0
        .word   0x644d5241
        .word   0
iterations:
        .quad   1000000
main:
        ldr     x20, iterations
        adr     x19, table
        mov     x0, #12345
        mov     x1, #0
        ldr     x2, =6364136223846793005
        ldr     x3, =1442695040888963407
1:      madd    x0, x0, x2, x3          // LCG step
        lsr     x4, x0, #52             // index 0..4095
        and     x4, x4, #0x3f8
        ldr     x5, [x19, x4]
        eor     x5, x5, x0, ror #17
        add     x1, x1, x5
        str     x5, [x19, x4]
        cmp     x5, x1
        cinc    x1, x1, hi
        subs    x20, x20, #1
        b.ne    1b
        // print the checksum in hex
        mov     x12, #60
        mov     x9, #UART
2:      lsr     x6, x1, x12
        and     x6, x6, #0xf
        cmp     x6, #10
        add     x7, x6, #'0'
        add     x8, x6, #('a' - 10)
        csel    x6, x7, x8, lo
        strb    w6, [x9]
        subs    x12, x12, #4
        b.ge    2b
        mov     w6, #'\n'
        strb    w6, [x9]
        ldr     x0, =0x84000008
        smc     #0
        b       .
        .bss
        .balign 16
table:  .skip   1024
image_end:
