/* CPU-bound kernels shared by bench.c and demo.c: a sieve of Eratosthenes, an
 * open-addressing hash table, CRC32 (ARMv8.0 CRC32X/CRC32B instructions,
 * ID_AA64ISAR0_EL1.CRC32 = 1) and a Shell sort of pseudo-random keys.
 * Integer only; every result is deterministic.  One round is about 0.27
  * million instructions. */
#ifndef BENCH_CORE_H
#define BENCH_CORE_H
#include "lib.h"

#define SIEVE_N 8192
#define HASH_SLOTS 1024         /* power of two */
#define SORT_N 512
#define CRC_BYTES 2048

static u8 sieve_buf[SIEVE_N];
static u64 hash_keys[HASH_SLOTS];
static u32 hash_vals[HASH_SLOTS];
static u32 sort_buf[SORT_N];

static inline u32 crc32x(u32 crc, u64 v) { __asm__("crc32x %w0, %w0, %x1" : "+r"(crc) : "r"(v)); return crc; }
static inline u32 crc32b(u32 crc, u32 v) { __asm__("crc32b %w0, %w0, %w1" : "+r"(crc) : "r"(v)); return crc; }

static u64 lcg_state;
static inline u64 lcg(void) { lcg_state = lcg_state * 6364136223846793005ul + 1442695040888963407ul; return lcg_state >> 17; }

static u32 bench_sieve(void)
{
    u32 count = 0;
    for (u32 i = 0; i < SIEVE_N; i++)
        sieve_buf[i] = 0;
    for (u32 i = 2; i < SIEVE_N; i++) {
        if (sieve_buf[i])
            continue;
        count++;
        for (u32 j = i * i; j < SIEVE_N; j += i)
            sieve_buf[j] = 1;
    }
    return count;                       /* 1028 primes below 8192 */
}

static u32 bench_hash(u32 round)
{
    u32 sum = 0;
    for (u32 i = 0; i < HASH_SLOTS; i++)
        hash_keys[i] = 0;
    for (u32 i = 0; i < HASH_SLOTS * 3 / 4; i++) {      /* insert 768 keys (0 = empty) */
        u64 key = (lcg() | 1) ^ round;
        u32 h = (u32)((key * 0x9e3779b97f4a7c15ul) >> 54);
        while (hash_keys[h] && hash_keys[h] != key)
            h = (h + 1) & (HASH_SLOTS - 1);
        hash_keys[h] = key;
        hash_vals[h] = i;
    }
    for (u32 i = 0; i < HASH_SLOTS; i++) {              /* look up keys, half of them present */
        u64 key = hash_keys[(i * 37) & (HASH_SLOTS - 1)] + (i & 1);
        u32 h = (u32)((key * 0x9e3779b97f4a7c15ul) >> 54);
        while (hash_keys[h] && hash_keys[h] != key)
            h = (h + 1) & (HASH_SLOTS - 1);
        sum = sum * 31 + (hash_keys[h] == key && key ? hash_vals[h] + 1 : 0);
    }
    return sum;
}

static u32 bench_crc(void)
{
    u32 crc = ~0u;
    const u64 *p = (const u64 *)sieve_buf;
    for (u32 i = 0; i < CRC_BYTES / 8; i++)
        crc = crc32x(crc, p[i] ^ hash_keys[i & (HASH_SLOTS - 1)]);
    for (u32 i = 0; i < 64; i++)
        crc = crc32b(crc, i);
    return ~crc;
}

static u32 bench_sort(void)
{
    static const u32 gaps[] = {301, 132, 57, 23, 10, 4, 1};
    for (u32 i = 0; i < SORT_N; i++)
        sort_buf[i] = (u32)lcg();
    for (u32 g = 0; g < sizeof gaps / sizeof gaps[0]; g++) {
        u32 gap = gaps[g];
        for (u32 i = gap; i < SORT_N; i++) {
            u32 v = sort_buf[i], j = i;
            while (j >= gap && sort_buf[j - gap] > v) {
                sort_buf[j] = sort_buf[j - gap];
                j -= gap;
            }
            sort_buf[j] = v;
        }
    }
    u32 sum = 0, sorted = 1;
    for (u32 i = 0; i < SORT_N; i++) {
        sum = sum * 33 + sort_buf[i];
        if (i && sort_buf[i - 1] > sort_buf[i])
            sorted = 0;
    }
    return sorted ? sum : 0;
}

/* One round of every kernel, folded into the running checksum */
static u64 bench_round(u64 sum, u32 round)
{
    sum = sum * 0x100000001b3ul ^ bench_sieve();
    sum = sum * 0x100000001b3ul ^ bench_hash(round);
    sum = sum * 0x100000001b3ul ^ bench_crc();
    sum = sum * 0x100000001b3ul ^ bench_sort();
    return sum;
}
#endif
