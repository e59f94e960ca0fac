/* Floating-point, NEON and crypto kernels shared by fpu.c (a small run of
 * each, checked against QEMU) and fpbench.c (the benchmark):
 *   matmul: a dense double-precision matrix multiply (scalar FMADD/FMUL/FADD,
 *           compiled without auto-vectorisation), with a square root and a
 *           division per round so every kind of rounding is exercised;
 *   neon:   a Fletcher-style checksum of a byte buffer with AdvSIMD integer
 *           intrinsics (UADDW, UADALP, ADD, MUL, EOR, EXT, TBL-free);
 *   aes:    AES-128 encryption rounds (AESE/AESMC) in CBC over a buffer.
 * Results are printed as bit patterns: they must be identical on every
 * engine (FPCR at its reset value: round to nearest, no flush to zero). */
#ifndef FP_CORE_H
#define FP_CORE_H
#include "lib.h"
#include <arm_neon.h>

#define MM_N 24
static double mm_a[MM_N * MM_N], mm_b[MM_N * MM_N], mm_c[MM_N * MM_N];

#define NEON_BYTES 4096
static u8 neon_buf[NEON_BYTES] __attribute__((aligned(16)));

#define AES_BLOCKS 64
static u8 aes_buf[AES_BLOCKS * 16] __attribute__((aligned(16)));

static void fp_enable(void)
{
    /* EL2: no FP/AdvSIMD traps (CPTR_EL2.TFP = 0); EL1/EL0 too (CPACR_EL1.FPEN = 11) */
    u64 cptr;
    __asm__ volatile("mrs %0, cptr_el2" : "=r"(cptr));
    __asm__ volatile("msr cptr_el2, %0; msr cpacr_el1, %1; isb" : : "r"(cptr & ~(1ul << 10)), "r"(3ul << 20));
}

static u64 fbits(double x) { u64 v; __builtin_memcpy(&v, &x, 8); return v; }

__attribute__((unused, noinline)) static u64 fp_matmul_init(void)
{
    for (int i = 0; i < MM_N * MM_N; i++) {
        mm_a[i] = (double)((i * 37) % 101) / 7.0 - 5.0;
        mm_b[i] = 1.0 / (double)(i + 3);
        mm_c[i] = 0.0;
    }
    return 0;
}

__attribute__((unused, noinline, optimize("no-tree-vectorize"))) static u64 fp_matmul_round(u64 acc)
{
    for (int i = 0; i < MM_N; i++)
        for (int j = 0; j < MM_N; j++) {
            double s = mm_c[i * MM_N + j] * 0.5;
            for (int k = 0; k < MM_N; k++)
                s += mm_a[i * MM_N + k] * mm_b[k * MM_N + j];
            mm_c[i * MM_N + j] = s;
        }
    double t = __builtin_sqrt(mm_c[acc % (MM_N * MM_N)] * mm_c[acc % (MM_N * MM_N)] + 1.0) / 3.0;
    mm_a[acc % (MM_N * MM_N)] = t;
    return acc * 31 + fbits(mm_c[(acc * 7) % (MM_N * MM_N)]);
}

__attribute__((unused, noinline)) static u64 fp_neon_init(void)
{
    u32 x = 12345;
    for (int i = 0; i < NEON_BYTES; i++) {
        x = x * 1103515245u + 12345u;
        neon_buf[i] = (u8)(x >> 16);
    }
    return 0;
}

__attribute__((unused, noinline)) static u64 fp_neon_round(u64 acc)
{
    uint32x4_t s1 = vdupq_n_u32((u32)acc), s2 = vdupq_n_u32(1);
    for (int i = 0; i < NEON_BYTES; i += 16) {
        uint8x16_t v = vld1q_u8(neon_buf + i);
        uint16x8_t w = vmovl_u8(vget_low_u8(v));
        w = vaddw_u8(w, vget_high_u8(v));
        s1 = vpadalq_u16(s1, w);
        s2 = vaddq_u32(s2, s1);
        s2 = veorq_u32(s2, vshlq_n_u32(s1, 3));
    }
    uint32x4_t m = vmulq_u32(s1, s2);
    neon_buf[acc % NEON_BYTES] ^= (u8)vgetq_lane_u32(m, 1);
    return acc * 33 + vaddvq_u32(m) + ((u64)vaddvq_u32(s2) << 32);
}

static uint8x16_t aes_rk[11];

__attribute__((unused, noinline)) static u64 fp_aes_init(void)
{
    for (int r = 0; r < 11; r++) {
        u8 k[16];
        for (int i = 0; i < 16; i++)
            k[i] = (u8)(r * 29 + i * 7 + 1);
        aes_rk[r] = vld1q_u8(k);
    }
    for (int i = 0; i < AES_BLOCKS * 16; i++)
        aes_buf[i] = (u8)i;
    return 0;
}

__attribute__((unused, noinline)) static u64 fp_aes_round(u64 acc)
{
    uint8x16_t iv = vreinterpretq_u8_u64(vdupq_n_u64(acc));
    for (int b = 0; b < AES_BLOCKS; b++) {
        uint8x16_t x = veorq_u8(vld1q_u8(aes_buf + 16 * b), iv);
        for (int r = 0; r < 9; r++)
            x = vaesmcq_u8(vaeseq_u8(x, aes_rk[r]));
        x = veorq_u8(vaeseq_u8(x, aes_rk[9]), aes_rk[10]);
        vst1q_u8(aes_buf + 16 * b, x);
        iv = x;
    }
    uint64x2_t d = vreinterpretq_u64_u8(iv);
    return acc * 37 + vgetq_lane_u64(d, 0) + vgetq_lane_u64(d, 1);
}

#endif
