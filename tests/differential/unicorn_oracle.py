"""Unicorn-based reference oracle implementing the ``run_snippet`` contract.

``run_unicorn(code, regs=..., mem=..., base=..., max_insns=...)`` returns the
same dict shape as ``a64jit.snippet.run_snippet``::

    {"regs": {...}, "pc": int, "mem": {addr: bytes}, "exception": None | {"ec", "iss", "far"},
     "insns": int}

It is built on Unicorn 2.1.4 (QEMU 5.0.x TCG underneath) with CPU model
Cortex-A72 (ARMv8.0).  Everything below was established empirically against
that version; tests/differential/test_unicorn_oracle.py pins most of it.

Initial state
-------------
* Unicorn's AArch64 vCPU starts at EL1h: PSTATE = 0x400003c5 (M = 0b0101,
  DAIF all masked, Z set).  ``mrs CurrentEL`` reads 4, ``mrs SPSel`` reads 1,
  ``mrs DAIF`` reads 0x3c0.  We keep that (only NZCV is overwritten from
  ``regs``), so the reference state is EL1h with DAIF = 0b1111.
* UC_ARM64_REG_SP accesses the *current* stack pointer (QEMU's xregs[31]),
  i.e. SP_EL1 at EL1h.  UC_ARM64_REG_SP_EL0/SP_EL1 read the banked copies,
  which QEMU only refreshes when the stack pointer is switched.  After
  ``msr SPSel, #0`` Unicorn's SP is SP_EL0 (initially 0).  ``regs["sp"]``
  is the current SP on input (SP_EL1) and on output (whatever PSTATE.EL and
  SPSel select then), like a64jit.snippet's x[31].
* System registers, QEMU's Cortex-A72 reset values unless noted (read with
  ``mrs``): SCTLR_EL1 = 0x00c50838 at reset (M = 0, A = 0, SA = SA0 = 1,
  C = I = 0, and the ARMv8.0 RES1 bits 20/28/29 missing); the oracle writes
  0x30d50820: RES1 bits set, SA = SA0 = 0 as the run_snippet contract says
  (QEMU never checks SP alignment anyway), M = A = C = I = 0.
  CPACR_EL1 = 0 at reset (yet Unicorn does not trap FP/SIMD at EL1: it never
  rebuilds its FP-enable state from CPACR at reset); the oracle writes
  FPEN = 0b11 (0x300000) as the run_snippet contract says.  SCR_EL3 = 0 at
  reset, i.e. HCE = 0, which makes HVC UNDEFINED at EL1; the oracle sets
  SCR_EL3.HCE (reads back 0x130) so HVC raises EC 0x16 as the contract
  wants.  SMC is not trapped (SMD = 0) and raises EC 0x17 (EL3 exists).
  HCR_EL2 = CPTR_EL2/EL3 = MDCR_EL2 = MDSCR_EL1 = 0, VBAR/ELR/SPSR_EL1 = 0,
  SP_EL0 = 0.  MIDR_EL1 = 0x410fd083, MPIDR_EL1 = 0x80000000,
  ID_AA64PFR0_EL1 = 0x2222 (EL0-EL3, AArch32 at every EL, FP and AdvSIMD,
  no GIC system registers), ID_AA64DFR0_EL1 = 0x10305106 (PMUv3),
  ID_AA64ISAR0_EL1 = 0x11120 (AES+PMULL, SHA1, SHA256, CRC32),
  ID_AA64MMFR0_EL1 = 0x1124, CTR_EL0 = 0x8444c004, CLIDR_EL1 = 0x0a200023,
  DCZID_EL0 = 4 (64-byte DC ZVA blocks), CNTFRQ_EL0 = 62.5 MHz, PMCR_EL0 =
  0x41002040.  CNTPCT/CNTVCT follow host time.  ``INITIAL_SYSREGS`` has the
  values (tests pin them).
* Registers QEMU 5 lacks for this CPU (MRS/MSR UNDEFINED in Unicorn although
  ARMv8.0 has them): MDCCSR_EL0, DBGDTR*_EL0, OSDTRRX/TX_EL1, OSECCR_EL1,
  DBGPRCR_EL1, DBGCLAIMSET/CLR_EL1, DBGAUTHSTATUS_EL1; the A72 IMPDEF
  registers (CRn = 11/15, e.g. L2CTLR, CPUACTLR) except CBAR_EL1 (reads 0).
* The oracle puts Unicorn's soft-TLB in UC_TLB_VIRTUAL mode: addresses are
  always identity-mapped, so a random ``msr SCTLR_EL1, xN`` that sets M
  cannot make the next fetch walk garbage page tables (in the default
  UC_TLB_CPU mode it raises a prefetch abort, EXCP 3, on the next
  instruction).

Memory
------
Unicorn maps whole 4 KiB pages; the contract's regions are byte exact.  The
pages covering the code and data regions are mapped, and every data access is
checked in UC_HOOK_MEM_READ/WRITE (which see the whole access, even one that
straddles into an unmapped page) and UC_HOOK_MEM_UNMAPPED.  An access with any
byte outside the declared regions (code region included, so the rest of the
code page is not accessible) becomes a data abort, EC 0x25, with
``far`` = the lowest address of the access that lies outside every region
(for an access that starts outside: the access address; for one that runs off
the end of a region: the region end).  ``iss`` = WnR << 6 | DFSC with
DFSC 0x10 (synchronous external abort: with the MMU off there is no
translation fault to report) or 0x21 for alignment faults.

Unicorn cannot abort an access from a hook: the instruction runs to
completion (an STR that straddles the end of a region writes the in-region
bytes; an STP whose second half faults has already written the first half;
DC ZVA to an unmapped address even leaves PC at the next instruction).  So
whenever a data abort happens in instruction #k the oracle *replays*: it
restores the initial state and executes exactly k-1 instructions, which gives
the precise pre-instruction state for registers and memory.  This costs a
second setup only for aborting runs.

Fetching
--------
An instruction is executed only when its 4 bytes are in the code region
(checked in UC_HOOK_CODE, which runs before the instruction, and emu_stop()
there prevents it).  A PC outside the region (branch target, fall-through,
ERET to ELR=0) just stops: exception None, pc = that address.  Unmapped
targets surface as UC_ERR_FETCH_UNMAPPED, which is treated the same way.  A
misaligned PC inside the code region: QEMU 5 has no PC alignment check (it
happily decodes the word at PC+2), so the oracle raises the PC alignment
fault itself in the code hook: EC 0x22, iss 0, far = pc.

Exceptions (UC_HOOK_INTR numbers are QEMU's EXCP_* values)
--------------------------------------------------------
* 1 EXCP_UDEF: UNDEFINED, reported ec 0, iss 0.  QEMU also uses it for
  syndromes such as trapped sysreg/FP accesses, but none of those traps are
  enabled in this configuration.  HLT #imm raises it (halting debug is not
  enabled, so HLT is UNDEFINED, which is architecturally right), as do DCPS1-3
  and DRPS (not in Debug state) and, with SCR_EL3.HCE = 0, HVC.
* 2 EXCP_SWI (SVC), 11 EXCP_HVC, 13 EXCP_SMC: Unicorn's PC already points at
  the next instruction (the preferred return address); the oracle reports the
  SVC/HVC/SMC address as the contract wants.  iss = imm16 from the word.
* 7 EXCP_BKPT (BRK): PC stays at the BRK.  iss = imm16.
* 4 EXCP_DATA_ABORT: with the MMU off this only comes from QEMU's alignment
  check, which it applies to exclusives only (LDXR/LDAXR/LDXP/... and STXR
  etc. when the monitor is armed).  Reported as EC 0x25, DFSC 0x21,
  far = the base register (exclusives have no offset), WnR from the L bit.
* Unicorn gives no syndrome/FAR (ESR_EL1 is not written: the exception is not
  taken), hence the decoding from the instruction word above.
* WFI makes QEMU halt the vCPU, which ends emu_start quietly with PC at the
  next instruction; the oracle resumes, i.e. WFI completes as a NOP.  WFE,
  YIELD, SEV, SEVL are NOPs.  A NOP/hint is counted like any instruction.

Known ways Unicorn/QEMU 5 departs from ARMv8.0 (known_divergence() in
test_unicorn_random.py excuses them, narrowly):
* LDAR/STLR (and B/H variants) to a misaligned address execute; ARMv8.0
  requires an alignment fault for ordered accesses.
* ERET with Rn != 31 (an unallocated encoding) executes as ERET.
* Should-be-one fields are ignored: Rs/Rt2 of the exclusive and ordered
  load/store encodings, Ra of SMULH/UMULH (architecturally CONSTRAINED
  UNPREDICTABLE: UNDEFINED or as if all ones).
* No SP alignment checking (irrelevant while SCTLR_EL1.SA = 0).
* SCTLR_EL1.A written at run time has no visible effect on following loads.
* MRS of MDCCINT_EL1 / OSDLR_EL1 completes without writing Rt (ARM_CP_NOP).
* Some ARMv8.0 debug registers are missing (see above).
* PC alignment is not checked (handled by the oracle itself, see Fetching).

IMPLEMENTATION DEFINED / CONSTRAINED UNPREDICTABLE choices Unicorn makes:
* Store-exclusive with the monitor not armed (always the case for a single
  instruction): fails, Ws = 1, no memory access, so no alignment fault and
  no abort even for an unmapped address (both IMPLEMENTATION DEFINED).  With
  the monitor armed, STXR succeeds only for the exact LDXR address and only
  if memory still holds the value LDXR read (QEMU's cmpxchg), so a plain
  store of a different value in between makes it fail.  Misaligned
  load-exclusives (LDXR, LDXP to a non-2*size-aligned address...) fault.
* Load with writeback and Rn == Rt (LDR/LDP/LDPSW, pre/post-index): the
  written-back address wins (the pseudocode order with no UNKNOWN).
* Store with writeback and Rn == Rt: the original Rn value is stored.
* LDP/LDPSW/LDNP with Rt == Rt2: Rt gets the value from the lower address;
  LDXP/LDAXP with Rt == Rt2: the value from the higher address.
* STXR with Rs == Rt or Rs == Rn (monitor armed): stores the original Rt
  value at the original address, then writes the status.
* LDTR/STTR & co. at EL1 with the MMU off behave as ordinary accesses.
* HLT #imm: UNDEFINED (no halting debug).  DCPS1-3, DRPS: UNDEFINED.
* SMC: EC 0x17 (EL3 implemented, SCR_EL3.SMD = 0).  HVC: EC 0x16 with the
  SCR_EL3.HCE the oracle sets.
* MSR SPSel / DAIFSet / DAIFClr / MSR DAIF, NZCV behave architecturally;
  MRS CurrentEL = 4, SPSel = 1, DAIF = 0x3c0, NZCV = the flags.
* DC ZVA zeroes the 64-byte aligned block; an abort reports FAR = Xt (the
  unaligned register value, as QEMU documents: "DC_ZVA requires that we
  supply the original pointer for an invalid page"), or, if Xt itself is
  inside a region, the first byte of the block outside it.  DC CVAC/CIVAC/
  IVAC, IC IVAU, AT and TLBI never fault; PRFM never faults.
* Unallocated hints (including later-architecture ones: BTI, PACIASP, ESB,
  CSDB) are NOPs; SB, PAN/UAO MSRs, CAS, LDADD, LDAPR, LDLAR, RMIF, SETF,
  PACGA are UNDEFINED (not ARMv8.0).  CRC32* execute (A72 has CRC32).
* MSR FPCR keeps bits 26:16 except 19 (0x07f70000 of all ones); MSR FPSR
  keeps 0xf800009f.

Instructions are counted exactly with UC_HOOK_CODE.  One Uc instance is
reused across calls (creating one costs several ms): each call restores a
pristine CPU context saved at start-up (registers *and* system registers, so
random MSRs cannot leak into the next call), rewrites memory, and only
remaps pages when the set of pages changes.
"""

from __future__ import annotations

import ctypes
import struct
from typing import Any

from unicorn import (
    UC_ARCH_ARM64,
    UC_HOOK_CODE,
    UC_HOOK_INTR,
    UC_HOOK_MEM_READ,
    UC_HOOK_MEM_UNMAPPED,
    UC_HOOK_MEM_WRITE,
    UC_MEM_FETCH_UNMAPPED,
    UC_MEM_WRITE,
    UC_MEM_WRITE_UNMAPPED,
    UC_MODE_ARM,
    Uc,
    UcError,
)
from unicorn import arm64_const as A
from unicorn.unicorn_const import (
    UC_ERR_FETCH_UNMAPPED,
    UC_ERR_READ_UNMAPPED,
    UC_ERR_WRITE_UNMAPPED,
    UC_TLB_VIRTUAL,
)

__all__ = [
    "run_unicorn",
    "UnicornOracle",
    "OracleError",
    "INITIAL_SYSREGS",
    "EC_UNKNOWN",
    "EC_SVC64",
    "EC_HVC64",
    "EC_SMC64",
    "EC_PC_ALIGN",
    "EC_DABT_CUR",
    "EC_SP_ALIGN",
    "EC_BRK",
    "DFSC_ALIGNMENT",
    "DFSC_EXTERNAL",
    "ISS_WNR",
]

MASK64 = (1 << 64) - 1
MASK128 = (1 << 128) - 1
PAGE = 0x1000

# Which CPU to emulate: Cortex-A72 as specified for the oracle.
# UC_CPU_ARM64_A57 is the other ARMv8.0 model Unicorn 2.1 offers (QEMU's
# A57 has the same features; MIDR etc. differ).
CPU_MODEL = A.UC_CPU_ARM64_A72

# ESR_ELx exception classes used by the contract.
EC_UNKNOWN = 0x00
EC_SVC64 = 0x15
EC_HVC64 = 0x16
EC_SMC64 = 0x17
EC_PC_ALIGN = 0x22
EC_DABT_CUR = 0x25
EC_SP_ALIGN = 0x26
EC_BRK = 0x3C

DFSC_ALIGNMENT = 0x21
DFSC_EXTERNAL = 0x10  # what the oracle reports for "outside every region"
ISS_WNR = 1 << 6

# QEMU's EXCP_* numbers as delivered to UC_HOOK_INTR (qemu/target/arm/cpu.h).
_EXCP_UDEF = 1
_EXCP_SWI = 2
_EXCP_DATA_ABORT = 4
_EXCP_BKPT = 7
_EXCP_HVC = 11
_EXCP_SMC = 13

# intno -> EC for the exceptions whose ISS is the instruction's imm16.
_IMM16_EXCEPTIONS = {_EXCP_SWI: EC_SVC64, _EXCP_HVC: EC_HVC64, _EXCP_SMC: EC_SMC64, _EXCP_BKPT: EC_BRK}

# (op0, op1, CRn, CRm, op2) encodings.
_SCTLR_EL1 = (3, 0, 1, 0, 0)
_SCR_EL3 = (3, 6, 1, 1, 0)
_SCR_HCE = 1 << 8
# ARMv8.0 RES1 bits (29, 28, 23, 22, 20, 11) + nTWE/nTWI (18, 16) + CP15BEN
# (5): QEMU's A72 reset value with the RES1 bits it omits, and with SA/SA0
# cleared as the run_snippet contract requires (M, A, C, I stay 0).
_SCTLR_EL1_VALUE = 0x30D50820

# System register values as the oracle's programs see them with MRS at the
# start of every run (name -> ((op0, op1, CRn, CRm, op2), value)): QEMU's
# Cortex-A72 reset values plus the SCTLR_EL1/SCR_EL3 writes described in the
# module docstring.  SCR_EL3 is not readable from EL1; it is listed for
# completeness.  test_unicorn_oracle.py checks every readable one.
INITIAL_SYSREGS: dict[str, tuple[tuple[int, int, int, int, int], int]] = {
    "SCTLR_EL1": (_SCTLR_EL1, _SCTLR_EL1_VALUE),
    "SCR_EL3": (_SCR_EL3, 0x130),
    "CPACR_EL1": ((3, 0, 1, 0, 2), 3 << 20),
    "MIDR_EL1": ((3, 0, 0, 0, 0), 0x410FD083),
    "MPIDR_EL1": ((3, 0, 0, 0, 5), 0x80000000),
    "REVIDR_EL1": ((3, 0, 0, 0, 6), 0),
    "ID_AA64PFR0_EL1": ((3, 0, 0, 4, 0), 0x2222),
    "ID_AA64PFR1_EL1": ((3, 0, 0, 4, 1), 0),
    "ID_AA64DFR0_EL1": ((3, 0, 0, 5, 0), 0x10305106),
    "ID_AA64ISAR0_EL1": ((3, 0, 0, 6, 0), 0x11120),
    "ID_AA64ISAR1_EL1": ((3, 0, 0, 6, 1), 0),
    "ID_AA64MMFR0_EL1": ((3, 0, 0, 7, 0), 0x1124),
    "ID_AA64MMFR1_EL1": ((3, 0, 0, 7, 1), 0),
    "CTR_EL0": ((3, 3, 0, 0, 1), 0x8444C004),
    "CLIDR_EL1": ((3, 1, 0, 0, 1), 0x0A200023),
    "DCZID_EL0": ((3, 3, 0, 0, 7), 4),
    "CNTFRQ_EL0": ((3, 3, 14, 0, 0), 62_500_000),
    "PMCR_EL0": ((3, 3, 9, 12, 0), 0x41002040),
    "DAIF": ((3, 3, 4, 2, 1), 0x3C0),
    "CurrentEL": ((3, 0, 4, 2, 2), 0x4),
    "SPSel": ((3, 0, 4, 2, 0), 1),
    "SP_EL0": ((3, 0, 4, 1, 0), 0),
    "SPSR_EL1": ((3, 0, 4, 0, 0), 0),
    "ELR_EL1": ((3, 0, 4, 0, 1), 0),
    "VBAR_EL1": ((3, 0, 12, 0, 0), 0),
    "MDSCR_EL1": ((2, 0, 0, 2, 2), 0),
}

_XREGS = [getattr(A, f"UC_ARM64_REG_X{i}") for i in range(31)]
_VREGS = [getattr(A, f"UC_ARM64_REG_V{i}") for i in range(32)]
_REG_IDS: dict[str, int] = {f"x{i}": r for i, r in enumerate(_XREGS)}
_REG_IDS.update({f"v{i}": r for i, r in enumerate(_VREGS)})
_REG_IDS.update(
    {"sp": A.UC_ARM64_REG_SP, "nzcv": A.UC_ARM64_REG_NZCV, "fpcr": A.UC_ARM64_REG_FPCR, "fpsr": A.UC_ARM64_REG_FPSR}
)
_REG_NAMES = [f"x{i}" for i in range(31)] + ["sp", "nzcv"] + [f"v{i}" for i in range(32)] + ["fpcr", "fpsr"]
_REG_INDEX = {name: i for i, name in enumerate(_REG_NAMES)}


class _RegBatch:
    """Batched register access through preallocated ctypes buffers.

    The binding's reg_read_batch/reg_write_batch build ctypes objects per
    register and cost ~150 us for our 66 registers, more than everything else
    in a call together; going through the binding's low-level
    ``_do_reg_*_batch`` with fixed buffers takes a few microseconds.  Each
    register gets a 16-byte slot (V registers need all of it; Unicorn reads and
    writes only the low 4 or 8 bytes of the others).
    """

    def __init__(self, uc: Uc, ids: list[int]) -> None:
        n = len(ids)
        self._uc, self._n = uc, n
        self._ids = (ctypes.c_int * n)(*ids)
        self._buf = ctypes.create_string_buffer(16 * n)
        base = ctypes.addressof(self._buf)
        self._ptrs = (ctypes.c_void_p * n)(*(base + 16 * i for i in range(n)))
        self._fmt = struct.Struct("<" + "QQ" * n)

    def write(self, values: list[int]) -> None:
        flat = []
        for v in values:
            flat += (v & MASK64, (v >> 64) & MASK64)
        self._fmt.pack_into(self._buf, 0, *flat)
        if self._uc._do_reg_write_batch(self._ids, self._ptrs, ctypes.c_int(self._n)) != 0:
            raise OracleError("uc_reg_write_batch failed")

    def read(self) -> list[int]:
        if self._uc._do_reg_read_batch(self._ids, self._ptrs, ctypes.c_int(self._n)) != 0:
            raise OracleError("uc_reg_read_batch failed")
        flat = self._fmt.unpack_from(self._buf, 0)
        return [lo | hi << 64 for lo, hi in zip(flat[0::2], flat[1::2])]


class OracleError(RuntimeError):
    """Unicorn did something the oracle does not know how to map onto the contract."""


# Outcomes of one emu_start sequence, besides exceptions.
_LEFT = "left"  # PC outside the code region
_LIMIT = "limit"  # max_insns instructions completed


class UnicornOracle:
    """One reusable Unicorn instance; ``run`` implements the contract."""

    def __init__(self) -> None:
        uc = Uc(UC_ARCH_ARM64, UC_MODE_ARM)
        # Must happen before anything instantiates the vCPU.
        uc.ctl_set_cpu_model(CPU_MODEL)
        uc.ctl_set_tlb_mode(UC_TLB_VIRTUAL)
        uc.cpr_write(*_SCTLR_EL1, _SCTLR_EL1_VALUE)
        uc.cpr_write(3, 0, 1, 0, 2, 3 << 20)                 # CPACR_EL1.FPEN = 0b11
        uc.cpr_write(*_SCR_EL3, uc.cpr_read(*_SCR_EL3) | _SCR_HCE)
        # Everything a call may clobber in the CPU (GPRs, PSTATE, sysregs,
        # exclusive monitor) comes back from this snapshot.
        self._pristine = uc.context_save()
        uc.hook_add(UC_HOOK_CODE, self._on_code)
        uc.hook_add(UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE, self._on_mem)
        uc.hook_add(UC_HOOK_MEM_UNMAPPED, self._on_unmapped)
        uc.hook_add(UC_HOOK_INTR, self._on_intr)
        self._uc = uc
        # UC_ARM64_REG_SP is the current SP both ways (see docstring).
        self._regs = _RegBatch(uc, [_REG_IDS[n] for n in _REG_NAMES])
        self._mapped: set[int] = set()  # page numbers currently mapped
        self._intervals: list[tuple[int, int]] = []  # merged [lo, hi) of all regions
        self._code_lo = self._code_hi = 0
        self._reset_run_state(0)

    # ------------------------------------------------------------------ hooks
    # Hooks only record what happened and call emu_stop(); all decisions are
    # taken in _execute() once Unicorn has returned.

    def _on_code(self, uc: Uc, address: int, size: int, _ud: Any) -> None:
        if not (self._code_lo <= address < self._code_hi):
            self._finish(_LEFT, address)
        elif address & 3:
            # QEMU 5 would decode the word at the misaligned PC.
            self._event = ("pcalign", address)
            uc.emu_stop()
        elif address + 4 > self._code_hi:
            self._finish(_LEFT, address)  # instruction would be fetched partly outside
        elif self._n >= self._limit:
            self._finish(_LIMIT, address)
        else:
            self._n += 1
            self._cur = address

    def _on_mem(self, uc: Uc, access: int, address: int, size: int, value: int, _ud: Any) -> None:
        if self._event is None and not self._inside(address, size):
            self._event = ("abort", self._first_outside(address, size), access == UC_MEM_WRITE)
            uc.emu_stop()

    def _on_unmapped(self, uc: Uc, access: int, address: int, size: int, value: int, _ud: Any) -> bool:
        if access == UC_MEM_FETCH_UNMAPPED:
            # PC left the code region (handled in _execute).  ``address`` is
            # not necessarily the PC: a misaligned PC just below an unmapped
            # page reports the page start.
            pass
        elif self._event is None:
            self._event = ("abort", self._first_outside(address, size), access == UC_MEM_WRITE_UNMAPPED)
        return False  # never map on demand: makes Unicorn stop with UC_ERR_*_UNMAPPED

    def _on_intr(self, uc: Uc, intno: int, _ud: Any) -> None:
        if self._event is None:
            self._event = ("intr", intno)
        uc.emu_stop()

    def _finish(self, why: str, pc: int) -> None:
        if self._stop is None:
            self._stop, self._stop_pc = why, pc
        self._uc.emu_stop()

    # ---------------------------------------------------------------- helpers

    def _inside(self, address: int, size: int) -> bool:
        end = address + size
        for lo, hi in self._intervals:
            if lo <= address and end <= hi:
                return True
        return False

    def _first_outside(self, address: int, size: int) -> int:
        for a in range(address, address + size):
            a &= MASK64
            if not any(lo <= a < hi for lo, hi in self._intervals):
                return a
        return address & MASK64  # not reached: the access was reported as outside

    def _reset_run_state(self, limit: int) -> None:
        self._n = 0  # instructions started (== completed unless the last one raised)
        self._limit = limit
        self._cur: int | None = None  # address of the instruction being executed
        self._stop: str | None = None
        self._stop_pc = 0
        self._event: tuple | None = None  # first exception-like event

    def _map(self, regions: list[tuple[int, bytes]]) -> None:
        pages: set[int] = set()
        for addr, data in regions:
            if data:
                pages.update(range(addr // PAGE, (addr + len(data) - 1) // PAGE + 1))
        if pages == self._mapped:
            return
        uc = self._uc
        for p in sorted(self._mapped - pages):
            uc.mem_unmap(p * PAGE, PAGE)
        # Map new pages in contiguous runs (fewer Unicorn regions).
        new = sorted(pages - self._mapped)
        i = 0
        while i < len(new):
            j = i
            while j + 1 < len(new) and new[j + 1] == new[j] + 1:
                j += 1
            uc.mem_map(new[i] * PAGE, (j - i + 1) * PAGE)
            i = j + 1
        self._mapped = pages

    def _load_state(self, regions: list[tuple[int, bytes]], regs: dict[str, int]) -> None:
        uc = self._uc
        uc.context_restore(self._pristine)
        for addr, data in regions:
            if data:
                uc.mem_write(addr, data)
        # mem_write does not reliably drop translation blocks made from the
        # previous call's code (seen: a stale WFI block ran instead of a BR).
        lo, code = regions[0]
        if code:
            uc.ctl_remove_cache(lo, lo + len(code))
        values = [0] * len(_REG_NAMES)
        for name, value in regs.items():
            i = _REG_INDEX.get(name)
            if i is None:
                raise ValueError(f"unknown register {name!r}")
            values[i] = value & (MASK128 if name[0] == "v" else MASK64)
        self._regs.write(values)

    def _execute(self, start: int, limit: int) -> None:
        """Run from ``start`` until a stop condition; results land in self._stop/_event."""
        uc = self._uc
        self._reset_run_state(limit)
        pc = start
        resumes = 0
        while True:
            err = None
            try:
                uc.emu_start(pc, self._code_hi)
            except UcError as e:
                err = e.errno
            if self._event is not None or self._stop is not None:
                return
            if err == UC_ERR_FETCH_UNMAPPED:
                self._stop, self._stop_pc = _LEFT, uc.reg_read(A.UC_ARM64_REG_PC)
                return
            if err in (UC_ERR_READ_UNMAPPED, UC_ERR_WRITE_UNMAPPED):
                raise OracleError("unmapped access without a hook report")
            if err is not None:
                raise OracleError(f"unexpected Unicorn error {err} at pc={uc.reg_read(A.UC_ARM64_REG_PC):#x}")
            pc = uc.reg_read(A.UC_ARM64_REG_PC)
            if not (self._code_lo <= pc < self._code_hi):
                # Reached ``until`` (fall-through past the end of the code).
                self._stop, self._stop_pc = _LEFT, pc
                return
            # Emulation ended by itself with PC still inside: QEMU halted the
            # vCPU for WFI.  WFI may complete as a NOP, so carry on.
            resumes += 1
            if resumes > limit + 1:
                raise OracleError(f"Unicorn keeps stopping at pc={pc:#x}")

    def _read_regs(self) -> dict[str, int]:
        return dict(zip(_REG_NAMES, self._regs.read()))

    def _word(self, address: int) -> int:
        return int.from_bytes(self._uc.mem_read(address, 4), "little")

    def _exception(self) -> tuple[dict, int, bool]:
        """Map self._event to (exception dict, reported pc, needs_replay)."""
        kind = self._event[0]
        if kind == "pcalign":
            pc = self._event[1]
            return {"ec": EC_PC_ALIGN, "iss": 0, "far": pc}, pc, False
        pc = self._cur
        if kind == "abort":
            _, far, write = self._event
            iss = DFSC_EXTERNAL | (ISS_WNR if write else 0)
            return {"ec": EC_DABT_CUR, "iss": iss, "far": far}, pc, True
        intno = self._event[1]
        word = self._word(pc)
        if intno == _EXCP_UDEF:
            return {"ec": EC_UNKNOWN, "iss": 0, "far": None}, pc, False
        if intno in _IMM16_EXCEPTIONS:
            return {"ec": _IMM16_EXCEPTIONS[intno], "iss": (word >> 5) & 0xFFFF, "far": None}, pc, False
        if intno == _EXCP_DATA_ABORT and (word & 0x3F000000) == 0x08000000:
            # Alignment fault of a load/store exclusive: the address is the
            # base register, no offset.  State is still pre-instruction here.
            rn = (word >> 5) & 31
            base = self._uc.reg_read(A.UC_ARM64_REG_SP if rn == 31 else _XREGS[rn])
            write = not (word >> 22) & 1
            iss = DFSC_ALIGNMENT | (ISS_WNR if write else 0)
            return {"ec": EC_DABT_CUR, "iss": iss, "far": base}, pc, True
        raise OracleError(f"unhandled Unicorn exception {intno} at pc={pc:#x} word={word:#010x}")

    # ------------------------------------------------------------------- API

    def run(
        self,
        code: bytes,
        *,
        regs: dict[str, int] | None = None,
        mem: dict[int, bytes] | None = None,
        base: int = 0x40000000,
        max_insns: int = 10000,
    ) -> dict:
        regs = dict(regs or {})
        mem = {int(a): bytes(d) for a, d in (mem or {}).items()}
        code = bytes(code)
        regions = [(base, code)] + sorted(mem.items())
        spans = sorted((a, a + len(d)) for a, d in regions if d)
        for (lo1, hi1), (lo2, _hi2) in zip(spans, spans[1:]):
            if lo2 < hi1:
                raise ValueError(f"overlapping regions at {lo1:#x} and {lo2:#x}")
        merged: list[list[int]] = []
        for lo, hi in spans:
            if merged and merged[-1][1] == lo:
                merged[-1][1] = hi  # adjacent regions: an access may straddle them
            else:
                merged.append([lo, hi])
        self._intervals = [(lo, hi) for lo, hi in merged]
        self._code_lo, self._code_hi = base, base + len(code)

        self._map(regions)
        self._load_state(regions, regs)
        self._execute(base, max_insns)

        exception = None
        if self._event is not None:
            exception, pc, replay = self._exception()
            insns = self._n - 1 if self._event[0] != "pcalign" else self._n
            if replay:
                # Undo the partial effects of the aborted instruction by
                # re-running the instructions that completed before it.
                self._load_state(regions, regs)
                if insns:
                    self._execute(base, insns)
                    if self._event is not None or self._stop != _LIMIT:
                        raise OracleError("replay did not reproduce the original run")
        else:
            pc = self._stop_pc
            insns = self._n
        uc = self._uc
        return {
            "regs": self._read_regs(),
            "pc": pc,
            "mem": {a: bytes(uc.mem_read(a, len(d))) if d else b"" for a, d in mem.items()},
            "exception": exception,
            "insns": insns,
        }


_ORACLE: UnicornOracle | None = None


def run_unicorn(
    code: bytes,
    *,
    regs: dict[str, int] | None = None,
    mem: dict[int, bytes] | None = None,
    base: int = 0x40000000,
    max_insns: int = 10000,
) -> dict:
    """Run ``code`` on Unicorn under the run_snippet contract (see module docstring)."""
    global _ORACLE
    if _ORACLE is None:
        _ORACLE = UnicornOracle()
    return _ORACLE.run(code, regs=regs, mem=mem, base=base, max_insns=max_insns)
