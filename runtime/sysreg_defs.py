"""AArch64 system-register and SYS-operation table for a64jit.

Pure data.  The mechanism (access checks, storage, hooks) is in
runtime/sysregs.py; this file only says which encodings exist, who may
touch them, what they hold at reset and which bits are fixed.

The PE modelled is an ARMv8.0-A Cortex-A57 (QEMU's "cortex-a57" identity)
with EL0, EL1 and EL2, AArch64 only, no EL3, no FP/AdvSIMD yet, no PMU,
no SVE/PAuth/MTE/RAS/LOR/PAN/VHE, and a GICv3 system-register CPU
interface.  Register values follow the project's platform notes (the
boot contract and ID register values QEMU's virt/cortex-a57 presents).

Conventions
-----------
* ``el``      lowest EL that may access the register at all.  Trap/enable
              controls from higher ELs (HCR_EL2.TID*, CNTHCTL_EL2.EL1PC*,
              MDCR_EL2.TD*, CPACR/CPTR FP traps, ICH_HCR_EL2.TALL*, ICC_SRE_EL2
              .Enable, HCR_EL2.IMO/FMO redirection of ICC_* to ICV_*) are not
              encoded here; they are the mechanism's job.
* ``access``  "rw", "ro" or "wo" at every EL that may access the register.
* ``kind``    "plain"   stored 64-bit value; writes are masked with res0/res1
                        (value = (v & ~res0) | res1).
              "const"   read-only constant (= reset).
              "special" behaviour implemented by name in runtime/sysregs.py.
* RAZ/WI registers (IMPLEMENTATION DEFINED ones that QEMU's a57 model makes
  ARM_CP_CONST 0 with RW access) are written as kind="plain", access="rw",
  res0=ALL_ONES: a write is accepted and discarded and a read returns 0.
* ``el0``     for el == 0 registers: the control bit that permits EL0
              access ("SCTLR_EL1.UCT" means: EL0 access allowed when
              SCTLR_EL1.UCT == 1, otherwise trapped to EL1).  A leading "!"
              inverts the sense: "!MDSCR_EL1.TDCC" means allowed when TDCC == 0.
              None means EL0 access is always allowed (subject to higher-EL
              traps).
* Encodings are (op0, op1, CRn, CRm, op2) exactly as in the ARM ARM and
  Linux's sys_reg(); every named encoding here was cross-checked by
  assembling "mrs/msr <name>" / "dc|ic|at|tlbi <op>" with binutils
  (aarch64-linux-gnu-as) -- see check_against_assembler() below.

Primary sources used
--------------------
* Linux v6.1.20 arch/arm64/include/asm/sysreg.h, arch/arm64/tools/sysreg,
  arch/arm64/include/asm/kvm_arm.h, include/linux/irqchip/arm-gic-v3.h.
* QEMU target/arm/cpu64.c aarch64_a57_initfn (MIDR, CTR, CLIDR, CCSIDR,
  reset_sctlr, ID_AA64DFR0 = 0x10305106, GIC 4 LRs / 5 pri / 5 pre bits,
  cortex_a57_a53_cp_reginfo IMPDEF registers), target/arm/helper.c
  (CNTHCTL_EL2 reset 3, OSLSR_EL1 reset 10, HCR_EL2.RW RAO/WI on an
  AArch64-only EL1), hw/intc/arm_gicv3_cpuif.c (icc_reset, ich_vtr_read).
* LLVM AArch64SystemOperands.td (AT/DC/IC/TLBI encodings).
"""

from __future__ import annotations

from dataclasses import dataclass

ALL_ONES = (1 << 64) - 1


def _bits(*spec: int | tuple[int, int]) -> int:
    """Mask from bit numbers and (msb, lsb) ranges: _bits(3, (7, 5))."""
    m = 0
    for s in spec:
        if isinstance(s, tuple):
            hi, lo = s
            m |= ((1 << (hi - lo + 1)) - 1) << lo
        else:
            m |= 1 << s
    return m


def encoding_key(op0: int, op1: int, crn: int, crm: int, op2: int) -> int:
    """Bits 20:5 of the MRS/MSR/SYS instruction: op0:op1:CRn:CRm:op2."""
    return (op0 << 14) | (op1 << 11) | (crn << 7) | (crm << 3) | op2


def encoding_fields(key: int) -> tuple[int, int, int, int, int]:
    """The inverse of ``encoding_key``: (op0, op1, CRn, CRm, op2)."""
    return key >> 14 & 3, key >> 11 & 7, key >> 7 & 15, key >> 3 & 15, key & 7


@dataclass(frozen=True)
class RegDef:
    name: str            # architectural name, e.g. "SCTLR_EL1"
    op0: int
    op1: int
    crn: int
    crm: int
    op2: int
    el: int              # lowest exception level that may access it at all (0, 1 or 2)
    access: str          # "rw", "ro" or "wo"
    reset: int = 0       # value at reset (for "const": the constant)
    kind: str = "plain"  # "plain" | "const" | "special"
    res0: int = 0        # RES0 mask (writes ignored, reads 0)
    res1: int = 0        # RES1 mask (reads 1)
    el0: str | None = None  # EL0 enable bit for el == 0 registers (see module doc)
    note: str = ""       # one line: why / source

    @property
    def key(self) -> int:
        return encoding_key(self.op0, self.op1, self.crn, self.crm, self.op2)


@dataclass(frozen=True)
class SysOpDef:      # SYS-space operations (op0 = 1): DC, IC, TLBI, AT
    name: str        # e.g. "DC_ZVA", "IC_IVAU", "TLBI_VMALLE1IS", "AT_S1E1R"
    op1: int
    crn: int
    crm: int
    op2: int
    el: int          # lowest EL allowed
    kind: str        # "dc", "ic", "tlbi", "at"
    el0: str | None = None   # e.g. "SCTLR_EL1.UCI", "SCTLR_EL1.DZE"
    note: str = ""

    @property
    def key(self) -> int:
        return encoding_key(1, self.op1, self.crn, self.crm, self.op2)


# ---------------------------------------------------------------------------
# Control-register bit fields used by the runtime (one place for each bit;
# ARM ARM D17.2 SCTLR_EL1/SCTLR_EL2, D17.2.48 HCR_EL2)
# ---------------------------------------------------------------------------

class SCTLR:
    """SCTLR_EL1 / SCTLR_EL2 bits (the EL2 register has the same positions
    for the ones named here that it has)."""
    M = 1 << 0          # stage 1 MMU enable
    A = 1 << 1          # alignment checking
    C = 1 << 2          # data cache enable
    SA = 1 << 3         # SP alignment check (current EL)
    SA0 = 1 << 4        # SP alignment check at EL0
    UMA = 1 << 9        # EL0 may write DAIF
    I = 1 << 12         # instruction cache enable
    DZE = 1 << 14       # EL0 may execute DC ZVA
    UCT = 1 << 15       # EL0 may read CTR_EL0
    nTWI = 1 << 16      # EL0 WFI not trapped
    nTWE = 1 << 18      # EL0 WFE not trapped
    UCI = 1 << 26       # EL0 may execute cache maintenance by VA


class HCR:
    """HCR_EL2 bits."""
    VM = 1 << 0
    SWIO = 1 << 1
    PTW = 1 << 2
    FMO = 1 << 3
    IMO = 1 << 4
    AMO = 1 << 5
    VF = 1 << 6
    VI = 1 << 7
    VSE = 1 << 8
    DC = 1 << 12
    TWI = 1 << 13
    TWE = 1 << 14
    TID1 = 1 << 16
    TID2 = 1 << 17
    TID3 = 1 << 18
    TSC = 1 << 19
    TIDCP = 1 << 20
    TACR = 1 << 21
    TSW = 1 << 22
    TPC = 1 << 23
    TPU = 1 << 24
    TTLB = 1 << 25
    TDZ = 1 << 28
    TGE = 1 << 27
    TVM = 1 << 26
    HCD = 1 << 29
    TRVM = 1 << 30
    RW = 1 << 31


class CNTKCTL:
    EL0PCTEN = 1 << 0
    EL0VCTEN = 1 << 1
    EL0VTEN = 1 << 8
    EL0PTEN = 1 << 9


class MDSCR:
    TDCC = 1 << 12


# ---------------------------------------------------------------------------
# Identity values (platform.md section 3; QEMU cortex-a57 where unchanged)
# ---------------------------------------------------------------------------

MIDR_VALUE = 0x411FD070          # Arm, variant 1, arch 0xF, part 0xD07 (A57), rev 0 = r1p0
MPIDR_BASE = 0x80000000          # bit 31 RES1, U=0, MT=0; Aff0 = CPU index (added per CPU)
CTR_VALUE = 0x8444C004           # IminLine=DminLine=4 (64 B), L1Ip=PIPT, CWG=ERG=4, IDC=DIC=0
DCZID_VALUE = 0x4                # BS=4 (64 B), DZP=0 (DZP is computed at EL0, see DCZID_EL0)
CLIDR_VALUE = 0x0A200023         # L1 I+D, L2 unified, LoUIS=1, LoC=2, LoUU=1
CNTFRQ_VALUE = 62_500_000        # QEMU virt / platform.md

# Debug resources advertised in ID_AA64DFR0_EL1 (Cortex-A57 numbers, as QEMU):
NUM_BRPS = 6                     # breakpoints  DBGB{V,C}R0..5_EL1
NUM_WRPS = 4                     # watchpoints  DBGW{V,C}R0..3_EL1
NUM_CTX_CMPS = 2                 # context-aware breakpoints (the highest two: 4, 5)

ID_AA64PFR0_VALUE = 0x1100_0000_0100_0111  # EL0/1/2 AArch64-only, EL3 none, FP=AdvSIMD=0 (present), GIC=1, CSV2=CSV3=1
ID_AA64PFR1_VALUE = 0
ID_AA64ISAR0_VALUE = 0x0000_0000_0001_1120  # AES=2 (with PMULL), SHA1=1, SHA2=1, CRC32=1 (QEMU's cortex-a57)
ID_AA64ISAR1_VALUE = 0
ID_AA64MMFR0_VALUE = 0x0000_0000_0000_1124  # PARange=4 (44 bit), ASID 16 bit, BigEnd=1, SNSMem=1, 4K+64K
ID_AA64MMFR1_VALUE = 0                      # VH=0 (nVHE), 8-bit VMID, no PAN/LOR/HAFDBS
ID_AA64DFR0_VALUE = (
    (6 << 0)                          # DebugVer = 6: ARMv8.0 debug
    | (0 << 4)                        # TraceVer = 0: no system-register trace
    | (0 << 8)                        # PMUVer = 0: no PMU
    | ((NUM_BRPS - 1) << 12)          # BRPs
    | ((NUM_WRPS - 1) << 20)          # WRPs
    | ((NUM_CTX_CMPS - 1) << 28)      # CTX_CMPs
)                                     # = 0x10305006; DoubleLock (39:36) = 0: implemented
assert ID_AA64DFR0_VALUE == 0x10305006

# CCSIDR_EL1 as selected by CSSELR_EL1 (Level << 1 | InD).  QEMU cortex-a57
# ccsidr[0..2] (cpu64.c): L1D 32 KB 2-way, L1I 48 KB 3-way, L2 2 MB 16-way,
# all 64-byte lines.  Other CSSELR values select nothing: CCSIDR reads 0.
CCSIDR_VALUES: dict[int, int] = {
    0: 0x701FE00A,   # L1 data:        64 B lines, 2 ways,  256 sets, WB/RA/WA
    1: 0x201FE012,   # L1 instruction: 64 B lines, 3 ways,  256 sets, RA
    2: 0x70FFE07A,   # L2 unified:     64 B lines, 16 ways, 2048 sets, WB/RA/WA
}

# GICv3 CPU interface geometry (QEMU cortex-a57: gic_num_lrs=4, gic_vpribits=5,
# gic_vprebits=5; the physical interface uses the same 5 priority bits).
GIC_NUM_LRS = 4
GIC_PRIBITS = 5
GIC_PREBITS = 5
ICC_CTLR_EL1_RESET = (
    ((GIC_PRIBITS - 1) << 8)   # PRIbits (RO)
    | (1 << 11)                # IDbits = 1: 24-bit INTIDs (RO; as QEMU icc_reset)
    | (1 << 15)                # A3V (RO; as QEMU)
)                              # CBPR=0, EOImode=0, PMHE=0 -> 0x8C00
ICH_VTR_EL2_VALUE = (
    (GIC_NUM_LRS - 1)          # ListRegs
    | (1 << 19)                # TDS: ICH_HCR_EL2.TDIR implemented
    | (1 << 20)                # nV4: no GICv4 direct vLPI injection
    | (1 << 21)                # A3V
    | (1 << 23)                # IDbits = 1 (24-bit), as QEMU ich_vtr_read
    | ((GIC_PREBITS - 1) << 26)
    | ((GIC_PRIBITS - 1) << 29)
)                              # SEIS = 0 -> 0x90B80003 (QEMU 7.2's value)
ICH_VMCR_EL2_RESET = (1 << 3) | (3 << 18) | (2 << 21)  # VFIQEn, VBPR1=min+1=3, VBPR0=min=2 (QEMU icc_reset)
ICC_BPR0_RESET = 7 - GIC_PREBITS        # = 2, minimum group-0 binary point (QEMU icc_min_bpr)
ICC_BPR1_RESET = ICC_BPR0_RESET + 1     # = 3, minimum NS group-1 binary point

# ---------------------------------------------------------------------------
# RES0/RES1 masks (ARMv8.0, AArch64-only, no VHE)
# ---------------------------------------------------------------------------

_HI32 = _bits((63, 32))

# SCTLR_EL1 (v8.0): RES1 11 (EOS), 20 (TSCXT), 22 (EIS), 23 (SPAN), 28 (nTLSMD),
# 29 (LSMAOE); RES0 6 (nAA), 10 (EnRCTX), 13 (EnDB), 17, 21 (IESB), 27 (EnDA),
# 30/31 (EnIB/EnIA) and 63:32 -- all are later-extension fields.
SCTLR_EL1_RES1 = _bits(11, 20, 22, 23, 28, 29)
SCTLR_EL1_RES0 = _HI32 | _bits(6, 10, 13, 17, 21, 27, 30, 31)
# SCTLR_EL2, HCR_EL2.E2H == 0 (v8.0): Linux SCTLR_EL2_RES1 = 4,5,11,16,18,22,23,28,29.
SCTLR_EL2_RES1 = _bits(4, 5, 11, 16, 18, 22, 23, 28, 29)
SCTLR_EL2_RES0 = _HI32 | _bits((10, 6), (15, 13), 17, 20, 21, 24, 26, 27, 30, 31)
# HCR_EL2 (v8.0): fields 33:0; E2H (34) and everything above is RES0 (so the
# APK/API/ATA bits Linux writes in HCR_HOST_NVHE_FLAGS are dropped and E2H reads
# 0); RW (31) is RAO/WI because EL1 is AArch64-only (QEMU do_hcr_write).
HCR_EL2_RES0 = _bits((63, 34))
HCR_EL2_RES1 = _bits(31)
# CPTR_EL2 (nVHE, v8.0): TCPAC 31, TTA 20, TFP 10; RES1 13:12 and 9:0 (TZ/TSM are
# RES1 without SVE/SME); RES0 as Linux CPTR_NVHE_EL2_RES0 plus TAM (30, v8.4 AMU).
CPTR_EL2_RES1 = _bits((13, 12), (9, 0))          # 0x33FF
CPTR_EL2_RES0 = _HI32 | _bits((30, 21), (19, 14), 11)
# CPACR_EL1 (v8.0): FPEN 21:20, TTA 28; the rest RES0 (ZEN/SMEN are later).
CPACR_EL1_RES0 = ALL_ONES & ~_bits((21, 20), 28)
# TCR_EL1 (v8.0): bit 6, bit 35 and 63:39 RES0 (HA/HD/HPD/HWU/TBID/E0PD... are later).
TCR_EL1_RES0 = _bits(6, 35, (63, 39))
# TCR_EL2 (E2H == 0, v8.0): T0SZ, IRGN0, ORGN0, SH0, TG0, PS 18:16, TBI 20; RES1 31, 23.
TCR_EL2_RES1 = _bits(31, 23)
TCR_EL2_RES0 = _HI32 | _bits((7, 6), 19, (22, 21), (30, 24))
# VTCR_EL2 (v8.0): T0SZ, SL0, IRGN0, ORGN0, SH0, TG0, PS 18:16; RES1 31; VS/HA/HD later.
VTCR_EL2_RES1 = _bits(31)
VTCR_EL2_RES0 = _HI32 | _bits((30, 19))
# SPSR_EL1/EL2 of an AArch64-only v8.0 PE: N Z C V 31:28, SS 21, IL 20, D A I F 9:6,
# M[4:0]; bits 27:22 (DIT/TCO/UAO/PAN...) and 19:10 (GE/IT/BTYPE/SSBS...) RES0.
SPSR_RES0 = _HI32 | _bits((27, 22), (19, 10))
# VBAR_ELx: vector base 2 KB aligned.
VBAR_RES0 = _bits((10, 0))
# ESR_ELx (v8.0): 32-bit (ISS2 is v8.7).
ESR_RES0 = _HI32
# HPFAR_EL2 (v8.0): FIPA[47:12] in bits 39:4.
HPFAR_RES0 = _bits((3, 0), (63, 40))
# CONTEXTIDR_EL1: 32-bit PROCID.
CONTEXTIDR_RES0 = _HI32
# CSSELR_EL1 (v8.0): Level 3:1, InD 0.
CSSELR_RES0 = ALL_ONES & ~_bits((3, 0))
# CNTKCTL_EL1 (v8.0): EL0PCTEN 0, EL0VCTEN 1, EVNTEN 2, EVNTDIR 3, EVNTI 7:4, EL0VTEN 8, EL0PTEN 9.
CNTKCTL_RES0 = ALL_ONES & ~_bits((9, 0))
# CNTHCTL_EL2 (E2H == 0, v8.0): EL1PCTEN 0, EL1PCEN 1, EVNTEN 2, EVNTDIR 3, EVNTI 7:4.
CNTHCTL_RES0 = ALL_ONES & ~_bits((7, 0))
# MDCR_EL2 (v8.0): HPMN 4:0, TPMCR 5, TPM 6, HPME 7, TDE 8, TDA 9, TDOSA 10, TDRA 11.
MDCR_EL2_RES0 = ALL_ONES & ~_bits((11, 0))
# HSTR_EL2: T<n> 15:0 with T4 and T14 RES0.
HSTR_EL2_RES0 = _bits((63, 16), 14, 4)
# Debug breakpoint/watchpoint controls (v8.0 field layout).
DBGBCR_RES0 = ALL_ONES & ~_bits(0, (2, 1), (8, 5), 13, (15, 14), (19, 16), (23, 20))
DBGWCR_RES0 = ALL_ONES & ~_bits(0, (2, 1), (4, 3), (12, 5), 13, (15, 14), (19, 16), 20, (28, 24))
DBGBVR_RES0 = _bits((1, 0))   # address-match-only breakpoints; context-aware ones keep all bits
DBGWVR_RES0 = _bits((1, 0))
# ICC_SRE_EL1/EL2: SRE, DFB, DIB are RAO/WI (no GICv2 legacy support); EL2 adds Enable (3).
ICC_SRE_EL1_RES1 = _bits(0, 1, 2)
ICC_SRE_EL2_RES1 = _bits(0, 1, 2)


def _r(name: str, op0: int, op1: int, crn: int, crm: int, op2: int, el: int,
       access: str, reset: int = 0, kind: str = "plain", res0: int = 0,
       res1: int = 0, el0: str | None = None, note: str = "") -> RegDef:
    return RegDef(name, op0, op1, crn, crm, op2, el, access, reset, kind,
                  res0, res1, el0, note)


def _raz_wi(name: str, op0: int, op1: int, crn: int, crm: int, op2: int,
            el: int, note: str) -> RegDef:
    return RegDef(name, op0, op1, crn, crm, op2, el, "rw", 0, "plain",
                  ALL_ONES, 0, None, note)


# ---------------------------------------------------------------------------
# Explicitly defined registers
# ---------------------------------------------------------------------------

_EXPLICIT: list[RegDef] = [
    # --- PSTATE access and stack pointers -----------------------------------
    _r("NZCV", 3, 3, 4, 2, 0, 0, "rw", kind="special",
       note="PSTATE.NZCV in bits 31:28"),
    _r("DAIF", 3, 3, 4, 2, 1, 0, "rw", kind="special", el0="SCTLR_EL1.UMA",
       note="PSTATE.DAIF in bits 9:6; EL0 access needs SCTLR_EL1.UMA"),
    _r("CurrentEL", 3, 0, 4, 2, 2, 1, "ro", kind="special",
       note="PSTATE.EL in bits 3:2"),
    _r("SPSel", 3, 0, 4, 2, 0, 1, "rw", kind="special",
       note="PSTATE.SP in bit 0"),
    _r("SP_EL0", 3, 0, 4, 1, 0, 1, "rw", kind="special",
       note="banked SP; MRS/MSR UNDEFINED at EL1 when PSTATE.SP == 0 (then SP is SP_EL0)"),
    _r("SP_EL1", 3, 4, 4, 1, 0, 2, "rw", kind="special",
       note="banked SP, EL2 access only (SP_EL2 is op1=6, EL3-only: not present)"),
    _r("FPCR", 3, 3, 4, 4, 0, 0, "rw", kind="special",
       note="FP control; FP is absent for now (PFR0.FP=0xF): mechanism decides UNDEF vs store"),
    _r("FPSR", 3, 3, 4, 4, 1, 0, "rw", kind="special",
       note="FP status; FP is absent for now (PFR0.FP=0xF): mechanism decides UNDEF vs store"),

    # --- Identification (not in the CRn=0/op1=0 ID space) -------------------
    _r("MIDR_EL1", 3, 0, 0, 0, 0, 1, "ro", reset=MIDR_VALUE, kind="special",
       note="QEMU a57 0x411FD070; EL1 reads return VPIDR_EL2 (EL2 implemented, NS), EL2 reads this"),
    _r("MPIDR_EL1", 3, 0, 0, 0, 5, 1, "ro", reset=MPIDR_BASE, kind="special",
       note="0x80000000 | cpu index in Aff0; EL1 reads return VMPIDR_EL2"),
    _r("CTR_EL0", 3, 3, 0, 0, 1, 0, "ro", reset=CTR_VALUE, kind="const", el0="SCTLR_EL1.UCT",
       note="QEMU a57 ctr 0x8444C004; EL0 needs SCTLR_EL1.UCT (HCR_EL2.TID2 traps)"),
    _r("DCZID_EL0", 3, 3, 0, 0, 7, 0, "ro", reset=DCZID_VALUE, kind="special",
       note="BS=4 (64 B); DZP (bit 4) reads 1 at EL0 if SCTLR_EL1.DZE==0, and at EL0/1 if HCR_EL2.TDZ==1"),
    _r("CCSIDR_EL1", 3, 1, 0, 0, 0, 1, "ro", kind="special",
       note="CCSIDR_VALUES[CSSELR_EL1] (QEMU a57 ccsidr[]), 0 for unimplemented CSSELR values"),
    _r("CLIDR_EL1", 3, 1, 0, 0, 1, 1, "ro", reset=CLIDR_VALUE, kind="const",
       note="QEMU a57 clidr 0x0A200023: L1 I+D, L2 unified, LoUIS=1 LoC=2 LoUU=1"),
    _r("AIDR_EL1", 3, 1, 0, 0, 7, 1, "ro", kind="const",
       note="IMPLEMENTATION DEFINED, 0 (KVM reads it at init)"),
    _r("CSSELR_EL1", 3, 2, 0, 0, 0, 1, "rw", res0=CSSELR_RES0,
       note="Level 3:1, InD 0 (TnD is v8.5)"),
    _r("VPIDR_EL2", 3, 4, 0, 0, 0, 2, "rw", reset=MIDR_VALUE,
       note="reset = MIDR_EL1 as QEMU; Linux init_el2_state copies MIDR here"),
    _r("VMPIDR_EL2", 3, 4, 0, 0, 5, 2, "rw", reset=MPIDR_BASE,
       note="reset = this CPU's MPIDR (runtime ORs the cpu index into Aff0); Linux copies MPIDR here"),

    # --- EL1 system control / VMSA -------------------------------------------
    _r("SCTLR_EL1", 3, 0, 1, 0, 0, 1, "rw", reset=0x30D50838,
       res0=SCTLR_EL1_RES0, res1=SCTLR_EL1_RES1,
       note="QEMU a57 reset_sctlr 0x00C50838 plus v8.0 RES1 bits 20,28,29 (MMU/caches off)"),
    _raz_wi("ACTLR_EL1", 3, 0, 1, 0, 1, 1,
            "IMPLEMENTATION DEFINED; QEMU a57: ARM_CP_CONST 0 (reset_auxcr). KVM saves/restores it"),
    _r("CPACR_EL1", 3, 0, 1, 0, 2, 1, "rw", res0=CPACR_EL1_RES0,
       note="FPEN 21:20, TTA 28; reset 0 (FP/SIMD trapped) as QEMU; Linux __cpu_setup sets FPEN"),
    _r("TTBR0_EL1", 3, 0, 2, 0, 0, 1, "rw", note="ASID 63:48, BADDR"),
    _r("TTBR1_EL1", 3, 0, 2, 0, 1, 1, "rw", note="ASID 63:48 (Linux uses TCR_EL1.A1=1), BADDR"),
    _r("TCR_EL1", 3, 0, 2, 0, 2, 1, "rw", res0=TCR_EL1_RES0,
       note="v8.0 fields only: writes of HA/HD/HPD/E0PD etc. are dropped"),
    _r("SPSR_EL1", 3, 0, 4, 0, 0, 1, "rw", res0=SPSR_RES0,
       note="written by exception entry to EL1"),
    _r("ELR_EL1", 3, 0, 4, 0, 1, 1, "rw", note="written by exception entry to EL1"),
    _raz_wi("AFSR0_EL1", 3, 0, 5, 1, 0, 1,
            "IMPLEMENTATION DEFINED; QEMU: ARM_CP_CONST 0. KVM saves/restores it"),
    _raz_wi("AFSR1_EL1", 3, 0, 5, 1, 1, 1,
            "IMPLEMENTATION DEFINED; QEMU: ARM_CP_CONST 0. KVM saves/restores it"),
    _r("ESR_EL1", 3, 0, 5, 2, 0, 1, "rw", res0=ESR_RES0, note="syndrome; 32-bit in v8.0"),
    _r("FAR_EL1", 3, 0, 6, 0, 0, 1, "rw", note="fault address"),
    _r("PAR_EL1", 3, 0, 7, 4, 0, 1, "rw", note="written by AT; software may also write it"),
    _r("MAIR_EL1", 3, 0, 10, 2, 0, 1, "rw", note="8 x 8-bit attributes"),
    _raz_wi("AMAIR_EL1", 3, 0, 10, 3, 0, 1,
            "IMPLEMENTATION DEFINED; QEMU: ARM_CP_CONST 0. KVM saves/restores it"),
    _r("VBAR_EL1", 3, 0, 12, 0, 0, 1, "rw", res0=VBAR_RES0, note="vector base, 2 KB aligned"),
    _r("ISR_EL1", 3, 0, 12, 1, 0, 1, "ro", kind="special",
       note="pending I (bit 7) / F (6) / A (8) as seen by the PE (virtual ones if HCR_EL2.IMO/FMO/AMO); KVM hyp entry.S reads it"),
    _r("CONTEXTIDR_EL1", 3, 0, 13, 0, 1, 1, "rw", res0=CONTEXTIDR_RES0, note="PROCID 31:0"),
    _r("TPIDR_EL1", 3, 0, 13, 0, 4, 1, "rw", note="per-CPU offset in Linux"),
    _r("TPIDR_EL0", 3, 3, 13, 0, 2, 0, "rw", note="user TLS"),
    _r("TPIDRRO_EL0", 3, 3, 13, 0, 3, 0, "rw", kind="special",
       note="plain storage, but read-only at EL0 (MSR at EL0 is UNDEFINED); rw at EL1/EL2"),

    # --- EL2 system control / VMSA -------------------------------------------
    _r("SCTLR_EL2", 3, 4, 1, 0, 0, 2, "rw", reset=0x30C50830,
       res0=SCTLR_EL2_RES0, res1=SCTLR_EL2_RES1,
       note="reset = RES1 bits, MMU off, LE = Linux INIT_SCTLR_EL2_MMU_OFF (sysreg.h SCTLR_EL2_RES1)"),
    _raz_wi("ACTLR_EL2", 3, 4, 1, 0, 1, 2, "IMPLEMENTATION DEFINED; QEMU: ARM_CP_CONST 0"),
    _r("HCR_EL2", 3, 4, 1, 1, 0, 2, "rw", reset=0x80000000,
       res0=HCR_EL2_RES0, res1=HCR_EL2_RES1,
       note="v8.0 bits 33:0; E2H+ RES0 (reads back 0 -> nVHE); RW RAO/WI (QEMU do_hcr_write)"),
    _r("MDCR_EL2", 3, 4, 1, 1, 1, 2, "rw", res0=MDCR_EL2_RES0,
       note="v8.0 fields 11:0; HPMN resets to PMCR_EL0.N = 0 (no PMU)"),
    _r("CPTR_EL2", 3, 4, 1, 1, 2, 2, "rw", reset=0x33FF,
       res0=CPTR_EL2_RES0, res1=CPTR_EL2_RES1,
       note="nVHE layout: TFP 10, TTA 20, TCPAC 31; RES1 13:12,9:0 (kvm_arm.h CPTR_NVHE_EL2_*); reset: no traps"),
    _r("HSTR_EL2", 3, 4, 1, 1, 3, 2, "rw", res0=HSTR_EL2_RES0,
       note="AArch32 CP15 traps: no effect on an AArch64-only PE; Linux writes 0"),
    _raz_wi("HACR_EL2", 3, 4, 1, 1, 7, 2, "IMPLEMENTATION DEFINED; QEMU: ARM_CP_CONST 0"),
    _r("TTBR0_EL2", 3, 4, 2, 0, 0, 2, "rw", note="EL2 stage-1 table base (no ASID without VHE)"),
    _r("TCR_EL2", 3, 4, 2, 0, 2, 2, "rw", reset=0x80800000,
       res0=TCR_EL2_RES0, res1=TCR_EL2_RES1,
       note="nVHE layout; RES1 31,23 (kvm_arm.h TCR_EL2_RES1)"),
    _r("VTTBR_EL2", 3, 4, 2, 1, 0, 2, "rw", note="VMID 55:48 (8-bit VMIDs), stage-2 BADDR"),
    _r("VTCR_EL2", 3, 4, 2, 1, 2, 2, "rw", reset=0x80000000,
       res0=VTCR_EL2_RES0, res1=VTCR_EL2_RES1,
       note="v8.0 fields; RES1 31 (kvm_arm.h VTCR_EL2_RES1)"),
    _r("SPSR_EL2", 3, 4, 4, 0, 0, 2, "rw", res0=SPSR_RES0, note="written by exception entry to EL2"),
    _r("ELR_EL2", 3, 4, 4, 0, 1, 2, "rw", note="written by exception entry to EL2"),
    _raz_wi("AFSR0_EL2", 3, 4, 5, 1, 0, 2, "IMPLEMENTATION DEFINED; QEMU: ARM_CP_CONST 0"),
    _raz_wi("AFSR1_EL2", 3, 4, 5, 1, 1, 2, "IMPLEMENTATION DEFINED; QEMU: ARM_CP_CONST 0"),
    _r("ESR_EL2", 3, 4, 5, 2, 0, 2, "rw", res0=ESR_RES0, note="syndrome; 32-bit in v8.0"),
    _r("FAR_EL2", 3, 4, 6, 0, 0, 2, "rw", note="fault address"),
    _r("HPFAR_EL2", 3, 4, 6, 0, 4, 2, "rw", res0=HPFAR_RES0,
       note="FIPA[47:12] in bits 39:4, written on stage-2 faults"),
    _r("MAIR_EL2", 3, 4, 10, 2, 0, 2, "rw", note="8 x 8-bit attributes"),
    _raz_wi("AMAIR_EL2", 3, 4, 10, 3, 0, 2, "IMPLEMENTATION DEFINED; QEMU: ARM_CP_CONST 0"),
    _r("VBAR_EL2", 3, 4, 12, 0, 0, 2, "rw", res0=VBAR_RES0, note="vector base, 2 KB aligned"),
    _r("RVBAR_EL2", 3, 4, 12, 0, 1, 2, "ro", kind="const",
       note="present because EL2 is the highest EL; IMPDEF reset vector, 0 as QEMU rvbar default"),
    _r("RMR_EL2", 3, 4, 12, 0, 2, 2, "rw", reset=1, res0=ALL_ONES & ~3, res1=1,
       note="present because EL2 is the highest EL; AA64 (0) RAO/WI; RR (1) warm-reset request not modelled"),
    _r("TPIDR_EL2", 3, 4, 13, 0, 2, 2, "rw", note="KVM hyp per-CPU base"),

    # --- Generic timer ---------------------------------------------------------
    _r("CNTFRQ_EL0", 3, 3, 14, 0, 0, 0, "rw", reset=CNTFRQ_VALUE, kind="special",
       note="62.5 MHz; reads at EL0 need CNTKCTL_EL1.EL0PCTEN or EL0VCTEN; writes only at EL2 (highest EL), else UNDEF"),
    _r("CNTPCT_EL0", 3, 3, 14, 0, 1, 0, "ro", kind="special", el0="CNTKCTL_EL1.EL0PCTEN",
       note="physical count from the instruction count; EL0/EL1 trapped to EL2 if CNTHCTL_EL2.EL1PCTEN==0"),
    _r("CNTVCT_EL0", 3, 3, 14, 0, 2, 0, "ro", kind="special", el0="CNTKCTL_EL1.EL0VCTEN",
       note="CNTPCT - CNTVOFF_EL2 (at EL2 too, no VHE)"),
    _r("CNTVOFF_EL2", 3, 4, 14, 0, 3, 2, "rw", note="virtual offset; reset 0 (QEMU); Linux zeroes it"),
    _r("CNTKCTL_EL1", 3, 0, 14, 1, 0, 1, "rw", res0=CNTKCTL_RES0,
       note="EL0 timer access + event stream (EVNTEN/EVNTDIR/EVNTI) controls"),
    _r("CNTHCTL_EL2", 3, 4, 14, 1, 0, 2, "rw", reset=3, res0=CNTHCTL_RES0,
       note="reset 3 = EL1PCTEN|EL1PCEN (QEMU helper.c; boot contract needs EL1PCTEN); + event stream"),
    _r("CNTP_TVAL_EL0", 3, 3, 14, 2, 0, 0, "rw", kind="special", el0="CNTKCTL_EL1.EL0PTEN",
       note="read: (CVAL - CNTPCT) low 32 bits signed; write: CVAL = CNTPCT + sext(v); EL0/1 trap if CNTHCTL_EL2.EL1PCEN==0"),
    _r("CNTP_CTL_EL0", 3, 3, 14, 2, 1, 0, "rw", kind="special", el0="CNTKCTL_EL1.EL0PTEN",
       note="ENABLE 0, IMASK 1 stored; ISTATUS 2 is RO and computed (CNTPCT >= CVAL); drives PPI 14 (INTID 30)"),
    _r("CNTP_CVAL_EL0", 3, 3, 14, 2, 2, 0, "rw", el0="CNTKCTL_EL1.EL0PTEN",
       note="compare value; a write must re-evaluate the timer (hook); EL0/1 trap if CNTHCTL_EL2.EL1PCEN==0"),
    _r("CNTV_TVAL_EL0", 3, 3, 14, 3, 0, 0, "rw", kind="special", el0="CNTKCTL_EL1.EL0VTEN",
       note="read: (CVAL - CNTVCT) low 32 bits signed; write: CVAL = CNTVCT + sext(v)"),
    _r("CNTV_CTL_EL0", 3, 3, 14, 3, 1, 0, "rw", kind="special", el0="CNTKCTL_EL1.EL0VTEN",
       note="ENABLE 0, IMASK 1 stored; ISTATUS 2 computed (CNTVCT >= CVAL); drives PPI 11 (INTID 27)"),
    _r("CNTV_CVAL_EL0", 3, 3, 14, 3, 2, 0, "rw", el0="CNTKCTL_EL1.EL0VTEN",
       note="compare value; a write must re-evaluate the timer (hook)"),
    _r("CNTHP_TVAL_EL2", 3, 4, 14, 2, 0, 2, "rw", kind="special",
       note="EL2 physical timer TVAL (against CNTPCT)"),
    _r("CNTHP_CTL_EL2", 3, 4, 14, 2, 1, 2, "rw", kind="special",
       note="ENABLE 0, IMASK 1 stored; ISTATUS 2 computed; drives PPI 10 (INTID 26)"),
    _r("CNTHP_CVAL_EL2", 3, 4, 14, 2, 2, 2, "rw",
       note="EL2 physical timer compare value; a write must re-evaluate the timer (hook)"),

    # --- Debug -----------------------------------------------------------------
    _r("MDCCINT_EL1", 2, 0, 0, 2, 0, 1, "rw", res0=ALL_ONES & ~_bits(29, 30),
       note="DCC interrupt enables TX 29 / RX 30 (no DCC device); KVM debug-sr saves/restores it"),
    _r("MDSCR_EL1", 2, 0, 0, 2, 2, 1, "rw",
       note="SS 0, TDCC 12, KDE 13, MDE 15 ...; Linux __cpu_setup writes TDCC (1<<12)"),
    _r("MDRAR_EL1", 2, 0, 1, 0, 0, 1, "ro", kind="const",
       note="no memory-mapped debug ROM table: Valid = 0b00"),
    _r("OSLAR_EL1", 2, 0, 1, 0, 4, 1, "wo", kind="special",
       note="write bit 0 -> OSLSR_EL1.OSLK"),
    _r("OSLSR_EL1", 2, 0, 1, 1, 4, 1, "ro", reset=0xA, kind="special",
       note="OSLM=0b10 (bit 3), OSLK (bit 1) = 1 at cold reset; QEMU resetvalue 10; Linux clears the lock"),
    _r("OSDLR_EL1", 2, 0, 1, 3, 4, 1, "rw", res0=ALL_ONES & ~1,
       note="DLK bit 0 (DoubleLock implemented: DFR0.DoubleLock=0); Linux writes 0"),
    _r("DBGPRCR_EL1", 2, 0, 1, 4, 4, 1, "rw", res0=ALL_ONES & ~1,
       note="CORENPDRQ bit 0; no power-down modelled"),
    _r("DBGCLAIMSET_EL1", 2, 0, 7, 8, 6, 1, "rw", kind="special",
       note="8 claim tags: reads 0xFF (implemented tags), writing 1s sets tags"),
    _r("DBGCLAIMCLR_EL1", 2, 0, 7, 9, 6, 1, "rw", kind="special",
       note="reads the current claim tags, writing 1s clears them (reset 0)"),
    _r("DBGAUTHSTATUS_EL1", 2, 0, 7, 14, 6, 1, "ro", reset=0x0F, kind="const",
       note="NSID=NSNID=0b11 (NS debug implemented+enabled), SID=SNID=0b00 (no Secure state)"),
    _r("MDCCSR_EL0", 2, 3, 0, 1, 0, 0, "ro", kind="const", el0="!MDSCR_EL1.TDCC",
       note="DCC status: TXfull=RXfull=0 (no DCC); EL0 access UNDEF when MDSCR_EL1.TDCC==1"),

    # --- GICv3 CPU interface, EL1 ---------------------------------------------
    _r("ICC_PMR_EL1", 3, 0, 4, 6, 0, 1, "rw", kind="special",
       note="priority mask, 5 implemented bits (7:3); ICV_PMR_EL1 when HCR_EL2.IMO/FMO"),
    _r("ICC_IAR0_EL1", 3, 0, 12, 8, 0, 1, "ro", kind="special", note="acknowledge group 0"),
    _r("ICC_EOIR0_EL1", 3, 0, 12, 8, 1, 1, "wo", kind="special", note="EOI group 0"),
    _r("ICC_HPPIR0_EL1", 3, 0, 12, 8, 2, 1, "ro", kind="special", note="highest pending group 0"),
    _r("ICC_BPR0_EL1", 3, 0, 12, 8, 3, 1, "rw", reset=ICC_BPR0_RESET, kind="special",
       note="binary point group 0; minimum 2 for 5 preemption bits (QEMU icc_reset)"),
    _r("ICC_AP0R0_EL1", 3, 0, 12, 8, 4, 1, "rw", kind="special",
       note="active priorities group 0; AP0R1-3 absent with 5 preemption bits"),
    _r("ICC_AP1R0_EL1", 3, 0, 12, 9, 0, 1, "rw", kind="special",
       note="active priorities group 1; AP1R1-3 absent with 5 preemption bits"),
    _r("ICC_DIR_EL1", 3, 0, 12, 11, 1, 1, "wo", kind="special",
       note="deactivate (Linux booted at EL2 uses EOImode=1)"),
    _r("ICC_RPR_EL1", 3, 0, 12, 11, 3, 1, "ro", kind="special", note="running priority"),
    _r("ICC_SGI1R_EL1", 3, 0, 12, 11, 5, 1, "wo", kind="special", note="generate group 1 SGI"),
    _r("ICC_ASGI1R_EL1", 3, 0, 12, 11, 6, 1, "wo", kind="special",
       note="generate alias group 1 SGI (other Security state)"),
    _r("ICC_SGI0R_EL1", 3, 0, 12, 11, 7, 1, "wo", kind="special", note="generate group 0 SGI"),
    _r("ICC_IAR1_EL1", 3, 0, 12, 12, 0, 1, "ro", kind="special", note="acknowledge group 1"),
    _r("ICC_EOIR1_EL1", 3, 0, 12, 12, 1, 1, "wo", kind="special", note="EOI group 1"),
    _r("ICC_HPPIR1_EL1", 3, 0, 12, 12, 2, 1, "ro", kind="special", note="highest pending group 1"),
    _r("ICC_BPR1_EL1", 3, 0, 12, 12, 3, 1, "rw", reset=ICC_BPR1_RESET, kind="special",
       note="binary point group 1; minimum 3 (QEMU icc_reset)"),
    _r("ICC_CTLR_EL1", 3, 0, 12, 12, 4, 1, "rw", reset=ICC_CTLR_EL1_RESET, kind="special",
       note="CBPR 0, EOImode 1, PMHE 6 writable; PRIbits=4, IDbits=1, A3V=1 RO (QEMU icc_reset)"),
    _r("ICC_SRE_EL1", 3, 0, 12, 12, 5, 1, "rw", reset=0x7,
       res0=ALL_ONES & ~0x7, res1=ICC_SRE_EL1_RES1,
       note="SRE/DFB/DIB RAO/WI: no GICv2 compatibility (KVM's probe writes 0 and reads back 1)"),
    _r("ICC_IGRPEN0_EL1", 3, 0, 12, 12, 6, 1, "rw", kind="special", note="group 0 enable (bit 0)"),
    _r("ICC_IGRPEN1_EL1", 3, 0, 12, 12, 7, 1, "rw", kind="special", note="group 1 enable (bit 0)"),

    # --- GICv3 CPU interface, EL2 ---------------------------------------------
    _r("ICC_SRE_EL2", 3, 4, 12, 9, 5, 2, "rw", reset=0xF,
       res0=ALL_ONES & ~0xF, res1=ICC_SRE_EL2_RES1,
       note="SRE/DFB/DIB RAO/WI; Enable (3) gates EL1 ICC_SRE_EL1 access; reset 0xF per boot contract"),
    _r("ICH_AP0R0_EL2", 3, 4, 12, 8, 0, 2, "rw", kind="special",
       note="virtual active priorities group 0 (32 levels: only AP0R0)"),
    _r("ICH_AP1R0_EL2", 3, 4, 12, 9, 0, 2, "rw", kind="special",
       note="virtual active priorities group 1 (32 levels: only AP1R0)"),
    _r("ICH_HCR_EL2", 3, 4, 12, 11, 0, 2, "rw", kind="special",
       note="En 0, UIE, LRENPIE, NPIE, VGrp*, TC, TALL0/1, TSEI, EOIcount 31:27; reset 0 (En=0 per boot contract)"),
    _r("ICH_VTR_EL2", 3, 4, 12, 11, 1, 2, "ro", reset=ICH_VTR_EL2_VALUE, kind="const",
       note="4 LRs, PREbits=PRIbits=5, IDbits 24, A3V, nV4, TDS (QEMU ich_vtr_read)"),
    _r("ICH_MISR_EL2", 3, 4, 12, 11, 2, 2, "ro", kind="special", note="maintenance interrupt status"),
    _r("ICH_EISR_EL2", 3, 4, 12, 11, 3, 2, "ro", kind="special", note="EOI status per LR"),
    _r("ICH_ELRSR_EL2", 3, 4, 12, 11, 5, 2, "ro", kind="special", note="empty-LR bitmap computed from ICH_LRn (0xF after reset: all 4 empty)"),
    _r("ICH_VMCR_EL2", 3, 4, 12, 11, 7, 2, "rw", reset=ICH_VMCR_EL2_RESET, kind="special",
       note="virtual CPU interface state (VPMR, VBPR0/1, VENG0/1, VEOIM...); reset as QEMU icc_reset"),
] + [
    _r(f"ICH_LR{n}_EL2", 3, 4, 12, 12, n, 2, "rw", kind="special",
       note="list register (State 63:62, HW, Group, Priority 55:48 top 5 bits, pINTID, vINTID)")
    for n in range(GIC_NUM_LRS)
] + [
    # --- Debug breakpoints / watchpoints (counts from ID_AA64DFR0_EL1) ------------
    reg
    for n in range(NUM_BRPS)
    for reg in (
        _r(f"DBGBVR{n}_EL1", 2, 0, 0, n, 4, 1, "rw",
           res0=0 if n >= NUM_BRPS - NUM_CTX_CMPS else DBGBVR_RES0,
           note=("breakpoint value; context-aware (CTX_CMPs): bits 31:0 may hold a CONTEXTIDR, 39:32 a VMID"
                 if n >= NUM_BRPS - NUM_CTX_CMPS else "breakpoint value (address match only: bits 1:0 RES0)")),
        _r(f"DBGBCR{n}_EL1", 2, 0, 0, n, 5, 1, "rw", res0=DBGBCR_RES0,
           note="breakpoint control: E, PMC, BAS, HMC, SSC, LBN, BT"),
    )
] + [
    reg
    for n in range(NUM_WRPS)
    for reg in (
        _r(f"DBGWVR{n}_EL1", 2, 0, 0, n, 6, 1, "rw", res0=DBGWVR_RES0, note="watchpoint value"),
        _r(f"DBGWCR{n}_EL1", 2, 0, 0, n, 7, 1, "rw", res0=DBGWCR_RES0,
           note="watchpoint control: E, PAC, LSC, BAS, HMC, SSC, LBN, WT, MASK"),
    )
] + [
    # --- Cortex-A57 IMPLEMENTATION DEFINED (QEMU cortex_a57_a53_cp_reginfo) --------
    _raz_wi("L2CTLR_EL1", 3, 1, 11, 0, 2, 1,
            "A57 IMPDEF L2 control; QEMU reads (ncores-1)<<24, we RAZ/WI (nothing in Linux 6.1 reads it)"),
    _raz_wi("L2ECTLR_EL1", 3, 1, 11, 0, 3, 1, "A57 IMPDEF L2 extended control; QEMU const 0"),
    _raz_wi("L2ACTLR_EL1", 3, 1, 15, 0, 0, 1, "A57 IMPDEF L2 auxiliary control; QEMU const 0"),
    _raz_wi("CPUACTLR_EL1", 3, 1, 15, 2, 0, 1, "A57 IMPDEF CPU auxiliary control; QEMU const 0"),
    _raz_wi("CPUECTLR_EL1", 3, 1, 15, 2, 1, 1, "A57 IMPDEF CPU extended control (SMPEN); QEMU const 0"),
    _raz_wi("CPUMERRSR_EL1", 3, 1, 15, 2, 2, 1, "A57 IMPDEF L1 memory error syndrome; QEMU const 0"),
    _raz_wi("L2MERRSR_EL1", 3, 1, 15, 2, 3, 1, "A57 IMPDEF L2 memory error syndrome; QEMU const 0"),
    _r("CBAR_EL1", 3, 1, 15, 3, 0, 1, "ro", reset=0x08000000, kind="const",
       note="A57 IMPDEF periphbase; QEMU virt sets reset-cbar = VIRT_CPUPERIPHS base 0x08000000"),
]


# ---------------------------------------------------------------------------
# The ID register space: op0=3, op1=0, CRn=0, CRm=0..7, op2=0..7.
# Everything not defined above is a read-only constant; all of it is 0 except
# the AArch64 feature registers platform.md gives values for.  Names are the
# architectural ones where one exists (later-architecture names are RAZ here
# because the feature is absent); unallocated encodings use the generic
# assembler name S3_0_C0_C<m>_<n>.
# ---------------------------------------------------------------------------

_ID_SPACE: dict[tuple[int, int], tuple[str, int, str]] = {
    (0, 6): ("REVIDR_EL1", 0, "IMPLEMENTATION DEFINED revision, 0 as QEMU a57"),
    # AArch32 feature registers: RAZ because no EL supports AArch32 (platform.md)
    (1, 0): ("ID_PFR0_EL1", 0, "AArch32 feature register: RAZ (no AArch32)"),
    (1, 1): ("ID_PFR1_EL1", 0, "AArch32 feature register: RAZ (no AArch32)"),
    (1, 2): ("ID_DFR0_EL1", 0, "AArch32 feature register: RAZ (no AArch32)"),
    (1, 3): ("ID_AFR0_EL1", 0, "AArch32 feature register: RAZ (no AArch32)"),
    (1, 4): ("ID_MMFR0_EL1", 0, "AArch32 feature register: RAZ (no AArch32)"),
    (1, 5): ("ID_MMFR1_EL1", 0, "AArch32 feature register: RAZ (no AArch32)"),
    (1, 6): ("ID_MMFR2_EL1", 0, "AArch32 feature register: RAZ (no AArch32)"),
    (1, 7): ("ID_MMFR3_EL1", 0, "AArch32 feature register: RAZ (no AArch32)"),
    (2, 0): ("ID_ISAR0_EL1", 0, "AArch32 feature register: RAZ (no AArch32)"),
    (2, 1): ("ID_ISAR1_EL1", 0, "AArch32 feature register: RAZ (no AArch32)"),
    (2, 2): ("ID_ISAR2_EL1", 0, "AArch32 feature register: RAZ (no AArch32)"),
    (2, 3): ("ID_ISAR3_EL1", 0, "AArch32 feature register: RAZ (no AArch32)"),
    (2, 4): ("ID_ISAR4_EL1", 0, "AArch32 feature register: RAZ (no AArch32)"),
    (2, 5): ("ID_ISAR5_EL1", 0, "AArch32 feature register: RAZ (no AArch32)"),
    (2, 6): ("ID_MMFR4_EL1", 0, "AArch32 feature register: RAZ (no AArch32)"),
    (2, 7): ("ID_ISAR6_EL1", 0, "AArch32 feature register: RAZ (no AArch32)"),
    (3, 0): ("MVFR0_EL1", 0, "AArch32 media/VFP feature register: RAZ (no AArch32)"),
    (3, 1): ("MVFR1_EL1", 0, "AArch32 media/VFP feature register: RAZ (no AArch32)"),
    (3, 2): ("MVFR2_EL1", 0, "AArch32 media/VFP feature register: RAZ (no AArch32)"),
    (3, 4): ("ID_PFR2_EL1", 0, "AArch32 feature register (v8.5): RAZ"),
    (3, 5): ("ID_DFR1_EL1", 0, "AArch32 feature register (v8.6): RAZ"),
    (3, 6): ("ID_MMFR5_EL1", 0, "AArch32 feature register (v8.6): RAZ"),
    # AArch64 feature registers
    (4, 0): ("ID_AA64PFR0_EL1", ID_AA64PFR0_VALUE,
             "EL0-2 AArch64 only, no EL3, FP and AdvSIMD, GIC sysregs, CSV2=CSV3=1 (platform.md)"),
    (4, 1): ("ID_AA64PFR1_EL1", ID_AA64PFR1_VALUE, "no BTI/SSBS/MTE/SME (platform.md)"),
    (4, 2): ("ID_AA64PFR2_EL1", 0, "later-architecture feature register: RAZ"),
    (4, 4): ("ID_AA64ZFR0_EL1", 0, "SVE feature register: RAZ (no SVE)"),
    (4, 5): ("ID_AA64SMFR0_EL1", 0, "SME feature register: RAZ (no SME)"),
    (4, 7): ("ID_AA64FPFR0_EL1", 0, "FP8 feature register (later architecture): RAZ"),
    (5, 0): ("ID_AA64DFR0_EL1", ID_AA64DFR0_VALUE,
             "DebugVer 6, TraceVer 0, PMUVer 0, BRPs 6, WRPs 4, CTX_CMPs 2 (A57 counts, PMU removed)"),
    (5, 1): ("ID_AA64DFR1_EL1", 0, "RAZ (Linux reads it unconditionally)"),
    (5, 2): ("ID_AA64DFR2_EL1", 0, "later-architecture debug feature register: RAZ"),
    (5, 4): ("ID_AA64AFR0_EL1", 0, "auxiliary feature register: RAZ"),
    (5, 5): ("ID_AA64AFR1_EL1", 0, "auxiliary feature register: RAZ"),
    (6, 0): ("ID_AA64ISAR0_EL1", ID_AA64ISAR0_VALUE, "AES+PMULL, SHA1, SHA2, CRC32 (platform.md)"),
    (6, 1): ("ID_AA64ISAR1_EL1", ID_AA64ISAR1_VALUE, "no PAuth/LRCPC/JSCVT/FCMA/DPB (platform.md)"),
    (6, 2): ("ID_AA64ISAR2_EL1", 0, "v8.7+ ISA feature register: RAZ"),
    (6, 3): ("ID_AA64ISAR3_EL1", 0, "later-architecture ISA feature register: RAZ"),
    (7, 0): ("ID_AA64MMFR0_EL1", ID_AA64MMFR0_VALUE,
             "QEMU a57 0x1124: PARange 44 bit, 16-bit ASID, 4K and 64K granules, no 16K"),
    (7, 1): ("ID_AA64MMFR1_EL1", ID_AA64MMFR1_VALUE, "VH=0 (nVHE), 8-bit VMID, no PAN/LOR/HAFDBS"),
    (7, 2): ("ID_AA64MMFR2_EL1", 0, "v8.2+ memory model features: RAZ (no CnP/UAO/E0PD/IDS)"),
    (7, 3): ("ID_AA64MMFR3_EL1", 0, "later-architecture memory model features: RAZ"),
    (7, 4): ("ID_AA64MMFR4_EL1", 0, "later-architecture memory model features: RAZ"),
}


def _id_space_regs(taken: set[int]) -> list[RegDef]:
    regs = []
    for crm in range(8):
        for op2 in range(8):
            if encoding_key(3, 0, 0, crm, op2) in taken:
                continue  # MIDR_EL1 / MPIDR_EL1 are defined explicitly (special)
            name, value, note = _ID_SPACE.get(
                (crm, op2),
                (f"S3_0_C0_C{crm}_{op2}", 0, "unallocated ID-space encoding: RAZ (platform.md)"))
            regs.append(RegDef(name, 3, 0, 0, crm, op2, 1, "ro", value, "const", 0, 0, None, note))
    return regs


REGISTERS: list[RegDef] = _EXPLICIT + _id_space_regs({r.key for r in _EXPLICIT})

BY_KEY: dict[int, RegDef] = {r.key: r for r in REGISTERS}
BY_NAME: dict[str, RegDef] = {r.name: r for r in REGISTERS}


# ---------------------------------------------------------------------------
# SYS operations (op0 = 1): all ARMv8.0 DC / IC / AT / TLBI forms for EL0-EL2.
# Encodings: ARM ARM C5.3 / LLVM AArch64SystemOperands.td; cross-checked with gas.
# ---------------------------------------------------------------------------

_UCI = "SCTLR_EL1.UCI"
_DZE = "SCTLR_EL1.DZE"

SYSOPS: list[SysOpDef] = [
    # Data cache maintenance (CRn = 7)
    SysOpDef("DC_IVAC", 0, 7, 6, 1, 1, "dc", note="invalidate by VA to PoC (may clean too); at EL1 with stage 2 on, acts as CIVAC"),
    SysOpDef("DC_ISW", 0, 7, 6, 2, 1, "dc", note="invalidate by set/way"),
    SysOpDef("DC_CSW", 0, 7, 10, 2, 1, "dc", note="clean by set/way"),
    SysOpDef("DC_CISW", 0, 7, 14, 2, 1, "dc", note="clean+invalidate by set/way"),
    SysOpDef("DC_ZVA", 3, 7, 4, 1, 0, "dc", el0=_DZE,
             note="zero 64 B (DCZID.BS=4); UNDEF->trap at EL0 if !DZE, to EL2 if HCR_EL2.TDZ"),
    SysOpDef("DC_CVAC", 3, 7, 10, 1, 0, "dc", el0=_UCI, note="clean by VA to PoC"),
    SysOpDef("DC_CVAU", 3, 7, 11, 1, 0, "dc", el0=_UCI, note="clean by VA to PoU (precedes IC IVAU in code patching)"),
    SysOpDef("DC_CIVAC", 3, 7, 14, 1, 0, "dc", el0=_UCI, note="clean+invalidate by VA to PoC (alternatives patching)"),
    # Instruction cache maintenance (CRn = 7)
    SysOpDef("IC_IALLUIS", 0, 7, 1, 0, 1, "ic", note="invalidate all to PoU, Inner Shareable: drop all translations on all CPUs"),
    SysOpDef("IC_IALLU", 0, 7, 5, 0, 1, "ic", note="invalidate all to PoU: drop all translations (this CPU suffices, broadcast is safe)"),
    SysOpDef("IC_IVAU", 3, 7, 5, 1, 0, "ic", el0=_UCI,
             note="invalidate by VA to PoU: drop blocks covering the line on all CPUs (IVAU is broadcast)"),
    # Address translation (CRn = 7, CRm = 8); result in PAR_EL1
    SysOpDef("AT_S1E1R", 0, 7, 8, 0, 1, "at", note="stage 1 EL1&0 regime, EL1 read permission"),
    SysOpDef("AT_S1E1W", 0, 7, 8, 1, 1, "at", note="stage 1 EL1&0 regime, EL1 write permission"),
    SysOpDef("AT_S1E0R", 0, 7, 8, 2, 1, "at", note="stage 1 EL1&0 regime, EL0 read permission"),
    SysOpDef("AT_S1E0W", 0, 7, 8, 3, 1, "at", note="stage 1 EL1&0 regime, EL0 write permission"),
    SysOpDef("AT_S1E2R", 4, 7, 8, 0, 2, "at", note="EL2 regime, read"),
    SysOpDef("AT_S1E2W", 4, 7, 8, 1, 2, "at", note="EL2 regime, write"),
    SysOpDef("AT_S12E1R", 4, 7, 8, 4, 2, "at", note="stages 1+2 EL1&0, EL1 read (stage 1 only if HCR_EL2.VM=0)"),
    SysOpDef("AT_S12E1W", 4, 7, 8, 5, 2, "at", note="stages 1+2 EL1&0, EL1 write"),
    SysOpDef("AT_S12E0R", 4, 7, 8, 6, 2, "at", note="stages 1+2 EL1&0, EL0 read"),
    SysOpDef("AT_S12E0W", 4, 7, 8, 7, 2, "at", note="stages 1+2 EL1&0, EL0 write"),
    # TLB maintenance (CRn = 8).  CRm 3 = Inner Shareable, CRm 7 = local;
    # CRm 0 / 4 = IPA-based (stage 2) IS / local.
    SysOpDef("TLBI_IPAS2E1IS", 4, 8, 0, 1, 2, "tlbi", note="stage 2 by IPA (Xt = IPA>>12), current VMID, IS"),
    SysOpDef("TLBI_IPAS2LE1IS", 4, 8, 0, 5, 2, "tlbi", note="stage 2 by IPA, last level only, IS"),
    SysOpDef("TLBI_VMALLE1IS", 0, 8, 3, 0, 1, "tlbi", note="all stage 1 EL1&0, current VMID, IS"),
    SysOpDef("TLBI_VAE1IS", 0, 8, 3, 1, 1, "tlbi", note="by VA (Xt: ASID 63:48, VA>>12), EL1&0, IS"),
    SysOpDef("TLBI_ASIDE1IS", 0, 8, 3, 2, 1, "tlbi", note="by ASID (Xt 63:48), EL1&0, IS"),
    SysOpDef("TLBI_VAAE1IS", 0, 8, 3, 3, 1, "tlbi", note="by VA, all ASIDs, EL1&0, IS"),
    SysOpDef("TLBI_VALE1IS", 0, 8, 3, 5, 1, "tlbi", note="by VA, last level, EL1&0, IS"),
    SysOpDef("TLBI_VAALE1IS", 0, 8, 3, 7, 1, "tlbi", note="by VA, all ASIDs, last level, EL1&0, IS"),
    SysOpDef("TLBI_ALLE2IS", 4, 8, 3, 0, 2, "tlbi", note="all EL2 regime entries, IS"),
    SysOpDef("TLBI_VAE2IS", 4, 8, 3, 1, 2, "tlbi", note="EL2 regime by VA, IS"),
    SysOpDef("TLBI_ALLE1IS", 4, 8, 3, 4, 2, "tlbi", note="all EL1&0 entries, all VMIDs, IS"),
    SysOpDef("TLBI_VALE2IS", 4, 8, 3, 5, 2, "tlbi", note="EL2 regime by VA, last level, IS"),
    SysOpDef("TLBI_VMALLS12E1IS", 4, 8, 3, 6, 2, "tlbi", note="all stage 1+2 EL1&0, current VMID, IS"),
    SysOpDef("TLBI_IPAS2E1", 4, 8, 4, 1, 2, "tlbi", note="stage 2 by IPA, current VMID"),
    SysOpDef("TLBI_IPAS2LE1", 4, 8, 4, 5, 2, "tlbi", note="stage 2 by IPA, last level"),
    SysOpDef("TLBI_VMALLE1", 0, 8, 7, 0, 1, "tlbi", note="all stage 1 EL1&0, current VMID"),
    SysOpDef("TLBI_VAE1", 0, 8, 7, 1, 1, "tlbi", note="by VA, EL1&0"),
    SysOpDef("TLBI_ASIDE1", 0, 8, 7, 2, 1, "tlbi", note="by ASID, EL1&0"),
    SysOpDef("TLBI_VAAE1", 0, 8, 7, 3, 1, "tlbi", note="by VA, all ASIDs, EL1&0"),
    SysOpDef("TLBI_VALE1", 0, 8, 7, 5, 1, "tlbi", note="by VA, last level, EL1&0"),
    SysOpDef("TLBI_VAALE1", 0, 8, 7, 7, 1, "tlbi", note="by VA, all ASIDs, last level, EL1&0"),
    SysOpDef("TLBI_ALLE2", 4, 8, 7, 0, 2, "tlbi", note="all EL2 regime entries (KVM hyp-init)"),
    SysOpDef("TLBI_VAE2", 4, 8, 7, 1, 2, "tlbi", note="EL2 regime by VA"),
    SysOpDef("TLBI_ALLE1", 4, 8, 7, 4, 2, "tlbi", note="all EL1&0 entries, all VMIDs"),
    SysOpDef("TLBI_VALE2", 4, 8, 7, 5, 2, "tlbi", note="EL2 regime by VA, last level"),
    SysOpDef("TLBI_VMALLS12E1", 4, 8, 7, 6, 2, "tlbi", note="all stage 1+2 EL1&0, current VMID (KVM hyp-init)"),
]

SYSOPS_BY_KEY: dict[int, SysOpDef] = {s.key: s for s in SYSOPS}
DC_ZVA_KEY = next(s.key for s in SYSOPS if s.name == "DC_ZVA")     # (the JIT runs it inline)


# ---------------------------------------------------------------------------
# Self-checks
# ---------------------------------------------------------------------------

def self_check() -> None:
    """Structural checks; raises AssertionError on the first problem."""
    seen: dict[int, str] = {}
    for r in REGISTERS:
        k = r.key
        assert k not in seen, f"{r.name} shares encoding {k:#06x} with {seen[k]}"
        seen[k] = r.name
        assert r.op0 in (2, 3), r.name           # op0 0/1 are not registers
        assert 0 <= r.op1 <= 7 and 0 <= r.crn <= 15 and 0 <= r.crm <= 15 and 0 <= r.op2 <= 7, r.name
        assert r.el in (0, 1, 2), r.name
        assert r.access in ("rw", "ro", "wo"), r.name
        assert r.kind in ("plain", "const", "special"), r.name
        assert r.kind != "const" or r.access == "ro", f"{r.name}: const must be ro"
        assert r.el0 is None or r.el == 0, f"{r.name}: el0 control on a non-EL0 register"
        assert r.res0 & r.res1 == 0, f"{r.name}: bit both RES0 and RES1"
        assert 0 <= r.reset <= ALL_ONES and 0 <= r.res0 <= ALL_ONES and 0 <= r.res1 <= ALL_ONES, r.name
        if r.kind == "plain":
            assert r.reset & r.res0 == 0, f"{r.name}: reset sets RES0 bits"
            assert r.reset & r.res1 == r.res1, f"{r.name}: reset clears RES1 bits"
        # op1 = 4 is the EL2 encoding group; op1 = 6/7 (EL3 / Secure) must not appear.
        assert r.op1 not in (6, 7), f"{r.name}: EL3/Secure encoding"
        if r.op1 == 4:
            assert r.el == 2, f"{r.name}: op1=4 register below EL2"
    assert len(BY_KEY) == len(REGISTERS) and len(BY_NAME) == len(REGISTERS), "duplicate key or name"

    # the whole ID space is present and read-only
    for crm in range(8):
        for op2 in range(8):
            r = BY_KEY[encoding_key(3, 0, 0, crm, op2)]
            assert r.access == "ro" and r.el == 1, r.name

    seen_ops: dict[int, str] = {}
    for s in SYSOPS:
        assert s.key not in seen_ops, f"{s.name} shares encoding with {seen_ops[s.key]}"
        seen_ops[s.key] = s.name
        assert s.kind in ("dc", "ic", "tlbi", "at"), s.name
        assert s.name.split("_", 1)[0].lower() == s.kind, s.name
        assert s.crn == (8 if s.kind == "tlbi" else 7), s.name
        assert s.el in (0, 1, 2) and (s.el0 is None or s.el == 0), s.name
        assert s.op1 in (0, 3, 4), s.name          # EL1, EL0-accessible, EL2 groups
        assert (s.op1 == 4) == (s.el == 2), s.name
    assert len(SYSOPS_BY_KEY) == len(SYSOPS)

    # consistency between ID registers and the registers defined
    dfr0 = BY_NAME["ID_AA64DFR0_EL1"].reset
    brps, wrps, ctx = ((dfr0 >> 12) & 0xF) + 1, ((dfr0 >> 20) & 0xF) + 1, ((dfr0 >> 28) & 0xF) + 1
    assert all(f"DBGBVR{n}_EL1" in BY_NAME and f"DBGBCR{n}_EL1" in BY_NAME for n in range(brps))
    assert all(f"DBGWVR{n}_EL1" in BY_NAME and f"DBGWCR{n}_EL1" in BY_NAME for n in range(wrps))
    assert f"DBGBVR{brps}_EL1" not in BY_NAME and f"DBGWVR{wrps}_EL1" not in BY_NAME
    assert ctx <= brps and (dfr0 >> 8) & 0xF == 0, "CTX_CMPs <= BRPs; PMUVer = 0"
    assert not any(r.name.startswith("PM") for r in REGISTERS), "PMUVer = 0: no PMU registers"
    vtr = BY_NAME["ICH_VTR_EL2"].reset
    assert (vtr & 0x1F) + 1 == GIC_NUM_LRS and all(f"ICH_LR{n}_EL2" in BY_NAME for n in range(GIC_NUM_LRS))
    assert f"ICH_LR{GIC_NUM_LRS}_EL2" not in BY_NAME
    assert ((vtr >> 26) & 7) + 1 == GIC_PREBITS and ((vtr >> 29) & 7) + 1 == GIC_PRIBITS
    assert ((BY_NAME["ICC_CTLR_EL1"].reset >> 8) & 7) + 1 == GIC_PRIBITS
    assert BY_NAME["ID_AA64PFR0_EL1"].reset == 0x1100000001000111
    assert (BY_NAME["ID_AA64PFR0_EL1"].reset >> 24) & 0xF == 1, "GIC sysreg interface advertised"
    assert (BY_NAME["ID_AA64MMFR1_EL1"].reset >> 8) & 0xF == 0, "VH = 0"
    clidr = BY_NAME["CLIDR_EL1"].reset
    for level in range(7):
        ctype = (clidr >> (3 * level)) & 7
        if ctype in (1, 3):   # instruction cache at this level
            assert (level << 1) | 1 in CCSIDR_VALUES, f"CCSIDR for L{level + 1} I missing"
        if ctype in (2, 3, 4):  # data or unified cache
            assert level << 1 in CCSIDR_VALUES, f"CCSIDR for L{level + 1} D/U missing"
    for sel, v in CCSIDR_VALUES.items():
        assert (v & 7) + 4 == 6, f"CSSELR {sel}: line size must match CTR_EL0 (64 B)"
    assert ((CTR_VALUE >> 16) & 0xF) == 4 and (CTR_VALUE & 0xF) == 4


self_check()        # at import: a broken table never runs (0.3 ms)


# Names binutils 2.40 does not know, and where their encodings were checked instead.
NOT_IN_BINUTILS_2_40 = {
    # QEMU target/arm/cpu64.c cortex_a57_a53_cp_reginfo / helper.c cbar_reginfo
    "L2CTLR_EL1", "L2ECTLR_EL1", "L2ACTLR_EL1", "CPUACTLR_EL1", "CPUECTLR_EL1",
    "CPUMERRSR_EL1", "L2MERRSR_EL1", "CBAR_EL1",
    # Linux arch/arm64/tools/sysreg (v6.7+ additions)
    "ID_AA64PFR2_EL1", "ID_AA64FPFR0_EL1", "ID_AA64DFR2_EL1", "ID_AA64ISAR3_EL1",
    "ID_AA64MMFR3_EL1", "ID_AA64MMFR4_EL1",
}


def check_against_assembler(as_cmd: str = "aarch64-linux-gnu-as") -> tuple[int, int]:
    """Assemble every named register / SYS op with binutils and compare the
    encoded op0:op1:CRn:CRm:op2 (instruction bits 20:5) with this table.
    Returns (checked, skipped).  Needs an AArch64 assembler; not run on import."""
    import os
    import struct
    import subprocess
    import tempfile

    lines: list[str] = []
    what: list[tuple[str, int]] = []
    skipped = 0
    for r in REGISTERS:
        if r.name.startswith("S3_") or r.name in NOT_IN_BINUTILS_2_40:
            skipped += 1
            continue
        lines.append(f"msr {r.name}, x0" if r.access == "wo" else f"mrs x0, {r.name}")
        what.append((r.name, r.key))
    for s in SYSOPS:
        mnem, op = s.name.split("_", 1)
        no_reg = (mnem == "IC" and op.startswith("IALLU")) or (
            mnem == "TLBI" and op.startswith(("VMALL", "ALLE")))
        lines.append(f"{mnem.lower()} {op.lower()}" + ("" if no_reg else ", x0"))
        what.append((s.name, s.key))
    with tempfile.TemporaryDirectory() as d:
        src, obj, binf = (os.path.join(d, n) for n in ("t.s", "t.o", "t.bin"))
        with open(src, "w") as f:
            # a broad .arch so that names of absent features (ZFR0, SMFR0,
            # PFR2...) are accepted; they are only read here.
            f.write(".arch armv9.2-a+sme\n.text\n" + "\n".join(lines) + "\n")
        p = subprocess.run([as_cmd, "-o", obj, src], capture_output=True, text=True)
        assert p.returncode == 0, p.stderr
        objcopy = as_cmd[: -len("as")] + "objcopy"
        subprocess.run([objcopy, "-O", "binary", "-j", ".text", obj, binf], check=True)
        with open(binf, "rb") as f:
            data = f.read()
    words = struct.unpack(f"<{len(data) // 4}I", data)
    assert len(words) == len(what), (len(words), len(what))
    for (name, key), w in zip(what, words):
        got = (w >> 5) & 0xFFFF
        assert got == key, f"{name}: table {key:#06x}, assembler {got:#06x} ({w:#010x})"
    return len(what), skipped


if __name__ == "__main__":
    kinds: dict[str, int] = {}
    for _r_ in REGISTERS:
        kinds[_r_.kind] = kinds.get(_r_.kind, 0) + 1
    print(f"{len(REGISTERS)} registers ({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}), "
          f"{len(SYSOPS)} SYS operations: self-check OK")
    import shutil
    if shutil.which("aarch64-linux-gnu-as"):
        n_ok, n_skip = check_against_assembler()
        print(f"binutils cross-check OK: {n_ok} encodings match "
              f"({n_skip} generic/unknown-to-binutils names skipped)")
