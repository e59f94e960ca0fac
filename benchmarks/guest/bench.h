/* The guest benchmark programs (benchmarks/guest/<prog>.c): declarations shared by
 * every program, the guest main (main.c) and the native main (native_main.c).
 *
 * Each program defines
 *     const char bench_name[];          its name, printed with the checksum
 *     u64 bench_run(u64 iters);         the benchmark: a pure function
 * bench_run does `iters` equal iterations (each one builds its data from a
 * seed derived from the iteration number, works on it and folds the result
 * into the checksum), so its cost is linear in `iters` with nothing done
 * once: time(big) - time(small) is the steady state of `big - small`
 * iterations.  Portable C only: fixed-width unsigned arithmetic (wrapping,
 * defined), no undefined behaviour, no libc, no dependence on addresses or on
 * the signedness of char; the same source gives the same checksum built for
 * AArch64 (the guest, -ffreestanding) and for x86-64 (the native build). */
#ifndef BENCH_GUEST_BENCH_H
#define BENCH_GUEST_BENCH_H

typedef __UINT8_TYPE__ u8;
typedef __UINT16_TYPE__ u16;
typedef __UINT32_TYPE__ u32;
typedef __UINT64_TYPE__ u64;
typedef __INT32_TYPE__ i32;
typedef __INT64_TYPE__ i64;

extern const char bench_name[];
u64 bench_run(u64 iters);

/* A 64-bit LCG (Knuth's MMIX constants); the state is the caller's. */
static inline u64 lcg_next(u64 *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 11;
}

/* splitmix64's finaliser: a seed per iteration, well mixed */
static inline u64 mix64(u64 z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Fold a value into a running checksum (FNV-1a style, 64-bit) */
static inline u64 fold(u64 h, u64 v)
{
    return (h ^ v) * 0x100000001b3ull + (h >> 29);
}

#define CHECKSUM_INIT 0xcbf29ce484222325ull
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
