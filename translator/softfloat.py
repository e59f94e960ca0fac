"""Bit-exact software floating point on Python integers, after the ARMv8.0-A
shared pseudocode (ARM ARM, "shared/functions/float/..."; the Sail
translation is rems-project/sail-arm, arm-v8.5-a/model/aarch64_float.sail and
aarch64_vector.sail, of which the v8.0 subset is implemented here).

Scope (ARMv8.0-A): no FP16 arithmetic (half precision appears only in
conversions), no FPCR.FZ16 (half-precision values are never flushed to zero),
no FEAT_AFP / EBF16, floating-point exception trapping not implemented (the
trap-enable bits of FPCR are RAZ, so every exception only sets its cumulative
FPSR flag).

Every operand and result is a raw bit pattern (a Python int of N bits, N in
{16, 32, 64}; operands are not masked, so pass exactly N bits); every
operation returns ``(result, flags)`` where ``flags`` is an OR of the FPSR
cumulative bits IOC/DZC/OFC/UFC/IXC/IDC that the pseudocode's
FPProcessException calls (and its direct FPSR.UFC writes) set.
Nothing here touches host floats: an unpacked finite value is an exact
``(sign, mantissa, exponent)`` triple of integers with magnitude
``mantissa * 2**exponent``, and arithmetic results are formed exactly
(additions align the exponents, division and square root keep a sticky bit
below at least F+2 significant bits) before the one rounding that
FPRoundBase describes.  FPCR bits other than AHP, DN, FZ and RMode are
ignored (the trap enables are RAZ).
"""
from __future__ import annotations

from math import isqrt

__all__ = [
    "FPCR_AHP", "FPCR_DN", "FPCR_FZ", "RMODE_SHIFT",
    "IOC", "DZC", "OFC", "UFC", "IXC", "IDC",
    "RN", "RP", "RM", "RZ", "RA", "RO",
    "rounding_of", "add", "sub", "mul", "div", "mulx", "muladd", "sqrt",
    "max", "min", "maxnm", "minnm", "recip_step", "rsqrt_step",
    "recip_estimate", "rsqrt_estimate", "recpx", "round_int", "convert",
    "to_fixed", "from_fixed", "compare", "compare_eq", "compare_ge", "compare_gt",
    "unsigned_recip_estimate", "unsigned_rsqrt_estimate",
    "recip_estimate_int", "rsqrt_estimate_int", "default_nan",
]

FPCR_AHP = 1 << 26
FPCR_DN = 1 << 25
FPCR_FZ = 1 << 24
RMODE_SHIFT = 22

# FPSR cumulative exception bits
IOC, DZC, OFC, UFC, IXC, IDC = 1, 2, 4, 8, 16, 128

# FPRounding
RN, RP, RM, RZ, RA, RO = 0, 1, 2, 3, 4, 5

# FPType
_ZERO, _NONZERO, _INF, _QNAN, _SNAN = 0, 1, 2, 3, 4


class _Fmt:
    __slots__ = ("N", "E", "F", "bias", "minexp", "emax", "fmask", "sshift", "qbit", "dnan", "inf", "maxn",
                 "one_exp")

    def __init__(self, N: int, E: int) -> None:
        self.N, self.E = N, E
        self.F = F = N - E - 1
        self.bias = (1 << (E - 1)) - 1
        self.minexp = 1 - self.bias              # FPRoundBase's minimum_exp: -14, -126, -1022
        self.emax = (1 << E) - 1                 # all-ones exponent field
        self.fmask = (1 << F) - 1
        self.sshift = N - 1
        self.qbit = 1 << (F - 1)
        self.dnan = self.emax << F | self.qbit   # FPDefaultNaN
        self.inf = self.emax << F                # FPInfinity('0')
        self.maxn = (self.emax - 1) << F | self.fmask   # FPMaxNormal('0')
        self.one_exp = self.bias                 # biased exponent of 1.0


_FMT = {16: _Fmt(16, 5), 32: _Fmt(32, 8), 64: _Fmt(64, 11)}


def rounding_of(fpcr: int) -> int:
    """FPRoundingMode(fpcr): FPCR.RMode, bits 23:22 (FPDecodeRounding)."""
    return fpcr >> RMODE_SHIFT & 3


def default_nan(N: int) -> int:
    """FPDefaultNaN()."""
    return _FMT[N].dnan


# ---------------------------------------------------------------------------
# Unpacking, NaN processing, rounding


def _unpack(f: _Fmt, x: int, fpcr: int, ahp: bool = False):
    """FPUnpackBase (FPUnpack: ahp False, i.e. FPCR.AHP ignored; FPUnpackCV:
    ahp = FPCR.AHP).  Returns (type, sign, mant, exp, flags): a finite value
    is (-1)**sign * mant * 2**exp.  FPCR.FZ flushes single/double denormals
    to zero with IDC; half-precision inputs are never flushed (no FZ16 in
    ARMv8.0)."""
    F = f.F
    sign = x >> f.sshift & 1
    e = x >> F & f.emax
    frac = x & f.fmask
    if e == 0:
        if frac == 0:
            return _ZERO, sign, 0, 0, 0
        if fpcr & FPCR_FZ and f.N != 16:
            return _ZERO, sign, 0, 0, IDC
        return _NONZERO, sign, frac, f.minexp - F, 0
    if e == f.emax and not (ahp and f.N == 16):
        if frac == 0:
            return _INF, sign, 0, 0, 0
        return (_QNAN if frac & f.qbit else _SNAN), sign, 0, 0, 0
    return _NONZERO, sign, frac | 1 << F, e - f.bias - F, 0


def _process_nan(f: _Fmt, typ: int, op: int, fpcr: int):
    """FPProcessNaN: quieten a signalling NaN (IOC); FPCR.DN gives the
    default NaN."""
    flags = 0
    if typ == _SNAN:
        op |= f.qbit
        flags = IOC
    if fpcr & FPCR_DN:
        op = f.dnan
    return op, flags


def _process_nans(f: _Fmt, t1: int, t2: int, op1: int, op2: int, fpcr: int):
    """FPProcessNaNs (called only when t1 or t2 is a NaN): signalling NaNs
    before quiet ones, the first operand first."""
    if t1 == _SNAN:
        return _process_nan(f, t1, op1, fpcr)
    if t2 == _SNAN:
        return _process_nan(f, t2, op2, fpcr)
    if t1 == _QNAN:
        return _process_nan(f, t1, op1, fpcr)
    return _process_nan(f, t2, op2, fpcr)


def _unpack2(f: _Fmt, a: int, b: int, fpcr: int):
    """FPUnpack of both operands, then FPProcessNaNs: ((result, flags), None)
    when a NaN decides the result, else (None, (op1, op2, flags)) with each
    operand unpacked as (type, sign, mantissa, exponent)."""
    t1, s1, m1, e1, fl = _unpack(f, a, fpcr)
    t2, s2, m2, e2, fl2 = _unpack(f, b, fpcr)
    fl |= fl2
    if t1 >= _QNAN or t2 >= _QNAN:
        r, x = _process_nans(f, t1, t2, a, b, fpcr)
        return (r, fl | x), None
    return None, ((t1, s1, m1, e1), (t2, s2, m2, e2), fl)


def _process_nans3(f: _Fmt, t1, t2, t3, op1, op2, op3, fpcr):
    """FPProcessNaNs3 (called only when one of the types is a NaN)."""
    if t1 == _SNAN:
        return _process_nan(f, t1, op1, fpcr)
    if t2 == _SNAN:
        return _process_nan(f, t2, op2, fpcr)
    if t3 == _SNAN:
        return _process_nan(f, t3, op3, fpcr)
    if t1 == _QNAN:
        return _process_nan(f, t1, op1, fpcr)
    if t2 == _QNAN:
        return _process_nan(f, t2, op2, fpcr)
    return _process_nan(f, t3, op3, fpcr)


def _round(f: _Fmt, sign: int, mant: int, exp: int, fpcr: int, rounding: int, ahp: bool = False):
    """FPRoundBase of the nonzero real (-1)**sign * mant * 2**exp (mant > 0).

    FPRound is ahp=False (it clears FPCR.AHP); FPRoundCV passes ahp=FPCR.AHP.
    Flush-to-zero (FPCR.FZ, single/double only) tests the exponent of the
    unrounded value and gives a signed zero with UFC only.  Without FZ,
    tininess is detected before rounding and UFC is set when the result is
    tiny and inexact.  FPRounding_TIEAWAY is not used by the pseudocode here
    (asserted out); it is accepted and rounds half away from zero."""
    F = f.F
    minexp = f.minexp
    top = mant.bit_length() - 1 + exp            # 2**top <= |value| < 2**(top+1)
    if top < minexp:
        if fpcr & FPCR_FZ and f.N != 16:
            return sign << f.sshift, UFC
        biased = 0
        shift = exp - minexp + F                 # int_mant = RoundDown(|value| * 2**(F - minimum_exp))
    else:
        biased = top - minexp + 1
        shift = exp - top + F                    # int_mant = RoundDown(|value| * 2**(F - top))
    flags = 0
    inexact = False
    if shift >= 0:
        int_mant = mant << shift
    else:
        s = -shift
        int_mant = mant >> s
        rem = mant & ((1 << s) - 1)              # error = rem / 2**s
        if rem:
            inexact = True
            if biased == 0:
                flags = UFC
            if rounding == RN:
                half = 1 << (s - 1)
                up = rem > half or (rem == half and int_mant & 1)
            elif rounding == RP:
                up = not sign
            elif rounding == RM:
                up = sign
            elif rounding == RA:
                up = rem >= 1 << (s - 1)
            else:                                # RZ, RO
                up = False
            if up:
                int_mant += 1
                if int_mant == 1 << F:           # denormal rounded up to the smallest normal
                    biased = 1
                elif int_mant == 2 << F:         # carried into the next binade
                    biased += 1
                    int_mant >>= 1
            if rounding == RO:
                int_mant |= 1
    if ahp and f.N == 16:
        # Alternative half precision: no infinities; an out-of-range result
        # is the largest magnitude with Invalid Operation and no Inexact.
        if biased >= 1 << f.E:
            return sign << 15 | 0x7FFF, flags | IOC
    elif biased >= f.emax:
        if rounding == RN or rounding == RA:
            to_inf = True
        elif rounding == RP:
            to_inf = not sign
        elif rounding == RM:
            to_inf = bool(sign)
        else:
            to_inf = False
        return sign << f.sshift | (f.inf if to_inf else f.maxn), flags | OFC | IXC
    if inexact:
        flags |= IXC
    return sign << f.sshift | biased << F | (int_mant & f.fmask), flags


def _zero_sign(rounding: int) -> int:
    """Sign of an exact zero sum: -0 only when rounding towards -inf."""
    return 1 if rounding == RM else 0


def _sum(s1, m1, e1, s2, m2, e2):
    """Exact (-1)**s1*m1*2**e1 + (-1)**s2*m2*2**e2 as (sign, mant, exp); mant
    may be 0."""
    if e1 >= e2:
        n = (-m1 if s1 else m1) << (e1 - e2)
        n += -m2 if s2 else m2
        e = e2
    else:
        n = (-m2 if s2 else m2) << (e2 - e1)
        n += -m1 if s1 else m1
        e = e1
    if n < 0:
        return 1, -n, e
    return 0, n, e


# ---------------------------------------------------------------------------
# Arithmetic


def _addsub(N, op1, op2, fpcr, negate2):
    f = _FMT[N]
    nan, ops = _unpack2(f, op1, op2, fpcr)
    if nan:
        return nan
    (t1, s1, m1, e1), (t2, s2, m2, e2), fl = ops
    rounding = fpcr >> RMODE_SHIFT & 3
    s2 ^= negate2                                # FPSub: value1 - value2
    inf1 = t1 == _INF
    inf2 = t2 == _INF
    if inf1 and inf2 and s1 != s2:
        return f.dnan, fl | IOC
    if inf1 or inf2:
        return (s1 if inf1 else s2) << f.sshift | f.inf, fl
    if t1 == _ZERO and t2 == _ZERO and s1 == s2:
        return s1 << f.sshift, fl
    s, m, e = _sum(s1, m1, e1, s2, m2, e2)
    if m == 0:
        return _zero_sign(rounding) << f.sshift, fl
    r, x = _round(f, s, m, e, fpcr, rounding)
    return r, fl | x


def add(N, a, b, fpcr):
    """FPAdd."""
    return _addsub(N, a, b, fpcr, 0)


def sub(N, a, b, fpcr):
    """FPSub (NaN operands propagate unnegated)."""
    return _addsub(N, a, b, fpcr, 1)


def _mul(N, op1, op2, fpcr, x_form):
    f = _FMT[N]
    nan, ops = _unpack2(f, op1, op2, fpcr)
    if nan:
        return nan
    (t1, s1, m1, e1), (t2, s2, m2, e2), fl = ops
    s = s1 ^ s2
    if (t1 == _INF and t2 == _ZERO) or (t1 == _ZERO and t2 == _INF):
        if x_form:                               # FPMulX: 2.0 with the product's sign
            return s << f.sshift | 1 << (N - 2), fl
        return f.dnan, fl | IOC
    if t1 == _INF or t2 == _INF:
        return s << f.sshift | f.inf, fl
    if t1 == _ZERO or t2 == _ZERO:
        return s << f.sshift, fl
    r, x = _round(f, s, m1 * m2, e1 + e2, fpcr, fpcr >> RMODE_SHIFT & 3)
    return r, fl | x


def mul(N, a, b, fpcr):
    """FPMul."""
    return _mul(N, a, b, fpcr, False)


def mulx(N, a, b, fpcr):
    """FPMulX: as FPMul, but infinity times zero is 2.0 (signed), not a NaN."""
    return _mul(N, a, b, fpcr, True)


def div(N, a, b, fpcr):
    """FPDiv."""
    f = _FMT[N]
    nan, ops = _unpack2(f, a, b, fpcr)
    if nan:
        return nan
    (t1, s1, m1, e1), (t2, s2, m2, e2), fl = ops
    s = s1 ^ s2
    if (t1 == _INF and t2 == _INF) or (t1 == _ZERO and t2 == _ZERO):
        return f.dnan, fl | IOC
    if t1 == _INF or t2 == _ZERO:
        return s << f.sshift | f.inf, fl | (0 if t1 == _INF else DZC)
    if t1 == _ZERO or t2 == _INF:
        return s << f.sshift, fl
    # quotient with at least F+2 significant bits, then a sticky bit
    k = f.F + 2 + m2.bit_length() - m1.bit_length()
    if k < 0:
        k = 0
    q, r = divmod(m1 << k, m2)
    res, x = _round(f, s, q << 1 | (r != 0), e1 - e2 - k - 1, fpcr, fpcr >> RMODE_SHIFT & 3)
    return res, fl | x


def sqrt(N, a, fpcr):
    """FPSqrt."""
    f = _FMT[N]
    t, s, m, e, fl = _unpack(f, a, fpcr)
    if t >= _QNAN:
        r, x = _process_nan(f, t, a, fpcr)
        return r, fl | x
    if t == _ZERO:
        return s << f.sshift, fl
    if s:
        return f.dnan, fl | IOC
    if t == _INF:
        return f.inf, fl
    if e & 1:
        m <<= 1
        e -= 1
    k = f.F + 3 - (m.bit_length() >> 1)          # root with at least F+2 bits
    if k < 0:
        k = 0
    M = m << 2 * k
    r = isqrt(M)
    res, x = _round(f, 0, r << 1 | (r * r != M), (e >> 1) - k - 1, fpcr, fpcr >> RMODE_SHIFT & 3)
    return res, fl | x


def _fused(f, fpcr, tA, sA, mA, eA, t1, s1, m1, e1, t2, s2, m2, e2, fl):
    """The non-NaN part of FPMulAdd: addend + op1*op2, one rounding."""
    rounding = fpcr >> RMODE_SHIFT & 3
    inf1, zero1 = t1 == _INF, t1 == _ZERO
    inf2, zero2 = t2 == _INF, t2 == _ZERO
    sP = s1 ^ s2
    infP = inf1 or inf2
    infA = tA == _INF
    if (inf1 and zero2) or (zero1 and inf2) or (infA and infP and sA != sP):
        return f.dnan, fl | IOC
    if (infA and sA == 0) or (infP and sP == 0):
        return f.inf, fl
    if infA or infP:
        return 1 << f.sshift | f.inf, fl
    zeroP = zero1 or zero2
    if tA == _ZERO and zeroP and sA == sP:
        return sA << f.sshift, fl
    s, m, e = _sum(sA, mA, eA, sP, m1 * m2, e1 + e2)
    if m == 0:
        return _zero_sign(rounding) << f.sshift, fl
    r, x = _round(f, s, m, e, fpcr, rounding)
    return r, fl | x


def muladd(N, addend, a, b, fpcr):
    """FPMulAdd: addend + a*b with a single rounding.  NaNs are processed in
    the order (addend, a, b) (FPProcessNaNs3); a quiet-NaN addend with
    infinity times zero gives the default NaN and IOC."""
    f = _FMT[N]
    tA, sA, mA, eA, fl = _unpack(f, addend, fpcr)
    t1, s1, m1, e1, x1 = _unpack(f, a, fpcr)
    t2, s2, m2, e2, x2 = _unpack(f, b, fpcr)
    fl |= x1 | x2
    if tA >= _QNAN or t1 >= _QNAN or t2 >= _QNAN:
        r, x = _process_nans3(f, tA, t1, t2, addend, a, b, fpcr)
        if tA == _QNAN and ((t1 == _INF and t2 == _ZERO) or (t1 == _ZERO and t2 == _INF)):
            return f.dnan, fl | x | IOC
        return r, fl | x
    return _fused(f, fpcr, tA, sA, mA, eA, t1, s1, m1, e1, t2, s2, m2, e2, fl)


def _step(N, a, b, fpcr, three):
    """FPRecipStepFused (three=False): 2 - a*b; FPRSqrtStepFused
    (three=True): (3 - a*b)/2; fused, op1 negated before anything else (so a
    NaN op1 comes back negated)."""
    f = _FMT[N]
    a ^= 1 << f.sshift                           # op1 = FPNeg(op1)
    t1, s1, m1, e1, fl = _unpack(f, a, fpcr)
    t2, s2, m2, e2, x2 = _unpack(f, b, fpcr)
    fl |= x2
    if t1 >= _QNAN or t2 >= _QNAN:
        r, x = _process_nans(f, t1, t2, a, b, fpcr)
        return r, fl | x
    if (t1 == _INF and t2 == _ZERO) or (t1 == _ZERO and t2 == _INF):
        if three:                                # FPOnePointFive('0')
            return (f.bias << f.F) | 1 << (f.F - 1), fl
        return 1 << (N - 2), fl                  # FPTwo('0')
    if t1 == _INF or t2 == _INF:
        return (s1 ^ s2) << f.sshift | f.inf, fl
    rounding = fpcr >> RMODE_SHIFT & 3
    if three:
        s, m, e = _sum(0, 3, -1, s1 ^ s2, m1 * m2, e1 + e2 - 1)
    else:
        s, m, e = _sum(0, 1, 1, s1 ^ s2, m1 * m2, e1 + e2)
    if m == 0:
        return _zero_sign(rounding) << f.sshift, fl
    r, x = _round(f, s, m, e, fpcr, rounding)
    return r, fl | x


def recip_step(N, a, b, fpcr):
    """FPRecipStepFused: 2.0 - a*b (FRECPS); inf*0 gives +2.0."""
    return _step(N, a, b, fpcr, False)


def rsqrt_step(N, a, b, fpcr):
    """FPRSqrtStepFused: (3.0 - a*b)/2 (FRSQRTS); inf*0 gives +1.5."""
    return _step(N, a, b, fpcr, True)


# ---------------------------------------------------------------------------
# Comparisons, maximum and minimum


def _cmp(t1, s1, m1, e1, t2, s2, m2, e2):
    """Compare two non-NaN unpacked values: -1, 0, 1 (zeros equal)."""
    if t1 == _INF or t2 == _INF:
        k1 = (-1 if s1 else 1) if t1 == _INF else 0
        k2 = (-1 if s2 else 1) if t2 == _INF else 0
        return (k1 > k2) - (k1 < k2)
    n1 = -m1 if s1 else m1
    n2 = -m2 if s2 else m2
    if n1 == 0 or n2 == 0 or s1 != s2:
        return (n1 > n2) - (n1 < n2)
    # same sign, both nonzero: the binade decides unless it is the same
    top1 = m1.bit_length() + e1
    top2 = m2.bit_length() + e2
    if top1 != top2:
        c = 1 if top1 > top2 else -1
    else:
        if e1 >= e2:
            m1 <<= e1 - e2
        else:
            m2 <<= e2 - e1
        c = (m1 > m2) - (m1 < m2)
    return -c if s1 else c


def compare(N, a, b, signal_nans, fpcr):
    """FPCompare -> (NZCV as a 4-bit int, flags): 0b0110 equal, 0b1000 less
    than, 0b0010 greater than, 0b0011 unordered.  IOC for a signalling NaN,
    or any NaN when signal_nans (FCMPE)."""
    f = _FMT[N]
    t1, s1, m1, e1, fl = _unpack(f, a, fpcr)
    t2, s2, m2, e2, x2 = _unpack(f, b, fpcr)
    fl |= x2
    if t1 >= _QNAN or t2 >= _QNAN:
        if t1 == _SNAN or t2 == _SNAN or signal_nans:
            fl |= IOC
        return 0b0011, fl
    c = _cmp(t1, s1, m1, e1, t2, s2, m2, e2)
    return (0b0110 if c == 0 else 0b1000 if c < 0 else 0b0010), fl


def compare_eq(N, a, b, fpcr):
    """FPCompareEQ: IOC only for a signalling NaN."""
    f = _FMT[N]
    t1, s1, m1, e1, fl = _unpack(f, a, fpcr)
    t2, s2, m2, e2, x2 = _unpack(f, b, fpcr)
    fl |= x2
    if t1 >= _QNAN or t2 >= _QNAN:
        return False, fl | (IOC if t1 == _SNAN or t2 == _SNAN else 0)
    return _cmp(t1, s1, m1, e1, t2, s2, m2, e2) == 0, fl


def compare_ge(N, a, b, fpcr):
    """FPCompareGE: IOC for any NaN."""
    f = _FMT[N]
    t1, s1, m1, e1, fl = _unpack(f, a, fpcr)
    t2, s2, m2, e2, x2 = _unpack(f, b, fpcr)
    fl |= x2
    if t1 >= _QNAN or t2 >= _QNAN:
        return False, fl | IOC
    return _cmp(t1, s1, m1, e1, t2, s2, m2, e2) >= 0, fl


def compare_gt(N, a, b, fpcr):
    """FPCompareGT: IOC for any NaN."""
    f = _FMT[N]
    t1, s1, m1, e1, fl = _unpack(f, a, fpcr)
    t2, s2, m2, e2, x2 = _unpack(f, b, fpcr)
    fl |= x2
    if t1 >= _QNAN or t2 >= _QNAN:
        return False, fl | IOC
    return _cmp(t1, s1, m1, e1, t2, s2, m2, e2) > 0, fl


def _maxmin(f, op1, op2, fpcr, is_max, fl):
    t1, s1, m1, e1, x1 = _unpack(f, op1, fpcr)
    t2, s2, m2, e2, x2 = _unpack(f, op2, fpcr)
    fl |= x1 | x2
    if t1 >= _QNAN or t2 >= _QNAN:
        r, x = _process_nans(f, t1, t2, op1, op2, fpcr)
        return r, fl | x
    c = _cmp(t1, s1, m1, e1, t2, s2, m2, e2)
    if (c > 0) if is_max else (c < 0):
        t, s, op = t1, s1, op1
    else:
        t, s, op = t2, s2, op2
    if t == _INF:
        return s << f.sshift | f.inf, fl
    if t == _ZERO:
        s = (s1 & s2) if is_max else (s1 | s2)
        return s << f.sshift, fl
    # FPRound(value, fpcr) of an operand's own nonzero value is exact and
    # raises nothing (with FZ it cannot be a denormal: it was flushed): the
    # operand itself.
    return op, fl


# max/min are the API's names; they shadow the builtins in this module, which
# uses neither builtin.
def max(N, a, b, fpcr):
    """FPMax (+0 is greater than -0)."""
    return _maxmin(_FMT[N], a, b, fpcr, True, 0)


def min(N, a, b, fpcr):
    """FPMin (-0 is less than +0)."""
    return _maxmin(_FMT[N], a, b, fpcr, False, 0)


def _num(f, a, b, fpcr, is_max):
    """FPMaxNum / FPMinNum: a quiet NaN against a non-quiet-NaN operand is
    replaced by -inf (max) / +inf (min); the FPUnpack here already flags
    input denormals (IDC)."""
    t1, _, _, _, fl = _unpack(f, a, fpcr)
    t2, _, _, _, x2 = _unpack(f, b, fpcr)
    fl |= x2
    repl = (1 << f.sshift | f.inf) if is_max else f.inf
    if t1 == _QNAN and t2 != _QNAN:
        a = repl
    elif t1 != _QNAN and t2 == _QNAN:
        b = repl
    return _maxmin(f, a, b, fpcr, is_max, fl)


def maxnm(N, a, b, fpcr):
    """FPMaxNum."""
    return _num(_FMT[N], a, b, fpcr, True)


def minnm(N, a, b, fpcr):
    """FPMinNum."""
    return _num(_FMT[N], a, b, fpcr, False)


# ---------------------------------------------------------------------------
# Rounding to integral, conversions


def _int_round(n: int, k: int, rounding: int):
    """RoundDown(n / 2**k) and the round_up decision of FPRoundInt /
    FPToFixed (k > 0).  Returns (rounded integer, inexact)."""
    ir = n >> k
    rem = n & ((1 << k) - 1)
    if not rem:
        return ir, False
    if rounding == RN:
        half = 1 << (k - 1)
        up = rem > half or (rem == half and ir & 1)
    elif rounding == RP:
        up = True
    elif rounding == RM:
        up = False
    elif rounding == RZ:
        up = ir < 0
    else:                                        # RA
        half = 1 << (k - 1)
        up = rem > half or (rem == half and ir >= 0)
    return ir + 1 if up else ir, True


def round_int(N, a, fpcr, rounding, exact):
    """FPRoundInt (FRINTN/P/M/Z/A with the given rounding; FRINTI/X with
    FPCR's; exact=True (FRINTX) sets IXC when the result differs)."""
    f = _FMT[N]
    t, s, m, e, fl = _unpack(f, a, fpcr)
    if t >= _QNAN:
        r, x = _process_nan(f, t, a, fpcr)
        return r, fl | x
    if t == _INF:
        return s << f.sshift | f.inf, fl
    if t == _ZERO or e >= 0:
        # zero, or already an integer: FPRound(Real(int_result)) is the operand
        return (s << f.sshift if t == _ZERO else a), fl
    ir, inexact = _int_round(-m if s else m, -e, rounding)
    if ir == 0:
        r = s << f.sshift
    else:
        r, _ = _round(f, 1 if ir < 0 else 0, -ir if ir < 0 else ir, 0, fpcr, RZ)   # exact
    if inexact and exact:
        fl |= IXC
    return r, fl


def _convert_nan(fi: _Fmt, fo: _Fmt, op: int) -> int:
    """FPConvertNaN: sign, all-ones exponent and quiet bit, then the top
    fraction bits below the quiet bit."""
    frac51 = (op & (fi.qbit - 1)) << (52 - fi.F)
    return (op >> fi.sshift) << fo.sshift | fo.emax << fo.F | fo.qbit | frac51 >> (52 - fo.F)


def convert(to_N, from_N, a, fpcr, rounding=None):
    """FPConvert from from_N to to_N bits (FCVT; FCVTXN with rounding=RO).
    Half precision uses the alternative format when FPCR.AHP is set: no
    infinities or NaNs there, so a NaN input gives a signed zero and an
    infinity the largest magnitude, both with IOC; an AHP input with the
    all-ones exponent is a number.  FPUnpackCV/FPRoundCV: FPCR.FZ flushes
    single/double inputs and outputs, never half-precision ones."""
    fi = _FMT[from_N]
    fo = _FMT[to_N]
    if rounding is None:
        rounding = fpcr >> RMODE_SHIFT & 3
    ahp = bool(fpcr & FPCR_AHP)
    t, s, m, e, fl = _unpack(fi, a, fpcr, ahp)
    alt_hp = ahp and to_N == 16
    if t >= _QNAN:
        if alt_hp:
            r = s << 15
        elif fpcr & FPCR_DN:
            r = fo.dnan
        else:
            r = _convert_nan(fi, fo, a)
        if t == _SNAN or alt_hp:
            fl |= IOC
        return r, fl
    if t == _INF:
        if alt_hp:
            return s << 15 | 0x7FFF, fl | IOC
        return s << fo.sshift | fo.inf, fl
    if t == _ZERO:
        return s << fo.sshift, fl
    r, x = _round(fo, s, m, e, fpcr, rounding, ahp)
    return r, fl | x


def to_fixed(N, a, fpcr, rounding, fbits, unsigned, M):
    """FPToFixed: the N-bit float a times 2**fbits rounded to an M-bit
    (signed or unsigned) integer, returned as an M-bit pattern.  Out of
    range saturates with IOC (and no IXC); a NaN gives 0 with IOC."""
    f = _FMT[N]
    t, s, m, e, fl = _unpack(f, a, fpcr)
    if t >= _QNAN:
        return 0, fl | IOC
    if t == _ZERO:
        return 0, fl
    mask = (1 << M) - 1
    if unsigned:
        lo, hi = 0, mask
    else:
        lo, hi = -(1 << (M - 1)), (1 << (M - 1)) - 1
    if t == _INF:                                 # value 2^1000000: saturates
        return (lo if s else hi) & mask, fl | IOC
    sh = e + fbits
    n = -m if s else m
    if sh >= 0:
        if sh > M:                                # |value| >= 2**(M+1): out of range
            return (lo if s else hi) & mask, fl | IOC
        ir, inexact = n << sh, False
    else:
        ir, inexact = _int_round(n, -sh, rounding)
    if ir > hi:
        return hi, fl | IOC
    if ir < lo:
        return lo & mask, fl | IOC
    return ir & mask, fl | (IXC if inexact else 0)


def from_fixed(N, x, M, fpcr, rounding, fbits, unsigned):
    """FixedToFP: the M-bit pattern x (signed or unsigned) over 2**fbits,
    rounded to N bits; zero gives +0."""
    x &= (1 << M) - 1
    if not unsigned and x >> (M - 1):
        x -= 1 << M
    if x == 0:
        return 0, 0
    if x < 0:
        return _round(_FMT[N], 1, -x, -fbits, fpcr, rounding)
    return _round(_FMT[N], 0, x, -fbits, fpcr, rounding)


# ---------------------------------------------------------------------------
# Estimates


def _recip_estimate_loop(a: int) -> int:
    """RecipEstimate(a), 256 <= a < 512, as the pseudocode computes it."""
    assert 256 <= a < 512
    a = a * 2 + 1
    b = (1 << 19) // a
    r = (b + 1) // 2
    assert 256 <= r < 512
    return r


def _rsqrt_estimate_loop(a: int, start: int = 512) -> int:
    """RecipSqrtEstimate(a), 128 <= a < 512, as the pseudocode computes it
    (start > 512 skips loop iterations known to pass)."""
    assert 128 <= a < 512
    if a < 256:
        a = a * 2 + 1
    else:
        a = (a >> 1) << 1
        a = (a + 1) * 2
    b = start
    while a * (b + 1) * (b + 1) < 1 << 28:
        b += 1
    r = (b + 1) // 2
    assert 256 <= r < 512
    return r


def _rsqrt_start(a: int) -> int:
    """A b with every 512 <= b' < b passing the loop test of
    RecipSqrtEstimate (a*(b'+1)**2 < 2**28), so the loop may start there."""
    aa = a * 2 + 1 if a < 256 else ((a >> 1) << 1) * 2 + 2
    s = isqrt(((1 << 28) - 1) // aa)              # aa * s*s < 2**28
    return s if s > 512 else 512


_RECIP_TABLE = [0] * 256 + [_recip_estimate_loop(a) for a in range(256, 512)]
_RSQRT_TABLE = [0] * 128 + [_rsqrt_estimate_loop(a, _rsqrt_start(a)) for a in range(128, 512)]


def recip_estimate_int(a: int) -> int:
    """RecipEstimate: 9-bit reciprocal estimate of a/512, 256 <= a < 512."""
    return _RECIP_TABLE[a]


def rsqrt_estimate_int(a: int) -> int:
    """RecipSqrtEstimate: 9-bit reciprocal square root estimate, 128 <= a < 512."""
    return _RSQRT_TABLE[a]


def unsigned_recip_estimate(x: int) -> int:
    """UnsignedRecipEstimate (URECPE) of a 32-bit element."""
    x &= 0xFFFFFFFF
    if not x >> 31:
        return 0xFFFFFFFF
    return _RECIP_TABLE[x >> 23] << 23


def unsigned_rsqrt_estimate(x: int) -> int:
    """UnsignedRSqrtEstimate (URSQRTE) of a 32-bit element."""
    x &= 0xFFFFFFFF
    if not x >> 30:
        return 0xFFFFFFFF
    return _RSQRT_TABLE[x >> 23] << 23


def recip_estimate(N, a, fpcr):
    """FPRecipEstimate (FRECPE), N in {32, 64}."""
    assert N in (32, 64)
    f = _FMT[N]
    t, s, m, e, fl = _unpack(f, a, fpcr)
    if t >= _QNAN:
        r, x = _process_nan(f, t, a, fpcr)
        return r, fl | x
    if t == _INF:
        return s << f.sshift, fl
    if t == _ZERO:
        return s << f.sshift | f.inf, fl | DZC
    top = m.bit_length() - 1 + e                 # 2**top <= |value|
    if top < (-128 if N == 32 else -1024):       # Abs(value) < 2.0^-128 / 2.0^-1024: the result overflows
        rounding = fpcr >> RMODE_SHIFT & 3
        if rounding == RN:
            to_inf = True
        elif rounding == RP:
            to_inf = not s
        elif rounding == RM:
            to_inf = bool(s)
        else:
            to_inf = False
        return s << f.sshift | (f.inf if to_inf else f.maxn), fl | OFC | IXC
    if fpcr & FPCR_FZ and top >= (126 if N == 32 else 1022):
        return s << f.sshift, fl | UFC           # result would be tiny: flushed, FPSR.UFC
    # fraction as the 52-bit double-precision fraction, exp the biased exponent
    F = f.F
    fraction = (a & f.fmask) << (52 - F)
    exp = a >> F & f.emax
    M52 = (1 << 52) - 1
    if exp == 0:
        if not fraction >> 51:
            exp = -1
            fraction = fraction << 2 & M52
        else:
            fraction = fraction << 1 & M52
    scaled = 256 | fraction >> 44
    result_exp = (253 if N == 32 else 2045) - exp
    fraction = (_RECIP_TABLE[scaled] & 0xFF) << 44
    if result_exp == 0:
        fraction = 1 << 51 | fraction >> 1
    elif result_exp == -1:
        fraction = 1 << 50 | fraction >> 2
        result_exp = 0
    return s << f.sshift | (result_exp & f.emax) << F | fraction >> (52 - F), fl


def rsqrt_estimate(N, a, fpcr):
    """FPRSqrtEstimate (FRSQRTE), N in {32, 64}."""
    assert N in (32, 64)
    f = _FMT[N]
    t, s, m, e, fl = _unpack(f, a, fpcr)
    if t >= _QNAN:
        r, x = _process_nan(f, t, a, fpcr)
        return r, fl | x
    if t == _ZERO:
        return s << f.sshift | f.inf, fl | DZC
    if s:
        return f.dnan, fl | IOC
    if t == _INF:
        return 0, fl
    F = f.F
    fraction = (a & f.fmask) << (52 - F)
    exp = a >> F & f.emax
    M52 = (1 << 52) - 1
    if exp == 0:
        while not fraction >> 51:
            fraction = fraction << 1 & M52
            exp -= 1
        fraction = fraction << 1 & M52
    if exp & 1 == 0:
        scaled = 256 | fraction >> 44
    else:
        scaled = 128 | fraction >> 45
    result_exp = ((380 if N == 32 else 3068) - exp) // 2
    est = _RSQRT_TABLE[scaled] & 0xFF
    return (result_exp & f.emax) << F | est << (F - 8), fl


def recpx(N, a, fpcr):
    """FPRecpX (FRECPX): exponent inverted, fraction zero; a zero or
    denormal exponent gives the maximum finite exponent."""
    f = _FMT[N]
    t, s, _, _, fl = _unpack(f, a, fpcr)
    if t >= _QNAN:
        r, x = _process_nan(f, t, a, fpcr)
        return r, fl | x
    exp = a >> f.F & f.emax
    if exp == 0:
        return s << f.sshift | (f.emax - 1) << f.F, fl
    return s << f.sshift | (~exp & f.emax) << f.F, fl
