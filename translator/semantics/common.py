"""Pseudocode helpers shared by several instruction families (ARM ARM
shared/functions): AddWithCarry users, ShiftReg, ExtendReg."""
from __future__ import annotations

SHIFT_LSL, SHIFT_LSR, SHIFT_ASR, SHIFT_ROR = range(4)


def add_sub(e, bits, sub, setflags, a, b, rd, d_is_sp, carry=None):
    """The body of ADD/SUB/ADDS/SUBS/ADC/SBC(S): result = a + (sub ? NOT(b) : b) + carry.

    ``carry`` None means the ordinary carry-in (0 for add, 1 for subtract).
    Register 31 as destination is SP when ``d_is_sp`` and flags are not set,
    else the zero register.
    """
    if sub and carry is None and not setflags:
        r = e.sub(a, b, bits)                  # a + NOT(b) + 1, as one subtraction
        if d_is_sp:
            e.wsp(rd, r, bits)
        else:
            e.wx(rd, r, bits)
        return
    if sub:
        b = e.not_(b, bits)
    if carry is None:
        carry = 1 if sub else 0
    if setflags:
        r, n, z, c, v = e.add_with_carry(a, b, carry, bits)
        e.set_nzcv(n, z, c, v)
    elif isinstance(carry, int):
        r = e.add(e.add(a, b, bits), carry, bits) if carry else e.add(a, b, bits)
    else:
        r = e.add(e.add(a, b, bits), e.zext(carry, 1, bits), bits)
    if d_is_sp and not setflags:
        e.wsp(rd, r, bits)
    else:
        e.wx(rd, r, bits)


def shift_reg(e, m, shift_type, amount, bits):
    """ShiftReg(): X[m] shifted by a constant amount."""
    v = e.rx(m, bits)
    if amount == 0:
        return v
    if shift_type == SHIFT_LSL:
        return e.shl(v, amount, bits)
    if shift_type == SHIFT_LSR:
        return e.lshr(v, amount, bits)
    if shift_type == SHIFT_ASR:
        return e.ashr(v, amount, bits)
    return e.ror(v, amount, bits)


def extend_value(e, v, option, shift, bits):
    """ExtendReg() applied to value ``v`` (already ``bits`` wide): option<2> says
    signed, option<1:0> the source width (8 << option<1:0>); then LSL shift."""
    signed = bool(option & 4)
    length = min(8 << (option & 3), bits - shift)
    if length == bits - shift and shift:
        return e.shl(v, shift, bits)           # the extended bits are all shifted out
    if length < bits:
        v = e.trunc(v, bits, length)
        v = e.sext(v, length, bits) if signed else e.zext(v, length, bits)
    return e.shl(v, shift, bits) if shift else v


def extend_reg(e, m, option, shift, bits):
    return extend_value(e, e.rx(m, bits), option, shift, bits)

