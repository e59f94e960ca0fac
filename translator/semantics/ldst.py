"""Loads and stores of general registers (ARM ARM C4.1.88; C6.2 pages).

CONSTRAINED UNPREDICTABLE choices (ARM ARM K1.2), made to match QEMU/Unicorn:
- load with writeback and Rn == Rt: the load happens, then the writeback
  (the base register ends with the written-back address);
- store with writeback and Rn == Rt: the value stored is Rt before writeback;
- LDP/LDXP with Rt == Rt2: Rt gets the first element;
- STXR/STXP with Rs == Rt/Rt2/Rn: executes as if the registers were distinct.
"""
from __future__ import annotations

from . import semantics
from .common import extend_reg
from ...runtime.memory import ACC_NORMAL, ACC_UNPRIV, ACC_ALIGN, ACC_ORDERED, ACC_EXCL, ACC_STREAM
from ..fields import sext, ones

M64 = ones(64)

MEMOP_STORE, MEMOP_LOAD, MEMOP_PREFETCH = range(3)


def _base(e, n, check_sp=True):
    """The base address X[n] (SP when n == 31, with CheckSPAlignment())."""
    if n == 31:
        sp = e.rsp(31)
        if check_sp:
            e.check_sp_align(sp)
        return sp
    return e.rx(n)


def _single_kind(size, opc):
    """(memop, regsize, signed) per the 'Load/store register' decode."""
    if opc & 2 == 0:
        return (MEMOP_LOAD if opc & 1 else MEMOP_STORE), (64 if size == 3 else 32), False
    if size == 3:
        return MEMOP_PREFETCH, 64, False
    return MEMOP_LOAD, (32 if opc & 1 else 64), True


def _single(e, f, offset, *, wback=False, postindex=False, acc=ACC_NORMAL):
    """The shared body of LDR/STR/LDRS*/PRFM/LDUR/STUR/LDTR/STTR forms."""
    size, opc, n, t = f.size, f.opc, f.Rn, f.Rt
    memop, regsize, signed = _single_kind(size, opc)
    if memop == MEMOP_PREFETCH:
        return                                 # PRFM: a hint, no access, no fault
    nbytes = 1 << size
    base = _base(e, n)
    addr = base if postindex else e.add(base, offset, 64)
    isv = None if wback else (signed, t, regsize == 64, False)
    if memop == MEMOP_STORE:
        e.store(addr, e.rx(t, 64 if nbytes == 8 else 32), nbytes, acc, isv)
    else:
        data = e.load(addr, nbytes, acc, isv)
        if signed:
            e.wx(t, e.sext(data, nbytes * 8, regsize), regsize)
        else:
            e.wx(t, data if nbytes == 8 else e.zext(data, nbytes * 8, 64))
    if wback:
        if postindex:
            addr = e.add(addr, offset, 64)
        e.wsp(n, addr)


@semantics("ldr_lit")
def ldr_lit(e, f):
    if f.opc == 3:                             # PRFM (literal)
        return
    addr = (e.pc + sext(f.imm19, 19) * 4) & M64
    if f.opc == 2:                             # LDRSW
        e.wx(f.Rt, e.sext(e.load(addr, 4, ACC_NORMAL, (True, f.Rt, True, False)), 32, 64))
    elif f.opc == 1:
        e.wx(f.Rt, e.load(addr, 8, ACC_NORMAL, (False, f.Rt, True, False)))
    else:
        e.wx(f.Rt, e.zext(e.load(addr, 4, ACC_NORMAL, (False, f.Rt, False, False)), 32, 64))


@semantics("ldst_imm9")
def ldst_imm9(e, f):
    """Unscaled (LDUR...), post-index, unprivileged (LDTR...), pre-index."""
    off = sext(f.imm9, 9) & M64
    idx = f.idx
    if idx == 0:
        _single(e, f, off)
    elif idx == 1:
        _single(e, f, off, wback=True, postindex=True)
    elif idx == 2:
        _single(e, f, off, acc=ACC_UNPRIV)
    else:
        _single(e, f, off, wback=True)


@semantics("ldst_uimm")
def ldst_uimm(e, f):
    _single(e, f, f.imm12 << f.size)


@semantics("ldst_regoff")
def ldst_regoff(e, f):
    off = extend_reg(e, f.Rm, f.option, f.size if f.S else 0, 64)
    _single(e, f, off)


@semantics("ldst_pair")
def ldst_pair(e, f):
    """LDP/STP/LDPSW/LDNP/STNP: offset, pre- and post-index."""
    opc, n, t, t2 = f.opc, f.Rn, f.Rt, f.Rt2
    signed = opc == 1
    esize = 8 if opc == 2 else 4
    offset = (sext(f.imm7, 7) * esize) & M64
    mode = f.mode
    wback, postindex = mode in (1, 3), mode == 1
    acc = ACC_STREAM if mode == 0 else ACC_NORMAL
    base = _base(e, n)
    addr = base if postindex else e.add(base, offset, 64)
    bits = esize * 8
    if not f.L:
        e.store_pair(addr, e.rx(t, bits), e.rx(t2, bits), esize, acc)
    else:
        d1, d2 = e.load_pair(addr, esize, acc)
        if signed:
            d1, d2 = e.sext(d1, 32, 64), e.sext(d2, 32, 64)
            bits = 64
        e.wx(t2, d2, bits)
        e.wx(t, d1, bits)
    if wback:
        if postindex:
            addr = e.add(addr, offset, 64)
        e.wsp(n, addr)


@semantics("ldst_excl")
def ldst_excl(e, f):
    """LDXR/LDAXR/STXR/STLXR (byte, halfword, word, doubleword)."""
    nbytes = 1 << f.size
    bits = nbytes * 8
    acc = ACC_EXCL | ACC_ALIGN | (ACC_ORDERED if f.o0 else 0)
    addr = _base(e, f.Rn)
    if f.L:
        data = e.load(addr, nbytes, acc)
        e.excl_mark(addr, nbytes)
        e.wx(f.Rt, data if bits == 64 else e.zext(data, bits, 64))
    else:
        _store_exclusive(e, f.Rs, addr, nbytes, acc, lambda: e.rx(f.Rt, 64 if bits == 64 else 32))


@semantics("ldst_excl_pair")
def ldst_excl_pair(e, f):
    """LDXP/LDAXP/STXP/STLXP: 2 x 32 bits as one 8-byte access, 2 x 64 bits
    as a 16-byte aligned pair."""
    esize = 8 if f.sz else 4
    acc = ACC_EXCL | ACC_ALIGN | (ACC_ORDERED if f.o0 else 0)
    addr = _base(e, f.Rn)
    if f.L:
        if esize == 4:
            data = e.load(addr, 8, acc)
            d1, d2 = e.and_(data, 0xFFFFFFFF, 64), e.lshr(data, 32, 64)
        else:
            e.check_align(addr, 16, False)     # one 16-byte single-copy-atomic pair
            d1 = e.load(addr, 8, ACC_EXCL)
            d2 = e.load(e.add(addr, 8, 64), 8, ACC_EXCL)
        e.excl_mark(addr, 2 * esize)
        e.wx(f.Rt2, d2)
        e.wx(f.Rt, d1)
    else:
        def pair_value():
            if esize == 4:
                return e.or_(e.zext(e.rx(f.Rt, 32), 32, 64), e.shl(e.zext(e.rx(f.Rt2, 32), 32, 64), 32, 64), 64)
            return (e.rx(f.Rt), e.rx(f.Rt2))
        _store_exclusive(e, f.Rs, addr, 2 * esize, acc, pair_value)


def _store_exclusive(e, s, addr, nbytes, acc, value):
    """AArch64.ExclusiveMonitorsPass(): alignment fault first (even when the
    monitor would fail), then the store happens only if the monitor passes;
    X[s] = 0 on success, 1 on failure; the monitor is cleared either way."""
    e.check_align(addr, nbytes, True)
    data = value()
    ok = e.excl_pass(addr, nbytes)

    def do_store():
        if isinstance(data, tuple):
            e.store(addr, data[0], 8, ACC_EXCL)
            e.store(e.add(addr, 8, 64), data[1], 8, ACC_EXCL)
        else:
            e.store(addr, data, nbytes, ACC_EXCL)

    e.if_(ok, do_store)
    e.excl_clear()
    e.wx(s, e.select(ok, 0, 1, 32), 32)


@semantics("ldst_ordered")
def ldst_ordered(e, f):
    """LDAR/STLR (byte, halfword, word, doubleword): alignment checked."""
    nbytes = 1 << f.size
    bits = nbytes * 8
    acc = ACC_ORDERED | ACC_ALIGN
    addr = _base(e, f.Rn)
    isv = (False, f.Rt, bits == 64, True)
    if f.L:
        data = e.load(addr, nbytes, acc, isv)
        e.wx(f.Rt, data if bits == 64 else e.zext(data, bits, 64))
    else:
        e.store(addr, e.rx(f.Rt, 64 if bits == 64 else 32), nbytes, acc, isv)
