"""Directed tests of the Advanced SIMD integer instructions (three same, two-register
miscellaneous, across lanes, shift by immediate, three different, TBL/TBX; vector and
scalar forms), on both engines; expected values worked out from the ARM ARM
pseudocode (saturation and FPSR.QC, rounding, shifts by >= esize and negative
register shifts, the "2" forms).  The encodings: GNU as assembles each mnemonic to
its row, the reserved forms are UNDEFINED, and without ``fp=True`` all are."""
import pytest

from tests.asm import asm
from a64jit.snippet import run_snippet
from a64jit.translator.decode import decode
from a64jit.translator import encoding

M64 = (1 << 64) - 1
M128 = (1 << 128) - 1
QC = 1 << 27
JUNK = 0xDEADBEEFCAFEF00D_0123456789ABCDEF

# Each row: GNU-as spellings that must decode to it.
CASES = {
    "simd_hadd": ["shadd v0.16b, v1.16b, v2.16b", "uhadd v3.4s, v4.4s, v5.4s"],
    "simd_qadd": ["sqadd v0.8h, v1.8h, v2.8h", "uqadd v3.2d, v4.2d, v5.2d"],
    "simd_rhadd": ["srhadd v0.8b, v1.8b, v2.8b", "urhadd v3.4h, v4.4h, v5.4h"],
    "simd_hsub": ["shsub v0.2s, v1.2s, v2.2s", "uhsub v3.16b, v4.16b, v5.16b"],
    "simd_qsub": ["sqsub v0.4s, v1.4s, v2.4s", "uqsub v3.8b, v4.8b, v5.8b"],
    "simd_cmgt": ["cmgt v0.2d, v1.2d, v2.2d", "cmhi v3.8h, v4.8h, v5.8h"],
    "simd_cmge": ["cmge v0.16b, v1.16b, v2.16b", "cmhs v3.2s, v4.2s, v5.2s"],
    "simd_shl_reg": ["sshl v0.4s, v1.4s, v2.4s", "ushl v3.2d, v4.2d, v5.2d"],
    "simd_qshl_reg": ["sqshl v0.8b, v1.8b, v2.8b", "uqshl v3.8h, v4.8h, v5.8h"],
    "simd_rshl_reg": ["srshl v0.4h, v1.4h, v2.4h", "urshl v3.4s, v4.4s, v5.4s"],
    "simd_qrshl_reg": ["sqrshl v0.2d, v1.2d, v2.2d", "uqrshl v3.16b, v4.16b, v5.16b"],
    "simd_max": ["smax v0.4s, v1.4s, v2.4s", "umax v3.8b, v4.8b, v5.8b"],
    "simd_min": ["smin v0.8h, v1.8h, v2.8h", "umin v3.2s, v4.2s, v5.2s"],
    "simd_abd": ["sabd v0.16b, v1.16b, v2.16b", "uabd v3.4h, v4.4h, v5.4h"],
    "simd_aba": ["saba v0.4s, v1.4s, v2.4s", "uaba v3.8b, v4.8b, v5.8b"],
    "simd_addsub": ["add v0.2d, v1.2d, v2.2d", "sub v3.4h, v4.4h, v5.4h"],
    "simd_cmtst": ["cmtst v0.16b, v1.16b, v2.16b", "cmeq v3.2d, v4.2d, v5.2d"],
    "simd_mla": ["mla v0.4s, v1.4s, v2.4s", "mls v3.8b, v4.8b, v5.8b"],
    "simd_mul": ["mul v0.8h, v1.8h, v2.8h", "pmul v3.16b, v4.16b, v5.16b"],
    "simd_maxp": ["smaxp v0.4s, v1.4s, v2.4s", "umaxp v3.8b, v4.8b, v5.8b"],
    "simd_minp": ["sminp v0.8h, v1.8h, v2.8h", "uminp v3.2s, v4.2s, v5.2s"],
    "simd_qdmulh": ["sqdmulh v0.4s, v1.4s, v2.4s", "sqrdmulh v3.4h, v4.4h, v5.4h"],
    "simd_addp": ["addp v0.2d, v1.2d, v2.2d", "addp v3.8b, v4.8b, v5.8b"],
    "simd_qadd_s": ["sqadd b0, b1, b2", "uqadd d3, d4, d5"],
    "simd_qsub_s": ["sqsub h0, h1, h2", "uqsub s3, s4, s5"],
    "simd_cmgt_s": ["cmgt d0, d1, d2", "cmhi d3, d4, d5"],
    "simd_cmge_s": ["cmge d0, d1, d2", "cmhs d3, d4, d5"],
    "simd_shl_reg_s": ["sshl d0, d1, d2", "ushl d3, d4, d5"],
    "simd_qshl_reg_s": ["sqshl s0, s1, s2", "uqshl b3, b4, b5"],
    "simd_rshl_reg_s": ["srshl d0, d1, d2", "urshl d3, d4, d5"],
    "simd_qrshl_reg_s": ["sqrshl h0, h1, h2", "uqrshl d3, d4, d5"],
    "simd_addsub_s": ["add d0, d1, d2", "sub d3, d4, d5"],
    "simd_cmtst_s": ["cmtst d0, d1, d2", "cmeq d3, d4, d5"],
    "simd_qdmulh_s": ["sqdmulh h0, h1, h2", "sqrdmulh s3, s4, s5"],
    "simd_rev": ["rev64 v0.4s, v1.4s", "rev32 v2.8h, v3.8h", "rev16 v4.16b, v5.16b", "rev64 v6.8b, v7.8b"],
    "simd_addlp": ["saddlp v0.4s, v1.8h", "uaddlp v2.1d, v3.2s"],
    "simd_suqadd": ["suqadd v0.16b, v1.16b", "usqadd v2.2d, v3.2d"],
    "simd_clsz": ["cls v0.4s, v1.4s", "clz v2.8b, v3.8b"],
    "simd_cnt_not": ["cnt v0.16b, v1.16b", "not v2.8b, v3.8b", "mvn v4.16b, v5.16b", "rbit v6.16b, v7.16b"],
    "simd_adalp": ["sadalp v0.8h, v1.16b", "uadalp v2.2d, v3.4s"],
    "simd_qabsneg": ["sqabs v0.8h, v1.8h", "sqneg v2.2d, v3.2d"],
    "simd_cmgt_zero": ["cmgt v0.4s, v1.4s, #0", "cmge v2.8b, v3.8b, #0"],
    "simd_cmeq_zero": ["cmeq v0.2d, v1.2d, #0", "cmle v2.4h, v3.4h, #0"],
    "simd_cmlt_zero": ["cmlt v0.16b, v1.16b, #0"],
    "simd_absneg": ["abs v0.4s, v1.4s", "neg v2.2d, v3.2d"],
    "simd_xtn": ["xtn v0.8b, v1.8h", "xtn2 v2.4s, v3.2d", "sqxtun v4.4h, v5.4s", "sqxtun2 v6.16b, v7.8h"],
    "simd_shll": ["shll v0.8h, v1.8b, #8", "shll2 v2.2d, v3.4s, #32"],
    "simd_qxtn": ["sqxtn v0.2s, v1.2d", "uqxtn2 v2.8h, v3.4s"],
    "simd_suqadd_s": ["suqadd b0, b1", "usqadd d2, d3"],
    "simd_qabsneg_s": ["sqabs s0, s1", "sqneg h2, h3"],
    "simd_cmgt_zero_s": ["cmgt d0, d1, #0", "cmge d2, d3, #0"],
    "simd_cmeq_zero_s": ["cmeq d0, d1, #0", "cmle d2, d3, #0"],
    "simd_cmlt_zero_s": ["cmlt d0, d1, #0"],
    "simd_absneg_s": ["abs d0, d1", "neg d2, d3"],
    "simd_sqxtun_s": ["sqxtun b0, h1", "sqxtun s2, d3"],
    "simd_qxtn_s": ["sqxtn h0, s1", "uqxtn b2, h3"],
    "simd_addlv": ["saddlv h0, v1.16b", "uaddlv d2, v3.4s"],
    "simd_maxv": ["smaxv b0, v1.8b", "umaxv s2, v3.4s"],
    "simd_minv": ["sminv h0, v1.8h", "uminv b2, v3.16b"],
    "simd_addv": ["addv s0, v1.4s", "addv b2, v3.8b"],
    "simd_shr": ["sshr v0.4s, v1.4s, #32", "ushr v2.2d, v3.2d, #1"],
    "simd_sra": ["ssra v0.8b, v1.8b, #3", "usra v2.8h, v3.8h, #16"],
    "simd_rshr": ["srshr v0.2s, v1.2s, #5", "urshr v2.16b, v3.16b, #8"],
    "simd_rsra": ["srsra v0.2d, v1.2d, #64", "ursra v2.4h, v3.4h, #1"],
    "simd_sri": ["sri v0.4s, v1.4s, #7", "sri v2.2d, v3.2d, #64"],
    "simd_shl_imm": ["shl v0.8h, v1.8h, #15", "sli v2.2d, v3.2d, #0"],
    "simd_sqshlu": ["sqshlu v0.16b, v1.16b, #7", "sqshlu v2.2s, v3.2s, #0"],
    "simd_qshl_imm": ["sqshl v0.4h, v1.4h, #3", "uqshl v2.2d, v3.2d, #63"],
    "simd_shrn": ["shrn v0.8b, v1.8h, #8", "shrn2 v2.4s, v3.2d, #1", "sqshrun v4.4h, v5.4s, #3",
                  "sqshrun2 v6.16b, v7.8h, #2"],
    "simd_rshrn": ["rshrn v0.2s, v1.2d, #32", "rshrn2 v2.16b, v3.8h, #1", "sqrshrun v4.8b, v5.8h, #4"],
    "simd_qshrn": ["sqshrn v0.4h, v1.4s, #16", "uqshrn2 v2.4s, v3.2d, #7"],
    "simd_qrshrn": ["sqrshrn2 v0.16b, v1.8h, #1", "uqrshrn v2.2s, v3.2d, #32"],
    "simd_shll_imm": ["sshll v0.8h, v1.8b, #0", "ushll2 v2.2d, v3.4s, #31", "sxtl v4.4s, v5.4h", "uxtl2 v6.8h, v7.16b"],
    "simd_shr_s": ["sshr d0, d1, #64", "ushr d2, d3, #1"],
    "simd_sra_s": ["ssra d0, d1, #3", "usra d2, d3, #64"],
    "simd_rshr_s": ["srshr d0, d1, #63", "urshr d2, d3, #64"],
    "simd_rsra_s": ["srsra d0, d1, #1", "ursra d2, d3, #32"],
    "simd_sri_s": ["sri d0, d1, #64"],
    "simd_shl_imm_s": ["shl d0, d1, #63", "sli d2, d3, #5"],
    "simd_sqshlu_s": ["sqshlu b0, b1, #7", "sqshlu d2, d3, #40"],
    "simd_qshl_imm_s": ["sqshl h0, h1, #15", "uqshl s2, s3, #0"],
    "simd_sqshrun_s": ["sqshrun b0, h1, #8", "sqshrun s2, d3, #32"],
    "simd_sqrshrun_s": ["sqrshrun h0, s1, #1"],
    "simd_qshrn_s": ["sqshrn b0, h1, #1", "uqshrn s2, d3, #17"],
    "simd_qrshrn_s": ["sqrshrn h0, s1, #16", "uqrshrn b2, h3, #8"],
}
CASES.update({  # three different, TBL/TBX
    "simd_addl": ["saddl v0.8h, v1.8b, v2.8b", "uaddl2 v3.2d, v4.4s, v5.4s"],
    "simd_addw": ["saddw v0.4s, v1.4s, v2.4h", "uaddw2 v3.8h, v4.8h, v5.16b"],
    "simd_subl": ["ssubl2 v0.4s, v1.8h, v2.8h", "usubl v3.2d, v4.2s, v5.2s"],
    "simd_subw": ["ssubw v0.2d, v1.2d, v2.2s", "usubw2 v3.4s, v4.4s, v5.8h"],
    "simd_addhn": ["addhn v0.8b, v1.8h, v2.8h", "raddhn2 v3.4s, v4.2d, v5.2d"],
    "simd_abal": ["sabal v0.8h, v1.8b, v2.8b", "uabal2 v3.2d, v4.4s, v5.4s"],
    "simd_subhn": ["subhn2 v0.16b, v1.8h, v2.8h", "rsubhn v3.4h, v4.4s, v5.4s"],
    "simd_abdl": ["sabdl2 v0.4s, v1.8h, v2.8h", "uabdl v3.8h, v4.8b, v5.8b"],
    "simd_mlal": ["smlal v0.2d, v1.2s, v2.2s", "umlal2 v3.8h, v4.16b, v5.16b"],
    "simd_qdmlal": ["sqdmlal v0.4s, v1.4h, v2.4h", "sqdmlal2 v3.2d, v4.4s, v5.4s"],
    "simd_mlsl": ["smlsl2 v0.4s, v1.8h, v2.8h", "umlsl v3.2d, v4.2s, v5.2s"],
    "simd_qdmlsl": ["sqdmlsl v0.2d, v1.2s, v2.2s", "sqdmlsl2 v3.4s, v4.8h, v5.8h"],
    "simd_mull": ["smull v0.8h, v1.8b, v2.8b", "umull2 v3.2d, v4.4s, v5.4s"],
    "simd_qdmull": ["sqdmull v0.4s, v1.4h, v2.4h", "sqdmull2 v3.2d, v4.4s, v5.4s"],
    "simd_pmull": ["pmull v0.8h, v1.8b, v2.8b", "pmull2 v3.8h, v4.16b, v5.16b"],
    "simd_qdmlal_s": ["sqdmlal s0, h1, h2", "sqdmlal d3, s4, s5"],
    "simd_qdmlsl_s": ["sqdmlsl s0, h1, h2", "sqdmlsl d3, s4, s5"],
    "simd_qdmull_s": ["sqdmull s0, h1, h2", "sqdmull d3, s4, s5"],
    "simd_tbl": ["tbl v0.16b, {v1.16b}, v2.16b", "tbl v3.8b, {v30.16b, v31.16b, v0.16b}, v4.8b",
                 "tbx v5.16b, {v6.16b, v7.16b}, v8.16b", "tbx v9.8b, {v31.16b, v0.16b, v1.16b, v2.16b}, v10.8b"],
})

ENGINE = ["interp"]


@pytest.fixture(params=["interp", "jit"], autouse=True)
def engine(request):
    ENGINE[0] = request.param
    yield request.param


def run(src, regs=None, fp=True, **kw):
    r = run_snippet(asm(src), engine=ENGINE[0], regs=regs or {}, fp=fp, **kw)
    assert fp is False or r["exception"] is None, r["exception"]
    return r


def vec(esize, lanes):
    """The register value whose element i (esize bits) is lanes[i] (negative allowed)."""
    m = (1 << esize) - 1
    return sum((x & m) << (i * esize) for i, x in enumerate(lanes))


def lanes(v, esize, n=None, signed=False):
    n = n if n is not None else 128 // esize
    out = [(v >> (i * esize)) & ((1 << esize) - 1) for i in range(n)]
    if signed:
        out = [x - (1 << esize) if x >> (esize - 1) else x for x in out]
    return out


def V(r, n):
    return r["regs"][f"v{n}"]


def qc(r):
    return bool(r["regs"]["fpsr"] & QC)


# ---- the encodings -----------------------------------------------------------------------

def test_every_row_has_cases():
    names = [row[0] for row in encoding.TABLE]
    start = names.index("simd_hadd")
    assert set(CASES) <= set(names)
    assert {n for n in names[start:] if n in CASES} == set(CASES)


@pytest.mark.parametrize("row", sorted(CASES))
def test_assembler_encodings_decode_to_row(row):
    for src in CASES[row]:
        word = int.from_bytes(asm(src), "little")
        assert decode(word).name == row, f"{src!r} ({word:#010x}) decoded as {decode(word)}"


@pytest.mark.parametrize("row", sorted(CASES))
def test_undefined_unless_fp_enabled(row):
    for src in CASES[row]:
        r = run(src, regs={"v1": JUNK}, fp=False)
        assert r["exception"] == {"ec": 0, "iss": 0, "far": None}, src
        assert r["insns"] == 0 and V(r, 0) == 0


# reserved / unallocated forms of the classes (ARMv8.0)
UNDEF = [
    0x0EE00400,            # SHADD size 11
    0x0EE00C00,            # SQADD .1D (size 11, Q 0)
    0x4EE06400,            # SMAX size 11
    0x2EE09C00,            # MUL size 11 (U 1: PMUL size 11)
    0x2E609C00,            # PMUL size 01
    0x0E20B400,            # SQDMULH size 00
    0x4EE0B400,            # SQDMULH size 11
    0x2E20BC00,            # ADDP with U = 1
    0x5E200400,            # scalar three same opcode 00000 (SHADD has no scalar form)
    0x5E203400,            # scalar CMGT size 00
    0x5E204400,            # scalar SSHL size 00
    0x5E208400,            # scalar ADD size 00
    0x5E20B400,            # scalar SQDMULH size 00
    0x5E206400,            # scalar SMAX (no scalar form)
    0x0EE00800 | 0 << 12,  # REV64 size 11
    0x2EA00800,            # REV32 size 10
    0x0E601800,            # REV16 size 01
    0x2E201800,            # o0 = U = 1 (opcode 00001, U 1)
    0x0E605800,            # CNT size 01
    0x2EA05800,            # NOT/RBIT size 10
    0x0EE02800,            # SADDLP size 11
    0x0EE07800,            # SQABS .1D (Q 0)
    0x2E20A800,            # CMLT (zero) with U = 1
    0x0E213800,            # SHLL with U = 0 (opcode 10011)
    0x0EE12800,            # XTN size 11
    0x5E20A800,            # scalar ABS size 00
    0x7E212800 & ~(1 << 29),   # scalar SQXTUN with U = 0 (scalar XTN)
    0x0EB03800,            # SADDLV .2S (size 10, Q 0)
    0x4EF03800,            # SADDLV size 11
    0x2E31B800,            # ADDV with U = 1
    0x0F400400,            # SSHR .1D (immh 1xxx, Q 0)
    0x0F084400,            # SRI with U = 0
    0x0F086400,            # SQSHLU with U = 0
    0x4F408400,            # SHRN with immh 1xxx
    0x4F40A400,            # SSHLL with immh 1xxx
    0x5F080400,            # scalar SSHR with immh 0001 (not 64-bit)
    0x5F008400 | 1 << 19,  # scalar SQSHRUN with U = 0
    0x7F408400,            # scalar SQSHRUN immh 1xxx
    0x7F006400,            # scalar SQSHLU immh 0000
    0x0EE00000,            # SADDL size 11
    0x2E609000,            # SQDMLAL with U = 1
    0x0E209000,            # SQDMLAL size 00
    0x0E20F000,            # three different opcode 1111
    0x0E60E000,            # PMULL size 01
    0x5E209000,            # scalar SQDMLAL size 00
]


@pytest.mark.parametrize("word", UNDEF, ids=hex)
def test_reserved_is_undef(word):
    assert decode(word).name == "UNDEF", decode(word)


def test_immh_zero_is_modified_immediate():
    # "sshr v0.4s, v1.4s, #n" with immh = 0000 is MOVI
    assert decode(int.from_bytes(asm("movi v0.4s, #1"), "little")).name == "simd_modimm"
    assert decode(0x0F008400).name == "simd_modimm"   # SHRN-shaped with immh 0000: MOVI .4H
    assert decode(0x0F008C00).name == "UNDEF"         # RSHRN-shaped (bit 11 = 1), immh 0000


# ---- three same --------------------------------------------------------------------------

def test_saturating_add_sub_and_qc():
    a = vec(8, [0x7F, -128, 5, -5, 0xFF, 0, 100, -100] * 2)
    b = vec(8, [1, -1, 3, -3, 1, 0, 100, -100] * 2)
    r = run("sqadd v0.16b, v1.16b, v2.16b", regs={"v1": a, "v2": b})
    assert lanes(V(r, 0), 8, signed=True)[:8] == [127, -128, 8, -8, 0, 0, 127, -128] and qc(r)
    r = run("uqadd v0.16b, v1.16b, v2.16b", regs={"v1": a, "v2": b})
    assert lanes(V(r, 0), 8)[:8] == [0x80, 0xFF, 8, 0xFF, 0xFF, 0, 200, 0xFF] and qc(r)
    r = run("uqsub v0.8h, v1.8h, v2.8h", regs={"v1": vec(16, [1, 5]), "v2": vec(16, [2, 5])})
    assert lanes(V(r, 0), 16)[:2] == [0, 0] and qc(r)
    r = run("sqsub d0, d1, d2", regs={"v1": 1 << 63, "v2": 1, "v0": JUNK})
    assert V(r, 0) == 1 << 63 and qc(r)
    r = run("uqadd d0, d1, d2", regs={"v1": M64, "v2": 1 << 64 | 1})
    assert V(r, 0) == M64 and qc(r)                    # scalar: only the low 64 bits, upper zeroed
    r = run("sqadd v0.4s, v1.4s, v2.4s", regs={"v1": vec(32, [1, 2, 3, 4]), "v2": vec(32, [-1, -2, -3, 0x7FFFFFFB])})
    assert lanes(V(r, 0), 32) == [0, 0, 0, 0x7FFFFFFF] and not qc(r)
    r = run("sqadd b0, b1, b2", regs={"v1": 1, "v2": 2, "fpsr": QC})
    assert V(r, 0) == 3 and r["regs"]["fpsr"] == QC     # QC is sticky


def test_halving():
    a, b = vec(8, [0xFF, 0x80, 1, 0xFE]), vec(8, [0xFF, 0x7F, 2, 1])
    r = run("uhadd v0.8b, v1.8b, v2.8b; shadd v3.8b, v1.8b, v2.8b; urhadd v4.8b, v1.8b, v2.8b;"
            "srhadd v5.8b, v1.8b, v2.8b; uhsub v6.8b, v1.8b, v2.8b; shsub v7.8b, v1.8b, v2.8b",
            regs={"v1": a, "v2": b})
    assert lanes(V(r, 0), 8, 4) == [0xFF, 0x7F, 1, 0x7F]
    assert lanes(V(r, 3), 8, 4, True) == [-1, -1, 1, -1]            # (-1-1)>>1, (-128+127)>>1, 3>>1, (-2+1)>>1
    assert lanes(V(r, 4), 8, 4) == [0xFF, 0x80, 2, 0x80]
    assert lanes(V(r, 5), 8, 4, True) == [-1, 0, 2, 0]
    assert lanes(V(r, 6), 8, 4, True) == [0, 0, -1, 0x7E]           # 255-255, (128-127)>>1, (1-2)>>1, 253>>1
    assert lanes(V(r, 7), 8, 4, True) == [0, -128, -1, -2]          # (-128-127)>>1 = -128, (-2-1)>>1 = -2


def test_compares_max_min_abd():
    a, b = vec(16, [-1, 5, 0x8000, 7]), vec(16, [1, 5, 0x7FFF, 0])
    r = run("cmgt v0.4h, v1.4h, v2.4h; cmhi v3.4h, v1.4h, v2.4h; cmge v4.4h, v1.4h, v2.4h; cmhs v5.4h, v1.4h, v2.4h;"
            "cmtst v6.4h, v1.4h, v2.4h; cmeq v7.4h, v1.4h, v2.4h; smax v8.4h, v1.4h, v2.4h; umin v9.4h, v1.4h, v2.4h;"
            "sabd v10.4h, v1.4h, v2.4h; uabd v11.4h, v1.4h, v2.4h", regs={"v1": a, "v2": b})
    T = 0xFFFF
    assert lanes(V(r, 0), 16, 4) == [0, 0, 0, T] and lanes(V(r, 3), 16, 4) == [T, 0, T, T]
    assert lanes(V(r, 4), 16, 4) == [0, T, 0, T] and lanes(V(r, 5), 16, 4) == [T, T, T, T]
    assert lanes(V(r, 6), 16, 4) == [T, T, 0, 0] and lanes(V(r, 7), 16, 4) == [0, T, 0, 0]
    assert lanes(V(r, 8), 16, 4, True) == [1, 5, 0x7FFF, 7] and lanes(V(r, 9), 16, 4) == [1, 5, 0x7FFF, 0]
    assert lanes(V(r, 10), 16, 4) == [2, 0, 0xFFFF, 7] and lanes(V(r, 11), 16, 4) == [0xFFFE, 0, 1, 7]
    assert V(r, 0) >> 64 == 0                                         # 64-bit vector: upper half zero
    r = run("cmgt d0, d1, d2; cmhi d3, d1, d2; cmtst d4, d1, d2; cmeq d5, d1, d1",
            regs={"v1": M64, "v2": 1, "v0": JUNK})
    assert (V(r, 0), V(r, 3), V(r, 4), V(r, 5)) == (0, M64, M64, M64)


def test_register_shifts():
    x = vec(16, [0x1234, -0x1234, 0x8000, 1, 0x7FFF, -1, 5, -5])
    s = vec(16, [16, -16, -15, 15, 127, -128, -1, -1 & 0xFF | 0x7F00])   # only the low byte counts
    r = run("sshl v0.8h, v1.8h, v2.8h; ushl v3.8h, v1.8h, v2.8h; srshl v4.8h, v1.8h, v2.8h;"
            "urshl v5.8h, v1.8h, v2.8h", regs={"v1": x, "v2": s})
    assert lanes(V(r, 0), 16, signed=True) == [0, -1, -1, -0x8000, 0, -1, 2, -3]
    assert lanes(V(r, 3), 16) == [0, 0, 1, 0x8000, 0, 0, 2, 0x7FFD]
    assert lanes(V(r, 4), 16, signed=True) == [0, 0, -1, -0x8000, 0, 0, 3, -2]
    # urshl: 0xEDCC >> 16 rounded = 1; 0x8000 >> 15 = 1; -1 (0xFFFF) >> 128: 0
    assert lanes(V(r, 5), 16) == [0, 1, 1, 0x8000, 0, 0, 3, 0x7FFE]
    r = run("sqshl v0.4s, v1.4s, v2.4s; uqshl v3.4s, v1.4s, v2.4s",
            regs={"v1": vec(32, [1, -1, -1, 0]), "v2": vec(32, [31, 31, 32, 100])})
    assert lanes(V(r, 0), 32) == [0x7FFFFFFF, 0x80000000, 0x80000000, 0] and qc(r)
    assert lanes(V(r, 3), 32) == [0x80000000, 0xFFFFFFFF, 0xFFFFFFFF, 0]
    r = run("sqshl v0.4s, v1.4s, v2.4s", regs={"v1": vec(32, [1, -2, 3, 0x40000000]), "v2": vec(32, [30, 30, -1, -31])})
    assert lanes(V(r, 0), 32, signed=True) == [1 << 30, -(1 << 31), 1, 0] and not qc(r)
    r = run("sqrshl v0.2d, v1.2d, v2.2d; uqrshl v3.2d, v1.2d, v2.2d",
            regs={"v1": vec(64, [(1 << 63) - 1, -3]), "v2": vec(64, [-1, -1])})
    assert lanes(V(r, 0), 64, signed=True) == [1 << 62, -1] and not qc(r)
    assert lanes(V(r, 3), 64) == [1 << 62, (1 << 63) - 1]            # (2^64 - 3 + 1) >> 1
    r = run("sqrshl b0, b1, b2; uqrshl h3, h1, h2; sshl d4, d5, d6; urshl d7, d5, d6",
            regs={"v1": 0x40, "v2": 1, "v5": 1 << 63 | 1, "v6": 0xC0})        # d6 byte = -64
    assert V(r, 0) == 0x7F and V(r, 3) == 0x80 and qc(r)
    assert V(r, 4) == M64 and V(r, 7) == 1                              # -2^63 >> 64 = -1; URSHL: rounding bit


def test_multiply():
    r = run("mul v0.8h, v1.8h, v2.8h; mla v3.8h, v1.8h, v2.8h; mls v4.8h, v1.8h, v2.8h; pmul v5.16b, v6.16b, v7.16b",
            regs={"v1": vec(16, [0x100, 3] * 4), "v2": vec(16, [0x100, -3] * 4), "v3": vec(16, [1] * 8),
                  "v4": vec(16, [1] * 8), "v6": vec(8, [0xFF, 3, 0x80, 0x0F] * 4), "v7": vec(8, [0xFF, 3, 2, 0x11] * 4)})
    assert lanes(V(r, 0), 16, 2, True) == [0, -9] and lanes(V(r, 3), 16, 2, True) == [1, -8]
    assert lanes(V(r, 4), 16, 2, True) == [1, 10]
    assert lanes(V(r, 5), 8, 4) == [0x55, 0x05, 0x00, 0xFF]            # clmul low bytes: 0x5555, 0b101, 0x100, 0xFF


def test_sqdmulh():
    mn = -0x8000
    r = run("sqdmulh v0.4h, v1.4h, v2.4h; sqrdmulh v3.4h, v1.4h, v2.4h",
            regs={"v1": vec(16, [mn, mn, 0x4000, 3]), "v2": vec(16, [mn, 0x7FFF, 0x4000, 0x5555])})
    assert lanes(V(r, 0), 16, 4, True) == [0x7FFF, -0x7FFF, 0x2000, 1] and qc(r)   # 2*3*0x5555 = 0x1FFFE
    assert lanes(V(r, 3), 16, 4, True) == [0x7FFF, -0x7FFF, 0x2000, 2]   # + 0x8000
    r = run("sqrdmulh s0, s1, s2", regs={"v1": 0x80000000, "v2": 0x80000001})
    assert V(r, 0) == 0x7FFFFFFF and not qc(r)                           # 2*MIN*(MIN+1) + 2^31 >> 32


def test_pairwise():
    a, b = vec(32, [1, 2, -3, 4]), vec(32, [5, -6, 7, 8])
    r = run("addp v0.4s, v1.4s, v2.4s; smaxp v3.4s, v1.4s, v2.4s; uminp v4.4s, v1.4s, v2.4s; addp v5.2d, v1.2d, v2.2d",
            regs={"v1": a, "v2": b})
    assert lanes(V(r, 0), 32, signed=True) == [3, 1, -1, 15]
    assert lanes(V(r, 3), 32, signed=True) == [2, 4, 5, 8]
    assert lanes(V(r, 4), 32) == [1, 4, 5, 7]
    assert V(r, 5) == ((a & M64) + (a >> 64) & M64) | (((b & M64) + (b >> 64)) & M64) << 64


# ---- two-register miscellaneous --------------------------------------------------------

def test_rev_cls_clz_cnt_rbit_not():
    x = 0x0F0E0D0C0B0A09080706050403020100
    r = run("rev64 v0.16b, v1.16b; rev32 v2.8h, v1.8h; rev16 v3.8b, v1.8b; rev64 v4.4s, v1.4s", regs={"v1": x})
    assert V(r, 0) == 0x08090A0B0C0D0E0F0001020304050607 and V(r, 2) == 0x0D0C0F0E09080B0A0504070601000302
    assert V(r, 3) == 0x0607040502030001 and V(r, 4) == 0x0B0A09080F0E0D0C0302010007060504
    y = vec(8, [0, 0xFF, 1, 0x80, 0x7F, 0x40, 0xF0, 0x0F] * 2)
    r = run("cls v0.16b, v1.16b; clz v2.16b, v1.16b; cnt v3.16b, v1.16b; rbit v4.8b, v1.8b; not v5.16b, v1.16b",
            regs={"v1": y})
    assert lanes(V(r, 0), 8, 8) == [7, 7, 6, 0, 0, 0, 3, 3]
    assert lanes(V(r, 2), 8, 8) == [8, 0, 7, 0, 1, 1, 0, 4]
    assert lanes(V(r, 3), 8, 8) == [0, 8, 1, 1, 7, 1, 4, 4]
    assert lanes(V(r, 4), 8) == [0, 0xFF, 0x80, 1, 0xFE, 2, 0x0F, 0xF0] + [0] * 8
    assert V(r, 5) == y ^ M128
    r = run("cls v0.2s, v1.2s; clz v2.4s, v1.4s", regs={"v1": vec(32, [-1, 1, 0x80000000, 0])})
    assert lanes(V(r, 0), 32) == [31, 30, 0, 0] and lanes(V(r, 2), 32) == [0, 31, 0, 32]


def test_addlp_adalp():
    x = vec(8, [0xFF, 0xFF, 0x80, 0x01, 1, 2, 3, 4] * 2)
    r = run("saddlp v0.8h, v1.16b; uaddlp v2.4h, v1.8b; sadalp v3.8h, v1.16b; uadalp v4.1d, v5.2s",
            regs={"v1": x, "v3": vec(16, [0x7FFF] * 8), "v4": vec(64, [M64, 7]), "v5": vec(32, [M64 >> 32, 1])})
    assert lanes(V(r, 0), 16, 4, True) == [-2, -127, 3, 7]
    assert lanes(V(r, 2), 16) == [0x1FE, 0x81, 3, 7, 0, 0, 0, 0]
    assert lanes(V(r, 3), 16, 4) == [0x7FFD, 0x7F80, 0x8002, 0x8006]
    assert V(r, 4) == 0xFFFFFFFF                                       # 1D: upper half zeroed


def test_sqabs_sqneg_abs_neg_suqadd_usqadd():
    mn = -128
    x = vec(8, [mn, -1, 1, 0x7F, 0] * 3)
    r = run("sqabs v0.16b, v1.16b; sqneg v2.8b, v1.8b; abs v3.16b, v1.16b; neg v4.16b, v1.16b",
            regs={"v1": x})
    assert lanes(V(r, 0), 8, 5, True) == [127, 1, 1, 127, 0] and qc(r)
    assert lanes(V(r, 2), 8, 5, True) == [127, 1, -1, -127, 0]
    assert lanes(V(r, 3), 8, 5, True) == [mn, 1, 1, 127, 0] and lanes(V(r, 4), 8, 5, True) == [mn, 1, -1, -127, 0]
    r = run("sqneg d0, d1; abs d2, d3", regs={"v1": 1 << 63, "v3": 1 << 63 | 1})
    assert V(r, 0) == M64 >> 1 and qc(r) and V(r, 2) == (1 << 63) - 1
    # SUQADD: SInt(Vd) + UInt(Vn), signed saturation; USQADD: UInt(Vd) + SInt(Vn), unsigned
    r = run("suqadd v0.8b, v1.8b; usqadd v2.8b, v1.8b",
            regs={"v1": vec(8, [0xFF, 1, 0x80, 0x7F]), "v0": vec(8, [-128, 0x7F, 1, 0]),
                  "v2": vec(8, [0, 0xFF, 0x80, 0x90])})
    assert lanes(V(r, 0), 8, 4, True) == [127, 127, 127, 127] and qc(r)
    assert lanes(V(r, 2), 8, 4) == [0, 0xFF, 0, 0xFF]
    r = run("suqadd s0, s1; usqadd h2, h3", regs={"v0": 0x80000000, "v1": 0xFFFFFFFF, "v2": 5, "v3": 0xFFFE})
    assert V(r, 0) == 0x7FFFFFFF and V(r, 2) == 3 and not qc(r)


def test_compare_with_zero():
    x = vec(32, [-1, 0, 1, 1 << 31])
    r = run("cmgt v0.4s, v1.4s, #0; cmge v2.4s, v1.4s, #0; cmeq v3.4s, v1.4s, #0; cmle v4.4s, v1.4s, #0;"
            "cmlt v5.4s, v1.4s, #0; cmlt d6, d1, #0; cmeq d7, d8, #0", regs={"v1": x, "v8": 1 << 64})
    T = 0xFFFFFFFF
    assert lanes(V(r, 0), 32) == [0, 0, T, 0] and lanes(V(r, 2), 32) == [0, T, T, 0]
    assert lanes(V(r, 3), 32) == [0, T, 0, 0] and lanes(V(r, 4), 32) == [T, T, 0, T]
    assert lanes(V(r, 5), 32) == [T, 0, 0, T] and V(r, 6) == 0 and V(r, 7) == M64


def test_narrowing_and_two_forms():
    x = vec(16, [0x1FF, -1, 0x7F, -0x80, -0x81, 0x80, 0x100, 5])
    r = run("xtn v0.8b, v1.8h; sqxtn v2.8b, v1.8h; uqxtn v3.8b, v1.8h; sqxtun v4.8b, v1.8h",
            regs={"v1": x, "v0": JUNK, "v2": JUNK})
    assert lanes(V(r, 0), 8) == [0xFF, 0xFF, 0x7F, 0x80, 0x7F, 0x80, 0, 5] + [0] * 8
    assert lanes(V(r, 2), 8, 8, True) == [127, -1, 127, -128, -128, 127, 127, 5] and qc(r)
    assert lanes(V(r, 3), 8, 8) == [0xFF, 0xFF, 0x7F, 0xFF, 0xFF, 0x80, 0xFF, 5]
    assert lanes(V(r, 4), 8, 8) == [0xFF, 0, 0x7F, 0, 0, 0x80, 0xFF, 5]
    r = run("xtn2 v0.16b, v1.8h; sqxtun2 v2.4s, v3.2d", regs={"v1": x, "v0": JUNK, "v2": JUNK, "v3": vec(64, [-1, 1 << 32])})
    assert V(r, 0) & M64 == JUNK & M64 and V(r, 0) >> 64 == vec(8, [0xFF, 0xFF, 0x7F, 0x80, 0x7F, 0x80, 0, 5])
    assert V(r, 2) & M64 == JUNK & M64 and V(r, 2) >> 64 == vec(32, [0, 0xFFFFFFFF]) and qc(r)
    r = run("sqxtn s0, d1; uqxtn h2, s3; sqxtun b4, h5", regs={"v1": 1 << 40, "v3": 0x1234, "v5": 0xFF00, "v0": JUNK})
    assert V(r, 0) == 0x7FFFFFFF and V(r, 2) == 0x1234 and V(r, 4) == 0 and qc(r)


def test_shll():
    x = vec(8, list(range(0xF0, 0x100)))
    r = run("shll v0.8h, v1.8b, #8; shll2 v2.4s, v3.8h, #16", regs={"v1": x, "v3": vec(16, [0, 0, 0, 0, 0xFFFF, 1, 2, 3])})
    assert lanes(V(r, 0), 16) == [b << 8 for b in range(0xF0, 0xF8)]
    assert lanes(V(r, 2), 32) == [0xFFFF0000, 0x10000, 0x20000, 0x30000]


# ---- across lanes --------------------------------------------------------------------------

def test_across_lanes():
    x = vec(8, [0xFF, 0x80, 0x7F, 1] * 4)
    r = run("saddlv h0, v1.16b; uaddlv h2, v1.16b; smaxv b3, v1.16b; umaxv b4, v1.8b; sminv b5, v1.16b;"
            "uminv b6, v1.8b; addv b7, v1.16b; uaddlv d8, v9.4s; sminv s10, v9.4s",
            regs={"v1": x, "v9": vec(32, [-1, -1, -1, 5]), "v0": JUNK})
    assert V(r, 0) == (4 * (-1 - 128 + 127 + 1)) & 0xFFFF and V(r, 2) == 4 * (0xFF + 0x80 + 0x7F + 1)
    assert (V(r, 3), V(r, 4), V(r, 5), V(r, 6)) == (0x7F, 0xFF, 0x80, 1)
    assert V(r, 7) == (4 * (0xFF + 0x80 + 0x7F + 1)) & 0xFF
    assert V(r, 8) == 3 * 0xFFFFFFFF + 5 and V(r, 10) == 0xFFFFFFFF


# ---- shift by immediate ----------------------------------------------------------------------

def test_right_shifts_immediate():
    x = vec(64, [1 << 63 | 0x80, 0x7F])
    r = run("sshr v0.2d, v1.2d, #64; ushr v2.2d, v1.2d, #64; srshr v3.2d, v1.2d, #64; urshr v4.2d, v1.2d, #64;"
            "srshr v5.2d, v1.2d, #8; urshr v6.2d, v1.2d, #7", regs={"v1": x})
    assert lanes(V(r, 0), 64) == [M64, 0] and V(r, 2) == 0
    assert V(r, 3) == 0 and lanes(V(r, 4), 64) == [1, 0]
    assert lanes(V(r, 5), 64, signed=True) == [-(1 << 55) + 1, 0]         # (x + 0x80) >> 8
    assert lanes(V(r, 6), 64) == [(1 << 56) + 1, 1]                        # (0x7F + 0x40) >> 7 = 1
    r = run("ssra v0.8b, v1.8b, #8; usra v2.8b, v1.8b, #1; srsra v3.8b, v1.8b, #2; ursra d4, d5, #64",
            regs={"v1": vec(8, [0x80, 0x7F, 0x03, 0xFF]), "v0": vec(8, [1] * 8), "v2": vec(8, [1] * 8),
                  "v3": vec(8, [0x7F] * 8), "v4": 10, "v5": 1 << 63})
    assert lanes(V(r, 0), 8, 4) == [0, 1, 1, 0] and V(r, 0) >> 64 == 0
    assert lanes(V(r, 2), 8, 4) == [0x41, 0x40, 2, 0x80]
    assert lanes(V(r, 3), 8, 4, True) == [0x7F - 32, -97, -128, 0x7F]     # wraps modulo 2^8 (no saturation)
    assert V(r, 4) == 11


def test_insert_shifts():
    r = run("sri v0.4s, v1.4s, #32; sri v2.4s, v1.4s, #4; sli v3.4s, v1.4s, #0; sli v4.4s, v1.4s, #28; sri d5, d1, #64;"
            "sli d6, d1, #63",
            regs={"v1": vec(32, [0x12345678] * 4), "v0": JUNK, "v2": JUNK, "v3": JUNK, "v4": JUNK, "v5": JUNK,
                  "v6": JUNK})
    assert V(r, 0) == JUNK
    assert lanes(V(r, 2), 32) == [(j & 0xF0000000) | 0x01234567 for j in lanes(JUNK, 32)]
    assert V(r, 3) == vec(32, [0x12345678] * 4)
    assert lanes(V(r, 4), 32) == [(j & 0x0FFFFFFF) | 0x80000000 for j in lanes(JUNK, 32)]
    assert V(r, 5) == JUNK & M64 and V(r, 6) == (JUNK & (M64 >> 1))


def test_left_shifts_immediate():
    x = vec(8, [0x40, 0xC0, 0x01, 0xFF, 0x80, 0x7F, 0, 0x20])
    r = run("shl v0.8b, v1.8b, #2; sqshl v2.8b, v1.8b, #1; uqshl v3.8b, v1.8b, #1; sqshlu v4.8b, v1.8b, #1",
            regs={"v1": x})
    assert lanes(V(r, 0), 8, 8) == [0, 0, 4, 0xFC, 0, 0xFC, 0, 0x80]
    assert lanes(V(r, 2), 8, 8, True) == [127, -128, 2, -2, -128, 127, 0, 0x40] and qc(r)
    assert lanes(V(r, 3), 8, 8) == [0x80, 0xFF, 2, 0xFF, 0xFF, 0xFE, 0, 0x40]
    assert lanes(V(r, 4), 8, 8) == [0x80, 0, 2, 0, 0, 0xFE, 0, 0x40]
    r = run("sqshlu d0, d1, #0; uqshl s2, s3, #31; sqshl h4, h5, #15", regs={"v1": M64, "v3": 1, "v5": 1})
    assert V(r, 0) == 0 and V(r, 2) == 1 << 31 and V(r, 4) == 0x7FFF and qc(r)
    r = run("sqshl v0.2d, v1.2d, #63", regs={"v1": vec(64, [-1, 0])})
    assert lanes(V(r, 0), 64) == [1 << 63, 0] and not qc(r)


def test_shift_narrow():
    x = vec(32, [0x12345678, -0x12345678, 0x7FFFFFFF, 0x0000FF80])
    r = run("shrn v0.4h, v1.4s, #16; rshrn v2.4h, v1.4s, #16; sqshrn v3.4h, v1.4s, #8; uqshrn v4.4h, v1.4s, #8;"
            "sqshrun v5.4h, v1.4s, #8; sqrshrun v6.4h, v1.4s, #16; sqrshrn v7.4h, v1.4s, #16; uqrshrn v8.4h, v1.4s, #16",
            regs={"v1": x})
    assert lanes(V(r, 0), 16) == [0x1234, 0xEDCB, 0x7FFF, 0, 0, 0, 0, 0]
    assert lanes(V(r, 2), 16, 4) == [0x1234, 0xEDCC, 0x8000, 1]
    assert lanes(V(r, 3), 16, 4, True) == [0x7FFF, -0x8000, 0x7FFF, 0xFF]
    assert lanes(V(r, 4), 16, 4) == [0xFFFF, 0xFFFF, 0xFFFF, 0xFF] and qc(r)
    assert lanes(V(r, 5), 16, 4) == [0xFFFF, 0, 0xFFFF, 0xFF]
    assert lanes(V(r, 6), 16, 4) == [0x1234, 0, 0x8000, 1]
    assert lanes(V(r, 7), 16, 4, True) == [0x1234, -0x1234, 0x7FFF, 1]       # 0x7FFFFFFF rounds to 0x8000: saturates
    assert lanes(V(r, 8), 16, 4) == [0x1234, 0xEDCC, 0x8000, 1]
    r = run("shrn2 v0.8h, v1.4s, #1; sqrshrn2 v2.4s, v3.2d, #32",
            regs={"v1": x, "v0": JUNK, "v2": JUNK, "v3": vec(64, [0x7FFFFFFF80000000, -1])})
    assert V(r, 0) & M64 == JUNK & M64 and lanes(V(r, 0) >> 64, 16, 4) == [0x2B3C, 0xD4C4, 0xFFFF, 0x7FC0]
    assert V(r, 2) & M64 == JUNK & M64 and lanes(V(r, 2) >> 64, 32, 2, True) == [0x7FFFFFFF, 0] and qc(r)
    r = run("sqshrn b0, h1, #1; uqrshrn s2, d3, #32; sqrshrun h4, s5, #1", regs={"v1": 0x8000, "v3": M64, "v5": 0x1FFFF})
    assert V(r, 0) == 0x80 and V(r, 2) == 0xFFFFFFFF and V(r, 4) == 0xFFFF and qc(r)


def test_shift_long():
    x = vec(16, [0x8000, 0x7FFF, 1, 0xFFFF, 2, 3, 4, 0x8001])
    r = run("sshll v0.4s, v1.4h, #0; ushll v2.4s, v1.4h, #15; sshll2 v3.4s, v1.8h, #3; uxtl2 v4.4s, v1.8h",
            regs={"v1": x})
    assert lanes(V(r, 0), 32, signed=True) == [-0x8000, 0x7FFF, 1, -1]
    assert lanes(V(r, 2), 32) == [0x40000000, 0x3FFF8000, 0x8000, 0x7FFF8000]
    assert lanes(V(r, 3), 32, signed=True) == [16, 24, 32, -0x7FFF * 8]
    assert lanes(V(r, 4), 32) == [2, 3, 4, 0x8001]


# ---- three different ---------------------------------------------------------------------

def test_long_arithmetic():
    a, b = vec(8, [0xFF, 0x80, 1, 2] * 4), vec(8, [0xFF, 0x7F, 3, 0x80] * 4)
    r = run("saddl v0.8h, v1.8b, v2.8b; uaddl2 v3.8h, v1.16b, v2.16b; ssubl v4.8h, v1.8b, v2.8b;"
            "uabdl v5.8h, v1.8b, v2.8b; sabdl2 v6.8h, v1.16b, v2.16b; smull v7.8h, v1.8b, v2.8b; umull2 v8.8h, v1.16b, v2.16b",
            regs={"v1": a, "v2": b})
    assert lanes(V(r, 0), 16, 4, True) == [-2, -1, 4, -126]
    assert lanes(V(r, 3), 16, 4) == [0x1FE, 0xFF, 4, 0x82]
    assert lanes(V(r, 4), 16, 4, True) == [0, -255, -2, 130]
    assert lanes(V(r, 5), 16, 4) == [0, 1, 2, 0x7E] and lanes(V(r, 6), 16, 4) == [0, 255, 2, 130]
    assert lanes(V(r, 7), 16, 4, True) == [1, -128 * 127, 3, -256]
    assert lanes(V(r, 8), 16, 4) == [0xFE01, 0x80 * 0x7F, 3, 0x100]
    r = run("smlal v0.2d, v1.2s, v2.2s; umlsl2 v3.2d, v1.4s, v2.4s; sabal v4.4s, v1.4h, v2.4h; saddw2 v5.4s, v6.4s, v1.8h;"
            "usubw v7.2d, v6.2d, v1.2s",
            regs={"v1": vec(32, [-1, 2, 3, 0xFFFFFFFF]), "v2": vec(32, [-1, 3, 0x10000, 0xFFFFFFFF]),
                  "v0": vec(64, [1, 2]), "v3": vec(64, [0, 1]), "v4": vec(32, [10] * 4), "v6": vec(32, [1] * 4)})
    assert lanes(V(r, 0), 64) == [2, 8]
    assert lanes(V(r, 3), 64) == [(-0x30000) & M64, (1 - 0xFFFFFFFF * 0xFFFFFFFF) & M64]
    assert lanes(V(r, 4), 32) == [10, 10 + 0xFFFF - 0xFFFF, 10 + 1, 10]   # |(-1) - (-1)|, |-1 - -1|, |2-3|, |0-0|
    assert lanes(V(r, 5), 32, signed=True) == [4, 1, 0, 0]               # upper halves: 3 (0x0003), 0, -1, -1 as halfwords
    assert lanes(V(r, 7), 64) == [(0x100000001 - 0xFFFFFFFF) & M64, (0x100000001 - 2) & M64]


def test_high_narrow():
    a, b = vec(32, [0x12348000, 0xFFFF8000, 0x7FFF7FFF, 0]), vec(32, [0x00010000, 0x00008000, 1, 0x8000])
    r = run("addhn v0.4h, v1.4s, v2.4s; raddhn v3.4h, v1.4s, v2.4s; subhn2 v4.8h, v1.4s, v2.4s; rsubhn v5.4h, v1.4s, v2.4s",
            regs={"v1": a, "v2": b, "v4": JUNK})
    assert lanes(V(r, 0), 16) == [0x1235, 0, 0x7FFF, 0, 0, 0, 0, 0]
    assert lanes(V(r, 3), 16, 4) == [0x1236, 0, 0x8000, 1]
    assert V(r, 4) & M64 == JUNK & M64 and lanes(V(r, 4) >> 64, 16, 4) == [0x1233, 0xFFFF, 0x7FFF, 0xFFFF]
    assert lanes(V(r, 5), 16, 4) == [0x1234, 0xFFFF, 0x7FFF, 0]


def test_saturating_doubling_long():
    mn = -0x8000
    r = run("sqdmull v0.4s, v1.4h, v2.4h; sqdmlal v3.4s, v1.4h, v2.4h; sqdmlsl2 v4.4s, v1.8h, v2.8h",
            regs={"v1": vec(16, [mn, 3, mn, 2, 1, mn, 0x7FFF, mn]), "v2": vec(16, [mn, -5, 1, 2, 1, mn, 0x7FFF, 1]),
                  "v3": vec(32, [-1, 0x7FFFFFFF, 0, -0x80000000]), "v4": vec(32, [0, -0x80000000, 5, 0x7FFFFFFF])})
    assert lanes(V(r, 0), 32, signed=True) == [0x7FFFFFFF, -30, -0x10000, 8] and qc(r)
    assert lanes(V(r, 3), 32, signed=True) == [0x7FFFFFFE, 0x7FFFFFFF - 30, -0x10000, -0x80000000 + 8]
    # 0 - 2, MIN - (saturated MAX) -> MIN, 5 - 2*0x7FFF*0x7FFF, MAX - 2*MIN*1
    assert lanes(V(r, 4), 32, signed=True) == [-2, -0x80000000, 5 - 2 * 0x7FFF * 0x7FFF, 0x7FFFFFFF]
    r = run("sqdmull d0, s1, s2; sqdmlal s3, h4, h5; sqdmlsl d6, s7, s8",
            regs={"v1": 0x80000000, "v2": 0x80000000, "v3": 0x7FFFFFF0, "v4": 0x100, "v5": 0x100,
                  "v6": 1 << 63, "v7": 1, "v8": 1})
    assert V(r, 0) == M64 >> 1 and V(r, 3) == 0x7FFFFFFF and V(r, 6) == 1 << 63 and qc(r)
    r = run("sqdmlal s3, h4, h5", regs={"v3": 0x10, "v4": 0x100, "v5": 0x100})
    assert V(r, 3) == 0x20010 and not qc(r)


def test_pmull():
    r = run("pmull v0.8h, v1.8b, v2.8b; pmull2 v3.8h, v1.16b, v2.16b",
            regs={"v1": vec(8, [0xFF, 3, 0x80, 0] + [0] * 4 + [0x0F, 1, 0xAA, 0xFF] + [0] * 4),
                  "v2": vec(8, [0xFF, 3, 0x80, 7] + [0] * 4 + [0x11, 0x80, 0x55, 1] + [0] * 4)})
    assert lanes(V(r, 0), 16, 4) == [0x5555, 0b101, 0x4000, 0]
    assert lanes(V(r, 3), 16, 4) == [0xFF, 0x80, 0x2222, 0xFF]


# ---- TBL / TBX -----------------------------------------------------------------------------

def test_tbl_tbx():
    t0 = 0x0F0E0D0C0B0A09080706050403020100
    t1 = t0 + 0x10101010101010101010101010101010
    idx = vec(8, [0, 15, 16, 31, 32, 255, 5, 17] * 2)
    r = run("tbl v0.16b, {v30.16b, v31.16b}, v2.16b; tbx v3.8b, {v30.16b, v31.16b}, v2.8b; tbl v4.16b, {v30.16b}, v2.16b;"
            "tbx v5.16b, {v31.16b, v0.16b, v1.16b, v2.16b}, v6.16b",
            regs={"v30": t0, "v31": t1, "v2": idx, "v3": JUNK, "v0": JUNK, "v1": 0, "v5": JUNK,
                  "v6": vec(8, [0, 16, 32, 47, 48, 63, 64, 200] * 2)})
    assert lanes(V(r, 0), 8, 8) == [0, 15, 16, 31, 0, 0, 5, 17]
    assert lanes(V(r, 3), 8) == [0, 15, 16, 31] + lanes(JUNK, 8, 6)[4:6] + [5, 17] + [0] * 8
    assert lanes(V(r, 4), 8, 8) == [0, 15, 0, 0, 0, 0, 5, 0]
    # the table wraps from V31 to V0 (V0 as the first TBL left it): 0 -> V31[0], 16 -> V0[0], 32 -> V1[0],
    # 47 -> V1[15], 48 -> V2[0], 63 -> V2[15]; 64 and 200 are out of range: TBX keeps V5
    j = lanes(JUNK, 8)
    want = [0x10, V(r, 0) & 0xFF, 0, 0, idx & 0xFF, idx >> 120, j[6], j[7]]
    assert lanes(V(r, 5), 8, 8) == want
