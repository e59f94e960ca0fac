"""Differential test: random instances of every SIMD&FP row of the encoding
table (the register file and data movement), both engines against Unicorn.

Each case is one random word of one row (the row's fixed bits, every other
bit random, so words failing the row's constraints, which must be UNDEFINED,
are covered too), run from a random machine state (general registers as in
test_unicorn_random, plus random V0-V31) with FP/AdvSIMD enabled
(``run_snippet(fp=True)``).  Compared: X0-X30, SP, NZCV, V0-V31, FPCR, FPSR,
PC, the instruction count, memory, the exception (EC; FAR and WnR of data
aborts).  Zero mismatches; the only excused difference is the partial write
of a store that aborts part way (the pseudocode's access order; the oracle
reports the state before the instruction), narrowly as in
test_unicorn_random.

A64JIT_FP_DIFF_N: cases per row on the interpreter (default 150; the JIT,
which compiles every case, runs a third of them); A64JIT_FP_SEQ_N: blocks of
8 (default 300).  The slow run: 200,000 instructions per engine in blocks.
"""
from __future__ import annotations

import os
import random

import pytest

from a64jit.snippet import run_snippet
from a64jit.translator.decode import decode

from .groups import CODE_BASE, random_state
from .unicorn_oracle import DFSC_ALIGNMENT, EC_DABT_CUR, ISS_WNR, run_unicorn

from tests.differential.progs import FP_ROWS, random_fp_value
N = int(os.environ.get("A64JIT_FP_DIFF_N", "150"))
SEED = 0xF9
COMPARED = [f"x{i}" for i in range(31)] + ["sp", "nzcv"] + [f"v{i}" for i in range(32)] + ["fpcr", "fpsr"]
M128 = (1 << 128) - 1


def random_word(rng: random.Random, row) -> int:
    """A word of the row's pattern; 3 times in 4 one that the row accepts."""
    allocated = rng.random() < 0.75
    for _ in range(50):
        w = row.value | rng.getrandbits(32) & ~row.mask
        if not allocated or decode(w).name == row.name:
            break
    # Offsets that mostly land in the data regions / the literal pool.
    if row.name == "ldr_lit_fp" and rng.random() < 0.7:
        w = w & ~(0x7FFFF << 5) | rng.randrange(1, 0x70) << 5
    if row.name == "ldst_uimm_fp" and rng.random() < 0.6:
        w = w & ~(0xFFF << 10) | rng.randrange(0, 64) << 10
    if row.name == "ldst_regoff_fp" and rng.random() < 0.5:
        w = w & ~(31 << 16) | rng.choice((31, rng.randrange(31))) << 16    # Rm: also XZR
    return w


def random_fp_state(rng: random.Random):
    regs, mem = random_state(rng)
    for i in range(32):
        k = rng.random()
        if k < 0.4:
            regs[f"v{i}"] = rng.getrandbits(128)
        elif k < 0.9:
            regs[f"v{i}"] = random_fp_value(rng)        # lanes of FP special values
        else:
            regs[f"v{i}"] = rng.choice((0, M128, 1 << 127, rng.getrandbits(64)))
    # FPCR: AHP, DN, FZ, RMode random a third of the time
    regs["fpcr"] = rng.getrandbits(5) << 22 if rng.random() < 0.35 else 0
    # FPSR: sticky flags already set half the time (IXC set lets the JIT's host paths skip exactness checks)
    regs["fpsr"] = rng.choice((0, 0x10, 0x9F, rng.getrandbits(32) & 0xF800009F))
    return regs, mem


def diffs(ours: dict, theirs: dict) -> dict:
    d = {}
    for r in COMPARED:
        if ours["regs"][r] != theirs["regs"][r]:
            d[r] = (hex(ours["regs"][r]), hex(theirs["regs"][r]))
    for k in ("pc", "insns"):
        if ours[k] != theirs[k]:
            d[k] = (ours[k], theirs[k])
    for a, data in theirs["mem"].items():
        if ours["mem"].get(a) != data:
            d[f"mem@{a:#x}"] = a
    eo, et = ours["exception"], theirs["exception"]
    if (eo is None) != (et is None) or eo is not None and eo["ec"] != et["ec"]:
        d["exception"] = (eo, et)
    elif eo is not None and eo["ec"] == EC_DABT_CUR:
        if eo["far"] != et["far"]:
            d["far"] = (eo["far"], et["far"])
        for name, f in (("alignment", lambda iss: iss & 0x3F == DFSC_ALIGNMENT), ("WnR", lambda iss: bool(iss & ISS_WNR))):
            if f(eo["iss"]) != f(et["iss"]):
                d[name] = (eo["iss"], et["iss"])
    return d


def _is_mem(name: str) -> bool:
    return name.endswith("_fp") or name.startswith("simd_ldst")


def _partial_store(word: int, ours: dict, theirs: dict, d: dict) -> bool:
    """A SIMD&FP store that aborted after writing the bytes below the
    faulting address (at most 32: STP Q; 64 for ST1-ST4), the oracle showing
    none written (the pseudocode writes element by element)."""
    eo, et = ours["exception"], theirs["exception"]
    if not (eo and et and eo["ec"] == et["ec"] == EC_DABT_CUR) or not all(k.startswith("mem@") for k in d):
        return False
    name = decode(word).name
    is_store = ((name.endswith("_fp") and name != "ldr_lit_fp") or name.startswith("simd_ldst")) \
        and not (word >> 22 & 1)
    if not is_store:
        return False
    far = et["far"]
    window = 64 if name.startswith("simd_ldst") else 32        # ST4 of four Q registers: 64 bytes
    for base, data in theirs["mem"].items():
        mine = ours["mem"][base]
        for i, (x, y) in enumerate(zip(mine, data)):
            if x != y and not far - window <= base + i < far:
                return False
    return True


@pytest.mark.parametrize("engine", ["interp", "jit"])
def test_unicorn_fp(engine):
    bad, counts = [], {}
    n = N if engine == "interp" else max(N // 3, 16)
    for row in FP_ROWS:
        c = counts[row.name] = {"exec": 0, "undef": 0, "dabt": 0, "excused": 0}
        for i in range(n):
            rng = random.Random(f"{SEED}:{row.name}:{i}")
            w = random_word(rng, row)
            regs, mem = random_fp_state(rng)
            code = w.to_bytes(4, "little")
            theirs = run_unicorn(code, regs=regs, mem=mem, base=CODE_BASE, max_insns=8)
            ours = run_snippet(code, engine=engine, regs=dict(regs), mem=dict(mem), base=CODE_BASE,
                               max_insns=8, fp=True)
            exc = theirs["exception"]
            c["exec" if exc is None else "undef" if exc["ec"] == 0 else "dabt"] += 1
            d = diffs(ours, theirs)
            if d and _partial_store(w, ours, theirs, d):
                c["excused"] += 1
            elif d:
                bad.append((row.name, i, hex(w), d))
    print(f"\n{engine}: {'row':16s} exec undef dabt excused")
    for name, c in counts.items():
        print(f"  {name:16s} {c['exec']:4d} {c['undef']:5d} {c['dabt']:4d} {c['excused']:7d}")
    assert not bad, f"{len(bad)} mismatches, first: " + "\n".join(map(str, bad[:15]))
    for name, c in counts.items():       # every row mostly executes (a generator check)
        assert c["exec"] >= n // 12, name


SEQ_N = int(os.environ.get("A64JIT_FP_SEQ_N", "300"))
SEQ_LEN = 8


def run_sequences(engine, count, length=SEQ_LEN, tag="seq"):
    """``count`` blocks of ``length`` random SIMD&FP instructions (each of a
    random row, one the row accepts): the JIT translates each as one block,
    so register values pass between instructions inside generated code.
    Returns (mismatches, instructions completed in Unicorn)."""
    bad = []
    completed = 0
    for i in range(count):
        rng = random.Random(f"{SEED}:{tag}:{i}")
        words = []
        for _ in range(length):
            mem_row = rng.random() < 0.15           # (a load/store often faults: fewer of them)
            row = rng.choice([r for r in FP_ROWS if _is_mem(r.name) == mem_row])
            for _ in range(50):
                w = random_word(rng, row)
                if decode(w).name == row.name:
                    break
            words.append(w)
        regs, mem = random_fp_state(rng)
        regs, mem = dict(regs), dict(mem)
        pool = mem.pop(CODE_BASE + 4)
        mem[CODE_BASE + 4 * length] = pool
        code = b"".join(w.to_bytes(4, "little") for w in words)
        theirs = run_unicorn(code, regs=regs, mem=mem, base=CODE_BASE, max_insns=length)
        ours = run_snippet(code, engine=engine, regs=dict(regs), mem=dict(mem), base=CODE_BASE,
                           max_insns=length, fp=True)
        completed += theirs["insns"]
        d = diffs(ours, theirs)
        if d and not (theirs["exception"] and _partial_store(words[theirs["insns"]], ours, theirs, d)):
            bad.append((i, [hex(w) for w in words], d))
    return bad, completed


@pytest.mark.parametrize("engine", ["interp", "jit"])
def test_unicorn_fp_sequences(engine):
    bad, completed = run_sequences(engine, SEQ_N)
    print(f"\n{engine}: {SEQ_N} sequences, {completed} instructions completed in Unicorn")
    assert not bad, f"{len(bad)} mismatches, first: " + "\n".join(map(str, bad[:10]))
    assert completed >= SEQ_N * 2


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["interp", "jit"])
def test_unicorn_fp_200k_instructions(engine):
    """The slow run: random SIMD&FP instructions in blocks of 16 until at
    least 200,000 have completed (in Unicorn), with no mismatch."""
    total, batch, bad = 0, 0, []
    while total < 200_000:
        b, n = run_sequences(engine, 500, 16, tag=f"long{batch}")
        bad += b
        total += n
        batch += 1
    print(f"\n{engine}: {total} SIMD&FP instructions completed, {len(bad)} mismatches")
    assert not bad, f"{len(bad)} mismatches, first: " + "\n".join(map(str, bad[:10]))


@pytest.mark.slow
@pytest.mark.parametrize("space", [0b111, 0b110])
def test_encoding_space_is_allocated_as_unicorn_has_it(space):
    """Every combination of bits 31:25-28 and 24:10 of the SIMD&FP data-processing
    space (bits 27:25 = 111) and of the SIMD&FP loads/stores (110), with
    random register fields: our decoder says UNDEFINED exactly where Unicorn
    (the A72, ARMv8.0 with crypto) raises UNDEFINED, i.e. no instruction is
    missing and none is accepted that is unallocated."""
    rng = random.Random(5)
    regs, mem = random_fp_state(rng)
    wrong = []
    for hi in range(1 << 19):
        w = (hi >> 15) << 28 | space << 25 | (hi & 0x7FFF) << 10 | rng.getrandbits(10)
        ours = decode(w).name == "UNDEF"
        exc = run_unicorn(w.to_bytes(4, "little"), regs=regs, mem=mem, base=CODE_BASE, max_insns=1)["exception"]
        if ours != (exc is not None and exc["ec"] == 0):
            wrong.append((hex(w), decode(w).name))
    assert not wrong, f"{len(wrong)} words decoded otherwise than Unicorn: {wrong[:20]}"
