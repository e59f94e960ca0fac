/* list: singly linked lists of nodes scattered over a pool (pointer chasing):
 * per iteration, link the pool's nodes in a pseudo-random order (a
 * Fisher-Yates permutation), traverse it, merge sort it by key (bottom-up,
 * stable), check the order while traversing, delete every node whose key is
 * a multiple of 3, reverse what is left and traverse it again. */
#include "bench.h"

const char bench_name[] = "list";

#define NODES 512

struct node {
    struct node *next;
    u32 key, val;
};

static struct node pool[NODES];
static u32 perm[NODES];

/* Merge two sorted lists (stable: ties take a first) */
static struct node *merge(struct node *a, struct node *b)
{
    struct node head, *t = &head;
    while (a && b) {
        if (b->key < a->key) {
            t->next = b;
            b = b->next;
        } else {
            t->next = a;
            a = a->next;
        }
        t = t->next;
    }
    t->next = a ? a : b;
    return head.next;
}

/* Bottom-up merge sort (the classic "array of sublists" form): at most one
 * pending sorted list of each power-of-two length. */
static struct node *sort(struct node *list)
{
    struct node *bins[32];
    int top = 0;
    for (int i = 0; i < 32; i++)
        bins[i] = 0;
    while (list) {
        struct node *one = list;
        list = list->next;
        one->next = 0;
        int i = 0;
        while (i < 32 && bins[i]) {
            one = merge(bins[i], one);
            bins[i] = 0;
            i++;
        }
        if (i == 32)
            i = 31;
        bins[i] = one;
        if (i >= top)
            top = i + 1;
    }
    struct node *r = 0;
    for (int i = 0; i < top; i++)
        if (bins[i])
            r = r ? merge(bins[i], r) : bins[i];
    return r;
}

static u64 one_round(u64 seed)
{
    u64 s = seed, h = CHECKSUM_INIT;
    /* a random permutation of the pool: the list order */
    for (u32 i = 0; i < NODES; i++)
        perm[i] = i;
    for (u32 i = NODES - 1; i > 0; i--) {
        u32 j = (u32)(lcg_next(&s) % (i + 1));
        u32 t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    struct node *list = 0;
    for (u32 i = 0; i < NODES; i++) {
        struct node *n = &pool[perm[i]];
        n->key = (u32)(lcg_next(&s) >> 24) & 0xffff;  /* duplicates: the sort must be stable */
        n->val = i;
        n->next = list;
        list = n;
    }
    /* traverse: length and a hash in list order */
    u32 len = 0;
    for (struct node *n = list; n; n = n->next) {
        h = fold(h, n->key);
        len++;
    }
    list = sort(list);
    u32 sorted = 1;
    u32 prev = 0;
    for (struct node *n = list; n; n = n->next) {     /* (stable: equal keys keep the list order) */
        if (n->key < prev)
            sorted = 0;
        prev = n->key;
        h = fold(h, (u64)n->key << 32 | n->val);
    }
    /* delete the multiples of 3 */
    struct node **pp = &list;
    u32 deleted = 0;
    while (*pp) {
        if ((*pp)->key % 3 == 0) {
            *pp = (*pp)->next;
            deleted++;
        } else {
            pp = &(*pp)->next;
        }
    }
    /* reverse and traverse */
    struct node *rev = 0;
    while (list) {
        struct node *n = list;
        list = n->next;
        n->next = rev;
        rev = n;
    }
    u64 sum = 0;
    for (struct node *n = rev; n; n = n->next)
        sum = sum * 31 + n->val;
    return fold(fold(fold(h, sum), len << 16 | deleted), sorted);
}

u64 bench_run(u64 iters)
{
    u64 h = CHECKSUM_INIT;
    for (u64 i = 0; i < iters; i++)
        h = fold(h, one_round(mix64(i + 1)));
    return h;
}
