"""Architectural exceptions as records.

Anything the guest does that the architecture answers with an exception ends
as a ``GuestException`` carrying the ESR_ELx syndrome parts (EC, ISS) and the
fault address.  Whether it is then *taken* (vector to VBAR_ELx, SPSR/ELR/ESR
written) or *reported* (run_snippet) is the runtime's choice, never the
instruction's.  Encodings: ARM ARM D17.2.37 "ESR_EL1" (EC values) and the ISS
encodings for data aborts (ISS encoding for an exception from a Data Abort).
"""
from __future__ import annotations

# Exception classes (ESR_ELx.EC)
EC_UNKNOWN = 0x00        # UNDEFINED instruction / unknown reason
EC_WFX = 0x01
EC_FP_ACCESS = 0x07
EC_ILLEGAL_STATE = 0x0E
EC_SVC64 = 0x15
EC_HVC64 = 0x16
EC_SMC64 = 0x17
EC_SYSREG = 0x18         # trapped MSR/MRS/SYS
EC_IABORT_LOWER = 0x20
EC_IABORT_SAME = 0x21
EC_PC_ALIGN = 0x22
EC_DABORT_LOWER = 0x24
EC_DABORT_SAME = 0x25
EC_SP_ALIGN = 0x26
EC_SERROR = 0x2F
EC_BRK64 = 0x3C

#: EC -> the short name the ARM ARM gives the class (ESR_ELx.EC), for summaries and traces
EC_NAMES = {
    0x00: "Unknown", 0x01: "WFx", 0x03: "MCR/MRC cp15", 0x07: "FP/SIMD access", 0x0E: "Illegal state",
    0x11: "SVC32", 0x15: "SVC64", 0x16: "HVC64", 0x17: "SMC64", 0x18: "MSR/MRS/SYS", 0x19: "SVE",
    0x20: "IABT lower", 0x21: "IABT same", 0x22: "PC align", 0x24: "DABT lower", 0x25: "DABT same",
    0x26: "SP align", 0x2C: "FP exception", 0x2F: "SError", 0x30: "Breakpoint lower", 0x31: "Breakpoint same",
    0x32: "Step lower", 0x33: "Step same", 0x34: "Watchpoint lower", 0x35: "Watchpoint same", 0x3C: "BRK64",
}

# Data/instruction fault status codes (ISS.DFSC / IFSC)
FSC_ADDR_SIZE_L0 = 0x00
FSC_TRANSLATION_L0 = 0x04
FSC_EXTERNAL = 0x10      # synchronous external abort, not on a walk
FSC_ALIGNMENT = 0x21


class WatchHit(Exception):
    """An access touched a debugger's watchpoint (a64jit/debug.py): not an
    architectural event: the engines stop before the instruction, which has
    not retired (as AArch64 reports a watchpoint), and hand this to the
    debugger.  ``kind``: "write", "read" or "access"; ``addr``: the access."""

    def __init__(self, kind: str, addr: int):
        super().__init__(kind, addr)
        self.kind, self.addr = kind, addr


class GuestException(Exception):
    """An exception raised by the guest instruction at the current PC.

    ``preferred_return_offset`` is what ELR gets relative to the faulting
    instruction's address: 0 for aborts and UNDEF, 4 for SVC/HVC/SMC (their
    preferred return address is the next instruction; AArch64.CallSupervisor).
    """

    __slots__ = ("ec", "iss", "far", "return_offset", "target_el", "ipa")

    def __init__(self, ec: int, iss: int = 0, far: int | None = None,
                 return_offset: int = 0, target_el: int | None = None, ipa: int | None = None):
        super().__init__(ec, iss, far)
        self.ec = ec
        self.iss = iss
        self.far = far
        self.return_offset = return_offset
        self.target_el = target_el
        self.ipa = ipa               # stage-2 faults: the IPA (HPFAR_EL2)

    def as_dict(self) -> dict:
        return {"ec": self.ec, "iss": self.iss, "far": self.far}

    def __repr__(self) -> str:
        far = "None" if self.far is None else hex(self.far)
        return f"GuestException(ec={self.ec:#x}, iss={self.iss:#x}, far={far})"


FP_ACCESS_ISS = 1 << 24 | 0xE << 20      # CV = 1, COND = 0b1110: ConditionSyndrome() from AArch64


def fp_access_exception(kind: int) -> GuestException:
    """The exception of an FP/AdvSIMD instruction whose access check
    (``abi.FP_*``, not FP_OK) fails: AArch64.AdvSIMDFPAccessTrap(target_el),
    which routes a trap to EL1 under HCR_EL2.TGE to EL2 as Uncategorized."""
    ec, iss, target = fp_access_syndrome(kind)
    return GuestException(ec, iss, target_el=target)


def fp_access_syndrome(kind: int):
    """(EC, ISS, target EL or None) for ``abi.FP_*`` (not FP_OK)."""
    if kind == 2:                 # FP_TRAP_EL1
        return EC_FP_ACCESS, FP_ACCESS_ISS, 1
    if kind == 3:                 # FP_TRAP_EL2
        return EC_FP_ACCESS, FP_ACCESS_ISS, 2
    if kind == 4:                 # FP_TRAP_EL2_TGE
        return EC_UNKNOWN, 0, 2
    return EC_UNKNOWN, 0, None    # FP_UNDEF


def undefined() -> GuestException:
    """AArch64.UndefinedFault(): EC 0, ISS 0 (IL is set by the taker)."""
    return GuestException(EC_UNKNOWN, 0)


def data_abort(far: int, fsc: int, *, write: bool, el_same: bool = True,
               isv: tuple | None = None) -> GuestException:
    """A data abort.  ``isv`` = (sas, sse, srt, sf, ar) when the instruction
    syndrome is valid (single general-register load/store without writeback,
    not exclusive): ISS bits 24 ISV, 23:22 SAS, 21 SSE, 20:16 SRT, 15 SF, 14 AR.
    """
    iss = fsc | (int(write) << 6) | isv_iss(isv)
    return GuestException(EC_DABORT_SAME if el_same else EC_DABORT_LOWER, iss, far)


def isv_iss(isv: tuple | None) -> int:
    """The instruction-syndrome ISS bits of (sas, sse, srt, sf, ar), or 0."""
    if isv is None:
        return 0
    sas, sse, srt, sf, ar = isv
    return 1 << 24 | sas << 22 | int(sse) << 21 | srt << 16 | int(sf) << 15 | int(ar) << 14
