/* bench: a CPU-bound benchmark kernel (sieve, hash table, CRC32, sort; see
 * bench_core.h).  BENCH_ROUNDS (compile time) sets the size: each round is
 * about 0.27 million instructions (1000 rounds: about 270 million,
 * measured with qemu -icount shift=0 and -DMEASURE). Prints the checksum only. */
#include "bench_core.h"

#ifndef BENCH_ROUNDS
#define BENCH_ROUNDS 1000
#endif

int main(void)
{
    line("bench: sieve + hash table + crc32 + shell sort");
    prd("rounds", BENCH_ROUNDS);
    lcg_state = 12345;
    u64 sum = 0xcbf29ce484222325ul;
    for (u32 r = 0; r < BENCH_ROUNDS; r++)
        sum = bench_round(sum, r);
    pr("checksum", sum);
#ifdef MEASURE   /* with qemu -icount shift=0: one counter tick per 16 instructions */
    prd("approx instructions", read_sysreg(cntpct_el0) * 16);
#endif
    line("bench: done");
    return 0;
}
