/* matrix: integer matrix code.  Per iteration: fill matrices from the seed;
 * C = A * B (32-bit, wrapping, 16x16, i-k-j order), D = C * B^T through a
 * transposed copy (dot products of rows), a signed 32-bit product of small
 * values (no overflow: |entries| <= 1000), a 64-bit product (12x12,
 * wrapping), and the row sums, column sums and trace of the results. */
#include "bench.h"

const char bench_name[] = "matrix";

#define N 16
#define M 12

static u32 a[N][N], b[N][N], bt[N][N], c[N][N], d[N][N];
static i32 sa[N][N], sb[N][N], sc[N][N];
static u64 qa[M][M], qb[M][M], qc[M][M];

static u64 checksum_u32(u64 h, u32 (*x)[N])
{
    u32 trace = 0;
    for (u32 i = 0; i < N; i++) {
        u32 row = 0, col = 0;
        for (u32 j = 0; j < N; j++) {
            row += x[i][j];
            col += x[j][i];
        }
        trace += x[i][i];
        h = fold(h, (u64)row << 32 | col);
    }
    return fold(h, trace);
}

static u64 one_round(u64 seed)
{
    u64 s = seed, h = CHECKSUM_INIT;
    for (u32 i = 0; i < N; i++)
        for (u32 j = 0; j < N; j++) {
            u64 r = lcg_next(&s);
            a[i][j] = (u32)r;
            b[i][j] = (u32)(r >> 21);
            sa[i][j] = (i32)((r >> 8) % 2001) - 1000;
            sb[i][j] = (i32)((r >> 30) % 2001) - 1000;
        }
    /* C = A * B, i-k-j order (row-wise accumulation) */
    for (u32 i = 0; i < N; i++) {
        for (u32 j = 0; j < N; j++)
            c[i][j] = 0;
        for (u32 k = 0; k < N; k++) {
            u32 aik = a[i][k];
            for (u32 j = 0; j < N; j++)
                c[i][j] += aik * b[k][j];
        }
    }
    /* D = C * B^T by dot products of rows of C and of B (B^T's columns) */
    for (u32 i = 0; i < N; i++)
        for (u32 j = 0; j < N; j++)
            bt[j][i] = b[i][j];
    for (u32 i = 0; i < N; i++)
        for (u32 j = 0; j < N; j++) {
            u32 sum = 0;
            for (u32 k = 0; k < N; k++)
                sum += c[i][k] * bt[k][j];
            d[i][j] = sum;
        }
    /* signed: SC = SA * SB (|sum| <= 16 * 10^6: no overflow) */
    for (u32 i = 0; i < N; i++)
        for (u32 j = 0; j < N; j++) {
            i32 sum = 0;
            for (u32 k = 0; k < N; k++)
                sum += sa[i][k] * sb[k][j];
            sc[i][j] = sum;
        }
    /* 64-bit: QC = QA * QB (wrapping) */
    for (u32 i = 0; i < M; i++)
        for (u32 j = 0; j < M; j++) {
            qa[i][j] = lcg_next(&s) * 0x9e3779b97f4a7c15ull;
            qb[i][j] = lcg_next(&s) ^ (u64)i << 40;
        }
    for (u32 i = 0; i < M; i++)
        for (u32 j = 0; j < M; j++) {
            u64 sum = 0;
            for (u32 k = 0; k < M; k++)
                sum += qa[i][k] * qb[k][j];
            qc[i][j] = sum;
        }
    h = checksum_u32(h, c);
    h = checksum_u32(h, d);
    for (u32 i = 0; i < N; i++) {
        i64 row = 0;
        for (u32 j = 0; j < N; j++)
            row += sc[i][j];
        h = fold(h, (u64)row);
    }
    for (u32 i = 0; i < M; i++)
        h = fold(h, qc[i][i] ^ qc[i][M - 1 - i]);
    return h;
}

u64 bench_run(u64 iters)
{
    u64 h = CHECKSUM_INIT;
    for (u64 i = 0; i < iters; i++)
        h = fold(h, one_round(mix64(i + 1)));
    return h;
}
