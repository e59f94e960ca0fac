"""The JIT against the reference interpreter: same semantics, different
machinery (lowering, block formation, dispatch, soft TLB, fault exits,
budgets, invalidation).  Everything run_snippet returns must be identical."""
from __future__ import annotations

import os
import random

import pytest
from hypothesis import given, settings, strategies as st, HealthCheck

from a64jit.snippet import run_snippet
from tests.asm import asm
from tests.differential.progs import FP_ROWS, random_program, random_state, random_word

DATA = 0x10000000


def both(code, **kw):
    a = run_snippet(code, engine="interp", **kw)
    b = run_snippet(code, engine="jit", **kw)
    return a, b


def check(code, **kw):
    a, b = both(code, **kw)
    if a != b:
        diff = {k: (a["regs"][k], b["regs"][k]) for k in a["regs"] if a["regs"][k] != b["regs"][k]}
        raise AssertionError(f"code {code.hex()} kw {kw.get('regs')}\ninterp: pc={a['pc']:#x} exc={a['exception']} "
                             f"insns={a['insns']}\njit:    pc={b['pc']:#x} exc={b['exception']} insns={b['insns']}\n"
                             f"regs differing: {diff}\nmem equal: {a['mem'] == b['mem']}")
    return a


def run_random(seed: int, programs: int, length: int, max_insns: int = 200):
    """Random programs mixing integer and SIMD&FP rows (FP/AdvSIMD enabled)."""
    rng = random.Random(seed)
    total = 0
    for _ in range(programs):
        code = random_program(rng, length, fp=True)
        regs, mem = random_state(rng, fp=True)
        r = check(code, regs=regs, mem=mem, max_insns=max_insns, fp=True)
        total += r["insns"] + (1 if r["exception"] else 0)
    return total


def test_random_programs_default_run():
    """Random multi-block programs (loops, faults, exceptions) from a fixed seed."""
    n = int(os.environ.get("A64JIT_JIT_DIFF_PROGRAMS", "300"))
    executed = run_random(1234, n, 24)
    assert executed > n * 3          # the programs do run, not just fault at once


@pytest.mark.slow
def test_one_million_random_instructions():
    """Fixed-seed long run: random programs until >= 1,000,000 instructions
    have executed (counting faulting ones) with zero mismatches."""
    rng_seed, total, batch = 99, 0, 0
    while total < 1_000_000:
        total += run_random(rng_seed + batch, 200, 32, max_insns=400)
        batch += 1
    assert total >= 1_000_000


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), length=st.integers(1, 40), budget=st.integers(1, 120))
def test_property_random_programs_and_budgets(seed, length, budget):
    rng = random.Random(seed)
    code = random_program(rng, length, fp=True)
    regs, mem = random_state(rng, fp=True)
    check(code, regs=regs, mem=mem, max_insns=budget, fp=True)


@pytest.mark.parametrize("budget", [0, 1, 2, 3, 5, 7, 31, 32, 33, 100, 1001])
def test_budgets_are_exact_in_loops(budget):
    r = check(asm("mov x0, #0; 1: add x0, x0, #1; add x1, x1, x0; b 1b"), max_insns=budget)
    assert r["insns"] == budget


def test_fault_in_the_middle_of_a_block_is_precise():
    code = asm("add x1, x1, #1; str x1, [x2]; ldp x3, x4, [x5]; add x6, x6, #1; ldr x7, [x8]; add x9, x9, #1")
    r = check(code, regs={"x2": DATA, "x5": DATA + 8, "x8": 0xdead0000}, mem={DATA: bytes(64)})
    assert r["exception"]["far"] == 0xdead0000 and r["insns"] == 4 and r["regs"]["x9"] == 0


def test_self_modifying_code_with_ic_ivau():
    # Patch the instruction at label 2 ("mov x0, #1" -> "mov x0, #2") and run it again.
    code = asm("""
        adr x1, 2f
        mov x4, #0
    1:  ldr w2, [x3]
        str w2, [x1]
        dc cvau, x1
        dsb ish
        ic ivau, x1
        dsb ish
        isb
    2:  mov x0, #1
        add x4, x4, #1
        cmp x4, #2
        b.ne 1b
    """)
    patch = asm("mov x0, #2")
    r = check(code, regs={"x3": DATA}, mem={DATA: patch + bytes(12)})
    assert r["regs"]["x0"] == 2 and r["exception"] is None


def test_code_written_then_branched_to():
    # A store into a page holding translated code drops the translation (no IC needed
    # for the emulator to be coherent; the architecture requires it of software).
    code = asm("""
        adr x1, 3f
        mov x5, #3
    1:  bl 3f
        ldr w2, [x3], #4
        str w2, [x1]
        subs x5, x5, #1
        b.ne 1b
        b 4f
    3:  mov x0, #7
        ret
    4:  nop
    """)
    patches = asm("mov x0, #8") + asm("mov x0, #9") + asm("mov x0, #10")
    r = check(code, regs={"x3": DATA}, mem={DATA: patches + bytes(4)})
    assert r["regs"]["x0"] == 9


@pytest.mark.parametrize("seed", range(8))
def test_single_random_words(seed):
    rng = random.Random(seed)
    for _ in range(150):
        code = random_word(rng).to_bytes(4, "little")
        regs, mem = random_state(rng)
        check(code, regs=regs, mem=mem)
    for _ in range(150):
        code = random_word(rng, FP_ROWS).to_bytes(4, "little")
        regs, mem = random_state(rng, fp=True)
        check(code, regs=regs, mem=mem, fp=True)


def test_hot_tier_recompiles_and_agrees(monkeypatch):
    """With a tiny hot threshold every looping module is recompiled at O2
    mid-run; results must not change."""
    monkeypatch.setenv("A64JIT_HOT_THRESHOLD", "3")
    run_random(777, 60, 24)
    for budget in (5, 50, 500):
        r = check(asm("mov x0, #0; 1: add x0, x0, #1; add x1, x1, x0; ldr x2, [x3]; str x1, [x3, #8]; b 1b"),
                  regs={"x3": DATA}, mem={DATA: bytes(64)}, max_insns=budget)
        assert r["insns"] == budget


def test_hot_tier_on_a_whole_program(monkeypatch):
    import io
    from a64jit.board import Board
    import os
    import a64jit
    from a64jit.runtime.loader import load_file
    demo = os.path.join(os.path.dirname(a64jit.__file__), "samples", "demo.bin")    # the bare-metal primes demo
    monkeypatch.setenv("A64JIT_HOT_THRESHOLD", "50")
    monkeypatch.setenv("A64JIT_HOT_SYNC", "1")           # deterministic: swap at once
    outs = []
    for engine in ("interp", "jit"):
        m = Board(ram_size=64 << 20, out=io.BytesIO())
        m.load(0x40200000, load_file(demo).data)
        m.enter(0x40200000)
        r = m.run(engine=engine, use_cache=False)
        outs.append((r.insns, m.out.getvalue(), m.cpu.state.pc))
        if engine == "jit":
            assert m.jit.stats.hot_recompiles >= 1
    assert outs[0] == outs[1]


def test_hot_tier_compiles_in_the_background_and_swaps_in():
    """Default (asynchronous) hot tier on a long CPU-bound run: the O2 module
    is compiled on the other thread and swapped in while the guest runs."""
    import io
    import os
    import struct
    from a64jit.board import Board
    image = bytearray(open(os.path.join(os.path.dirname(__file__), "..", "..", "a64jit", "samples",
                                        "bench.bin"), "rb").read())
    struct.pack_into("<Q", image, 0x40, 100_000_000)        # 1.1G instructions: ~1 s at tier 0
    m = Board(ram_size=64 << 20, out=io.BytesIO())
    m.load(0x40200000, bytes(image))
    m.enter(0x40200000)
    r = m.run(engine="jit", use_cache=False)
    assert r.reason == "poweroff"
    assert m.jit.stats.hot_recompiles >= 1
    assert r.insns == 11 * 100_000_000 + 156


def test_hot_tier_everywhere_on_random_programs(monkeypatch):
    """Threshold 1 and synchronous swaps: every module runs at the hot tier
    (registers in SSA across its blocks) from its first entry on."""
    monkeypatch.setenv("A64JIT_HOT_THRESHOLD", "1")
    monkeypatch.setenv("A64JIT_HOT_SYNC", "1")
    monkeypatch.setenv("A64JIT_HOT_REGS", "2")
    assert run_random(4242, 80, 24) > 80 * 3
