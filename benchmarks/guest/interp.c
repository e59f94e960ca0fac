/* interp: a small stack-machine bytecode and two interpreters of it, one
 * dispatching with a switch, one through a table of function pointers
 * (indirect calls).  Per iteration the program (assembled at run time with
 * labels patched) runs on both from a seed: an LCG stream, each value's
 * Collatz trajectory followed for at most 24 steps, and a gcd by Euclid's
 * subtraction loop; the two results must agree. */
#include "bench.h"

const char bench_name[] = "interp";

enum {
    OP_HALT, OP_PUSH, OP_LOAD, OP_STORE, OP_ADD, OP_SUB, OP_MUL, OP_AND, OP_OR, OP_XOR, OP_SHL, OP_SHR,
    OP_LT, OP_EQ, OP_JMP, OP_JZ, OP_JNZ, OP_DUP, OP_DROP, OP_SWAP, OP_INC, OP_NOT, OP_COUNT
};
#define NOPS 32                         /* dispatch tables: opcodes are masked to 5 bits */
#define STACK 64                        /* stack indices are masked: never out of bounds */
#define LOCALS 8

/* -- the assembler ------------------------------------------------------------ */
static u32 code[256];
static u32 ncode;

static void emit(u32 op, u32 arg) { code[ncode++] = op | arg << 8; }
static u32 here(void) { return ncode; }
static u32 emit_jump(u32 op) { emit(op, 0); return ncode - 1; }
static void patch(u32 at, u32 target) { code[at] = (code[at] & 0xff) | target << 8; }

/* locals: 0 x (LCG state), 1 acc, 2 i, 3 n, 4 t, 5 c, 6 a, 7 b */
static void assemble(void)
{
    ncode = 0;
    emit(OP_PUSH, 0); emit(OP_STORE, 2);                        /* i = 0 */
    u32 loop = here();
    emit(OP_LOAD, 2); emit(OP_LOAD, 3); emit(OP_LT, 0);         /* while (i < n) */
    u32 done = emit_jump(OP_JZ);
    /* x = x * 69069 + 12345 */
    emit(OP_LOAD, 0); emit(OP_PUSH, 69069); emit(OP_MUL, 0); emit(OP_PUSH, 12345); emit(OP_ADD, 0);
    emit(OP_DUP, 0); emit(OP_STORE, 0);
    /* t = (x >> 12) | 1 (a few thousand), c = 0 */
    emit(OP_PUSH, 12); emit(OP_SHR, 0); emit(OP_PUSH, 0x3fff); emit(OP_AND, 0);
    emit(OP_PUSH, 1); emit(OP_OR, 0); emit(OP_STORE, 4);
    emit(OP_PUSH, 0); emit(OP_STORE, 5);
    /* while (t != 1 && c < 24) { t = t & 1 ? 3t + 1 : t >> 1; c++ } */
    u32 col = here();
    emit(OP_LOAD, 4); emit(OP_PUSH, 1); emit(OP_EQ, 0);
    u32 col_end1 = emit_jump(OP_JNZ);
    emit(OP_LOAD, 5); emit(OP_PUSH, 24); emit(OP_LT, 0);
    u32 col_end2 = emit_jump(OP_JZ);
    emit(OP_LOAD, 4); emit(OP_PUSH, 1); emit(OP_AND, 0);
    u32 even = emit_jump(OP_JZ);
    emit(OP_LOAD, 4); emit(OP_DUP, 0); emit(OP_DUP, 0); emit(OP_ADD, 0); emit(OP_ADD, 0);
    emit(OP_PUSH, 1); emit(OP_ADD, 0); emit(OP_STORE, 4);
    u32 next = emit_jump(OP_JMP);
    patch(even, here());
    emit(OP_LOAD, 4); emit(OP_PUSH, 1); emit(OP_SHR, 0); emit(OP_STORE, 4);
    patch(next, here());
    emit(OP_INC, 5);
    emit(OP_JMP, col);
    patch(col_end1, here());
    patch(col_end2, here());
    /* a = (x >> 20 & 255) + 1, b = (i & 63) + 1; gcd by subtraction */
    emit(OP_LOAD, 0); emit(OP_PUSH, 20); emit(OP_SHR, 0); emit(OP_PUSH, 255); emit(OP_AND, 0);
    emit(OP_PUSH, 1); emit(OP_ADD, 0); emit(OP_STORE, 6);
    emit(OP_LOAD, 2); emit(OP_PUSH, 63); emit(OP_AND, 0); emit(OP_PUSH, 1); emit(OP_ADD, 0); emit(OP_STORE, 7);
    u32 gcd = here();
    emit(OP_LOAD, 6); emit(OP_LOAD, 7); emit(OP_EQ, 0);
    u32 gcd_end = emit_jump(OP_JNZ);
    emit(OP_LOAD, 6); emit(OP_LOAD, 7); emit(OP_LT, 0);
    u32 a_lt_b = emit_jump(OP_JNZ);
    emit(OP_LOAD, 6); emit(OP_LOAD, 7); emit(OP_SUB, 0); emit(OP_STORE, 6);
    emit(OP_JMP, gcd);
    patch(a_lt_b, here());
    emit(OP_LOAD, 7); emit(OP_LOAD, 6); emit(OP_SUB, 0); emit(OP_STORE, 7);
    emit(OP_JMP, gcd);
    patch(gcd_end, here());
    /* acc = (acc << 5 ^ acc >> 27) ^ (c << 16 | t & 0xffff) + a */
    emit(OP_LOAD, 1); emit(OP_PUSH, 5); emit(OP_SHL, 0);
    emit(OP_LOAD, 1); emit(OP_PUSH, 27); emit(OP_SHR, 0); emit(OP_XOR, 0);
    emit(OP_LOAD, 5); emit(OP_PUSH, 16); emit(OP_SHL, 0);
    emit(OP_LOAD, 4); emit(OP_PUSH, 0xffff); emit(OP_AND, 0); emit(OP_OR, 0);
    emit(OP_LOAD, 6); emit(OP_ADD, 0); emit(OP_XOR, 0);
    emit(OP_STORE, 1);
    emit(OP_INC, 2);
    emit(OP_JMP, loop);
    patch(done, here());
    emit(OP_LOAD, 1); emit(OP_LOAD, 0); emit(OP_NOT, 0); emit(OP_XOR, 0);
    emit(OP_HALT, 0);
}

/* -- interpreter 1: a switch --------------------------------------------------- */
static u32 run_switch(const u32 *prog, u32 *locals, u64 *steps)
{
    u32 stack[STACK];
    u32 sp = 0, pc = 0;
    u64 n = 0;
#define PUSH(v) (stack[sp++ & (STACK - 1)] = (v))
#define POP() (stack[--sp & (STACK - 1)])
    for (;;) {
        u32 w = prog[pc++ & 255];
        u32 arg = w >> 8, a, b;
        n++;
        switch (w & (NOPS - 1)) {
        case OP_HALT: *steps += n; return POP();
        case OP_PUSH: PUSH(arg); break;
        case OP_LOAD: PUSH(locals[arg & (LOCALS - 1)]); break;
        case OP_STORE: locals[arg & (LOCALS - 1)] = POP(); break;
        case OP_ADD: b = POP(); a = POP(); PUSH(a + b); break;
        case OP_SUB: b = POP(); a = POP(); PUSH(a - b); break;
        case OP_MUL: b = POP(); a = POP(); PUSH(a * b); break;
        case OP_AND: b = POP(); a = POP(); PUSH(a & b); break;
        case OP_OR: b = POP(); a = POP(); PUSH(a | b); break;
        case OP_XOR: b = POP(); a = POP(); PUSH(a ^ b); break;
        case OP_SHL: b = POP(); a = POP(); PUSH(a << (b & 31)); break;
        case OP_SHR: b = POP(); a = POP(); PUSH(a >> (b & 31)); break;
        case OP_LT: b = POP(); a = POP(); PUSH(a < b); break;
        case OP_EQ: b = POP(); a = POP(); PUSH(a == b); break;
        case OP_JMP: pc = arg; break;
        case OP_JZ: if (POP() == 0) pc = arg; break;
        case OP_JNZ: if (POP() != 0) pc = arg; break;
        case OP_DUP: a = POP(); PUSH(a); PUSH(a); break;
        case OP_DROP: sp--; break;
        case OP_SWAP: b = POP(); a = POP(); PUSH(b); PUSH(a); break;
        case OP_INC: locals[arg & (LOCALS - 1)]++; break;
        case OP_NOT: a = POP(); PUSH(~a); break;
        default: *steps += n; return 0xdeadu;
        }
    }
#undef PUSH
#undef POP
}

/* -- interpreter 2: a table of handlers ---------------------------------------- */
struct vm {
    const u32 *prog;
    u32 pc, sp, running;
    u32 stack[STACK];
    u32 *locals;
};
typedef void handler(struct vm *m, u32 arg);

static inline void push(struct vm *m, u32 v) { m->stack[m->sp++ & (STACK - 1)] = v; }
static inline u32 pop(struct vm *m) { return m->stack[--m->sp & (STACK - 1)]; }

static void h_halt(struct vm *m, u32 arg) { (void)arg; m->running = 0; }
static void h_push(struct vm *m, u32 arg) { push(m, arg); }
static void h_load(struct vm *m, u32 arg) { push(m, m->locals[arg & (LOCALS - 1)]); }
static void h_store(struct vm *m, u32 arg) { m->locals[arg & (LOCALS - 1)] = pop(m); }
#define BINOP(name, expr) \
    static void name(struct vm *m, u32 arg) { (void)arg; u32 b = pop(m), a = pop(m); push(m, expr); }
BINOP(h_add, a + b)
BINOP(h_sub, a - b)
BINOP(h_mul, a * b)
BINOP(h_and, a & b)
BINOP(h_or, a | b)
BINOP(h_xor, a ^ b)
BINOP(h_shl, a << (b & 31))
BINOP(h_shr, a >> (b & 31))
BINOP(h_lt, a < b)
BINOP(h_eq, a == b)
static void h_jmp(struct vm *m, u32 arg) { m->pc = arg; }
static void h_jz(struct vm *m, u32 arg) { if (pop(m) == 0) m->pc = arg; }
static void h_jnz(struct vm *m, u32 arg) { if (pop(m) != 0) m->pc = arg; }
static void h_dup(struct vm *m, u32 arg) { (void)arg; u32 a = pop(m); push(m, a); push(m, a); }
static void h_drop(struct vm *m, u32 arg) { (void)arg; m->sp--; }
static void h_swap(struct vm *m, u32 arg) { (void)arg; u32 b = pop(m), a = pop(m); push(m, b); push(m, a); }
static void h_inc(struct vm *m, u32 arg) { m->locals[arg & (LOCALS - 1)]++; }
static void h_not(struct vm *m, u32 arg) { (void)arg; push(m, ~pop(m)); }
static void h_bad(struct vm *m, u32 arg) { (void)arg; push(m, 0xdeadu); m->running = 0; }

static handler *const handlers[NOPS] = {      /* indexed by opcode (the enum's order) */
    h_halt, h_push, h_load, h_store, h_add, h_sub, h_mul, h_and, h_or, h_xor, h_shl, h_shr,
    h_lt, h_eq, h_jmp, h_jz, h_jnz, h_dup, h_drop, h_swap, h_inc, h_not,
    h_bad, h_bad, h_bad, h_bad, h_bad, h_bad, h_bad, h_bad, h_bad, h_bad,
};
_Static_assert(OP_COUNT == 22, "handlers[] lists the opcodes in the enum's order");

static u32 run_table(const u32 *prog, u32 *locals, u64 *steps)
{
    struct vm m;
    m.prog = prog;
    m.pc = m.sp = 0;
    m.running = 1;
    m.locals = locals;
    u64 n = 0;
    while (m.running) {
        u32 w = m.prog[m.pc++ & 255];
        n++;
        handlers[w & (NOPS - 1)](&m, w >> 8);
    }
    *steps += n;
    return pop(&m);
}

#define VM_LOOPS 3                     /* outer iterations of the bytecode program per run */

u64 bench_run(u64 iters)
{
    u64 h = CHECKSUM_INIT, steps = 0;
    for (u64 i = 0; i < iters; i++) {
        assemble();
        u64 seed = mix64(i + 1);
        u32 l1[LOCALS] = {(u32)seed, 0, 0, VM_LOOPS, 0, 0, 0, 0};
        u32 l2[LOCALS] = {(u32)seed, 0, 0, VM_LOOPS, 0, 0, 0, 0};
        u32 a = run_switch(code, l1, &steps);
        u32 b = run_table(code, l2, &steps);
        h = fold(h, a == b ? a : 0xbadbad);
        h = fold(h, (u64)l1[1] << 32 | l2[1]);
    }
    return fold(h, steps);
}
