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

DATA_REGIONS = (0x10000000, 0x20001000)
REGION_SIZE = 0x2000
CODE_BASE = 0x40000000

# Rows whose runs end at once (exception generators) are drawn rarely.
RARE = {"svc", "hvc", "smc", "brk", "hlt", "eret", "sys", "sysreg", "msr_imm", "hint"}
BRANCH_FIELDS = {"imm19": 19, "imm26": 26, "imm14": 14}


def random_word(rng: random.Random, rows=ROWS) -> int:
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


def random_state(rng: random.Random):
    regs = {f"x{i}": random_value(rng) for i in range(31)}
    regs["sp"] = rng.choice(DATA_REGIONS) + rng.randrange(0x100, REGION_SIZE - 0x100, 16)
    regs["nzcv"] = rng.getrandbits(4) << 28
    mem = {base: bytes(rng.getrandbits(8) for _ in range(REGION_SIZE)) for base in DATA_REGIONS}
    return regs, mem


def random_program(rng: random.Random, n: int) -> bytes:
    return b"".join(random_word(rng).to_bytes(4, "little") for _ in range(n))
