"""Exception syndromes as text: ``describe_esr`` turns an ESR_ELx value into
one line ("EC=0x16 HVC64 imm=0x123"), ``describe_sysreg_key`` names a
system register or system instruction by its encoding.

The layouts are the Arm ARM's (D17.2.37 ESR_EL1 and the ISS encodings per
exception class).  Only the classes a64jit raises or a guest commonly sees
have their ISS decoded field by field; every other class still gets its
name and the raw ISS, so nothing is ever hidden.  The trace viewer
(a64jit/traceview.py) and the Perfetto export use these.
"""
from __future__ import annotations

from .runtime.exceptions import EC_NAMES

#: classes the runtime's table does not name (it lists the ones a64jit raises)
_MORE_EC_NAMES = {
    0x04: "MCRR/MRRC cp15", 0x05: "MCR/MRC cp14", 0x06: "LDC/STC cp14", 0x08: "VMRS cp10",
    0x09: "PAuth", 0x0A: "LD64B/ST64B", 0x0C: "MRRC cp14", 0x0D: "BTI", 0x12: "HVC32", 0x13: "SMC32",
    0x1A: "ERET trap", 0x1B: "TSTART", 0x1C: "FPAC", 0x1D: "SME", 0x1E: "GPC", 0x1F: "IMPDEF EL3",
    0x27: "MOPS", 0x28: "FP exception32", 0x38: "BKPT32", 0x3A: "Vector catch",
}

_LEVEL_FAULTS = {0x00: "address size fault", 0x04: "translation fault", 0x08: "access flag fault",
                 0x0C: "permission fault", 0x14: "synchronous external abort on table walk",
                 0x1C: "parity/ECC error on table walk", 0x24: "granule protection fault on table walk"}
#: DFSC/IFSC codes that are not "<kind> level n"
_OTHER_FSC = {
    0x10: "synchronous external abort", 0x11: "tag check fault", 0x13: "synchronous external abort on "
    "table walk level -1", 0x18: "parity/ECC error", 0x1B: "parity/ECC error on table walk level -1",
    0x21: "alignment fault", 0x22: "debug event", 0x23: "granule protection fault on table walk level -1",
    0x28: "granule protection fault", 0x29: "address size fault level -1", 0x2B: "translation fault level -1",
    0x30: "TLB conflict abort", 0x31: "unsupported atomic hardware update", 0x34: "IMPDEF fault (lockdown)",
    0x35: "IMPDEF fault (unsupported exclusive or atomic)",
}
_SAS = ("byte", "halfword", "word", "doubleword")


def ec_name(ec: int) -> str:
    return EC_NAMES.get(ec) or _MORE_EC_NAMES.get(ec, "reserved")


def describe_fsc(fsc: int) -> str:
    """A data or instruction fault status code (ISS.DFSC / ISS.IFSC)."""
    base = fsc & 0x3C
    if base in _LEVEL_FAULTS and fsc < 0x28 and fsc not in _OTHER_FSC:
        return f"{_LEVEL_FAULTS[base]} level {fsc & 3}"
    return _OTHER_FSC.get(fsc, f"fault status {fsc:#04x}")


def describe_sysreg_key(key: int) -> str:
    """The name of the system register (op0 2 or 3) or system instruction
    (op0 1: DC, IC, TLBI, AT) whose encoding is ``key``
    (``sysreg_defs.encoding_key``), or its generic name S<op0>_<op1>_C<n>_C<m>_<op2>."""
    # (imported here: building the register tables costs more than a trace listing's start-up otherwise)
    from .runtime.sysreg_defs import BY_KEY, SYSOPS_BY_KEY, encoding_fields
    d = (SYSOPS_BY_KEY if key >> 14 & 3 == 1 else BY_KEY).get(key)
    if d is not None:
        return d.name
    op0, op1, crn, crm, op2 = encoding_fields(key)
    return f"S{op0}_{op1}_C{crn}_C{crm}_{op2}"


def _xreg(n: int, wide: bool = True) -> str:
    # register 31 in these fields is the zero register, never SP
    return ("x" if wide else "w") + (str(n) if n != 31 else "zr")


def _data_abort(iss: int) -> str:
    isv, wnr = iss >> 24 & 1, iss >> 6 & 1
    parts = [f"DFSC={iss & 0x3F:#04x} {describe_fsc(iss & 0x3F)}", "write" if wnr else "read"]
    if isv:
        sf = iss >> 15 & 1
        srt = iss >> 16 & 31
        parts.append(f"ISV=1 SAS={_SAS[iss >> 22 & 3]} SSE={iss >> 21 & 1} SRT={srt} ({_xreg(srt, sf)}) "
                     f"SF={sf} AR={iss >> 14 & 1}")
    else:
        parts.append("ISV=0")      # no instruction syndrome: the access had writeback, was a pair, SIMD...
    flags = f"WnR={wnr} S1PTW={iss >> 7 & 1} CM={iss >> 8 & 1}"
    if iss >> 9 & 1:
        flags += " EA=1"
    if iss >> 10 & 1:
        flags += " FnV=1 (FAR not valid)"
    if iss >> 13 & 1:
        flags += " VNCR=1"
    parts.append(flags)
    return ", ".join(parts)


def _insn_abort(iss: int) -> str:
    text = f"IFSC={iss & 0x3F:#04x} {describe_fsc(iss & 0x3F)}, S1PTW={iss >> 7 & 1}"
    if iss >> 9 & 1:
        text += " EA=1"
    if iss >> 10 & 1:
        text += " FnV=1 (FAR not valid)"
    return text


def _sys_trap(iss: int) -> str:
    op0, op2, op1 = iss >> 20 & 3, iss >> 17 & 7, iss >> 14 & 7
    crn, rt, crm, read = iss >> 10 & 15, iss >> 5 & 31, iss >> 1 & 15, iss & 1
    key = op0 << 14 | op1 << 11 | crn << 7 | crm << 3 | op2
    name = describe_sysreg_key(key)
    if op0 == 1:
        insn = f"SYSL {_xreg(rt)}, {name}" if read else f"SYS {name}, {_xreg(rt)}"
    else:
        insn = f"MRS {_xreg(rt)}, {name}" if read else f"MSR {name}, {_xreg(rt)}"
    return (f"{insn} ({'read' if read else 'write'}: op0={op0} op1={op1} CRn={crn} CRm={crm} op2={op2} "
            f"Rt={rt})")


def _wfx(iss: int) -> str:
    ti = iss & 3
    text = ("WFI", "WFE", "WFIT", "WFET")[ti]
    if ti >= 2 and iss >> 2 & 1:               # WFxT with a valid register
        text += f" Rt={iss >> 5 & 31}"
    return text + _cond(iss)


def _cond(iss: int) -> str:
    # CV/COND: only meaningful for traps from AArch32 state
    return f" COND={iss >> 20 & 15:#x}" if iss >> 24 & 1 else ""


def _serror(iss: int) -> str:
    if iss >> 24 & 1:
        return f"IMPDEF syndrome {iss & 0xFFFFFF:#x}"
    dfsc = iss & 0x3F
    text = {0x00: "uncategorized", 0x11: "asynchronous SError interrupt"}.get(dfsc, f"DFSC={dfsc:#04x}")
    if dfsc == 0x11:
        aet = iss >> 10 & 7
        text += " AET=" + {0: "UC", 1: "UEU", 2: "UEO", 3: "UER", 6: "CE"}.get(aet, str(aet))
    if iss >> 9 & 1:
        text += " EA=1"
    return text


def _fp_exception(iss: int) -> str:
    if not iss >> 23 & 1:
        return "(no trapped exception flags recorded)"
    names = ((7, "IDF"), (4, "IXF"), (3, "UFF"), (2, "OFF"), (1, "DZF"), (0, "IOF"))
    return " ".join(n for bit, n in names if iss >> bit & 1) or "(no flags)"


def _watchpoint(iss: int) -> str:
    return f"{'write' if iss >> 6 & 1 else 'read'} CM={iss >> 8 & 1}"


def _step(iss: int) -> str:
    if iss >> 24 & 1:
        return f"EX={iss >> 6 & 1}"
    return "(no syndrome)"


def _imm16(iss: int) -> str:
    return f"imm={iss & 0xFFFF:#x}"


#: the ISS decoder of each class that has one
_ISS_DECODERS = {
    0x01: _wfx, 0x07: _cond, 0x11: _imm16, 0x12: _imm16, 0x13: _imm16, 0x15: _imm16, 0x16: _imm16,
    0x17: _imm16, 0x18: _sys_trap, 0x20: _insn_abort, 0x21: _insn_abort, 0x24: _data_abort,
    0x25: _data_abort, 0x2C: _fp_exception, 0x2F: _serror, 0x30: _insn_abort, 0x31: _insn_abort,
    0x32: _step, 0x33: _step, 0x34: _watchpoint, 0x35: _watchpoint, 0x3C: _imm16,
}
#: classes whose ISS is RES0: nothing to add after the name
_NO_ISS = {0x00, 0x0E, 0x22, 0x26}


def describe_esr(esr: int) -> str:
    """One line for an ESR_ELx value: "EC=0x16 HVC64 imm=0x123",
    "EC=0x24 DABT lower: DFSC=0x07 translation fault level 3, write, ...".
    IL (the trapped instruction's length) is only mentioned when it is 0
    (a 16-bit T32 instruction): for A64 code it is always 1."""
    ec, il, iss = esr >> 26 & 0x3F, esr >> 25 & 1, esr & 0x1FFFFFF
    head = f"EC={ec:#04x} {ec_name(ec)}"
    decode = _ISS_DECODERS.get(ec)
    if decode is not None:
        detail = decode(iss)
        sep = " " if ec in (0x11, 0x12, 0x13, 0x15, 0x16, 0x17, 0x3C) else ": "
        text = head + (sep + detail.strip() if detail.strip() else "")
    elif ec in _NO_ISS:
        text = head + (f" ISS={iss:#x}" if iss else "")
    else:
        text = head + f" ISS={iss:#x}"
    if not il and ec not in _NO_ISS:
        text += " IL=0"
    iss2 = esr >> 32 & 0xFFFFFF
    if iss2:
        text += f" ISS2={iss2:#x}"
    return text
