"""The decoder against GNU as: what the assembler encodes, we decode to the
right row; what ARMv8.0 leaves unallocated decodes to UNDEF."""
import random

import pytest

from tests.asm import asm
from a64jit.translator import encoding
from a64jit.translator.decode import decode
from a64jit.translator.semantics import REGISTRY

CASES = {
    "adr": ["adr x0, .", "adrp x3, . + 0x5000"],
    "addsub_imm": ["add x0, sp, #1", "subs w1, w2, #4095, lsl #12", "cmp x3, #7"],
    "logic_imm": ["and x0, x1, #0xff", "orr w2, wzr, #0x55555555", "eor x3, x4, #0x8000000000000000", "tst w1, #1"],
    "movewide": ["movz x0, #1, lsl 48", "movn w1, #2", "movk x2, #3, lsl 16"],
    "bitfield": ["ubfx x0, x1, #3, #5", "sbfiz w2, w3, #1, #4", "bfi x4, x5, #60, #4", "lsl x6, x7, #3", "asr w1, w2, #31"],
    "extr": ["extr x0, x1, x2, #63", "ror w3, w4, #5"],
    "b_cond": ["b.eq .", "b.nv ."], "b_imm": ["b .", "bl ."],
    "svc": ["svc #1"], "hvc": ["hvc #2"], "smc": ["smc #3"], "brk": ["brk #4"], "hlt": ["hlt #5"],
    "hint": ["nop", "yield", "wfe", "wfi", "sev", "sevl", "hint #0x7f"],
    "barrier": ["clrex", "dsb sy", "dmb ish", "isb", "dsb nsh"],
    "msr_imm": ["msr spsel, #1", "msr daifset, #0xf", "msr daifclr, #2"],
    "sys": ["dc zva, x0", "ic ivau, x1", "ic iallu", "tlbi vmalle1is", "at s1e1r, x2", "sys #0, c7, c5, #0, x3"],
    "sysreg": ["mrs x0, sctlr_el1", "msr ttbr0_el1, x1", "mrs x2, nzcv", "msr s3_3_c15_c2_0, x5"],
    "br": ["br x1", "blr x30", "ret", "ret x3"], "eret": ["eret"],
    "cb": ["cbz x0, .", "cbnz w1, ."], "tb": ["tbz x0, #63, .", "tbnz w1, #3, ."],
    "ldst_excl": ["ldxrb w0, [x1]", "stlxrh w2, w3, [sp]", "ldaxr x4, [x5]", "stxr w6, x7, [x8]"],
    "ldst_excl_pair": ["ldxp x0, x1, [x2]", "stlxp w3, w4, w5, [x6]"],
    "ldst_ordered": ["ldar x0, [x1]", "stlrb w2, [sp]", "ldarh w3, [x4]"],
    "ldr_lit": ["ldr x0, .", "ldr w1, .", "ldrsw x2, .", "prfm pldl1keep, ."],
    "ldst_pair": ["ldp x0, x1, [sp, #16]!", "stp w2, w3, [x4], #-8", "ldpsw x5, x6, [x7, #8]", "ldnp x8, x9, [x10]", "stnp w1, w2, [x3, #4]"],
    "ldst_imm9": ["ldur x0, [x1, #-1]", "str w2, [x3], #4", "ldrsb x4, [x5, #-256]!", "ldtr x6, [x7]", "sttrh w8, [x9, #2]", "prfum pldl1keep, [x1, #3]"],
    "ldst_regoff": ["ldr x0, [x1, x2, lsl #3]", "strb w3, [x4, w5, sxtw]", "ldrsh x6, [x7, w8, uxtw #1]", "prfm pldl1keep, [x1, x2]"],
    "ldst_uimm": ["ldr x0, [x1, #32760]", "strh w2, [sp, #2]", "ldrsw x3, [x4, #4]", "prfm pstl2strm, [x5, #8]", "ldrsb w1, [x2]"],
    "dp2": ["udiv x0, x1, x2", "sdiv w3, w4, w5", "lslv x6, x7, x8", "rorv w9, w10, w11", "crc32b w0, w1, w2", "crc32cx w3, w4, x5"],
    "dp1": ["rbit x0, x1", "rev16 w2, w3", "rev32 x4, x5", "rev x6, x7", "rev w8, w9", "clz x10, x11", "cls w12, w13"],
    "logic_shift": ["and x0, x1, x2, lsl #3", "bics w3, w4, w5, ror #31", "orn x6, x7, x8, asr #63", "mvn w1, w2", "tst x1, x2"],
    "addsub_shift": ["add x0, x1, x2, lsl #63", "subs w3, w4, w5, asr #31", "neg x6, x7", "cmp w1, w2, lsr #3"],
    "addsub_ext": ["add x0, sp, w1, uxtb #4", "subs x2, x3, x4, sxtx", "cmp sp, w5, sxth #2"],
    "adc": ["adc x0, x1, x2", "sbcs w3, w4, w5", "ngc x6, x7"],
    "ccmp": ["ccmp x0, x1, #4, ne", "ccmn w2, #31, #15, al"],
    "csel": ["csel x0, x1, x2, eq", "csinc w3, w4, w5, lt", "csinv x6, x7, x8, hi", "csneg w9, w10, w11, nv", "cset x1, eq"],
    "dp3": ["madd x0, x1, x2, x3", "msub w4, w5, w6, w7", "smaddl x8, w9, w10, x11", "umsubl x12, w13, w14, x15", "smulh x0, x1, x2", "umulh x3, x4, x5", "mul w1, w2, w3"],
}

# ARMv8.0 leaves these unallocated (they are later extensions or reserved encodings).
UNDEF = ["udf #0", ".inst 0xffffffff", "casal x0, x1, [x2]", "ldadd x0, x1, [x2]", "ldapr x0, [x1]",
         "pacia x0, x1", "retaa", "stlur w0, [x1]", "msr pan, #1", "sb", ".inst 0xd4a00001",  # DCPS1
         "ldraa x0, [x1]", "stgp x0, x1, [x2]", "rmif x0, #1, #2", "setf8 w0", "sysl x0, #0, c7, c5, #0",
         ".inst 0x93808000",   # EXTR sf=1 N=0
         ]
LATER = "armv8.5-a+memtag+rcpc+flagm+sb"


@pytest.mark.parametrize("row", sorted(CASES))
def test_assembler_encodings_decode_to_row(row):
    for src in CASES[row]:
        word = int.from_bytes(asm(src), "little")
        assert decode(word).name == row, f"{src!r} ({word:#010x}) decoded as {decode(word)}"


def test_every_row_has_cases_and_semantics():
    names = {r[0] for r in encoding.TABLE}
    assert names == set(CASES)
    assert names <= set(REGISTRY)


@pytest.mark.parametrize("src", UNDEF)
def test_unallocated_is_undef(src):
    word = int.from_bytes(asm(src, LATER), "little")
    assert decode(word).name == "UNDEF", f"{src!r} ({word:#010x}) decoded as {decode(word)}"


@pytest.mark.parametrize("word,why", [
    (0x52C00000, "MOVZ w with hw=2"), (0x32400000, "logical imm sf=0 N=1"),
    (0x927FFC00 | 0x3F << 10, "logical imm with imms all ones"), (0x33400000, "BFM sf=0 N=1"),
    (0xB33F0000, "BFM sf=1 N=0"), (0x9AC00000 | 0x14 << 10, "CRC32B with sf=1"),
    (0x1AC04C00, "CRC32X encoding with sf=0"), (0x0B200000 | 5 << 10, "add ext imm3=5"),
    (0xDAC00C00 & ~(1 << 31), "REV with sf=0 opcode 3"), (0x9B400000 | 1 << 15, "SMULH with o0=1"),
])
def test_field_constraints(word, why):
    assert decode(word).name == "UNDEF", why


def test_decode_is_total_and_deterministic():
    rng = random.Random(1)
    for _ in range(20000):
        w = rng.getrandbits(32)
        a, b = decode(w), decode(w)
        assert a.name == b.name and a.name in REGISTRY
