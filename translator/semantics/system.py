"""System instructions: hints, barriers, PSTATE writes, SYS/SYSL, MSR/MRS
(ARM ARM C4.1.87 "System", C5.3 A64 system instructions).

Everything whose effect depends on system registers or changes the
translation context goes through a runtime helper (runtime/helpers.py) and
ends the block (DC ZVA, which changes nothing of it, does not); nothing here
touches system-register storage directly.
"""
from __future__ import annotations

from . import semantics
from ...runtime.sysreg_defs import encoding_key as sysreg_key   # instruction bits 20:5 (o0 = op0 - 2)
from ...runtime.sysreg_defs import SYSOPS_BY_KEY, BY_NAME as _SYSREGS

_DAIF_KEY = _SYSREGS["DAIF"].key


@semantics("hint")
def hint(e, f):
    op = f.CRm << 3 | f.op2
    if op == 3:                                # WFI
        e.helper("wfi")
        e.end_block()
    elif op == 2:                              # WFE
        e.helper("wfe")
        e.end_block()
    # NOP, YIELD, SEV, SEVL and every unallocated hint execute as NOP (C6.2.81 HINT).


@semantics("barrier")
def barrier(e, f):
    if f.op2 == 2:                             # CLREX
        e.excl_clear()
    elif f.op2 == 6:                           # ISB: context synchronisation
        e.end_block()
    # DSB/DMB: one in-order CPU, nothing to order.


@semantics("msr_imm")
def msr_imm(e, f):
    if f.op1 == 0:                             # SPSel
        e.helper("msr_spsel", f.CRm & 1)
    else:                                      # DAIFSet (op2 = 6) / DAIFClr (op2 = 7)
        if e.daif_write(None, f.CRm, f.op2 == 6):
            return
        e.helper("msr_daif", f.CRm, int(f.op2 == 6))
    e.end_block()


@semantics("sys")
def sys(e, f):
    key = sysreg_key(1, f.op1, f.CRn, f.CRm, f.op2)
    e.helper("sys", key, e.rx(f.Rt), f.Rt)
    # DC and IC change no context: the block goes on (clear_page's and the
    # cache-maintenance loops chain); TLBI and AT may.
    if SYSOPS_BY_KEY.get(key) is None or SYSOPS_BY_KEY[key].kind not in ("dc", "ic"):
        e.end_block()


@semantics("sysreg")
def sysreg(e, f):
    key = sysreg_key(2 + f.o0, f.op1, f.CRn, f.CRm, f.op2)
    if f.L:                                    # MRS
        e.wx(f.Rt, e.helper("mrs", key, f.Rt))
    else:                                      # MSR (register)
        if key == _DAIF_KEY and e.daif_write(e.rx(f.Rt)):
            return
        e.helper("msr", key, f.Rt, e.rx(f.Rt))
        e.end_block()
