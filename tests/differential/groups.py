"""Random A64 instruction words per encoding group, and random machine states.

The groups follow the top-level A64 encoding index of the Arm ARM (C4.1,
"A64 instruction set encoding") restricted to the ARMv8.0 *integer and
system* instructions: no SIMD&FP data processing, no SIMD&FP loads/stores
(V, bit 26, is fixed to 0 in every load/store subgroup), no SVE.

Each subgroup is ``(name, mask, value)``: the bits under ``mask`` are fixed to
``value`` and all other bits are random.  ``value`` may also be a tuple of
alternatives, one picked at random per word (used for lists of system
register / system instruction encodings).

The first four groups are the C4.1 instruction classes with (almost) only the
class-header bits fixed, so their words also cover the unallocated encodings
inside each class.  Where that leaves a class mostly unallocated (decode fields
such as S/o2/o3 of conditional compare, sf/N of bitfield, the 1-source
opcode2, random system register numbers...), the "focused" group adds
variants with those fields pinned to allocated values, so that the
instructions get value-tested too.  Exception generation, barriers and
unconditional branch (register) fix a few extra decode bits already in C4.1
form; the comments say which.

Everything is deterministic given a ``random.Random``.
"""

from __future__ import annotations

import random

MASK64 = (1 << 64) - 1


def _sys(op1: int, crn: int, crm: int, op2: int) -> int:
    """SYS #op1, Cn, Cm, #op2 (L = 0), Rt = 0."""
    return 0xD5080000 | op1 << 16 | crn << 12 | crm << 8 | op2 << 5


def _sysreg(op0: int, op1: int, crn: int, crm: int, op2: int) -> int:
    """MSR <reg>, X0 (L = 0; the generator randomises L and Rt)."""
    return 0xD5000000 | op0 << 19 | op1 << 16 | crn << 12 | crm << 8 | op2 << 5


# ARMv8.0 system instructions (op1, CRn, CRm, op2); EL2/EL3-only ones and a
# v8.2 one (DC CVAP) are included on purpose: they must UNDEF at EL1.
_SYS_KNOWN = tuple(
    _sys(*e)
    for e in [
        (0, 7, 1, 0), (0, 7, 5, 0), (3, 7, 5, 1),  # IC IALLUIS, IC IALLU, IC IVAU
        (0, 7, 6, 1), (0, 7, 6, 2), (0, 7, 10, 2), (0, 7, 14, 2),  # DC IVAC, ISW, CSW, CISW
        (3, 7, 4, 1), (3, 7, 10, 1), (3, 7, 11, 1), (3, 7, 14, 1),  # DC ZVA, CVAC, CVAU, CIVAC
        (3, 7, 12, 1),  # DC CVAP (v8.2)
        (0, 7, 8, 0), (0, 7, 8, 1), (0, 7, 8, 2), (0, 7, 8, 3),  # AT S1E1R/W, S1E0R/W
        (4, 7, 8, 0), (4, 7, 8, 4), (6, 7, 8, 0),  # AT S1E2R, S12E1R, S1E3R
        (0, 8, 3, 0), (0, 8, 3, 1), (0, 8, 3, 2), (0, 8, 3, 3), (0, 8, 3, 5), (0, 8, 3, 7),  # TLBI ..IS
        (0, 8, 7, 0), (0, 8, 7, 1), (0, 8, 7, 2), (0, 8, 7, 3), (0, 8, 7, 5), (0, 8, 7, 7),  # TLBI
        (4, 8, 7, 0), (6, 8, 7, 0),  # TLBI ALLE2, ALLE3
    ]
)

# System registers (op0, op1, CRn, CRm, op2) reachable or deliberately not
# reachable from EL1 in ARMv8.0.
_SYSREG_KNOWN = tuple(
    _sysreg(*e)
    for e in [
        # identification
        (3, 0, 0, 0, 0), (3, 0, 0, 0, 5), (3, 0, 0, 0, 6),  # MIDR, MPIDR, REVIDR
        *[(3, 0, 0, 1, i) for i in range(8)], *[(3, 0, 0, 2, i) for i in range(6)],  # AArch32 ID
        (3, 0, 0, 3, 0), (3, 0, 0, 3, 1), (3, 0, 0, 3, 2),  # MVFR0-2
        (3, 0, 0, 4, 0), (3, 0, 0, 4, 1), (3, 0, 0, 5, 0), (3, 0, 0, 5, 1),  # ID_AA64PFR*, DFR*
        (3, 0, 0, 5, 4), (3, 0, 0, 5, 5), (3, 0, 0, 6, 0), (3, 0, 0, 6, 1),  # AFR*, ISAR*
        (3, 0, 0, 7, 0), (3, 0, 0, 7, 1), (3, 0, 0, 4, 4), (3, 0, 0, 7, 7),  # MMFR*, reserved (RAZ)
        (3, 1, 0, 0, 0), (3, 1, 0, 0, 1), (3, 1, 0, 0, 7), (3, 2, 0, 0, 0),  # CCSIDR, CLIDR, AIDR, CSSELR
        (3, 3, 0, 0, 1), (3, 3, 0, 0, 7),  # CTR_EL0, DCZID_EL0
        # EL1 control
        (3, 0, 1, 0, 0), (3, 0, 1, 0, 1), (3, 0, 1, 0, 2),  # SCTLR, ACTLR, CPACR
        (3, 0, 2, 0, 0), (3, 0, 2, 0, 1), (3, 0, 2, 0, 2),  # TTBR0, TTBR1, TCR
        (3, 0, 5, 1, 0), (3, 0, 5, 1, 1), (3, 0, 5, 2, 0), (3, 0, 6, 0, 0), (3, 0, 7, 4, 0),  # AFSR0/1, ESR, FAR, PAR
        (3, 0, 10, 2, 0), (3, 0, 10, 3, 0), (3, 0, 12, 0, 0), (3, 0, 12, 1, 0),  # MAIR, AMAIR, VBAR, ISR
        (3, 0, 13, 0, 1), (3, 0, 13, 0, 4), (3, 0, 14, 1, 0),  # CONTEXTIDR, TPIDR_EL1, CNTKCTL
        # special purpose
        (3, 0, 4, 0, 0), (3, 0, 4, 0, 1), (3, 0, 4, 1, 0),  # SPSR_EL1, ELR_EL1, SP_EL0
        (3, 0, 4, 2, 0), (3, 0, 4, 2, 2),  # SPSel, CurrentEL
        (3, 3, 4, 2, 0), (3, 3, 4, 2, 1), (3, 3, 4, 4, 0), (3, 3, 4, 4, 1),  # NZCV, DAIF, FPCR, FPSR
        (3, 0, 4, 2, 3), (3, 0, 4, 2, 4),  # PAN (v8.1), UAO (v8.2): not in v8.0
        (3, 3, 4, 5, 0), (3, 3, 4, 5, 1),  # DSPSR_EL0, DLR_EL0: Debug state only
        # EL0 thread/timers/PMU
        (3, 3, 13, 0, 2), (3, 3, 13, 0, 3), (3, 3, 14, 0, 0),  # TPIDR_EL0, TPIDRRO_EL0, CNTFRQ
        (3, 3, 14, 2, 1), (3, 3, 14, 3, 1), (3, 3, 14, 2, 2), (3, 3, 14, 3, 2),  # CNTP/V_CTL, _CVAL
        (3, 3, 9, 12, 0), (3, 3, 9, 12, 1), (3, 3, 9, 12, 2), (3, 3, 9, 12, 3),  # PMCR, PMCNTENSET/CLR, PMOVSCLR
        (3, 3, 9, 12, 5), (3, 3, 9, 14, 0), (3, 0, 9, 14, 1), (3, 0, 9, 14, 2),  # PMSELR, PMUSERENR, PMINTENSET/CLR
        # debug
        (2, 0, 0, 2, 2), (2, 0, 0, 0, 4), (2, 0, 0, 0, 5), (2, 0, 0, 0, 6), (2, 0, 0, 0, 7),  # MDSCR, DBGB/WVR/CR0
        (2, 0, 1, 1, 4), (2, 0, 7, 14, 6), (2, 0, 0, 2, 0),  # OSLSR, DBGAUTHSTATUS, MDCCINT
        # EL2/EL3 registers: UNDEFINED at EL1
        (3, 4, 1, 1, 0), (3, 4, 1, 0, 0), (3, 4, 12, 0, 0), (3, 4, 4, 1, 0), (3, 4, 4, 0, 1),  # HCR, SCTLR, VBAR, SP_EL1, ELR _EL2
        (3, 6, 1, 1, 0), (3, 6, 1, 0, 0), (3, 4, 3, 0, 0),  # SCR_EL3, SCTLR_EL3, DACR32_EL2
    ]
)

# (group, [(subgroup, mask, value), ...]) in C4.1 order.
GROUPS: list[tuple[str, list[tuple[str, int, int]]]] = [
    (
        "dp_imm",  # op0 = 100x
        [
            ("pc_rel", 0x1F000000, 0x10000000),  # op immlo 10000 immhi Rd: ADR/ADRP
            ("addsub_imm", 0x1F800000, 0x11000000),  # sf op S 100010 sh imm12 Rn Rd
            ("logical_imm", 0x1F800000, 0x12000000),  # sf opc 100100 N immr imms Rn Rd
            ("move_wide", 0x1F800000, 0x12800000),  # sf opc 100101 hw imm16 Rd
            ("bitfield", 0x1F800000, 0x13000000),  # sf opc 100110 N immr imms Rn Rd
            ("extract", 0x1F800000, 0x13800000),  # sf op21 100111 N o0 Rm imms Rn Rd
        ],
    ),
    (
        "branch_sys",  # op0 = 101x
        [
            ("cond_branch", 0xFE000000, 0x54000000),  # 0101010 o1 imm19 o0 cond
            # 11010100 opc imm16 op2 LL; op2 (bits 4:2) fixed to 000, the only
            # allocated value, so that opc/LL get exercised.
            ("exception", 0xFF00001C, 0xD4000000),
            ("hints", 0xFFFFF01F, 0xD503201F),  # 1101010100 0 00 011 0010 CRm op2 11111
            # 1101010100 0 00 011 0011 CRm op2 Rt; Rt fixed to 11111 (the
            # only allocated value).
            ("barriers", 0xFFFFF01F, 0xD503301F),
            ("pstate", 0xFFF8F01F, 0xD500401F),  # 1101010100 0 00 op1 0100 CRm op2 11111
            ("system_insn", 0xFFD80000, 0xD5080000),  # 1101010100 L 01 op1 CRn CRm op2 Rt (SYS/SYSL)
            ("sysreg_move", 0xFFD00000, 0xD5100000),  # 1101010100 L 1 o0 op1 CRn CRm op2 Rt (MSR/MRS)
            # 1101011 opc op2 op3 Rn op4; op2 = 11111, op3 = 000000, op4 = 00000
            # fixed (all ARMv8.0 encodings have them; the rest is PAuth).
            ("uncond_branch_reg", 0xFE1FFC1F, 0xD61F0000),
            ("uncond_branch_imm", 0x7C000000, 0x14000000),  # op 00101 imm26
            ("cmp_branch", 0x7E000000, 0x34000000),  # sf 011010 op imm19 Rt
            ("test_branch", 0x7E000000, 0x36000000),  # b5 011011 op b40 imm14 Rt
        ],
    ),
    (
        "ldst",  # op0 = x1x0, general registers only (V = 0)
        [
            ("ldst_exclusive", 0x3F000000, 0x08000000),  # size 001000 o2 L o1 Rs o0 Rt2 Rn Rt
            ("ld_literal", 0x3F000000, 0x18000000),  # opc 011 0 00 imm19 Rt
            ("ldst_pair_noalloc", 0x3F800000, 0x28000000),  # opc 101 0 000 L imm7 Rt2 Rn Rt
            ("ldst_pair_post", 0x3F800000, 0x28800000),  # opc 101 0 001 L ...
            ("ldst_pair_offset", 0x3F800000, 0x29000000),  # opc 101 0 010 L ...
            ("ldst_pair_pre", 0x3F800000, 0x29800000),  # opc 101 0 011 L ...
            ("ldst_unscaled", 0x3F200C00, 0x38000000),  # size 111 0 00 opc 0 imm9 00 Rn Rt
            ("ldst_imm_post", 0x3F200C00, 0x38000400),  # ... imm9 01 ...
            ("ldst_unpriv", 0x3F200C00, 0x38000800),  # ... imm9 10 ...
            ("ldst_imm_pre", 0x3F200C00, 0x38000C00),  # ... imm9 11 ...
            ("ldst_reg_offset", 0x3F200C00, 0x38200800),  # size 111 0 00 opc 1 Rm option S 10 Rn Rt
            ("ldst_unsigned_imm", 0x3F000000, 0x39000000),  # size 111 0 01 opc imm12 Rn Rt
        ],
    ),
    (
        "dp_reg",  # op0 = x101
        [
            ("logical_shifted", 0x1F000000, 0x0A000000),  # sf opc 01010 shift N Rm imm6 Rn Rd
            ("addsub_shifted", 0x1F200000, 0x0B000000),  # sf op S 01011 shift 0 Rm imm6 Rn Rd
            ("addsub_extended", 0x1F200000, 0x0B200000),  # sf op S 01011 opt 1 Rm option imm3 Rn Rd
            ("adc_sbc", 0x1FE0FC00, 0x1A000000),  # sf op S 11010000 Rm 000000 Rn Rd
            ("ccmp_reg", 0x1FE00800, 0x1A400000),  # sf op S 11010010 Rm cond 0 o2 Rn o3 nzcv
            ("ccmp_imm", 0x1FE00800, 0x1A400800),  # sf op S 11010010 imm5 cond 1 o2 Rn o3 nzcv
            ("cond_select", 0x1FE00000, 0x1A800000),  # sf op S 11010100 Rm cond op2 Rn Rd
            ("dp_2src", 0x5FE00000, 0x1AC00000),  # sf 0 S 11010110 Rm opcode Rn Rd
            ("dp_1src", 0x5FE00000, 0x5AC00000),  # sf 1 S 11010110 opcode2 opcode Rn Rd
            ("dp_3src", 0x1F000000, 0x1B000000),  # sf op54 11011 op31 Rm o0 Ra Rn Rd
        ],
    ),
    (
        "focused",  # allocated-only variants of sparse classes
        [
            ("bitfield_w", 0x9FE08000, 0x13000000),  # sf = N = 0, immr<5> = imms<5> = 0
            ("bitfield_x", 0x9FC00000, 0x93400000),  # sf = N = 1
            ("extract_w", 0xFFE08000, 0x13800000),  # sf = N = 0, op21 = o0 = 0, imms<5> = 0
            ("extract_x", 0xFFE00000, 0x93C00000),  # sf = N = 1, op21 = o0 = 0
            ("cond_branch_valid", 0xFF000010, 0x54000000),  # o1 = o0 = 0
            ("ccmp_reg_valid", 0x3FE00C10, 0x3A400000),  # S = 1, o2 = o3 = 0
            ("ccmp_imm_valid", 0x3FE00C10, 0x3A400800),
            ("cond_select_valid", 0x3FE00800, 0x1A800000),  # S = 0, op2<1> = 0
            ("addsub_ext_valid", 0x1FE00000, 0x0B200000),  # opt = 00
            ("dp_2src_valid", 0x7FE08000, 0x1AC00000),  # S = 0, opcode<5> = 0
            ("dp_1src_valid", 0x7FFFE000, 0x5AC00000),  # S = 0, opcode2 = 0, opcode<5:3> = 0
            ("dp_3src_valid", 0x7F000000, 0x1B000000),  # op54 = 00
            # LDR (literal) with imm19 < 128: lands in the literal pool region
            # that random_state() puts right after the instruction.
            ("ld_literal_near", 0x3FFFF000, 0x18000000),
            ("dc_zva", 0xFFFFFFE0, 0xD50B7420),  # DC ZVA, Xt
            ("sys_known", 0xFFFFFFE0, _SYS_KNOWN),  # SYS encodings of ARMv8.0 cache/AT/TLBI ops, Xt random
            ("sysreg_known", 0xFFDFFFE0, _SYSREG_KNOWN),  # MRS/MSR (L random) of known registers, Xt random
        ],
    ),
]

SUBGROUPS: list[tuple[str, int, int]] = [sg for _, sgs in GROUPS for sg in sgs]
SUBGROUP_NAMES: list[str] = [name for name, _, _ in SUBGROUPS]
_BY_NAME = {name: (mask, value) for name, mask, value in SUBGROUPS}

for _name, _mask, _value in SUBGROUPS:
    assert all(v & ~_mask == 0 for v in (_value if isinstance(_value, tuple) else (_value,))), _name


def random_word(rng: random.Random, subgroup: str | None = None) -> tuple[str, int]:
    """A random word from ``subgroup`` (or from a uniformly chosen one)."""
    if subgroup is None:
        subgroup = rng.choice(SUBGROUP_NAMES)
    mask, value = _BY_NAME[subgroup]
    if isinstance(value, tuple):
        value = rng.choice(value)
    return subgroup, value | (rng.getrandbits(32) & ~mask & 0xFFFFFFFF)


def subgroup_of(word: int) -> str | None:
    """The first C4.1 subgroup (not "focused") whose fixed bits match ``word``."""
    for group, subgroups in GROUPS:
        if group == "focused":
            continue
        for name, mask, value in subgroups:
            if word & mask == value:
                return name
    return None


# ---------------------------------------------------------------------------
# Machine state

CODE_BASE = 0x40000000
REGION_BASES = (0x10000000, 0x20001000, 0x7FFF0000)
REGION_SIZE = 0x2000
# Literal pool: directly after the (single-instruction) code region, for
# LDR (literal) and friends.  It shares the code page on purpose.
POOL_SIZE = 0x200

EDGE_VALUES = (
    0,
    1,
    2,
    MASK64,  # -1
    MASK64 - 1,
    0x7FFFFFFFFFFFFFFF,
    0x8000000000000000,
    0xFFFFFFFF,
    0x80000000,
    0x7FFFFFFF,
    0x100000000,
    0xFFFFFFFF00000000,
    0xFFFFFFFF80000000,
    31,
    32,
    63,
    64,
)


def _pointer(rng: random.Random) -> int:
    """An address in or just around one of the data regions.

    The offsets are picked so that the small immediates and register offsets
    of random loads/stores land inside, at the edges of, or just outside a
    region; the alignment mix lets exclusives and ordered accesses pass their
    alignment checks a good part of the time.
    """
    base = rng.choice(REGION_BASES)
    kind = rng.random()
    if kind < 0.30:
        off = rng.randrange(REGION_SIZE)
    elif kind < 0.50:
        off = rng.randrange(64)  # near the start: positive offsets stay inside
    elif kind < 0.65:
        off = REGION_SIZE - rng.randrange(1, 65)  # near the end: straddling accesses
    elif kind < 0.85:
        off = REGION_SIZE // 2 + rng.randrange(-256, 256)  # room for +-imm9 writeback
    else:
        off = rng.choice((-1, 1)) * rng.randrange(1, 65) + rng.choice((0, REGION_SIZE))  # just outside
    align = rng.random()
    if align < 0.35:
        off &= ~15
    elif align < 0.55:
        off &= ~7
    return (base + off) & MASK64


def random_reg_value(rng: random.Random) -> int:
    kind = rng.random()
    if kind < 0.20:
        return rng.choice(EDGE_VALUES)
    if kind < 0.30:
        return rng.randrange(-256, 256) & MASK64  # small signed ints: register offsets, shifts
    if kind < 0.55:
        return rng.getrandbits(64)
    return _pointer(rng)


def random_state(rng: random.Random, code_size: int = 4) -> tuple[dict[str, int], dict[int, bytes]]:
    """(regs, mem) for run_snippet/run_unicorn: x0-x30, sp, nzcv, 3 data regions and a literal pool."""
    mem = {base: rng.randbytes(REGION_SIZE) for base in REGION_BASES}
    mem[CODE_BASE + code_size] = rng.randbytes(POOL_SIZE)
    regs = {f"x{i}": random_reg_value(rng) for i in range(31)}
    sp = _pointer(rng)
    if rng.random() < 0.9:
        sp &= ~15  # mostly a well-formed stack pointer; sometimes one that trips SP alignment checks
    regs["sp"] = sp
    regs["nzcv"] = rng.getrandbits(4) << 28
    return regs, mem
