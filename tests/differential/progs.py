"""Random guest programs for JIT-versus-interpreter testing.

Instructions are drawn from the encoding table itself: pick a row, keep its
fixed bits, randomise its fields (so almost every word is a valid
instruction of that row), with branch offsets kept small so that programs
loop and jump inside themselves.  Register state is random with many
pointer-like values so that loads and stores hit the data regions, and some
that fault.
"""
from __future__ import annotations

import random

from a64jit.translator.decode import ROWS, decode
from a64jit.translator.semantics import REGISTRY

# Rows of the SIMD&FP families: UNDEFINED unless the CPU has FP/AdvSIMD
# enabled (run_snippet(fp=True)), so drawn only for such runs.
FP_FAMILIES = ("fp", "simd")
FP_ROWS = [r for r in ROWS if REGISTRY[r.name].__module__.rsplit(".", 1)[-1].startswith(FP_FAMILIES)]
INT_ROWS = [r for r in ROWS if r not in FP_ROWS]

DATA_REGIONS = (0x10000000, 0x20001000)
REGION_SIZE = 0x2000
CODE_BASE = 0x40000000

# Rows whose runs end at once (exception generators) are drawn rarely.
RARE = {"svc", "hvc", "smc", "brk", "hlt", "eret", "sys", "sysreg", "msr_imm", "hint"}
BRANCH_FIELDS = {"imm19": 19, "imm26": 26, "imm14": 14}


def random_word(rng: random.Random, rows=INT_ROWS) -> int:
    while True:
        row = rng.choice(rows)
        if row.name in RARE and rng.random() < 0.85:
            continue
        w = row.value
        for name, shift, width in row.fields:
            if name in BRANCH_FIELDS:
                v = rng.randint(-6, 6) & ((1 << width) - 1)          # short hops, both directions
            elif name in ("Rn", "Rt", "Rt2", "Rs", "Rm", "Rd", "Ra") and rng.random() < 0.15:
                v = 31
            else:
                v = rng.getrandbits(width)
            w |= v << shift
        if row.name == "ldr_lit":
            w = w & ~(((1 << 19) - 1) << 5) | (rng.randint(-4, 4) & ((1 << 19) - 1)) << 5
        if decode(w).name != "UNDEF" or rng.random() < 0.02:
            return w


def random_value(rng: random.Random) -> int:
    r = rng.random()
    if r < 0.45:
        base = rng.choice(DATA_REGIONS)
        return base + rng.randrange(0, REGION_SIZE, rng.choice((1, 4, 8, 16)))
    if r < 0.6:
        return rng.choice((0, 1, 2, 0xFFFFFFFF, 0x80000000, (1 << 64) - 1, 1 << 63, (1 << 63) - 1, 7))
    if r < 0.75:
        return rng.randrange(0, 64)
    return rng.getrandbits(64)


def random_fp_value(rng: random.Random) -> int:
    """A 128-bit V register value: lanes of interesting FP bit patterns or random bits."""
    if rng.random() < 0.3:
        return rng.getrandbits(128)
    specials64 = (0, 1 << 63, 0x7FF0000000000000, 0xFFF0000000000000, 0x7FF8000000000000, 0x7FF4000000000001,
                  0x0000000000000001, 0x000FFFFFFFFFFFFF, 0x0010000000000000, 0x3FF0000000000000,
                  0xBFF8000000000000, 0x7FEFFFFFFFFFFFFF, 0x4330000000000000, 0x43E0000000000000)
    specials32 = (0, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00000, 0x7FA00001, 0x00000001, 0x007FFFFF,
                  0x00800000, 0x3F800000, 0xBFC00000, 0x7F7FFFFF, 0x4B000000, 0x4F000000)
    v = 0
    if rng.random() < 0.5:
        for i in range(2):
            x = rng.choice(specials64) if rng.random() < 0.5 else rng.getrandbits(64)
            v |= x << (64 * i)
    else:
        for i in range(4):
            x = rng.choice(specials32) if rng.random() < 0.5 else rng.getrandbits(32)
            v |= x << (32 * i)
    return v


def random_state(rng: random.Random, fp: bool = False):
    """Random registers (and with ``fp``, V0-V31 and FPCR) and data regions."""
    regs = {f"x{i}": random_value(rng) for i in range(31)}
    if fp:
        for i in range(32):
            regs[f"v{i}"] = random_fp_value(rng)
        # AHP/DN/FZ/RMode (bits 26:22): mostly the default (round to nearest, no FZ/DN)
        regs["fpcr"] = rng.getrandbits(5) << 22 if rng.random() < 0.3 else 0
        regs["fpsr"] = rng.choice((0, 0x10, rng.getrandbits(32) & 0xF800009F))
    regs["sp"] = rng.choice(DATA_REGIONS) + rng.randrange(0x100, REGION_SIZE - 0x100, 16)
    regs["nzcv"] = rng.getrandbits(4) << 28
    mem = {base: bytes(rng.getrandbits(8) for _ in range(REGION_SIZE)) for base in DATA_REGIONS}
    return regs, mem


def random_program(rng: random.Random, n: int, fp: bool = False) -> bytes:
    """``n`` random words; with ``fp``, a quarter of them from the SIMD&FP rows."""
    def word():
        if fp and rng.random() < 0.25:
            return random_word(rng, FP_ROWS)
        return random_word(rng)
    return b"".join(word().to_bytes(4, "little") for _ in range(n))
