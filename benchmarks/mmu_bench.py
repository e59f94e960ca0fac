"""The JIT with the MMU off and on, on the same CPU-bound guest
(a64jit/samples/bench.bin at EL2).  MMU on: the EL2 regime's stage 1 with
4 KiB pages mapping RAM (Normal) and the UART (Device) identically, so the
guest runs unchanged; the TLBs are warm after the first iterations.

    python benchmarks/mmu_bench.py [--iters N]

Steady state as jit_bench.py: the difference of two runs (N and N/4
iterations).  Reported per run with the MMU on: soft-TLB misses (memory
accesses handed to the runtime), table walks, and exits from native code,
per million guest instructions.
"""
from __future__ import annotations

import argparse
import io
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from a64jit.board import Board                       # noqa: E402
from a64jit.runtime.sysreg_defs import SCTLR             # noqa: E402
from benchmarks.jit_bench import image, LOAD             # noqa: E402
from tests.runtime.pagetables import Tables, AF, MAIR, ATTR_DEVICE   # noqa: E402

RAM, RAM_SIZE = 0x4000_0000, 64 << 20


def enable_mmu(m):
    t = Tables(m.mem, RAM + RAM_SIZE - (4 << 20), 12, 48)
    for pa in range(RAM, RAM + RAM_SIZE - (4 << 20), 0x1000):
        t.map(pa, pa, AF)
    t.map(0x0900_0000, 0x0900_0000, AF | ATTR_DEVICE)
    sr = m.cpu.sysregs
    sr.set("TCR_EL2", 16 | 4 << 16)                       # 48-bit VAs, 4K granule, 44-bit PAs
    sr.set("TTBR0_EL2", t.root)
    sr.set("MAIR_EL2", MAIR)
    sr.set("SCTLR_EL2", sr.get("SCTLR_EL2") | SCTLR.M)


def run(iters, mmu):
    m = Board(ram_size=RAM_SIZE, out=io.BytesIO())
    m.load(LOAD, image(iters))
    m.enter(LOAD)
    if mmu:
        enable_mmu(m)
    t0 = time.perf_counter()
    r = m.run(engine="jit", use_cache=False)
    dt = time.perf_counter() - t0
    assert r.reason == "poweroff", r.reason
    return r.insns, dt, m


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iters", type=int, default=10_000_000)
    a = ap.parse_args()
    big, small = a.iters, a.iters // 4
    res = {}
    for mmu in (False, True, False, True):           # interleaved, best of two
        n1, t1, m = run(big, mmu)
        n2, t2, _ = run(small, mmu)
        mips = (n1 - n2) / max(t1 - t2, 1e-9) / 1e6
        if mips > res.get(mmu, (0,))[0]:
            res[mmu] = (mips, n1, m)
        assert m.out.getvalue()
    off, on = res[False][0], res[True][0]
    _, n, m = res[True]
    st = m.jit.stats
    per = 1e6 / n
    print(f"guest: bench.bin at EL2, {n:,} instructions (N = {big:,} iterations)")
    print(f"JIT steady state, MMU off: {off:8.1f} MIPS")
    print(f"JIT steady state, MMU on:  {on:8.1f} MIPS   (MMU off / on = {off / on:.2f})")
    print(f"MMU on, per million instructions: {st.slow_accesses * per:.2f} soft-TLB misses, "
          f"{m.cpu.mmu.walks * per:.2f} table walks, {st.exits * per:.2f} exits from native code")


if __name__ == "__main__":
    main()
