"""Advanced SIMD integer arithmetic (ARM ARM C3.6; encoding index C4.1.92):
the integer instructions of the classes three same, two-register
miscellaneous, across lanes, shift by immediate and three different, their
scalar forms, and TBL/TBX.

Every semantic function calls ``e.check_fp()`` (CheckFPAdvSIMDEnabled64)
first.  Elements are computed lane by lane with the emitter's scalar
operations, following the ARM pseudocode (``aarch64/instrs/vector/...``; the
names are those of the Sail translation, rems-project/sail-arm): where the
pseudocode computes on unbounded integers, a lane is widened to ``2 * esize``
bits, which holds every intermediate value (for 64-bit elements that is
128 bits).  Saturation (SatQ, SignedSatQ, UnsignedSatQ) sets FPSR.QC
(bit 27): the saturation bits of all lanes are ORed and written once.

Vector values are 128-bit (or 64-bit when Q = 0) integers, element i of
size esize at bits [i*esize + esize - 1 : i*esize] (Elem[]); scalar forms
are the one-element case (datasize = esize).  Vpart(d, 1) = x writes the
upper 64 bits of V[d] and keeps the lower (the "2" forms); Vpart(d, 0)
clears the upper half.

The rows share semantic functions made by the ``_*_rows`` factories below,
one per row name; the row (its fixed opcode bits) selects the operation.
"""
from __future__ import annotations

from . import semantics
from .fpsimd import _elem, _assemble
from ..fields import ones, replicate

QC_BIT = 27
M64 = ones(64)


# ---- helpers ------------------------------------------------------------------------

def _lanes(e, v, esize, bits):
    return [_elem(e, v, i, esize, bits) for i in range(bits // esize)]


def _ext(e, x, frm, to, unsigned):
    """Int(x, unsigned) as a ``to``-bit two's complement value."""
    return e.zext(x, frm, to) if unsigned else e.sext(x, frm, to)


def _satq(e, x, w, esize, src_unsigned, dst_unsigned):
    """SatQ(i, esize, dst_unsigned) of the integer i held in the ``w``-bit
    value x (two's complement unless ``src_unsigned``): (result, sat)."""
    low = e.trunc(x, w, esize)
    if dst_unsigned:
        umax = ones(esize)
        if src_unsigned:
            hi = e.cmp("ugt", x, umax, w)
            return e.select(hi, umax, low, esize), hi
        hi = e.cmp("sgt", x, umax, w)
        lo = e.cmp("slt", x, 0, w)
        return e.select(hi, umax, e.select(lo, 0, low, esize), esize), e.or_(hi, lo, 1)
    smax = (1 << (esize - 1)) - 1
    if src_unsigned:
        hi = e.cmp("ugt", x, smax, w)
        return e.select(hi, smax, low, esize), hi
    hi = e.cmp("sgt", x, smax, w)
    lo = e.cmp("slt", x, ones(w) ^ smax, w)           # x < -2^(esize-1)
    return e.select(hi, smax, e.select(lo, smax + 1, low, esize), esize), e.or_(hi, lo, 1)


def _set_qc(e, sats):
    """if sat then FPSR.QC = '1' (any lane)."""
    if not sats:
        return
    acc = 0
    for s in sats:
        acc = e.or_(acc, s, 1)
    e.fpsr_or(e.shl(e.zext(acc, 1, 32), QC_BIT, 32))


def _mask_if(e, c, esize):
    """Ones(esize) if c else Zeros(esize) (the compare results)."""
    return e.select(c, ones(esize), 0, esize)


def _write(e, d, out, esize, bits):
    e.wv(d, _assemble(e, out, esize, bits), bits)


def _write_part(e, d, value, part):
    """Vpart[d, part] = value (64 bits)."""
    if part:
        low = e.and_(e.rv(d), M64, 128)
        e.wv(d, e.or_(low, e.shl(e.zext(value, 64, 128), 64, 128), 128))
    else:
        e.wv(d, value, 64)


def _shape(f, scalar, esize=None):
    """(esize, datasize) of the vector (Q) or scalar form."""
    esize = esize or 8 << f.size
    return esize, esize if scalar else (128 if f.Q else 64)


def _collect(results):
    """Split lane results (value or (value, sat)) into values and sat bits."""
    out, sats = [], []
    for r in results:
        if isinstance(r, tuple):
            out.append(r[0])
            sats.append(r[1])
        else:
            out.append(r)
    return out, sats


def _abs_diff(e, a, b, n, unsigned):
    gt = e.cmp("ugt" if unsigned else "sgt", a, b, n)
    return e.select(gt, e.sub(a, b, n), e.sub(b, a, n), n)


def _shift_reg(e, a, b, n, unsigned, rounding, saturating):
    """One element of SSHL/USHL/SRSHL/URSHL/SQSHL/UQSHL/SQRSHL/UQRSHL
    (vector_arithmetic_binary_uniform_shift_sisd): shift = SInt(element2<7:0>);
    round_const = 1 << (-shift - 1) when rounding; element =
    (Int(element1, unsigned) + round_const) << shift (a right shift when
    shift < 0).  Computed in 2n bits with the left amount clamped to n and
    the right amount to n + 1, which changes no result."""
    w = 2 * n
    x = _ext(e, a, n, w, unsigned)
    s = e.sext(e.trunc(b, n, 8), 8, w)
    neg = e.cmp("slt", s, 0, w)
    left = e.select(neg, 0, e.select(e.cmp("sgt", s, n, w), n, s, w), w)
    ns = e.sub(0, s, w)
    right = e.select(neg, e.select(e.cmp("ugt", ns, n + 1, w), n + 1, ns, w), 0, w)
    if rounding:
        rc = e.lshr(e.shl(1, right, w), 1, w)          # 2^(right-1), 0 for right = 0
        r = e.ashr(e.add(x, rc, w), right, w)
    else:
        r = e.ashr(x, right, w)
    v = e.select(neg, r, e.shl(x, left, w), w)
    if saturating:
        # unsigned: 0 <= v < 2^(2n); signed: -2^(2n-1) <= v < 2^(2n-1)
        return _satq(e, v, w, n, unsigned, unsigned)
    return e.trunc(v, w, n)


def _doubling_mulh(e, a, b, n, rounding):
    """SQDMULH/SQRDMULH (vector_arithmetic_binary_uniform_mul_int_doubling_sisd):
    SignedSatQ((2 * SInt(a) * SInt(b) + round_const) >> esize); only
    MIN * MIN saturates (2 * MIN * MIN is the one product 2n bits do not hold)."""
    w = 2 * n
    p = e.shl(e.mul(e.sext(a, n, w), e.sext(b, n, w), w), 1, w)
    if rounding:
        p = e.add(p, 1 << (n - 1), w)
    r = e.trunc(e.ashr(p, n, w), w, n)
    mn = 1 << (n - 1)
    sat = e.and_(e.cmp("eq", a, mn, n), e.cmp("eq", b, mn, n), 1)
    return e.select(sat, mn - 1, r, n), sat


def _pmul(e, a, b, bits):
    """PMUL (vector_arithmetic_binary_uniform_mul_int_product, poly): the low
    byte of PolynomialMult of every byte pair, all bytes at once:
    XOR over i of (b << i, within the byte) where bit i of a's byte is set."""
    acc = 0
    for i in range(8):
        m = e.and_(e.lshr(a, i, bits) if i else a, replicate(1, 8, bits), bits)
        mask = e.mul(m, 0xFF, bits)                    # 0xFF in every byte whose bit i is set
        t = e.and_(e.shl(b, i, bits) if i else b, replicate((0xFF << i) & 0xFF, 8, bits), bits)
        acc = e.xor(acc, e.and_(t, mask, bits), bits)
    return acc


# ---- three same (C4.1.92 "Advanced SIMD three same", "... scalar three same") ----------
# Each operation: op(e, n, U, a, b[, d]) -> element or (element, sat).

def _op_hadd(e, n, U, a, b):                # SHADD/UHADD: (Int(a) + Int(b)) >> 1
    w = 2 * n
    return e.trunc(e.lshr(e.add(_ext(e, a, n, w, U), _ext(e, b, n, w, U), w), 1, w), w, n)


def _op_rhadd(e, n, U, a, b):               # SRHADD/URHADD: (Int(a) + Int(b) + 1) >> 1
    w = 2 * n
    s = e.add(e.add(_ext(e, a, n, w, U), _ext(e, b, n, w, U), w), 1, w)
    return e.trunc(e.lshr(s, 1, w), w, n)


def _op_hsub(e, n, U, a, b):                # SHSUB/UHSUB: (Int(a) - Int(b)) >> 1
    w = 2 * n
    return e.trunc(e.lshr(e.sub(_ext(e, a, n, w, U), _ext(e, b, n, w, U), w), 1, w), w, n)


def _op_qadd(e, n, U, a, b):                # SQADD/UQADD: SatQ(Int(a) + Int(b))
    w = 2 * n
    return _satq(e, e.add(_ext(e, a, n, w, U), _ext(e, b, n, w, U), w), w, n, False, U)


def _op_qsub(e, n, U, a, b):                # SQSUB/UQSUB: SatQ(Int(a) - Int(b))
    w = 2 * n
    return _satq(e, e.sub(_ext(e, a, n, w, U), _ext(e, b, n, w, U), w), w, n, False, U)


def _op_cmgt(e, n, U, a, b):                # CMGT/CMHI
    return _mask_if(e, e.cmp("ugt" if U else "sgt", a, b, n), n)


def _op_cmge(e, n, U, a, b):                # CMGE/CMHS
    return _mask_if(e, e.cmp("uge" if U else "sge", a, b, n), n)


def _op_shl_reg(e, n, U, a, b):
    return _shift_reg(e, a, b, n, U, False, False)


def _op_qshl_reg(e, n, U, a, b):
    return _shift_reg(e, a, b, n, U, False, True)


def _op_rshl_reg(e, n, U, a, b):
    return _shift_reg(e, a, b, n, U, True, False)


def _op_qrshl_reg(e, n, U, a, b):
    return _shift_reg(e, a, b, n, U, True, True)


def _op_max(e, n, U, a, b):                 # SMAX/UMAX
    return e.select(e.cmp("uge" if U else "sge", a, b, n), a, b, n)


def _op_min(e, n, U, a, b):                 # SMIN/UMIN
    return e.select(e.cmp("ule" if U else "sle", a, b, n), a, b, n)


def _op_abd(e, n, U, a, b):                 # SABD/UABD: Abs(Int(a) - Int(b))<n-1:0>
    return _abs_diff(e, a, b, n, U)


def _op_aba(e, n, U, a, b, d):              # SABA/UABA: d + absdiff
    return e.add(d, _abs_diff(e, a, b, n, U), n)


def _op_addsub(e, n, U, a, b):              # ADD (U = 0) / SUB (U = 1)
    return e.sub(a, b, n) if U else e.add(a, b, n)


def _op_cmtst(e, n, U, a, b):               # CMTST: (a AND b) != 0; CMEQ: a == b
    if U:
        return _mask_if(e, e.cmp("eq", a, b, n), n)
    return _mask_if(e, e.cmp("ne", e.and_(a, b, n), 0, n), n)


def _op_mla(e, n, U, a, b, d):              # MLA / MLS (vector_arithmetic_binary_uniform_mul_int_accum)
    p = e.mul(a, b, n)
    return e.sub(d, p, n) if U else e.add(d, p, n)


def _op_mul(e, n, U, a, b):                 # MUL (PMUL is whole-vector: see _three_same)
    return e.mul(a, b, n)


def _op_qdmulh(e, n, U, a, b):              # SQDMULH / SQRDMULH (U = rounding)
    return _doubling_mulh(e, a, b, n, U)


def _three_same(e, f, scalar, op, acc):
    e.check_fp()
    n, bits = _shape(f, scalar)
    vn, vm = e.rv(f.Rn, bits), e.rv(f.Rm, bits)
    if op is _op_mul and f.U:                   # PMUL: 8-bit elements only
        e.wv(f.Rd, _pmul(e, vn, vm, bits), bits)
        return
    vop = _VEC_THREE.get(op)
    if vop is not None:                         # the same lanes as op, as one vector operation
        if op is _op_mla:                       # MLA/MLS: V[d] +- V[n] * V[m]
            r = e.vec(vop[f.U], n, bits, e.rv(f.Rd, bits), e.vec("mul", n, bits, vn, vm))
        else:
            r = e.vec(vop[f.U], n, bits, vn, vm)
        e.wv(f.Rd, r, bits)
        return
    la, lb = _lanes(e, vn, n, bits), _lanes(e, vm, n, bits)
    if acc:
        ld = _lanes(e, e.rv(f.Rd, bits), n, bits)
        res = [op(e, n, f.U, a, b, d) for a, b, d in zip(la, lb, ld)]
    else:
        res = [op(e, n, f.U, a, b) for a, b in zip(la, lb)]
    out, sats = _collect(res)
    _set_qc(e, sats)
    _write(e, f.Rd, out, n, bits)


# element-wise operations that are plain lane-wise integer operations (e.vec), by U
_VEC_THREE = {_op_addsub: ("add", "sub"), _op_cmgt: ("sgt", "ugt"), _op_cmge: ("sge", "uge"),
              _op_cmtst: ("tst", "eq"), _op_max: ("smax", "umax"), _op_min: ("smin", "umin"),
              _op_mul: ("mul", None), _op_mla: ("add", "sub")}     # MLA/MLS: the accumulation


def _rows(name, fn, scalar=True):
    """Register ``fn(e, f, scalar)`` as row ``name`` (vector) and, with
    ``scalar``, as row ``name + "_s"`` (its scalar form)."""
    semantics(name)(lambda e, f: fn(e, f, False))
    if scalar:
        semantics(name + "_s")(lambda e, f: fn(e, f, True))


def _three_same_rows(name, op, scalar=True, acc=False):
    _rows(name, lambda e, f, s: _three_same(e, f, s, op, acc), scalar)


_three_same_rows("simd_hadd", _op_hadd, scalar=False)
_three_same_rows("simd_qadd", _op_qadd)
_three_same_rows("simd_rhadd", _op_rhadd, scalar=False)
_three_same_rows("simd_hsub", _op_hsub, scalar=False)
_three_same_rows("simd_qsub", _op_qsub)
_three_same_rows("simd_cmgt", _op_cmgt)
_three_same_rows("simd_cmge", _op_cmge)
_three_same_rows("simd_shl_reg", _op_shl_reg)
_three_same_rows("simd_qshl_reg", _op_qshl_reg)
_three_same_rows("simd_rshl_reg", _op_rshl_reg)
_three_same_rows("simd_qrshl_reg", _op_qrshl_reg)
_three_same_rows("simd_max", _op_max, scalar=False)
_three_same_rows("simd_min", _op_min, scalar=False)
_three_same_rows("simd_abd", _op_abd, scalar=False)
_three_same_rows("simd_aba", _op_aba, scalar=False, acc=True)
_three_same_rows("simd_addsub", _op_addsub)
_three_same_rows("simd_cmtst", _op_cmtst)
_three_same_rows("simd_mla", _op_mla, scalar=False, acc=True)
_three_same_rows("simd_mul", _op_mul, scalar=False)
_three_same_rows("simd_qdmulh", _op_qdmulh)


def _pairwise(e, f, op):
    """SMAXP/UMAXP/SMINP/UMINP/ADDP (vector): element e of the result is
    op(Elem[concat, 2e], Elem[concat, 2e+1]), concat = operand2:operand1."""
    e.check_fp()
    n, bits = _shape(f, False)
    c = _lanes(e, e.rv(f.Rn, bits), n, bits) + _lanes(e, e.rv(f.Rm, bits), n, bits)
    out = [op(e, n, f.U, c[2 * i], c[2 * i + 1]) for i in range(bits // n)]
    _write(e, f.Rd, out, n, bits)


semantics("simd_maxp")(lambda e, f: _pairwise(e, f, _op_max))
semantics("simd_minp")(lambda e, f: _pairwise(e, f, _op_min))
semantics("simd_addp")(lambda e, f: _pairwise(e, f, lambda e, n, U, a, b: e.add(a, b, n)))


@semantics("simd_addp_s")
def simd_addp_s(e, f):
    """ADDP (scalar): Dd = the sum of the two 64-bit elements of Vn."""
    e.check_fp()
    x = e.rv(f.Rn)
    e.wv(f.Rd, e.add(_elem(e, x, 0, 64, 128), _elem(e, x, 1, 64, 128), 64), 64)


# ---- two-register miscellaneous (C4.1.92 "Advanced SIMD two-register miscellaneous",
# "... scalar two-register miscellaneous") --------------------------------------------

def _unary(e, f, scalar, op, acc=False):
    """Element-wise one-source operations: op(e, n, U, x[, d])."""
    e.check_fp()
    n, bits = _shape(f, scalar)
    vop = _VEC_UNARY.get(op)
    if vop is not None:                         # compares with zero, ABS, NEG: one vector operation
        e.wv(f.Rd, e.vec(vop[f.U], n, bits, e.rv(f.Rn, bits), 0), bits)
        return
    lx = _lanes(e, e.rv(f.Rn, bits), n, bits)
    if acc:
        ld = _lanes(e, e.rv(f.Rd, bits), n, bits)
        res = [op(e, n, f.U, x, d) for x, d in zip(lx, ld)]
    else:
        res = [op(e, n, f.U, x) for x in lx]
    out, sats = _collect(res)
    _set_qc(e, sats)
    _write(e, f.Rd, out, n, bits)


def _op_sqadd_acc(e, n, U, x, d):
    """SUQADD (U = 0) / USQADD (U = 1) (vector_arithmetic_unary_add_saturating_sisd):
    SatQ(Int(V[n], !unsigned) + Int(V[d], unsigned), unsigned)."""
    w = 2 * n
    s = e.add(_ext(e, x, n, w, not U), _ext(e, d, n, w, U), w)
    return _satq(e, s, w, n, False, U)


def _op_clsz(e, n, U, x):
    """CLS (U = 0): CountLeadingSignBits(x) = CLZ(x EOR (x ASR 1)) - 1; CLZ (U = 1)."""
    if U:
        return e.clz(x, n)
    return e.sub(e.clz(e.xor(x, e.ashr(x, 1, n), n), n), 1, n)


def _op_qabsneg(e, n, U, x):
    """SQABS (U = 0) / SQNEG (U = 1): SignedSatQ(Abs/-SInt(x)); only MIN saturates."""
    mn = 1 << (n - 1)
    neg = e.sub(0, x, n)
    r = neg if U else e.select(e.cmp("slt", x, 0, n), neg, x, n)
    sat = e.cmp("eq", x, mn, n)
    return e.select(sat, mn - 1, r, n), sat


def _op_cmgt_zero(e, n, U, x):              # CMGT (zero) (U = 0) / CMGE (zero) (U = 1)
    return _mask_if(e, e.cmp("sge" if U else "sgt", x, 0, n), n)


def _op_cmeq_zero(e, n, U, x):              # CMEQ (zero) (U = 0) / CMLE (zero) (U = 1)
    return _mask_if(e, e.cmp("sle" if U else "eq", x, 0, n), n)


def _op_cmlt_zero(e, n, U, x):              # CMLT (zero)
    return _mask_if(e, e.cmp("slt", x, 0, n), n)


def _op_absneg(e, n, U, x):                 # ABS (U = 0) / NEG (U = 1), modulo 2^esize
    neg = e.sub(0, x, n)
    return neg if U else e.select(e.cmp("slt", x, 0, n), neg, x, n)


_VEC_UNARY = {_op_cmgt_zero: ("sgt", "sge"), _op_cmeq_zero: ("eq", "sle"), _op_cmlt_zero: ("slt", None),
              _op_absneg: ("abs", "neg")}


def _unary_rows(name, op, scalar=True, acc=False):
    _rows(name, lambda e, f, s: _unary(e, f, s, op, acc), scalar)


_unary_rows("simd_suqadd", _op_sqadd_acc, acc=True)
_unary_rows("simd_clsz", _op_clsz, scalar=False)
_unary_rows("simd_qabsneg", _op_qabsneg)
_unary_rows("simd_cmgt_zero", _op_cmgt_zero)
_unary_rows("simd_cmeq_zero", _op_cmeq_zero)
_unary_rows("simd_cmlt_zero", _op_cmlt_zero)
_unary_rows("simd_absneg", _op_absneg)


@semantics("simd_rev")
def simd_rev(e, f):
    """REV64 (o0:U = 00), REV32 (01), REV16 (10) (vector_arithmetic_unary_rev):
    reverse the elements within each container of 64 >> op bits."""
    e.check_fp()
    n, bits = _shape(f, False)
    per = (64 >> (f.o0 << 1 | f.U)) // n                # elements per container
    lx = _lanes(e, e.rv(f.Rn, bits), n, bits)
    out = [lx[(i // per) * per + per - 1 - i % per] for i in range(len(lx))]
    _write(e, f.Rd, out, n, bits)


def _addlp(e, f, acc):
    """SADDLP/UADDLP, SADALP/UADALP (vector_arithmetic_unary_add_pairwise):
    Elem[result, e, 2*esize] = Int(Elem[op, 2e]) + Int(Elem[op, 2e+1]) (+ Elem[V[d], e])."""
    e.check_fp()
    n, bits = _shape(f, False)
    w = 2 * n
    lx = _lanes(e, e.rv(f.Rn, bits), n, bits)
    ld = _lanes(e, e.rv(f.Rd, bits), w, bits) if acc else None
    out = []
    for i in range(len(lx) // 2):
        s = e.add(_ext(e, lx[2 * i], n, w, f.U), _ext(e, lx[2 * i + 1], n, w, f.U), w)
        out.append(e.add(ld[i], s, w) if acc else s)
    _write(e, f.Rd, out, w, bits)


semantics("simd_addlp")(lambda e, f: _addlp(e, f, False))
semantics("simd_adalp")(lambda e, f: _addlp(e, f, True))


@semantics("simd_cnt_not")
def simd_cnt_not(e, f):
    """CNT (U = 0; BitCount of each byte), NOT (U = 1, size 00), RBIT (U = 1,
    size 01; each byte reversed) (vector_arithmetic_unary_cnt / _not / _rbit),
    on the whole vector at once."""
    e.check_fp()
    bits = 128 if f.Q else 64
    x = e.rv(f.Rn, bits)
    if f.U and f.size == 0:
        r = e.not_(x, bits)
    elif f.U:
        r = e.bswap(e.rbit(x, bits), bits)             # bit order reversed inside each byte
    else:
        # per-byte population count (SWAR)
        r = e.sub(x, e.and_(e.lshr(x, 1, bits), replicate(0x55, 8, bits), bits), bits)
        r = e.add(e.and_(r, replicate(0x33, 8, bits), bits),
                  e.and_(e.lshr(r, 2, bits), replicate(0x33, 8, bits), bits), bits)
        r = e.and_(e.add(r, e.lshr(r, 4, bits), bits), replicate(0x0F, 8, bits), bits)
    e.wv(f.Rd, r, bits)


def _narrow(e, f, scalar, conv):
    """XTN/SQXTN/UQXTN/SQXTUN (vector_arithmetic_unary_extract_*): element e
    of the result (esize bits) from Elem[V[n], e, 2*esize]; Vpart[d, part] = result."""
    e.check_fp()
    n = 8 << f.size
    bits = n if scalar else 64
    part = 0 if scalar else f.Q
    src = e.rv(f.Rn, 2 * bits)
    res = [conv(e, n, f.U, x) for x in _lanes(e, src, 2 * n, 2 * bits)]
    out, sats = _collect(res)
    _set_qc(e, sats)
    r = _assemble(e, out, n, bits)
    if scalar:
        e.wv(f.Rd, r, bits)
    else:
        _write_part(e, f.Rd, r, part)


def _conv_xtn(e, n, U, x):
    """XTN (U = 0): the low half; SQXTUN (U = 1): UnsignedSatQ(SInt(x))."""
    if U:
        return _satq(e, x, 2 * n, n, False, True)
    return e.trunc(x, 2 * n, n)


def _conv_qxtn(e, n, U, x):                 # SQXTN (U = 0) / UQXTN (U = 1): SatQ(Int(x, unsigned))
    return _satq(e, x, 2 * n, n, U, U)


semantics("simd_xtn")(lambda e, f: _narrow(e, f, False, _conv_xtn))
semantics("simd_sqxtun_s")(lambda e, f: _narrow(e, f, True, _conv_xtn))
semantics("simd_qxtn")(lambda e, f: _narrow(e, f, False, _conv_qxtn))
semantics("simd_qxtn_s")(lambda e, f: _narrow(e, f, True, _conv_qxtn))


@semantics("simd_shll")
def simd_shll(e, f):
    """SHLL, SHLL2: shift = esize."""
    e.check_fp()
    n = 8 << f.size
    _long_shift(e, f, n, n, True)


def _long_shift(e, f, n, shift, unsigned):
    w = 2 * n
    src = e.rv(f.Rn) if f.Q else e.rv(f.Rn, 64)
    if f.Q:
        src = e.trunc(e.lshr(src, 64, 128), 128, 64)   # Vpart[n, 1]
    out = []
    for x in _lanes(e, src, n, 64):
        v = _ext(e, x, n, w, unsigned)
        out.append(e.shl(v, shift, w) if shift else v)
    _write(e, f.Rd, out, w, 128)


# ---- across lanes (C4.1.92 "Advanced SIMD across lanes") ------------------------------------

def _across(e, f, op, long):
    e.check_fp()
    n, bits = _shape(f, False)
    lx = _lanes(e, e.rv(f.Rn, bits), n, bits)
    if long:                                            # SADDLV/UADDLV: 2*esize-bit sum
        w = 2 * n
        acc = _ext(e, lx[0], n, w, f.U)
        for x in lx[1:]:
            acc = e.add(acc, _ext(e, x, n, w, f.U), w)
        e.wv(f.Rd, acc, w)
        return
    acc = lx[0]
    for x in lx[1:]:
        acc = op(e, n, f.U, acc, x)
    e.wv(f.Rd, acc, n)


semantics("simd_addlv")(lambda e, f: _across(e, f, None, True))
semantics("simd_maxv")(lambda e, f: _across(e, f, _op_max, False))
semantics("simd_minv")(lambda e, f: _across(e, f, _op_min, False))
semantics("simd_addv")(lambda e, f: _across(e, f, lambda e, n, U, a, b: e.add(a, b, n), False))


# ---- shift by immediate (C4.1.92 "Advanced SIMD shift by immediate", "... scalar shift by
# immediate") -------------------------------------------------------------------------------
# esize = 8 << HighestSetBit(immh); right shifts: shift = 2 * esize - UInt(immh:immb)
# (1..esize), left shifts: shift = UInt(immh:immb) - esize (0..esize-1).

def _imm_shape(f, scalar):
    n = 8 << (f.immh.bit_length() - 1)
    imm = f.immh << 3 | f.immb
    return n, (n if scalar else (128 if f.Q else 64)), 2 * n - imm, imm - n


def _shr_elem(e, x, n, shift, unsigned, rounding):
    """(Int(x, unsigned) + round_const) >> shift, low n bits (shift 1..n):
    the rounded value is (x >> shift) + x<shift-1>."""
    if shift == n:
        q = 0 if unsigned else e.ashr(x, n - 1, n)
    else:
        q = e.lshr(x, shift, n) if unsigned else e.ashr(x, shift, n)
    if rounding:
        q = e.add(q, e.and_(e.lshr(x, shift - 1, n), 1, n), n)
    return q


def _shift_right(e, f, scalar, rounding, accumulate):
    """SSHR USHR SRSHR URSHR SSRA USRA SRSRA URSRA (vector_shift_right_sisd)."""
    e.check_fp()
    n, bits, shift, _ = _imm_shape(f, scalar)
    if not rounding:                            # SSHR/USHR/SSRA/USRA: one vector shift
        x = e.rv(f.Rn, bits)
        if shift < n:
            r = e.vec("lshr" if f.U else "ashr", n, bits, x, shift)
        else:                                   # by esize: zero, or the sign
            r = 0 if f.U else e.vec("ashr", n, bits, x, n - 1)
        if accumulate:
            r = e.vec("add", n, bits, e.rv(f.Rd, bits), r)
        e.wv(f.Rd, r, bits)
        return
    lx = _lanes(e, e.rv(f.Rn, bits), n, bits)
    out = [_shr_elem(e, x, n, shift, f.U, rounding) for x in lx]
    if accumulate:
        ld = _lanes(e, e.rv(f.Rd, bits), n, bits)
        out = [e.add(d, r, n) for d, r in zip(ld, out)]
    _write(e, f.Rd, out, n, bits)




_rows("simd_shr", lambda e, f, s: _shift_right(e, f, s, False, False))
_rows("simd_sra", lambda e, f, s: _shift_right(e, f, s, False, True))
_rows("simd_rshr", lambda e, f, s: _shift_right(e, f, s, True, False))
_rows("simd_rsra", lambda e, f, s: _shift_right(e, f, s, True, True))


def _sri(e, f, scalar):
    """SRI (vector_shift_rightinsert_sisd): (V[d] AND NOT(LSR(Ones, shift))) OR LSR(x, shift)."""
    e.check_fp()
    n, bits, shift, _ = _imm_shape(f, scalar)
    mask = ones(n) >> shift
    lx = _lanes(e, e.rv(f.Rn, bits), n, bits)
    ld = _lanes(e, e.rv(f.Rd, bits), n, bits)
    out = [e.or_(e.and_(d, ones(n) ^ mask, n), e.lshr(x, shift, n) if shift < n else 0, n)
           for x, d in zip(lx, ld)]
    _write(e, f.Rd, out, n, bits)


def _shl_sli(e, f, scalar):
    """SHL (U = 0; vector_shift_left_sisd), SLI (U = 1; vector_shift_leftinsert_sisd:
    (V[d] AND NOT(LSL(Ones, shift))) OR LSL(x, shift))."""
    e.check_fp()
    n, bits, _, shift = _imm_shape(f, scalar)
    if not f.U:                                 # SHL: one vector shift
        e.wv(f.Rd, e.vec("shl", n, bits, e.rv(f.Rn, bits), shift), bits)
        return
    lx = _lanes(e, e.rv(f.Rn, bits), n, bits)
    out = [e.shl(x, shift, n) for x in lx]
    if f.U:
        keep = ones(n) ^ ((ones(n) << shift) & ones(n))
        ld = _lanes(e, e.rv(f.Rd, bits), n, bits)
        out = [e.or_(e.and_(d, keep, n), r, n) for d, r in zip(ld, out)]
    _write(e, f.Rd, out, n, bits)


def _qshl_imm(e, f, scalar, src_unsigned, dst_unsigned):
    """SQSHL UQSHL SQSHLU (immediate) (vector_shift_leftsat_sisd):
    SatQ(Int(x, src_unsigned) << shift, esize, dst_unsigned)."""
    e.check_fp()
    n, bits, _, shift = _imm_shape(f, scalar)
    w = 2 * n
    res = [_satq(e, e.shl(_ext(e, x, n, w, src_unsigned), shift, w), w, n, src_unsigned, dst_unsigned)
           for x in _lanes(e, e.rv(f.Rn, bits), n, bits)]
    out, sats = _collect(res)
    _set_qc(e, sats)
    _write(e, f.Rd, out, n, bits)


_rows("simd_sri", _sri)
_rows("simd_shl_imm", _shl_sli)
_rows("simd_sqshlu", lambda e, f, s: _qshl_imm(e, f, s, False, True))
_rows("simd_qshl_imm", lambda e, f, s: _qshl_imm(e, f, s, f.U, f.U))


def _shift_narrow(e, f, scalar, rounding, kind):
    """Right shift and narrow: element e (esize bits) from Elem[V[n], e, 2*esize];
    Vpart[d, part] = result.  kind "logical": SHRN/RSHRN (UInt, the low bits;
    vector_shift_rightnarrow_logical); "uniform": SQSHRN/UQSHRN/SQRSHRN/UQRSHRN
    (SatQ(Int(x, unsigned) ...); ..._uniform_sisd); "sqshrun": SQSHRUN/SQRSHRUN
    (UnsignedSatQ(SInt(x) ...); ..._nonuniform_sisd)."""
    e.check_fp()
    n = 8 << (f.immh.bit_length() - 1)
    shift = 2 * n - (f.immh << 3 | f.immb)
    w = 2 * n
    bits = n if scalar else 64
    src = e.rv(f.Rn, 2 * bits)
    if kind == "logical":
        unsigned, dst_unsigned = True, None
    elif kind == "uniform":
        unsigned = dst_unsigned = bool(f.U)
    else:
        unsigned, dst_unsigned = False, True
    res = []
    for x in _lanes(e, src, w, 2 * bits):
        v = _shr_elem(e, x, w, shift, unsigned, rounding)     # fits in 2*esize bits (shift >= 1)
        res.append(e.trunc(v, w, n) if dst_unsigned is None else _satq(e, v, w, n, unsigned, dst_unsigned))
    out, sats = _collect(res)
    _set_qc(e, sats)
    r = _assemble(e, out, n, bits)
    if scalar:
        e.wv(f.Rd, r, bits)
    else:
        _write_part(e, f.Rd, r, f.Q)


def _narrow_rows(name, rounding, scalar_name):
    """SHRN/RSHRN (U = 0) and SQSHRUN/SQRSHRUN (U = 1) share an opcode."""
    semantics(name)(lambda e, f: _shift_narrow(e, f, False, rounding, "sqshrun" if f.U else "logical"))
    semantics(scalar_name)(lambda e, f: _shift_narrow(e, f, True, rounding, "sqshrun"))


_narrow_rows("simd_shrn", False, "simd_sqshrun_s")
_narrow_rows("simd_rshrn", True, "simd_sqrshrun_s")
_rows("simd_qshrn", lambda e, f, s: _shift_narrow(e, f, s, False, "uniform"))
_rows("simd_qrshrn", lambda e, f, s: _shift_narrow(e, f, s, True, "uniform"))


@semantics("simd_shll_imm")
def simd_shll_imm(e, f):
    """SSHLL/USHLL (+2) (vector_shift_leftlong): shift = UInt(immh:immb) - esize."""
    e.check_fp()
    n = 8 << (f.immh.bit_length() - 1)
    _long_shift(e, f, n, (f.immh << 3 | f.immb) - n, f.U)


# ---- three different (C4.1.92 "Advanced SIMD three different", "... scalar three
# different") ---------------------------------------------------------------------------------
# The "2" forms (Q = 1) take their esize-bit operands from the upper halves
# (Vpart[n, 1]); wide (2*esize-bit) operands and results are whole registers.

def _upper_or_lower(e, n, part):
    """Vpart[n, part] (64 bits)."""
    if part:
        return e.trunc(e.lshr(e.rv(n), 64, 128), 128, 64)
    return e.rv(n, 64)


def _long_lanes(e, reg, n, f, scalar):
    if scalar:
        return [e.rv(reg, n)]
    return _lanes(e, _upper_or_lower(e, reg, f.Q), n, 64)


def _qdmull_elem(e, a, b, n):
    """SignedSatQ(2 * SInt(a) * SInt(b), 2 * esize): only MIN * MIN saturates."""
    w = 2 * n
    p = e.shl(e.mul(e.sext(a, n, w), e.sext(b, n, w), w), 1, w)
    mn = 1 << (n - 1)
    sat = e.and_(e.cmp("eq", a, mn, n), e.cmp("eq", b, mn, n), 1)
    return e.select(sat, ones(w) >> 1, p, w), sat


def _sat_accumulate(e, acc, p, w, sub):
    """SignedSatQ(SInt(acc) +- SInt(p), w) of w-bit values: (result, sat)
    (SQDMLAL/SQDMLSL: on overflow the true sign is the accumulator's)."""
    sum_, _, _, _, v = e.add_with_carry(acc, e.not_(p, w), 1, w) if sub else e.add_with_carry(acc, p, 0, w)
    big = e.select(e.cmp("slt", acc, 0, w), 1 << (w - 1), ones(w) >> 1, w)
    return e.select(v, big, sum_, w), v


def _long_lane(e, kind, a, b, acc, n, u, sats):
    """One 2n-bit lane of a long operation on n-bit elements a and b (and the
    accumulator lane ``acc`` for the accumulating kinds); saturation bits are
    appended to ``sats``."""
    w = 2 * n
    if kind in ("addl", "subl"):
        x, y = _ext(e, a, n, w, u), _ext(e, b, n, w, u)
        return e.add(x, y, w) if kind == "addl" else e.sub(x, y, w)
    if kind in ("abal", "abdl"):                       # Abs(Int(a) - Int(b)) < 2^esize
        r = e.zext(_abs_diff(e, a, b, n, u), n, w)
        return e.add(acc, r, w) if kind == "abal" else r
    if kind in ("mlal", "mlsl", "mull"):
        r = e.mul(_ext(e, a, n, w, u), _ext(e, b, n, w, u), w)
        return e.add(acc, r, w) if kind == "mlal" else e.sub(acc, r, w) if kind == "mlsl" else r
    p, s1 = _qdmull_elem(e, a, b, n)                   # SQDMULL, SQDMLAL, SQDMLSL
    sats.append(s1)
    if kind == "qdmull":
        return p
    r, v = _sat_accumulate(e, acc, p, w, kind == "qdmlsl")
    sats.append(v)
    return r


ACCUMULATING = ("abal", "mlal", "mlsl", "qdmlal", "qdmlsl")


def _three_long(e, f, scalar, kind):
    """Long operations: 2*esize-bit results from esize-bit elements
    (vector_arithmetic_binary_disparate_addsub_long / _diff / _mul_accum /
    _mul_product / _mul_double_sisd / _mul_dmacc_sisd)."""
    e.check_fp()
    n = 8 << f.size
    w = 2 * n
    la, lb = _long_lanes(e, f.Rn, n, f, scalar), _long_lanes(e, f.Rm, n, f, scalar)
    bits = w * len(la)
    ld = _lanes(e, e.rv(f.Rd, bits), w, bits) if kind in ACCUMULATING else [None] * len(la)
    sats = []
    out = [_long_lane(e, kind, a, b, d, n, f.U, sats) for a, b, d in zip(la, lb, ld)]
    _set_qc(e, sats)
    _write(e, f.Rd, out, w, bits)


def _three_wide(e, f, sub):
    """SADDW/UADDW/SSUBW/USUBW (vector_arithmetic_binary_disparate_addsub_wide):
    Elem[V[n], e, 2*esize] +- Int(Elem[Vpart[m, part], e, esize])."""
    e.check_fp()
    n = 8 << f.size
    w = 2 * n
    la = _lanes(e, e.rv(f.Rn), w, 128)
    lb = _long_lanes(e, f.Rm, n, f, False)
    out = [(e.sub if sub else e.add)(a, _ext(e, b, n, w, f.U), w) for a, b in zip(la, lb)]
    _write(e, f.Rd, out, w, 128)


def _three_narrow(e, f, sub):
    """ADDHN/RADDHN/SUBHN/RSUBHN (vector_arithmetic_binary_disparate_addsub_narrow):
    ((a +- b) + round_const)<2*esize-1:esize>, round_const = 1 << (esize - 1)
    when U; Vpart[d, part] = result."""
    e.check_fp()
    n = 8 << f.size
    w = 2 * n
    out = []
    for a, b in zip(_lanes(e, e.rv(f.Rn), w, 128), _lanes(e, e.rv(f.Rm), w, 128)):
        r = e.sub(a, b, w) if sub else e.add(a, b, w)
        if f.U:
            r = e.add(r, 1 << (n - 1), w)
        out.append(e.trunc(e.lshr(r, n, w), w, n))
    _write_part(e, f.Rd, _assemble(e, out, n, 64), f.Q)


for _kind in ("addl", "subl", "abal", "abdl", "mlal", "mlsl", "mull", "qdmlal", "qdmlsl", "qdmull"):
    semantics("simd_" + _kind)(lambda e, f, k=_kind: _three_long(e, f, False, k))
for _kind in ("qdmlal", "qdmlsl", "qdmull"):
    semantics("simd_" + _kind + "_s")(lambda e, f, k=_kind: _three_long(e, f, True, k))
semantics("simd_addw")(lambda e, f: _three_wide(e, f, False))
semantics("simd_subw")(lambda e, f: _three_wide(e, f, True))
semantics("simd_addhn")(lambda e, f: _three_narrow(e, f, False))
semantics("simd_subhn")(lambda e, f: _three_narrow(e, f, True))


@semantics("simd_pmull")
def simd_pmull(e, f):
    """PMULL/PMULL2, 8-bit (vector_arithmetic_binary_disparate_mul_poly):
    Elem[result, e, 16] = PolynomialMult(Elem[op1, e, 8], Elem[op2, e, 8])."""
    e.check_fp()
    out = []
    for a, b in zip(_long_lanes(e, f.Rn, 8, f, False), _long_lanes(e, f.Rm, 8, f, False)):
        a16, b16 = e.zext(a, 8, 16), e.zext(b, 8, 16)
        acc = 0
        for i in range(8):
            bit = e.and_(e.lshr(a16, i, 16) if i else a16, 1, 16)
            term = e.shl(b16, i, 16) if i else b16
            acc = e.xor(acc, e.and_(term, e.sub(0, bit, 16), 16), 16)   # term if bit else 0
        out.append(acc)
    _write(e, f.Rd, out, 16, 128)


# ---- TBL/TBX (C4.1.92 "Advanced SIMD table lookup") ---------------------------------------------

@semantics("simd_tbl")
def simd_tbl(e, f):
    """TBL (op 0) / TBX (op 1) (vector_transfer_vector_table): table =
    V[n]..V[n+len] (modulo 32); Elem[result, i, 8] = Elem[table, index, 8] when
    index = UInt(Elem[V[m], i, 8]) < 16 * regs, else 0 (TBL) or Elem[V[d], i, 8] (TBX)."""
    e.check_fp()
    bits = 128 if f.Q else 64
    regs = f.len + 1
    table = [e.rv((f.Rn + k) % 32) for k in range(regs)]
    idx = _lanes(e, e.rv(f.Rm, bits), 8, bits)
    old = _lanes(e, e.rv(f.Rd, bits), 8, bits) if f.op else None
    out = []
    for i, x in enumerate(idx):
        pos = e.zext(e.shl(e.and_(x, 15, 8), 3, 8), 8, 128)     # (index MOD 16) * 8, < 128
        which = e.lshr(x, 4, 8)
        r = old[i] if f.op else 0
        for k in range(regs):
            byte = e.trunc(e.lshr(table[k], pos, 128), 128, 8)
            r = e.select(e.cmp("eq", which, k, 8), byte, r, 8)
        out.append(r)
    _write(e, f.Rd, out, 8, bits)
