"""Runtime helpers: what an instruction's semantics hand to the runtime
(``e.helper(name, ...)``).  Each is ``fn(cpu, *args)``; it may raise a
``GuestException`` and returns a 64-bit value or None.  Both backends call the
same functions (the JIT through a callback), so there is one implementation.
"""
from __future__ import annotations

from . import sysreg_defs as D
from .exceptions import (GuestException, undefined, EC_HVC64, EC_SMC64, EC_SYSREG, EC_WFX)
from .sysregs import trap_iss, el0_allowed

HCR_TWI, HCR_TWE, HCR_TSC, HCR_HCD = 1 << 13, 1 << 14, 1 << 19, 1 << 29
SCTLR_NTWI, SCTLR_NTWE, SCTLR_UMA = 1 << 16, 1 << 18, 1 << 9


def mrs(cpu, key, rt):
    return cpu.sysregs.read(key, rt)


def msr(cpu, key, rt, value):
    cpu.sysregs.write(key, rt, value)


def msr_spsel(cpu, value):
    if cpu.state.el == 0:
        raise undefined()
    cpu.set_pstate_el(cpu.state.el, value)


def msr_daif(cpu, imm, set_):
    if cpu.state.el == 0 and not cpu.sysregs.get("SCTLR_EL1") & SCTLR_UMA:
        # MSR DAIFSet/DAIFClr at EL0 traps to EL1 (C5.3.x, SCTLR_EL1.UMA)
        op2 = 6 if set_ else 7
        iss = 0 << 20 | op2 << 17 | 3 << 14 | 4 << 10 | 31 << 5 | imm << 1
        raise GuestException(EC_SYSREG, iss, target_el=1)
    bits = (imm & 0xF) << 6
    s = cpu.state
    s.daif = (s.daif | bits) if set_ else (s.daif & ~bits & 0x3C0)


def sys(cpu, key, value):
    """SYS: DC, IC, TLBI, AT (C5.3 A64 System instructions)."""
    d = D.SYSOPS_BY_KEY.get(key)
    el = cpu.state.el
    if d is None or el < d.el:
        raise undefined()
    if el == 0 and d.el0 is not None and not el0_allowed(cpu.sysregs, d.el0):
        raise GuestException(EC_SYSREG, trap_iss(key, 31, False), target_el=1)
    handler = _SYSOPS.get(d.kind)
    handler(cpu, d, value)


def _dc(cpu, d, va):
    if d.name == "DC_ZVA":
        # DC ZVA zeroes one 64-byte block (DCZID_EL0.BS = 4: 2**4 words);
        # it behaves as a store: faults are data aborts on the block address.
        # A fault reports the address the instruction was given in FAR, not
        # the block address (as QEMU does; ARM ARM DC ZVA: "the address
        # reported is the address in the register").
        block = 4 << 4
        base = va & ~(block - 1)
        try:
            for off in range(0, block, 8):
                cpu.write(base + off, 8, 0)
        except GuestException as exc:
            exc.far = va
            raise
    # Other DC operations: caches are not modelled (coherent, no effect).


def _ic(cpu, d, va):
    # Code-cache invalidation: the JIT registers an observer here.
    for obs in cpu.ic_observers:
        obs(d.name, va)


def _tlbi(cpu, d, value):
    for obs in cpu.tlbi_observers:
        obs(d.name, value)


def _at(cpu, d, va):
    """AT S1E*: with the MMU off the result is the flat PA (PAR_EL1.F = 0)."""
    try:
        pa = cpu.translate(va, 1, d.name.endswith("W"), 0)
    except GuestException as exc:
        cpu.sysregs.set("PAR_EL1", 1 | (exc.iss & 0x3F) << 1)
        return
    cpu.sysregs.set("PAR_EL1", pa & 0xFFFFFFFFF000)


_SYSOPS = {"dc": _dc, "ic": _ic, "tlbi": _tlbi, "at": _at}


def hvc(cpu, imm):
    # AArch64.CallHypervisor: UNDEFINED at EL0 and when HCR_EL2.HCD = 1.
    if cpu.state.el == 0 or cpu.sysregs.get("HCR_EL2") & HCR_HCD:
        raise undefined()
    raise GuestException(EC_HVC64, imm, return_offset=4, target_el=2)


def smc(cpu, imm):
    el = cpu.state.el
    if el == 0:
        raise undefined()
    if el == 1 and cpu.sysregs.get("HCR_EL2") & HCR_TSC:
        raise GuestException(EC_SMC64, imm, target_el=2)      # trapped: ELR = the SMC
    # No EL3: the board answers SMC as firmware (PSCI/SMCCC); it intercepts
    # this exception before it would be taken.
    raise GuestException(EC_SMC64, imm, return_offset=4)


def _wfx(cpu, is_wfe):
    el = cpu.state.el
    if el == 0 and not cpu.sysregs.get("SCTLR_EL1") & (SCTLR_NTWE if is_wfe else SCTLR_NTWI):
        raise GuestException(EC_WFX, 0x1E00000 | int(is_wfe), target_el=1)
    if el < 2 and cpu.sysregs.get("HCR_EL2") & (HCR_TWE if is_wfe else HCR_TWI):
        raise GuestException(EC_WFX, 0x1E00000 | int(is_wfe), target_el=2)


def wfi(cpu):
    _wfx(cpu, False)
    cpu.halted = True          # the machine loop waits for an interrupt


def wfe(cpu):
    _wfx(cpu, True)            # no event model: WFE completes at once


def eret(cpu):
    return cpu.exception_return()
