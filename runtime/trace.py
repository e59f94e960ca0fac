"""Execution traces: the file format, its writer and its reader (the one
place that packs and unpacks it; docs/trace.md describes it for users).

A trace file is a header and a stream of records, appended as the guest
runs, so that a trace cut short (Ctrl-C, a crash, a full disk) is still
readable up to its last whole record.

Header: the magic ``A64JTRC\\0``, u16 format version, u16 0, u32 length of
the metadata, then the metadata as UTF-8 JSON (the command, the kernel's
name, the level, the engine, a64jit's version: nothing that depends on the
time or the host, so that two recordings of the same run are identical).

Record: u32 word (bits 7:0 its kind, 31:8 the payload length in bytes),
then the payload.  All integers are little-endian.

- ``BLOCKS`` (kind 1): entries of 16 bytes, each a block executed: u64 PC,
  u64 trace word (abi.pack_trace_word: the count at its entry, EL, its
  instruction count).  Generated code writes them into a native buffer
  (runtime/abi.py "the trace buffer") that ``TraceWriter`` writes out.
- ``INSN`` (kind 2): one instruction executed (insns level): u64 count
  before it, u64 PC, u32 the instruction word, u8 EL, then the registers it
  changed: u8 register (0-30 X, 31 SP, 32 NZCV in bits 31:28, 64+n V<n>)
  and its new value (8 bytes; 16 for V registers).
- events (kinds 16 and up, ``EVENTS``): u64 count, u64 PC, u8 EL, then the
  fields of the kind (``EVENTS[kind]``: a struct format and field names),
  then, for kinds that have one, a UTF-8 text to the end of the payload.
  Console output (``uart``) is written a line at a time: its record comes
  after the blocks and MMIO writes that printed it (right after the one
  that ended the line), with the count of its first byte.
"""
from __future__ import annotations

import ctypes
import json
import os
import queue
import struct
import threading
import time
import warnings
from typing import Iterator, NamedTuple

from .abi import TRACE_ENTRY_SIZE, TRACE_OFF, TRACE_BLOCKS, TRACE_INSNS, pack_trace_word, unpack_trace_word

MAGIC = b"A64JTRC\0"
VERSION = 1
LEVELS = ("events", "blocks", "insns")
_HEAD = struct.Struct("<8sHHI")
_REC = struct.Struct("<I")
_EV = struct.Struct("<QQB")
MAX_PAYLOAD = (1 << 24) - 1

BLOCKS, INSN = 1, 2
#: kind -> (name, struct format of the fields after count/PC/EL, field names, has a text)
EVENTS = {
    16: ("exception", "<BHQQQ", ("to_el", "vector", "esr", "far", "elr"), False),
    17: ("eret", "<BQQ", ("to_el", "target", "spsr"), False),
    18: ("mmio", "<QQBB", ("pa", "value", "size", "write"), True),       # text: "device register"
    19: ("irq_line", "<IB", ("intid", "level"), False),                  # an interrupt line changed
    20: ("irq_ack", "<IB", ("intid", "group"), False),                   # ICC_IAR read
    21: ("irq_eoi", "<IB", ("intid", "group"), False),                   # ICC_EOIR write
    22: ("tlbi", "<Q", ("value",), True),                                # text: the operation
    23: ("cache", "<Q", ("value",), True),                               # DC/IC: text the operation
    24: ("translate", "<II", ("blocks", "insns"), False),                # a batch lifted at PC
    25: ("invalidate", "<QI", ("page", "modules"), False),               # code on a physical page dropped
    26: ("verdict", "<B", ("ok",), True),                                # a boot-contract rule: its line
    27: ("uart", "", (), True),                                          # console output: the text
    28: ("stop", "", (), True),                                          # the end of the run: its reason
    29: ("sysreg", "<IBQ", ("key", "write", "value"), True),             # MRS/MSR the runtime handled: name
}
KIND_OF = {v[0]: k for k, v in EVENTS.items()}
UART, MMIO = KIND_OF["uart"], KIND_OF["mmio"]
_EV_STRUCT = {k: struct.Struct(v[1]) if v[1] else None for k, v in EVENTS.items()}
#: register numbers of INSN records
REG_SP, REG_NZCV, REG_V = 31, 32, 64


class Block(NamedTuple):
    icount: int
    pc: int
    el: int
    ninsns: int
    kind: str = "block"


class Insn(NamedTuple):
    icount: int
    pc: int
    el: int
    word: int
    regs: tuple          # ((register, value), ...)
    kind: str = "insn"


class Event(NamedTuple):
    icount: int
    pc: int
    el: int
    kind: str
    fields: dict
    text: str | None = None


class _FileWriter(threading.Thread):
    """The one thread that writes the file: what the run records is handed
    over in order (bytes, or a native block buffer with an event to set once
    it is written), so that the guest runs on while the disk is busy."""

    def __init__(self, f):
        super().__init__(name="a64jit-trace-writer", daemon=True)
        self.f, self.q, self.error = f, queue.SimpleQueue(), None

    def run(self):
        f, last = self.f, time.monotonic()
        while True:
            item = self.q.get()
            if item is None:
                return
            data, done = item
            if data is not None and self.error is None:
                try:
                    f.write(data)
                    now = time.monotonic()
                    if done is not None or now - last > 0.5:     # readable while written (--follow)
                        last = now
                        f.flush()
                except OSError as e:                  # (a full disk: the run goes on, the CLI says so)
                    self.error = e
            if done is not None:
                done.set()


class TraceWriter:
    """Writes a trace file as the run goes.  Generated code fills one of two
    native buffers of ``buffer_entries`` block entries (``attach(state)``
    points the CPU state's trace words at the current one); a full buffer
    goes to the writer thread whole while the other one fills.  An event
    first takes the blocks recorded before it (a copy: usually a few), so the
    file keeps the order things happened in."""

    def __init__(self, path: str, meta: dict, level: str = "blocks", buffer_entries: int = 1 << 18):
        if level not in LEVELS:
            raise ValueError(f"trace level must be one of {', '.join(LEVELS)}")
        self.level = level
        self.f = open(path, "wb")
        m = json.dumps(dict(meta, level=level, format=VERSION), sort_keys=True).encode()
        self.f.write(_HEAD.pack(MAGIC, VERSION, 0, len(m)) + m)
        self.f.flush()
        self._bufs = [(ctypes.c_uint64 * (2 * buffer_entries))() for _ in range(2)]
        self._views = [memoryview(b).cast("B") for b in self._bufs]
        self._free = [threading.Event(), threading.Event()]
        for e in self._free:
            e.set()
        self._size = buffer_entries * TRACE_ENTRY_SIZE
        self._cur = 0
        self.start = ctypes.addressof(self._bufs[0])
        self.end = self.start + self._size
        self._writer = _FileWriter(self.f)
        self._writer.start()
        self._pending = bytearray()              # records not yet handed to the writer
        self._handed = time.monotonic()
        self.state = None
        self.records = 0
        self.closed = False
        self._uart = bytearray()                 # console output not yet written (one record a line)
        self._uart_at = (0, 0, 0)
        self._uart_line = False
        self._shadow = None                      # insns level: the registers as last recorded

    @property
    def blocks(self) -> bool:
        return self.level == "blocks"

    @property
    def error(self):
        """The OSError that stopped the writing, or None."""
        return self._writer.error

    @property
    def ctx_level(self) -> int:
        """What generated code records (abi.Ctx.trace)."""
        return {"events": TRACE_OFF, "blocks": TRACE_BLOCKS, "insns": TRACE_INSNS}[self.level]

    def attach(self, state) -> None:
        self.state = state
        state.trace_ptr, state.trace_end = (self.start, self.end) if self.blocks else (0, 0)
        if self.level == "insns":
            self._shadow = self._regs(state)

    def _record(self, kind: int, payload) -> None:
        if self._uart and kind not in (UART, MMIO, BLOCKS, INSN):
            self._flush_uart()
        p = self._pending
        p += _REC.pack(kind | len(payload) << 8)
        p += payload
        self.records += 1
        if kind == MMIO and self._uart_line:      # the DR write that ended a console line
            self._flush_uart()
        if len(p) >= 1 << 20:
            self._hand()
        elif p and time.monotonic() - self._handed > 0.5:
            self._hand()

    def _hand(self) -> None:
        """Give the pending records to the writer thread."""
        self._handed = time.monotonic()
        if self._pending:
            self._writer.q.put((self._pending, None))
            self._pending = bytearray()

    def _flush_uart(self) -> None:
        data = bytes(self._uart)
        self._uart.clear()
        self._uart_line = False
        ic, pc, el = self._uart_at
        self._record(UART, _EV.pack(ic, pc, el) + data)

    def uart(self, icount: int, pc: int, el: int, data: bytes) -> None:
        """Console output: written a line at a time (and before anything else is)."""
        if self.closed:
            return
        if not self._uart:
            self.flush_blocks()
            self._uart_at = (icount, pc & (1 << 64) - 1, el)
        self._uart += data
        if b"\n" in data:
            self._uart_line = True               # written after the MMIO record of this write
        if len(self._uart) >= 4096:
            self._flush_uart()

    def flush_blocks(self) -> None:
        """Take the block entries recorded so far (before an event: in order)."""
        s = self.state
        if s is None or not s.trace_ptr:
            return
        n = s.trace_ptr - self.start
        if n:
            self._record(BLOCKS, self._views[self._cur][:n])       # (copied into the pending records)
            s.trace_ptr = self.start

    def buffer_full(self) -> None:
        """The current buffer is full (generated code's HELPER_TRACE call):
        it goes to the writer whole; the other one, once written, takes over."""
        s = self.state
        n = s.trace_ptr - self.start
        cur = self._cur
        if n:
            self._hand()
            self._free[cur].clear()
            self._writer.q.put((_REC.pack(BLOCKS | n << 8), None))
            self._writer.q.put((self._views[cur][:n], self._free[cur]))
            self.records += 1
        cur = self._cur = 1 - cur
        self._free[cur].wait()
        self.start = ctypes.addressof(self._bufs[cur])
        self.end = self.start + self._size
        s.trace_ptr, s.trace_end = self.start, self.end

    def block(self, pc: int, icount: int, el: int, ninsns: int) -> None:
        """A block run by Python (the interpreter records its instructions as one-instruction blocks)."""
        s = self.state
        if s is None or not s.trace_ptr:
            return
        if s.trace_ptr >= self.end:
            self.buffer_full()
        i = (s.trace_ptr - self.start) // 8
        buf = self._bufs[self._cur]
        buf[i], buf[i + 1] = pc, pack_trace_word(icount, el, ninsns)
        s.trace_ptr += TRACE_ENTRY_SIZE

    def event(self, kind: str, icount: int, pc: int, el: int, *fields, text: str | None = None) -> None:
        if self.closed:
            return
        self.flush_blocks()
        k = KIND_OF[kind]
        st = _EV_STRUCT[k]
        payload = _EV.pack(icount, pc & (1 << 64) - 1, el) + (st.pack(*fields) if st else b"")
        if text is not None:
            payload += text.encode(errors="replace")[: MAX_PAYLOAD - len(payload)]
        self._record(k, payload)

    @staticmethod
    def _regs(s) -> list:
        return [*s.x, s.n << 31 | s.z << 30 | s.c << 29 | s.v << 28, bytes(s.vreg)]

    def retired(self, cpu, pc: int, word: int, el: int) -> None:
        """Insns level: the instruction at ``pc`` retired (the state holds its
        results): record it with the registers it changed."""
        s = cpu.state
        new = self._regs(s)
        old = self._shadow
        changed = [(i, v) for i, (v, o) in enumerate(zip(new[:33], old[:33])) if v != o]
        if new[33] != old[33]:
            nv, ov = new[33], old[33]
            changed += [(REG_V + i, int.from_bytes(nv[16 * i: 16 * i + 16], "little")) for i in range(32)
                        if nv[16 * i: 16 * i + 16] != ov[16 * i: 16 * i + 16]]
        self._shadow = new
        self.insn(s.icount - 1, pc, el, word, changed)

    def insn(self, icount: int, pc: int, el: int, word: int, regs) -> None:
        self.flush_blocks()
        parts = [struct.pack("<QQIB", icount, pc, word, el)]
        for r, v in regs:
            parts.append(struct.pack("<BQQ", r, v & (1 << 64) - 1, v >> 64) if r >= REG_V
                         else struct.pack("<BQ", r, v & (1 << 64) - 1))
        self._record(INSN, b"".join(parts))

    def sync(self) -> None:
        """Make everything recorded so far readable (``a64jit trace --follow``)."""
        if not self.closed:
            self.flush_blocks()
            self._hand()
            done = threading.Event()
            self._writer.q.put((None, done))
            done.wait()
            self.f.flush()

    def close(self, reason: str | None = None, icount: int = 0, pc: int = 0, el: int = 0) -> None:
        if self.closed:
            return
        if reason is not None:
            self.event("stop", icount, pc, el, text=reason)
        self.flush_blocks()
        if self._uart:
            self._flush_uart()
        self._hand()
        self.closed = True
        if self.state is not None:
            self.state.trace_ptr = self.state.trace_end = 0
        self._writer.q.put(None)
        self._writer.join()
        self.f.close()


class TraceError(Exception):
    """Not a trace file, or one of another version."""


class TraceReader:
    """Reads a trace file: ``meta`` (the header's JSON) and ``records()``,
    blocks, instructions and events in order.  A file that ends inside a
    record (a run cut short while it wrote) is read to its last whole record,
    with one warning; ``truncated`` then says so.  With ``follow`` the
    reader waits for more at the end (a trace being written)."""

    def __init__(self, path: str):
        self.path = path
        self.f = open(path, "rb")
        head = self.f.read(_HEAD.size)
        if len(head) < _HEAD.size or head[:8] != MAGIC:
            raise TraceError(f"{path}: not an a64jit trace file")
        _, version, _, mlen = _HEAD.unpack(head)
        if version != VERSION:
            raise TraceError(f"{path}: trace format version {version}; this a64jit reads version {VERSION}")
        raw = self.f.read(mlen)
        try:
            self.meta = json.loads(raw)
        except ValueError:
            raise TraceError(f"{path}: corrupt trace header") from None
        self.truncated = False

    def records(self, follow: bool = False, poll: float = 0.2, stop=None, blocks: bool = True) -> Iterator:
        """The records in order.  ``blocks=False`` skips block records
        unread (a fast pass over the events of a long trace); ``follow``
        waits at the end for more until ``stop()`` says so."""
        f = self.f
        while True:
            pos = f.tell()
            w = f.read(4)
            if len(w) == 4:
                word, = _REC.unpack(w)
                kind, n = word & 0xFF, word >> 8
                if kind == BLOCKS and not blocks:
                    f.seek(n, os.SEEK_CUR)
                    if f.tell() <= self._size():
                        continue
                    f.seek(pos + 4)
                payload = f.read(n)
                if len(payload) == n:
                    yield from _decode(kind, payload, self.path)
                    continue
            if follow and (stop is None or not stop()):   # wait for the writer to append more
                f.seek(pos)
                time.sleep(poll)
                continue
            if w:
                self.truncated = True
                warnings.warn(f"{self.path}: the trace ends inside a record (cut short); read to its last "
                              "whole record", stacklevel=2)
            return

    def _size(self) -> int:
        return os.fstat(self.f.fileno()).st_size

    def close(self):
        self.f.close()


def mmio_device_register(text: str | None, pa: int) -> tuple[str, str]:
    """("Pl011", "DR") from an MMIO event's text ("device register"; the
    register may be "+0x..." for an offset with no name)."""
    if not text:
        return "unknown device", f"{pa:#x}"
    dev, _, reg = text.rpartition(" ")
    return (dev, reg) if dev else (text, "")


def _decode(kind: int, p: bytes, path: str):
    if kind == BLOCKS:
        for i in range(0, len(p) - TRACE_ENTRY_SIZE + 1, TRACE_ENTRY_SIZE):
            pc, w = struct.unpack_from("<QQ", p, i)
            icount, el, n = unpack_trace_word(w)
            yield Block(icount, pc, el, n)
        return
    if kind == INSN:
        icount, pc, word, el = struct.unpack_from("<QQIB", p)
        i, regs = 21, []
        while i < len(p):
            r = p[i]
            if r >= REG_V:
                lo, hi = struct.unpack_from("<QQ", p, i + 1)
                regs.append((r, lo | hi << 64))
                i += 17
            else:
                regs.append((r, struct.unpack_from("<Q", p, i + 1)[0]))
                i += 9
        yield Insn(icount, pc, el, word, tuple(regs))
        return
    spec = EVENTS.get(kind)
    if spec is None:                       # a kind of a newer writer: skipped
        return
    name, _, names, has_text = spec
    icount, pc, el = _EV.unpack_from(p)
    st = _EV_STRUCT[kind]
    vals = st.unpack_from(p, _EV.size) if st else ()
    rest = p[_EV.size + (st.size if st else 0):]
    yield Event(icount, pc, el, name, dict(zip(names, vals)), rest.decode(errors="replace") if has_text else None)


def open_writer(path: str, meta: dict, level: str) -> TraceWriter:
    """A writer for ``path`` (its directory must exist)."""
    d = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(d):
        raise OSError(f"no directory {d}")
    return TraceWriter(path, meta, level)
