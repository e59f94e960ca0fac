"""The floating-point operations semantics name (``e.fp(name, ...)``): one
registry, as runtime.helpers is for runtime helpers.

Each operation is ``fn(fpcr, a, b, c) -> (result, fpsr_flags)`` on bit
patterns, with everything static about it (element size, rounding, signedness,
destination width) in its name, so that a name fully says what it computes:
``add64``, ``cvt_32_64`` (to single from double), ``fcvtzs_64_32`` (double to
a 32-bit signed integer, rounding toward zero; ``c`` = the fixed-point
fraction bits)...  The arithmetic is translator.softfloat (exact, the ARM
pseudocode on Python integers): the interpreter calls it for every operation,
the JIT for the cases its host fast path does not cover.

Ids are positions in ``FP_NAMES``; generated code refers to them, so the code
cache key includes the list (translator/jit/cache.py).  Add new operations at
the end of their family or anywhere: reordering only invalidates the cache.
"""
from __future__ import annotations

from . import softfloat as sf

#: name -> fn(fpcr, a, b, c) -> (result, flags), in registration order (= ids)
FP_OPS: dict = {}
#: name -> width of the result in bits
FP_RESULT_BITS: dict = {}


def _reg(name, fn, bits):
    if name in FP_OPS:
        raise ValueError(f"two FP operations named {name}")
    FP_OPS[name] = fn
    FP_RESULT_BITS[name] = bits


_ROUND_LETTERS = {"n": sf.RN, "p": sf.RP, "m": sf.RM, "z": sf.RZ, "a": sf.RA}


def _register_all():
    for N in (32, 64):
        for op in ("add", "sub", "mul", "div", "mulx", "max", "min", "maxnm", "minnm",
                   "recip_step", "rsqrt_step"):
            f = getattr(sf, op)
            _reg(f"{op}{N}", lambda fpcr, a, b, c, f=f, N=N: f(N, a, b, fpcr), N)
        _reg(f"muladd{N}", lambda fpcr, a, b, c, N=N: sf.muladd(N, a, b, c, fpcr), N)   # a + b*c
        _reg(f"sqrt{N}", lambda fpcr, a, b, c, N=N: sf.sqrt(N, a, fpcr), N)
        for op in ("recip_estimate", "rsqrt_estimate", "recpx"):
            f = getattr(sf, op)
            _reg(f"{op}{N}", lambda fpcr, a, b, c, f=f, N=N: f(N, a, fpcr), N)
        # FCMP/FCMPE: NZCV in bits 3:0 of a 32-bit value
        _reg(f"cmp{N}", lambda fpcr, a, b, c, N=N: sf.compare(N, a, b, False, fpcr), 32)
        _reg(f"cmpe{N}", lambda fpcr, a, b, c, N=N: sf.compare(N, a, b, True, fpcr), 32)
        for op in ("eq", "ge", "gt"):
            f = getattr(sf, f"compare_{op}")
            _reg(f"cm{op}{N}", lambda fpcr, a, b, c, f=f, N=N: _bool(f(N, a, b, fpcr)), 1)
        # FRINT<r>: n p m z a (static rounding), i (FPCR's), x (FPCR's, exact)
        for r, mode in _ROUND_LETTERS.items():
            _reg(f"frint{r}{N}", lambda fpcr, a, b, c, m=mode, N=N: sf.round_int(N, a, fpcr, m, False), N)
        _reg(f"frinti{N}", lambda fpcr, a, b, c, N=N: sf.round_int(N, a, fpcr, sf.rounding_of(fpcr), False), N)
        _reg(f"frintx{N}", lambda fpcr, a, b, c, N=N: sf.round_int(N, a, fpcr, sf.rounding_of(fpcr), True), N)
        # FCVT<r><S|U> to a 32/64-bit integer; c = fraction bits (FCVTZ* fixed point)
        for M in (32, 64):
            for r, mode in _ROUND_LETTERS.items():
                for u in (False, True):
                    _reg(f"fcvt{r}{'u' if u else 's'}_{M}_{N}",
                         lambda fpcr, a, b, c, m=mode, u=u, N=N, M=M: sf.to_fixed(N, a, fpcr, m, c, u, M), M)
            # [SU]CVTF from a 32/64-bit integer, FPCR's rounding; c = fraction bits
            for u in (False, True):
                _reg(f"{'u' if u else 's'}cvtf_{N}_{M}",
                     lambda fpcr, a, b, c, u=u, N=N, M=M: sf.from_fixed(N, a, M, fpcr, sf.rounding_of(fpcr), c, u), N)
    # FCVT between precisions (to, from); FCVTXN rounds to odd
    for to in (16, 32, 64):
        for frm in (16, 32, 64):
            if to != frm:
                _reg(f"cvt_{to}_{frm}", lambda fpcr, a, b, c, t=to, f=frm: sf.convert(t, f, a, fpcr), to)
    _reg("cvtxn_32_64", lambda fpcr, a, b, c: sf.convert(32, 64, a, fpcr, sf.RO), 32)
    _reg("urecpe", lambda fpcr, a, b, c: (sf.unsigned_recip_estimate(a), 0), 32)
    _reg("ursqrte", lambda fpcr, a, b, c: (sf.unsigned_rsqrt_estimate(a), 0), 32)


def _bool(r):
    v, flags = r
    return (1 if v else 0), flags


_register_all()
FP_NAMES = tuple(FP_OPS)
FP_IDS = {n: i for i, n in enumerate(FP_NAMES)}
FP_FNS = tuple(FP_OPS.values())
