"""Debian's arm64 kernel with the busybox initramfs, booted unattended to
power-off, on a64jit (cold, warm, warm with --profile) and on
qemu-system-aarch64 in the same run: the figures of docs/performance.md
("Linux boot").

    python benchmarks/linux_boot.py [--json OUT]

The files come from tests/debian.py (apt-get download, cached).  The
command line is ``console=ttyAMA0 earlycon rdinit=/init a64jit.script``:
/init runs uname, reads the CPU features, runs kvm_test (a KVM guest) and
powers off.  a64jit runs write ``--stats`` JSON (a64jit/profile.py): the
instruction count and wall time at which each console line was printed,
translation figures and slow-path events; QEMU's times are read from its
console as it prints.  Wall times are of the whole command, start-up
included, as a user measures them.
"""
import argparse
import json
import os
import selectors
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
APPEND = "console=ttyAMA0 earlycon rdinit=/init a64jit.script"
INIT_LINE = "Run /init as init process"
QEMU = ["qemu-system-aarch64", "-M", "virt,virtualization=on,gic-version=3", "-cpu", "cortex-a57", "-m", "512",
        "-nographic"]


def qemu_times(kernel, initrd):
    """(seconds to the /init line, seconds to exit) of one QEMU boot."""
    t0 = time.perf_counter()
    p = subprocess.Popen(QEMU + ["-kernel", kernel, "-initrd", initrd, "-append", APPEND], stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    to_init, buf = None, b""
    sel = selectors.DefaultSelector()
    sel.register(p.stdout, selectors.EVENT_READ)
    while True:
        sel.select(timeout=1)
        chunk = os.read(p.stdout.fileno(), 65536)
        if not chunk:
            break
        buf += chunk
        if to_init is None and INIT_LINE.encode() in buf:
            to_init = time.perf_counter() - t0
        if time.perf_counter() - t0 > 300:
            p.kill()
            raise RuntimeError("QEMU did not power off in 300 s")
    p.wait()
    assert b"kvm_test: ok" in buf, buf[-500:]
    return to_init, time.perf_counter() - t0


def a64jit_run(kernel, initrd, cache, profile=False):
    with tempfile.NamedTemporaryFile(suffix=".json") as f:
        cmd = [sys.executable, "-m", "a64jit", "boot", kernel, "--initrd", initrd, "--append", APPEND, "-q",
               "--stats", f.name] + (["--profile"] if profile else [])
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            t0 = time.perf_counter()
            p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                 env=dict(os.environ, A64JIT_CACHE_DIR=cache))
            _, status, usage = os.wait4(p.pid, 0)        # (the child's own peak RSS)
            wall = time.perf_counter() - t0
            p.returncode = os.waitstatus_to_exitcode(status)
            out.seek(0)
            err.seek(0)
            stdout, stderr = out.read(), err.read()
        assert p.returncode == 0 and b"kvm_test: ok" in stdout, stderr[-800:]
        d = json.load(open(f.name))
    d["command_seconds"] = wall
    d["peak_rss_mb"] = usage.ru_maxrss / 1024
    init = next((c for c in d["console"] if INIT_LINE in c[2]), None)
    d["to_init"] = {"instructions": init[0], "seconds": init[1]} if init else None
    if profile:
        d["profile_text"] = stderr.decode(errors="replace")
    return d


def compile_sources():
    """Byte-compile a64jit's sources, as ``pip install`` does for an
    installed package: an editable install under PYTHONDONTWRITEBYTECODE
    (set on the development machine) would otherwise compile every module
    again at each start (0.2 s of each run, measured)."""
    import compileall
    for d in ("a64jit", "translator", "runtime"):
        compileall.compile_dir(os.path.join(ROOT, d), quiet=1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", metavar="OUT", help="also write every figure as JSON")
    a = ap.parse_args()
    compile_sources()
    from tests import debian
    kernel, initrd = debian.kernel(), debian.initramfs()
    q_init, q_all = qemu_times(kernel, initrd)
    with tempfile.TemporaryDirectory() as cache:
        cold = a64jit_run(kernel, initrd, cache)
        warm = a64jit_run(kernel, initrd, cache)
        prof = a64jit_run(kernel, initrd, cache, profile=True)
    q_init2, q_all2 = qemu_times(kernel, initrd)
    q_init, q_all = min(q_init, q_init2), min(q_all, q_all2)

    print(f"Debian {os.path.basename(kernel)} + busybox initramfs, unattended to power-off ({APPEND})")
    print(f"{'':<34} {'QEMU':>10} {'a64jit cold':>12} {'a64jit warm':>12}")
    print(f"{'wall to /init (s)':<34} {q_init:>10.2f} {cold['to_init']['seconds']:>12.1f} "
          f"{warm['to_init']['seconds']:>12.1f}")
    print(f"{'wall to power-off, whole command (s)':<34} {q_all:>10.2f} {cold['command_seconds']:>12.1f} "
          f"{warm['command_seconds']:>12.1f}")
    print(f"{'  ratio to QEMU':<34} {'':>10} {cold['command_seconds'] / q_all:>12.0f} "
          f"{warm['command_seconds'] / q_all:>12.0f}")
    print(f"instructions to /init: {cold['to_init']['instructions']:,}; to power-off: {cold['instructions']:,} "
          f"(warm: {warm['instructions']:,}); idle instruction-times skipped in WFI: "
          f"{cold['idle_instruction_times']:,}")
    for name, d in (("cold", cold), ("warm", warm)):
        tr = d["translation"]
        print(f"{name}: {tr['blocks_lifted']:,} blocks translated ({tr['guest_insns_compiled']:,} instructions), "
              f"{tr['llvm_compiles']:,} LLVM compiles, {tr['cache_hits']:,} modules from the cache, "
              f"lift {tr['lift_seconds']:.1f} s, LLVM {tr['compile_seconds']:.1f} s, hot tier "
              f"{tr['hot_recompiles']} modules {tr['hot_seconds']:.1f} s (other thread), "
              f"{tr['modules_dropped']:,} modules dropped; translation index: {tr['index_modules']:,} modules "
              f"({tr['index_blocks']:,} blocks) found by their bytes in {tr['index_seconds']:.1f} s; "
              f"peak RSS {d['peak_rss_mb']:,.0f} MB (guest RAM 512 MiB)")
    print("warm, with --profile (runtime entries timed):")
    for k, s in prof["time"].items():
        print(f"  {k:<55} {s:>8.1f} s")
    print("slow-path events per million instructions (warm):")
    for k, v in sorted(warm["events_per_million_instructions"].items(), key=lambda kv: -kv[1]):
        print(f"  {k:<12} {v:>10,.1f}   ({warm['events'][k]:,})")
    print("returns from native code (warm): " + ", ".join(f"{k} {v:,}" for k, v in warm["exits"].items()))
    print("runtime entries (warm, --profile): " + ", ".join(
        f"{k} {v['calls']:,} ({v['seconds']:.1f} s)" for k, v in list(prof.get("helpers", {}).items())[:8]))
    print("exceptions (warm): " + ", ".join(f"{k} {v:,}" for k, v in warm["exceptions"].items()))
    print("interrupts (warm): " + ", ".join(f"{k} {v:,}" for k, v in warm["interrupts"].items()))
    print("MMIO (warm): " + ", ".join(f"{k} {v['reads'] + v['writes']:,}" for k, v in warm["mmio"].items()))
    if a.json:
        for d in (cold, warm, prof):
            d.pop("console", None)
        with open(a.json, "w") as f:
            json.dump({"qemu": {"to_init": q_init, "to_poweroff": q_all}, "cold": cold, "warm": warm,
                       "profile": prof}, f, indent=1)


if __name__ == "__main__":
    main()
