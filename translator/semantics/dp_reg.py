"""Data processing -- register (ARM ARM C4.1.89; C6.2 instruction pages)."""
from __future__ import annotations

from . import semantics
from .common import add_sub, shift_reg, extend_reg
from ..fields import ones


def _nz(e, r, bits):
    return e.cmp("slt", r, 0, bits), e.cmp("eq", r, 0, bits)


@semantics("logic_shift")
def logic_shift(e, f):
    """AND/BIC/ORR/ORN/EOR/EON/ANDS/BICS (shifted register)."""
    bits = 64 if f.sf else 32
    a = e.rx(f.Rn, bits)
    b = shift_reg(e, f.Rm, f.shift, f.imm6, bits)
    if f.N:
        b = e.not_(b, bits)
    if f.opc in (0, 3):
        r = e.and_(a, b, bits)
    elif f.opc == 1:
        r = e.or_(a, b, bits)
    else:
        r = e.xor(a, b, bits)
    if f.opc == 3:
        n, z = _nz(e, r, bits)
        e.set_nzcv(n, z, 0, 0)
    e.wx(f.Rd, r, bits)


@semantics("addsub_shift")
def addsub_shift(e, f):
    bits = 64 if f.sf else 32
    b = shift_reg(e, f.Rm, f.shift, f.imm6, bits)
    add_sub(e, bits, f.op, f.S, e.rx(f.Rn, bits), b, f.Rd, d_is_sp=False)


@semantics("addsub_ext")
def addsub_ext(e, f):
    bits = 64 if f.sf else 32
    b = extend_reg(e, f.Rm, f.option, f.imm3, bits)
    add_sub(e, bits, f.op, f.S, e.rsp(f.Rn, bits), b, f.Rd, d_is_sp=True)


@semantics("adc")
def adc(e, f):
    """ADC/ADCS/SBC/SBCS: AddWithCarry(X[n], op ? NOT(X[m]) : X[m], PSTATE.C)."""
    bits = 64 if f.sf else 32
    carry = e.nzcv()[2]
    b = e.rx(f.Rm, bits)
    add_sub(e, bits, f.op, f.S, e.rx(f.Rn, bits), b, f.Rd, d_is_sp=False, carry=carry)


@semantics("ccmp")
def ccmp(e, f):
    """CCMN/CCMP (register and immediate): flags = cond ? AddWithCarry(...) : #nzcv."""
    bits = 64 if f.sf else 32
    a = e.rx(f.Rn, bits)
    b = f.Rm if f.imm else e.rx(f.Rm, bits)
    if f.op:                                   # CCMP: subtract
        b = e.not_(b, bits)
    _, n, z, c, v = e.add_with_carry(a, b, 1 if f.op else 0, bits)
    holds = e.cond(f.cond)
    imm = f.nzcv
    e.set_nzcv(e.select(holds, n, imm >> 3 & 1, 1), e.select(holds, z, imm >> 2 & 1, 1),
               e.select(holds, c, imm >> 1 & 1, 1), e.select(holds, v, imm & 1, 1))


@semantics("csel")
def csel(e, f):
    """CSEL/CSINC/CSINV/CSNEG."""
    bits = 64 if f.sf else 32
    a = e.rx(f.Rn, bits)
    b = e.rx(f.Rm, bits)
    if f.op:
        b = e.not_(b, bits)
    if f.o2:
        b = e.add(b, 1, bits)
    e.wx(f.Rd, e.select(e.cond(f.cond), a, b, bits), bits)


@semantics("dp1")
def dp1(e, f):
    """RBIT, REV16, REV32, REV, CLZ, CLS."""
    bits = 64 if f.sf else 32
    x = e.rx(f.Rn, bits)
    op = f.opcode
    if op == 0:
        r = e.rbit(x, bits)
    elif op == 1:                              # REV16: swap the bytes of each halfword
        lo = int("00ff" * (bits // 16), 16)
        r = e.or_(e.and_(e.lshr(x, 8, bits), lo, bits), e.and_(e.shl(x, 8, bits), lo << 8, bits), bits)
    elif op == 2 and bits == 64:               # REV32: swap the bytes of each word
        r = e.ror(e.bswap(x, 64), 32, 64)
    elif op in (2, 3):                         # REV
        r = e.bswap(x, bits)
    elif op == 4:
        r = e.clz(x, bits)
    else:                                      # CLS = CLZ(x<N-1:1> EOR x<N-2:0>) over N-1 bits
        y = e.xor(e.lshr(x, 1, bits), e.and_(x, ones(bits - 1), bits), bits)
        r = e.sub(e.clz(y, bits), 1, bits)
    e.wx(f.Rd, r, bits)


@semantics("dp2")
def dp2(e, f):
    """UDIV, SDIV, LSLV, LSRV, ASRV, RORV, CRC32{B,H,W,X}, CRC32C{B,H,W,X}."""
    bits = 64 if f.sf else 32
    op = f.opcode
    if op >> 3 == 2:                           # CRC32
        nbytes = 1 << (op & 3)
        acc = e.rx(f.Rn, 32)
        val = e.rx(f.Rm, 64 if nbytes == 8 else 32)
        if nbytes < 4:
            val = e.zext(e.trunc(val, 32, nbytes * 8), nbytes * 8, 32)
        e.wx(f.Rd, e.crc32(acc, val, nbytes, bool(op & 4)), 32)
        return
    a = e.rx(f.Rn, bits)
    b = e.rx(f.Rm, bits)
    if op == 2:
        r = e.udiv(a, b, bits)
    elif op == 3:
        r = e.sdiv(a, b, bits)
    else:                                      # shift amount = X[m] MOD datasize
        s = e.and_(b, bits - 1, bits)
        r = (e.shl, e.lshr, e.ashr, e.ror)[op & 3](a, s, bits)
    e.wx(f.Rd, r, bits)


@semantics("dp3")
def dp3(e, f):
    """MADD, MSUB, SMADDL, SMSUBL, SMULH, UMADDL, UMSUBL, UMULH."""
    op31 = f.op31
    if op31 in (2, 6):                         # SMULH / UMULH (Ra ignored)
        e.wx(f.Rd, e.mulh(e.rx(f.Rn), e.rx(f.Rm), op31 == 2))
        return
    if op31 == 0:
        bits = 64 if f.sf else 32
        prod = e.mul(e.rx(f.Rn, bits), e.rx(f.Rm, bits), bits)
    else:                                      # widening 32x32 -> 64
        bits = 64
        ext = e.sext if op31 == 1 else e.zext
        prod = e.mul(ext(e.rx(f.Rn, 32), 32, 64), ext(e.rx(f.Rm, 32), 32, 64), 64)
    acc = e.rx(f.Ra, bits)
    e.wx(f.Rd, e.sub(acc, prod, bits) if f.o0 else e.add(acc, prod, bits), bits)
