"""The Cryptographic Extension (AES, SHA-1, SHA-256, PMULL 1Q) on both
engines, with known answers: FIPS-197 AES-128 (encryption with AESE/AESMC,
decryption with AESD/AESIMC and the equivalent inverse cipher's keys), the
SHA-1 and SHA-256 of "abc" computed by guest code (compared with hashlib),
the MixColumns column vectors, and PMULL against a carry-less multiply in
Python."""
import hashlib
import random
import struct

import pytest

from tests.asm import asm
from a64jit.snippet import run_snippet

ENGINES = ["interp", "jit"]
M32 = 0xFFFFFFFF


def run(src, engine, regs, **kw):
    out = run_snippet(asm(src), engine=engine, regs=regs, fp=True, **kw)
    assert out["exception"] is None, out["exception"]
    return out["regs"]


def vec(words, esize=32):
    """The 128-bit value whose element i is words[i]."""
    return sum(w << (esize * i) for i, w in enumerate(words))


def words(v, n=4, esize=32):
    return [v >> (esize * i) & ((1 << esize) - 1) for i in range(n)]


def vadd32(d, a, b):
    """Vd.4S = Va.4S + Vb.4S through general registers (the vector ADD is
    not what these tests are about)."""
    out = []
    for i in range(4):
        out += [f"mov w9, v{a}.s[{i}]", f"mov w10, v{b}.s[{i}]", "add w9, w9, w10", f"mov v{d}.s[{i}], w9"]
    return out


# ---- AES ------------------------------------------------------------------------------

def _xt(b):
    return (b << 1 ^ (0x1B if b & 0x80 else 0)) & 0xFF


def _gmul(a, b):
    r = 0
    while b:
        if b & 1:
            r ^= a
        a, b = _xt(a), b >> 1
    return r


def _sbox():
    s = []
    for a in range(256):
        x = next((b for b in range(1, 256) if _gmul(a, b) == 1), 0)
        y = x
        for k in range(1, 5):
            y ^= (x << k | x >> (8 - k)) & 0xFF
        s.append(y ^ 0x63)
    return s


SBOX = _sbox()


def expand_key(key: bytes):
    """FIPS-197 5.2 KeyExpansion for AES-128: 11 round keys of 16 bytes."""
    w = [list(key[4 * i:4 * i + 4]) for i in range(4)]
    rcon = 1
    for i in range(4, 44):
        t = list(w[i - 1])
        if i % 4 == 0:
            t = [SBOX[b] for b in t[1:] + t[:1]]
            t[0] ^= rcon
            rcon = _xt(rcon)
        w.append([x ^ y for x, y in zip(w[i - 4], t)])
    return [bytes(sum(w[4 * r:4 * r + 4], [])) for r in range(11)]


def inv_mix_columns(block: bytes) -> bytes:
    out = []
    for c in range(4):
        a = block[4 * c:4 * c + 4]
        for r in range(4):
            out.append(_gmul(a[r], 14) ^ _gmul(a[(r + 1) % 4], 11) ^ _gmul(a[(r + 2) % 4], 13)
                       ^ _gmul(a[(r + 3) % 4], 9))
    return bytes(out)


def le(b: bytes) -> int:
    return int.from_bytes(b, "little")


FIPS_KEY = bytes(range(16))
FIPS_PT = bytes.fromhex("00112233445566778899aabbccddeeff")
FIPS_CT = bytes.fromhex("69c4e0d86a7b0430d8cdb78070b4c55a")     # FIPS-197 Appendix C.1


@pytest.mark.parametrize("engine", ENGINES)
def test_aes128_encrypt_fips197(engine):
    rk = expand_key(FIPS_KEY)
    regs = {"v0": le(FIPS_PT)}
    regs.update({f"v{16 + i}": le(k) for i, k in enumerate(rk)})
    src = []
    for i in range(9):
        src += [f"aese v0.16b, v{16 + i}.16b", "aesmc v0.16b, v0.16b"]
    src += ["aese v0.16b, v25.16b", "eor v0.16b, v0.16b, v26.16b"]
    r = run("\n".join(src), engine, regs)
    assert r["v0"].to_bytes(16, "little") == FIPS_CT


@pytest.mark.parametrize("engine", ENGINES)
def test_aes128_decrypt_fips197(engine):
    rk = expand_key(FIPS_KEY)
    # the equivalent inverse cipher (FIPS-197 5.3.5): k10, InvMixColumns(k9..k1), k0
    dk = [rk[10]] + [inv_mix_columns(rk[i]) for i in range(9, 0, -1)] + [rk[0]]
    regs = {"v1": le(FIPS_CT)}
    regs.update({f"v{16 + i}": le(k) for i, k in enumerate(dk)})
    src = []
    for i in range(9):
        src += [f"aesd v1.16b, v{16 + i}.16b", "aesimc v1.16b, v1.16b"]
    src += ["aesd v1.16b, v25.16b", "eor v1.16b, v1.16b, v26.16b"]
    r = run("\n".join(src), engine, regs)
    assert r["v1"].to_bytes(16, "little") == FIPS_PT


# MixColumns of single columns (the usual test columns)
MIX = [("db135345", "8e4da1bc"), ("f20a225c", "9fdc589d"), ("01010101", "01010101"),
       ("c6c6c6c6", "c6c6c6c6"), ("d4d4d4d5", "d5d5d7d6"), ("2d26314c", "4d7ebdf8")]


@pytest.mark.parametrize("engine", ENGINES)
def test_aes_mix_columns_vectors(engine):
    for i in range(0, len(MIX), 4):
        chunk = (MIX[i:i + 4] + MIX[:4])[:4]
        a = bytes.fromhex("".join(x for x, _ in chunk))
        b = bytes.fromhex("".join(y for _, y in chunk))
        r = run("aesmc v2.16b, v3.16b\naesimc v4.16b, v2.16b\naesimc v5.16b, v3.16b",
                engine, {"v3": le(a)})
        assert r["v2"].to_bytes(16, "little") == b
        assert r["v4"].to_bytes(16, "little") == a
        assert r["v5"].to_bytes(16, "little") == inv_mix_columns(a)


@pytest.mark.parametrize("engine", ENGINES)
def test_aese_aesd_single_round(engine):
    """AESE = SubBytes(ShiftRows(state EOR key)) and AESD its inverse with the same key."""
    rng = random.Random(5)
    state, key = rng.randbytes(16), rng.randbytes(16)
    x = bytes(a ^ b for a, b in zip(state, key))
    sr = bytes(x[4 * ((i // 4 + i % 4) % 4) + i % 4] for i in range(16))
    want = bytes(SBOX[b] for b in sr)
    r = run("aese v0.16b, v1.16b\nmov v2.16b, v0.16b\naesd v2.16b, v3.16b", engine,
            {"v0": le(state), "v1": le(key), "v3": 0})
    assert r["v0"].to_bytes(16, "little") == want
    assert r["v2"].to_bytes(16, "little") == x
    assert r["v1"] == le(key)


# ---- SHA-1 -------------------------------------------------------------------------------

def pad(msg: bytes) -> bytes:
    m = msg + b"\x80" + b"\0" * ((55 - len(msg)) % 64) + struct.pack(">Q", 8 * len(msg))
    assert len(m) == 64
    return m


SHA1_H = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0]
SHA1_K = [0x5A827999, 0x6ED9EBA1, 0x8F1BBCDC, 0xCA62C1D6]


def sha1_program():
    """One SHA-1 block: v0 = ABCD, s1 = E, v4-v7 = W0..15 (words as
    elements), v16-v19 = the four K (each in all lanes); v24/v25 keep the
    input state for the final addition."""
    src = ["mov v24.16b, v0.16b", "mov v25.16b, v1.16b"]
    for j in range(20):
        w = 4 + j % 4
        if j >= 4:
            src += [f"sha1su0 v{w}.4s, v{4 + (j + 1) % 4}.4s, v{4 + (j + 2) % 4}.4s",
                    f"sha1su1 v{w}.4s, v{4 + (j + 3) % 4}.4s"]
        src += vadd32(20, w, 16 + j // 5)
        op = "cpmp"[j // 5]
        op = {"c": "sha1c", "p": "sha1p", "m": "sha1m"}[op]
        src += ["sha1h s2, s0", f"{op} q0, s1, v20.4s", "mov v1.16b, v2.16b"]
    src += vadd32(0, 0, 24)
    src += ["fmov w9, s1", "fmov w10, s25", "add w9, w9, w10", "fmov s1, w9"]
    return "\n".join(src)


@pytest.mark.parametrize("engine", ENGINES)
def test_sha1_abc(engine):
    block = pad(b"abc")
    w = struct.unpack(">16I", block)
    regs = {"v0": vec(SHA1_H[:4]), "v1": SHA1_H[4] | 0xDEAD << 64}
    for i in range(4):
        regs[f"v{4 + i}"] = vec(w[4 * i:4 * i + 4])
        regs[f"v{16 + i}"] = vec([SHA1_K[i]] * 4)
    r = run(sha1_program(), engine, regs)
    digest = words(r["v0"]) + [r["v1"] & M32]
    assert r["v1"] >> 32 == 0                      # FMOV S: the rest of the register is cleared
    assert struct.pack(">5I", *digest) == hashlib.sha1(b"abc").digest()


@pytest.mark.parametrize("engine", ENGINES)
def test_sha1h_and_schedule_directed(engine):
    rng = random.Random(7)
    a, b, c = (rng.getrandbits(128) for _ in range(3))
    r = run("sha1h s0, s1\nsha1su0 v2.4s, v3.4s, v4.4s\nsha1su1 v5.4s, v6.4s", engine,
            {"v0": -1 & ((1 << 128) - 1), "v1": a, "v2": a, "v3": b, "v4": c, "v5": b, "v6": c})
    x = a & M32
    assert r["v0"] == (x >> 2 | x << 30) & M32
    want = (b & ((1 << 64) - 1)) << 64 | a >> 64
    assert r["v2"] == want ^ a ^ c
    rol = lambda v, n: (v << n | v >> (32 - n)) & M32
    t = words(b ^ (c >> 32))
    exp = [rol(t[0], 1), rol(t[1], 1), rol(t[2], 1), rol(t[3], 1) ^ rol(t[0], 2)]
    assert r["v5"] == vec(exp)


# ---- SHA-256 ---------------------------------------------------------------------------

SHA256_H = [0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A, 0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19]
SHA256_K = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2]


def sha256_program():
    """One SHA-256 block: v0 = ABCD, v1 = EFGH, v4-v7 = W0..15, v16-v31 =
    K0..63 (four per register); v9/v10 keep the input state."""
    src = ["mov v9.16b, v0.16b", "mov v10.16b, v1.16b"]
    for j in range(16):
        w = 4 + j % 4
        if j >= 4:
            src += [f"sha256su0 v{w}.4s, v{4 + (j + 1) % 4}.4s",
                    f"sha256su1 v{w}.4s, v{4 + (j + 2) % 4}.4s, v{4 + (j + 3) % 4}.4s"]
        src += vadd32(8, w, 16 + j)
        src += ["mov v2.16b, v0.16b", "sha256h q0, q1, v8.4s", "sha256h2 q1, q2, v8.4s"]
    src += vadd32(0, 0, 9) + vadd32(1, 1, 10)
    return "\n".join(src)


@pytest.mark.parametrize("engine", ENGINES)
def test_sha256_abc(engine):
    w = struct.unpack(">16I", pad(b"abc"))
    regs = {"v0": vec(SHA256_H[:4]), "v1": vec(SHA256_H[4:])}
    for i in range(4):
        regs[f"v{4 + i}"] = vec(w[4 * i:4 * i + 4])
    for i in range(16):
        regs[f"v{16 + i}"] = vec(SHA256_K[4 * i:4 * i + 4])
    r = run(sha256_program(), engine, regs)
    digest = words(r["v0"]) + words(r["v1"])
    assert struct.pack(">8I", *digest) == hashlib.sha256(b"abc").digest()


# ---- PMULL/PMULL2 Vd.1Q -------------------------------------------------------------------

def clmul(a, b):
    r = 0
    for i in range(64):
        if a >> i & 1:
            r ^= b << i
    return r


@pytest.mark.parametrize("engine", ENGINES)
def test_pmull_1q(engine):
    rng = random.Random(3)
    M64 = (1 << 64) - 1
    vals = [(M64, M64), (1 << 63, 1 << 63), (0, rng.getrandbits(64)), (1, M64)]
    vals += [(rng.getrandbits(64), rng.getrandbits(64)) for _ in range(8)]
    for i in range(0, len(vals), 2):
        (a0, b0), (a1, b1) = vals[i], vals[i + 1]
        r = run("pmull v0.1q, v1.1d, v2.1d\npmull2 v3.1q, v1.2d, v2.2d\npmull v4.1q, v1.1d, v1.1d",
                engine, {"v1": a0 | a1 << 64, "v2": b0 | b1 << 64})
        assert r["v0"] == clmul(a0, b0)
        assert r["v3"] == clmul(a1, b1)
        assert r["v4"] == clmul(a0, a0)
