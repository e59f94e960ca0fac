"""translator/softfloat.py against Unicorn (Cortex-A72, ARMv8.0; QEMU's
softfloat with the ARM rules), instruction by instruction.

Every instruction form ("variant") that exercises a softfloat function runs
in one Unicorn instance from a small loop program: per case it loads FPCR,
clears FPSR and NZCV, loads the operands into V1/V2/V3 (and X4), executes the
instruction, and stores V0's low 64 bits, X5, FPSR and NZCV.  Compared per
case: the result bits (the FP result, the integer result, NZCV for
FCMP/FCMPE, the all-ones/zero mask of FCMEQ/GE/GT, both lanes of
URECPE/URSQRTE) and the whole FPSR against the flags the model returns.

Operands are random and special values: both zeros, infinities, quiet and
signalling NaNs with payloads, denormals, the smallest/largest normals,
exponents at the overflow/underflow edges, short mantissas (exact ties),
partners chosen to land products/quotients/sums near the denormal and
overflow boundaries, cancelling sums and fused operations, values near
integer ties and the saturation limits of the conversions; FPCR has a random
RMode and random FZ, DN and AHP.

Directed cases (expected values worked out from the pseudocode) check the
documented edge cases against both the model and Unicorn; the estimate
tables are swept exhaustively.  No case where Unicorn departs from the
ARMv8.0 pseudocode has been found (millions of random cases), so nothing is
excused: any mismatch fails.

A64JIT_SOFTFLOAT_N: cases per variant (default 32; 165 variants).
"""
from __future__ import annotations

import os
import random
import struct

import pytest
from a64jit.translator import softfloat as sf
from unicorn import UC_ARCH_ARM64, UC_MODE_ARM, Uc
from unicorn import arm64_const as A

from tests.asm import asm

N_CASES = int(os.environ.get("A64JIT_SOFTFLOAT_N", "32"))
SEED = 0x5F10A7

FZ, DN, AHP = sf.FPCR_FZ, sf.FPCR_DN, sf.FPCR_AHP
REG = {16: "h", 32: "s", 64: "d"}
EXP_BITS = {16: 5, 32: 8, 64: 11}


def fmt(N):
    """(E, F, bias, all-ones exponent) of an N-bit format."""
    E = EXP_BITS[N]
    return E, N - E - 1, (1 << (E - 1)) - 1, (1 << E) - 1


def make(N, s, e, frac):
    E, F, _, _ = fmt(N)
    return s << (N - 1) | e << F | frac


# ---------------------------------------------------------------------------
# The Unicorn rig

CODE = 0x100000
SLOT = 0x100                       # bytes of code per variant
DATA = 0x4000000
DATA_SIZE = 0x100000
REC = 64                           # bytes per case: fpcr, a, b, c, d0, x5, fpsr, nzcv
NOP = 0xD503201F
LOOP = """
1:  ldr x2, [x0]
    msr fpcr, x2
    msr fpsr, xzr
    ldr d1, [x0, #8]
    ldr d2, [x0, #16]
    ldr d3, [x0, #24]
    ldr x4, [x0, #8]
    movi v0.2d, #0
    mov x5, #0
    msr nzcv, xzr
    nop
    mrs x6, fpsr
    mrs x7, nzcv
    str d0, [x0, #32]
    str x5, [x0, #40]
    str x6, [x0, #48]
    str x7, [x0, #56]
    add x0, x0, #64
    subs x1, x1, #1
    b.ne 1b
    nop
"""


class Rig:
    """One Unicorn instance holding one copy of the loop per instruction."""

    def __init__(self, insns):
        words = asm("\n".join(insns))
        assert len(words) == 4 * len(insns)
        loop = asm(LOOP)
        nops = [i for i in range(0, len(loop), 4) if int.from_bytes(loop[i:i + 4], "little") == NOP]
        self.op_off, self.end_off = nops
        uc = Uc(UC_ARCH_ARM64, UC_MODE_ARM)
        uc.ctl_set_cpu_model(A.UC_CPU_ARM64_A72)
        size = (len(insns) * SLOT + 0xFFFF) & ~0xFFFF
        uc.mem_map(CODE, size)
        uc.mem_map(DATA, DATA_SIZE)
        uc.reg_write(A.UC_ARM64_REG_CPACR_EL1, 3 << 20)           # FPEN: no FP/SIMD traps
        self.slot = {}
        for i, insn in enumerate(insns):
            code = loop[:self.op_off] + words[4 * i:4 * i + 4] + loop[self.op_off + 4:]
            uc.mem_write(CODE + i * SLOT, code)
            self.slot[insn] = CODE + i * SLOT
        self.uc = uc

    def run(self, insn, cases):
        """cases: (fpcr, a, b, c) -> [(d0, x5, fpsr, nzcv)]."""
        out = []
        per = DATA_SIZE // REC
        for k in range(0, len(cases), per):
            chunk = cases[k:k + per]
            buf = b"".join(struct.pack("<8Q", fpcr, a, b, c, 0, 0, 0, 0) for fpcr, a, b, c in chunk)
            self.uc.mem_write(DATA, buf)
            self.uc.reg_write(A.UC_ARM64_REG_X0, DATA)
            self.uc.reg_write(A.UC_ARM64_REG_X1, len(chunk))
            start = self.slot[insn]
            self.uc.emu_start(start, start + self.end_off)
            raw = self.uc.mem_read(DATA, len(buf))
            for i in range(len(chunk)):
                _, _, _, _, d0, x5, fpsr, nzcv = struct.unpack_from("<8Q", raw, i * REC)
                out.append((d0, x5, fpsr, nzcv >> 28))
        return out


# ---------------------------------------------------------------------------
# Operand generators


def rand_fpcr(rng):
    return (rng.randrange(4) << sf.RMODE_SHIFT | (FZ if rng.randrange(100) < 35 else 0)
            | (DN if rng.randrange(100) < 25 else 0) | (AHP if rng.randrange(100) < 30 else 0))


def rand_mant(rng, F):
    k = rng.randrange(10)
    if k < 4:
        return rng.getrandbits(F)
    if k < 8:                                   # short mantissa: exact products, ties
        t = rng.randrange(9)
        return rng.getrandbits(t) << (F - t)
    if k == 8:
        return ((1 << F) - 1) ^ rng.getrandbits(rng.randrange(1, 5))
    return 1 << rng.randrange(F) | rng.getrandbits(2)


def rand_fp(rng, N):
    E, F, bias, emax = fmt(N)
    s = rng.getrandbits(1)
    k = rng.randrange(32)
    if k < 6:
        return rng.getrandbits(N)
    if k < 8:
        return make(N, s, 0, 0)
    if k < 9:
        return make(N, s, emax, 0)
    if k < 10:                                  # quiet NaN, payload
        return make(N, s, emax, 1 << (F - 1) | rng.getrandbits(F - 1))
    if k < 11:                                  # signalling NaN, payload
        return make(N, s, emax, rng.getrandbits(F - 1) or 1)
    if k < 14:                                  # denormal
        return make(N, s, 0, rng.getrandbits(rng.randrange(1, F + 1)) or 1)
    if k < 16:
        e, frac = rng.choice([(0, 1), (0, (1 << F) - 1), (1, 0), (1, 1), (emax - 1, (1 << F) - 1), (bias, 0),
                              (bias + 1, 0), (bias - 1, 0), (bias, 1 << (F - 1)), (emax - 1, 0)])
        return make(N, s, e, frac)
    if k < 20:                                  # exponent at an edge of the range
        e = rng.choice([rng.randrange(1, F + 4), rng.randrange(emax - F - 3, emax)])
        return make(N, s, e, rand_mant(rng, F))
    e = bias + rng.randrange(-40, 41)
    return make(N, s, max(1, min(emax - 1, e)), rand_mant(rng, F))


def normal_with_exp(rng, N, ue):
    """A normal number of unbiased exponent ue, or None if out of range."""
    E, F, bias, emax = fmt(N)
    e = ue + bias
    if not 1 <= e < emax:
        return None
    return make(N, rng.getrandbits(1), e, rand_mant(rng, F))


def unbiased(N, a):
    E, F, bias, emax = fmt(N)
    e = a >> F & emax
    return None if e in (0, emax) else e - bias


def partner(rng, N, a, kind):
    """A second operand related to a: sums that cancel or round at the
    sticky bit, products/quotients near the denormal and overflow edges."""
    E, F, bias, emax = fmt(N)
    ua = unbiased(N, a)
    if ua is None or rng.randrange(3) == 0:
        return rand_fp(rng, N)
    sign = 1 << (N - 1)
    if kind == "add":
        k = rng.randrange(4)
        if k == 0:                              # nearly -a (or a: sub)
            mag = (a & (sign - 1)) + rng.randrange(-3, 4)
            return (a & sign ^ rng.choice((0, sign))) | mag & (sign - 1)
        if k == 1:                              # far smaller: sticky / tie at the last bit
            b = normal_with_exp(rng, N, ua - rng.randrange(F - 1, F + 4))
        elif k == 2:
            b = normal_with_exp(rng, N, ua)
        else:
            b = normal_with_exp(rng, N, ua + rng.randrange(-3, 4))
        return rand_fp(rng, N) if b is None else b
    # "mul" / "div": result exponent T near an edge ...
    if rng.randrange(3) == 0:
        # ... or the result within a few ulps of the smallest normal (tiny
        # before rounding, normal after) or of the largest finite value
        target = make(N, rng.getrandbits(1), *rng.choice([(1, 0), (1, 1), (emax - 1, (1 << F) - 1)]))
        q, _ = sf.div(N, target, a, 0) if kind == "mul" else sf.div(N, a, target, 0)
        return _neighbour(rng, N, q) if unbiased(N, q) is not None else rand_fp(rng, N)
    minexp = 1 - bias
    T = rng.choice([minexp + rng.randrange(-F - 3, 3), bias + rng.randrange(-2, 2), rng.randrange(-3, 4)])
    ub = T - ua if kind == "mul" else ua - T
    b = normal_with_exp(rng, N, ub)
    return rand_fp(rng, N) if b is None else b


def rand_nan(rng, N):
    E, F, bias, emax = fmt(N)
    quiet = rng.getrandbits(1)
    return make(N, rng.getrandbits(1), emax, quiet << (F - 1) | (rng.getrandbits(F - 1) or (0 if quiet else 1)))


def nan_mix(rng, N, ops):
    """One time in five, two of the operands become NaNs (order of NaN
    propagation)."""
    if rng.randrange(5):
        return ops
    ops = list(ops)
    for i in rng.sample(range(len(ops)), 2):
        ops[i] = rand_nan(rng, N)
    return ops


def gen_unary(N):
    return lambda rng: (rand_fpcr(rng), rand_fp(rng, N), 0, 0)


def tiny_pair(rng, N, kind):
    """a*b (a/b) just below the smallest normal, 2**(minexp-1) times a
    mantissa near 2: tiny before rounding, often normal after."""
    E, F, bias, emax = fmt(N)
    ua = -rng.randrange(1, bias)
    a = make(N, rng.getrandbits(1), ua + bias, (1 << F) - 1 - rng.randrange(4))
    ub = -bias - ua if kind == "mul" else ua + bias
    return a, make(N, rng.getrandbits(1), ub + bias, rng.randrange(2))


def gen_binary(N, kind):
    def g(rng):
        if kind != "add" and rng.randrange(6) == 0:
            a, b = tiny_pair(rng, N, kind)
        else:
            a = rand_fp(rng, N)
            a, b = nan_mix(rng, N, (a, partner(rng, N, a, kind)))
        return rand_fpcr(rng), a, b, 0
    return g


def gen_cmp(N):
    def g(rng):
        a = rand_fp(rng, N)
        k = rng.randrange(6)
        if k == 0:
            b = a
        elif k == 1:
            b = a ^ 1 << (N - 1)
        elif k == 2:
            b = (a + rng.randrange(-2, 3)) & ((1 << N) - 1)
        elif k == 3:
            b = rng.choice((0, 1 << (N - 1)))
        else:
            b = rand_fp(rng, N)
        if rng.randrange(2):
            a, b = b, a
        a, b = nan_mix(rng, N, (a, b))
        return rand_fpcr(rng), a, b, 0
    return g


def _neighbour(rng, N, x):
    """x moved a few ulps (as a bit pattern), sign kept or flipped."""
    sign = 1 << (N - 1)
    mag = (x & (sign - 1)) + rng.randrange(-2, 3)
    return (x & sign ^ rng.choice((0, sign))) | mag & (sign - 1)


def gen_fma(N):
    def g(rng):
        fpcr = rand_fpcr(rng)
        a = rand_fp(rng, N)
        b = partner(rng, N, a, "mul")
        k = rng.randrange(3)
        p, _ = sf.mul(N, a, b, fpcr & (3 << sf.RMODE_SHIFT))
        up = unbiased(N, p)
        if k == 0 and up is not None:           # cancels the product
            c = _neighbour(rng, N, p ^ 1 << (N - 1))
        elif k == 1 and up is not None:         # far below the product
            c = normal_with_exp(rng, N, up - rng.randrange(N // 2, 2 * N)) or rand_fp(rng, N)
        elif k == 2 and up is not None and rng.randrange(2):   # a*b + c near the smallest normal
            c = _neighbour(rng, N, sf.sub(N, make(N, 0, 1, rng.randrange(2)), p, 0)[0])
        else:
            c = rand_fp(rng, N)
        a, b, c = nan_mix(rng, N, (a, b, c))
        return fpcr, a, b, c
    return g


def gen_step(N, three):
    E, F, bias, emax = fmt(N)
    k_bits = make(N, 0, bias + 1, 1 << (F - 1) if three else 0)      # 3.0 or 2.0

    def g(rng):
        fpcr = rand_fpcr(rng)
        a = rand_fp(rng, N)
        if rng.randrange(2):
            q, _ = sf.div(N, k_bits, a, 0)         # a*b close to 2 (3)
            b = _neighbour(rng, N, q) if unbiased(N, q) is not None else rand_fp(rng, N)
            b &= (1 << (N - 1)) - 1
            b |= a & 1 << (N - 1)
        else:
            b = partner(rng, N, a, "mul")
        return fpcr, a, b, 0
    return g


def gen_estimate(N, rsqrt):
    E, F, bias, emax = fmt(N)

    def g(rng):
        fpcr = rand_fpcr(rng)
        k = rng.randrange(5)
        s = rng.getrandbits(1) if not rsqrt or rng.randrange(4) == 0 else 0
        if k == 0:                              # denormals around 2^-(bias+1) (the overflow edge)
            a = make(N, s, 0, (1 << (F - 2 + rng.randrange(-1, 2))) + rng.randrange(-2, 3))
        elif k == 1:                            # large values (the FZ underflow edge)
            a = make(N, s, emax - 1 - rng.randrange(3), rand_mant(rng, F))
        elif k == 2:
            a = make(N, s, 0, rng.getrandbits(rng.randrange(1, F + 1)) or 1)
        else:
            a = rand_fp(rng, N)
        return fpcr, a, 0, 0
    return g


def gen_frint(N):
    E, F, bias, emax = fmt(N)

    def g(rng):
        if rng.randrange(3):
            a = make(N, rng.getrandbits(1), bias + rng.randrange(-2, F + 2), rand_mant(rng, F))
        else:
            a = rand_fp(rng, N)
        return rand_fpcr(rng), a, 0, 0
    return g


def gen_narrow(src, dst):
    """Values around dst's rounding, denormal and overflow boundaries."""
    E, F, bias, emax = fmt(src)
    Et, Ft, biast, emaxt = fmt(dst)

    def g(rng):
        fpcr = rand_fpcr(rng)
        if rng.randrange(3) == 0:
            return fpcr, rand_fp(rng, src), 0, 0
        ue = rng.choice([1 - biast + rng.randrange(-Ft - 3, 3), biast + rng.randrange(-2, 2),
                         rng.randrange(-5, 6), 16 + rng.randrange(-1, 2)])
        if rng.randrange(3):
            top = rng.getrandbits(Ft + 2) << (F - Ft - 2)
        else:                                   # all ones: rounds up into the next binade
            top = ((1 << (Ft + 2)) - 1 - rng.randrange(4)) << (F - Ft - 2)
        tail_len = F - Ft - 2
        k = rng.randrange(4)
        tail = [0, 1 << (tail_len - 1), rng.getrandbits(tail_len), 1][k]
        return fpcr, make(src, rng.getrandbits(1), ue + bias, top | tail), 0, 0
    return g


def gen_to_fixed(N, M, fbits):
    E, F, bias, emax = fmt(N)

    def g(rng):
        fpcr = rand_fpcr(rng)
        k = rng.randrange(4)
        s = rng.getrandbits(1)
        if k == 0:
            return fpcr, rand_fp(rng, N), 0, 0
        if k == 1:                              # around the saturation limits
            ue = M - fbits + rng.randrange(-2, 2)
            frac = rng.choice([0, (1 << F) - 1, rand_mant(rng, F), ((1 << F) - 1) ^ ((1 << rng.randrange(F)) - 1)])
        else:                                   # small values, ties
            ue = rng.randrange(-fbits - 3, min(F, M) - fbits + 2)
            frac = rand_mant(rng, F)
        e = ue + bias
        if not 1 <= e < emax:
            return fpcr, rand_fp(rng, N), 0, 0
        return fpcr, make(N, s, e, frac), 0, 0
    return g


def gen_from_fixed(M):
    def g(rng):
        k = rng.randrange(4)
        if k == 0:
            x = rng.getrandbits(M)
        elif k == 1:
            x = rng.getrandbits(rng.randrange(1, M + 1))
        elif k == 2:                            # ties and stickies for 24/53-bit mantissas
            t = rng.randrange(2, M + 1)
            x = 1 << (t - 1) | rng.getrandbits(8) << (t // 2) | rng.choice((0, 1, 1 << (t // 3)))
        else:
            x = rng.choice((0, 1, (1 << M) - 1, 1 << (M - 1), (1 << (M - 1)) - 1, (1 << (M - 1)) + 1))
        x &= (1 << M) - 1
        return rand_fpcr(rng), x | (rng.getrandbits(64 - M) << M if M == 32 else 0), 0, 0
    return g


def gen_unsigned(rng):
    def lane():
        k = rng.randrange(3)
        if k == 0:
            return rng.getrandbits(32)
        if k == 1:
            return rng.randrange(1 << 29, 1 << 32)
        return rng.getrandbits(9) << 23 | rng.getrandbits(23) * rng.randrange(2)
    return rand_fpcr(rng), lane() | lane() << 32, 0, 0


# ---------------------------------------------------------------------------
# Variants: instruction, generator, model (fpcr, a, b, c) -> (observed value, flags), result kind


class Variant:
    def __init__(self, group, insn, gen, model, kind):
        self.group, self.insn, self.gen, self.model, self.kind = group, insn, gen, model, kind

    def observe(self, d0, x5, nzcv):
        """The observed result: NZCV, X5, or all of D0 (a scalar write zeroes
        the bits above the element, so stray upper bits show as a mismatch)."""
        return nzcv if self.kind == "nzcv" else x5 if self.kind == "x" else d0


def _mask(N):
    return (1 << N) - 1


def build_variants():
    V = []
    R = sf.rounding_of
    for N in (32, 64):
        r = REG[N]
        g = f"fp{N}"
        two = {
            "fadd": (sf.add, "add"), "fsub": (sf.sub, "add"), "fmul": (sf.mul, "mul"),
            "fdiv": (sf.div, "div"), "fmulx": (sf.mulx, "mul"), "fmax": (sf.max, "cmp"),
            "fmin": (sf.min, "cmp"), "fmaxnm": (sf.maxnm, "cmp"), "fminnm": (sf.minnm, "cmp"),
        }
        for name, (fn, kind) in two.items():
            gen = gen_cmp(N) if kind == "cmp" else gen_binary(N, kind)
            V.append(Variant(g, f"{name} {r}0, {r}1, {r}2", gen,
                             lambda fpcr, a, b, c, fn=fn, N=N: fn(N, a, b, fpcr), f"d{N}"))
        V.append(Variant(g, f"frecps {r}0, {r}1, {r}2", gen_step(N, False),
                         lambda fpcr, a, b, c, N=N: sf.recip_step(N, a, b, fpcr), f"d{N}"))
        V.append(Variant(g, f"frsqrts {r}0, {r}1, {r}2", gen_step(N, True),
                         lambda fpcr, a, b, c, N=N: sf.rsqrt_step(N, a, b, fpcr), f"d{N}"))
        V.append(Variant(g, f"fmadd {r}0, {r}1, {r}2, {r}3", gen_fma(N),
                         lambda fpcr, a, b, c, N=N: sf.muladd(N, c, a, b, fpcr), f"d{N}"))
        V.append(Variant(g, f"fsqrt {r}0, {r}1", gen_unary(N),
                         lambda fpcr, a, b, c, N=N: sf.sqrt(N, a, fpcr), f"d{N}"))
        V.append(Variant(g, f"frecpe {r}0, {r}1", gen_estimate(N, False),
                         lambda fpcr, a, b, c, N=N: sf.recip_estimate(N, a, fpcr), f"d{N}"))
        V.append(Variant(g, f"frsqrte {r}0, {r}1", gen_estimate(N, True),
                         lambda fpcr, a, b, c, N=N: sf.rsqrt_estimate(N, a, fpcr), f"d{N}"))
        V.append(Variant(g, f"frecpx {r}0, {r}1", gen_unary(N),
                         lambda fpcr, a, b, c, N=N: sf.recpx(N, a, fpcr), f"d{N}"))
        for suffix, rnd, exact in (("n", sf.RN, False), ("p", sf.RP, False), ("m", sf.RM, False),
                                   ("z", sf.RZ, False), ("a", sf.RA, False), ("i", None, False), ("x", None, True)):
            V.append(Variant(g, f"frint{suffix} {r}0, {r}1", gen_frint(N),
                             lambda fpcr, a, b, c, N=N, rnd=rnd, exact=exact:
                             sf.round_int(N, a, fpcr, R(fpcr) if rnd is None else rnd, exact), f"d{N}"))
        for name, sig in (("fcmp", False), ("fcmpe", True)):
            V.append(Variant(g, f"{name} {r}1, {r}2", gen_cmp(N),
                             lambda fpcr, a, b, c, N=N, sig=sig: sf.compare(N, a, b, sig, fpcr), "nzcv"))
            V.append(Variant(g, f"{name} {r}1, #0.0", gen_unary(N),
                             lambda fpcr, a, b, c, N=N, sig=sig: sf.compare(N, a, 0, sig, fpcr), "nzcv"))
        for name, fn in (("fcmeq", sf.compare_eq), ("fcmge", sf.compare_ge), ("fcmgt", sf.compare_gt)):
            def model(fpcr, a, b, c, fn=fn, N=N):
                t, fl = fn(N, a, b, fpcr)
                return (_mask(N) if t else 0), fl
            V.append(Variant(g, f"{name} {r}0, {r}1, {r}2", gen_cmp(N), model, f"d{N}"))
    # conversions between formats
    for src, dst in ((32, 64), (64, 32), (16, 32), (32, 16), (16, 64), (64, 16)):
        gen = gen_narrow(src, dst) if dst < src else gen_unary(src)
        V.append(Variant("fcvt", f"fcvt {REG[dst]}0, {REG[src]}1", gen,
                         lambda fpcr, a, b, c, src=src, dst=dst: sf.convert(dst, src, a & _mask(src), fpcr),
                         f"d{dst}"))
    V.append(Variant("fcvt", "fcvtxn s0, d1", gen_narrow(64, 32),
                     lambda fpcr, a, b, c: sf.convert(32, 64, a, fpcr, sf.RO), "d32"))
    # float -> integer / fixed point
    for N in (32, 64):
        for M, w in ((32, "w"), (64, "x")):
            for u in (False, True):
                for letter, rnd in (("n", sf.RN), ("p", sf.RP), ("m", sf.RM), ("z", sf.RZ), ("a", sf.RA)):
                    V.append(Variant("to_int", f"fcvt{letter}{'u' if u else 's'} {w}5, {REG[N]}1",
                                     gen_to_fixed(N, M, 0),
                                     lambda fpcr, a, b, c, N=N, M=M, u=u, rnd=rnd:
                                     sf.to_fixed(N, a & _mask(N), fpcr, rnd, 0, u, M), "x"))
                for fb in sorted({1, M, random.Random(f"{SEED}:{N}:{M}:{u}").randrange(2, M)}):
                    V.append(Variant("to_fixed", f"fcvtz{'u' if u else 's'} {w}5, {REG[N]}1, #{fb}",
                                     gen_to_fixed(N, M, fb),
                                     lambda fpcr, a, b, c, N=N, M=M, u=u, fb=fb:
                                     sf.to_fixed(N, a & _mask(N), fpcr, sf.RZ, fb, u, M), "x"))
    # integer / fixed point -> float
    for N in (32, 64):
        for M, w in ((32, "w"), (64, "x")):
            for u in (False, True):
                name = "ucvtf" if u else "scvtf"
                V.append(Variant("from_int", f"{name} {REG[N]}0, {w}4", gen_from_fixed(M),
                                 lambda fpcr, a, b, c, N=N, M=M, u=u:
                                 sf.from_fixed(N, a, M, fpcr, R(fpcr), 0, u), f"d{N}"))
                for fb in sorted({1, M, random.Random(f"{SEED}:{N}:{M}:{u}:cvtf").randrange(2, M)}):
                    V.append(Variant("from_fixed", f"{name} {REG[N]}0, {w}4, #{fb}", gen_from_fixed(M),
                                     lambda fpcr, a, b, c, N=N, M=M, u=u, fb=fb:
                                     sf.from_fixed(N, a, M, fpcr, R(fpcr), fb, u), f"d{N}"))
    # unsigned estimates on both lanes of a .2S vector
    for name, fn in (("urecpe", sf.unsigned_recip_estimate), ("ursqrte", sf.unsigned_rsqrt_estimate)):
        V.append(Variant("unsigned", f"{name} v0.2s, v1.2s", gen_unsigned,
                         lambda fpcr, a, b, c, fn=fn: (fn(a & 0xFFFFFFFF) | fn(a >> 32) << 32, 0), "d64"))
    return V


VARIANTS = build_variants()
BY_INSN = {v.insn: v for v in VARIANTS}
GROUPS = sorted({v.group for v in VARIANTS})
_RIG = []


def rig():
    if not _RIG:
        _RIG.append(Rig([v.insn for v in VARIANTS]))
    return _RIG[0]


def run_cases(v, cases):
    """Mismatches of the model against Unicorn, as readable lines."""
    bad = []
    for case, (d0, x5, fpsr, nzcv) in zip(cases, rig().run(v.insn, cases)):
        got = (v.observe(d0, x5, nzcv), fpsr)
        exp = v.model(*case)
        if got != exp:
            bad.append(f"{v.insn}: fpcr={case[0]:#x} a={case[1]:#x} b={case[2]:#x} c={case[3]:#x}: "
                       f"unicorn ({got[0]:#x}, fpsr {got[1]:#x}) model ({exp[0]:#x}, fpsr {exp[1]:#x})")
    return bad


@pytest.mark.parametrize("group", GROUPS)
def test_against_unicorn(group):
    bad, n = [], 0
    for v in VARIANTS:
        if v.group != group:
            continue
        rng = random.Random(f"{SEED}:{v.insn}")
        cases = [v.gen(rng) for _ in range(N_CASES)]
        bad += run_cases(v, cases)
        n += len(cases)
    assert not bad, f"{len(bad)} of {n} mismatches:\n" + "\n".join(bad[:40])


# ---------------------------------------------------------------------------
# Directed cases: expected values worked out by hand from the pseudocode,
# checked against the model and against Unicorn.

RP_, RM_, RZ_ = 1 << 22, 2 << 22, 3 << 22          # FPCR.RMode
ONE, TWO, HALF, INF, NINF = 0x3F800000, 0x40000000, 0x3F000000, 0x7F800000, 0xFF800000
QN, SN, DNAN, MAXN = 0x7FC12345, 0x7F812345, 0x7FC00000, 0x7F7FFFFF
IOC, DZC, OFC, UFC, IXC, IDC = sf.IOC, sf.DZC, sf.OFC, sf.UFC, sf.IXC, sf.IDC

DIRECTED = [
    # FMADD Sd = Sa + Sn*Sm: (insn, fpcr, n, m, a, result, fpsr)
    ("fmadd s0, s1, s2, s3", 0, INF, 0, QN, DNAN, IOC),              # inf*0 with a quiet-NaN addend
    ("fmadd s0, s1, s2, s3", 0, 0, NINF, QN, DNAN, IOC),
    ("fmadd s0, s1, s2, s3", 0, INF, 0, SN, 0x7FC12345, IOC),        # signalling addend: just quietened
    ("fmadd s0, s1, s2, s3", 0, INF, 0, ONE, DNAN, IOC),
    ("fmadd s0, s1, s2, s3", 0, 0x7F800002, ONE, 0x7FC00001, 0x7FC00002, IOC),   # SNaN op1 before QNaN addend
    ("fmadd s0, s1, s2, s3", 0, 0x7FC00002, ONE, 0x7FC00001, 0x7FC00001, 0),     # QNaN addend first
    ("fmadd s0, s1, s2, s3", 0, 0, 0x40A00000, 0x80000000, 0, 0),    # -0 + (+0*5) = +0 ...
    ("fmadd s0, s1, s2, s3", RM_, 0, 0x40A00000, 0x80000000, 0x80000000, 0),     # ... -0 rounding down
    ("fmadd s0, s1, s2, s3", 0, 0x80000000, 0x40A00000, 0x80000000, 0x80000000, 0),
    ("fmadd s0, s1, s2, s3", 0, ONE, 0xBF800000, ONE, 0, 0),         # exact cancellation
    ("fmadd s0, s1, s2, s3", RM_, ONE, 0xBF800000, ONE, 0x80000000, 0),
    ("fmadd s0, s1, s2, s3", 0, NINF, ONE, INF, DNAN, IOC),
    ("fmadd s0, s1, s2, s3", FZ, ONE, 0x00800000, 0x00000001, 0x00800000, IDC),
    ("fmadd d0, d1, d2, d3", 0, 0x7FF0000000000000, 0, 0x7FF8000000000001, 0x7FF8000000000000, IOC),
    # FRECPE of denormals under each rounding mode: |x| < 2^-128 overflows
    ("frecpe s0, s1", 0, 0x00000001, 0, 0, INF, OFC | IXC),
    ("frecpe s0, s1", RP_, 0x00000001, 0, 0, INF, OFC | IXC),
    ("frecpe s0, s1", RM_, 0x00000001, 0, 0, MAXN, OFC | IXC),
    ("frecpe s0, s1", RZ_, 0x00000001, 0, 0, MAXN, OFC | IXC),
    ("frecpe s0, s1", 0, 0x80000001, 0, 0, NINF, OFC | IXC),
    ("frecpe s0, s1", RP_, 0x80000001, 0, 0, 0xFF7FFFFF, OFC | IXC),
    ("frecpe s0, s1", RM_, 0x80000001, 0, 0, NINF, OFC | IXC),
    ("frecpe s0, s1", RZ_, 0x80000001, 0, 0, 0xFF7FFFFF, OFC | IXC),
    ("frecpe s0, s1", 0, 0x001FFFFF, 0, 0, INF, OFC | IXC),
    ("frecpe s0, s1", 0, 0x00200000, 0, 0, 0x7F7F8000, 0),           # exactly 2^-128: an estimate
    ("frecpe s0, s1", FZ, 0x00200000, 0, 0, INF, DZC | IDC),         # flushed input
    ("frecpe s0, s1", FZ, 0x7E800000, 0, 0, 0, UFC),                 # |x| >= 2^126 with FZ
    ("frecpe s0, s1", FZ | RZ_, 0xFE800000, 0, 0, 0x80000000, UFC),
    ("frecpe s0, s1", FZ, 0x7E7FFFFF, 0, 0, 0x00800000, 0),
    ("frecpe s0, s1", 0, 0x7E800000, 0, 0, 0x007FC000, 0),           # denormal result, no UFC
    ("frecpe s0, s1", 0, 0x7F000000, 0, 0, 0x003FE000, 0),
    ("frecpe s0, s1", 0, 0x80000000, 0, 0, NINF, DZC),
    ("frecpe s0, s1", 0, NINF, 0, 0, 0x80000000, 0),
    ("frecpe s0, s1", 0, SN, 0, 0, 0x7FC12345, IOC),
    ("frecpe d0, d1", RM_, 1, 0, 0, 0x7FEFFFFFFFFFFFFF, OFC | IXC),
    ("frecpe d0, d1", 0, 0x0004000000000000, 0, 0, 0x7FEFF00000000000, 0),
    ("frsqrte s0, s1", 0, 0x00000001, 0, 0, 0x64B48000, 0),
    ("frsqrte s0, s1", 0, ONE, 0, 0, 0x3F7F8000, 0),
    ("frsqrte s0, s1", 0, TWO, 0, 0, 0x3F348000, 0),
    ("frsqrte s0, s1", 0, 0x40800000, 0, 0, 0x3EFF8000, 0),
    ("frsqrte s0, s1", 0, 0x80000000, 0, 0, NINF, DZC),
    ("frsqrte s0, s1", 0, 0xBF800000, 0, 0, DNAN, IOC),
    ("frsqrte s0, s1", 0, NINF, 0, 0, DNAN, IOC),
    ("frsqrte s0, s1", 0, INF, 0, 0, 0, 0),
    ("frsqrte s0, s1", FZ, 0x80000001, 0, 0, NINF, DZC | IDC),
    ("frecpx s0, s1", 0, 0x00000001, 0, 0, 0x7F000000, 0),
    ("frecpx s0, s1", FZ, 0x00000001, 0, 0, 0x7F000000, IDC),
    ("frecpx s0, s1", 0, ONE, 0, 0, TWO, 0),
    ("frecpx s0, s1", 0, 0x80000000, 0, 0, 0xFF000000, 0),
    ("frecpx s0, s1", 0, MAXN, 0, 0, 0x00800000, 0),
    ("frecpx s0, s1", 0, NINF, 0, 0, 0x80000000, 0),
    # FCVT double -> half, IEEE and alternative (FPCR.AHP) format
    ("fcvt h0, d1", 0, 0x40F0000000000000, 0, 0, 0x7C00, OFC | IXC),   # 65536: IEEE overflow
    ("fcvt h0, d1", AHP, 0x40F0000000000000, 0, 0, 0x7C00, 0),        # AHP: a number
    ("fcvt h0, d1", AHP, 0x40FFFC0000000000, 0, 0, 0x7FFF, 0),        # 131008, the AHP maximum
    ("fcvt h0, d1", AHP, 0x4100000000000000, 0, 0, 0x7FFF, IOC),      # 131072: IOC, no OFC/IXC
    ("fcvt h0, d1", AHP, 0x40FFFE0000000000, 0, 0, 0x7FFF, IOC),      # 131040 ties up out of range
    ("fcvt h0, d1", AHP | RZ_, 0x40FFFE0000000000, 0, 0, 0x7FFF, IXC),
    ("fcvt h0, d1", AHP, 0x7FF0000000000000, 0, 0, 0x7FFF, IOC),
    ("fcvt h0, d1", AHP, 0xFFF0000000000000, 0, 0, 0xFFFF, IOC),
    ("fcvt h0, d1", AHP, 0x7FF8000000000000, 0, 0, 0x0000, IOC),      # NaN -> signed zero
    ("fcvt h0, d1", AHP | DN, 0xFFF0000000000001, 0, 0, 0x8000, IOC),
    ("fcvt h0, d1", 0, 0x7FF0000000000000, 0, 0, 0x7C00, 0),
    ("fcvt h0, d1", 0, 0xFFF4000000000000, 0, 0, 0xFF00, IOC),        # sNaN quietened, payload kept
    ("fcvt h0, d1", FZ, 0x3E70000000000000, 0, 0, 0x0001, 0),          # 2^-24: half never flushed
    ("fcvt h0, d1", FZ, 0x3E78000000000000, 0, 0, 0x0002, UFC | IXC),  # 1.5 * 2^-24: tie to even
    ("fcvt h0, d1", 0, 0x3E60000000000000, 0, 0, 0x0000, UFC | IXC),   # 2^-25: tie to even (zero)
    ("fcvt h0, s1", FZ, 0x00000001, 0, 0, 0x0000, IDC),               # but a single denormal input is
    ("fcvt s0, h1", AHP, 0x7C00, 0, 0, 0x47800000, 0),
    ("fcvt s0, h1", AHP, 0x7FFF, 0, 0, 0x47FFE000, 0),
    ("fcvt s0, h1", AHP, 0xFC01, 0, 0, 0xC7802000, 0),
    ("fcvt s0, h1", 0, 0x7D00, 0, 0, 0x7FE00000, IOC),
    ("fcvt s0, h1", FZ, 0x0001, 0, 0, 0x33800000, 0),                 # half denormal: no flush
    # FCVTXN: round to odd
    ("fcvtxn s0, d1", 0, 0x3FF0000000400000, 0, 0, 0x3F800001, IXC),
    ("fcvtxn s0, d1", RP_, 0x3FF0000020000000, 0, 0, 0x3F800001, 0),
    ("fcvtxn s0, d1", 0, 0x7E37E43C8800759C, 0, 0, MAXN, OFC | IXC),
    ("fcvtxn s0, d1", 0, 0x35F0000000000000, 0, 0, 0x00000001, UFC | IXC),
    ("fcvtxn s0, d1", FZ, 0x35F0000000000000, 0, 0, 0, UFC),
    # tininess before rounding: (1-2^-24) * 2^-126 rounds (tie, odd) up to the smallest normal
    ("fmul s0, s1, s2", 0, 0x3F7FFFFF, 0x00800000, 0, 0x00800000, UFC | IXC),
    ("fmul s0, s1, s2", RZ_, 0x3F7FFFFF, 0x00800000, 0, 0x007FFFFF, UFC | IXC),
    ("fmul s0, s1, s2", FZ, 0x3F7FFFFF, 0x00800000, 0, 0, UFC),
    ("fmul s0, s1, s2", 0, 0x3F000000, 0x00800000, 0, 0x00400000, 0),   # exact tiny: no UFC
    ("fmul s0, s1, s2", FZ | RM_, 0xBF000000, 0x00800000, 0, 0x80000000, UFC),
    # FADD / FSUB
    ("fadd s0, s1, s2", RM_, ONE, 0xBF800000, 0, 0x80000000, 0),
    ("fadd s0, s1, s2", 0, ONE, 0xBF800000, 0, 0, 0),
    ("fadd s0, s1, s2", 0, 0x80000000, 0x80000000, 0, 0x80000000, 0),
    ("fadd s0, s1, s2", 0, 0, 0x80000000, 0, 0, 0),
    ("fadd s0, s1, s2", RM_, 0, 0x80000000, 0, 0x80000000, 0),
    ("fadd s0, s1, s2", 0, MAXN, MAXN, 0, INF, OFC | IXC),
    ("fadd s0, s1, s2", RP_, MAXN, MAXN, 0, INF, OFC | IXC),
    ("fadd s0, s1, s2", RM_, MAXN, MAXN, 0, MAXN, OFC | IXC),
    ("fadd s0, s1, s2", RZ_, MAXN, MAXN, 0, MAXN, OFC | IXC),
    ("fadd s0, s1, s2", RM_, 0xFF7FFFFF, 0xFF7FFFFF, 0, NINF, OFC | IXC),
    ("fadd s0, s1, s2", RP_, 0xFF7FFFFF, 0xFF7FFFFF, 0, 0xFF7FFFFF, OFC | IXC),
    ("fadd s0, s1, s2", 0, INF, NINF, 0, DNAN, IOC),
    ("fadd s0, s1, s2", 0, 0x7FC00001, 0x7F800002, 0, 0x7FC00002, IOC),   # signalling first
    ("fadd s0, s1, s2", 0, 0x7FC00001, 0x7FC00002, 0, 0x7FC00001, 0),
    ("fadd s0, s1, s2", DN, SN, ONE, 0, DNAN, IOC),
    ("fadd s0, s1, s2", FZ, 0x00000001, 0x00000001, 0, 0, IDC),
    ("fadd s0, s1, s2", 0, 0x00000001, 0x00000001, 0, 0x00000002, 0),
    ("fsub s0, s1, s2", FZ, 0x00800001, 0x00800000, 0, 0, UFC),        # exact tiny result flushed
    ("fsub s0, s1, s2", 0, 0x00800001, 0x00800000, 0, 0x00000001, 0),
    ("fsub s0, s1, s2", 0, ONE, 0x7FC00001, 0, 0x7FC00001, 0),         # NaN op2 not negated
    ("fsub s0, s1, s2", 0, INF, INF, 0, DNAN, IOC),
    # FDIV, FSQRT
    ("fdiv s0, s1, s2", 0, ONE, 0, 0, INF, DZC),
    ("fdiv s0, s1, s2", 0, ONE, 0x80000000, 0, NINF, DZC),
    ("fdiv s0, s1, s2", 0, 0, 0, 0, DNAN, IOC),
    ("fdiv s0, s1, s2", 0, INF, 0, 0, INF, 0),
    ("fdiv s0, s1, s2", 0, INF, INF, 0, DNAN, IOC),
    ("fdiv s0, s1, s2", 0, 0x80000000, INF, 0, 0x80000000, 0),
    ("fdiv s0, s1, s2", FZ, ONE, 0x00000001, 0, INF, DZC | IDC),
    ("fsqrt s0, s1", 0, 0x80000000, 0, 0, 0x80000000, 0),
    ("fsqrt s0, s1", 0, 0xBF800000, 0, 0, DNAN, IOC),
    ("fsqrt s0, s1", 0, NINF, 0, 0, DNAN, IOC),
    ("fsqrt s0, s1", FZ, 0x80000001, 0, 0, 0x80000000, IDC),
    ("fsqrt s0, s1", 0, TWO, 0, 0, 0x3FB504F3, IXC),
    ("fsqrt s0, s1", RP_, TWO, 0, 0, 0x3FB504F4, IXC),
    ("fsqrt s0, s1", 0, 0x40800000, 0, 0, TWO, 0),
    # FMAX/FMIN/FMAXNM/FMINNM
    ("fmax s0, s1, s2", 0, 0, 0x80000000, 0, 0, 0),
    ("fmax s0, s1, s2", 0, 0x80000000, 0, 0, 0, 0),
    ("fmin s0, s1, s2", 0, 0, 0x80000000, 0, 0x80000000, 0),
    ("fmin s0, s1, s2", 0, 0x80000000, 0, 0, 0x80000000, 0),
    ("fmax s0, s1, s2", 0, QN, ONE, 0, QN, 0),
    ("fmaxnm s0, s1, s2", 0, QN, ONE, 0, ONE, 0),
    ("fmaxnm s0, s1, s2", 0, ONE, QN, 0, ONE, 0),
    ("fmaxnm s0, s1, s2", DN, QN, ONE, 0, ONE, 0),
    ("fmaxnm s0, s1, s2", 0, SN, ONE, 0, QN, IOC),
    ("fmaxnm s0, s1, s2", DN, SN, ONE, 0, DNAN, IOC),
    ("fmaxnm s0, s1, s2", 0, 0x7FC00001, SN, 0, QN, IOC),
    ("fmaxnm s0, s1, s2", 0, 0x7FC00001, 0x7FC00002, 0, 0x7FC00001, 0),
    ("fminnm s0, s1, s2", 0, QN, NINF, 0, NINF, 0),
    ("fmaxnm s0, s1, s2", 0, QN, NINF, 0, NINF, 0),
    ("fminnm s0, s1, s2", 0, INF, QN, 0, INF, 0),
    ("fmaxnm s0, s1, s2", FZ, QN, 0x00000005, 0, 0, IDC),              # -inf vs a flushed +0
    ("fmaxnm s0, s1, s2", FZ, QN, 0x80000005, 0, 0x80000000, IDC),
    ("fminnm s0, s1, s2", FZ, QN, 0x80000005, 0, 0x80000000, IDC),
    ("fminnm s0, s1, s2", FZ, 0x00000005, QN, 0, 0, IDC),
    ("fmin s0, s1, s2", FZ, 0x00000005, 0x80000000, 0, 0x80000000, IDC),
    # FRECPS/FRSQRTS/FMULX
    ("frecps s0, s1, s2", 0, INF, 0, 0, TWO, 0),
    ("frecps s0, s1, s2", 0, 0, NINF, 0, TWO, 0),
    ("frecps s0, s1, s2", 0, 0x7FC00001, ONE, 0, 0xFFC00001, 0),       # op1 is negated first
    ("frecps s0, s1, s2", 0, 0x7F800001, ONE, 0, 0xFFC00001, IOC),
    ("frecps s0, s1, s2", 0, ONE, 0x7FC00001, 0, 0x7FC00001, 0),
    ("frecps s0, s1, s2", 0, ONE, TWO, 0, 0, 0),
    ("frecps s0, s1, s2", RM_, ONE, TWO, 0, 0x80000000, 0),
    ("frecps s0, s1, s2", 0, INF, ONE, 0, NINF, 0),
    ("frsqrts s0, s1, s2", 0, INF, 0, 0, 0x3FC00000, 0),
    ("frsqrts s0, s1, s2", 0, ONE, ONE, 0, ONE, 0),
    ("frsqrts s0, s1, s2", 0, 0x40400000, ONE, 0, 0, 0),
    ("fmulx s0, s1, s2", 0, INF, 0x80000000, 0, 0xC0000000, 0),
    ("fmulx s0, s1, s2", 0, NINF, 0x80000000, 0, TWO, 0),
    ("fmulx s0, s1, s2", FZ, 0x00000001, INF, 0, TWO, IDC),
    ("fmul s0, s1, s2", 0, INF, 0x80000000, 0, DNAN, IOC),
    # FRINT*
    ("frinta s0, s1", 0, 0x40200000, 0, 0, 0x40400000, 0),
    ("frinta s0, s1", 0, 0xC0200000, 0, 0, 0xC0400000, 0),
    ("frintn s0, s1", 0, 0x40200000, 0, 0, TWO, 0),
    ("frintx s0, s1", 0, 0x40200000, 0, 0, TWO, IXC),
    ("frinti s0, s1", RP_, 0x40200000, 0, 0, 0x40400000, 0),
    ("frintx s0, s1", RM_, 0x40200000, 0, 0, TWO, IXC),
    ("frintm s0, s1", 0, 0xBF000000, 0, 0, 0xBF800000, 0),
    ("frintp s0, s1", 0, 0xBF000000, 0, 0, 0x80000000, 0),
    ("frintz s0, s1", 0, 0xBF400000, 0, 0, 0x80000000, 0),
    ("frinta s0, s1", 0, HALF, 0, 0, ONE, 0),
    ("frinta s0, s1", 0, 0x3EFFFFFF, 0, 0, 0, 0),
    ("frintn s0, s1", 0, HALF, 0, 0, 0, 0),
    ("frintx s0, s1", FZ, 0x80000001, 0, 0, 0x80000000, IDC),
    ("frintx s0, s1", 0, 0x80000001, 0, 0, 0x80000000, IXC),
    ("frintx s0, s1", 0, 0x7149F2CA, 0, 0, 0x7149F2CA, 0),
    ("frintx s0, s1", 0, SN, 0, 0, QN, IOC),
    # FCVT* to integer, fixed point
    ("fcvtzs w5, s1", 0, 0x4F000000, 0, 0, 0x7FFFFFFF, IOC),           # 2^31: saturates, no IXC
    ("fcvtzs w5, s1", 0, 0xCF000000, 0, 0, 0x80000000, 0),
    ("fcvtzs w5, s1", 0, 0x4EFFFFFF, 0, 0, 0x7FFFFF80, 0),
    ("fcvtzu w5, s1", 0, 0xBF000000, 0, 0, 0, IXC),                    # -0.5 -> 0, in range
    ("fcvtzu w5, s1", 0, 0xBF800000, 0, 0, 0, IOC),
    ("fcvtas w5, s1", 0, 0x40200000, 0, 0, 3, IXC),
    ("fcvtas w5, s1", 0, 0xC0200000, 0, 0, 0xFFFFFFFD, IXC),
    ("fcvtns w5, s1", 0, 0x40200000, 0, 0, 2, IXC),
    ("fcvtns w5, s1", 0, 0x40600000, 0, 0, 4, IXC),
    ("fcvtps w5, s1", 0, 0xBF000000, 0, 0, 0, IXC),
    ("fcvtms w5, s1", 0, 0xBF000000, 0, 0, 0xFFFFFFFF, IXC),
    ("fcvtzs w5, s1", 0, DNAN, 0, 0, 0, IOC),
    ("fcvtzu x5, s1", 0, SN, 0, 0, 0, IOC),
    ("fcvtzs x5, d1", 0, 0x7FF0000000000000, 0, 0, 0x7FFFFFFFFFFFFFFF, IOC),
    ("fcvtzs x5, d1", 0, 0xFFF0000000000000, 0, 0, 0x8000000000000000, IOC),
    ("fcvtzu x5, d1", 0, 0x43EFFFFFFFFFFFFF, 0, 0, 0xFFFFFFFFFFFFF800, 0),
    ("fcvtzu x5, d1", 0, 0x43F0000000000000, 0, 0, 0xFFFFFFFFFFFFFFFF, IOC),
    ("fcvtzs w5, s1, #1", 0, 0x4E800000, 0, 0, 0x7FFFFFFF, IOC),
    ("fcvtzs w5, s1", FZ, 0x00000001, 0, 0, 0, IDC),
    ("fcvtzs w5, s1", 0, 0x00000001, 0, 0, 0, IXC),
    ("fcvtzu w5, d1, #32", 0, 0x3FEFFFFFFFFFFFFF, 0, 0, 0xFFFFFFFF, IXC),
    # SCVTF/UCVTF
    ("scvtf s0, w4", 0, 0xFFFFFFFF, 0, 0, 0xBF800000, 0),
    ("ucvtf s0, w4", 0, 0xFFFFFFFF, 0, 0, 0x4F800000, IXC),
    ("ucvtf s0, w4", RZ_, 0xFFFFFFFF, 0, 0, 0x4F7FFFFF, IXC),
    ("scvtf s0, w4", 0, 0x01000001, 0, 0, 0x4B800000, IXC),             # 2^24+1: tie to even
    ("scvtf s0, w4", 0, 0x01000003, 0, 0, 0x4B800002, IXC),
    ("scvtf d0, x4", 0, 0x8000000000000000, 0, 0, 0xC3E0000000000000, 0),
    ("ucvtf d0, x4", RP_, 0xFFFFFFFFFFFFFFFF, 0, 0, 0x43F0000000000000, IXC),
    ("scvtf s0, w4, #32", 0, 0x00000001, 0, 0, 0x2F800000, 0),
    ("scvtf s0, w4", RM_, 0, 0, 0, 0, 0),                              # zero is +0 in every mode
    # FCMP/FCMPE (NZCV) and FCMEQ/GE/GT (mask)
    ("fcmp s1, s2", 0, QN, ONE, 0, 0b0011, 0),
    ("fcmpe s1, s2", 0, QN, ONE, 0, 0b0011, IOC),
    ("fcmp s1, s2", 0, SN, ONE, 0, 0b0011, IOC),
    ("fcmp s1, s2", 0, 0, 0x80000000, 0, 0b0110, 0),
    ("fcmp s1, s2", 0, ONE, TWO, 0, 0b1000, 0),
    ("fcmp s1, s2", 0, TWO, ONE, 0, 0b0010, 0),
    ("fcmp s1, s2", 0, NINF, INF, 0, 0b1000, 0),
    ("fcmp s1, s2", FZ, 0x00000001, 0x80000000, 0, 0b0110, IDC),
    ("fcmp s1, #0.0", 0, 0x80000000, 0, 0, 0b0110, 0),
    ("fcmpe s1, #0.0", 0, QN, 0, 0, 0b0011, IOC),
    ("fcmge s0, s1, s2", 0, QN, ONE, 0, 0, IOC),
    ("fcmgt s0, s1, s2", 0, ONE, QN, 0, 0, IOC),
    ("fcmeq s0, s1, s2", 0, QN, QN, 0, 0, 0),
    ("fcmeq s0, s1, s2", 0, SN, ONE, 0, 0, IOC),
    ("fcmeq s0, s1, s2", 0, 0, 0x80000000, 0, 0xFFFFFFFF, 0),
    ("fcmgt s0, s1, s2", 0, 0, 0x80000000, 0, 0, 0),
    ("fcmge s0, s1, s2", 0, 0, 0x80000000, 0, 0xFFFFFFFF, 0),
    ("fcmgt d0, d1, d2", 0, 0x7FF0000000000000, 0x7FEFFFFFFFFFFFFF, 0, (1 << 64) - 1, 0),
    # URECPE/URSQRTE (two lanes)
    ("urecpe v0.2s, v1.2s", 0, 0x7FFFFFFF_80000000, 0, 0, 0xFFFFFFFF_FF800000, 0),
    ("urecpe v0.2s, v1.2s", 0, 0xFFFFFFFF_C0000000, 0, 0, 0x80000000_AA800000, 0),
    ("ursqrte v0.2s, v1.2s", 0, 0x3FFFFFFF_40000000, 0, 0, 0xFFFFFFFF_FF800000, 0),
    ("ursqrte v0.2s, v1.2s", 0, 0xFFFFFFFF_80000000, 0, 0, 0x80000000_B4800000, 0),
]


@pytest.mark.parametrize("case", DIRECTED, ids=[f"{c[0]}|{c[1]:#x}|{c[2]:#x}|{c[3]:#x}|{c[4]:#x}" for c in DIRECTED])
def test_directed(case):
    insn, fpcr, a, b, c, value, fpsr = case
    v = BY_INSN[insn]
    assert v.model(fpcr, a, b, c) == (value, fpsr), "model"
    (d0, x5, got_fpsr, nzcv), = rig().run(insn, [(fpcr, a, b, c)])
    assert (v.observe(d0, x5, nzcv), got_fpsr) == (value, fpsr), "unicorn"


# ---------------------------------------------------------------------------
# The estimate tables


def test_tables_are_the_pseudocode_loops():
    """RecipEstimate / RecipSqrtEstimate exactly as the pseudocode computes
    them (the table builder may start the loop later; this does not)."""
    for a in range(256, 512):
        a2 = a * 2 + 1
        assert sf.recip_estimate_int(a) == ((1 << 19) // a2 + 1) // 2
    for a in range(128, 512):
        a2 = a * 2 + 1 if a < 256 else ((a >> 1) << 1) * 2 + 2
        b = 512
        while a2 * (b + 1) * (b + 1) < 1 << 28:
            b += 1
        assert sf.rsqrt_estimate_int(a) == (b + 1) // 2
    assert sf.recip_estimate_int(256) == 511 and sf.recip_estimate_int(511) == 256
    assert sf.rsqrt_estimate_int(128) == 511 and sf.rsqrt_estimate_int(256) == 361


def test_estimate_tables_against_unicorn():
    """Every 9-bit index of URECPE/URSQRTE, every 8-bit fraction prefix of
    FRECPE/FRSQRTE (single and double, several exponents of both parities,
    denormals), model and Unicorn."""
    rng = random.Random(SEED)
    sweeps = {
        "urecpe v0.2s, v1.2s": [(0, (i << 23 | rng.getrandbits(23)) | ((i ^ 0x1FF) << 23) << 32, 0, 0)
                                for i in range(512)],
        "ursqrte v0.2s, v1.2s": [(0, (i << 23 | rng.getrandbits(23)) | ((i ^ 0x1FF) << 23) << 32, 0, 0)
                                 for i in range(512)],
    }
    for N in (32, 64):
        E, F, bias, emax = fmt(N)
        vals = []
        for p in range(256):
            for e in (1, 2, bias - 1, bias, bias + 1, emax - 2, emax - 1):
                vals.append(make(N, p & 1, e, p << (F - 8) | rng.getrandbits(F - 8)))
            vals.append(make(N, 0, 0, p << (F - 8) | rng.getrandbits(F - 8) or 1))
            vals.append(make(N, 0, 0, (p << (F - 16) | rng.getrandbits(F - 16)) or 1))
        for name in ("frecpe", "frsqrte"):
            sweeps[f"{name} {REG[N]}0, {REG[N]}1"] = [(rng.randrange(4) << 22, x, 0, 0) for x in vals]
    bad = []
    for insn, cases in sweeps.items():
        bad += run_cases(BY_INSN[insn], cases)
    assert not bad, "\n".join(bad[:40])


def test_no_host_floats_in_softfloat():
    """The module computes on integers only: no float literals, no true
    division, no float()/math float functions."""
    import ast
    import inspect
    tree = ast.parse(inspect.getsource(sf))
    for node in ast.walk(tree):
        assert not (isinstance(node, ast.Constant) and isinstance(node.value, (float, complex))), ast.dump(node)
        assert not isinstance(node, ast.Div), "true division"
        if isinstance(node, ast.Name):
            assert node.id not in ("float", "Fraction", "Decimal"), node.id
        if isinstance(node, ast.ImportFrom):
            assert node.module in ("__future__", "math") and all(a.name == "isqrt" or node.module == "__future__"
                                                                 for a in node.names)
