/* fpu: a few rounds of the floating-point, NEON and AES kernels (fp_core.h),
 * printing each result's bits: identical to QEMU on both engines. */
#include "fp_core.h"

int main(void)
{
    line("fpu: double matmul, NEON checksum, AES-128");
    fp_enable();
    u64 acc = 1;
    fp_matmul_init();
    for (int r = 0; r < 3; r++)
        acc = fp_matmul_round(acc);
    pr("matmul", acc);
    pr("c[5]", fbits(mm_c[5]));
    fp_neon_init();
    for (int r = 0; r < 3; r++)
        acc = fp_neon_round(acc);
    pr("neon", acc);
    fp_aes_init();
    for (int r = 0; r < 3; r++)
        acc = fp_aes_round(acc);
    pr("aes", acc);
    u64 fpsr;
    __asm__ volatile("mrs %0, fpsr" : "=r"(fpsr));
    pr("fpsr", fpsr);
    line("fpu: done");
    return 0;
}
