"""Whole boots, a64jit against qemu-system-aarch64 in the same run, timed as a
user times them (the whole command, start-up included).

    python benchmarks/boot_bench.py [--rounds N] [--debian]

Per sample kernel (samples/boot/bench.img, demo.img): QEMU, a64jit cold (an
empty code cache) and warm (the cache the cold run filled), best of N
rounds, interleaved.  --debian adds Debian's arm64 kernel (tests/debian.py)
booted with console=ttyAMA0 earlycon until the root-mount panic (the end of
an initrd-less boot, on QEMU too): wall time to that line.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
QEMU = ["qemu-system-aarch64", "-M", "virt,virtualization=on,gic-version=3", "-cpu", "cortex-a57", "-m", "512",
        "-nographic", "-kernel"]
PANIC = b"Kernel panic - not syncing: VFS: Unable to mount root fs"


def timed(cmd, env=None, until=None, timeout=1800):
    t = time.perf_counter()
    if until is None:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, env=env, timeout=timeout)
        assert p.returncode == 0, p.stderr[-500:]
        return time.perf_counter() - t
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    for line in p.stdout:
        if until in line:
            dt = time.perf_counter() - t
            p.terminate()
            p.wait()
            return dt
    raise RuntimeError(f"{cmd[0]}: ended before {until!r}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--debian", action="store_true")
    a = ap.parse_args()
    print(f"{'kernel':<10} {'QEMU s':>8} {'cold s':>8} {'warm s':>8}  {'QEMU/warm':>9}")
    cases = [(os.path.join(ROOT, "samples", "boot", n + ".img"), n, [], None) for n in ("bench", "demo")]
    if a.debian:
        from tests import debian
        cases.append((debian.kernel(), "debian", ["--append", "console=ttyAMA0 earlycon"], PANIC))
    for path, name, extra, until in cases:
        q = cold = warm = float("inf")
        for _ in range(a.rounds if until is None else 1):
            q = min(q, timed(QEMU + [path] + (["-append", extra[1]] if extra else []), until=until))
            with tempfile.TemporaryDirectory() as cache:
                env = dict(os.environ, A64JIT_CACHE_DIR=cache)
                cmd = [sys.executable, "-m", "a64jit", "boot", path, "-q"] + extra
                cold = min(cold, timed(cmd, env, until))
                warm = min(warm, timed(cmd, env, until))
        print(f"{name:<10} {q:8.2f} {cold:8.2f} {warm:8.2f}  {q / warm:9.2f}")


if __name__ == "__main__":
    main()
