/* Native (host) main of the benchmark programs, built at run time by
 * benchmarks/hot_code.py with the host's gcc -O2 (not committed):
 *     ./prog ITERS [REPEATS]
 * calls bench_run(ITERS) REPEATS times (default 1), timing each call with
 * CLOCK_MONOTONIC, and prints the guest's line plus the best time:
 *     "<name> iters <n> checksum <hex> seconds <best>" */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "bench.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s ITERS [REPEATS]\n", argv[0]);
        return 2;
    }
    u64 iters = strtoull(argv[1], NULL, 0);
    int repeats = argc > 2 ? atoi(argv[2]) : 1;
    u64 sum = 0;
    double best = 1e30;
    for (int r = 0; r < (repeats > 0 ? repeats : 1); r++) {
        double t0 = now();
        u64 s = bench_run(iters);
        double dt = now() - t0;
        if (r && s != sum) {
            fprintf(stderr, "%s: not deterministic\n", bench_name);
            return 1;
        }
        sum = s;
        if (dt < best)
            best = dt;
    }
    printf("%s iters %llu checksum 0x%llx seconds %.9f\n", bench_name, (unsigned long long)iters,
           (unsigned long long)sum, best);
    return 0;
}
