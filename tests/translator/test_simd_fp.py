"""Directed tests of Advanced SIMD floating point on both engines: lane-wise
arithmetic (the JIT's host vector path and its exact fallback when any lane
needs it), fused multiply-add, pairwise and across-lanes reductions,
compares, conversions and by-element forms.  Random cases against Unicorn:
tests/differential/test_unicorn_fp.py."""
import struct

import pytest

from tests.asm import asm
from a64jit.snippet import run_snippet

IOC, DZC, OFC, UFC, IXC, IDC = 1, 2, 4, 8, 16, 128
ENGINE = ["interp"]


@pytest.fixture(params=["interp", "jit"], autouse=True)
def engine(request):
    ENGINE[0] = request.param
    yield request.param


def s(x):
    return struct.unpack("<I", struct.pack("<f", x))[0]


def d(x):
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def vs(*xs):
    """A vector of single-precision lanes (lane 0 first); ints are raw bits."""
    return sum((x if isinstance(x, int) else s(x)) << (32 * i) for i, x in enumerate(xs))


def vd(*xs):
    return sum((x if isinstance(x, int) else d(x)) << (64 * i) for i, x in enumerate(xs))


def lanes(v, esize, n):
    return [v >> (esize * i) & ((1 << esize) - 1) for i in range(n)]


def run(src, fpsr=0, fpcr=0, **regs):
    r = run_snippet(asm(src), engine=ENGINE[0], regs={"fpsr": fpsr, "fpcr": fpcr, **regs}, fp=True)
    assert r["exception"] is None, r["exception"]
    return r["regs"]


QNAN_S, SNAN_S = 0x7FC00001, 0x7F800001


def test_vector_add_all_lanes_normal():
    r = run("fadd v0.4s, v1.4s, v2.4s", v1=vs(1.0, 2.5, -3.0, 1e10), v2=vs(0.5, 0.25, 3.0, 1.0))
    assert lanes(r["v0"], 32, 4) == [s(1.5), s(2.75), s(0.0), s(1e10 + 1.0)]
    assert r["fpsr"] == IXC                      # 1e10 + 1 is inexact in single precision


def test_one_special_lane_takes_every_lane_exactly():
    r = run("fmul v0.4s, v1.4s, v2.4s", v1=vs(1.0, SNAN_S, 2.0, 3.0), v2=vs(2.0, 1.0, 1e-45, 0.5))
    # lane 2: 2 * the smallest denormal is a denormal, exactly (FZ off: no flags)
    assert lanes(r["v0"], 32, 4) == [s(2.0), SNAN_S | 1 << 22, 2, s(1.5)]
    assert r["fpsr"] == IOC                      # the SNaN lane


def test_64_bit_vectors_clear_the_upper_half():
    r = run("fsub v0.2s, v1.2s, v2.2s", v0=(1 << 128) - 1, v1=vs(5.0, 1.0, 9.0, 9.0), v2=vs(1.0, 1.0, 1.0, 1.0))
    assert r["v0"] == vs(4.0, 0.0)


def test_double_vector_div_and_sqrt():
    r = run("fdiv v0.2d, v1.2d, v2.2d; fsqrt v3.2d, v2.2d", v1=vd(1.0, 9.0), v2=vd(4.0, 3.0))
    assert r["v0"] == vd(0.25, 3.0) and r["v3"] == vd(2.0, 3.0 ** 0.5) and r["fpsr"] == IXC


@pytest.mark.parametrize("fpsr", [0, IXC])
def test_fmla_is_fused(fpsr):
    a = 1.0 + 2.0 ** -23
    r = run("fmla v0.4s, v1.4s, v2.4s; fmls v3.4s, v1.4s, v2.4s", fpsr,
            v0=vs(-1.0, 1.0, 0.0, 2.0), v1=vs(a, 2.0, 3.0, 1.0), v2=vs(a, 3.0, 0.0, 1.0), v3=vs(1.0, 1.0, 1.0, 1.0))
    # a*a - 1 = 2^-22 + 2^-46 exactly, rounded once
    assert lanes(r["v0"], 32, 4) == [s(2.0 ** -22 + 2.0 ** -46), s(7.0), s(0.0), s(3.0)]
    assert lanes(r["v3"], 32, 4)[1:] == [s(-5.0), s(1.0), s(0.0)]
    assert r["fpsr"] == IXC


def test_pairwise_and_reductions():
    r = run("faddp v0.4s, v1.4s, v2.4s; fmaxv s3, v1.4s; fminnmv s4, v5.4s; faddp d6, v7.2d; fmaxp s8, v9.2s",
            v1=vs(1.0, 2.0, 3.0, 4.0), v2=vs(10.0, 20.0, 30.0, 40.0), v5=vs(QNAN_S, 5.0, -1.0, QNAN_S),
            v7=vd(1.5, 2.25), v9=vs(-0.0, 0.0))
    assert lanes(r["v0"], 32, 4) == [s(3.0), s(7.0), s(30.0), s(70.0)]
    assert r["v3"] == s(4.0) and r["v4"] == s(-1.0) and r["v6"] == d(3.75) and r["v8"] == s(0.0)


def test_compares_give_lane_masks():
    r = run("fcmgt v0.4s, v1.4s, v2.4s; fcmeq v3.4s, v1.4s, #0.0; facge v4.4s, v1.4s, v2.4s; "
            "fcmlt v5.4s, v1.4s, #0.0", v1=vs(1.0, -0.0, QNAN_S, -5.0), v2=vs(0.5, 0.0, 1.0, 4.0))
    M = 0xFFFFFFFF
    assert lanes(r["v0"], 32, 4) == [M, 0, 0, 0]
    assert lanes(r["v3"], 32, 4) == [0, M, 0, 0]
    assert lanes(r["v4"], 32, 4) == [M, M, 0, M]
    assert lanes(r["v5"], 32, 4) == [0, 0, 0, M]
    assert r["fpsr"] == IOC                      # FCMGT/FACGE signal a quiet NaN (FCMEQ would not)


def test_ordered_compares_signal_quiet_nans():
    r = run("fcmge v0.4s, v1.4s, v2.4s", v1=vs(QNAN_S, 1.0, 1.0, 1.0), v2=vs(1.0, 1.0, 1.0, 1.0))
    assert r["fpsr"] == IOC


def test_narrow_and_widen():
    r = run("fcvtn v0.2s, v1.2d; fcvtn2 v0.4s, v2.2d; fcvtl v3.2d, v0.2s; fcvtl2 v4.2d, v0.4s; "
            "fcvtxn v5.2s, v6.2d", v1=vd(1.0, 0.1), v2=vd(-2.0, 3.0), v6=vd(1.0 + 2.0 ** -30, 1.0))
    assert lanes(r["v0"], 32, 4) == [s(1.0), s(0.1), s(-2.0), s(3.0)]
    assert r["v3"] == vd(1.0, struct.unpack("<f", struct.pack("<f", 0.1))[0]) and r["v4"] == vd(-2.0, 3.0)
    assert lanes(r["v5"], 32, 2) == [s(1.0) | 1, s(1.0)]        # rounded to odd
    r = run("fcvtn v0.4h, v1.4s; fcvtl v2.4s, v0.4h", v1=vs(1.0, -2.0, 65504.0, 0.5))
    assert lanes(r["v0"], 16, 4) == [0x3C00, 0xC000, 0x7BFF, 0x3800] and r["v0"] >> 64 == 0
    assert lanes(r["v2"], 32, 4) == [s(1.0), s(-2.0), s(65504.0), s(0.5)]


def test_vector_conversions():
    r = run("fcvtzs v0.4s, v1.4s; fcvtas v2.4s, v1.4s; scvtf v3.2d, v4.2d; ucvtf v5.4s, v6.4s, #4; "
            "fcvtzu v7.2d, v8.2d, #8", v1=vs(2.5, -2.5, 1e20, QNAN_S), v4=vd(-3 & (2 ** 64 - 1), 7),
            v6=vs(16, 8, 1, 0xFFFFFFFF), v8=vd(1.5, -1.0))
    assert lanes(r["v0"], 32, 4) == [2, (-2) & 0xFFFFFFFF, 0x7FFFFFFF, 0]
    assert lanes(r["v2"], 32, 4) == [3, (-3) & 0xFFFFFFFF, 0x7FFFFFFF, 0]
    assert r["v3"] == vd(-3.0, 7.0)
    assert lanes(r["v5"], 32, 4) == [s(1.0), s(0.5), s(0.0625), s(268435456.0)]
    assert r["v7"] == vd(384, 0)
    assert r["fpsr"] == IOC | IXC


def test_by_element():
    r = run("fmul v0.4s, v1.4s, v2.s[2]; fmla v3.2d, v4.2d, v5.d[1]; fmul s6, s1, v2.s[3]",
            v1=vs(1.0, 2.0, 3.0, 4.0), v2=vs(0.0, 0.0, 10.0, -1.0), v3=vd(1.0, 1.0), v4=vd(2.0, 3.0),
            v5=vd(100.0, 0.5))
    assert lanes(r["v0"], 32, 4) == [s(10.0), s(20.0), s(30.0), s(40.0)]
    assert r["v3"] == vd(2.0, 2.5) and r["v6"] == s(-1.0)


def test_estimates():
    r = run("frecpe v0.4s, v1.4s; frsqrte v2.2d, v3.2d; frecps v4.4s, v5.4s, v6.4s",
            v1=vs(2.0, 0.0, float("inf"), -4.0), v3=vd(4.0, 0.25), v5=vs(2.0, 0, 0, 0), v6=vs(0.5, 0, 0, 0))
    l0 = lanes(r["v0"], 32, 4)
    assert l0[0] == 0x3EFF8000 and l0[1] == 0x7F800000 and l0[2] == 0 and l0[3] == 0xBE7F8000
    assert r["v4"] & 0xFFFFFFFF == s(1.0)
    assert r["fpsr"] & DZC
