"""Advanced SIMD integer operations by element (ARM ARM C3.6; encodings
C4.1.92 "Advanced SIMD vector x indexed element" and "... scalar x indexed
element", integer opcodes): MUL, MLA, MLS; SMULL/UMULL, SMLAL/UMLAL,
SMLSL/UMLSL (+2); SQDMULL, SQDMLAL, SQDMLSL (+2, and scalar); SQDMULH and
SQRDMULH (vector and scalar).  The FP ones (FMLA, FMLS, FMUL, FMULX) are in
simd_fp.py.

The second operand is one element of V[m], used for every lane: 16-bit
elements (size 01) index it with H:L:M and can name V0-V15 only; 32-bit
elements (size 10) index with H:L and Rm = M:Rm.  The arithmetic of each
lane is simd_int's (the same pseudocode functions as the vector forms).
"""
from __future__ import annotations

from . import semantics
from .fpsimd import _elem
from .simd_int import _lanes, _set_qc, _write, _upper_or_lower, _doubling_mulh, _long_lane, ACCUMULATING


def _element(e, f):
    """(esize, Elem[V[m], index, esize])."""
    if f.size == 1:
        return 16, _elem(e, e.rv(f.Rm), f.H << 2 | f.L << 1 | f.M, 16, 128)
    return 32, _elem(e, e.rv(f.M << 4 | f.Rm), f.H << 1 | f.L, 32, 128)


def _long(e, f, n, b, la, kind, u):
    """The 2n-bit lanes of the long forms (vector_arithmetic_binary_element_*_long)."""
    w = 2 * n
    ld = _lanes(e, e.rv(f.Rd, w * len(la)), w, w * len(la)) if kind in ACCUMULATING else [None] * len(la)
    sats = []
    out = [_long_lane(e, kind, a, b, d, n, u, sats) for a, d in zip(la, ld)]
    _set_qc(e, sats)
    return out, w


_LONG = {0b0010: "mlal", 0b0110: "mlsl", 0b1010: "mull", 0b0011: "qdmlal", 0b0111: "qdmlsl", 0b1011: "qdmull"}


@semantics("simd_int_elem")
def simd_int_elem(e, f):
    e.check_fp()
    n, b = _element(e, f)
    op = f.opcode
    if op in _LONG:
        la = _lanes(e, _upper_or_lower(e, f.Rn, f.Q), n, 64)
        out, w = _long(e, f, n, b, la, _LONG[op], f.U)
        _write(e, f.Rd, out, w, 128)
        return
    bits = 128 if f.Q else 64
    la = _lanes(e, e.rv(f.Rn, bits), n, bits)
    if op in (0b1100, 0b1101):                          # SQDMULH, SQRDMULH
        res = [_doubling_mulh(e, a, b, n, op == 0b1101) for a in la]
        _set_qc(e, [s for _, s in res])
        _write(e, f.Rd, [r for r, _ in res], n, bits)
        return
    prods = [e.mul(a, b, n) for a in la]               # MUL, MLA, MLS: modulo 2^esize
    if op != 0b1000:
        ld = _lanes(e, e.rv(f.Rd, bits), n, bits)
        prods = [(e.add if op == 0 else e.sub)(d, p, n) for d, p in zip(ld, prods)]
    _write(e, f.Rd, prods, n, bits)


@semantics("simd_int_elem_s")
def simd_int_elem_s(e, f):
    """Scalar SQDMULL, SQDMLAL, SQDMLSL, SQDMULH, SQRDMULH by element."""
    e.check_fp()
    n, b = _element(e, f)
    op = f.opcode
    a = e.rv(f.Rn, n)
    if op in _LONG:
        out, w = _long(e, f, n, b, [a], _LONG[op], 0)
        e.wv(f.Rd, out[0], w)
        return
    r, sat = _doubling_mulh(e, a, b, n, op == 0b1101)
    _set_qc(e, [sat])
    e.wv(f.Rd, r, n)
