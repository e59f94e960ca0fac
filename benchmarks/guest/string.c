/* string: byte-string processing on generated text.  Per iteration: write
 * about 850 bytes of text (words made of syllables, spaces, punctuation,
 * numbers and newlines, NUL-terminated lines), then
 * - strlen of every line, and the total word and character counts;
 * - tokenise every line in place (strtok-like: separators become NUL),
 *   count word frequencies in a small hash table keyed by FNV-1a of the word
 *   (strcmp resolves collisions), parse the numbers (atoi-like);
 * - sort the first 128 distinct words with strcmp (insertion sort of
 *   pointers);
 * - search for substrings: naive search and Horspool's, the counts compared;
 * - upper-case a copy (table-free: range checks) and hash it. */
#include "bench.h"

const char bench_name[] = "string";

#define TEXT_MAX 1024
#define LINES_MAX 32
#define WORDS_MAX 512

static u8 text[TEXT_MAX];
static u8 copy[TEXT_MAX];
static const u8 *line_start[LINES_MAX];
static const u8 *distinct[WORDS_MAX];
static u32 counts[WORDS_MAX];
static u32 table[1024];                 /* index + 1 into distinct, 0 empty */

static const char *const syllables[] = {
    "ka", "lo", "mi", "ne", "ru", "sta", "the", "in", "qua", "ber", "on", "ex",
    "tor", "ul", "vi", "pre", "and", "ish", "ment", "co",
};

static u32 str_len(const u8 *s)
{
    const u8 *p = s;
    while (*p)
        p++;
    return (u32)(p - s);
}

static int str_cmp(const u8 *a, const u8 *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return (int)*a - (int)*b;
}

static u32 fnv1a(const u8 *s)
{
    u32 h = 2166136261u;
    while (*s)
        h = (h ^ *s++) * 16777619u;
    return h;
}

static int is_alpha(u8 c) { return (u8)((c | 0x20) - 'a') < 26; }
static int is_digit(u8 c) { return (u8)(c - '0') < 10; }

/* Generate the text: returns the number of lines */
static u32 generate(u64 *s)
{
    u32 pos = 0, lines = 0;
    while (lines < LINES_MAX && pos + 200 < TEXT_MAX) {
        line_start[lines++] = text + pos;
        u32 words = 3 + (u32)(lcg_next(s) % 9);
        for (u32 w = 0; w < words; w++) {
            u64 r = lcg_next(s);
            if ((r & 15) == 0) {                     /* a number */
                u32 v = (u32)(r >> 8) % 100000;
                u8 digits[8];
                u32 n = 0;
                do {
                    digits[n++] = (u8)('0' + v % 10);
                    v /= 10;
                } while (v);
                while (n)
                    text[pos++] = digits[--n];
            } else {
                u32 syl = 1 + (u32)((r >> 4) % 3);
                for (u32 k = 0; k < syl; k++) {
                    const u8 *p = (const u8 *)syllables[(r >> (8 + 5 * k)) % ARRAY_SIZE(syllables)];
                    while (*p)
                        text[pos++] = *p++;
                }
                if (((r >> 30) & 7) == 0)
                    text[pos - 1] = (u8)(text[pos - 1] - 0x20);    /* an upper-case last letter */
            }
            if (w + 1 < words)
                text[pos++] = ((r >> 40) & 7) == 0 ? ',' : ' ';
        }
        text[pos++] = '.';
        text[pos++] = 0;                             /* lines are C strings */
    }
    text[pos] = 0;
    return lines;
}

/* Occurrences of pat in s (overlapping), naive */
static u32 search_naive(const u8 *s, u32 n, const u8 *pat, u32 m)
{
    u32 c = 0;
    for (u32 i = 0; i + m <= n; i++) {
        u32 j = 0;
        while (j < m && s[i + j] == pat[j])
            j++;
        c += j == m;
    }
    return c;
}

/* The same by Horspool */
static u32 search_horspool(const u8 *s, u32 n, const u8 *pat, u32 m)
{
    u32 shift[256];
    for (u32 i = 0; i < 256; i++)
        shift[i] = m;
    for (u32 i = 0; i + 1 < m; i++)
        shift[pat[i]] = m - 1 - i;
    u32 c = 0;
    for (u32 i = 0; i + m <= n; i += shift[s[i + m - 1]]) {
        u32 j = m;
        while (j && s[i + j - 1] == pat[j - 1])
            j--;
        c += j == 0;
    }
    return c;
}

static u64 one_round(u64 seed)
{
    u64 s = seed, h = CHECKSUM_INIT;
    u32 lines = generate(&s);
    u32 total = (u32)(line_start[lines - 1] - text) + str_len(line_start[lines - 1]) + 1;
    /* the raw text, NULs as newlines, for the searches and the copy */
    for (u32 i = 0; i < total; i++) {
        u8 c = text[i];
        copy[i] = c ? c : '\n';
    }
    copy[total] = 0;
    static const char *const pats[] = {"the", "kalo", "ment ", "ber,"};
    for (u32 p = 0; p < ARRAY_SIZE(pats); p++) {
        const u8 *pat = (const u8 *)pats[p];
        u32 m = str_len(pat);
        u32 a = search_naive(copy, total, pat, m), b = search_horspool(copy, total, pat, m);
        h = fold(h, a == b ? a : 0xbad);
    }
    /* upper-case the copy and hash it */
    for (u32 i = 0; i < total; i++) {
        u8 c = copy[i];
        if ((u8)(c - 'a') < 26)
            copy[i] = (u8)(c - 0x20);
    }
    h = fold(h, fnv1a(copy));
    /* lengths, then tokenise each line in place and count words */
    for (u32 i = 0; i < 1024; i++)
        table[i] = 0;
    u32 ndistinct = 0, nwords = 0, chars = 0;
    u64 numbers = 0;
    for (u32 l = 0; l < lines; l++) {
        u8 *p = (u8 *)line_start[l];
        u32 len = str_len(p);
        chars += len;
        h = fold(h, len);
        u8 *end = p + len;
        while (p < end) {
            while (p < end && !is_alpha(*p) && !is_digit(*p))
                *p++ = 0;                            /* separators become NULs */
            if (p == end)
                break;
            u8 *w = p;
            while (p < end && (is_alpha(*p) || is_digit(*p)))
                p++;
            if (p < end)
                *p++ = 0;
            nwords++;
            if (is_digit(*w)) {                      /* a number: parse it */
                u32 v = 0;
                for (const u8 *q = w; *q; q++)
                    v = v * 10 + (u32)(*q - '0');
                numbers += v;
                continue;
            }
            u32 slot = fnv1a(w) & 1023;
            for (;;) {
                u32 e = table[slot];
                if (e == 0) {
                    if (ndistinct < WORDS_MAX) {
                        distinct[ndistinct] = w;
                        counts[ndistinct] = 1;
                        table[slot] = ++ndistinct;
                    }
                    break;
                }
                if (str_cmp(distinct[e - 1], w) == 0) {
                    counts[e - 1]++;
                    break;
                }
                slot = (slot + 1) & 1023;
            }
        }
    }
    /* sort the first 128 distinct words (pointer insertion sort with strcmp) */
    u32 n = ndistinct < 128 ? ndistinct : 128;
    for (u32 i = 1; i < n; i++) {
        const u8 *w = distinct[i];
        u32 c = counts[i];
        u32 j = i;
        while (j > 0 && str_cmp(distinct[j - 1], w) > 0) {
            distinct[j] = distinct[j - 1];
            counts[j] = counts[j - 1];
            j--;
        }
        distinct[j] = w;
        counts[j] = c;
    }
    for (u32 i = 0; i < n; i++)
        h = fold(h, (u64)fnv1a(distinct[i]) << 16 | counts[i]);
    return fold(fold(h, numbers), (u64)ndistinct << 40 | (u64)nwords << 20 | chars);
}

u64 bench_run(u64 iters)
{
    u64 h = CHECKSUM_INIT;
    for (u64 i = 0; i < iters; i++)
        h = fold(h, one_round(mix64(i + 1)));
    return h;
}
