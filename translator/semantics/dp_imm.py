"""Data processing -- immediate (ARM ARM C4.1.86; C6.2 instruction pages)."""
from __future__ import annotations

from . import semantics
from .common import add_sub
from ..fields import decode_bit_masks, sext, ones


@semantics("adr")
def adr(e, f):
    imm = sext(f.immhi << 2 | f.immlo, 21)
    if f.op:                                   # ADRP
        value = (e.pc & ~0xFFF) + (imm << 12)
    else:
        value = e.pc + imm
    e.wx(f.Rd, value & ones(64))


@semantics("addsub_imm")
def addsub_imm(e, f):
    bits = 64 if f.sf else 32
    imm = f.imm12 << (12 if f.sh else 0)
    add_sub(e, bits, f.op, f.S, e.rsp(f.Rn, bits), imm, f.Rd, d_is_sp=True)


@semantics("logic_imm")
def logic_imm(e, f):
    bits = 64 if f.sf else 32
    imm = decode_bit_masks(f.N, f.imms, f.immr, bits)[0]
    a = e.rx(f.Rn, bits)
    opc = f.opc
    if opc == 0 or opc == 3:
        r = e.and_(a, imm, bits)
    elif opc == 1:
        r = e.or_(a, imm, bits)
    else:
        r = e.xor(a, imm, bits)
    if opc == 3:                               # ANDS: C = V = 0
        e.set_nzcv(e.cmp("slt", r, 0, bits), e.cmp("eq", r, 0, bits), 0, 0)
        e.wx(f.Rd, r, bits)
    else:
        e.wsp(f.Rd, r, bits)


@semantics("movewide")
def movewide(e, f):
    bits = 64 if f.sf else 32
    pos = f.hw * 16
    if f.opc == 3:                             # MOVK
        keep = ones(bits) & ~(0xFFFF << pos)
        r = e.or_(e.and_(e.rx(f.Rd, bits), keep, bits), f.imm16 << pos, bits)
        e.wx(f.Rd, r, bits)
    elif f.opc == 2:                           # MOVZ
        e.wx(f.Rd, f.imm16 << pos, bits)
    else:                                      # MOVN
        e.wx(f.Rd, ~(f.imm16 << pos) & ones(bits), bits)


@semantics("bitfield")
def bitfield(e, f):
    """SBFM/BFM/UBFM as the pseudocode (C6.2 BFM).  SBFM and UBFM (all of
    ASR, LSR, LSL, SXT*, UXT*, SBFX, UBFX, SBFIZ, UBFIZ) are written in the
    closed form the pseudocode reduces to for them, a shift or two and a
    mask; BFM runs the rotate-and-merge of the pseudocode."""
    bits = 64 if f.sf else 32
    r, s = f.immr, f.imms
    if f.opc != 1 and decode_bit_masks(f.N, s, r, bits, immediate=False) is not None:
        src = e.rx(f.Rn, bits)
        signed = f.opc == 0
        if s >= r:                             # extract src<s:r>
            w = s - r + 1
            if signed:
                res = e.ashr(src, r, bits) if s == bits - 1 else \
                    e.ashr(e.shl(src, bits - 1 - s, bits), bits - w, bits)
            else:
                res = e.lshr(src, r, bits) if s == bits - 1 else e.and_(e.lshr(src, r, bits), ones(w), bits)
        else:                                  # src<s:0> placed at bit (bits - r)
            w = s + 1
            if signed:
                field = e.ashr(e.shl(src, bits - w, bits), bits - w, bits)
            else:
                field = src if bits - r + w >= bits else e.and_(src, ones(w), bits)
            res = e.shl(field, bits - r, bits)
        e.wx(f.Rd, res, bits)
        return
    wmask, tmask = decode_bit_masks(f.N, f.imms, f.immr, bits, immediate=False)
    inzero = f.opc != 1
    extend = f.opc == 0
    src = e.rx(f.Rn, bits)
    rot = e.ror(src, r, bits) if r else src
    bot = e.and_(rot, wmask, bits)
    if not inzero:
        dst = e.rx(f.Rd, bits)
        bot = e.or_(e.and_(dst, ~wmask & ones(bits), bits), bot, bits)
    if extend:                                 # Replicate(src<S>)
        top = e.ashr(e.shl(src, bits - 1 - s, bits), bits - 1, bits)
    elif inzero:
        top = None                             # Zeros()
    else:
        top = dst
    res = e.and_(bot, tmask, bits)
    if top is not None:
        res = e.or_(e.and_(top, ~tmask & ones(bits), bits), res, bits)
    e.wx(f.Rd, res, bits)


@semantics("extr")
def extr(e, f):
    bits = 64 if f.sf else 32
    lsb = f.imms
    lo = e.rx(f.Rm, bits)
    if lsb == 0:
        e.wx(f.Rd, lo, bits)
        return
    hi = e.rx(f.Rn, bits)
    e.wx(f.Rd, e.or_(e.lshr(lo, lsb, bits), e.shl(hi, bits - lsb, bits), bits), bits)
