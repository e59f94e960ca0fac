// a64jit demo guest: a bare-metal program in the arm64 Image format.
// Entered like a kernel on QEMU's virt board (EL2, MMU off, x0 = DTB or 0);
// prints through the PL011 data register, counts primes with a sieve, checks
// a CRC32 and powers off with PSCI SYSTEM_OFF.  Same output on
// qemu-system-aarch64 -M virt,virtualization=on -cpu cortex-a57 -kernel demo.bin.
        .equ    UART, 0x09000000
        .equ    N, 4000
        .text
        .globl  _start
_start:
        b       main                    // code0
        .word   0                       // code1
        .quad   0                       // text_offset
        .quad   image_end - _start      // image_size
        .quad   0xa                     // flags: LE, 4K, anywhere
        .quad   0, 0, 0
        .word   0x644d5241              // "ARM\x64"
        .word   0
main:
        adr     x1, stack_top
        mov     sp, x1
        adr     x0, banner
        bl      puts
        mrs     x0, CurrentEL
        lsr     x0, x0, #2
        add     x0, x0, #'0'
        bl      putc
        mov     x0, #'\n'
        bl      putc
        // sieve of Eratosthenes over [0, N)
        adr     x19, sieve
        mov     x2, #0
1:      strb    wzr, [x19, x2]
        add     x2, x2, #1
        cmp     x2, #N
        b.lo    1b
        mov     x2, #2
        mov     x20, #0                 // prime count
2:      ldrb    w3, [x19, x2]
        cbnz    w3, 4f
        add     x20, x20, #1
        mul     x4, x2, x2
3:      cmp     x4, #N
        b.hs    4f
        mov     w5, #1
        strb    w5, [x19, x4]
        add     x4, x4, x2
        b       3b
4:      add     x2, x2, #1
        cmp     x2, #N
        b.lo    2b
        adr     x0, msg_primes
        bl      puts
        mov     x0, x20
        bl      putdec
        mov     x0, #'\n'
        bl      putc
        // CRC32 over the sieve bytes
        mov     w21, #-1
        mov     x2, #0
5:      ldr     x3, [x19, x2]
        crc32x  w21, w21, x3
        add     x2, x2, #8
        cmp     x2, #N
        b.lo    5b
        mvn     w21, w21
        adr     x0, msg_crc
        bl      puts
        mov     x0, x21
        bl      puthex
        mov     x0, #'\n'
        bl      putc
        ldr     x0, =0x84000008         // PSCI SYSTEM_OFF
        smc     #0
        b       .

putc:   mov     x9, #UART
        strb    w0, [x9]
        ret
puts:   mov     x10, x30
        mov     x11, x0
1:      ldrb    w0, [x11], #1
        cbz     w0, 2f
        bl      putc
        b       1b
2:      ret     x10
putdec: mov     x10, x30                // print x0 in decimal
        sub     sp, sp, #32
        mov     x11, sp
        mov     x12, #10
1:      udiv    x13, x0, x12
        msub    x14, x13, x12, x0
        add     x14, x14, #'0'
        strb    w14, [x11], #1
        mov     x0, x13
        cbnz    x0, 1b
        mov     x15, sp
2:      ldrb    w0, [x11, #-1]!
        bl      putc
        cmp     x11, x15
        b.ne    2b
        add     sp, sp, #32
        ret     x10
puthex: mov     x10, x30                // print w0 as 8 hex digits
        mov     w11, w0
        mov     x12, #28
1:      lsr     w0, w11, w12
        and     w0, w0, #0xf
        cmp     w0, #10
        add     w13, w0, #'0'
        add     w14, w0, #('a' - 10)
        csel    w0, w13, w14, lo
        bl      putc
        subs    x12, x12, #4
        b.ge    1b
        ret     x10

        .section .rodata
banner:     .asciz  "a64jit demo guest: running at EL"
msg_primes: .asciz  "primes below 4000: "
msg_crc:    .asciz  "crc32 of the sieve: "
        .bss
        .balign 16
sieve:  .skip   N
        .balign 16
        .skip   4096
stack_top:
image_end:
