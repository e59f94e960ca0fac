"""SIMD&FP register file and data movement (ARM ARM C3.5/C3.6; C4.1.88
loads/stores with V = 1, C4.1.90-C4.1.92 data processing): loads/stores of
B/H/S/D/Q registers, FMOV (general, register, scalar immediate), the
Advanced SIMD modified-immediate class (MOVI/MVNI/ORR/BIC/FMOV vector),
the copy class (DUP, INS, UMOV, SMOV), the vector logical operations, EXT
and the permutes (ZIP/UZP/TRN).

Every function calls ``e.check_fp()`` (CheckFPAdvSIMDEnabled64) after the
decode-time checks and before anything else: while FP/AdvSIMD is not enabled
(``Cpu.fp_enabled``) they are UNDEFINED.

Vector values are 128-bit (or 64-bit for a 64-bit arrangement) integers;
element i of size esize is bits [i*esize + esize - 1 : i*esize] (Elem[]).

CONSTRAINED UNPREDICTABLE choices, as QEMU/Unicorn:
- LDP (SIMD&FP) with Rt == Rt2: Rt2's element (the higher address) wins.
"""
from __future__ import annotations

from . import semantics
from .common import extend_reg
from .ldst import _base
from ...runtime.memory import ACC_NORMAL, ACC_STREAM
from ..fields import sext, ones, replicate

M64 = ones(64)


def lowest_set_bit(x: int) -> int:
    """LowestSetBit() (the field is not zero: the table's constraints say so)."""
    return (x & -x).bit_length() - 1


def _elem(e, v, index, esize, bits):
    """Elem[v, index, esize] of a ``bits``-wide value."""
    pos = index * esize
    if pos:
        v = e.lshr(v, pos, bits)
    return e.trunc(v, bits, esize) if esize != bits else v


def _assemble(e, elems, esize, bits):
    """The ``bits``-wide value whose element i is elems[i]."""
    acc = 0
    for i, x in enumerate(elems):
        x = e.zext(x, esize, bits)
        acc = e.or_(acc, e.shl(x, i * esize, bits) if i else x, bits)
    return acc


def _insert(e, v, index, esize, elem, bits=128):
    """v with Elem[v, index, esize] = elem."""
    pos = index * esize
    keep = ones(bits) ^ (ones(esize) << pos)
    x = e.zext(elem, esize, bits)
    return e.or_(e.and_(v, keep, bits), e.shl(x, pos, bits) if pos else x, bits)


def _replicate(e, elem, esize, bits):
    """Replicate(elem, bits DIV esize): the element times 0x0..01 0..01."""
    if esize == bits:
        return elem
    return e.mul(e.zext(elem, esize, bits), replicate(1, esize, bits), bits)


# ---- loads and stores (C4.1.88, V = 1) --------------------------------------

def _fp_single(e, f, scale, offset, *, wback=False, postindex=False, checked=False):
    """LDR/STR/LDUR/STUR (SIMD&FP): 1 << scale bytes; a load writes the whole
    register (V[t] = data zero-extended)."""
    if not checked:
        e.check_fp()
    nbytes = 1 << scale
    n, t = f.Rn, f.Rt
    base = _base(e, n)
    addr = base if postindex else e.add(base, offset, 64)
    if f.opc & 1:
        e.wv(t, e.load(addr, nbytes, ACC_NORMAL), nbytes * 8)
    else:
        e.store(addr, e.rv(t, nbytes * 8), nbytes, ACC_NORMAL)
    if wback:
        if postindex:
            addr = e.add(addr, offset, 64)
        e.wsp(n, addr)


def _scale(f):
    """opc<1>:size: 4 for Q (size 00, opc 1x), else size."""
    return 4 if f.opc & 2 else f.size


@semantics("ldr_lit_fp")
def ldr_lit_fp(e, f):
    e.check_fp()
    nbytes = 4 << f.opc
    addr = (e.pc + sext(f.imm19, 19) * 4) & M64
    e.wv(f.Rt, e.load(addr, nbytes, ACC_NORMAL), nbytes * 8)


@semantics("ldst_imm9_fp")
def ldst_imm9_fp(e, f):
    off = sext(f.imm9, 9) & M64
    if f.idx == 0:
        _fp_single(e, f, _scale(f), off)
    elif f.idx == 1:
        _fp_single(e, f, _scale(f), off, wback=True, postindex=True)
    else:
        _fp_single(e, f, _scale(f), off, wback=True)


@semantics("ldst_uimm_fp")
def ldst_uimm_fp(e, f):
    scale = _scale(f)
    _fp_single(e, f, scale, f.imm12 << scale)


@semantics("ldst_regoff_fp")
def ldst_regoff_fp(e, f):
    e.check_fp()
    scale = _scale(f)
    off = extend_reg(e, f.Rm, f.option, scale if f.S else 0, 64)
    _fp_single(e, f, scale, off, checked=True)


@semantics("ldst_pair_fp")
def ldst_pair_fp(e, f):
    """LDP/STP/LDNP/STNP (SIMD&FP): S, D, Q pairs."""
    e.check_fp()
    n, t, t2 = f.Rn, f.Rt, f.Rt2
    esize = 4 << f.opc
    bits = esize * 8
    offset = (sext(f.imm7, 7) * esize) & M64
    mode = f.mode
    wback, postindex = mode in (1, 3), mode == 1
    acc = ACC_STREAM if mode == 0 else ACC_NORMAL
    base = _base(e, n)
    addr = base if postindex else e.add(base, offset, 64)
    if not f.L:
        if esize == 16:
            e.store(addr, e.rv(t), 16, acc)
            e.store(e.add(addr, 16, 64), e.rv(t2), 16, acc)
        else:
            e.store_pair(addr, e.rv(t, bits), e.rv(t2, bits), esize, acc)
    else:
        if esize == 16:
            d1 = e.load(addr, 16, acc)
            d2 = e.load(e.add(addr, 16, 64), 16, acc)
        else:
            d1, d2 = e.load_pair(addr, esize, acc)
        e.wv(t, d1, bits)
        e.wv(t2, d2, bits)
    if wback:
        if postindex:
            addr = e.add(addr, offset, 64)
        e.wsp(n, addr)


# ---- FMOV (C4.1.91) ---------------------------------------------------------

@semantics("fmov_gen")
def fmov_gen(e, f):
    """FMOV (general): W<->S, X<->D, X<->V.D[1] (bit pattern moves)."""
    e.check_fp()
    d, n = f.Rd, f.Rn
    if f.rmode:                                 # V.D[1]
        if f.o0:
            e.wv(d, _insert(e, e.rv(d), 1, 64, e.rx(n)))
        else:
            e.wx(d, _elem(e, e.rv(n), 1, 64, 128))
        return
    bits = 64 if f.sf else 32
    if f.o0:
        e.wv(d, e.rx(n, bits), bits)
    else:
        e.wx(d, e.rv(n, bits), bits)


@semantics("fmov_reg")
def fmov_reg(e, f):
    e.check_fp()
    bits = 64 if f.ptype else 32
    e.wv(f.Rd, e.rv(f.Rn, bits), bits)


def vfp_expand_imm(imm8: int, n: int) -> int:
    """VFPExpandImm(imm8, N)."""
    ebits = {16: 5, 32: 8, 64: 11}[n]
    fbits = n - ebits - 1
    sign = imm8 >> 7
    b6 = imm8 >> 6 & 1
    exp = (b6 ^ 1) << (ebits - 1) | (ones(ebits - 3) if b6 else 0) << 2 | (imm8 >> 4 & 3)
    frac = (imm8 & 15) << (fbits - 4)
    return sign << (n - 1) | exp << fbits | frac


@semantics("fmov_imm")
def fmov_imm(e, f):
    e.check_fp()
    bits = 64 if f.ptype else 32
    e.wv(f.Rd, vfp_expand_imm(f.imm8, bits), bits)


# ---- Advanced SIMD modified immediate (C4.1.92) -------------------------------

def advsimd_expand_imm(op: int, cmode: int, imm8: int) -> int:
    """AdvSIMDExpandImm(op, cmode, imm8)."""
    c = cmode >> 1
    if c == 0:
        return replicate(imm8, 32, 64)
    if c == 1:
        return replicate(imm8 << 8, 32, 64)
    if c == 2:
        return replicate(imm8 << 16, 32, 64)
    if c == 3:
        return replicate(imm8 << 24, 32, 64)
    if c == 4:
        return replicate(imm8, 16, 64)
    if c == 5:
        return replicate(imm8 << 8, 16, 64)
    if c == 6:
        return replicate(imm8 << 8 | 0xFF if not cmode & 1 else imm8 << 16 | 0xFFFF, 32, 64)
    if not cmode & 1:
        if not op:
            return replicate(imm8, 8, 64)
        return sum(0xFF << 8 * i for i in range(8) if imm8 >> i & 1)
    if not op:
        return replicate(vfp_expand_imm(imm8, 32), 32, 64)
    return vfp_expand_imm(imm8, 64)


@semantics("simd_modimm")
def simd_modimm(e, f):
    """MOVI, MVNI, ORR, BIC (vector, immediate), FMOV (vector, immediate)."""
    e.check_fp()
    op, cmode = f.op, f.cmode
    bits = 128 if f.Q else 64
    imm = replicate(advsimd_expand_imm(op, cmode, f.abc << 5 | f.defgh), 64, bits)
    if cmode < 12 and cmode & 1:               # ORR / BIC: 0xx1, 10x1
        v = e.rv(f.Rd, bits)
        r = e.and_(v, imm ^ ones(bits), bits) if op else e.or_(v, imm, bits)
        e.wv(f.Rd, r, bits)
        return
    if op and cmode < 14:                      # MVNI: 0xx0, 10x0, 110x
        imm ^= ones(bits)
    e.wv(f.Rd, imm, bits)


# ---- Advanced SIMD copy (C4.1.92) --------------------------------------------

def _size_index(imm5):
    size = lowest_set_bit(imm5)
    return size, imm5 >> (size + 1), 8 << size


@semantics("dup_elem")
def dup_elem(e, f):
    """DUP (element), vector: Replicate(Elem[V[n], index]) in every element."""
    e.check_fp()
    _, index, esize = _size_index(f.imm5)
    bits = 128 if f.Q else 64
    x = _elem(e, e.rv(f.Rn), index, esize, 128)
    e.wv(f.Rd, _replicate(e, x, esize, bits), bits)


@semantics("dup_elem_scalar")
def dup_elem_scalar(e, f):
    """DUP (element), scalar (MOV <V>d, Vn.T[i])."""
    e.check_fp()
    _, index, esize = _size_index(f.imm5)
    e.wv(f.Rd, _elem(e, e.rv(f.Rn), index, esize, 128), esize)


@semantics("dup_gen")
def dup_gen(e, f):
    e.check_fp()
    _, _, esize = _size_index(f.imm5)
    bits = 128 if f.Q else 64
    e.wv(f.Rd, _replicate(e, e.rx(f.Rn, esize), esize, bits), bits)


@semantics("ins_gen")
def ins_gen(e, f):
    """INS (general): Elem[V[d], index] = X[n]<esize-1:0>."""
    e.check_fp()
    _, index, esize = _size_index(f.imm5)
    e.wv(f.Rd, _insert(e, e.rv(f.Rd), index, esize, e.rx(f.Rn, esize)))


@semantics("ins_elem")
def ins_elem(e, f):
    """INS (element): Elem[V[d], dst] = Elem[V[n], src]."""
    e.check_fp()
    size, dst, esize = _size_index(f.imm5)
    src = f.imm4 >> size
    x = _elem(e, e.rv(f.Rn), src, esize, 128)
    e.wv(f.Rd, _insert(e, e.rv(f.Rd), dst, esize, x))


@semantics("smov")
def smov(e, f):
    e.check_fp()
    _, index, esize = _size_index(f.imm5)
    bits = 64 if f.Q else 32
    x = _elem(e, e.rv(f.Rn), index, esize, 128)
    e.wx(f.Rd, e.sext(x, esize, bits), bits)


@semantics("umov")
def umov(e, f):
    e.check_fp()
    _, index, esize = _size_index(f.imm5)
    x = _elem(e, e.rv(f.Rn), index, esize, 128)
    e.wx(f.Rd, e.zext(x, esize, 64))


# ---- Advanced SIMD three same: logical (C4.1.92) ---------------------------------

@semantics("logic_vec")
def logic_vec(e, f):
    """AND, BIC, ORR (MOV), ORN; EOR, BSL, BIT, BIF (vector)."""
    e.check_fp()
    bits = 128 if f.Q else 64
    vn, vm = e.rv(f.Rn, bits), e.rv(f.Rm, bits)
    op = f.U << 2 | f.size
    if op == 0:
        r = e.and_(vn, vm, bits)
    elif op == 1:
        r = e.and_(vn, e.not_(vm, bits), bits)
    elif op == 2:
        r = e.or_(vn, vm, bits)
    elif op == 3:
        r = e.or_(vn, e.not_(vm, bits), bits)
    elif op == 4:
        r = e.xor(vn, vm, bits)
    else:
        vd = e.rv(f.Rd, bits)
        if op == 5:                            # BSL: operand1 = V[m], operand3 = V[d]
            r = e.xor(vm, e.and_(e.xor(vm, vn, bits), vd, bits), bits)
        elif op == 6:                          # BIT: operand1 = V[d], operand3 = V[m]
            r = e.xor(vd, e.and_(e.xor(vd, vn, bits), vm, bits), bits)
        else:                                  # BIF: operand3 = NOT(V[m])
            r = e.xor(vd, e.and_(e.xor(vd, vn, bits), e.not_(vm, bits), bits), bits)
    e.wv(f.Rd, r, bits)


# ---- EXT and the permutes (C4.1.92) -------------------------------------------------

@semantics("ext")
def ext(e, f):
    """EXT: (V[m]:V[n])<position + datasize - 1 : position>."""
    e.check_fp()
    bits = 128 if f.Q else 64
    pos = f.imm4 * 8
    vn, vm = e.rv(f.Rn, bits), e.rv(f.Rm, bits)
    r = vn if pos == 0 else e.or_(e.lshr(vn, pos, bits), e.shl(vm, bits - pos, bits), bits)
    e.wv(f.Rd, r, bits)


@semantics("permute")
def permute(e, f):
    """UZP1/UZP2, TRN1/TRN2, ZIP1/ZIP2."""
    e.check_fp()
    bits = 128 if f.Q else 64
    esize = 8 << f.size
    elements = bits // esize
    part = f.opcode >> 2
    kind = f.opcode & 3
    v1, v2 = e.rv(f.Rn, bits), e.rv(f.Rm, bits)
    ops = (v1, v2)

    def el(k):                                 # element k of operand2:operand1
        return _elem(e, ops[k // elements], k % elements, esize, bits)

    if kind == 1:                              # UZP
        out = [el(2 * i + part) for i in range(elements)]
    elif kind == 2:                            # TRN
        out = []
        for p in range(elements // 2):
            out += [el(2 * p + part), el(elements + 2 * p + part)]
    else:                                      # ZIP
        base = part * elements // 2
        out = []
        for p in range(elements // 2):
            out += [el(base + p), el(elements + base + p)]
    e.wv(f.Rd, _assemble(e, out, esize, bits), bits)
