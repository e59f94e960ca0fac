/* fpbench: one kernel of fp_core.h for FPB_ROUNDS rounds (FPB_KERNEL 1
 * matmul, 2 neon, 3 aes; 0 none: the boot and exit alone, the baseline
 * benchmarks/fp_bench.py subtracts).  Prints the result only. */
#include "fp_core.h"

#ifndef FPB_ROUNDS
#define FPB_ROUNDS 200
#endif

int main(void)
{
    fp_enable();
    u64 acc = 1;
#if FPB_KERNEL == 1
    fp_matmul_init();
    for (int r = 0; r < FPB_ROUNDS; r++)
        acc = fp_matmul_round(acc);
#elif FPB_KERNEL == 2
    fp_neon_init();
    for (int r = 0; r < FPB_ROUNDS; r++)
        acc = fp_neon_round(acc);
#elif FPB_KERNEL == 3
    fp_aes_init();
    for (int r = 0; r < FPB_ROUNDS; r++)
        acc = fp_aes_round(acc);
#endif
    pr("fpbench", acc);
    return 0;
}
