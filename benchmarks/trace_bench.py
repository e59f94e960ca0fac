"""What recording a trace costs: ``a64jit boot --trace FILE`` against the same
run untraced, in one run of this script (docs/performance.md "Tracing").

    python benchmarks/trace_bench.py [--insns N] [--linux-insns N]

Cases: the CPU-bound sample (samples/boot/bench.img, the first N
instructions) and Debian's kernel (tests/debian.py; the first N
instructions of its boot, no initrd).  Each configuration runs once to fill
the code cache (traced code is other code: the trace level is part of the
translation context), then is timed (best of --rounds for the samples,
one run for the kernel): the whole command, start-up included.
Prints wall times, the ratio to the untraced run and the trace's size.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def timed(cmd, env, trace=None):
    if trace and os.path.exists(trace):
        os.unlink(trace)                                  # a new file, as a user records one
    t = time.perf_counter()
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, env=env, timeout=3600)
    assert p.returncode == 0, p.stderr[-800:]
    return time.perf_counter() - t


def case(name, args, env, tmp, rounds=1):
    base = [sys.executable, "-m", "a64jit", "boot", *args, "-q"]
    rows = []
    for label, extra in (("untraced", []), ("events", ["--trace-level", "events"]), ("blocks", []),
                         ("insns", ["--trace-level", "insns"])):
        if label == "insns" and name != "bench.img (1M)":
            continue
        path = os.path.join(tmp, f"{label}.trc")
        cmd = base + ([] if label == "untraced" else ["--trace", path] + extra)
        trace = None if label == "untraced" else path
        timed(cmd, env, trace)                            # fills the code cache
        t = min(timed(cmd, env, trace) for _ in range(rounds))
        size = os.path.getsize(path) if label != "untraced" else 0
        rows.append((label, t, size))
    t0 = rows[0][1]
    for label, t, size in rows:
        print(f"{name:<28} {label:<9} {t:8.2f} s  x{t / t0:5.2f}  " + (f"{size / 1e6:9.1f} MB" if size else ""))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--insns", type=int, default=270_000_000)
    ap.add_argument("--rounds", type=int, default=3, help="best of N timed runs (the samples)")
    ap.add_argument("--linux-insns", type=int, default=150_000_000)
    a = ap.parse_args()
    from tests import debian
    bench = os.path.join(ROOT, "samples", "boot", "bench.img")
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, A64JIT_CACHE_DIR=os.path.join(tmp, "cache"))
        print(f"{'case':<28} {'trace':<9} {'wall':>10}  {'ratio':>6}  {'file':>12}")
        case(f"bench.img ({a.insns // 1_000_000}M)", [bench, "--max-insns", str(a.insns)], env, tmp, a.rounds)
        case("bench.img (1M)", [bench, "--max-insns", "1000000"], env, tmp, a.rounds)
        if not a.linux_insns:                     # (--linux-insns 0: the samples only)
            return
        case(f"Debian kernel ({a.linux_insns // 1_000_000}M)",
             [debian.kernel(), "--append", "console=ttyAMA0 earlycon", "--max-insns", str(a.linux_insns)], env, tmp)


if __name__ == "__main__":
    main()
