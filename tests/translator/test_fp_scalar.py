"""Directed tests of scalar floating point on both engines (arithmetic,
fused multiply-add, compares, conditional compare/select, conversions,
rounding to integral), with the ARM ARM's edge cases: NaN propagation and
default NaN, flush-to-zero, every rounding mode, overflow and underflow,
saturating conversions.  Expected values are worked out from the pseudocode
(and, for round-to-nearest results of normal numbers, from the host's IEEE
arithmetic, which then agrees with it).  Random cases against Unicorn are in
tests/differential/test_unicorn_fp.py."""
import math
import struct
from fractions import Fraction

import pytest

from tests.asm import asm
from a64jit.snippet import run_snippet

IOC, DZC, OFC, UFC, IXC, IDC = 1, 2, 4, 8, 16, 128
DN, FZ = 1 << 25, 1 << 24
RN, RP, RM, RZ = 0, 1 << 22, 2 << 22, 3 << 22

ENGINE = ["interp"]


@pytest.fixture(params=["interp", "jit"], autouse=True)
def engine(request):
    ENGINE[0] = request.param
    yield request.param


def d(x: float) -> int:
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def s(x: float) -> int:
    return struct.unpack("<I", struct.pack("<f", x))[0]


def fd(b: int) -> float:
    return struct.unpack("<d", struct.pack("<Q", b))[0]


def fs(b: int) -> float:
    return struct.unpack("<f", struct.pack("<I", b))[0]


def run(src, fpcr=0, **regs):
    r = run_snippet(asm(src), engine=ENGINE[0], regs={"fpcr": fpcr, **regs}, fp=True)
    assert r["exception"] is None, r["exception"]
    return r["regs"]


def low(r, n, bits=64):
    return r[f"v{n}"] & ((1 << bits) - 1)


QNAN_D, SNAN_D, DEFAULT_NAN_D = 0x7FF8000000000123, 0x7FF0000000000456, 0x7FF8000000000000
QNAN_S, SNAN_S, DEFAULT_NAN_S = 0x7FC00123, 0x7F800456, 0x7FC00000
MIN_NORMAL_D, DENORMAL_D, MAX_D = 0x0010000000000000, 0x0000000000000001, 0x7FEFFFFFFFFFFFFF
INF_D = 0x7FF0000000000000


@pytest.mark.parametrize("op,fn", [("fadd", lambda a, b: a + b), ("fsub", lambda a, b: a - b),
                                   ("fmul", lambda a, b: a * b), ("fdiv", lambda a, b: a / b)])
@pytest.mark.parametrize("a,b", [(1.5, 2.25), (1.0, 3.0), (-7.1, 1e-3), (1e150, 1e-150), (0.1, 0.2), (-0.0, 0.0)])
def test_double_arithmetic_matches_ieee_and_sets_inexact(op, fn, a, b):
    if op == "fdiv" and b == 0:
        return                                  # (divide by zero: test_divide_by_zero)
    r = run(f"{op} d0, d1, d2", v1=d(a), v2=d(b))
    want = fn(a, b)
    assert low(r, 0, 128) == d(want)
    exact = Fraction(want) == fn(Fraction(a), Fraction(b))
    assert r["fpsr"] == (0 if exact else IXC)


@pytest.mark.parametrize("op,fn", [("fadd", lambda a, b: a + b), ("fmul", lambda a, b: a * b),
                                   ("fdiv", lambda a, b: a / b), ("fsub", lambda a, b: a - b)])
def test_single_arithmetic(op, fn):
    a, b = fs(s(1.1)), fs(s(3.3))
    r = run(f"{op} s0, s1, s2", v1=s(a), v2=s(b))
    want = fs(s(fn(a, b)))          # double rounding is innocuous for these (53 >= 2*24+2)
    assert low(r, 0, 128) == s(want)
    assert r["fpsr"] == (0 if Fraction(want) == fn(Fraction(a), Fraction(b)) else IXC)


def test_sqrt():
    r = run("fsqrt d0, d1; fsqrt s2, s3; fsqrt d4, d5", v1=d(2.0), v3=s(16.0), v5=d(-1.0))
    assert low(r, 0) == d(math.sqrt(2.0)) and low(r, 2) == s(4.0)
    assert low(r, 4) == DEFAULT_NAN_D and r["fpsr"] == IXC | IOC


def test_a_loop_of_host_fast_path_additions_sums_exactly():
    """Thousands of additions in one translated block (the JIT's host fast
    path) give the interpreter's bits and flags."""
    r = run("mov x0, #1000; 1: fadd d0, d0, d1; fmul d2, d2, d3; subs x0, x0, #1; b.ne 1b",
            v0=0, v1=d(0.1), v2=d(1.0), v3=d(1.0001))
    acc = 0.0
    p = 1.0
    for _ in range(1000):
        acc += 0.1
        p *= 1.0001
    assert low(r, 0) == d(acc) and low(r, 2) == d(p) and r["fpsr"] == IXC


def test_nan_propagation():
    # a signalling NaN wins over a quiet one, and is quietened (IOC)
    r = run("fadd d0, d1, d2", v1=QNAN_D, v2=SNAN_D)
    assert low(r, 0) == SNAN_D | 1 << 51 and r["fpsr"] == IOC
    # two quiet NaNs: the first operand's
    r = run("fmul d0, d1, d2", v1=QNAN_D, v2=QNAN_D ^ 0xF)
    assert low(r, 0) == QNAN_D and r["fpsr"] == 0
    # default NaN mode
    r = run("fsub s0, s1, s2", DN, v1=QNAN_S, v2=s(1.0))
    assert low(r, 0) == DEFAULT_NAN_S and r["fpsr"] == 0
    # inf - inf: invalid, default NaN
    r = run("fsub d0, d1, d1", v1=INF_D)
    assert low(r, 0) == DEFAULT_NAN_D and r["fpsr"] == IOC


def test_fabs_fneg_do_not_process_nans():
    r = run("fabs d0, d1; fneg s2, s3", v1=SNAN_D | 1 << 63, v3=SNAN_S)
    assert low(r, 0) == SNAN_D and low(r, 2) == SNAN_S | 1 << 31 and r["fpsr"] == 0


def test_flush_to_zero():
    # a denormal input is flushed (IDC); the result is exact
    r = run("fadd d0, d1, d2", FZ, v1=DENORMAL_D, v2=d(1.0))
    assert low(r, 0) == d(1.0) and r["fpsr"] == IDC
    # a tiny result is flushed to zero (UFC, no IXC)
    r = run("fmul d0, d1, d2", FZ, v1=MIN_NORMAL_D, v2=d(0.5))
    assert low(r, 0) == 0 and r["fpsr"] == UFC
    # without FZ: a subnormal, exact, so no underflow flag
    r = run("fmul d0, d1, d2", v1=MIN_NORMAL_D, v2=d(0.5))
    assert low(r, 0) == MIN_NORMAL_D >> 1 and r["fpsr"] == 0
    # tiny and inexact: UFC | IXC
    r = run("fmul d0, d1, d2", v1=MIN_NORMAL_D | 1, v2=d(0.5))
    assert r["fpsr"] == UFC | IXC


@pytest.mark.parametrize("mode,want", [(RN, 0x3FD5555555555555), (RP, 0x3FD5555555555556),
                                       (RM, 0x3FD5555555555555), (RZ, 0x3FD5555555555555)])
def test_rounding_modes(mode, want):
    r = run("fdiv d0, d1, d2", mode, v1=d(1.0), v2=d(3.0))
    assert low(r, 0) == want and r["fpsr"] == IXC
    r = run("fdiv d0, d1, d2", mode, v1=d(-1.0), v2=d(3.0))
    neg = {RN: want, RP: 0x3FD5555555555555, RM: 0x3FD5555555555556, RZ: 0x3FD5555555555555}[mode]
    assert low(r, 0) == neg | 1 << 63


@pytest.mark.parametrize("mode,want", [(RN, INF_D), (RP, INF_D), (RM, MAX_D), (RZ, MAX_D)])
def test_overflow(mode, want):
    r = run("fmul d0, d1, d2", mode, v1=MAX_D, v2=d(2.0))
    assert low(r, 0) == want and r["fpsr"] == OFC | IXC


def test_divide_by_zero():
    r = run("fdiv d0, d1, d2; fdiv s3, s4, s5", v1=d(-3.0), v2=0, v4=0, v5=0)
    assert low(r, 0) == INF_D | 1 << 63 and low(r, 3) == DEFAULT_NAN_S and r["fpsr"] == DZC | IOC


@pytest.mark.parametrize("src,a,b,nzcv,fpsr", [
    ("fcmp d1, d2", 1.0, 1.0, 0b0110, 0), ("fcmp d1, d2", 1.0, 2.0, 0b1000, 0),
    ("fcmp d1, d2", 2.0, 1.0, 0b0010, 0), ("fcmp d1, d2", 1.0, QNAN_D, 0b0011, 0),
    ("fcmpe d1, d2", 1.0, QNAN_D, 0b0011, IOC), ("fcmp d1, d2", SNAN_D, 1.0, 0b0011, IOC),
    ("fcmp d1, #0.0", -0.0, 5.0, 0b0110, 0), ("fcmpe d1, #0.0", -1.0, 5.0, 0b1000, 0)])
def test_fcmp(src, a, b, nzcv, fpsr):
    val = lambda x: x if isinstance(x, int) else d(x)
    r = run(src, v1=val(a), v2=val(b))
    assert r["nzcv"] == nzcv << 28 and r["fpsr"] == fpsr


def test_fccmp_compares_only_when_the_condition_holds():
    # Z clear: EQ fails: flags = #0b0101, and the signalling NaN raises nothing
    r = run("cmp x0, #1; fccmp d1, d2, #5, eq", x0=0, v1=SNAN_D, v2=d(1.0))
    assert r["nzcv"] == 5 << 28 and r["fpsr"] == 0
    r = run("cmp x0, #0; fccmpe d1, d2, #5, eq", x0=0, v1=d(1.0), v2=QNAN_D)
    assert r["nzcv"] == 0b0011 << 28 and r["fpsr"] == IOC
    r = run("cmp x0, #0; fccmp s1, s2, #0, eq", x0=0, v1=s(1.0), v2=s(2.0))
    assert r["nzcv"] == 0b1000 << 28


def test_fcsel():
    r = run("cmp x0, #0; fcsel d0, d1, d2, eq; fcsel s3, s1, s2, ne", x0=0, v1=d(1.0), v2=d(2.0) | 7 << 64)
    assert r["v0"] == d(1.0) and r["v3"] == d(2.0) & 0xFFFFFFFF


def test_fused_multiply_add_forms():
    a, n, m = 10.0, 3.0, 4.0
    r = run("fmadd d0, d1, d2, d3; fmsub d4, d1, d2, d3; fnmadd d5, d1, d2, d3; fnmsub d6, d1, d2, d3",
            v1=d(n), v2=d(m), v3=d(a))
    assert [fd(low(r, i)) for i in (0, 4, 5, 6)] == [a + n * m, a - n * m, -a - n * m, n * m - a]
    # one rounding: 1 - 0.1 * 10 is not 0 when fused (and exact: no IXC)
    r = run("fmsub d0, d1, d2, d3", v1=d(0.1), v2=d(10.0), v3=d(1.0))
    assert fd(low(r, 0)) == float(Fraction(1) - Fraction(0.1) * 10) != 0 and r["fpsr"] == 0
    # inf * 0 + qNaN: the default NaN and IOC (FPMulAdd)
    r = run("fmadd d0, d1, d2, d3", v1=INF_D, v2=0, v3=QNAN_D)
    assert low(r, 0) == DEFAULT_NAN_D and r["fpsr"] == IOC


def test_fnmul_negates_the_result():
    r = run("fnmul s0, s1, s2", v1=s(1.5), v2=s(2.0))
    assert low(r, 0) == s(-3.0)


def test_min_max():
    pz, nz = d(0.0), d(-0.0)
    r = run("fmax d0, d1, d2; fmin d3, d1, d2; fmaxnm d4, d1, d5; fminnm d6, d5, d2; fmax d7, d1, d5",
            v1=pz, v2=nz, v5=QNAN_D)
    assert low(r, 0) == pz and low(r, 3) == nz
    assert low(r, 4) == pz and low(r, 6) == nz and low(r, 7) == QNAN_D and r["fpsr"] == 0


def test_precision_conversions():
    r = run("fcvt s0, d1; fcvt d2, s3; fcvt h4, s3; fcvt d5, h6; fcvt h7, d8",
            v1=d(1.0 / 3), v3=s(1.0), v6=0x3C00, v8=d(65520.0))
    assert low(r, 0) == s(1.0 / 3) and low(r, 2) == d(1.0) and low(r, 4) == 0x3C00 and low(r, 5) == d(1.0)
    assert low(r, 7) == 0x7C00                   # 65520 rounds up past the largest half: infinity
    assert r["fpsr"] == IXC | OFC
    # a signalling NaN is quietened with its payload's top bits
    r = run("fcvt s0, d1", v1=SNAN_D | 0x0004000000000000)
    assert low(r, 0) == 0x7FE00000 and r["fpsr"] == IOC


def test_alternative_half_precision():
    ahp = 1 << 26
    r = run("fcvt h0, s1; fcvt h2, s3", ahp, v1=s(131008.0), v3=s(float("inf")))
    assert low(r, 0) == 0x7FFF and low(r, 2) == 0x7FFF and r["fpsr"] == IOC


@pytest.mark.parametrize("src,x,want,fpsr", [
    ("fcvtzs w0, d1", 2.9, 2, IXC), ("fcvtzs w0, d1", -2.9, (-2) & 0xFFFFFFFF, IXC),
    ("fcvtns w0, d1", 2.5, 2, IXC), ("fcvtas w0, d1", 2.5, 3, IXC), ("fcvtps x0, d1", 2.1, 3, IXC),
    ("fcvtms x0, d1", -2.1, (-3) & (2**64 - 1), IXC), ("fcvtzu w0, d1", -1.0, 0, IOC),
    ("fcvtzs w0, d1", 1e20, 0x7FFFFFFF, IOC), ("fcvtzs x0, d1", -1e20, 1 << 63, IOC),
    ("fcvtzu x0, d1", 1e30, 2**64 - 1, IOC), ("fcvtzs w0, d1", 7.0, 7, 0),
    ("fcvtzs w0, d1, #3", 1.5, 12, 0), ("fcvtzu x0, d1, #64", 0.5, 1 << 63, 0)])
def test_fp_to_integer(src, x, want, fpsr):
    r = run(src, v1=d(x))
    assert r["x0"] == want and r["fpsr"] == fpsr


def test_fp_to_integer_nan_is_zero_and_invalid():
    r = run("fcvtzs w0, s1; fcvtnu x2, d3", x0=5, x2=5, v1=QNAN_S, v3=QNAN_D)
    assert r["x0"] == 0 and r["x2"] == 0 and r["fpsr"] == IOC


def test_integer_to_fp():
    r = run("scvtf d0, x1; ucvtf d2, x1; scvtf s3, w4; ucvtf s5, w4, #32; scvtf d6, x7, #1",
            x1=2**64 - 1, x4=0x80000000, x7=3)
    assert low(r, 0) == d(-1.0) and low(r, 2) == d(2.0 ** 64) and low(r, 3) == s(-2.0 ** 31)
    assert low(r, 5) == s(0.5) and low(r, 6) == d(1.5) and r["fpsr"] == IXC
    r = run("ucvtf s0, x1", RZ, x1=2**64 - 1)
    assert low(r, 0) == 0x5F7FFFFF


@pytest.mark.parametrize("op,want", [("frintn", -2.0), ("frinta", -3.0), ("frintp", -2.0), ("frintm", -3.0),
                                     ("frintz", -2.0)])
def test_frint(op, want):
    r = run(f"{op} d0, d1", v1=d(-2.5))
    assert low(r, 0) == d(want) and r["fpsr"] == 0


def test_frintx_and_frinti_use_fpcr():
    r = run("frintx d0, d1; frinti d2, d1", RP, v1=d(2.25))
    assert low(r, 0) == d(3.0) and low(r, 2) == d(3.0) and r["fpsr"] == IXC
    r = run("frintm s0, s1", v1=s(-0.5))
    assert low(r, 0) == s(-1.0)
    r = run("frintz s0, s1", v1=s(-0.5))
    assert low(r, 0) == s(-0.0)


def test_fpcr_trap_enables_are_raz_wi():
    r = run("mov x0, #0x9f00; movk x0, #0x07ff, lsl #16; msr fpcr, x0; mrs x1, fpcr")
    assert r["x1"] == 0x07F70000


def test_results_that_underflow_to_zero_are_inexact():
    """A product or quotient too small even for a denormal rounds to zero with
    UFC|IXC (the JIT's host path must not take the host's zero as exact)."""
    r = run("fmul d0, d1, d2; fdiv d3, d1, d4; fmul s5, s6, s6; fmul d7, d8, d1", v1=d(1e-200), v2=d(-1e-200),
            v4=d(1e200), v6=s(1e-30), v8=0)
    assert low(r, 0) == 1 << 63 and low(r, 3) == 0 and low(r, 5) == 0 and low(r, 7) == 0
    assert r["fpsr"] == UFC | IXC
