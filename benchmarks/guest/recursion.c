/* recursion: call-heavy code (deep chains of calls and returns, little work
 * in each).  Per iteration: naive Fibonacci, the Ackermann function A(2, n)
 * and A(3, 3), n-queens on a 8x8 board by recursive backtracking over bit
 * masks, a recursive quicksort of 256 keys, the Towers of Hanoi (counting
 * moves with a checksum of the pegs), and a mutual recursion (a recursive
 * descent evaluator of a generated expression tree stored in an array).
 * The deepest recursion is about 70 frames (the guest stack is 16 KiB). */
#include "bench.h"

const char bench_name[] = "recursion";

static u64 fib(u32 n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

static u32 ack(u32 m, u32 n)
{
    if (m == 0)
        return n + 1;
    if (n == 0)
        return ack(m - 1, 1);
    return ack(m - 1, ack(m, n - 1));
}

static u32 queens(u32 n, u32 cols, u32 d1, u32 d2, u32 row)
{
    if (row == n)
        return 1;
    u32 count = 0, free = ~(cols | d1 | d2) & ((1u << n) - 1);
    while (free) {
        u32 bit = free & (0u - free);
        free ^= bit;
        count += queens(n, cols | bit, (d1 | bit) << 1, (d2 | bit) >> 1, row + 1);
    }
    return count;
}

static u32 keys[256];

static void quicksort(i32 lo, i32 hi)        /* keys[lo..hi], Hoare's partition */
{
    if (lo >= hi)
        return;
    u32 pivot = keys[lo + (hi - lo) / 2];
    i32 i = lo - 1, j = hi + 1;
    for (;;) {
        do
            i++;
        while (keys[i] < pivot);
        do
            j--;
        while (keys[j] > pivot);
        if (i >= j)
            break;
        u32 t = keys[i];
        keys[i] = keys[j];
        keys[j] = t;
    }
    quicksort(lo, j);
    quicksort(j + 1, hi);
}

static u64 hanoi_sum;
static void hanoi(u32 n, u32 from, u32 to, u32 via)
{
    if (n == 0)
        return;
    hanoi(n - 1, from, via, to);
    hanoi_sum = hanoi_sum * 3 + (from << 2 | to) + n;
    hanoi(n - 1, via, to, from);
}

/* An expression tree in an array: node i is a leaf (a value) or an operator
 * over the subtrees at kids[i][0], kids[i][1].  eval_sum / eval_prod call
 * each other (a sum of products of sums ...). */
#define TREE 512                        /* depth 8: at most 511 nodes */
static u32 kind[TREE], value[TREE], kids[TREE][2];
static u32 ntree;

static u32 build(u64 *s, u32 depth)
{
    u32 i = ntree++;
    u64 r = lcg_next(s);
    if (depth == 0 || (depth < 7 && (r & 7) == 0)) {
        kind[i] = 0;
        value[i] = (u32)(r >> 8) & 0xffff;
        return i;
    }
    kind[i] = 1 + (u32)((r >> 3) & 1);
    kids[i][0] = build(s, depth - 1);
    kids[i][1] = build(s, depth - 1);
    return i;
}

static u32 eval_prod(u32 i);
static u32 eval_sum(u32 i)
{
    if (kind[i] == 0)
        return value[i];
    return eval_prod(kids[i][0]) + eval_prod(kids[i][1]) + kind[i];
}
static u32 eval_prod(u32 i)
{
    if (kind[i] == 0)
        return value[i] | 1;
    return (eval_sum(kids[i][0]) * eval_sum(kids[i][1])) ^ kind[i];
}

static u64 one_round(u64 seed)
{
    u64 s = seed, h = CHECKSUM_INIT;
    h = fold(h, fib(13 + (u32)(seed & 3)));
    h = fold(h, ack(2, 20 + (u32)(seed >> 8 & 15)));
    h = fold(h, ack(3, 3));
    h = fold(h, queens(7 + (u32)(seed >> 12 & 1), 0, 0, 0, 0));
    for (u32 i = 0; i < 256; i++)
        keys[i] = (u32)lcg_next(&s) % 1000;
    quicksort(0, 255);
    u64 k = 0;
    for (u32 i = 0; i < 256; i++)
        k = k * 7 + keys[i] + (i && keys[i - 1] > keys[i] ? 1000000 : 0);
    h = fold(h, k);
    hanoi_sum = 0;
    hanoi(9, 0, 2, 1);
    h = fold(h, hanoi_sum);
    ntree = 0;
    u32 root = build(&s, 8);
    h = fold(h, eval_sum(root));
    return fold(h, ntree);
}

u64 bench_run(u64 iters)
{
    u64 h = CHECKSUM_INIT;
    for (u64 i = 0; i < iters; i++)
        h = fold(h, one_round(mix64(i + 1)));
    return h;
}
