"""Export an execution trace (runtime/trace.py) as a Chrome JSON trace (the
"trace event format"), which ui.perfetto.dev and chrome://tracing open:
``a64jit trace FILE --export perfetto OUT``.

Time is the guest's instruction count: one instruction is shown as one
nanosecond (trace-event timestamps are microseconds, so ``ts`` is the
count / 1000).  The guest is one process, "a64jit guest", with one track
(thread) per exception level:

- complete slices ("X") on an EL's track for each stretch of execution at
  that EL (consecutive blocks at one EL merged; named by the symbol of the
  stretch's first PC when symbols are given).  A trace without block
  records gets its stretches from the exception and ERET events;
- instants ("i") for exceptions and interrupts taken (on the target EL's
  track, with the syndrome decoded), ERETs (on the track returned to),
  MMIO accesses, interrupt-controller events, trapped system-register
  accesses, TLB and cache maintenance, boot-contract verdicts;
- the console's output, one instant per line, on a "console" track;
  translation events on an "a64jit translator" track; the stop reason as a
  global instant.

Track ids are EL + 1, not the EL: Perfetto's JSON importer has treated
thread id 0 as the idle thread and merged it with thread 1.
"""
from __future__ import annotations

import json

from .runtime.trace import Block, Insn, mmio_device_register
from .syndrome import describe_esr, describe_sysreg_key, ec_name

PID = 1
CONSOLE_TID = 100
TRANSLATOR_TID = 101
ASYNC_NAMES = {0x80: "IRQ", 0x100: "FIQ", 0x180: "SError"}
#: the category of the instants of the kinds shown on the track of the record's EL
_INSTANT_KINDS = {"mmio": "mmio", "irq_line": "irq", "irq_ack": "irq", "irq_eoi": "irq", "sysreg": "sysreg",
                  "tlbi": "tlbi", "cache": "cache", "verdict": "verdict"}


def el_tid(el: int) -> int:
    """The track (thread id) of an EL."""
    return el + 1


def _us(icount: int) -> float:
    return icount / 1000


class _Stretches:
    """Contiguous execution at one EL, turned into X slices.  ``track_end``
    keeps each track's slices in order and not overlapping (a block's
    recorded length may run past an exception taken inside it)."""

    def __init__(self, out: list, symbols, until_next: bool = False):
        self.out, self.symbols = out, symbols
        # until_next: a stretch lasts until the next one begins (stretches from events, which
        # carry no lengths); otherwise it ends with its last block, or earlier where the next began
        self.until_next = until_next
        self.open = None             # [EL, start count, end count, first PC, blocks, insns]
        self.track_end: dict[int, int] = {}
        self.slices = 0

    def extend(self, el: int, icount: int, pc: int | None, ninsns: int, blocks: int = 1) -> None:
        s = self.open
        if s is not None and s[0] == el:
            s[2] = max(s[2], icount + ninsns)
            s[4] += blocks
            s[5] += ninsns
            return
        self.close(icount)
        self.open = [el, icount, icount + ninsns, pc, blocks, ninsns]

    def close(self, at: int | None = None) -> None:
        """End the open stretch; ``at`` (the count where the next EL began)
        bounds it."""
        s, self.open = self.open, None
        if s is None:
            return
        el, start, end, pc, blocks, insns = s
        if at is not None and at >= start:
            end = at if self.until_next else min(end, at)
        tid = el_tid(el)
        start = max(start, self.track_end.get(tid, 0))
        end = max(end, start)
        self.track_end[tid] = end
        name, args = f"EL{el}", {} if pc is None else {"pc": f"{pc:#x}"}
        args.update({"insns": end - start} if self.until_next else {"blocks": blocks, "insns": insns})
        hit = self.symbols.lookup(pc) if self.symbols is not None and pc is not None else None
        if hit:
            name = hit[0]
            args["symbol"] = f"{hit[0]}+{hit[1]:#x}"
        self.out.append({"name": name, "cat": "exec", "ph": "X", "ts": _us(start), "dur": _us(end - start),
                         "pid": PID, "tid": tid, "args": args})
        self.slices += 1


def export(reader, out_path: str, symbols=None) -> dict:
    """Write the records of ``reader`` (a TraceReader) to ``out_path`` as a
    Chrome JSON trace; ``symbols`` (an object with ``lookup(addr) -> (name,
    offset) | None``, e.g. traceview.SymbolTable) names slices and
    addresses.  Returns counts of what was written."""
    events: list[dict] = []
    from_blocks = _Stretches(events, symbols)
    from_events = _Stretches([], symbols, until_next=True)      # used only if the trace has no blocks
    counts = {"exceptions": 0, "erets": 0, "mmio": 0, "irq": 0, "uart_lines": 0, "other": 0}
    has_blocks = False
    line, line_start = [], None
    last = 0

    def sym(addr: int) -> str:
        hit = symbols.lookup(addr) if symbols is not None else None
        return f"{addr:#x} <{hit[0]}+{hit[1]:#x}>" if hit else f"{addr:#x}"

    def instant(name: str, cat: str, icount: int, tid: int, args: dict, scope: str = "t") -> None:
        events.append({"name": name, "cat": cat, "ph": "i", "s": scope, "ts": _us(icount), "pid": PID,
                       "tid": tid, "args": args})

    for rec in reader.records():
        last = max(last, rec.icount)
        if isinstance(rec, (Block, Insn)):
            n = rec.ninsns if isinstance(rec, Block) else 1
            has_blocks = True
            from_blocks.extend(rec.el, rec.icount, rec.pc, n)
            last = max(last, rec.icount + n)
            continue
        f, kind = rec.fields, rec.kind
        from_events.extend(rec.el, rec.icount, rec.pc, 0, blocks=0)
        if kind in ("exception", "eret"):
            to_el = f["to_el"]
            if from_blocks.open is not None and from_blocks.open[0] != to_el:
                from_blocks.close(rec.icount)
            # (the handler's address is not recorded: a stretch entered by an exception is just "ELn")
            from_events.extend(to_el, rec.icount, None if kind == "exception" else f["target"], 0, blocks=0)
            if kind == "exception":
                vec, esr = f["vector"], f["esr"]
                what = ASYNC_NAMES.get(vec & 0x180)
                sync = what is None
                name = ec_name(esr >> 26 & 0x3F) if sync else what
                args = {"from_el": rec.el, "to_el": to_el, "vector": f"{vec:#x}", "elr": sym(f["elr"]),
                        "pc": sym(rec.pc)}
                if sync or what == "SError":
                    args.update(esr=f"{esr:#x}", decoded=describe_esr(esr))
                if sync:
                    args["far"] = f"{f['far']:#x}"
                instant(name, "exception" if sync else "interrupt", rec.icount, el_tid(to_el), args)
                counts["exceptions"] += 1
            else:
                instant("ERET", "eret", rec.icount, el_tid(to_el),
                        {"from_el": rec.el, "to_el": to_el, "target": sym(f["target"]), "spsr": f"{f['spsr']:#x}"})
                counts["erets"] += 1
        elif kind == "uart":
            # one instant per line of console output (the writer makes a record of each line, with
            # the count of its first byte; a longer line is split over records)
            for ch in rec.text or "":
                if line_start is None:
                    line_start = rec.icount
                if ch == "\n":
                    instant("".join(line).rstrip("\r") or "(blank line)", "console", line_start, CONSOLE_TID,
                            {"icount": line_start})
                    counts["uart_lines"] += 1
                    line, line_start = [], None
                else:
                    line.append(ch)
        elif kind == "stop":
            instant(f"stop: {rec.text}", "stop", rec.icount, el_tid(rec.el), {"reason": rec.text}, scope="g")
        elif kind in ("translate", "invalidate"):
            instant(kind, "translator", rec.icount, TRANSLATOR_TID, dict(f, pc=f"{rec.pc:#x}"))
            counts["other"] += 1
        elif kind in _INSTANT_KINDS:
            args = {k: (f"{v:#x}" if isinstance(v, int) and k in ("value", "pa", "key") else v) for k, v in f.items()}
            if kind == "mmio":
                dev, reg = mmio_device_register(rec.text, f["pa"])
                name = f"{dev} {reg} {'write' if f['write'] else 'read'}".replace("  ", " ")
                args.update(device=dev, register=reg)
                counts["mmio"] += 1
            elif kind.startswith("irq"):
                if kind == "irq_line":
                    name = f"INTID {f['intid']} {'raised' if f['level'] else 'lowered'}"
                else:
                    name = f"INTID {f['intid']} {'ack' if kind == 'irq_ack' else 'EOI'}"
                counts["irq"] += 1
            elif kind == "sysreg":
                name = f"{'MSR' if f['write'] else 'MRS'} {rec.text or describe_sysreg_key(f['key'])}"
                counts["other"] += 1
            else:
                name = f"{kind}: {rec.text}" if rec.text else kind
                counts["other"] += 1
            if rec.text:
                args["text"] = rec.text
            args["pc"] = sym(rec.pc)
            instant(name, _INSTANT_KINDS[kind], rec.icount, el_tid(rec.el), args)
    if line:                                   # output without a final newline
        instant("".join(line), "console", line_start, CONSOLE_TID, {"icount": line_start})
        counts["uart_lines"] += 1
    if has_blocks:
        from_blocks.close()
        slices = from_blocks.slices
    else:
        from_events.close(last)
        events.extend(from_events.out)
        slices = from_events.slices

    events.sort(key=lambda e: e["ts"])            # (stable: a track's slices keep their order)
    tracks = {e["tid"] for e in events}
    names = {el_tid(el): f"EL{el}" for el in range(4)}
    names.update({CONSOLE_TID: "console", TRANSLATOR_TID: "a64jit translator"})
    meta_events = [{"name": "process_name", "ph": "M", "ts": 0, "pid": PID, "tid": PID,
                    "args": {"name": "a64jit guest"}}]
    for tid in sorted(tracks):
        meta_events.append({"name": "thread_name", "ph": "M", "ts": 0, "pid": PID, "tid": tid,
                            "args": {"name": names.get(tid, f"track {tid}")}})
        meta_events.append({"name": "thread_sort_index", "ph": "M", "ts": 0, "pid": PID, "tid": tid,
                            "args": {"sort_index": tid}})
    other = dict(reader.meta)
    other["time_base"] = "1 ns = 1 guest instruction"
    all_events = meta_events + events
    with open(out_path, "w") as out:
        # one event per line: still one JSON document, and greppable
        out.write('{"displayTimeUnit": "ns", "otherData": ')
        json.dump(other, out, sort_keys=True, default=str)
        out.write(', "traceEvents": [\n')
        out.write(",\n".join(json.dumps(e, separators=(",", ":")) for e in all_events))
        out.write("\n]}\n")
    counts.update(events=len(all_events), slices=slices, instants=sum(e["ph"] == "i" for e in events),
                  tracks=len(tracks))
    return counts

