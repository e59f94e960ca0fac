"""Advanced SIMD floating point (ARM ARM C3.6; encodings C4.1.92): three
same (vector and scalar), two-register miscellaneous (vector and scalar:
compares with zero, FABS/FNEG/FSQRT, FRINT*, conversions to and from
integers, FCVTL/FCVTN/FCVTXN, the reciprocal estimates), across lanes
(FMAXV & co.), scalar pairwise, by element (FMLA/FMLS/FMUL/FMULX) and the
fixed-point conversions of the shift-by-immediate class.

Lane arithmetic is ``e.fp_lanes(name, esize, bits, ...)`` with the
operations of translator.fpops (the JIT runs whole vectors on the host's
vector unit when every lane allows it); what the pseudocode does around the
operations (FPNeg/FPAbs of operands or results, pairing, reductions,
narrowing and widening) is here.  ``sz`` selects 32-bit (0) or 64-bit (1)
elements; a 64-bit-element vector needs Q = 1 (the table's constraints).
"""
from __future__ import annotations

from . import semantics
from .fpsimd import _elem, _assemble, _replicate
from ..fields import replicate


def _signs(esize, bits):
    """The sign bit of every lane."""
    return replicate(1 << (esize - 1), esize, bits)


def _neg(e, v, esize, bits):
    """FPNeg() of every lane."""
    return e.xor(v, _signs(esize, bits), bits)


def _abs(e, v, esize, bits):
    """FPAbs() of every lane."""
    return e.and_(v, ~_signs(esize, bits) & ((1 << bits) - 1), bits)


def _pairwise(e, name, esize, bits, n, m):
    """Pairwise operation: result element i = op(concat[2i], concat[2i+1])
    of concat = Vm:Vn (Vn the low half)."""
    lanes = bits // esize
    elems = [_elem(e, n, i, esize, bits) for i in range(lanes)] + [_elem(e, m, i, esize, bits) for i in range(lanes)]
    lo = _assemble(e, elems[0::2], esize, bits)          # first of every pair
    hi = _assemble(e, elems[1::2], esize, bits)
    return e.fp_lanes(name, esize, bits, lo, hi)


# ---- three same ---------------------------------------------------------------
# (U, a, opcode<2:0>) -> operation; "p" pairwise; special ones handled below
_THREE = {
    (0, 0, 0): "maxnm", (0, 0, 1): "fmla", (0, 0, 2): "add", (0, 0, 3): "mulx", (0, 0, 4): "cmeq",
    (0, 0, 6): "max", (0, 0, 7): "recip_step",
    (0, 1, 0): "minnm", (0, 1, 1): "fmls", (0, 1, 2): "sub", (0, 1, 6): "min", (0, 1, 7): "rsqrt_step",
    (1, 0, 0): "pmaxnm", (1, 0, 2): "padd", (1, 0, 3): "mul", (1, 0, 4): "cmge", (1, 0, 5): "acge",
    (1, 0, 6): "pmax", (1, 0, 7): "div",
    (1, 1, 0): "pminnm", (1, 1, 2): "abd", (1, 1, 4): "cmgt", (1, 1, 5): "acgt", (1, 1, 6): "pmin",
}


def _three(e, op, esize, bits, n, m, d):
    if op[0] == "p":
        return _pairwise(e, f"{op[1:]}{esize}", esize, bits, n, m)
    if op in ("fmla", "fmls"):
        if op == "fmls":
            n = _neg(e, n, esize, bits)
        return e.fp_lanes(f"muladd{esize}", esize, bits, d, n, m)
    if op == "abd":                                       # FPAbs(FPSub())
        return _abs(e, e.fp_lanes(f"sub{esize}", esize, bits, n, m), esize, bits)
    if op in ("acge", "acgt"):                            # compares of FPAbs() of both
        return e.fp_lanes(f"cm{op[2:]}{esize}", esize, bits, _abs(e, n, esize, bits), _abs(e, m, esize, bits))
    return e.fp_lanes(f"{op}{esize}", esize, bits, n, m)


@semantics("simd_fp3")
def simd_fp3(e, f):
    e.check_fp()
    esize = 64 if f.sz else 32
    bits = 128 if f.Q else 64
    op = _THREE[(f.U, f.a, f.opcode)]
    d = e.rv(f.Rd, bits) if op in ("fmla", "fmls") else 0
    e.wv(f.Rd, _three(e, op, esize, bits, e.rv(f.Rn, bits), e.rv(f.Rm, bits), d), bits)


@semantics("simd_fp3_s")
def simd_fp3_s(e, f):
    e.check_fp()
    esize = 64 if f.sz else 32
    op = _THREE[(f.U, f.a, f.opcode)]
    e.wv(f.Rd, _three(e, op, esize, esize, e.rv(f.Rn, esize), e.rv(f.Rm, esize), 0), esize)


# ---- two-register miscellaneous -------------------------------------------------
# (U, a, opcode) -> operation
_MISC = {
    (0, 0, 0b11000): "frintn", (0, 0, 0b11001): "frintm", (0, 0, 0b11010): "fcvtns", (0, 0, 0b11011): "fcvtms",
    (0, 0, 0b11100): "fcvtas", (0, 0, 0b11101): "scvtf",
    (0, 1, 0b01100): "cmgt0", (0, 1, 0b01101): "cmeq0", (0, 1, 0b01110): "cmlt0", (0, 1, 0b01111): "fabs",
    (0, 1, 0b11000): "frintp", (0, 1, 0b11001): "frintz", (0, 1, 0b11010): "fcvtps", (0, 1, 0b11011): "fcvtzs",
    (0, 1, 0b11100): "urecpe", (0, 1, 0b11101): "recip_estimate", (0, 1, 0b11111): "recpx",
    (1, 0, 0b11000): "frinta", (1, 0, 0b11001): "frintx", (1, 0, 0b11010): "fcvtnu", (1, 0, 0b11011): "fcvtmu",
    (1, 0, 0b11100): "fcvtau", (1, 0, 0b11101): "ucvtf",
    (1, 1, 0b01100): "cmge0", (1, 1, 0b01101): "cmle0", (1, 1, 0b01111): "fneg", (1, 1, 0b11001): "frinti",
    (1, 1, 0b11010): "fcvtpu", (1, 1, 0b11011): "fcvtzu", (1, 1, 0b11100): "ursqrte",
    (1, 1, 0b11101): "rsqrt_estimate", (1, 1, 0b11111): "sqrt",
}


def _misc(e, op, esize, bits, x):
    if op == "fabs":
        return _abs(e, x, esize, bits)
    if op == "fneg":
        return _neg(e, x, esize, bits)
    if op.startswith("cm"):                               # compares with zero
        rel = op[2:4]
        if rel in ("lt", "le"):                           # x < 0 is 0 > x
            return e.fp_lanes(f"cm{'gt' if rel == 'lt' else 'ge'}{esize}", esize, bits, 0, x)
        return e.fp_lanes(f"cm{rel}{esize}", esize, bits, x, 0)
    if op.startswith("fcvt"):                             # to integer, same size
        return e.fp_lanes(f"{op}_{esize}_{esize}", esize, bits, x)
    if op in ("scvtf", "ucvtf"):
        return e.fp_lanes(f"{op}_{esize}_{esize}", esize, bits, x)
    if op in ("urecpe", "ursqrte"):
        return e.fp_lanes(op, esize, bits, x)
    return e.fp_lanes(f"{op}{esize}", esize, bits, x)    # frint*, estimates, recpx, sqrt


@semantics("simd_fp_misc")
def simd_fp_misc(e, f):
    e.check_fp()
    esize = 64 if f.sz else 32
    bits = 128 if f.Q else 64
    op = _MISC[(f.U, f.a, e.word >> 12 & 31)]
    e.wv(f.Rd, _misc(e, op, esize, bits, e.rv(f.Rn, bits)), bits)


@semantics("simd_fp_misc_s")
def simd_fp_misc_s(e, f):
    e.check_fp()
    esize = 64 if f.sz else 32
    op = _MISC[(f.U, f.a, e.word >> 12 & 31)]
    e.wv(f.Rd, _misc(e, op, esize, esize, e.rv(f.Rn, esize)), esize)


@semantics("simd_fcvt_narrow")
def simd_fcvt_narrow(e, f):
    """FCVTN/FCVTN2 (U 0: 4S->4H with sz 0, 2D->2S with sz 1), FCVTXN/FCVTXN2
    (U 1, sz 1: round to odd): the narrowed elements go to the lower half
    (the upper zeroed) or, with Q = 1, to the upper half (the lower kept)."""
    e.check_fp()
    src = 64 if f.sz else 32
    dst = src // 2
    x = e.rv(f.Rn)
    name = "cvtxn_32_64" if f.U else f"cvt_{dst}_{src}"
    elems = [e.fp(name, _elem(e, x, i, src, 128)) for i in range(128 // src)]
    half = _assemble(e, elems, dst, 64)
    if f.Q:
        lo = e.rv(f.Rd, 64)
        e.wv(f.Rd, e.or_(e.zext(lo, 64, 128), e.shl(e.zext(half, 64, 128), 64, 128), 128))
    else:
        e.wv(f.Rd, half, 64)


@semantics("simd_fcvt_scalar_narrow")
def simd_fcvt_scalar_narrow(e, f):
    """FCVTXN (scalar): Dn to Sd, rounding to odd."""
    e.check_fp()
    e.wv(f.Rd, e.fp("cvtxn_32_64", e.rv(f.Rn, 64)), 32)


@semantics("simd_fcvtl")
def simd_fcvtl(e, f):
    """FCVTL/FCVTL2: the lower (Q 0) or upper (Q 1) half's elements widened
    (4H->4S with sz 0, 2S->2D with sz 1)."""
    e.check_fp()
    dst = 64 if f.sz else 32
    src = dst // 2
    x = e.rv(f.Rn)
    half = e.trunc(e.lshr(x, 64, 128), 128, 64) if f.Q else e.trunc(x, 128, 64)
    elems = [e.fp(f"cvt_{dst}_{src}", _elem(e, half, i, src, 64)) for i in range(64 // src)]
    e.wv(f.Rd, _assemble(e, elems, dst, 128))


# ---- across lanes and scalar pairwise ---------------------------------------------
_REDUCE = {(0, 0b01100): "maxnm", (1, 0b01100): "minnm", (0, 0b01111): "max", (1, 0b01111): "min"}


def _reduce(e, name, elems):
    """Reduce(): the operation over halves, recursively (lo op hi)."""
    if len(elems) == 1:
        return elems[0]
    h = len(elems) // 2
    return e.fp(name, _reduce(e, name, elems[:h]), _reduce(e, name, elems[h:]))


@semantics("simd_fp_across")
def simd_fp_across(e, f):
    """FMAXNMV FMINNMV FMAXV FMINV (4S only)."""
    e.check_fp()
    x = e.rv(f.Rn)
    name = f"{_REDUCE[(f.a, e.word >> 12 & 31)]}32"
    e.wv(f.Rd, _reduce(e, name, [_elem(e, x, i, 32, 128) for i in range(4)]), 32)


@semantics("simd_fp_pair_s")
def simd_fp_pair_s(e, f):
    """Scalar pairwise: FADDP FMAXNMP FMINNMP FMAXP FMINP (of the two elements of Vn)."""
    e.check_fp()
    esize = 64 if f.sz else 32
    opcode = e.word >> 12 & 31
    op = "add" if opcode == 0b01101 else _REDUCE[(f.a, opcode)]
    x = e.rv(f.Rn, 2 * esize)
    e.wv(f.Rd, e.fp(f"{op}{esize}", _elem(e, x, 0, esize, 2 * esize), _elem(e, x, 1, esize, 2 * esize)), esize)


# ---- by element -----------------------------------------------------------------
def _by_element(e, f, esize, bits):
    index = f.H if f.sz else f.H << 1 | f.L
    elem2 = _elem(e, e.rv(f.M << 4 | f.Rm), index, esize, 128)
    m = _replicate(e, elem2, esize, bits)
    n = e.rv(f.Rn, bits)
    op = f.opcode
    if op == 0b1001:
        return e.fp_lanes(f"{'mulx' if f.U else 'mul'}{esize}", esize, bits, n, m)
    if op == 0b0101:                                     # FMLS: FPNeg(element1)
        n = _neg(e, n, esize, bits)
    return e.fp_lanes(f"muladd{esize}", esize, bits, e.rv(f.Rd, bits), n, m)


@semantics("simd_fp_elem")
def simd_fp_elem(e, f):
    e.check_fp()
    esize = 64 if f.sz else 32
    bits = 128 if f.Q else 64
    e.wv(f.Rd, _by_element(e, f, esize, bits), bits)


@semantics("simd_fp_elem_s")
def simd_fp_elem_s(e, f):
    e.check_fp()
    esize = 64 if f.sz else 32
    e.wv(f.Rd, _by_element(e, f, esize, esize), esize)


# ---- fixed-point conversions (shift by immediate) -----------------------------------
def _fixed(e, f, bits):
    esize = 64 if f.immh >> 3 else 32
    fbits = 2 * esize - (f.immh << 3 | f.immb)
    u = "u" if f.U else "s"
    x = e.rv(f.Rn, bits)
    fb = replicate(fbits, esize, bits)                   # the fraction bits, in every lane
    if f.lo == 0:                                        # opcode 11100: SCVTF/UCVTF
        return e.fp_lanes(f"{u}cvtf_{esize}_{esize}", esize, bits, x, 0, fb), esize
    return e.fp_lanes(f"fcvtz{u}_{esize}_{esize}", esize, bits, x, 0, fb), esize   # 11111


@semantics("simd_fp_fixed")
def simd_fp_fixed(e, f):
    e.check_fp()
    bits = 128 if f.Q else 64
    e.wv(f.Rd, _fixed(e, f, bits)[0], bits)


@semantics("simd_fp_fixed_s")
def simd_fp_fixed_s(e, f):
    e.check_fp()
    esize = 64 if f.immh >> 3 else 32
    r, _ = _fixed(e, f, esize)
    e.wv(f.Rd, r, esize)
