"""The ARMv8.0 Cryptographic Extension (ARM ARM C3.6; encodings C4.1.92
"Cryptographic AES", "Cryptographic three-register SHA", "Cryptographic
two-register SHA") and PMULL/PMULL2 with 64-bit elements (Vd.1Q, "Advanced
SIMD three different", size = 11).

AESE, AESD, AESMC, AESIMC; SHA1C, SHA1P, SHA1M, SHA1H, SHA1SU0, SHA1SU1;
SHA256H, SHA256H2, SHA256SU0, SHA256SU1; PMULL{2} Vd.1Q.

The code follows the ARM pseudocode (names cited per function: the Sail
translation, rems-project/sail-arm arm-v8.5-a, functions
vector_crypto_aes_round, vector_crypto_sha3op_sha1hash_choose, ...; AES
helpers from the ARM ARM shared pseudocode, which the Sail model leaves
unimplemented).  Every function calls ``e.check_fp()`` first
(AArch64.CheckFPAdvSIMDEnabled()); the features are always present
(HaveAESExt(), HaveSHA1Ext(), HaveSHA256Ext(): the encodings' other sizes are
unallocated, and the table does not accept them).

The AES state is the 128-bit register with byte i = state[i MOD 4][i DIV 4]
(row r, column c is byte 4c + r), as FIPS-197 reads the input bytes.  The
S-boxes are constant tables (``e.lookup``); MixColumns works on all 16 bytes
at once with shifts and xors (xtime per byte, column rotations per 32-bit
word).  SHA state words are 32-bit values (Elem[., e, 32]).
"""
from __future__ import annotations

from . import semantics
from .fpsimd import _elem, _assemble
from ..fields import register_table, replicate


# ---- constant tables ------------------------------------------------------------

def _gf_mul(a: int, b: int) -> int:
    """Multiplication in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1."""
    r = 0
    while b:
        if b & 1:
            r ^= a
        a = (a << 1) ^ (0x11B if a & 0x80 else 0)
        b >>= 1
    return r


def _sbox() -> list[int]:
    """FIPS-197 5.1.1: the multiplicative inverse, then the affine map.  The
    inverses from the powers of the generator 3 (inv(3^k) = 3^(255-k))."""
    exp = [1] * 256
    for k in range(1, 256):
        exp[k] = _gf_mul(exp[k - 1], 3)
    inv = [0] * 256
    for k in range(255):
        inv[exp[k]] = exp[(255 - k) % 255]
    out = []
    for a in range(256):
        x = inv[a]
        y = x
        for k in range(1, 5):
            y ^= (x << k | x >> (8 - k)) & 0xFF
        out.append(y ^ 0x63)
    return out


AES_SBOX = _sbox()
AES_INV_SBOX = [0] * 256
for _i, _v in enumerate(AES_SBOX):
    AES_INV_SBOX[_v] = _i
register_table("aes_sbox", AES_SBOX)
register_table("aes_inv_sbox", AES_INV_SBOX)


# ---- AES (C4.1.92 Cryptographic AES) --------------------------------------------

def _shift_rows_src(i: int, inverse: bool) -> int:
    """AESShiftRows / AESInvShiftRows as a byte permutation: the input byte
    that lands in byte i (row r = i MOD 4 of column c = i DIV 4 comes from
    column c + r, resp. c - r)."""
    r, c = i % 4, i // 4
    c = (c - r if inverse else c + r) % 4
    return 4 * c + r


def _sub_shift(e, x, inverse: bool):
    """AESSubBytes(AESShiftRows(x)) or AESInvSubBytes(AESInvShiftRows(x)):
    both are bytewise, so each result byte is the S-box of one input byte."""
    table = "aes_inv_sbox" if inverse else "aes_sbox"
    out = []
    for i in range(16):
        b = _elem(e, x, _shift_rows_src(i, inverse), 8, 128)
        out.append(e.trunc(e.lookup(table, b), 32, 8))
    return _assemble(e, out, 8, 128)


@semantics("aes_round")
def aes_round(e, f):
    """AESE / AESD (vector_crypto_aes_round): V[d] = (Inv)SubBytes((Inv)ShiftRows(V[d] EOR V[n]))."""
    e.check_fp()
    x = e.xor(e.rv(f.Rd), e.rv(f.Rn), 128)
    e.wv(f.Rd, _sub_shift(e, x, bool(f.D)))


_LO7 = replicate(0x7F, 8, 128)
_B0 = replicate(0x01, 8, 128)


def _xtime(e, x):
    """Each byte times {02} in GF(2^8): (b << 1) EOR (b<7> ? 0x1B : 0)."""
    hi = e.and_(e.lshr(x, 7, 128), _B0, 128)          # bit 7 of every byte, at bit 0
    red = hi
    for s in (1, 3, 4):                                # 0x1B = bits 0, 1, 3, 4 (no carry between bytes)
        red = e.xor(red, e.shl(hi, s, 128), 128)
    return e.xor(e.shl(e.and_(x, _LO7, 128), 1, 128), red, 128)


def _rot_col(e, x, k: int):
    """Every column (32-bit word) rotated so that row r holds row r + k."""
    s = 8 * k
    lo = replicate((1 << (32 - s)) - 1, 32, 128)
    return e.or_(e.and_(e.lshr(x, s, 128), lo, 128), e.and_(e.shl(x, 32 - s, 128), lo ^ ((1 << 128) - 1), 128), 128)


def _mix_columns(e, a):
    """AESMixColumns: b[r] = {02}a[r] + {03}a[r+1] + a[r+2] + a[r+3] per column."""
    a1 = _rot_col(e, a, 1)
    r = e.xor(_xtime(e, e.xor(a, a1, 128)), a1, 128)
    r = e.xor(r, _rot_col(e, a, 2), 128)
    return e.xor(r, _rot_col(e, a, 3), 128)


def _inv_mix_columns(e, a):
    """AESInvMixColumns: b[r] = {0e}a[r] + {0b}a[r+1] + {0d}a[r+2] + {09}a[r+3]
    per column.  The inverse matrix is the forward one times the circulant
    ({05}, {00}, {04}, {00}), so: a[r] += {04}(a[r] + a[r+2]), then MixColumns."""
    w = _xtime(e, _xtime(e, e.xor(a, _rot_col(e, a, 2), 128)))
    return _mix_columns(e, e.xor(a, w, 128))


@semantics("aes_mix")
def aes_mix(e, f):
    """AESMC / AESIMC (vector_crypto_aes_mix): V[d] = AES(Inv)MixColumns(V[n])."""
    e.check_fp()
    x = e.rv(f.Rn)
    e.wv(f.Rd, _inv_mix_columns(e, x) if f.D else _mix_columns(e, x))


# ---- SHA (C4.1.92 Cryptographic three-/two-register SHA) ----------------------------

def _words(e, v):
    """The four 32-bit elements of a 128-bit value."""
    return [_elem(e, v, i, 32, 128) for i in range(4)]


def _rol(e, x, n):
    """ROL(x, n) on 32 bits."""
    return e.ror(x, (32 - n) % 32, 32)


def _add(e, *xs):
    acc = xs[0]
    for x in xs[1:]:
        acc = e.add(acc, x, 32)
    return acc


def _sha_choose(e, x, y, z):
    """SHAchoose(x, y, z) = ((y EOR z) AND x) EOR z."""
    return e.xor(e.and_(e.xor(y, z, 32), x, 32), z, 32)


def _sha_majority(e, x, y, z):
    """SHAmajority(x, y, z) = (x AND y) OR ((x OR y) AND z)."""
    return e.or_(e.and_(x, y, 32), e.and_(e.or_(x, y, 32), z, 32), 32)


def _sha_parity(e, x, y, z):
    """SHAparity(x, y, z) = x EOR y EOR z."""
    return e.xor(e.xor(x, y, 32), z, 32)


def _sha1_hash(e, f, fn):
    """SHA1C / SHA1P / SHA1M (vector_crypto_sha3op_sha1hash_*): four rounds
    on X = V[d], Y = V[n]<31:0>, W = V[m]; V[d] = X."""
    e.check_fp()
    x = _words(e, e.rv(f.Rd))
    y = e.rv(f.Rn, 32)
    w = _words(e, e.rv(f.Rm))
    for i in range(4):
        t = fn(e, x[1], x[2], x[3])
        y = _add(e, y, _rol(e, x[0], 5), t, w[i])
        x[1] = _rol(e, x[1], 30)
        # (Y:X) = ROL(Y:X, 32): Y = X<127:96>, X = X<95:0>:Y
        x, y = [y, x[0], x[1], x[2]], x[3]
    e.wv(f.Rd, _assemble(e, x, 32, 128))


@semantics("sha1c")
def sha1c(e, f):
    _sha1_hash(e, f, _sha_choose)


@semantics("sha1p")
def sha1p(e, f):
    _sha1_hash(e, f, _sha_parity)


@semantics("sha1m")
def sha1m(e, f):
    _sha1_hash(e, f, _sha_majority)


@semantics("sha1su0")
def sha1su0(e, f):
    """SHA1SU0 (vector_crypto_sha3op_sha1sched0):
    V[d] = (V[n]<63:0>:V[d]<127:64>) EOR V[d] EOR V[m]."""
    e.check_fp()
    op1, op2, op3 = e.rv(f.Rd), e.rv(f.Rn), e.rv(f.Rm)
    r = e.or_(e.shl(op2, 64, 128), e.lshr(op1, 64, 128), 128)
    e.wv(f.Rd, e.xor(e.xor(r, op1, 128), op3, 128))


def _sigma(e, x, a, b, c):
    """ROR(x, a) EOR ROR(x, b) EOR ROR(x, c) (SHAhashSIGMA0: 2, 13, 22; SHAhashSIGMA1: 6, 11, 25)."""
    return e.xor(e.xor(e.ror(x, a, 32), e.ror(x, b, 32), 32), e.ror(x, c, 32), 32)


def _sha256_hash(e, X, Y, W, part1: bool):
    """SHA256hash(X, Y, W, part1) on lists of four 32-bit words."""
    x, y = list(X), list(Y)
    for i in range(4):
        chs = _sha_choose(e, y[0], y[1], y[2])
        maj = _sha_majority(e, x[0], x[1], x[2])
        t = _add(e, y[3], _sigma(e, y[0], 6, 11, 25), chs, W[i])
        x[3] = e.add(t, x[3], 32)
        y[3] = _add(e, t, _sigma(e, x[0], 2, 13, 22), maj)
        # (Y:X) = ROL(Y:X, 32)
        x, y = [y[3], x[0], x[1], x[2]], [x[3], y[0], y[1], y[2]]
    return x if part1 else y


@semantics("sha256h")
def sha256h(e, f):
    """SHA256H (P = 0): SHA256hash(V[d], V[n], V[m], TRUE);
    SHA256H2 (P = 1): SHA256hash(V[n], V[d], V[m], FALSE)
    (vector_crypto_sha3op_sha256hash)."""
    e.check_fp()
    vd, vn, vm = _words(e, e.rv(f.Rd)), _words(e, e.rv(f.Rn)), _words(e, e.rv(f.Rm))
    if f.P:
        r = _sha256_hash(e, vn, vd, vm, False)
    else:
        r = _sha256_hash(e, vd, vn, vm, True)
    e.wv(f.Rd, _assemble(e, r, 32, 128))


@semantics("sha256su1")
def sha256su1(e, f):
    """SHA256SU1 (vector_crypto_sha3op_sha256sched1)."""
    e.check_fp()
    op1, op2, op3 = _words(e, e.rv(f.Rd)), _words(e, e.rv(f.Rn)), _words(e, e.rv(f.Rm))
    t0 = [op2[1], op2[2], op2[3], op3[0]]            # T0 = operand3<31:0>:operand2<127:32>
    t1 = [op3[2], op3[3]]                            # T1 = operand3<127:64>
    r = []
    for i in range(4):
        elt = t1[i] if i < 2 else r[i - 2]           # elements 2, 3 use the result's 0, 1
        elt = e.xor(e.xor(e.ror(elt, 17, 32), e.ror(elt, 19, 32), 32), e.lshr(elt, 10, 32), 32)
        r.append(_add(e, elt, op1[i], t0[i]))
    e.wv(f.Rd, _assemble(e, r, 32, 128))


@semantics("sha1h")
def sha1h(e, f):
    """SHA1H (vector_crypto_sha2op_sha1hash): S[d] = ROL(S[n], 30)."""
    e.check_fp()
    e.wv(f.Rd, _rol(e, e.rv(f.Rn, 32), 30), 32)


@semantics("sha1su1")
def sha1su1(e, f):
    """SHA1SU1 (vector_crypto_sha2op_sha1sched1): T = V[d] EOR LSR(V[n], 32);
    each word ROL 1, word 3 also EOR ROL(T<31:0>, 2)."""
    e.check_fp()
    t = _words(e, e.xor(e.rv(f.Rd), e.lshr(e.rv(f.Rn), 32, 128), 128))
    r = [_rol(e, w, 1) for w in t]
    r[3] = e.xor(r[3], _rol(e, t[0], 2), 32)
    e.wv(f.Rd, _assemble(e, r, 32, 128))


@semantics("sha256su0")
def sha256su0(e, f):
    """SHA256SU0 (vector_crypto_sha2op_sha256sched0): T = V[n]<31:0>:V[d]<127:32>;
    element e = sigma0(T[e]) + V[d][e]."""
    e.check_fp()
    op1 = _words(e, e.rv(f.Rd))
    op2_0 = e.rv(f.Rn, 32)
    t = [op1[1], op1[2], op1[3], op2_0]
    r = []
    for i in range(4):
        x = t[i]
        x = e.xor(e.xor(e.ror(x, 7, 32), e.ror(x, 18, 32), 32), e.lshr(x, 3, 32), 32)
        r.append(e.add(x, op1[i], 32))
    e.wv(f.Rd, _assemble(e, r, 32, 128))


# ---- PMULL/PMULL2 Vd.1Q (C4.1.92 Advanced SIMD three different, size 11) ------------

@semantics("pmull_1q")
def pmull_1q(e, f):
    """PMULL{2} Vd.1Q, Vn.1D/2D, Vm.1D/2D
    (vector_arithmetic_binary_disparate_mul_poly with esize 64):
    V[d] = PolynomialMult(Elem[Vpart[n, part], 0, 64], Elem[Vpart[m, part], 0, 64]),
    part = Q."""
    e.check_fp()
    op1 = _elem(e, e.rv(f.Rn), f.Q, 64, 128)
    op2 = e.zext(_elem(e, e.rv(f.Rm), f.Q, 64, 128), 64, 128)   # extended_op2
    result = 0
    for i in range(64):
        bit = e.trunc(e.lshr(op1, i, 64) if i else op1, 64, 1)
        term = e.shl(op2, i, 128) if i else op2
        result = e.xor(result, e.select(bit, term, 0, 128), 128)
    e.wv(f.Rd, result)
