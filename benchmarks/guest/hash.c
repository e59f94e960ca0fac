/* hash: two hash tables, per iteration built from scratch and exercised:
 * - open addressing (linear probing, 64-bit keys, multiplicative hash) with
 *   deletion by backward shift (no tombstones): insert 700 keys into 1,024
 *   slots, look up 1,024 (half present), delete 350, look up again,
 *   re-insert a quarter;
 * - separate chaining (256 buckets of singly linked entries from a pool of 384,
 *   a free list, 32-bit keys hashed by xorshift-multiply): insert, look up,
 *   delete by unlinking. */
#include "bench.h"

const char bench_name[] = "hash";

#define SLOTS 1024                      /* power of two */
#define FILL 700                        /* load factor 0.68 */
#define EMPTY 0ull                      /* key 0 is never inserted */

static u64 okeys[SLOTS];
static u32 ovals[SLOTS];
static u64 inserted[FILL];

static inline u32 oslot(u64 key)
{
    return (u32)((key * 0x9e3779b97f4a7c15ull) >> 54);     /* top 10 bits */
}

static void oa_insert(u64 key, u32 val)
{
    u32 i = oslot(key);
    while (okeys[i] != EMPTY && okeys[i] != key)
        i = (i + 1) & (SLOTS - 1);
    okeys[i] = key;
    ovals[i] = val;
}

/* the value + 1, or 0 when absent */
static u32 oa_lookup(u64 key)
{
    u32 i = oslot(key);
    while (okeys[i] != EMPTY) {
        if (okeys[i] == key)
            return ovals[i] + 1;
        i = (i + 1) & (SLOTS - 1);
    }
    return 0;
}

static int oa_delete(u64 key)
{
    u32 i = oslot(key);
    while (okeys[i] != key) {
        if (okeys[i] == EMPTY)
            return 0;
        i = (i + 1) & (SLOTS - 1);
    }
    /* backward shift: move later entries of the cluster into the hole when
     * their home slot is not in (hole, their slot] */
    u32 hole = i;
    for (;;) {
        i = (i + 1) & (SLOTS - 1);
        if (okeys[i] == EMPTY)
            break;
        u32 home = oslot(okeys[i]);
        if (((i - home) & (SLOTS - 1)) >= ((i - hole) & (SLOTS - 1))) {
            okeys[hole] = okeys[i];
            ovals[hole] = ovals[i];
            hole = i;
        }
    }
    okeys[hole] = EMPTY;
    return 1;
}

#define BUCKETS 256
#define ENTRIES 384
#define CFILL 350                       /* keys inserted first */
#define NIL 0xffffffffu

struct entry {
    u32 key, val, next;
};

static u32 bucket[BUCKETS];
static struct entry entries[ENTRIES];
static u32 free_list;

static inline u32 chash(u32 k)
{
    k ^= k >> 16;
    k *= 0x7feb352du;
    k ^= k >> 15;
    k *= 0x846ca68bu;
    k ^= k >> 16;
    return k & (BUCKETS - 1);
}

static void ch_reset(void)
{
    for (u32 i = 0; i < BUCKETS; i++)
        bucket[i] = NIL;
    for (u32 i = 0; i < ENTRIES; i++)
        entries[i].next = i + 1 < ENTRIES ? i + 1 : NIL;
    free_list = 0;
}

static int ch_insert(u32 key, u32 val)
{
    u32 b = chash(key);
    for (u32 e = bucket[b]; e != NIL; e = entries[e].next)
        if (entries[e].key == key) {
            entries[e].val = val;
            return 1;
        }
    u32 e = free_list;
    if (e == NIL)
        return 0;
    free_list = entries[e].next;
    entries[e].key = key;
    entries[e].val = val;
    entries[e].next = bucket[b];
    bucket[b] = e;
    return 1;
}

static u32 ch_lookup(u32 key)
{
    for (u32 e = bucket[chash(key)]; e != NIL; e = entries[e].next)
        if (entries[e].key == key)
            return entries[e].val + 1;
    return 0;
}

static int ch_delete(u32 key)
{
    u32 *link = &bucket[chash(key)];
    while (*link != NIL) {
        u32 e = *link;
        if (entries[e].key == key) {
            *link = entries[e].next;
            entries[e].next = free_list;
            free_list = e;
            return 1;
        }
        link = &entries[e].next;
    }
    return 0;
}

static u64 open_addressing(u64 seed)
{
    u64 s = seed, h = CHECKSUM_INIT;
    for (u32 i = 0; i < SLOTS; i++)
        okeys[i] = EMPTY;
    for (u32 i = 0; i < FILL; i++) {
        u64 k = lcg_next(&s) | 1;               /* never 0 (EMPTY) */
        inserted[i] = k;
        oa_insert(k, i);
    }
    u64 hits = 0;
    for (u32 i = 0; i < SLOTS; i++) {
        u64 k = (i & 1) ? inserted[(i * 7) % FILL] : inserted[i % FILL] + 2;   /* + 2: odd, probably absent */
        u32 v = oa_lookup(k);
        hits += v != 0;
        h = fold(h, v);
    }
    u32 deleted = 0;
    for (u32 i = 0; i < FILL; i += 2)
        deleted += oa_delete(inserted[i]);
    for (u32 i = 0; i < FILL; i++)
        h = fold(h, oa_lookup(inserted[i]));
    for (u32 i = 0; i < FILL; i += 4)
        oa_insert(inserted[i], i ^ 0x5555);
    u64 sum = 0;
    for (u32 i = 0; i < SLOTS; i++)
        sum = sum * 3 + (okeys[i] != EMPTY ? ovals[i] : 0);
    return fold(fold(h, sum), hits << 32 | deleted);
}

static u64 chaining(u64 seed)
{
    u64 s = seed, h = CHECKSUM_INIT;
    ch_reset();
    u32 base = (u32)lcg_next(&s);
    u32 stored = 0;
    for (u32 i = 0; i < CFILL; i++)
        stored += ch_insert(base + i * 2654435761u, i);
    for (u32 i = 0; i < 2 * BUCKETS; i++)
        h = fold(h, ch_lookup(base + (i % (CFILL + CFILL / 16)) * 2654435761u));
    u32 removed = 0;
    for (u32 i = 0; i < CFILL; i += 3)
        removed += ch_delete(base + i * 2654435761u);
    for (u32 i = 0; i < ENTRIES - CFILL + 40; i++)   /* some do not fit: refused */
        stored += ch_insert((u32)lcg_next(&s), i);
    for (u32 i = 0; i < CFILL; i++)
        h = fold(h, ch_lookup(base + i * 2654435761u));
    return fold(h, (u64)stored << 32 | removed);
}

u64 bench_run(u64 iters)
{
    u64 h = CHECKSUM_INIT;
    for (u64 i = 0; i < iters; i++) {
        u64 seed = mix64(i + 1);
        h = fold(h, open_addressing(seed));
        h = fold(h, chaining(seed ^ 0x1234));
    }
    return h;
}
