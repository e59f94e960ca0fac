"""Directed tests of the SIMD&FP register file and data movement (loads and
stores of B/H/S/D/Q, FMOV, MOVI & co., DUP/INS/UMOV/SMOV, vector logic, EXT,
ZIP/UZP/TRN), on both engines; expected values worked out from the ARM ARM
pseudocode.  And the gate: without ``fp=True`` every one is UNDEFINED."""
import pytest

from tests.asm import asm
from tests.translator.test_decode import CASES
from a64jit.snippet import run_snippet
from a64jit.translator.decode import decode
from a64jit.translator.semantics import fpsimd

M64 = (1 << 64) - 1
M128 = (1 << 128) - 1
DATA = 0x10000000
PATTERN = bytes(range(256)) * 2
FP_ROWS = ["ldr_lit_fp", "ldst_pair_fp", "ldst_imm9_fp", "ldst_regoff_fp", "ldst_uimm_fp", "fmov_gen", "fmov_reg",
           "fmov_imm", "simd_modimm", "dup_elem", "dup_gen", "ins_gen", "smov", "umov", "ins_elem",
           "dup_elem_scalar", "logic_vec", "ext", "permute"]
V0 = 0x0F0E0D0C0B0A09080706050403020100                  # bytes 0..15 of PATTERN
JUNK = 0xDEADBEEFCAFEF00D_0123456789ABCDEF


ENGINE = ["interp"]


@pytest.fixture(params=["interp", "jit"], autouse=True)
def engine(request):
    ENGINE[0] = request.param
    yield request.param


def run(src, regs=None, mem=None, fp=True, **kw):
    return run_snippet(asm(src), engine=ENGINE[0], regs=regs or {}, mem=mem if mem is not None else {DATA: PATTERN},
                       fp=fp, **kw)


def le(b, off, n):
    return int.from_bytes(b[off:off + n], "little")


def v(r, n):
    return r["regs"][f"v{n}"]


# ---- the gate ------------------------------------------------------------------

@pytest.mark.parametrize("row", FP_ROWS)
def test_undefined_unless_fp_enabled(row):
    for src in CASES[row]:
        word = int.from_bytes(asm(src), "little")
        assert decode(word).name == row
        r = run(src, regs={f"x{i}": DATA for i in range(31)} | {"sp": DATA}, fp=False)
        assert r["exception"] == {"ec": 0, "iss": 0, "far": None}, src
        assert r["insns"] == 0 and r["mem"][DATA] == PATTERN


def test_fp_is_on_by_default_and_the_id_registers_say_so():
    r = run_snippet(asm("fmov d0, x1"), engine=ENGINE[0], regs={"x1": 5})
    assert r["exception"] is None and r["regs"]["v0"] == 5
    r = run("mrs x0, id_aa64pfr0_el1; mrs x1, id_aa64isar0_el1")
    assert r["regs"]["x0"] >> 16 & 0xFF == 0                # FP = AdvSIMD = 0: implemented
    assert r["regs"]["x1"] == 0x11120                        # AES (+PMULL), SHA1, SHA2, CRC32, as QEMU's A57


# ---- loads and stores -------------------------------------------------------------

# offsets relative to x1 = DATA + 16
@pytest.mark.parametrize("src,nbytes,off", [
    ("ldr b0, [x1, #3]", 1, 3), ("ldr h0, [x1, #6]", 2, 6), ("ldr s0, [x1, #8]", 4, 8), ("ldr d0, [x1, #16]", 8, 16),
    ("ldr q0, [x1, #32]", 16, 32), ("ldur q0, [x1, #-1]", 16, -1), ("ldur d0, [x1, #1]", 8, 1),
    ("ldr q0, [x1, x2, lsl #4]", 16, 48), ("ldr h0, [x1, w2, uxtw #1]", 2, 6), ("ldr b0, [x1, x2]", 1, 3),
    ("ldr s0, [x1, w3, sxtw #2]", 4, -4), ("ldr q0, [x1, #4080]", 16, None),
])
def test_loads_write_the_whole_register(src, nbytes, off):
    mem = {DATA: PATTERN * 16}
    r = run(src, regs={"x1": DATA + 16, "x2": 3, "x3": 0xFFFFFFFF, "v0": JUNK}, mem=mem)   # w3 = -1
    assert r["exception"] is None
    off = 4080 if off is None else off
    assert v(r, 0) == le(mem[DATA], 16 + off, nbytes)


@pytest.mark.parametrize("src,nbytes,off", [
    ("str b0, [x1, #3]", 1, 3), ("str h0, [x1, #6]", 2, 6), ("str s0, [x1, #8]", 4, 8), ("str d0, [x1, #16]", 8, 16),
    ("str q0, [x1, #32]", 16, 32), ("stur q0, [x1, #-3]", 16, -3), ("str q0, [x1, x2, lsl #4]", 16, 48),
    ("stur h0, [x1, #255]", 2, 255), ("str d0, [x1, w3, sxtw #3]", 8, -8),
])
def test_stores(src, nbytes, off):
    r = run(src, regs={"x1": DATA + 16, "x2": 3, "x3": 0xFFFFFFFF, "v0": JUNK})
    assert r["exception"] is None
    out = r["mem"][DATA]
    start = 16 + off
    assert out[start:start + nbytes] == (JUNK & ((1 << 8 * nbytes) - 1)).to_bytes(nbytes, "little")
    assert out[:start] == PATTERN[:start] and out[start + nbytes:] == PATTERN[start + nbytes:]


def test_pre_and_post_index_write_back():
    r = run("ldr q0, [x1, #16]!; ldr d1, [x2], #-8; str s2, [x3, #-4]!; str b3, [x4], #1",
            regs={"x1": DATA, "x2": DATA + 32, "x3": DATA + 64, "x4": DATA + 96, "v2": 0xAABBCCDD, "v3": 0x77})
    g = r["regs"]
    assert v(r, 0) == le(PATTERN, 16, 16) and v(r, 1) == le(PATTERN, 32, 8)
    assert g["x1"] == DATA + 16 and g["x2"] == DATA + 24 and g["x3"] == DATA + 60 and g["x4"] == DATA + 97
    assert le(r["mem"][DATA], 60, 4) == 0xAABBCCDD and r["mem"][DATA][96] == 0x77


def test_base_sp():
    r = run("ldr q0, [sp, #16]; str d0, [sp, #-8]!", regs={"sp": DATA + 0x40})
    assert v(r, 0) == le(PATTERN, 0x50, 16) and r["regs"]["sp"] == DATA + 0x38
    assert le(r["mem"][DATA], 0x38, 8) == le(PATTERN, 0x50, 8)


@pytest.mark.parametrize("src,esize", [("ldp s0, s1, [x1, #8]", 4), ("ldp d0, d1, [x1, #8]", 8),
                                       ("ldp q0, q1, [x1, #16]", 16), ("ldnp q0, q1, [x1, #16]", 16)])
def test_load_pair(src, esize):
    r = run(src, regs={"x1": DATA, "v0": JUNK, "v1": JUNK})
    off = 8 if esize < 16 else 16
    assert v(r, 0) == le(PATTERN, off, esize) and v(r, 1) == le(PATTERN, off + esize, esize)


def test_pair_writeback_and_stores():
    r = run("stp q0, q1, [x1, #-32]!; stp d2, d3, [x2], #16; stnp s4, s5, [x3, #4]",
            regs={"x1": DATA + 0x100, "x2": DATA + 0x100, "x3": DATA + 0x120, "v0": V0, "v1": ~V0 & M128,
                  "v2": 0x1111, "v3": 0x2222, "v4": 0x33, "v5": 0x44})
    out, g = r["mem"][DATA], r["regs"]
    assert g["x1"] == DATA + 0xE0 and g["x2"] == DATA + 0x110 and g["x3"] == DATA + 0x120
    assert le(out, 0xE0, 16) == V0 and le(out, 0xF0, 16) == ~V0 & M128
    assert le(out, 0x100, 8) == 0x1111 and le(out, 0x108, 8) == 0x2222
    assert le(out, 0x124, 4) == 0x33 and le(out, 0x128, 4) == 0x44


def test_literal_loads():
    pool = PATTERN[:64]
    code = asm("ldr s0, . + 20; ldr d1, . + 20; ldr q2, . + 24; nop")      # the pool is at code + 16
    r = run_snippet(code, engine=ENGINE[0], mem={0x40000000 + len(code): pool}, fp=True, max_insns=3,
                    regs={"v0": JUNK, "v1": JUNK, "v2": JUNK})
    assert r["exception"] is None
    assert v(r, 0) == le(pool, 4, 4) and v(r, 1) == le(pool, 8, 8) and v(r, 2) == le(pool, 16, 16)


def test_load_fault_is_precise():
    # The second register of LDP Q runs off the region: nothing written, no writeback.
    r = run("ldp q0, q1, [x1, #16]!", regs={"x1": DATA + len(PATTERN) - 32, "v0": JUNK})
    exc = r["exception"]
    assert exc["ec"] == 0x25 and exc["far"] == DATA + len(PATTERN)
    assert v(r, 0) == JUNK and r["regs"]["x1"] == DATA + len(PATTERN) - 32


def test_store_fault_straddling():
    r = run("str q0, [x1]", regs={"x1": DATA + len(PATTERN) - 8, "v0": V0})
    exc = r["exception"]
    assert exc["ec"] == 0x25 and exc["far"] == DATA + len(PATTERN) and exc["iss"] & 1 << 6   # WnR


def test_alignment_with_sctlr_a():
    # SCTLR_EL1.A: a Q access must be 16-byte aligned, a D access 8-byte aligned.
    pre = "mrs x9, sctlr_el1; orr x9, x9, #2; msr sctlr_el1, x9; isb;"
    r = run(pre + "ldr d0, [x1, #8]; ldr q1, [x1, #8]", regs={"x1": DATA})
    exc = r["exception"]
    assert exc["ec"] == 0x25 and exc["iss"] & 0x3F == 0x21 and exc["far"] == DATA + 8
    assert v(r, 0) == le(PATTERN, 8, 8) and v(r, 1) == 0
    r = run(pre + "ldp q0, q1, [x1, #16]; stp d2, d3, [x2, #8]", regs={"x1": DATA, "x2": DATA + 4})
    assert v(r, 0) == le(PATTERN, 16, 16) and r["exception"]["far"] == DATA + 12
    assert r["exception"]["iss"] & 1 << 6


# ---- FMOV --------------------------------------------------------------------------

def test_fmov_general():
    r = run("fmov s0, w1; fmov d1, x2; fmov x3, d4; fmov w5, s4; fmov x6, v4.d[1]; fmov v7.d[1], x2; fmov x8, v7.d[1]",
            regs={"x1": 0xFFFFFFFF_12345678, "x2": 0x8877665544332211, "v0": JUNK, "v1": JUNK, "v4": JUNK,
                  "v7": JUNK})
    g = r["regs"]
    assert v(r, 0) == 0x12345678 and v(r, 1) == 0x8877665544332211
    assert g["x3"] == JUNK & M64 and g["x5"] == JUNK & 0xFFFFFFFF and g["x6"] == JUNK >> 64
    assert v(r, 7) == 0x8877665544332211 << 64 | JUNK & M64 and g["x8"] == 0x8877665544332211


def test_fmov_register_and_immediate():
    r = run("fmov s0, s1; fmov d2, d1; fmov s3, #1.0; fmov d4, #-0.125; fmov d5, #31.0; fmov s6, #0.1875",
            regs={"v0": JUNK, "v1": JUNK, "v2": 7 << 100})
    assert v(r, 0) == JUNK & 0xFFFFFFFF and v(r, 2) == JUNK & M64
    assert v(r, 3) == 0x3F800000 and v(r, 4) == 0xBFC0000000000000 and v(r, 5) == 0x403F000000000000
    assert v(r, 6) == 0x3E400000


def test_vfp_expand_imm_matches_the_float_values():
    import struct
    for imm8 in range(256):
        sign = -1 if imm8 & 0x80 else 1
        cd = imm8 >> 4 & 3
        exp = cd - 3 if imm8 & 0x40 else cd + 1  # NOT(b):b..b:cd -> exponent -3..4
        val = sign * (16 + (imm8 & 15)) / 16 * 2.0 ** (exp)
        assert fpsimd.vfp_expand_imm(imm8, 64) == struct.unpack("<Q", struct.pack("<d", val))[0], imm8
        assert fpsimd.vfp_expand_imm(imm8, 32) == struct.unpack("<I", struct.pack("<f", val))[0], imm8


# ---- modified immediate ------------------------------------------------------------------

@pytest.mark.parametrize("src,expect", [
    ("movi v0.4s, #0xab", 0x000000AB_000000AB_000000AB_000000AB),
    ("movi v0.2s, #0xab, lsl #8", 0x0000AB00_0000AB00),
    ("movi v0.4s, #0xab, lsl #16", 0x00AB0000_00AB0000_00AB0000_00AB0000),
    ("movi v0.2s, #0xab, lsl #24", 0xAB000000_AB000000),
    ("movi v0.8h, #0xab", 0x00AB00AB_00AB00AB_00AB00AB_00AB00AB),
    ("movi v0.4h, #0xab, lsl #8", 0xAB00AB00_AB00AB00),
    ("movi v0.4s, #0xab, msl #8", 0x0000ABFF_0000ABFF_0000ABFF_0000ABFF),
    ("movi v0.2s, #0xab, msl #16", 0x00ABFFFF_00ABFFFF),
    ("movi v0.16b, #0xab", 0xABABABAB_ABABABAB_ABABABAB_ABABABAB),
    ("movi v0.8b, #0x5a", 0x5A5A5A5A_5A5A5A5A),
    ("movi d0, #0xff0000ff00ffff00", 0xFF0000FF00FFFF00),
    ("movi v0.2d, #0x00ff00ff00ff00ff", 0x00FF00FF00FF00FF_00FF00FF00FF00FF),
    ("mvni v0.4s, #0xab", M128 ^ 0x000000AB_000000AB_000000AB_000000AB),
    ("mvni v0.2s, #0xab, lsl #24", 0x54FFFFFF_54FFFFFF),
    ("mvni v0.8h, #0xab, lsl #8", M128 ^ 0xAB00AB00_AB00AB00_AB00AB00_AB00AB00),
    ("mvni v0.4h, #0x1", 0xFFFEFFFE_FFFEFFFE),
    ("mvni v0.4s, #0xab, msl #8", M128 ^ 0x0000ABFF_0000ABFF_0000ABFF_0000ABFF),
    ("mvni v0.2s, #0xab, msl #16", 0xFF540000_FF540000),
    ("fmov v0.4s, #1.0", 0x3F800000_3F800000_3F800000_3F800000),
    ("fmov v0.2s, #-2.5", 0xC0200000_C0200000),
    ("fmov v0.2d, #0.5", 0x3FE0000000000000_3FE0000000000000),
])
def test_movi_mvni_fmov_vector(src, expect):
    r = run(src, regs={"v0": JUNK})
    assert v(r, 0) == expect, hex(v(r, 0))


@pytest.mark.parametrize("src,expect", [
    ("orr v0.4s, #0xff, lsl #8", JUNK | 0x0000FF00_0000FF00_0000FF00_0000FF00),
    ("orr v0.2s, #0x1", (JUNK | 0x00000001_00000001) & M64),
    ("orr v0.8h, #0x80, lsl #8", JUNK | 0x80008000_80008000_80008000_80008000),
    ("bic v0.4s, #0xff, lsl #24", JUNK & ~0xFF000000_FF000000_FF000000_FF000000),
    ("bic v0.4h, #0xff", JUNK & ~0x00FF00FF_00FF00FF & M64),
])
def test_orr_bic_immediate(src, expect):
    r = run(src, regs={"v0": JUNK})
    assert v(r, 0) == expect, hex(v(r, 0))


# ---- copy class -------------------------------------------------------------------------

def test_dup():
    r = run("dup v0.16b, v9.b[15]; dup v1.4h, v9.h[1]; dup v2.4s, v9.s[2]; dup v3.2d, v9.d[1];"
            "dup v4.8b, w1; dup v5.8h, w1; dup v6.2s, w1; dup v7.2d, x1; mov h8, v9.h[5]; dup d10, v9.d[1]",
            regs={"x1": 0x1122334455667788, "v9": V0, **{f"v{i}": JUNK for i in range(9)}})
    assert v(r, 0) == 0x0F0F0F0F_0F0F0F0F_0F0F0F0F_0F0F0F0F and v(r, 1) == 0x0302030203020302
    assert v(r, 2) == 0x0B0A0908_0B0A0908_0B0A0908_0B0A0908 and v(r, 3) == (V0 >> 64) * (1 << 64 | 1)
    assert v(r, 4) == 0x8888888888888888 and v(r, 5) == 0x7788 * 0x0001_0001_0001_0001_0001_0001_0001_0001
    assert v(r, 6) == 0x55667788_55667788 and v(r, 7) == 0x1122334455667788 * (1 << 64 | 1)
    assert v(r, 8) == 0x0B0A and v(r, 10) == V0 >> 64


def test_ins_umov_smov():
    r = run("ins v0.b[15], w1; mov v1.h[3], w1; ins v2.s[1], w1; mov v3.d[1], x1;"
            "mov v4.b[0], v9.b[15]; ins v5.s[3], v9.s[0]; mov v6.d[0], v9.d[1];"
            "umov w10, v9.b[15]; umov w11, v8.h[7]; mov w12, v8.s[1]; mov x13, v8.d[1];"
            "smov w14, v8.b[15]; smov x15, v8.h[6]; smov x16, v8.s[3]; smov w17, v9.b[1]",
            regs={"x1": 0x1122334455667788, "v9": V0, "v8": 0x80FF7FFE_81828384_85868788_898A8B8C,
                  **{f"v{i}": JUNK for i in range(7)}, **{f"x{i}": M64 for i in range(10, 18)}})
    g = r["regs"]
    assert v(r, 0) == JUNK & ~(0xFF << 120) | 0x88 << 120
    assert v(r, 1) == JUNK & ~(0xFFFF << 48) | 0x7788 << 48
    assert v(r, 2) == JUNK & ~(0xFFFFFFFF << 32) | 0x55667788 << 32
    assert v(r, 3) == 0x1122334455667788 << 64 | JUNK & M64
    assert v(r, 4) == JUNK & ~0xFF | 0x0F and v(r, 5) == JUNK & ~(0xFFFFFFFF << 96) | 0x03020100 << 96
    assert v(r, 6) == JUNK & ~M64 | V0 >> 64
    assert g["x10"] == 0x0F and g["x11"] == 0x80FF and g["x12"] == 0x85868788 and g["x13"] == 0x80FF7FFE81828384
    assert g["x14"] == 0xFFFFFF80 and g["x15"] == 0x7FFE and g["x16"] == 0xFFFFFFFF80FF7FFE and g["x17"] == 1


# ---- vector logic, EXT, permutes ---------------------------------------------------------

A_ = 0xFF00FF00_F0F0F0F0_CCCCCCCC_AAAAAAAA
B_ = 0x0FF00FF0_12345678_9ABCDEF0_5555AAAA
D_ = 0xFFFFFFFF_00000000_FFFF0000_0000FFFF


@pytest.mark.parametrize("op,fn", [
    ("and", lambda n, m, d: n & m), ("bic", lambda n, m, d: n & ~m), ("orr", lambda n, m, d: n | m),
    ("orn", lambda n, m, d: n | ~m), ("eor", lambda n, m, d: n ^ m),
    ("bsl", lambda n, m, d: (n & d) | (m & ~d)), ("bit", lambda n, m, d: (n & m) | (d & ~m)),
    ("bif", lambda n, m, d: (n & ~m) | (d & m)),
])
@pytest.mark.parametrize("arr,mask", [("16b", M128), ("8b", M64)])
def test_vector_logic(op, fn, arr, mask):
    r = run(f"{op} v0.{arr}, v1.{arr}, v2.{arr}", regs={"v0": D_, "v1": A_, "v2": B_})
    assert v(r, 0) == fn(A_ & mask, B_ & mask, D_ & mask) & mask


def test_mov_vector_alias():
    r = run("mov v0.16b, v1.16b; mov v2.8b, v1.8b", regs={"v1": JUNK, "v0": 1, "v2": 1 << 127})
    assert v(r, 0) == JUNK and v(r, 2) == JUNK & M64


def test_ext():
    r = run("ext v0.16b, v1.16b, v2.16b, #3; ext v3.8b, v1.8b, v2.8b, #7; ext v4.16b, v1.16b, v2.16b, #0",
            regs={"v1": V0, "v2": ~V0 & M128})
    assert v(r, 0) == ((~V0 & M128) << 128 | V0) >> 24 & M128
    assert v(r, 3) == ((~V0 & M64) << 64 | V0 & M64) >> 56 & M64 and v(r, 4) == V0


def _elems(x, esize, n):
    return [x >> (i * esize) & ((1 << esize) - 1) for i in range(n)]


def _join(es, esize):
    return sum(e << (i * esize) for i, e in enumerate(es))


@pytest.mark.parametrize("arr", ["16b", "8b", "8h", "4h", "4s", "2s", "2d"])
@pytest.mark.parametrize("op", ["zip1", "zip2", "uzp1", "uzp2", "trn1", "trn2"])
def test_permutes(op, arr):
    n, t = int(arr[:-1]), arr[-1]
    esize = {"b": 8, "h": 16, "s": 32, "d": 64}[t]
    a, b = _elems(V0, esize, n), _elems(JUNK, esize, n)
    part = int(op[-1]) - 1
    half = n // 2
    if op.startswith("zip"):
        out = [x for p in range(half) for x in (a[part * half + p], b[part * half + p])]
    elif op.startswith("uzp"):
        out = [(a + b)[2 * i + part] for i in range(n)]
    else:
        out = [x for p in range(half) for x in (a[2 * p + part], b[2 * p + part])]
    r = run(f"{op} v0.{arr}, v1.{arr}, v2.{arr}", regs={"v0": M128, "v1": V0, "v2": JUNK})
    assert v(r, 0) == _join(out, esize)


# ---- CPACR_EL1.FPEN / CPTR_EL2.TFP (AArch64.CheckFPAdvSIMDEnabled) -------------------------

CPTR_RES1 = 0x33FF
TFP = 1 << 10
TGE = 1 << 27
TRAP_ISS = 0x1E00000                                    # CV = 1, COND = 0b1110


def run_trap(src, *, el=1, fpen=3, cptr=CPTR_RES1, hcr=0, regs=None):
    """Run at ``el`` with the trap controls set; (cpu, first exception or None)."""
    from a64jit.snippet import _make_cpu
    from a64jit.translator.engine import create_engine
    from a64jit.runloop import run_engine
    code = asm(src)
    cpu = _make_cpu(code, regs or {}, {}, 0x40000000, fp=True)
    cpu.sysregs.set("CPACR_EL1", fpen << 20)
    cpu.sysregs.set("CPTR_EL2", cptr)
    cpu.sysregs.set("HCR_EL2", hcr)
    cpu.set_pstate_el(el, 0 if el == 0 else 1)
    eng = create_engine(ENGINE[0], cpu, code_range=(0x40000000, 0x40000000 + len(code)), use_cache=False)
    raised = []
    try:
        run_engine(eng, cpu, max_insns=100, on_exception=lambda exc: raised.append(exc) or "exception")
    finally:
        eng.close()
    return cpu, raised[0] if raised else None


def _trap(exc):
    return None if exc is None else (exc.ec, exc.iss, exc.target_el)


@pytest.mark.parametrize("el,fpen,cptr,hcr,expect", [
    (1, 0b00, CPTR_RES1, 0, (0x07, TRAP_ISS, 1)),
    (1, 0b10, CPTR_RES1, 0, (0x07, TRAP_ISS, 1)),
    (1, 0b01, CPTR_RES1, 0, None),
    (1, 0b11, CPTR_RES1, 0, None),
    (0, 0b01, CPTR_RES1, 0, (0x07, TRAP_ISS, 1)),
    (0, 0b11, CPTR_RES1, 0, None),
    (0, 0b00, CPTR_RES1, TGE, (0x00, 0, 2)),            # routed to EL2 as Uncategorized
    (1, 0b11, CPTR_RES1 | TFP, 0, (0x07, TRAP_ISS, 2)),
    (0, 0b11, CPTR_RES1 | TFP, 0, (0x07, TRAP_ISS, 2)),
    (1, 0b00, CPTR_RES1 | TFP, 0, (0x07, TRAP_ISS, 1)),  # CPACR_EL1 first
    (2, 0b00, CPTR_RES1, 0, None),                      # CPACR_EL1 does not apply at EL2
    (2, 0b11, CPTR_RES1 | TFP, 0, (0x07, TRAP_ISS, 2)),
])
def test_fp_access_traps(el, fpen, cptr, hcr, expect):
    for src in ("fmov d0, x1", "ldr q0, [x2]", "movi v0.16b, #1", "umov w3, v1.b[0]"):
        cpu, exc = run_trap(src, el=el, fpen=fpen, cptr=cptr, hcr=hcr, regs={"x1": 5, "x2": 1 << 50, "x3": 7})
        if expect is None:
            assert exc is None or exc.ec == 0x25, src          # (the load's address is not mapped)
        else:
            assert _trap(exc) == expect, src
            assert cpu.state.pc == 0x40000000 and cpu.state.icount == 0
            assert cpu.state.vreg[0] == 0 and cpu.state.x[3] == 7


def test_cpacr_written_at_run_time_is_seen_by_the_next_instruction():
    cpu, exc = run_trap("fmov d0, x1; msr cpacr_el1, xzr; isb; fmov d1, x1", regs={"x1": 9})
    assert _trap(exc) == (0x07, TRAP_ISS, 1) and cpu.state.icount == 3 and cpu.state.vreg[0] == 9
    cpu, exc = run_trap("msr cpacr_el1, x2; isb; fmov d1, x1", fpen=0, regs={"x1": 9, "x2": 3 << 20})
    assert exc is None and cpu.state.vreg[2] == 9


def test_fpcr_fpsr_accesses_are_checked_too():
    # MRS/MSR FPCR/FPSR: the same access check as the instructions.
    for src in ("mrs x3, fpcr", "msr fpsr, x1"):
        r = run_snippet(asm(src), engine=ENGINE[0], regs={"x1": 0x8000009F, "x3": 7}, fp=False)
        assert r["exception"] == {"ec": 0, "iss": 0, "far": None} and r["regs"]["x3"] == 7 and r["regs"]["fpsr"] == 0
        cpu, exc = run_trap(src, fpen=0, regs={"x1": 1})
        assert _trap(exc) == (0x07, TRAP_ISS, 1)
        cpu, exc = run_trap(src, cptr=CPTR_RES1 | TFP, regs={"x1": 1})
        assert _trap(exc) == (0x07, TRAP_ISS, 2)
    r = run("msr fpcr, x1; mrs x2, fpcr; msr fpsr, x1; mrs x3, fpsr", regs={"x1": M64})
    assert r["regs"]["x2"] == 0x07F70000 and r["regs"]["x3"] == 0xF800009F      # FPCR trap enables: RAZ/WI
