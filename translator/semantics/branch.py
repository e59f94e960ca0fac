"""Branches and exception generation (ARM ARM C4.1.87; C6.2 pages)."""
from __future__ import annotations

from . import semantics
from ..fields import sext, ones
from ...runtime.exceptions import EC_SVC64, EC_BRK64

M64 = ones(64)


@semantics("b_cond")
def b_cond(e, f):
    e.branch_if(e.cond(f.cond), (e.pc + sext(f.imm19, 19) * 4) & M64)


@semantics("b_imm")
def b_imm(e, f):
    if f.op:                                   # BL
        e.wx(30, e.pc + 4)
    e.branch((e.pc + sext(f.imm26, 26) * 4) & M64)


@semantics("br")
def br(e, f):
    """BR, BLR, RET: the target is read before X30 is written (BLR X30)."""
    target = e.rx(f.Rn)
    if f.op == 1:
        e.wx(30, e.pc + 4)
    e.branch(target)


@semantics("cb")
def cb(e, f):
    bits = 64 if f.sf else 32
    c = e.cmp("ne" if f.op else "eq", e.rx(f.Rt, bits), 0, bits)
    e.branch_if(c, (e.pc + sext(f.imm19, 19) * 4) & M64)


@semantics("tb")
def tb(e, f):
    bit = f.b5 << 5 | f.b40
    x = e.and_(e.rx(f.Rt), 1 << bit, 64)
    c = e.cmp("ne" if f.op else "eq", x, 0, 64)
    e.branch_if(c, (e.pc + sext(f.imm14, 14) * 4) & M64)


@semantics("svc")
def svc(e, f):
    e.exception(EC_SVC64, f.imm16, return_offset=4)


@semantics("hvc")
def hvc(e, f):
    # UNDEFINED at EL0 or when HCR_EL2.HCD = 1; else an exception to EL2
    # (AArch64.CallHypervisor): the runtime decides, it knows the EL/HCR.
    e.helper("hvc", f.imm16)


@semantics("smc")
def smc(e, f):
    # Trapped to EL2 by HCR_EL2.TSC, UNDEFINED at EL0; with no EL3 the board
    # answers it as firmware (PSCI): all decided by the runtime.
    e.helper("smc", f.imm16)


@semantics("brk")
def brk(e, f):
    e.exception(EC_BRK64, f.imm16)


@semantics("hlt")
def hlt(e, f):
    # Halting debug is not enabled (EDSCR.HDE = 0): HLT is UNDEFINED.
    e.undef()


@semantics("eret")
def eret(e, f):
    target = e.helper("eret")                  # UNDEF at EL0; restores PSTATE from SPSR_ELx
    e.branch(target)
    e.end_block()
