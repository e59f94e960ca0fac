"""Floating point, NEON and AES kernels on four engines in one run: the
interpreter, the JIT, Unicorn and qemu-system-aarch64.

    python benchmarks/fp_bench.py [--rounds N] [--interp-rounds N]

The kernels are samples/boot/fp_core.h (built into samples/boot/fpbench_*.img
by ``make -C samples boot``): a dense double-precision matrix multiply
(scalar FMADD), a NEON integer checksum and AES-128 CBC rounds (AESE/AESMC).

Two measurements per kernel:
- *whole system* (QEMU and the JIT): the sample kernel fpbench_<k>.img boots,
  runs its kernel for the rounds it was built with and powers off; the time
  of fpbench_none.img (the same boot without the kernel) is subtracted; best
  of N runs, the JIT's code cache warm.
- *function level* (interpreter, JIT, Unicorn): the kernel's round function
  is called in a bare CPU from the image's symbols (init once, then rounds),
  the call timed alone.  The interpreter runs fewer rounds.

Per-round times are printed with the ratios QEMU/JIT (system) and
Unicorn/JIT, interpreter/JIT (function).  All engines must give the same
result (checked)."""
import argparse
import os
import struct
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
BOOT = os.path.join(ROOT, "samples", "boot")
QEMU = ["qemu-system-aarch64", "-M", "virt,virtualization=on,gic-version=3", "-cpu", "cortex-a57", "-m", "512",
        "-nographic", "-kernel"]
KERNELS = {"matmul": 20000, "neon": 400000, "aes": 100000}   # the rounds fpbench_<k>.img was built with (samples/Makefile)
BASE = 0x40200000
STACK = 0x48000000
SENTINEL = 0x4F000000


def timed(cmd, env=None):
    t = time.perf_counter()
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, env=env, timeout=1800)
    assert p.returncode == 0, p.stderr[-500:]
    return time.perf_counter() - t, p.stdout.replace(b"\r\n", b"\n")


def system_times(name, runs, env):
    img = os.path.join(BOOT, f"fpbench_{name}.img")
    q = j = float("inf")
    outs = set()
    for _ in range(runs):
        tq, oq = timed(QEMU + [img])
        tj, oj = timed([sys.executable, "-m", "a64jit", "boot", img, "-q"], env)
        q, j = min(q, tq), min(j, tj)
        outs |= {oq, oj}
    assert len(outs) == 1, f"{name}: QEMU and a64jit disagree: {outs}"
    return q, j, outs.pop().strip().decode()


def symbols(elf_path):
    from elftools.elf.elffile import ELFFile
    with open(elf_path, "rb") as fh:
        elf = ELFFile(fh)
        syms = {s.name.split(".")[0]: s["st_value"] for s in elf.get_section_by_name(".symtab").iter_symbols()
                if s.name}
        image = b""
        memsz = 0
        for seg in elf.iter_segments():
            if seg["p_type"] == "PT_LOAD":
                image = seg.data()
                memsz = seg["p_memsz"]
    return syms, image + bytes(memsz - len(image))


def call_unicorn(image, calls):
    from unicorn import Uc, UC_ARCH_ARM64, UC_MODE_ARM
    from unicorn import arm64_const as A
    uc = Uc(UC_ARCH_ARM64, UC_MODE_ARM)
    size = (len(image) + 0xFFFF) & ~0xFFFF
    uc.mem_map(BASE, size)
    uc.mem_write(BASE, image)
    uc.mem_map(STACK - 0x10000, 0x10000)
    uc.mem_map(SENTINEL, 0x1000)
    uc.reg_write(A.UC_ARM64_REG_CPACR_EL1, 3 << 20)
    acc, t = 1, 0.0
    for fn, rounds in calls:
        for i in range(rounds):
            uc.reg_write(A.UC_ARM64_REG_X0, acc)
            uc.reg_write(A.UC_ARM64_REG_SP, STACK)
            uc.reg_write(A.UC_ARM64_REG_LR, SENTINEL)
            t0 = time.perf_counter()
            uc.emu_start(BASE + fn, SENTINEL)
            dt = time.perf_counter() - t0
            if rounds > 1:
                t += dt if i else 0.0                  # the first call warms up (and, for the JIT, compiles)
                acc = uc.reg_read(A.UC_ARM64_REG_X0)
    return acc, t


def call_a64jit(engine_name, image, calls):
    from a64jit.runtime.cpu import Cpu
    from a64jit.runtime.memory import PhysMemory
    from a64jit.translator.engine import create_engine
    from a64jit.runloop import run_engine
    pm = PhysMemory()
    pm.add_ram(BASE, len(image) + 0x10000, image + bytes(0x10000))
    pm.add_ram(STACK - 0x10000, 0x10000, bytes(0x10000))
    pm.add_ram(SENTINEL, 0x1000, struct.pack("<I", 0xD4200000) * 1024)     # BRK #0
    cpu = Cpu(pm)
    cpu.set_pstate_el(1, 1)
    cpu.sysregs.set("CPACR_EL1", 3 << 20)
    eng = create_engine(engine_name, cpu, code_range=(BASE, BASE + len(image)))
    acc, t = 1, 0.0
    try:
        for fn, rounds in calls:
            for i in range(rounds):
                s = cpu.state
                s.x[0], s.x[30], s.x[31], s.pc = acc, SENTINEL, STACK, BASE + fn
                t0 = time.perf_counter()
                run_engine(eng, cpu, max_insns=1 << 40, on_exception=lambda exc: "exception",
                           on_halt=lambda: None)
                dt = time.perf_counter() - t0
                assert s.pc == SENTINEL, hex(s.pc)
                if rounds > 1:
                    t += dt if i else 0.0
                    acc = s.x[0]
    finally:
        eng.close()
    return acc, t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3, help="system runs per engine (best of)")
    ap.add_argument("--fn-rounds", type=int, default=400, help="function-level rounds (JIT, Unicorn)")
    ap.add_argument("--interp-rounds", type=int, default=3, help="function-level rounds (interpreter)")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, A64JIT_CACHE_DIR=cache)
        timed([sys.executable, "-m", "a64jit", "boot", os.path.join(BOOT, "fpbench_none.img"), "-q"], env)
        base_q, base_j, _ = system_times("none", a.rounds, env)
        print(f"baseline (boot + power-off): QEMU {base_q:.3f} s, a64jit {base_j:.3f} s\n")
        print(f"{'kernel':<8} {'rounds':>6} | {'QEMU ms/r':>9} {'JIT ms/r':>9} {'QEMU/JIT':>8} | "
              f"{'interp':>9} {'Unicorn':>9} {'JIT fn':>9} {'Uc/JIT':>7} {'int/JIT':>8}  (ms per round)")
        for name, rounds in KERNELS.items():
            timed([sys.executable, "-m", "a64jit", "boot", os.path.join(BOOT, f"fpbench_{name}.img"), "-q"], env)
            q, j, out = system_times(name, a.rounds, env)
            sq, sj = (q - base_q) / rounds * 1e3, (j - base_j) / rounds * 1e3
            syms, image = symbols(os.path.join(BOOT, f"fpbench_{name}.elf"))
            init, rnd = syms[f"fp_{name}_init"], syms[f"fp_{name}_round"]
            n = a.fn_rounds
            ru, tu = call_unicorn(image, [(init, 1), (rnd, n)])
            rj, tj = call_a64jit("jit", image, [(init, 1), (rnd, n)])
            ri, ti = call_a64jit("interp", image, [(init, 1), (rnd, a.interp_rounds)])
            ru2, _ = call_unicorn(image, [(init, 1), (rnd, a.interp_rounds)])
            assert ru == rj and ri == ru2, f"{name}: results differ: unicorn {ru:#x} jit {rj:#x} interp {ri:#x}"
            fu, fj, fi = tu / (n - 1) * 1e3, tj / (n - 1) * 1e3, ti / (a.interp_rounds - 1) * 1e3
            print(f"{name:<8} {rounds:>6} | {sq:9.3f} {sj:9.3f} {sq / sj:8.2f} | "
                  f"{fi:9.2f} {fu:9.3f} {fj:9.3f} {fu / fj:7.2f} {fi / fj:8.0f}   {out}")


if __name__ == "__main__":
    main()
