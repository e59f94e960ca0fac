"""Where a run's time went: ``a64jit boot --profile`` and ``--stats FILE``.

The counters live with their owners and cost next to nothing, so they are
always on: the JIT's ``Stats`` (returns from native code by exit code,
runtime helper calls by helper, slow accesses and TLB fills, translation
and compile time, time inside native code), the CPU's ``taken`` (exceptions
and interrupts by vector and EC), each MMIO region's reads and writes, the
virtual clock's idle time.  ``--profile`` also times every runtime entry
from generated code by kind (``JitEngine.profile_helpers``: a few hundred
nanoseconds per entry), which splits the time inside native code into
generated code and Python slow paths.  This module only gathers and
renders them (``collect``, ``render``), and taps the console to record the
instruction count at which each line was printed (``ConsoleTap``: the
figures "instructions to /init" come from there).
"""
from __future__ import annotations

import collections
import threading
import time

from .runtime.cpu import VEC_SYNC, VEC_IRQ, VEC_FIQ, VEC_SERROR
from .runtime.exceptions import EC_NAMES
from .runtime.helpers import HELPERS
from .runtime.memory import MmioRegion

#: JIT exit codes (runtime/abi.py EXIT_*) by name
EXIT_NAMES = ("ok", "no translation", "pending event", "budget", "exception")
#: runtime helpers that are system-register or system-instruction accesses
SYSREG_HELPERS = ("mrs", "msr", "sys", "msr_spsel", "msr_daif")
MAX_LINES = 100_000


class ConsoleTap:
    """The console stream (what the UART writes), passing everything through
    and remembering each line with the instruction count and the wall time
    (seconds since the tap was made) at its end."""

    def __init__(self, out, state):
        self.out, self.state = out, state
        self.t0 = time.perf_counter()
        self.lines: list[tuple[int, float, str]] = []
        self._line = bytearray()

    def write(self, data: bytes) -> int:
        n = self.out.write(data)
        for b in data:
            if b == 10:
                if len(self.lines) < MAX_LINES:
                    self.lines.append((self.state.icount, round(time.perf_counter() - self.t0, 4),
                                       self._line.decode(errors="replace").rstrip("\r")))
                self._line.clear()
            elif len(self._line) < 4096:
                self._line.append(b)
        return n if n is not None else len(data)

    def flush(self) -> None:
        self.out.flush()


class PcSampler:
    """The hottest guest code, statistically: a thread samples the guest PC
    and EL every ``interval`` seconds while the guest runs (generated code
    stores the PC of every block it chains to, so samples land on the block
    running; in Python slow paths, on the instruction being served).  Reading
    two words of the state changes nothing the guest sees: runs stay
    deterministic."""

    def __init__(self, state, interval: float = 0.001):
        self.state, self.interval = state, interval
        self.samples: collections.Counter = collections.Counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="a64jit-profile", daemon=True)

    def start(self) -> "PcSampler":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self):
        s, samples, wait = self.state, self.samples, self._stop.wait
        while not wait(self.interval):
            samples[(s.pc, s.el)] += 1

    def hottest(self, symbols=None, n: int = 20) -> dict:
        """The ``n`` most sampled PCs and, with a SymbolTable, functions: lists
        of {"where", "el", "samples", "share"} (JSON-ready)."""
        total = sum(self.samples.values()) or 1
        pcs = [{"where": f"{pc:#x}" + (f" {symbols.format(pc)}" if symbols is not None else ""), "el": el,
                "samples": k, "share": round(k / total, 4)} for (pc, el), k in self.samples.most_common(n)]
        out = {"samples": total if self.samples else 0, "interval_seconds": self.interval, "pcs": pcs}
        if symbols is not None:
            funcs: collections.Counter = collections.Counter()
            for (pc, el), k in self.samples.items():
                hit = symbols.lookup(pc)
                funcs[(hit[0] if hit else "?", el)] += k
            out["functions"] = [{"where": name, "el": el, "samples": k, "share": round(k / total, 4)}
                                for (name, el), k in funcs.most_common(n)]
        return out


def _exception_name(vec: int, ec: int) -> str:
    if vec == VEC_SYNC:
        return f"EC={ec:#04x} {EC_NAMES.get(ec, 'reserved')}"
    return {VEC_IRQ: "IRQ", VEC_FIQ: "FIQ", VEC_SERROR: "SError"}.get(vec, f"vector {vec:#x}")


def collect(board, result, engine: str, tap: ConsoleTap | None = None, sampler: PcSampler | None = None,
            symbols=None) -> dict:
    """Everything the counters say about the run just ended, as plain data
    (JSON-ready); with a sampler, the hottest guest code (named by
    ``symbols``, a traceview.SymbolTable, when given)."""
    cpu = board.cpu
    insns = result.insns
    d: dict = {"reason": result.reason, "engine": engine, "clock": board.clock.name, "instructions": insns,
               "wall_seconds": round(result.seconds, 6),
               "idle_instruction_times": getattr(board.clock, "idle_insns", 0)}
    taken = {"sync": {}, "async": {}}
    for (vec, ec), n in sorted(cpu.taken.items()):
        taken["sync" if vec == VEC_SYNC else "async"][_exception_name(vec, ec)] = n
    d["exceptions"], d["interrupts"] = taken["sync"], taken["async"]
    mmio = {}
    for r in board.mem.regions:
        if isinstance(r, MmioRegion) and (r.reads or r.writes):
            dev = getattr(r.device, "device", r.device)            # (a board wrapper's device)
            name = getattr(dev, "name", None) or type(dev).__name__
            mmio[f"{name}@{r.base:#x}"] = {"reads": r.reads, "writes": r.writes}
    d["mmio"] = mmio
    events = {"MMIO": sum(v["reads"] + v["writes"] for v in mmio.values()),
              "exception": sum(d["exceptions"].values()), "interrupt": sum(d["interrupts"].values())}
    jit = board.jit
    if jit is not None:
        st = jit.stats
        calls = {name: n for name, n in zip(HELPERS, st.calls) if n}
        d["helper_calls"] = calls
        d["translation"] = {k: getattr(st, k) for k in (
            "blocks_lifted", "blocks_compiled", "guest_insns_compiled", "llvm_compiles", "cache_hits",
            "cache_rejected", "hot_recompiles", "hot_ssa", "hot_failed", "modules_dropped", "index_modules", "index_blocks",
            "index_rejected")}
        d["translation"].update({k: round(getattr(st, k), 6) for k in ("lift_seconds", "compile_seconds",
                                                                       "hot_seconds", "index_seconds")})
        d["exits"] = {"returns from native code": st.exits,
                      **{EXIT_NAMES[i]: n for i, n in enumerate(st.exit_codes) if i and n},
                      "slow memory accesses": st.slow_accesses, "FP operations in softfloat": st.fp_slow,
                      "instructions run by the interpreter (budget ends)": st.tail_insns}
        events["TLB miss (runtime walk)"] = st.tlb_fills
        events["TLB miss (native walk)"] = st.native_fills
        events["sysreg"] = sum(calls.get(h, 0) for h in SYSREG_HELPERS)
        wall = result.seconds
        translate = st.lift_seconds + st.compile_seconds + st.index_seconds
        t = {"inside native code": round(st.dispatch_seconds, 6),
             "translation (lift + tier-0 compile + index)": round(translate, 6), "run loop (exceptions, interrupts, devices, lookups)":
             round(max(0.0, wall - st.dispatch_seconds - translate), 6)}
        if st.helpers is not None:
            helper_s = sum(s for _, s in st.helpers.values())
            t["  of which generated code"] = round(max(0.0, st.dispatch_seconds - helper_s), 6)
            t["  of which runtime helpers"] = round(helper_s, 6)
            d["helpers"] = {k: {"calls": n, "seconds": round(s, 6)}
                            for k, (n, s) in sorted(st.helpers.items(), key=lambda kv: -kv[1][1])}
        d["time"] = t
    per_m = 1e6 / insns if insns else 0.0
    d["events"] = events
    d["events_per_million_instructions"] = {k: round(v * per_m, 2) for k, v in events.items()}
    if sampler is not None:
        d["hot_code"] = sampler.hottest(symbols)
    if tap is not None:
        d["console"] = tap.lines
    return d


def render(console, d: dict) -> None:
    """The profile as rich tables (on stderr)."""
    from rich.table import Table
    wall = d["wall_seconds"] or 1e-9
    if "time" in d:
        t = Table(title="where the time went", show_header=True)
        t.add_column("")
        t.add_column("seconds", justify="right")
        t.add_column("share", justify="right")
        for k, s in d["time"].items():
            t.add_row(k, f"{s:.3f}", f"{100 * s / wall:.1f}%")
        tr = d["translation"]
        t.add_row("(hot tier, on another thread)", f"{tr['hot_seconds']:.3f}", "")
        console.print(t)
    t = Table(title="slow-path events", show_header=True)
    t.add_column("event")
    t.add_column("count", justify="right")
    t.add_column("per million instructions", justify="right")
    for k, n in sorted(d["events"].items(), key=lambda kv: -kv[1]):
        t.add_row(k, f"{n:,}", f"{d['events_per_million_instructions'][k]:,.1f}")
    console.print(t)
    if d.get("helpers"):
        t = Table(title="runtime entries from generated code", show_header=True)
        for c, j in (("kind", "left"), ("calls", "right"), ("seconds", "right"), ("us per call", "right")):
            t.add_column(c, justify=j)
        for k, v in d["helpers"].items():
            t.add_row(k, f"{v['calls']:,}", f"{v['seconds']:.3f}", f"{1e6 * v['seconds'] / max(v['calls'], 1):.2f}")
        console.print(t)
    hot = d.get("hot_code")
    if hot and hot["samples"]:
        for key, title in (("functions", "hottest guest functions"), ("pcs", "hottest guest code")):
            if key not in hot:
                continue
            t = Table(title=f"{title} ({hot['samples']:,} samples of the PC, every "
                            f"{1e3 * hot['interval_seconds']:g} ms)", show_header=True)
            for c, j in (("where", "left"), ("EL", "right"), ("samples", "right"), ("share", "right")):
                t.add_column(c, justify=j)
            for r in hot[key]:
                t.add_row(r["where"], str(r["el"]), f"{r['samples']:,}", f"{100 * r['share']:.1f}%")
            console.print(t)
    rows = [("exception", k, n) for k, n in d["exceptions"].items()] + \
           [("interrupt", k, n) for k, n in d["interrupts"].items()] + \
           [("MMIO", k, v["reads"] + v["writes"]) for k, v in d["mmio"].items()]
    if rows:
        t = Table(title="exceptions, interrupts and devices", show_header=True)
        t.add_column("")
        t.add_column("what")
        t.add_column("count", justify="right")
        for kind, k, n in sorted(rows, key=lambda r: -r[2])[:20]:
            t.add_row(kind, k, f"{n:,}")
        console.print(t)
