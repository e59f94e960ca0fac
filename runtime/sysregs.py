"""The system-register mechanism: storage, access checks, special behaviour.

The *data* (every register's encoding, lowest EL, access, reset value) is the
table in ``runtime.sysreg_defs``; this module gives each stored register a
slot in ``CpuState.sysregs`` (so generated code can read plain registers at a
fixed offset) and implements MRS/MSR/SYS with the architectural access rules:

- an encoding with no register, or a register above the current EL, or a
  write to a read-only / read of a write-only register: UNDEFINED;
- EL0 accesses gated by SCTLR_EL1/CNTKCTL_EL1 bits (``RegDef.el0``) trap to
  EL1 with EC 0x18 when the bit is clear (ARM ARM D13 "AArch64 System
  register descriptions", per-register "Accessibility" pseudocode);
- registers of kind "special" get their behaviour from ``_SPECIAL_READ`` /
  ``_SPECIAL_WRITE`` below (PSTATE fields, banked SPs, ...); registers with a device behind them (the timers, the GIC CPU interface) are attached to it (``SysRegs.attach``).

To add a register: add a row to ``sysreg_defs.REGISTERS``; if reading or
writing it does more than store a value, give it kind "special" and a
function here.
"""
from __future__ import annotations

from . import sysreg_defs as D
from .exceptions import GuestException, EC_SYSREG, undefined, fp_access_exception
from .state import SYSREG_SLOTS
from .sysreg_defs import encoding_key, encoding_fields, SCTLR, CNTKCTL, MDSCR, HCR

# The bits that gate EL0 access (RegDef.el0 names them as "REG.BIT")
GATE_BITS = {
    "SCTLR_EL1.UMA": ("SCTLR_EL1", SCTLR.UMA), "SCTLR_EL1.DZE": ("SCTLR_EL1", SCTLR.DZE),
    "SCTLR_EL1.UCT": ("SCTLR_EL1", SCTLR.UCT), "SCTLR_EL1.UCI": ("SCTLR_EL1", SCTLR.UCI),
    "CNTKCTL_EL1.EL0PCTEN": ("CNTKCTL_EL1", CNTKCTL.EL0PCTEN), "CNTKCTL_EL1.EL0VCTEN": ("CNTKCTL_EL1", CNTKCTL.EL0VCTEN),
    "CNTKCTL_EL1.EL0VTEN": ("CNTKCTL_EL1", CNTKCTL.EL0VTEN), "CNTKCTL_EL1.EL0PTEN": ("CNTKCTL_EL1", CNTKCTL.EL0PTEN),
    "MDSCR_EL1.TDCC": ("MDSCR_EL1", MDSCR.TDCC),
}


def el0_allowed(sysregs, gate: str) -> bool:
    """Evaluate a RegDef.el0 gate ("REG.BIT", or "!REG.BIT" for inverted sense)."""
    inverted = gate.startswith("!")
    reg, bit = GATE_BITS[gate.lstrip("!")]
    return bool(sysregs.get(reg) & bit) != inverted

M64 = (1 << 64) - 1


# Slots: every register of the table gets one (cheap, and lets "special"
# registers without dedicated behaviour fall back to storage).
SLOT = {d.name: i for i, d in enumerate(D.REGISTERS)}
assert len(SLOT) <= SYSREG_SLOTS, "grow state.SYSREG_SLOTS"


def encoding_name(key: int) -> str:
    return "S{}_{}_C{}_C{}_{}".format(*encoding_fields(key))


def trap_iss(key: int, rt: int, is_read: bool) -> int:
    """ISS for EC 0x18 (trapped MSR, MRS or System instruction)."""
    op0, op1, crn, crm, op2 = encoding_fields(key)
    return op0 << 20 | op2 << 17 | op1 << 14 | crn << 10 | rt << 5 | crm << 1 | int(is_read)


#: registers whose value the MMU's cached translations depend on
MMU_REGS = frozenset({"SCTLR_EL1", "SCTLR_EL2", "TCR_EL1", "TCR_EL2", "TTBR0_EL1", "TTBR1_EL1", "TTBR0_EL2",
                      "MAIR_EL1", "MAIR_EL2", "HCR_EL2", "VTCR_EL2", "VTTBR_EL2"})


# HCR_EL2 trap controls on MSR/MRS from EL1 (and EL0 where the ARM ARM says
# so); ARM ARM D13.2.46 HCR_EL2, each bit's "Traps ..." list.
_TVM_REGS = frozenset({"SCTLR_EL1", "TTBR0_EL1", "TTBR1_EL1", "TCR_EL1", "ESR_EL1", "FAR_EL1", "AFSR0_EL1",
                       "AFSR1_EL1", "MAIR_EL1", "AMAIR_EL1", "CONTEXTIDR_EL1"})
_TID2_REGS = frozenset({"CTR_EL0", "CCSIDR_EL1", "CLIDR_EL1", "CSSELR_EL1"})
_TID1_REGS = frozenset({"REVIDR_EL1", "AIDR_EL1"})


def hcr_traps(name: str, key: int, is_read: bool, el: int) -> int:
    """The HCR_EL2 bits that trap this access to EL2 (0: none)."""
    bits = 0
    if name in _TVM_REGS and el == 1:
        bits |= HCR.TRVM if is_read else HCR.TVM
    elif name in _TID2_REGS:
        bits |= HCR.TID2
    elif el == 1 and name in _TID1_REGS:
        bits |= HCR.TID1
    elif el == 1 and name == "ACTLR_EL1":
        bits |= HCR.TACR
    else:
        op0, op1, crn, crm, _ = encoding_fields(key)
        if el == 1 and op0 == 3 and op1 == 0 and crn == 0 and 1 <= crm <= 7:
            bits |= HCR.TID3                              # ID group 3
        elif op0 == 3 and crn in (11, 15):
            bits |= HCR.TIDCP                             # IMPLEMENTATION DEFINED registers
    return bits


_OS_REGS = frozenset({"OSLAR_EL1", "OSLSR_EL1", "OSDLR_EL1", "DBGPRCR_EL1"})
_CNTP_REGS = frozenset({"CNTP_CTL_EL0", "CNTP_CVAL_EL0", "CNTP_TVAL_EL0"})
MDCR_TDOSA, MDCR_TDA, MDCR_TDRA = 1 << 10, 1 << 9, 1 << 11
CPTR_TCPAC = 1 << 31
CNTHCTL_EL1PCTEN, CNTHCTL_EL1PCEN = 1 << 0, 1 << 1


def el2_control_traps(sysregs, name: str, key: int, el: int) -> bool:
    """Traps to EL2 from EL2's other controls: MDCR_EL2.TDOSA/TDRA/TDA (debug
    registers), CPTR_EL2.TCPAC (CPACR_EL1), CNTHCTL_EL2.EL1PCTEN/EL1PCEN
    (the physical counter and timer; they apply to EL0 too)."""
    get = sysregs.get
    if name in ("CNTPCT_EL0",):
        return not get("CNTHCTL_EL2") & CNTHCTL_EL1PCTEN
    if name in _CNTP_REGS:
        return not get("CNTHCTL_EL2") & CNTHCTL_EL1PCEN
    if el != 1:
        return False
    if name == "CPACR_EL1":
        return bool(get("CPTR_EL2") & CPTR_TCPAC)
    op0 = key >> 14 & 3
    if op0 != 2:                                     # debug registers are the op0 = 2 space
        return False
    mdcr = get("MDCR_EL2")
    if name in _OS_REGS:
        return bool(mdcr & MDCR_TDOSA)
    if name == "MDRAR_EL1":
        return bool(mdcr & (MDCR_TDRA | MDCR_TDA))
    return bool(mdcr & MDCR_TDA)


# Registers a device implements (the generic timer's, the GIC's CPU interface):
# their reads always go to the runtime.
_DEVICE_PREFIXES = ("CNT", "ICC_", "ICH_", "ICV_")


def mrs_inline(key: int, el: int, dz: bool):
    """How generated code at ``el`` reads the register ``key`` without the
    runtime, when it can: ("slot", slot, mask), a load of the register's
    storage, with ``mask`` != 0 only while HCR_EL2 & mask is 0 (else the
    runtime, which raises the trap); ("const", value, 0); ("daif", 0, 0),
    PSTATE.DAIF from the state.  None: through the runtime (``read``).
    ``dz``: the translation context's DC ZVA permission (DCZID_EL0.DZP).
    Must agree with ``read`` (and ``_check``) for every register it names."""
    d = D.BY_KEY.get(key)
    if d is None or el < d.el or d.access == "wo":
        return None
    if el == 0 and d.el0 is not None:            # an EL0 gate (SCTLR_EL1.UCT...): not in the context
        return None
    name = d.name
    if name == "CurrentEL":
        return ("const", el << 2, 0)
    if name == "DCZID_EL0":                       # (_dczid: DZP when DC ZVA is prohibited here)
        return ("const", d.reset | (0 if dz else 1 << 4), 0)
    if name == "DAIF":
        return ("daif", 0, 0)
    if (d.kind not in ("plain", "const") or name in _SPECIAL_READ or name.startswith(_DEVICE_PREFIXES)
            or d.op0 == 2 or name == "CPACR_EL1"):          # (el2_control_traps: debug, CPTR_EL2.TCPAC)
        return None
    mask = hcr_traps(name, key, True, el) if el < 2 else 0
    return ("slot", SLOT[name], mask)           # (constants too: the board may set an ID register)


class SysRegs:
    def __init__(self, cpu):
        self.cpu = cpu
        self.regs = cpu.state.sysregs
        self.gen = 0                       # bumped by every write of a stored register (Cpu.compute_ctx's cache)
        self.devices = {}                  # register name -> device implementing it (attach)

    def attach(self, device, names) -> None:
        """Give the registers ``names`` (rows of the table) to ``device``:
        guest MRS/MSR of them, after the table's access checks, call
        ``device.sysreg_read(name, key, rt)`` / ``device.sysreg_write(name,
        key, rt, value)`` (the GIC's CPU interface, the generic timers).
        The device may raise GuestException (a trap it decides)."""
        for name in names:
            if name not in SLOT:
                raise KeyError(f"{name}: not in the system-register table")
            self.devices[name] = device

    # -- runtime access by name (no checks) -----------------------------------
    def get(self, name: str) -> int:
        return self.regs[SLOT[name]]

    def set(self, name: str, value: int) -> None:
        self.regs[SLOT[name]] = value & M64
        self.gen += 1
        if name in MMU_REGS:
            self._mmu_changed(name)

    def _mmu_changed(self, name: str) -> None:
        if name in ("TTBR0_EL1", "TTBR1_EL1"):
            self.cpu.mmu.tables_changed()          # (a context switch: global entries stay valid)
        else:
            self.cpu.mmu.flush()

    def reset(self) -> None:
        for d in D.REGISTERS:
            self.regs[SLOT[d.name]] = d.reset
        self.gen += 1
        self.cpu.mmu.flush()                       # (what it cached of the registers)

    # -- guest access -----------------------------------------------------------
    def _check(self, d, key, rt, is_read):
        el = self.cpu.state.el
        if d is None or el < d.el:
            if d is None:
                self.cpu.warn(f"unimplemented system register {encoding_name(key)}: UNDEFINED")
            raise undefined()
        if is_read and d.access == "wo" or not is_read and d.access == "ro":
            raise undefined()
        if el == 0 and d.el0 is not None and not el0_allowed(self, d.el0):
            raise GuestException(EC_SYSREG, trap_iss(key, rt, is_read), target_el=1)
        if el < 2 and (self.regs[SLOT["HCR_EL2"]] & hcr_traps(d.name, key, is_read, el)
                       or el2_control_traps(self, d.name, key, el)):
            raise GuestException(EC_SYSREG, trap_iss(key, rt, is_read), target_el=2)

    def read(self, key: int, rt: int = 31) -> int:
        d = D.BY_KEY.get(key)
        self._check(d, key, rt, True)
        dev = self.devices.get(d.name)
        if dev is not None:
            return dev.sysreg_read(d.name, key, rt) & M64
        fn = _SPECIAL_READ.get(d.name)
        if fn is not None:
            return fn(self.cpu) & M64
        if d.kind == "special":
            self.cpu.warn(f"{d.name}: special behaviour not implemented, reads stored value")
        return self.regs[SLOT[d.name]]

    def write(self, key: int, rt: int, value: int) -> None:
        d = D.BY_KEY.get(key)
        self._check(d, key, rt, False)
        dev = self.devices.get(d.name)
        if dev is not None:
            dev.sysreg_write(d.name, key, rt, value & M64)
            return
        fn = _SPECIAL_WRITE.get(d.name)
        if fn is not None:
            fn(self.cpu, value & M64)
            return
        if d.kind == "const":
            return
        if d.kind == "special":
            self.cpu.warn(f"{d.name}: special behaviour not implemented, write stored")
        self.regs[SLOT[d.name]] = (value & ~d.res0 | d.res1) & M64
        self.gen += 1
        if d.name in MMU_REGS:
            self._mmu_changed(d.name)  # what a walk would return may have changed


# -- special registers -----------------------------------------------------------
def _sp_el0_check(cpu):
    # SP_EL0 is accessible by MSR/MRS only when SPSel = 1 (C5.2.18 SP_EL0 accessibility).
    if cpu.state.spsel == 0:
        raise undefined()


# FPCR: AHP DN FZ RMode (26:22), Stride (21:20), Len (18:16).  The trap
# enables (15, 12:8) are RAZ/WI (exceptions are not trapped, as on the A57);
# FZ16 (19) is ARMv8.2.
FPCR_WRITABLE = 0x07F70000


def _fp_check(cpu):
    """MRS/MSR FPCR/FPSR: the FP/AdvSIMD access check (CPACR_EL1.FPEN,
    CPTR_EL2.TFP: AArch64.SystemAccessTrap with EC 0x07, or 0x00 to EL2 under
    HCR_EL2.TGE, the same outcomes as the instructions': Cpu.fp_access);
    UNDEFINED while FP/AdvSIMD is not enabled (Cpu.fp_enabled)."""
    from .abi import FP_OK               # (abi imports the helpers, which import this module)
    a = cpu.fp_access()
    if a != FP_OK:
        raise fp_access_exception(a)


def _ccsidr(cpu):
    return D.CCSIDR_VALUES.get(cpu.sysregs.get("CSSELR_EL1"), 0)


def _dczid(cpu):
    v = D.BY_KEY[encoding_key(3, 3, 0, 0, 7)].reset
    el = cpu.state.el
    if el == 0 and not cpu.sysregs.get("SCTLR_EL1") & SCTLR.DZE or el < 2 and cpu.sysregs.get("HCR_EL2") & HCR.TDZ:
        v |= 1 << 4                                   # DZP: DC ZVA prohibited (or trapped to EL2)
    return v


def _sp_el0_read(cpu):
    _sp_el0_check(cpu)
    return cpu.get_sp_el(0)


def _sp_el0_write(cpu, v):
    _sp_el0_check(cpu)
    cpu.set_sp_el(0, v)


def _cntfrq_read(cpu):
    # EL0 may read it when either counter is enabled for EL0 (CNTKCTL_EL1.EL0PCTEN/EL0VCTEN).
    if cpu.state.el == 0 and not cpu.sysregs.get("CNTKCTL_EL1") & (CNTKCTL.EL0PCTEN | CNTKCTL.EL0VCTEN):
        raise GuestException(EC_SYSREG, trap_iss(encoding_key(3, 3, 14, 0, 0), 31, True), target_el=1)
    return cpu.sysregs.get("CNTFRQ_EL0")


def _cntfrq_write(cpu, v):
    if cpu.state.el < 2:                 # writable only at the highest implemented EL
        raise undefined()
    cpu.sysregs.set("CNTFRQ_EL0", v & 0xFFFFFFFF)


def _tpidrro_write(cpu, v):
    if cpu.state.el == 0:                # read-only at EL0
        raise undefined()
    cpu.sysregs.set("TPIDRRO_EL0", v)


def _oslar_write(cpu, v):
    # OSLAR_EL1.OSLK -> OSLSR_EL1.OSLK (bit 1); OSLM (bit 3) says the lock is implemented
    cpu.sysregs.set("OSLSR_EL1", cpu.sysregs.get("OSLSR_EL1") & ~2 | (v & 1) << 1)


_SPECIAL_READ = {
    "NZCV": lambda cpu: cpu.nzcv,
    "DAIF": lambda cpu: cpu.state.daif,
    "CurrentEL": lambda cpu: cpu.state.el << 2,
    "SPSel": lambda cpu: cpu.state.spsel,
    "FPCR": lambda cpu: _fp_check(cpu) or cpu.state.fpcr,
    "FPSR": lambda cpu: _fp_check(cpu) or cpu.state.fpsr,
    "SP_EL0": _sp_el0_read,
    "SP_EL1": lambda cpu: cpu.get_sp_el(1),
    "CCSIDR_EL1": _ccsidr,
    "DCZID_EL0": _dczid,
    # EL1 reads the virtualised identity EL2 set (VPIDR_EL2 / VMPIDR_EL2)
    "MIDR_EL1": lambda cpu: cpu.sysregs.get("VPIDR_EL2") if cpu.state.el == 1 else D.BY_NAME["MIDR_EL1"].reset,
    "MPIDR_EL1": lambda cpu: cpu.sysregs.get("VMPIDR_EL2") if cpu.state.el == 1
    else D.BY_NAME["MPIDR_EL1"].reset | cpu.index,
    "ISR_EL1": lambda cpu: cpu.pending_interrupts_isr(),
    "TPIDRRO_EL0": lambda cpu: cpu.sysregs.get("TPIDRRO_EL0"),
    "CNTFRQ_EL0": _cntfrq_read,
    "OSLSR_EL1": lambda cpu: cpu.sysregs.get("OSLSR_EL1"),
    "DBGCLAIMSET_EL1": lambda cpu: 0xFF,          # 8 claim tag bits implemented
    "DBGCLAIMCLR_EL1": lambda cpu: cpu.sysregs.get("DBGCLAIMCLR_EL1") & 0xFF,
}

_SPECIAL_WRITE = {
    "NZCV": lambda cpu, v: cpu.set_nzcv(v),
    "DAIF": lambda cpu, v: setattr(cpu.state, "daif", v & 0x3C0),
    "SPSel": lambda cpu, v: cpu.set_pstate_el(cpu.state.el, v & 1),
    "FPCR": lambda cpu, v: _fp_check(cpu) or setattr(cpu.state, "fpcr", v & FPCR_WRITABLE),
    "FPSR": lambda cpu, v: _fp_check(cpu) or setattr(cpu.state, "fpsr", v & 0xF800009F),
    "SP_EL0": _sp_el0_write,
    "SP_EL1": lambda cpu, v: cpu.set_sp_el(1, v),
    "TPIDRRO_EL0": _tpidrro_write,
    "CNTFRQ_EL0": _cntfrq_write,
    "OSLAR_EL1": _oslar_write,
    # claim tags live in DBGCLAIMCLR_EL1's slot
    "DBGCLAIMSET_EL1": lambda cpu, v: cpu.sysregs.set("DBGCLAIMCLR_EL1", cpu.sysregs.get("DBGCLAIMCLR_EL1") | v & 0xFF),
    "DBGCLAIMCLR_EL1": lambda cpu, v: cpu.sysregs.set("DBGCLAIMCLR_EL1", cpu.sysregs.get("DBGCLAIMCLR_EL1") & ~v & 0xFF),
}
