"""Hot code: the guest benchmark programs of benchmarks/guest/ (C, built by its
Makefile, images committed) on every engine in one run, with per-program and
geometric-mean ratios (issue 17).

    python benchmarks/hot_code.py [--rounds N] [--programs a,b] [--quick] [--json FILE]
                                  [--interp-rounds N] [--keep DIR]

Each program is a pure function ``u64 bench_run(u64 iters)`` (cost linear in
``iters``) behind a guest main that turns on the EL2 MMU, as a kernel runs,
reads the size from the global ``bench_iters``, prints ``<name> iters <n>
checksum <hex>`` and powers off.  The size is chosen by patching
``bench_iters`` in a copy of the image (the image is linked at 0: the
symbol's value from the ELF is its offset in the .img); the same patched
image goes to QEMU and to a64jit.  Per program:

- **QEMU** (``qemu-system-aarch64 -M virt,virtualization=on,gic-version=3
  -cpu cortex-a57 -m 512``, TCG) and **a64jit** (``python -m a64jit boot IMG
  -q``): whole commands at the big size B and the small size S = B/10, best
  of N rounds (interleaved); steady state = (time(B) - time(S)) / (B - S), so
  start-up, the MMU set-up and one-time translation cancel.  a64jit three
  ways: default tiers with a warm code cache (a cache directory this script
  creates, filled by the cold run), tier 0 only (``A64JIT_HOT_THRESHOLD=0``,
  its own warm cache), and **cold**: the big run with an empty cache (whole
  command, and its lifting, tier-0 and hot-tier compile times).
- **Unicorn**: function level: the image (relocated by this script as
  start.S relocates it) mapped at 0x40200000 in a bare Unicorn (MMU off),
  bench_run(n) called from the ELF's symbol with a stack and a return
  sentinel, at S and S/10, best of N; steady state is the difference.
- **the interpreter** (``--engine interp``): at a tiny size T (about 2 million
  instructions) and at 0: (time(T) - time(0)) / T, best of --interp-rounds.
- **native x86-64**: the same C built now with the host's ``gcc -O2`` into a
  temporary directory (benchmarks/guest/native_main.c times bench_run with
  CLOCK_MONOTONIC, best of 5 calls in one process) at B and S.

Every engine's checksum is compared at each size it ran (QEMU's console line,
a64jit's, the native build's, Unicorn's return value): any disagreement ends
the script with status 1.  Guest instruction counts come from a64jit's
``--stats`` (``instructions``): MIPS per engine.  The hot tier: the cold run
runs under a probe (this script with ``--probe-run``: a64jit's own CLI with
two wrappers) that records every LLVM compile at the hot tier's level with
the number of guest blocks (and instructions) of the module it compiled:
hot-tier compile seconds per optimised block, against the 5 ms target; the
``--stats`` figures (hot_recompiles, hot_seconds: the latency from the
tier-up request to the switch, background queueing included) are reported
too.

``--quick``: tiny sizes, one round, no warm-up runs, no interpreter run at 0
(the test suite runs it): the whole pipeline with every checksum checked;
the timings mean nothing.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GUEST = os.path.join(ROOT, "benchmarks", "guest")
QEMU = ["qemu-system-aarch64", "-M", "virt,virtualization=on,gic-version=3", "-cpu", "cortex-a57", "-m", "512",
        "-nographic", "-kernel"]
#: name: (big size B in iterations, the interpreter's tiny size T).  B is 1-2 s of QEMU (TCG) on the
#: development machine beyond start-up; T about 2 million guest instructions.  Guest instructions per
#: iteration: list 84 k, hash 176 k, string 189 k, interp 204 k, recursion 139 k, matrix 119 k, bits 123 k.
PROGRAMS = {
    "list": (10000, 24),
    "hash": (5000, 12),
    "string": (9000, 10),
    "interp": (4000, 10),
    "recursion": (10000, 16),
    "matrix": (10000, 17),
    "bits": (20000, 16),
}
#: --quick: B, S, T (every program; the JIT runs at T too, where the test compares it with the interpreter)
QUICK = (2, 1, 1)
UNICORN_BASE = 0x40200000           # where QEMU and a64jit load an arm64 Image with text_offset 0
UNICORN_STACK = 0x4F000000
UNICORN_SENTINEL = 0x4F800000
HOT_TARGET_MS = 5.0                 # issue 17: at most 5 ms of compile time per optimised guest block
LINE = re.compile(rb"^(\w+) iters (\d+) checksum (0x[0-9a-f]+)\s*$", re.M)
#: a64jit switches this script sets itself (inherited values would change what is measured)
OWN_ENV = ("A64JIT_NO_CACHE", "A64JIT_CACHE_DIR", "A64JIT_HOT_THRESHOLD", "A64JIT_HOT_SYNC", "A64JIT_OPT",
           "A64JIT_CACHE_MAX_MB")


class Disagreement(Exception):
    pass


# -- images ------------------------------------------------------------------------------
def elf_info(elf_path: str) -> dict:
    """Symbols, the loaded size (_end) and the R_AARCH64_RELATIVE relocations of a guest ELF."""
    from elftools.elf.elffile import ELFFile
    from elftools.elf.relocation import RelocationSection
    with open(elf_path, "rb") as fh:
        elf = ELFFile(fh)
        syms = {s.name: s["st_value"] for s in elf.get_section_by_name(".symtab").iter_symbols() if s.name}
        loads = [seg for seg in elf.iter_segments() if seg["p_type"] == "PT_LOAD"]
        relocs = []
        for sec in elf.iter_sections():
            if isinstance(sec, RelocationSection):
                for r in sec.iter_relocations():
                    if r["r_info_type"] == 1027:             # R_AARCH64_RELATIVE (as start.S)
                        relocs.append((r["r_offset"], r["r_addend"]))
    base = min(seg["p_vaddr"] for seg in loads)
    return {"syms": syms, "base": base, "end": syms["_end"], "relocs": relocs}


def patch_image(img_path: str, elf_path: str, iters: int, out_path: str | None = None) -> str:
    """A copy of the image (or the image itself: out_path None) with bench_iters = iters."""
    info = elf_info(elf_path)
    off = info["syms"]["bench_iters"] - info["base"]
    with open(img_path, "rb") as fh:
        data = bytearray(fh.read())
    assert off + 8 <= len(data), "bench_iters is not in the image file (not in .data?)"
    struct.pack_into("<Q", data, off, iters)
    with open(out_path or img_path, "wb") as fh:
        fh.write(data)
    return out_path or img_path


def parse_line(out: bytes, name: str, iters: int) -> str:
    m = LINE.findall(out.replace(b"\r\n", b"\n"))
    if len(m) != 1 or m[0][0].decode() != name or int(m[0][1]) != iters:
        raise Disagreement(f"{name} at {iters} iterations: unexpected output {out[-400:]!r}")
    return m[0][2].decode()


# -- running -----------------------------------------------------------------------------
def timed(cmd, env=None, timeout=3600):
    t = time.perf_counter()
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, env=env, timeout=timeout)
    dt = time.perf_counter() - t
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: status {p.returncode}\n{p.stdout[-800:]!r}\n{p.stderr[-1500:].decode()}")
    return dt, p.stdout


def build_native(tmp: str, names) -> dict:
    out = {}
    for name in names:
        exe = os.path.join(tmp, f"native-{name}")
        cmd = ["gcc", "-O2", "-Wall", "-Wextra", "-fno-tree-loop-distribute-patterns", "-o", exe,
               os.path.join(GUEST, f"{name}.c"), os.path.join(GUEST, "native_main.c")]
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError(f"native build of {name} failed:\n{p.stderr}")
        out[name] = exe
    return out


def run_native(exe: str, name: str, iters: int, repeats: int = 1):
    _, out = timed([exe, str(iters), str(repeats)])
    m = re.search(rb"seconds ([0-9.e+-]+)", out)
    return float(m.group(1)), parse_line(out.split(b" seconds")[0] + b"\n", name, iters)


class Unicorn:
    """bench_run(n) in a bare Unicorn: the image relocated at UNICORN_BASE, MMU off."""

    def __init__(self, img_path: str, elf_path: str):
        from unicorn import Uc, UC_ARCH_ARM64, UC_MODE_ARM
        from unicorn import arm64_const as A
        info = elf_info(elf_path)
        size = info["end"] - info["base"]
        with open(img_path, "rb") as fh:
            data = bytearray(fh.read())
        data += bytes(size - len(data))
        for off, addend in info["relocs"]:
            struct.pack_into("<Q", data, off - info["base"], UNICORN_BASE + addend)
        self.A = A
        self.uc = uc = Uc(UC_ARCH_ARM64, UC_MODE_ARM)
        uc.mem_map(UNICORN_BASE, (size + 0xFFFF) & ~0xFFFF)
        uc.mem_write(UNICORN_BASE, bytes(data))
        uc.mem_map(UNICORN_STACK - 0x10000, 0x10000)
        uc.mem_map(UNICORN_SENTINEL, 0x1000)
        uc.reg_write(A.UC_ARM64_REG_CPACR_EL1, 3 << 20)
        self.fn = UNICORN_BASE + info["syms"]["bench_run"] - info["base"]

    def call(self, iters: int):
        uc, A = self.uc, self.A
        uc.reg_write(A.UC_ARM64_REG_X0, iters)
        uc.reg_write(A.UC_ARM64_REG_SP, UNICORN_STACK)
        uc.reg_write(A.UC_ARM64_REG_LR, UNICORN_SENTINEL)
        t = time.perf_counter()
        uc.emu_start(self.fn, UNICORN_SENTINEL)
        dt = time.perf_counter() - t
        pc = uc.reg_read(A.UC_ARM64_REG_PC)
        if pc != UNICORN_SENTINEL:
            raise RuntimeError(f"Unicorn stopped at {pc:#x}, not at the return sentinel")
        return dt, f"{uc.reg_read(A.UC_ARM64_REG_X0):#x}"


def a64jit_cmd(img, *extra):
    return [sys.executable, "-m", "a64jit", "boot", img, "-q", *extra]


def per_iter(t_big, t_small, n_big, n_small):
    d = t_big - t_small
    return d / (n_big - n_small) if n_big > n_small else float("nan")


def geomean(xs):
    xs = [x for x in xs if x is not None and x > 0 and math.isfinite(x)]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else float("nan")


def ratio(a, b):
    return a / b if a and b and a > 0 and b > 0 and math.isfinite(a) and math.isfinite(b) else float("nan")


# -- one program ---------------------------------------------------------------------------
class Program:
    def __init__(self, name, sizes, tmp, native_exe, base_env, args):
        self.name, self.tmp, self.native, self.args = name, tmp, native_exe, args
        self.B, self.S, self.T = sizes
        self.U = (self.S, max(self.S // 10, 1 if self.S > 1 else 0))   # Unicorn: S and S/10
        self.img = os.path.join(GUEST, f"{name}.img")
        self.elf = os.path.join(GUEST, f"{name}.elf")
        self.base_env = base_env
        self.sums: dict[int, dict[str, str]] = {}      # iterations -> engine -> checksum
        self.r: dict = {"program": name, "sizes": {"big": self.B, "small": self.S, "interp": self.T,
                                                   "unicorn": list(self.U)}}
        self.images = {}

    def image(self, n):
        if n not in self.images:
            self.images[n] = patch_image(self.img, self.elf, n, os.path.join(self.tmp, f"{self.name}-{n}.img"))
        return self.images[n]

    def agree(self, n, engine, checksum):
        seen = self.sums.setdefault(n, {})
        seen.setdefault(engine, checksum)
        if seen[engine] != checksum or len(set(seen.values())) != 1:
            seen[engine + " (again)"] = checksum
            raise Disagreement(f"{self.name} at {n} iterations: checksums differ: {seen}")

    def env(self, cache, **extra):
        return dict(self.base_env, A64JIT_CACHE_DIR=cache, **extra)

    def a64jit(self, n, env, stats=False, probe=None):
        extra = []
        st = None
        if stats:
            st = os.path.join(self.tmp, f"stats-{self.name}-{n}.json")
            extra = ["--stats", st]
        cmd = a64jit_cmd(self.image(n), *extra)
        if probe:
            cmd = [sys.executable, os.path.abspath(__file__), "--probe-run", probe] + cmd[3:]
        dt, out = timed(cmd, env)
        data = None
        if st:
            with open(st) as fh:
                data = json.load(fh)
        return dt, parse_line(out, self.name, n), data

    def qemu(self, n):
        dt, out = timed(QEMU + [self.image(n)])
        return dt, parse_line(out, self.name, n)

    def run(self, log):
        a, B, S, T, name = self.args, self.B, self.S, self.T, self.name
        r = self.r
        # native
        nat = {}
        for n in sorted({B, S, T, 0, *self.U}):
            t, c = run_native(self.native, name, n, 5 if n in (B, S) else 1)
            nat[n] = t
            self.agree(n, "native", c)
        r["native"] = {"big_s": nat[B], "small_s": nat[S], "per_iter_s": per_iter(nat[B], nat[S], B, S)}
        log(f"  native   {r['native']['per_iter_s'] * 1e6:10.3f} us/iter")
        # a64jit cold: the big run, empty cache (it fills the default-tier cache for the warm runs)
        cache_def = os.path.join(self.tmp, f"cache-{name}-default")
        cache_t0 = os.path.join(self.tmp, f"cache-{name}-tier0")
        probe = os.path.join(self.tmp, f"probe-{name}.json")
        env_def, env_t0 = self.env(cache_def), self.env(cache_t0, A64JIT_HOT_THRESHOLD="0")
        dt, c, st = self.a64jit(B, env_def, stats=True, probe=probe)
        self.agree(B, "a64jit cold", c)
        with open(probe) as fh:
            pr = json.load(fh)
        r["cold"] = cold_figures(dt, st, pr)
        log(f"  cold     {dt:8.3f} s whole command (lift {r['cold']['lift_s']:.2f} s, tier-0 LLVM "
            f"{r['cold']['tier0_compile_s']:.2f} s, hot tier {r['cold']['hot']['compile_s']:.2f} s for "
            f"{r['cold']['hot']['blocks']} blocks)")
        # warm-ups (not with --quick): the default cache has the big run's code; the tier-0 cache is empty
        if not a.quick:
            self.a64jit(S, env_def)
            for n in (B, S):
                self.a64jit(n, env_t0)
        best = {k: [math.inf, math.inf] for k in ("qemu", "jit", "tier0")}
        stats = {}
        for rnd in range(a.rounds):
            for i, n in enumerate((B, S)):
                t, c = self.qemu(n)
                self.agree(n, "qemu", c)
                best["qemu"][i] = min(best["qemu"][i], t)
                t, c, st = self.a64jit(n, env_def, stats=rnd == 0)
                self.agree(n, "a64jit", c)
                best["jit"][i] = min(best["jit"][i], t)
                if st:
                    stats[n] = st
                t, c, st = self.a64jit(n, env_t0, stats=rnd == 0)
                self.agree(n, "a64jit tier 0", c)
                best["tier0"][i] = min(best["tier0"][i], t)
                if st:
                    stats[("t0", n)] = st
        insns = (stats[B]["instructions"] - stats[S]["instructions"]) / (B - S) if B > S else float("nan")
        counts = {"cold": r["cold"]["instructions"], "warm": stats[B]["instructions"],
                  "tier 0": stats[("t0", B)]["instructions"]}
        if len(set(counts.values())) != 1:
            raise Disagreement(f"{name} at {B} iterations: a64jit's runs counted different instructions: {counts}")
        r["guest_insns"] = {"big": stats[B]["instructions"], "small": stats[S]["instructions"], "per_iter": insns}
        for k, (tb, ts) in best.items():
            r[k] = {"big_s": tb, "small_s": ts, "per_iter_s": per_iter(tb, ts, B, S)}
            log(f"  {k:<8} {r[k]['per_iter_s'] * 1e6:10.3f} us/iter   (best {tb:.3f} s at {B}, {ts:.3f} s at {S})")
        tr = stats[B].get("translation", {})
        r["warm_translation"] = {k: tr.get(k) for k in ("llvm_compiles", "cache_hits", "hot_recompiles",
                                                        "blocks_lifted", "lift_seconds")}
        # Unicorn, function level
        u = Unicorn(self.img, self.elf)
        u.call(1)                                            # translate once
        ub = [math.inf, math.inf]
        for _ in range(a.rounds):
            for i, n in enumerate(self.U):
                t, c = u.call(n)
                self.agree(n, "unicorn", c)
                ub[i] = min(ub[i], t)
        r["unicorn"] = {"big_s": ub[0], "small_s": ub[1], "per_iter_s": per_iter(ub[0], ub[1], *self.U)}
        log(f"  unicorn  {r['unicorn']['per_iter_s'] * 1e6:10.3f} us/iter   (best {ub[0]:.3f} s at {self.U[0]}, "
            f"{ub[1]:.3f} s at {self.U[1]})")
        # the interpreter: T and 0 (--quick: T only, the run's time counted whole)
        ib = [math.inf, 0.0 if a.quick else math.inf]
        ist = {}
        for rnd in range(a.interp_rounds):
            for i, n in enumerate((T,) if a.quick else (T, 0)):
                t, c, st = self.interp(n, stats=rnd == 0)
                self.agree(n, "interp", c)
                ib[i] = min(ib[i], t)
                if st:
                    ist[n] = st
        r["interp"] = {"big_s": ib[0], "small_s": ib[1], "per_iter_s": per_iter(ib[0], ib[1], T, 0),
                       "insns": ist[T]["instructions"]}
        log(f"  interp   {r['interp']['per_iter_s'] * 1e6:10.3f} us/iter   ({ist[T]['instructions']:,} instructions "
            f"in {ib[0]:.2f} s at {T})")
        # MIPS (guest instructions per second of each engine's steady state)
        r["mips"] = {k: insns / r[k]["per_iter_s"] / 1e6 if r[k]["per_iter_s"] > 0 else float("nan")
                     for k in ("qemu", "jit", "tier0", "unicorn", "interp")}
        r["checksums"] = {str(n): v for n, v in sorted(self.sums.items())}
        return r

    def interp(self, n, stats):
        st = os.path.join(self.tmp, f"stats-{self.name}-interp-{n}.json") if stats else None
        dt, out = timed(a64jit_cmd(self.image(n), "--engine", "interp", *(["--stats", st] if st else [])),
                        self.base_env)
        data = None
        if st:
            with open(st) as fh:
                data = json.load(fh)
        return dt, parse_line(out, self.name, n), data


def cold_figures(wall, st, probe):
    tr = st.get("translation", {})
    hot = probe.get("hot", [])
    t0 = probe.get("tier0", [])
    hot_s = sum(h["seconds"] for h in hot)
    hot_blocks = sum(h["blocks"] or 0 for h in hot)
    worst = max((1e3 * h["seconds"] / h["blocks"] for h in hot if h["blocks"]), default=float("nan"))
    return {
        "wall_s": wall,
        "instructions": st.get("instructions"),
        "lift_s": tr.get("lift_seconds", float("nan")),
        "tier0_compile_s": tr.get("compile_seconds", float("nan")),
        "blocks_lifted": tr.get("blocks_lifted"),
        "blocks_compiled": tr.get("blocks_compiled"),
        "llvm_compiles": tr.get("llvm_compiles"),
        "tier0": {"modules": len(t0), "blocks": sum(h["blocks"] or 0 for h in t0),
                  "compile_s": sum(h["seconds"] for h in t0)},
        "hot": {"modules": len(hot), "blocks": hot_blocks, "guest_insns": sum(h["insns"] or 0 for h in hot),
                "compile_s": hot_s, "ms_per_block": 1e3 * hot_s / hot_blocks if hot_blocks else float("nan"),
                "worst_module_ms_per_block": worst,
                "max_module_s": max((h["seconds"] for h in hot), default=float("nan")),
                "unmatched": sum(1 for h in hot if not h["blocks"]), "probe_error": probe.get("error")},
        "stats_hot_recompiles": tr.get("hot_recompiles"),
        "stats_hot_seconds": tr.get("hot_seconds"),
    }


# -- the probe: a64jit's CLI with the hot tier's compiles recorded -------------------------------
def probe_run(out_path, argv):
    """Run ``a64jit <argv>`` in this process, recording each LLVM compile (its
    level, seconds, and the blocks and guest instructions of the module's
    text: module_text's input, matched by the text) into out_path as JSON when
    the process ends (after the hot tier's thread has finished)."""
    import atexit
    recs = {"hot": [], "tier0": []}
    try:
        from a64jit.translator.jit import engine as jit_engine, llvm as jit_llvm
        from a64jit.translator.jit.config import HOT_OPT
        blocks_of = {}
        orig_text = jit_engine.module_text

        def module_text(blocks, *a, **k):
            text = orig_text(blocks, *a, **k)
            blocks_of[hash(text)] = (len(blocks), sum(getattr(b, "ninsns", 0) for b in blocks))
            return text
        jit_engine.module_text = module_text
        orig_compile = jit_llvm.LlvmJit.compile

        def compile(self, text, opt, *a, **k):
            t = time.perf_counter()
            obj = orig_compile(self, text, opt, *a, **k)
            dt = time.perf_counter() - t
            nb, ni = blocks_of.get(hash(text), (None, None))
            recs["hot" if opt == HOT_OPT else "tier0"].append({"seconds": dt, "blocks": nb, "insns": ni})
            return obj
        jit_llvm.LlvmJit.compile = compile
    except (ImportError, AttributeError) as e:          # a64jit's internals changed: the stats figures remain
        recs["error"] = f"{type(e).__name__}: {e}"

    def dump():
        with open(out_path, "w") as fh:
            json.dump(recs, fh)
    atexit.register(dump)
    from a64jit.cli import main as a64jit_main
    return a64jit_main(argv)


# -- report -----------------------------------------------------------------------------------
def fmt(x, spec):
    return "n/a" if x is None or (isinstance(x, float) and not math.isfinite(x)) else format(x, spec)


def report(results, out=print):
    progs = list(results)

    def us(r, k):
        return r[k]["per_iter_s"] * 1e6
    out("\nSteady state, microseconds per iteration (best of the rounds; QEMU and a64jit whole-system at EL2 "
        "with the MMU on,\nUnicorn function level with the MMU off, native x86-64 gcc -O2):\n")
    out("| program | B / S | guest insns/iter | QEMU | JIT (warm) | JIT tier 0 | Unicorn | interp | native |")
    out("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for p in progs:
        r = results[p]
        out(f"| {p} | {r['sizes']['big']} / {r['sizes']['small']} | {fmt(r['guest_insns']['per_iter'], ',.0f')} | "
            + " | ".join(fmt(us(r, k), ".2f") for k in ("qemu", "jit", "tier0", "unicorn", "interp", "native")) + " |")
    out("\nGuest MIPS of the steady state:\n")
    out("| program | QEMU | JIT (warm) | JIT tier 0 | Unicorn | interp |")
    out("| --- | --- | --- | --- | --- | --- |")
    for p in progs:
        m = results[p]["mips"]
        out(f"| {p} | " + " | ".join(fmt(m[k], ",.1f" if k != "interp" else ".3f")
                                     for k in ("qemu", "jit", "tier0", "unicorn", "interp")) + " |")
    cols = [("QEMU / JIT", "qemu", "jit"), ("QEMU / JIT tier 0", "qemu", "tier0"), ("Unicorn / JIT", "unicorn", "jit"),
            ("interp / JIT", "interp", "jit"), ("native / JIT", "native", "jit"), ("tier 0 / JIT", "tier0", "jit")]
    out("\nRatios of steady-state times (> 1: a64jit's JIT is faster than the other):\n")
    out("| program | " + " | ".join(c[0] for c in cols) + " |")
    out("| --- |" + " --- |" * len(cols))
    geo = {c[0]: [] for c in cols}
    for p in progs:
        r = results[p]
        vals = []
        for label, a, b in cols:
            v = ratio(r[a]["per_iter_s"], r[b]["per_iter_s"])
            geo[label].append(v)
            vals.append(v)
        r["ratios"] = dict(zip((c[0] for c in cols), vals))
        out(f"| {p} | " + " | ".join(fmt(v, ".3g") for v in vals) + " |")
    gm = {k: geomean(v) for k, v in geo.items()}
    out("| **geometric mean** | " + " | ".join(f"**{fmt(gm[c[0]], '.3g')}**" for c in cols) + " |")
    out("\nCold (empty code cache, the big run, whole command) and the hot tier (compiles at its LLVM level, "
        "recorded by the probe):\n")
    out("| program | cold s | warm s | lift s | tier-0 LLVM s (modules, blocks) | hot modules | hot blocks | "
        "hot compile s | **ms / hot block** | worst module ms/block | stats: hot_seconds / hot_recompiles |")
    out("| --- |" + " --- |" * 10)
    tot_s = tot_b = 0
    for p in progs:
        c = results[p]["cold"]
        h = c["hot"]
        tot_s += h["compile_s"]
        tot_b += h["blocks"]
        lat = ratio(c["stats_hot_seconds"], c["stats_hot_recompiles"])
        out(f"| {p} | {c['wall_s']:.2f} | {results[p]['jit']['big_s']:.2f} | {fmt(c['lift_s'], '.2f')} | "
            f"{fmt(c['tier0_compile_s'], '.2f')} ({c['tier0']['modules']}, {c['tier0']['blocks']}) | {h['modules']} | "
            f"{h['blocks']} | {h['compile_s']:.3f} | **{fmt(h['ms_per_block'], '.2f')}** | "
            f"{fmt(h['worst_module_ms_per_block'], '.2f')} | {fmt(c['stats_hot_seconds'], '.3f')} s / "
            f"{c['stats_hot_recompiles']} ({fmt(1e3 * lat, '.1f')} ms each) |")
    warm = {p: results[p]["warm_translation"].get("llvm_compiles") for p in progs}
    out(f"\nWarm runs (the big run, default tiers): LLVM compiles {warm} (0: everything came from the code cache)")
    overall = 1e3 * tot_s / tot_b if tot_b else float("nan")
    out(f"\nHot tier overall: {tot_s:.3f} s of LLVM at the hot level for {tot_b} guest blocks: "
        f"{fmt(overall, '.2f')} ms per optimised block (target: at most {HOT_TARGET_MS:g} ms): "
        + ("within the target" if overall <= HOT_TARGET_MS else "OVER the target" if tot_b else "no hot compiles"))
    return {"geomean": gm, "hot_ms_per_block": overall, "hot_compile_s": tot_s, "hot_blocks": tot_b}


def versions() -> str:
    def first_line(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout.splitlines()[0].strip()
        except (OSError, IndexError, subprocess.SubprocessError):
            return "?"
    mods = []
    for m in ("llvmlite", "unicorn"):
        try:
            mods.append(f"{m} {__import__(m).__version__}")
        except ImportError:
            mods.append(f"{m} missing")
    return "; ".join([first_line([QEMU[0], "--version"]), first_line(["gcc", "--version"]),
                      first_line(["aarch64-linux-gnu-gcc", "--version"]) + " (the committed images)",
                      f"Python {sys.version.split()[0]}", *mods])


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--probe-run"]:
        return probe_run(argv[1], argv[2:])
    if argv[:1] == ["--patch"]:                     # (the Makefile's check) --patch IMG ELF ITERS
        patch_image(argv[1], argv[2], int(argv[3]))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3, help="best of N (QEMU, a64jit, Unicorn)")
    ap.add_argument("--interp-rounds", type=int, default=1, help="best of N for the interpreter")
    ap.add_argument("--programs", default=",".join(PROGRAMS), help="comma-separated subset")
    ap.add_argument("--quick", action="store_true", help="tiny sizes, one round: the pipeline only")
    ap.add_argument("--json", metavar="FILE", help="write every figure as JSON")
    ap.add_argument("--keep", metavar="DIR", help="work in DIR (images, caches, stats) and keep it")
    a = ap.parse_args(argv)
    names = [p for p in a.programs.split(",") if p]
    bad = [p for p in names if p not in PROGRAMS]
    if bad:
        ap.error(f"unknown programs {bad}; known: {', '.join(PROGRAMS)}")
    if a.rounds < 1 or a.interp_rounds < 1:
        ap.error("--rounds and --interp-rounds must be at least 1")
    if a.quick:
        a.rounds, a.interp_rounds = 1, 1
    for tool in (QEMU[0], "gcc"):
        if not shutil.which(tool):
            print(f"{tool} is needed (tests/bootstrap.sh installs it)", file=sys.stderr)
            return 2
    base_env = {k: v for k, v in os.environ.items() if k not in OWN_ENV}
    if base_env.get("A64JIT_VERIFY_IR", "") not in ("", "0"):
        print("note: A64JIT_VERIFY_IR is set: LLVM's verifier runs on every module (compile times include it)")

    def log(s):
        print(s, flush=True)
    log(versions())
    t_start = time.perf_counter()
    tmp = a.keep or tempfile.mkdtemp(prefix="a64jit-hot-")
    os.makedirs(tmp, exist_ok=True)
    results = {}
    status = 0
    try:
        native = build_native(tmp, names)
        for name in names:
            big, tiny = PROGRAMS[name]
            sizes = QUICK if a.quick else (big, big // 10, tiny)
            log(f"{name}: B {sizes[0]}, S {sizes[1]}, interp T {sizes[2]}")
            results[name] = Program(name, sizes, tmp, native[name], base_env, a).run(log)
        summary = report(results)
    except Disagreement as e:
        print(f"\nCHECKSUM DISAGREEMENT: {e}", file=sys.stderr, flush=True)
        status, summary = 1, {"error": str(e)}
    finally:
        if not a.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    wall = time.perf_counter() - t_start
    print(f"\nwall time of this run: {wall:.1f} s (rounds {a.rounds}, interpreter rounds {a.interp_rounds}"
          f"{', quick' if a.quick else ''})")
    if a.json:
        with open(a.json, "w") as fh:
            json.dump({"programs": results, "summary": summary, "rounds": a.rounds, "interp_rounds": a.interp_rounds,
                       "quick": a.quick, "wall_s": wall}, fh, indent=1)
    return status


if __name__ == "__main__":
    sys.exit(main())
