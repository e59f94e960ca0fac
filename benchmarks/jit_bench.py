"""Engine benchmark: guest MIPS of the interpreter, the JIT (cold and warm
code cache), Unicorn and qemu-system-aarch64 on the same CPU-bound guest
(runtime/samples/bench.bin), plus translation cost.

    python benchmarks/jit_bench.py [--iters N] [--interp-iters N] [--no-qemu]

Method.  The guest runs an LCG/array loop of 11 instructions per iteration
for N iterations.  Steady-state speed is measured by differencing two runs
(N and N/4 iterations) so that start-up and translation cost cancel out:
MIPS = (insns(N) - insns(N/4)) / (time(N) - time(N/4)).  The instruction
counts come from a64jit (exact, and identical for every engine since it is
the same program).  Unicorn runs the same image bytes at the same address
(EL1, no hooks, stop at the SMC).  QEMU runs the image as a kernel on
-M virt,virtualization=on -cpu cortex-a57 (whole-process time).  Translation
cost: the JIT's own counters (LLVM time per block and per guest instruction)
for a cold run, and the number of LLVM compilations in the warm run (must be 0).
"""
from __future__ import annotations

import argparse
import io
import json
import os
import platform
import shutil
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from a64jit.board import Board          # noqa: E402

IMAGE = os.path.join(os.path.dirname(__file__), "..", "a64jit", "samples", "bench.bin")
LOAD = 0x40200000
ITER_OFFSET = 0x40
OPT = [0]


def image(iters: int) -> bytes:
    data = bytearray(open(IMAGE, "rb").read())
    struct.pack_into("<Q", data, ITER_OFFSET, iters)
    return bytes(data)


def run_a64jit(iters, engine, cache_dir=None, use_cache=False):
    if cache_dir:
        os.environ["A64JIT_CACHE_DIR"] = cache_dir
    m = Board(ram_size=64 << 20, out=io.BytesIO())
    m.load(LOAD, image(iters))
    m.enter(LOAD)
    t0 = time.perf_counter()
    r = m.run(engine=engine, use_cache=use_cache)
    dt = time.perf_counter() - t0
    assert r.reason == "poweroff", r.reason
    return r.insns, dt, m.out.getvalue(), m.jit


def run_child(iters, cache_dir):
    """One a64jit JIT run in a fresh process (so a warm run really starts from
    the disk cache, not from code already in this process)."""
    code = ("import sys, json; sys.path.insert(0, %r); import benchmarks.jit_bench as b; "
            "n, dt, out, jit = b.run_a64jit(%d, 'jit', %r, use_cache=True); "
            "print(json.dumps({'insns': n, 'seconds': dt, 'out': out.decode(), 'stats': jit.stats.as_dict()}))"
            % (os.path.join(os.path.dirname(__file__), ".."), iters, cache_dir))
    env = dict(os.environ, A64JIT_OPT=str(OPT[0]))
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    return json.loads(p.stdout)


def run_unicorn(iters):
    from unicorn import Uc, UC_ARCH_ARM64, UC_MODE_ARM
    from unicorn.arm64_const import UC_CPU_ARM64_A72
    data = image(iters)
    uc = Uc(UC_ARCH_ARM64, UC_MODE_ARM)
    uc.ctl_set_cpu_model(UC_CPU_ARM64_A72)
    uc.mem_map(0x09000000, 0x1000)                         # the UART data register: plain RAM here
    uc.mem_map(0x40000000, 64 << 20)
    uc.mem_write(LOAD, data)
    smc = data.find(struct.pack("<I", 0xD4000003))        # smc #0
    t0 = time.perf_counter()
    uc.emu_start(LOAD, LOAD + smc)
    return time.perf_counter() - t0


def run_qemu(iters):
    qemu = shutil.which("qemu-system-aarch64")
    with tempfile.NamedTemporaryFile(suffix=".bin") as f:
        f.write(image(iters))
        f.flush()
        t0 = time.perf_counter()
        p = subprocess.run([qemu, "-M", "virt,virtualization=on,gic-version=3", "-cpu", "cortex-a57", "-m", "64",
                            "-nographic", "-no-reboot", "-kernel", f.name], capture_output=True, timeout=600)
        dt = time.perf_counter() - t0
    return dt, p.stdout


def steady(fn, n_big, n_small, insns_big, insns_small):
    t_big = min(fn(n_big) for _ in range(2))
    t_small = min(fn(n_small) for _ in range(2))
    return (insns_big - insns_small) / max(t_big - t_small, 1e-9) / 1e6


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iters", type=int, default=20_000_000)
    ap.add_argument("--interp-iters", type=int, default=8000)
    ap.add_argument("--no-qemu", action="store_true")
    ap.add_argument("--opt", type=int, default=0, help="JIT optimisation level (A64JIT_OPT), default 0")
    a = ap.parse_args()
    OPT[0] = a.opt
    big, small = a.iters, a.iters // 4
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    rows = []

    # Interpreter (small counts: it is slow)
    ib, isml = a.interp_iters, a.interp_iters // 4
    n_ib, t_ib, out_i, _ = run_a64jit(ib, "interp")
    n_is, t_is, _, _ = run_a64jit(isml, "interp")
    interp_mips = (n_ib - n_is) / (t_ib - t_is) / 1e6
    rows.append(("a64jit interpreter", interp_mips))

    # JIT, each run in a fresh process: cold (empty cache directory), then warm (same directory)
    with tempfile.TemporaryDirectory() as cache:
        cold = run_child(big, cache)
        warm = [run_child(big, cache) for _ in range(2)]
        warm_small = [run_child(small, cache) for _ in range(2)]
    n_big, n_small = cold["insns"], warm_small[0]["insns"]
    t_big = min(w["seconds"] for w in warm)
    t_small = min(w["seconds"] for w in warm_small)
    jit_mips = (n_big - n_small) / (t_big - t_small) / 1e6
    out_j = cold["out"].encode()
    tier = "all code at O%d" % a.opt if a.opt else "tier 0 + hot tier O2"
    rows.append((f"a64jit JIT steady state ({tier})", jit_mips))
    rows.append(("a64jit JIT cold cache, whole run", n_big / cold["seconds"] / 1e6))
    rows.append(("a64jit JIT warm cache, whole run", n_big / t_big / 1e6))

    try:
        uni = steady(run_unicorn, big, small, n_big, n_small)
        rows.append(("Unicorn 2 (QEMU 5 TCG), steady state", uni))
    except ImportError:
        uni = None
    qemu = None
    if not a.no_qemu and shutil.which("qemu-system-aarch64"):
        qb, qout = min(run_qemu(big) for _ in range(3))
        qs = min(run_qemu(small)[0] for _ in range(3))
        qemu = (n_big - n_small) / (qb - qs) / 1e6
        rows.append(("qemu-system-aarch64 TCG, steady state", qemu))
        assert qout.strip().endswith(out_j.strip()), (qout, out_j)

    assert out_i and out_j, "guest printed nothing"
    print(f"guest: bench.bin, {n_big:,} instructions for {big:,} iterations; checksum {out_j.decode().strip()}")
    print(f"{'engine':<42} {'MIPS':>10} {'x interp':>10}")
    for name, mips in rows:
        print(f"{name:<42} {mips:>10.2f} {mips / interp_mips:>10.0f}")
    st = cold["stats"]
    print(f"translation (cold run): {st['blocks_compiled']} blocks / {st['guest_insns_compiled']} guest insns in "
          f"{st['llvm_compiles']} LLVM modules, {st['compile_seconds'] * 1000:.1f} ms = "
          f"{st['compile_seconds'] * 1000 / max(st['blocks_compiled'], 1):.3f} ms/block, "
          f"{st['compile_seconds'] * 1000 / max(st['guest_insns_compiled'], 1):.3f} ms/guest insn")
    print(f"hot tier (cold run): {st['hot_recompiles']} modules recompiled at O2 in {st['hot_seconds'] * 1000:.1f} ms")
    for i, w in enumerate(warm):
        sw = w["stats"]
        print(f"warm run {i + 1}: {sw['llvm_compiles']} LLVM compilations, {sw['cache_hits']} modules loaded "
              f"from the code cache, {sw['compile_seconds'] * 1000:.1f} ms loading")
    if uni:
        print(f"JIT / Unicorn = {jit_mips / uni:.2f}")
    if qemu:
        print(f"JIT / QEMU = {jit_mips / qemu:.2f}")


if __name__ == "__main__":
    main()
