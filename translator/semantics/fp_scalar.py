"""Scalar floating point (ARM ARM C3.6.23-C3.6.30; encodings C4.1.91):
data processing with 1, 2 and 3 sources, compares and conditional compares,
conditional select, conversions between precisions, to and from integers
and fixed point, and rounding to integral.

The arithmetic is the FP operations of translator.fpops (e.g.
``e.fp("add64", a, b)``): exact, FPCR-controlled, FPSR flags accumulated.
What the pseudocode does around them (FPNeg of operands or results, the
choice of operands, the flags of conditional compares) is here.  ``ptype``
selects single (0), double (1) or half precision (3: conversions only).
"""
from __future__ import annotations

from . import semantics

SIZE = {0: 32, 1: 64, 3: 16}


def _neg(e, v, n):
    """FPNeg(): the sign bit flipped (NaNs included)."""
    return e.xor(v, 1 << (n - 1), n)


# ---- data processing, one source (FABS FNEG FSQRT FCVT FRINT*) ---------------
_FRINT = {8: "n", 9: "p", 10: "m", 11: "z", 12: "a", 14: "x", 15: "i"}


@semantics("fp_dp1")
def fp_dp1(e, f):
    e.check_fp()
    n = SIZE[f.ptype]
    op = f.opcode
    a = e.rv(f.Rn, n)
    if op == 1:                                   # FABS
        r = e.and_(a, (1 << (n - 1)) - 1, n)
    elif op == 2:                                 # FNEG
        r = _neg(e, a, n)
    elif op == 3:
        r = e.fp(f"sqrt{n}", a)
    elif op >> 2 == 1:                            # FCVT: opc = destination type
        to = SIZE[op & 3]
        e.wv(f.Rd, e.fp(f"cvt_{to}_{n}", a), to)
        return
    else:
        r = e.fp(f"frint{_FRINT[op]}{n}", a)
    e.wv(f.Rd, r, n)


# ---- data processing, two sources ------------------------------------------
_DP2 = {0: "mul", 1: "div", 2: "add", 3: "sub", 4: "max", 5: "min", 6: "maxnm", 7: "minnm", 8: "mul"}


@semantics("fp_dp2")
def fp_dp2(e, f):
    e.check_fp()
    n = SIZE[f.ptype]
    r = e.fp(f"{_DP2[f.opcode]}{n}", e.rv(f.Rn, n), e.rv(f.Rm, n))
    if f.opcode == 8:                             # FNMUL: FPNeg(FPMul())
        r = _neg(e, r, n)
    e.wv(f.Rd, r, n)


# ---- data processing, three sources (FMADD FMSUB FNMADD FNMSUB) --------------
@semantics("fp_dp3")
def fp_dp3(e, f):
    e.check_fp()
    n = SIZE[f.ptype]
    addend, op1, op2 = e.rv(f.Ra, n), e.rv(f.Rn, n), e.rv(f.Rm, n)
    if f.o1:                                      # opa_neg
        addend = _neg(e, addend, n)
    if f.o0 != f.o1:                              # op1_neg
        op1 = _neg(e, op1, n)
    e.wv(f.Rd, e.fp(f"muladd{n}", addend, op1, op2), n)


# ---- compares ------------------------------------------------------------------
def _set_nzcv4(e, v):
    bit = [e.cmp("ne", e.and_(v, 1 << i, 32), 0, 32) for i in (3, 2, 1, 0)]
    e.set_nzcv(*bit)


@semantics("fp_cmp")
def fp_cmp(e, f):
    """FCMP/FCMPE with a register or #0.0 (opc bit 0; Rm is then ignored)."""
    e.check_fp()
    n = SIZE[f.ptype]
    b = 0 if f.opc & 1 else e.rv(f.Rm, n)
    _set_nzcv4(e, e.fp(f"{'cmpe' if f.opc & 2 else 'cmp'}{n}", e.rv(f.Rn, n), b))


@semantics("fp_ccmp")
def fp_ccmp(e, f):
    """FCCMP/FCCMPE: the compare (and its FPSR flags) only when the condition holds."""
    e.check_fp()
    n = SIZE[f.ptype]
    holds = e.cond(f.cond)
    nz = f.nzcv
    e.set_nzcv(nz >> 3 & 1, nz >> 2 & 1, nz >> 1 & 1, nz & 1)
    a, b = e.rv(f.Rn, n), e.rv(f.Rm, n)
    e.if_(holds, lambda: _set_nzcv4(e, e.fp(f"{'cmpe' if f.op else 'cmp'}{n}", a, b)))


@semantics("fp_csel")
def fp_csel(e, f):
    e.check_fp()
    n = SIZE[f.ptype]
    e.wv(f.Rd, e.select(e.cond(f.cond), e.rv(f.Rn, n), e.rv(f.Rm, n), n), n)


# ---- conversions to and from integers and fixed point ------------------------------
_RMODE = "npmz"


@semantics("fp_int")
def fp_int(e, f):
    """FCVT[NPMZ][SU] (opcode 0x), SCVTF/UCVTF (integer; opcode 1x, rmode 00)."""
    e.check_fp()
    n = SIZE[f.ptype]
    m = 64 if f.sf else 32
    u = "u" if f.opcode & 1 else "s"
    if f.opcode >> 1:                             # [SU]CVTF
        e.wv(f.Rd, e.fp(f"{u}cvtf_{n}_{m}", e.rx(f.Rn, m), 0, 0), n)
    else:
        e.wx(f.Rd, e.fp(f"fcvt{_RMODE[f.rmode]}{u}_{m}_{n}", e.rv(f.Rn, n), 0, 0), m)


@semantics("fp_int_a")
def fp_int_a(e, f):
    """FCVTAS/FCVTAU (integer): to nearest with ties away from zero."""
    e.check_fp()
    n = SIZE[f.ptype]
    m = 64 if f.sf else 32
    e.wx(f.Rd, e.fp(f"fcvta{'u' if f.opcode else 's'}_{m}_{n}", e.rv(f.Rn, n), 0, 0), m)


@semantics("fp_fixed")
def fp_fixed(e, f):
    """FCVTZ[SU] (fixed point; rmode 11) and [SU]CVTF (fixed point; rmode 00):
    fbits = 64 - scale."""
    e.check_fp()
    n = SIZE[f.ptype]
    m = 64 if f.sf else 32
    u = "u" if f.opcode & 1 else "s"
    fbits = 64 - f.scale
    if f.rmode == 0:
        e.wv(f.Rd, e.fp(f"{u}cvtf_{n}_{m}", e.rx(f.Rn, m), 0, fbits), n)
    else:
        e.wx(f.Rd, e.fp(f"fcvtz{u}_{m}_{n}", e.rv(f.Rn, n), 0, fbits), m)
