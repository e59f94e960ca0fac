/* bits: bit manipulation in plain C (no CRC or popcount instructions are
 * asked for: the compiler sees loops and masks).  Per iteration, over 768
 * bytes of generated data: CRC-32 (IEEE, reflected) bit by bit and by a 256-entry
 * table built in the iteration (both must agree), population counts by
 * Kernighan's loop and by the SWAR formula, bit reversal by a loop and by
 * mask-and-shift swaps, leading zeros by a shift loop and by binary search,
 * parity, Gray code round trips and Morton interleaving. */
#include "bench.h"

const char bench_name[] = "bits";

#define WORDS 96                        /* 768 bytes of data */
#define CRC_POLY 0xedb88320u

static u64 data[WORDS];
static u32 crc_table[256];

static u32 crc32_bitwise(const u8 *p, u32 n)
{
    u32 crc = ~0u;
    for (u32 i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (CRC_POLY & (0u - (crc & 1)));
    }
    return ~crc;
}

static void crc32_init(void)
{
    for (u32 i = 0; i < 256; i++) {
        u32 c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? (c >> 1) ^ CRC_POLY : c >> 1;
        crc_table[i] = c;
    }
}

static u32 crc32_table(const u8 *p, u32 n)
{
    u32 crc = ~0u;
    for (u32 i = 0; i < n; i++)
        crc = crc_table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
    return ~crc;
}

static u32 popcount_loop(u64 x)
{
    u32 n = 0;
    while (x) {
        x &= x - 1;
        n++;
    }
    return n;
}

static u32 popcount_swar(u64 x)
{
    x = x - ((x >> 1) & 0x5555555555555555ull);
    x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
    return (u32)((x * 0x0101010101010101ull) >> 56);
}

static u64 reverse_loop(u64 x)
{
    u64 r = 0;
    for (int i = 0; i < 64; i++) {
        r = r << 1 | (x & 1);
        x >>= 1;
    }
    return r;
}

static u64 reverse_swap(u64 x)
{
    x = (x >> 1 & 0x5555555555555555ull) | (x & 0x5555555555555555ull) << 1;
    x = (x >> 2 & 0x3333333333333333ull) | (x & 0x3333333333333333ull) << 2;
    x = (x >> 4 & 0x0f0f0f0f0f0f0f0full) | (x & 0x0f0f0f0f0f0f0f0full) << 4;
    x = (x >> 8 & 0x00ff00ff00ff00ffull) | (x & 0x00ff00ff00ff00ffull) << 8;
    x = (x >> 16 & 0x0000ffff0000ffffull) | (x & 0x0000ffff0000ffffull) << 16;
    return x >> 32 | x << 32;
}

static u32 clz_loop(u64 x)              /* 64 for 0 */
{
    u32 n = 0;
    while (n < 64 && !(x >> 63)) {
        x <<= 1;
        n++;
    }
    return n;
}

static u32 clz_search(u64 x)
{
    if (x == 0)
        return 64;
    u32 n = 0;
    if (!(x >> 32)) { n += 32; x <<= 32; }
    if (!(x >> 48)) { n += 16; x <<= 16; }
    if (!(x >> 56)) { n += 8; x <<= 8; }
    if (!(x >> 60)) { n += 4; x <<= 4; }
    if (!(x >> 62)) { n += 2; x <<= 2; }
    if (!(x >> 63)) { n += 1; }
    return n;
}

static u32 parity(u64 x)
{
    x ^= x >> 32;
    x ^= x >> 16;
    x ^= x >> 8;
    x ^= x >> 4;
    return (0x6996u >> (x & 15)) & 1;
}

static u32 gray_decode(u32 g)
{
    for (u32 s = 1; s < 32; s <<= 1)
        g ^= g >> s;
    return g;
}

static u64 spread(u32 x)                /* bit i of x to bit 2i */
{
    u64 v = x;
    v = (v | v << 16) & 0x0000ffff0000ffffull;
    v = (v | v << 8) & 0x00ff00ff00ff00ffull;
    v = (v | v << 4) & 0x0f0f0f0f0f0f0f0full;
    v = (v | v << 2) & 0x3333333333333333ull;
    v = (v | v << 1) & 0x5555555555555555ull;
    return v;
}

static u64 one_round(u64 seed)
{
    u64 s = seed, h = CHECKSUM_INIT;
    for (u32 i = 0; i < WORDS; i++) {
        u64 r = lcg_next(&s);
        data[i] = r << 21 ^ lcg_next(&s) >> (r & 31);     /* varied bit densities and leading zeros */
    }
    /* the data as bytes, little-endian whatever the host */
    static u8 bytes[WORDS * 8];
    for (u32 i = 0; i < WORDS; i++)
        for (u32 k = 0; k < 8; k++)
            bytes[i * 8 + k] = (u8)(data[i] >> 8 * k);
    crc32_init();
    u32 c1 = crc32_bitwise(bytes, sizeof bytes), c2 = crc32_table(bytes, sizeof bytes);
    h = fold(h, c1 == c2 ? c1 : 0xbad0bad0ull << 32);
    u64 pops = 0, revs = 0, clzs = 0, par = 0, grays = 0, morton = 0;
    for (u32 i = 0; i < WORDS; i++) {
        u64 x = data[i];
        u32 p1 = popcount_loop(x), p2 = popcount_swar(x);
        pops = pops * 67 + (p1 == p2 ? p1 : 1000);
        u64 r1 = reverse_loop(x), r2 = reverse_swap(x);
        revs = fold(revs, r1 == r2 ? r1 : 0);
        u32 z1 = clz_loop(x), z2 = clz_search(x);
        clzs = clzs * 65 + (z1 == z2 ? z1 : 1000);
        par = par << 1 ^ parity(x) ^ par >> 63;
        u32 lo = (u32)x, g = lo ^ lo >> 1;
        grays += gray_decode(g) == lo ? g : 0xbad;
        morton = fold(morton, spread(lo) | spread((u32)(x >> 32)) << 1);
    }
    h = fold(h, pops);
    h = fold(h, revs);
    h = fold(h, clzs);
    h = fold(h, par);
    h = fold(h, grays);
    return fold(h, morton);
}

u64 bench_run(u64 iters)
{
    u64 h = CHECKSUM_INIT;
    for (u64 i = 0; i < iters; i++)
        h = fold(h, one_round(mix64(i + 1)));
    return h;
}
