"""Runtime helpers: what an instruction's semantics hand to the runtime
(``e.helper(name, ...)``).  Each is ``fn(cpu, *args)``; it may raise a
``GuestException`` and returns a 64-bit value or None.  Both backends call the
same functions (the JIT through a callback), so there is one implementation.

``@helper`` registers a function under its name in ``HELPERS``: that is the
one list of helpers (the interpreter looks names up there; the JIT's helper
ids are the positions in it, see runtime/abi.py).  Add new helpers at the
end: generated code in the persistent cache refers to helpers by position
(the cache key includes the list, so reordering is safe, only wasteful).
"""
from __future__ import annotations

from . import sysreg_defs as D
from .exceptions import (GuestException, undefined, EC_HVC64, EC_SMC64, EC_SYSREG, EC_WFX)
from .sysreg_defs import HCR, SCTLR
from .sysregs import trap_iss, el0_allowed
from .memory import Unmapped

#: name -> fn(cpu, *args), in registration order (= the JIT's helper ids)
HELPERS: dict = {}
#: Helpers that never change the translation context (PSTATE, SCTLR, the MMU's
#: regime) nor halt the CPU: an MRS only reads; DC/IC/TLBI/AT change memory, PAR_EL1
#: or the TLBs, whose observers act themselves.  The JIT skips recomputing the
#: context and the soft TLB's validity after these (that was most of the cost of the
#: 3.6 million MRS and SYS calls of a Linux boot).  The value: whether an interrupt
#: may have become takeable (a DC ZVA's stores may reach a device; an MRS cannot make
#: one: ICC_IAR's acknowledge only raises the running priority, and a timer changes
#: state at its deadline, which ends the engine's budget).
KEEP_CONTEXT = {"mrs": False, "sys": True}


def helper(fn):
    if fn.__name__ in HELPERS:
        raise ValueError(f"two runtime helpers named {fn.__name__}")
    HELPERS[fn.__name__] = fn
    return fn


@helper
def mrs(cpu, key, rt):
    v = cpu.sysregs.read(key, rt)
    if cpu.tracer is not None:
        _trace_sysreg(cpu, key, False, v)
    return v


@helper
def msr(cpu, key, rt, value):
    cpu.sysregs.write(key, rt, value)
    if cpu.tracer is not None:
        _trace_sysreg(cpu, key, True, value)


def _trace_sysreg(cpu, key, write, value):
    """A system-register access the runtime handled, for the trace (runtime/trace.py)."""
    r = D.BY_KEY.get(key)
    s = cpu.state
    cpu.tracer.event("sysreg", s.icount, s.pc, s.el, key, int(write), value & 0xFFFFFFFFFFFFFFFF,
                     text=r.name if r is not None else "S%d_%d_C%d_C%d_%d" % D.encoding_fields(key))


@helper
def sys(cpu, key, value, rt=31):
    """SYS: DC, IC, TLBI, AT (C5.3 A64 System instructions)."""
    d = D.SYSOPS_BY_KEY.get(key)
    el = cpu.state.el
    if d is None or el < d.el:
        raise undefined()
    if el == 0 and d.el0 is not None and not el0_allowed(cpu.sysregs, d.el0):
        raise GuestException(EC_SYSREG, trap_iss(key, rt, False), target_el=1)
    if el < 2 and cpu.sysregs.get("HCR_EL2") & _sysop_traps(d, el):
        raise GuestException(EC_SYSREG, trap_iss(key, rt, False), target_el=2)
    handler = _SYSOPS.get(d.kind)
    if cpu.tracer is not None and d.kind != "at":
        s = cpu.state
        cpu.tracer.event("tlbi" if d.kind == "tlbi" else "cache", s.icount, s.pc, el, value, text=d.name)
    handler(cpu, d, value)


def _sysop_traps(d, el) -> int:
    """HCR_EL2 bits trapping a SYS operation to EL2 (D13.2.46)."""
    n = d.name
    if d.kind == "tlbi":
        return HCR.TTLB if el == 1 else 0
    if n in ("DC_ISW", "DC_CSW", "DC_CISW"):
        return HCR.TSW if el == 1 else 0
    if n in ("DC_CIVAC", "DC_CVAC"):
        return HCR.TPC
    if n in ("IC_IVAU", "IC_IALLU", "IC_IALLUIS", "DC_CVAU"):
        return HCR.TPU
    if n == "DC_ZVA":
        return HCR.TDZ
    return 0


def sys_inline(key: int, el: int):
    """For generated code: the HCR_EL2 bits that trap the SYS operation
    ``key`` at ``el`` (EL1 or EL2) when it is a cache operation this model
    gives no effect (DC other than ZVA, IC: memory is coherent and the JIT
    sees code changes by the stores themselves); None for any other (through
    the runtime's ``sys``).  Such an operation changes no context: its block
    goes on.  Must agree with ``sys``."""
    d = D.SYSOPS_BY_KEY.get(key)
    if d is None or el < max(d.el, 1) or d.kind not in ("dc", "ic") or d.name == "DC_ZVA":
        return None
    return _sysop_traps(d, el) if el < 2 else 0


def tlbi_inline(key: int, el: int):
    """For generated code: whether the SYS operation ``key`` at ``el`` is a
    TLBI by VA it may do itself (runtime/abi.py "the TLBI log": at EL1,
    TLBI VAE1, VALE1, VAAE1, VAALE1 and their IS forms, when HCR_EL2.TTLB
    does not trap it): None if not, else (the HCR_EL2 bits that trap it,
    whether it names table entries too, not only the last level).  Must
    agree with ``sys``."""
    d = D.SYSOPS_BY_KEY.get(key)
    if d is None or el != 1 or d.name not in _TLBI_VA_EL1:
        return None
    return _sysop_traps(d, el), "VALE" not in d.name and "VAALE" not in d.name


_TLBI_VA_EL1 = frozenset(f"TLBI_{op}{s}" for op in ("VAE1", "VALE1", "VAAE1", "VAALE1") for s in ("", "IS"))


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
            pa = cpu.translate(base, 8, True, 0)        # one translation: the block is inside a page
            try:
                cpu.mem.write_bytes(pa, bytes(block))
            except Unmapped:                            # not RAM (a device, or nothing): store by store
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
    cpu.mmu.tlbi(d.name, value)
    for obs in cpu.tlbi_observers:          # the JIT: its soft TLB and the translations it affects
        obs(d.name, value)


def _at(cpu, d, va):
    """AT S1E0R/W, S1E1R/W, S1E2R/W, S12E0R/W, S12E1R/W: PAR_EL1 gets the
    result (runtime/mmu.py ``Mmu.at``).  A stage-2 fault on the stage-1 walk
    of an AT S1E0*/S1E1* is taken to EL2 (v8.0) rather than recorded."""
    cpu.sysregs.set("PAR_EL1", cpu.mmu.at(d.name, va))


_SYSOPS = {"dc": _dc, "ic": _ic, "tlbi": _tlbi, "at": _at}


@helper
def msr_spsel(cpu, value):
    if cpu.state.el == 0:
        raise undefined()
    cpu.set_pstate_el(cpu.state.el, value)


@helper
def msr_daif(cpu, imm, set_):
    if cpu.state.el == 0 and not cpu.sysregs.get("SCTLR_EL1") & SCTLR.UMA:
        # MSR DAIFSet/DAIFClr at EL0 traps to EL1 (C5.3.x, SCTLR_EL1.UMA)
        # (the ISS of MSR (immediate): op0 = 0, op1 = 3, CRn = 4, CRm = the immediate, Rt = 31)
        op2 = 6 if set_ else 7
        raise GuestException(EC_SYSREG, trap_iss(D.encoding_key(0, 3, 4, imm & 0xF, op2), 31, False),
                             target_el=1)
    bits = (imm & 0xF) << 6
    s = cpu.state
    s.daif = (s.daif | bits) if set_ else (s.daif & ~bits & 0x3C0)


@helper
def hvc(cpu, imm):
    # AArch64.CallHypervisor: UNDEFINED at EL0 and when HCR_EL2.HCD = 1.
    if cpu.state.el == 0 or cpu.sysregs.get("HCR_EL2") & HCR.HCD:
        raise undefined()
    raise GuestException(EC_HVC64, imm, return_offset=4, target_el=2)


@helper
def smc(cpu, imm):
    el = cpu.state.el
    if el == 0:
        raise undefined()
    if el == 1 and cpu.sysregs.get("HCR_EL2") & HCR.TSC:
        raise GuestException(EC_SMC64, imm, target_el=2)      # trapped: ELR = the SMC
    # No EL3: the board answers SMC as firmware (PSCI/SMCCC); it intercepts
    # this exception before it would be taken.
    raise GuestException(EC_SMC64, imm, return_offset=4)


def _wfx(cpu, is_wfe):
    el = cpu.state.el
    if el == 0 and not cpu.sysregs.get("SCTLR_EL1") & (SCTLR.nTWE if is_wfe else SCTLR.nTWI):
        raise GuestException(EC_WFX, 0x1E00000 | int(is_wfe), target_el=1)
    if el < 2 and cpu.sysregs.get("HCR_EL2") & (HCR.TWE if is_wfe else HCR.TWI):
        raise GuestException(EC_WFX, 0x1E00000 | int(is_wfe), target_el=2)


@helper
def wfi(cpu):
    _wfx(cpu, False)
    cpu.halted = True          # the machine loop waits for an interrupt


@helper
def wfe(cpu):
    _wfx(cpu, True)            # no event model: WFE completes at once


@helper
def eret(cpu):
    return cpu.exception_return()
