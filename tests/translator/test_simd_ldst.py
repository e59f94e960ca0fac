"""Structure loads and stores (LD1-LD4, ST1-ST4, LDnR, lanes) on both engines:
(de)interleaving, post-index, spans that cross a page (the JIT's one-probe
fast path must fall back element by element), faults part way, and
alignment checked per element under SCTLR_EL1.A."""
import pytest

from tests.asm import asm
from a64jit.snippet import run_snippet

DATA = 0x10000000
PAGE = 0x1000
MEM = bytes((i * 7 + 3) & 0xFF for i in range(3 * PAGE))
ENGINE = ["interp"]


@pytest.fixture(params=["interp", "jit"], autouse=True)
def engine(request):
    ENGINE[0] = request.param
    yield request.param


def run(src, mem=None, **regs):
    return run_snippet(asm(src), engine=ENGINE[0], regs=regs, mem={DATA: MEM} if mem is None else mem)


def le(b):
    return int.from_bytes(b, "little")


def elems(buf, size):
    return [le(buf[i:i + size]) for i in range(0, len(buf), size)]


def vec(values, size):
    return sum(v << (8 * size * i) for i, v in enumerate(values))


@pytest.mark.parametrize("start", [0, 8, PAGE - 40, PAGE - 1, 2 * PAGE - 64])
def test_ld1_four_registers_in_a_loop(start):
    # three iterations, post-indexed by 64: some spans cross a page boundary
    r = run("mov x2, #3; 1: ld1 {v0.16b-v3.16b}, [x0], #64; eor v4.16b, v4.16b, v0.16b; eor v4.16b, v4.16b, v3.16b;"
            " subs x2, x2, #1; b.ne 1b", x0=DATA + start)
    assert r["exception"] is None
    x = 0
    for it in range(3):
        base = start + 64 * it
        x ^= le(MEM[base:base + 16]) ^ le(MEM[base + 48:base + 64])
    last = start + 128
    assert r["regs"]["v4"] == x and r["regs"]["v1"] == le(MEM[last + 16:last + 32])
    assert r["regs"]["x0"] == DATA + start + 192


@pytest.mark.parametrize("start", [16, PAGE - 20])
def test_ld4_deinterleaves_and_st4_interleaves(start):
    r = run("ld4 {v0.4s-v3.4s}, [x0]; st4 {v0.4s-v3.4s}, [x1]; ld2 {v8.8h, v9.8h}, [x0]; ld3 {v10.8b-v12.8b}, [x0]",
            x0=DATA + start, x1=DATA + 2 * PAGE - 32)
    assert r["exception"] is None
    words = elems(MEM[start:start + 64], 4)
    for k in range(4):
        assert r["regs"][f"v{k}"] == vec(words[k::4], 4)
    assert r["mem"][DATA][2 * PAGE - 32:2 * PAGE + 32] == MEM[start:start + 64]
    halves = elems(MEM[start:start + 32], 2)
    assert r["regs"]["v8"] == vec(halves[0::2], 2) and r["regs"]["v9"] == vec(halves[1::2], 2)
    b = MEM[start:start + 24]
    assert [r["regs"][f"v{10 + k}"] for k in range(3)] == [vec(b[k::3], 1) for k in range(3)]


def test_lanes_and_replicate():
    r = run("mov v0.16b, v31.16b; ld1 {v0.s}[2], [x0]; ld2r {v1.8h, v2.8h}, [x0]; st1 {v0.d}[1], [x1]",
            x0=DATA + PAGE - 2, x1=DATA + 64, v31=(1 << 128) - 1)
    assert r["exception"] is None
    w = le(MEM[PAGE - 2:PAGE + 2])
    assert r["regs"]["v0"] == ((1 << 128) - 1) & ~(0xFFFFFFFF << 64) | w << 64
    h0, h1 = le(MEM[PAGE - 2:PAGE]), le(MEM[PAGE:PAGE + 2])
    assert r["regs"]["v1"] == vec([h0] * 8, 2) and r["regs"]["v2"] == vec([h1] * 8, 2)
    assert r["mem"][DATA][64:72] == (r["regs"]["v0"] >> 64 & (2 ** 64 - 1)).to_bytes(8, "little")


def test_a_store_that_faults_part_way_wrote_the_elements_before():
    # the region ends 24 bytes after x0: elements 0-5 of a 16-element ST4 (.4s) land, the 7th faults
    end = DATA + len(MEM)
    r = run("st4 {v0.4s-v3.4s}, [x0]", x0=end - 24, v0=vec([1, 2, 3, 4], 4), v1=vec([5, 6, 7, 8], 4),
            v2=vec([9, 10, 11, 12], 4), v3=vec([13, 14, 15, 16], 4))
    assert r["exception"]["far"] == end and r["exception"]["ec"] == 0x25
    assert elems(r["mem"][DATA][-24:], 4) == [1, 5, 9, 13, 2, 6]


def test_a_load_that_faults_writes_no_register():
    end = DATA + len(MEM)
    r = run("ld1 {v0.2d, v1.2d}, [x0]", x0=end - 24, v0=7, v1=9)
    assert r["exception"]["far"] == end and r["regs"]["v0"] == 7 and r["regs"]["v1"] == 9


def test_alignment_is_per_element():
    prologue = "mrs x9, sctlr_el1; orr x9, x9, #2; msr sctlr_el1, x9; isb; "
    r = run(prologue + "ld1 {v0.4s, v1.4s}, [x0]; st1 {v0.4s, v1.4s}, [x1]", x0=DATA + 4, x1=DATA + PAGE + 8)
    assert r["exception"] is None and r["regs"]["v0"] == le(MEM[4:20])
    r = run(prologue + "ld1 {v0.4s}, [x0]", x0=DATA + 2)
    assert r["exception"]["ec"] == 0x25 and r["exception"]["iss"] & 0x3F == 0x21 and r["exception"]["far"] == DATA + 2
