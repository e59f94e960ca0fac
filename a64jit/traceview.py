"""``a64jit trace FILE``: read an execution trace (runtime/trace.py) and show
it, one row per record, or as a summary, or export it for Perfetto.

The listing has one row per block, instruction or event: the instruction
count, the EL (rows are coloured by EL), the PC (with ``name+0xoff`` when a
symbol file is given) and what happened, with exception syndromes decoded
(a64jit/syndrome.py).  Filters select rows by EL, PC range, event kind,
instruction count or a regular expression over the row's text.
``--summary`` counts instead: instructions per EL, the hottest blocks,
exceptions by class, MMIO by device register, interrupts by INTID, the
console output and the stop reason.  ``--export perfetto OUT`` writes a
Chrome JSON trace (a64jit/perfetto.py).

Rows are printed as they are read, in batches, so a trace of millions of
records streams in constant memory; piped output is plain text (rich only
colours a terminal).  ``add_arguments`` and ``run`` are the subcommand's
parser and body (a64jit/cli.py wires them); ``python -m a64jit.traceview``
runs it on its own.

Exit status: 0 (also for a trace cut short: what is there is shown, with
one warning), 2 for bad input (no such file, not a trace, a bad symbol
file or option).
"""
from __future__ import annotations

import argparse
import bisect
import json
import os
import re
import struct
import sys
import warnings
from collections import Counter, defaultdict

from .runtime.trace import TraceReader, TraceError, Block, Insn, REG_SP, REG_NZCV, REG_V, mmio_device_register
from .syndrome import describe_esr, describe_sysreg_key, ec_name

EXIT_OK, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 2, 130
#: output width when stdout is not a terminal: wide, so that rows do not wrap in a file
PLAIN_WIDTH = 200
#: rows per console.print: few enough calls that rich's per-call cost does not dominate
BATCH_ROWS = 512
EL_STYLES = {0: "white", 1: "green", 2: "magenta", 3: "cyan"}
#: an unsized symbol (a System.map entry, an assembly label) covers at most
#: this much after its address: a PC far beyond the last symbol is not in it
MAX_UNSIZED_EXTENT = 1 << 20
#: ``--event`` names -> the trace's event kinds (the full kind names work too)
EVENT_GROUPS = {
    "exc": ("exception",), "exception": ("exception",), "eret": ("eret",), "mmio": ("mmio",),
    "irq": ("irq_line", "irq_ack", "irq_eoi"), "irq_line": ("irq_line",), "irq_ack": ("irq_ack",),
    "irq_eoi": ("irq_eoi",), "tlbi": ("tlbi",), "cache": ("cache",), "translate": ("translate",),
    "invalidate": ("invalidate",), "uart": ("uart",), "sysreg": ("sysreg",), "verdict": ("verdict",),
    "stop": ("stop",), "blocks": ("block",), "block": ("block",), "insns": ("insn",), "insn": ("insn",),
}
#: the kind column's label of each record kind
KIND_LABELS = {"block": "block", "insn": "insn", "exception": "exc", "eret": "eret", "mmio": "mmio",
               "irq_line": "irq", "irq_ack": "irq-ack", "irq_eoi": "irq-eoi", "tlbi": "tlbi", "cache": "cache",
               "translate": "translate", "invalidate": "invalid", "verdict": "verdict", "uart": "uart",
               "stop": "stop", "sysreg": "sysreg"}
ASYNC_NAMES = {0x80: "IRQ", 0x100: "FIQ", 0x180: "SError"}
QUADRANTS = {0x000: "current EL, SP0", 0x200: "current EL, SPx", 0x400: "lower EL, AArch64",
             0x600: "lower EL, AArch32"}


class UsageError(Exception):
    """A bad option value or input file: one line for the user, exit status 2."""


# ---- symbols and code ----------------------------------------------------------------------------

class SymbolTable:
    """Names for addresses: (address, size, name) entries, looked up by the
    nearest entry at or below an address.  A sized symbol (an ELF function
    or object) only covers its size; an unsized one (System.map, a label)
    up to MAX_UNSIZED_EXTENT."""

    def __init__(self, entries):
        # at one address a sized symbol wins over labels (sorted last, so bisect finds it)
        entries = sorted(entries, key=lambda e: (e[0], e[1] > 0))
        self.addrs = [a for a, _, _ in entries]
        self.entries = entries
        self._cache: dict[int, tuple[str, int] | None] = {}

    def __len__(self) -> int:
        return len(self.entries)

    def lookup(self, addr: int) -> tuple[str, int] | None:
        """(name, offset) of the symbol ``addr`` is in, or None."""
        hit = self._cache.get(addr, False)
        if hit is not False:
            return hit
        i = bisect.bisect_right(self.addrs, addr) - 1
        hit = None
        if i >= 0:
            a, size, name = self.entries[i]
            if addr - a < (size or MAX_UNSIZED_EXTENT):
                hit = (name, addr - a)
        if len(self._cache) < 1 << 20:
            self._cache[addr] = hit
        return hit

    def format(self, addr: int) -> str:
        """``name+0xoff``, or "" when no symbol covers ``addr``."""
        hit = self.lookup(addr)
        return f"{hit[0]}+{hit[1]:#x}" if hit else ""


class CodeImage:
    """Code bytes by address (an ELF's executable sections, or a raw image
    at its load address), enough to disassemble the instruction at a PC."""

    def __init__(self, regions):
        self.regions = sorted(regions)                 # [(start address, bytes)]
        self.starts = [s for s, _ in self.regions]

    def word_at(self, addr: int) -> int | None:
        i = bisect.bisect_right(self.starts, addr) - 1
        if i < 0 or addr & 3:
            return None
        start, data = self.regions[i]
        off = addr - start
        if off + 4 > len(data):
            return None
        return int.from_bytes(data[off: off + 4], "little")


def _elf_contents(path: str, data: bytes, offset: int) -> tuple[SymbolTable, CodeImage]:
    """Symbols (functions, objects and code labels; no mapping symbols $x/$d)
    and executable sections of an ELF file, at their addresses + ``offset``."""
    import io
    from elftools.elf.elffile import ELFFile
    from elftools.elf.sections import SymbolTableSection
    from elftools.common.exceptions import ELFError
    try:
        elf = ELFFile(io.BytesIO(data))
        tables = [s for s in elf.iter_sections() if isinstance(s, SymbolTableSection)]
        # .symtab has everything .dynsym has; a stripped file has only .dynsym
        if any(s.name == ".symtab" for s in tables):
            tables = [s for s in tables if s.name == ".symtab"]
        entries = []
        for table in tables:
            for sym in table.iter_symbols():
                kind, shndx = sym["st_info"]["type"], sym["st_shndx"]
                if (kind not in ("STT_FUNC", "STT_OBJECT", "STT_NOTYPE") or not sym.name
                        or sym.name.startswith("$") or shndx in ("SHN_UNDEF", "SHN_ABS")):
                    continue
                entries.append(((sym["st_value"] + offset) & (1 << 64) - 1, sym["st_size"], sym.name))
        regions = []
        for sec in elf.iter_sections():
            flags = sec["sh_flags"]
            if sec["sh_type"] == "SHT_PROGBITS" and flags & 0x2 and flags & 0x4:     # SHF_ALLOC, SHF_EXECINSTR
                regions.append(((sec["sh_addr"] + offset) & (1 << 64) - 1, sec.data()))
    except (ELFError, struct.error, ValueError, OSError) as e:
        raise UsageError(f"{path}: corrupt ELF file ({e})") from None
    return SymbolTable(entries), CodeImage(regions)


_MAP_TYPES = set("TtWwDdBbRrSsVvGg")      # System.map / kallsyms types with a real address


def _symbol_listing(path: str, data: bytes, offset: int) -> SymbolTable:
    """A System.map or /proc/kallsyms listing: "ADDR TYPE NAME [module]" lines."""
    if b"\0" in data[:4096]:
        raise UsageError(f"{path}: not an ELF file or a System.map/kallsyms listing")
    entries, nonzero = [], False
    for n, line in enumerate(data.decode(errors="replace").splitlines(), 1):
        parts = line.split()
        if not parts:
            continue
        try:
            addr = int(parts[0], 16)
            if len(parts) < 3 or len(parts[1]) != 1:
                raise ValueError
        except ValueError:
            raise UsageError(f"{path}: line {n} is not \"ADDRESS TYPE NAME\" (not an ELF file or a "
                             "System.map/kallsyms listing)") from None
        if parts[1] in _MAP_TYPES:
            entries.append(((addr + offset) & (1 << 64) - 1, 0, parts[2]))
            nonzero |= addr != 0
    if not entries:
        raise UsageError(f"{path}: no symbols in it")
    if not nonzero:                             # /proc/kallsyms read without the right to see addresses
        raise UsageError(f"{path}: every address is 0 (kallsyms read with kptr_restrict in force?)")
    return SymbolTable(entries)


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        raise UsageError(f"{path}: {e.strerror}") from None


def load_symbols(path: str, offset: int = 0) -> tuple[SymbolTable, CodeImage | None]:
    """The symbols of an ELF file (and its code) or of a System.map/kallsyms
    listing, each address + ``offset``.  UsageError for a bad file."""
    data = _read(path)
    if data[:4] == b"\x7fELF":
        symbols, code = _elf_contents(path, data, offset)
        if not len(symbols):
            raise UsageError(f"{path}: ELF file without symbols")
        return symbols, code
    return _symbol_listing(path, data, offset), None


def load_image(spec: str, offset: int = 0) -> tuple[CodeImage, SymbolTable | None]:
    """``--image FILE[@ADDR]``: an ELF (its sections' addresses + ``offset``,
    and its symbols) or a raw kernel (arm64 Image, flat binary, gzip) at
    ADDR, by default where ``a64jit boot`` loads it."""
    path, at = spec, None
    if not os.path.exists(spec) and "@" in spec:
        path, _, addr = spec.rpartition("@")
        try:
            at = int(addr, 16)
        except ValueError:
            raise UsageError(f"--image {spec}: bad address {addr!r} (hex)") from None
    data = _read(path)
    elf_at = f"--image {spec}: an ELF file's code is at its own addresses (move them with --load-offset)"
    if data[:4] == b"\x7fELF":
        if at is not None:
            raise UsageError(elf_at)
        symbols, code = _elf_contents(path, data, offset)
        return code, symbols if len(symbols) else None
    from .runtime.loader import parse_image, ImageError
    try:
        image = parse_image(data, path)
    except ImageError as e:
        raise UsageError(str(e)) from None
    if image.kind == "ELF":            # (a gzip-compressed ELF: its segments, as the loader sees them)
        if at is not None:
            raise UsageError(elf_at)
        return CodeImage([(a + offset, body) for a, body, _ in image.segments]), None
    if at is None:
        from .board import RAM_BASE
        at = image.placement(RAM_BASE)
    return CodeImage([(at, image.data)]), None


class Disassembler:
    """capstone, created on first use; results cached per (PC, word), as a
    trace runs the same code again and again (and PC-relative operands
    depend on the PC)."""

    def __init__(self):
        self._cs = None
        self._cache: dict[tuple[int, int], str] = {}

    def text(self, word: int, pc: int) -> str:
        key = (pc, word)
        t = self._cache.get(key)
        if t is None:
            if self._cs is None:
                import capstone
                arch = getattr(capstone, "CS_ARCH_AARCH64", None)      # capstone >= 6
                self._cs = capstone.Cs(capstone.CS_ARCH_ARM64 if arch is None else arch, capstone.CS_MODE_ARM)
            insn = next(self._cs.disasm(word.to_bytes(4, "little"), pc), None)
            t = f"{insn.mnemonic} {insn.op_str}".strip() if insn else f".inst {word:#010x}"
            if len(self._cache) < 1 << 20:
                self._cache[key] = t
        return t


# ---- rendering one record ------------------------------------------------------------------------

_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\"}


def escape(text: str, keep: str = "") -> str:
    """Control characters as escapes (guest output may hold terminal escape
    sequences, which must not reach the user's terminal or a file raw)."""
    if text.isprintable() and "\\" not in text:          # (nearly always: no per-character loop)
        return text
    out = []
    for ch in text:
        if ch in keep:
            out.append(ch)
        elif ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    return "".join(out)


def _reg_name(r: int) -> str:
    if r < REG_SP:
        return f"x{r}"
    if r == REG_SP:
        return "sp"
    if r == REG_NZCV:
        return "nzcv"
    return f"v{r - REG_V}" if r >= REG_V else f"r{r}"


def _reg_value(r: int, v: int) -> str:
    if r == REG_NZCV:                     # the flags as letters, upper case when set
        return "".join(c.upper() if v >> (31 - i) & 1 else c for i, c in enumerate("nzcv"))
    return f"{v:#x}"


def exception_kind(vector: int) -> str:
    """"sync", "IRQ", "FIQ" or "SError" from the vector offset."""
    return ASYNC_NAMES.get(vector & 0x180, "sync")


class RowRenderer:
    """The text of one row per record: count, EL, PC (and symbol), kind, what."""

    def __init__(self, symbols: SymbolTable | None = None, code: CodeImage | None = None):
        self.symbols, self.code = symbols, code
        self.dis = Disassembler()
        self.sym_width = 30 if symbols is not None else 0

    def addr(self, a: int) -> str:
        """An address in the body of a row: hex, with its symbol if there is one."""
        name = self.symbols.format(a) if self.symbols is not None else ""
        return f"{a:#x} <{name}>" if name else f"{a:#x}"

    def row(self, rec) -> str:
        pc_col = f"{rec.pc:#018x}"
        if self.symbols is not None:
            pc_col += " " + self.symbols.format(rec.pc).ljust(self.sym_width)
        kind = rec.kind
        # escaped once, here: texts in records (console output above all) may hold control characters
        return escape(f"{rec.icount:>12}  EL{rec.el}  {pc_col}  {KIND_LABELS.get(kind, kind):<9} {self.body(rec)}")

    def body(self, rec) -> str:
        if isinstance(rec, Block):
            text = f"block of {rec.ninsns} insns"
            word = self.code.word_at(rec.pc) if self.code is not None else None
            return f"{text}: {self.dis.text(word, rec.pc)}" if word is not None else text
        if isinstance(rec, Insn):
            regs = " ".join(f"{_reg_name(r)}={_reg_value(r, v)}" for r, v in rec.regs)
            return f"{rec.word:08x}  {self.dis.text(rec.word, rec.pc):<32} {regs}".rstrip()
        f, kind = rec.fields, rec.kind
        if kind == "exception":
            vec = f["vector"]
            what = exception_kind(vec)
            text = f"EL{rec.el} -> EL{f['to_el']} {what}"
            if what == "sync":
                text += f": {describe_esr(f['esr'])} ELR={self.addr(f['elr'])} FAR={f['far']:#x}"
            else:
                if what == "SError":
                    text += f": {describe_esr(f['esr'])}"
                text += f" ELR={self.addr(f['elr'])}"
            if vec & 0x600:        # (an offset within the quadrant alone says nothing about where from)
                text += f" (vector {vec:#x}: {QUADRANTS[vec & 0x600]})"
            return text
        if kind == "eret":
            return f"ERET EL{rec.el} -> EL{f['to_el']} to {self.addr(f['target'])} SPSR={f['spsr']:#x}"
        if kind == "mmio":
            dev, reg = mmio_device_register(rec.text, f["pa"])
            return (f"{dev} {reg} {'write' if f['write'] else 'read'} {f['value']:#x} ({f['size']} bytes) "
                    f"@{f['pa']:#x}")
        if kind == "irq_line":
            return f"INTID {f['intid']} {'raised' if f['level'] else 'lowered'}"
        if kind == "irq_ack":
            spurious = " (spurious)" if f["intid"] >= 1020 else ""
            return f"INTID {f['intid']} acknowledged, group {f['group']}{spurious}"
        if kind == "irq_eoi":
            return f"INTID {f['intid']} end of interrupt, group {f['group']}"
        if kind in ("tlbi", "cache"):
            op = rec.text or "?"
            if kind == "tlbi" and not op.upper().startswith("TLBI"):
                op = "TLBI " + op
            return f"{op} {f['value']:#x}"
        if kind == "translate":
            return f"translated {f['blocks']} blocks ({f['insns']} insns) from {self.addr(rec.pc)}"
        if kind == "invalidate":
            return f"code on page {f['page']:#x} invalidated ({f['modules']} modules dropped)"
        if kind == "verdict":
            return f"{'OK' if f['ok'] else 'FAIL'} {rec.text or ''}"
        if kind == "uart":
            return rec.text or ""
        if kind == "stop":
            return f"stop: {rec.text or ''}"
        if kind == "sysreg":
            name = rec.text or describe_sysreg_key(f["key"])
            value = f.get("value")
            if value is None:
                return f"{'MSR' if f['write'] else 'MRS'} {name}"
            return f"MSR {name} <- {value:#x}" if f["write"] else f"MRS {name} -> {value:#x}"
        extra = " ".join(f"{k}={v:#x}" if isinstance(v, int) else f"{k}={v}" for k, v in f.items())
        return f"{kind} {extra} {rec.text or ''}".strip()


# ---- selecting records ---------------------------------------------------------------------------

def _int(text: str, what: str) -> int:
    try:
        return int(text.replace("_", ""), 0)
    except ValueError:
        raise UsageError(f"{what}: not a number: {text!r}") from None


class RecordFilter:
    """Which records are shown: by EL, PC range [LO, HI), kind, instruction
    count [FROM, TO).  (``--grep`` and ``--limit`` act on rendered rows.)"""

    def __init__(self, args):
        self.els = None
        if args.el:
            self.els = set()
            for item in args.el:
                for part in str(item).split(","):
                    if part.strip():
                        el = _int(part.strip().upper().removeprefix("EL"), "--el")
                        if not 0 <= el <= 3:
                            raise UsageError(f"--el {part}: an exception level is 0 to 3")
                        self.els.add(el)
        self.pc_lo = self.pc_hi = None
        if args.pc_range:
            lo, sep, hi = args.pc_range.partition("-")
            try:
                self.pc_lo, self.pc_hi = int(lo, 16), int(hi, 16)
            except ValueError:
                raise UsageError(f"--pc-range {args.pc_range}: expected LO-HI in hex") from None
            if not sep or self.pc_hi <= self.pc_lo:
                raise UsageError(f"--pc-range {args.pc_range}: expected LO-HI in hex with LO < HI")
        self.kinds = None
        if args.event:
            self.kinds = set()
            for part in ",".join(args.event).split(","):
                name = part.strip().lower()
                if not name:
                    continue
                if name not in EVENT_GROUPS:
                    raise UsageError(f"--event {name}: unknown; one of {', '.join(sorted(EVENT_GROUPS))}")
                self.kinds.update(EVENT_GROUPS[name])
        self.icount_from = args.from_icount
        self.icount_to = args.to_icount
        if self.icount_from is not None and self.icount_to is not None and self.icount_to <= self.icount_from:
            raise UsageError("--to must be greater than --from")

    def past_end(self, rec) -> bool:
        """Past --to, where reading can stop: records are in execution order,
        except that a console line's record (with the count of its first
        byte) comes after the blocks and MMIO accesses that printed it, so
        only another kind of record past --to ends the window."""
        return (self.icount_to is not None and rec.icount >= self.icount_to
                and rec.kind not in ("block", "insn", "mmio"))

    def __call__(self, rec) -> bool:
        if self.kinds is not None and rec.kind not in self.kinds:
            return False
        if self.els is not None and rec.el not in self.els:
            return False
        if self.icount_from is not None and rec.icount < self.icount_from:
            return False
        if self.icount_to is not None and rec.icount >= self.icount_to:
            return False
        if self.pc_lo is not None:
            end = rec.pc + 4 * rec.ninsns if isinstance(rec, Block) else rec.pc + 1
            if end <= self.pc_lo or rec.pc >= self.pc_hi:     # a block counts when it overlaps the range
                return False
        return True


# ---- the summary ---------------------------------------------------------------------------------

class Summary:
    """Counts gathered from the records, one pass; ``render`` prints them."""

    def __init__(self):
        self.block_insns = Counter()        # EL -> instructions in blocks
        self.insn_records = Counter()       # EL -> INSN records
        self.hot = Counter()                # (pc, EL) -> instructions executed in the block there
        self.runs = Counter()               # (pc, EL) -> times the block ran
        self.block_len = {}
        self.exceptions = Counter()         # (class, from EL, to EL)
        self.mmio = defaultdict(lambda: [0, 0, None])        # (device, register) -> [reads, writes, pa]
        self.irqs = defaultdict(lambda: [0, 0, 0, 0])        # INTID -> [raised, lowered, acked, eoi]
        self.erets = Counter()              # (from EL, to EL)
        self.other = Counter()              # kind -> events
        self.ops = Counter()                # (kind, operation) for tlbi/cache/sysreg
        self.translated = [0, 0]            # blocks, insns
        self.verdicts = [0, []]             # ok, failed lines
        self.uart: list[str] = []
        self.stops: list[str] = []
        self.last_icount = 0
        self.records = 0
        self._open = None                   # the last block: counted when the next one shows how far it ran

    def _settle(self, next_icount: int | None) -> None:
        """Count the block recorded last: it ran as many of its instructions
        as the count had advanced by the next block (or the stop); a fault
        or an exception ends a block early."""
        b, self._open = self._open, None
        if b is None:
            return
        n = b.ninsns if next_icount is None else max(0, min(b.ninsns, next_icount - b.icount))
        self.block_insns[b.el] += n
        key = (b.pc, b.el)
        self.hot[key] += n
        self.runs[key] += 1
        self.block_len[key] = b.ninsns
        self.last_icount = max(self.last_icount, b.icount + n)

    def add(self, rec) -> None:
        self.records += 1
        if isinstance(rec, Block):
            self._settle(rec.icount)
            self._open = rec
            return
        if isinstance(rec, Insn) or rec.kind == "stop":
            self._settle(rec.icount)
        self.last_icount = max(self.last_icount, rec.icount + (rec.kind == "insn"))
        if isinstance(rec, Insn):
            self.insn_records[rec.el] += 1
            return
        f, kind = rec.fields, rec.kind
        if kind == "exception":
            what = exception_kind(f["vector"])
            cls = what if what != "sync" else f"{ec_name(f['esr'] >> 26 & 0x3F)} (EC={f['esr'] >> 26 & 0x3F:#04x})"
            self.exceptions[(cls, rec.el, f["to_el"])] += 1
        elif kind == "eret":
            self.erets[(rec.el, f["to_el"])] += 1
        elif kind == "mmio":
            entry = self.mmio[mmio_device_register(rec.text, f["pa"])]
            entry[1 if f["write"] else 0] += 1
            entry[2] = f["pa"] if entry[2] is None else entry[2]
        elif kind == "irq_line":
            self.irqs[f["intid"]][0 if f["level"] else 1] += 1
        elif kind == "irq_ack":
            self.irqs[f["intid"]][2] += 1
        elif kind == "irq_eoi":
            self.irqs[f["intid"]][3] += 1
        elif kind == "uart":
            self.uart.append(rec.text or "")
        elif kind == "stop":
            self.stops.append(rec.text or "")
        elif kind == "translate":
            self.translated[0] += f["blocks"]
            self.translated[1] += f["insns"]
        elif kind == "verdict":
            if f["ok"]:
                self.verdicts[0] += 1
            else:
                self.verdicts[1].append(rec.text or "")
        elif kind in ("tlbi", "cache"):
            self.ops[(kind, rec.text or "?")] += 1
        elif kind == "sysreg":
            self.ops[("sysreg", f"{'MSR' if f['write'] else 'MRS'} {rec.text or describe_sysreg_key(f['key'])}")] += 1
        self.other[kind] += 1

    def render(self, console, path: str, meta: dict, symbols: SymbolTable | None, code: CodeImage | None) -> None:
        self._settle(None)
        from rich import box
        from rich.table import Table

        def table(title, *columns):
            t = Table(title=title, box=box.SIMPLE, title_justify="left", highlight=False)
            for c in columns:
                t.add_column(c, justify="right" if c.startswith("#") or c in ("instructions", "%") else "left")
            return t

        t = table("trace", "key", "value")
        t.add_row("file", escape(path))
        for k in sorted(meta):
            v = meta[k]
            t.add_row(k, escape(v if isinstance(v, str) else json.dumps(v)))
        t.add_row("records", f"{self.records:,}")
        t.add_row("last instruction count", f"{self.last_icount:,}")
        console.print(t)

        els = sorted(set(self.block_insns) | set(self.insn_records))
        if els:
            # blocks level: instructions are counted in blocks; insns level: one record each
            counted = self.block_insns or self.insn_records
            t = table("instructions per EL", "EL", "instructions", "%")
            total = sum(counted.values()) or 1
            for el in els:
                t.add_row(f"EL{el}", f"{counted[el]:,}", f"{100 * counted[el] / total:.1f}")
            console.print(t)
        else:
            console.print("no block or instruction records (an events-level trace)\n")

        if self.hot:
            total = sum(self.hot.values()) or 1
            columns = ["instructions", "%", "#runs", "#insns", "EL", "PC", "symbol"]
            t = table("hottest blocks", *columns + (["first instruction"] if code is not None else []))
            dis = Disassembler()
            for (pc, el), n in self.hot.most_common(20):
                row = [f"{n:,}", f"{100 * n / total:.1f}", f"{self.runs[(pc, el)]:,}", str(self.block_len[(pc, el)]),
                       f"EL{el}", f"{pc:#x}", symbols.format(pc) if symbols is not None else ""]
                if code is not None:
                    word = code.word_at(pc)
                    row.append(dis.text(word, pc) if word is not None else "")
                t.add_row(*row)
            console.print(t)

        if self.exceptions:
            t = table("exceptions by class", "class", "from", "to", "#taken")
            for (cls, frm, to), n in sorted(self.exceptions.items(), key=lambda kv: (-kv[1], kv[0])):
                t.add_row(cls, f"EL{frm}", f"EL{to}", f"{n:,}")
            for (frm, to), n in sorted(self.erets.items()):
                t.add_row("ERET", f"EL{frm}", f"EL{to}", f"{n:,}")
            console.print(t)

        if self.mmio:
            t = table("MMIO by device register", "device", "register", "address", "#reads", "#writes")
            for (dev, reg), (r, w, pa) in sorted(self.mmio.items(), key=lambda kv: (kv[1][2] or 0, kv[0])):
                t.add_row(dev, reg, f"{pa:#x}", f"{r:,}", f"{w:,}")
            console.print(t)

        if self.irqs:
            t = table("interrupts by INTID", "INTID", "#raised", "#lowered", "#acked", "#eoi")
            for intid, (up, down, ack, eoi) in sorted(self.irqs.items()):
                t.add_row(str(intid), f"{up:,}", f"{down:,}", f"{ack:,}", f"{eoi:,}")
            console.print(t)

        if self.ops or self.translated[0] or self.verdicts[0] or self.verdicts[1] or self.other["invalidate"]:
            t = table("other events", "event", "#")
            if self.translated[0] or self.other["translate"]:
                t.add_row(f"translations ({self.translated[0]:,} blocks, {self.translated[1]:,} insns)",
                          f"{self.other['translate']:,}")
            if self.other["invalidate"]:
                t.add_row("code invalidations", f"{self.other['invalidate']:,}")
            for (kind, op), n in sorted(self.ops.items()):
                t.add_row(f"{kind}: {op}", f"{n:,}")
            if self.verdicts[0] or self.verdicts[1]:
                t.add_row("boot-contract verdicts OK", f"{self.verdicts[0]:,}")
                for line in self.verdicts[1]:
                    t.add_row(f"FAIL {escape(line)}", "1")
            console.print(t)

        console.print("console output (uart):" if self.uart else "console output (uart): none")
        if self.uart:
            text = escape("".join(self.uart), keep="\n\t")
            console.print(text if text.endswith("\n") else text + "\n", end="")
        console.print(f"stop: {escape('; '.join(self.stops))}" if self.stops else "stop: no stop record "
                      "(the trace was cut short or is still being written)")


# ---- the command ---------------------------------------------------------------------------------

def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options of ``a64jit trace``."""
    p.add_argument("file", metavar="FILE", help="a trace file written by a64jit boot --trace")
    p.add_argument("--symbols", metavar="FILE",
                   help="ELF file (its symbols, and its code for disassembly) or System.map / kallsyms listing: "
                        "PCs are shown as name+0xoff")
    p.add_argument("--image", metavar="FILE[@ADDR]",
                   help="the kernel's code for disassembling blocks: an ELF, or a raw Image/flat binary at ADDR "
                        "(hex; default: where a64jit boot loads it)")
    p.add_argument("--load-offset", metavar="ADDR", default="0",
                   help="added to the addresses of --symbols and of an ELF --image (a PIE linked at 0 and run "
                        "elsewhere); hex")
    p.add_argument("--el", action="append", metavar="N", help="only rows at these ELs (repeatable or N,M)")
    p.add_argument("--pc-range", metavar="LO-HI", help="only records with a PC in [LO, HI) (hex)")
    p.add_argument("--event", action="append", metavar="KINDS",
                   help="only these kinds, comma-separated: exc,eret,mmio,irq,tlbi,cache,translate,invalidate,"
                        "uart,sysreg,verdict,stop,blocks,insns (blocks and insns are only shown if listed)")
    p.add_argument("--grep", metavar="REGEX", help="only rows whose text matches REGEX")
    p.add_argument("--from", dest="from_icount", type=int, metavar="N",
                   help="only records at instruction count >= N")
    p.add_argument("--to", dest="to_icount", type=int, metavar="N", help="only records at instruction count < N")
    p.add_argument("--limit", type=int, metavar="N", help="at most N rows")
    p.add_argument("--summary", action="store_true",
                   help="counts instead of rows: instructions per EL, hottest blocks, exceptions, MMIO, "
                        "interrupts, console output, stop reason (the filters above apply)")
    p.add_argument("--follow", action="store_true",
                   help="keep reading as the file grows, until a stop record or Ctrl-C")
    p.add_argument("--export", nargs=2, metavar=("FORMAT", "OUT"),
                   help="write the whole trace to OUT instead of listing it (the filters do not apply); "
                        "FORMAT: perfetto (Chrome JSON trace events, for ui.perfetto.dev)")


def _err(msg: str) -> None:
    print(f"a64jit: {msg}", file=sys.stderr)


def _make_console():
    from rich.console import Console
    # soft_wrap: a row is never broken by rich (a terminal wraps it; a file keeps it whole)
    console = Console(highlight=False, markup=False, emoji=False, soft_wrap=True)
    if not console.is_terminal:
        console.width = PLAIN_WIDTH

    def pipe_closed():
        # rich's own handler exits with status 1; the reader of a pipe going away (| head) is no error
        console.quiet = True
        raise BrokenPipeError

    console.on_broken_pipe = pipe_closed
    return console


def _listing(console, reader, flt, args, renderer) -> None:
    # Rows go out as rich Segments (text + style), a batch per print: a Text
    # per row costs rich tens of microseconds to lay out, a Segment almost
    # nothing, and a row needs no layout (its text is already escaped and is
    # never wrapped by rich).
    from rich.segment import Segment, Segments
    from rich.style import Style
    grep = re.compile(args.grep) if args.grep else None
    limit = args.limit
    if limit == 0:
        return
    styles: dict[tuple[int, bool], Style] = {}
    newline = Segment.line()
    batch: list = []
    shown = 0

    def flush():
        if batch:
            console.print(Segments(batch), end="")
            batch.clear()
            console.file.flush()

    def at_end_of_file():        # (--follow: called while the reader waits for more)
        flush()
        return False

    try:
        for rec in reader.records(follow=args.follow, stop=at_end_of_file):
            if flt.past_end(rec):
                break
            if flt(rec):
                line = renderer.row(rec)
                if grep is None or grep.search(line):
                    key = (rec.el, rec.kind in ("exception", "eret", "stop"))
                    style = styles.get(key)
                    if style is None:
                        style = Style.parse(EL_STYLES.get(rec.el, "default") + (" bold" if key[1] else ""))
                        styles[key] = style
                    batch += (Segment(line, style), newline)
                    shown += 1
                    if len(batch) >= 2 * BATCH_ROWS:
                        flush()
                    if limit is not None and shown >= limit:
                        break
            if rec.kind == "stop" and args.follow:
                break
    finally:
        flush()


def _summary(console, reader, flt, args, symbols, code) -> None:
    summary = Summary()
    try:
        for rec in reader.records(follow=args.follow):
            if flt.past_end(rec):
                break
            if flt(rec):
                summary.add(rec)
            if rec.kind == "stop" and args.follow:
                break
    finally:
        summary.render(console, reader.path, reader.meta, symbols, code)


def _export(reader, args, symbols) -> int:
    fmt, out = args.export
    if fmt.lower() != "perfetto":
        _err(f"--export {fmt}: unknown format; the one known is perfetto")
        return EXIT_BAD_INPUT
    from .perfetto import export
    try:
        counts = export(reader, out, symbols=symbols)
    except OSError as e:
        _err(f"{out}: {e.strerror}")
        return EXIT_BAD_INPUT
    print(f"wrote {out}: Perfetto (Chrome JSON) trace, {counts['events']:,} events ({counts['slices']:,} "
          f"slices, {counts['instants']:,} instants on {counts['tracks']} tracks); open it in ui.perfetto.dev")
    return EXIT_OK


def run(args) -> int:
    """``a64jit trace``: the exit status."""
    try:
        flt = RecordFilter(args)
        if args.grep:
            try:
                re.compile(args.grep)
            except re.error as e:
                raise UsageError(f"--grep {args.grep!r}: {e}") from None
        if args.limit is not None and args.limit < 0:
            raise UsageError("--limit must be >= 0")
        try:
            offset = int(args.load_offset, 16) if args.load_offset else 0
        except ValueError:
            raise UsageError(f"--load-offset {args.load_offset}: not a hex number") from None
        symbols = code = None
        if args.symbols:
            symbols, code = load_symbols(args.symbols, offset)
        if args.image:
            code, image_symbols = load_image(args.image, offset)
            symbols = symbols if symbols is not None else image_symbols
    except UsageError as e:
        _err(str(e))
        return EXIT_BAD_INPUT
    try:
        reader = TraceReader(args.file)
    except OSError as e:
        _err(f"{args.file}: {e.strerror}")
        return EXIT_BAD_INPUT
    except TraceError as e:
        _err(str(e))
        return EXIT_BAD_INPUT
    status = EXIT_OK
    with warnings.catch_warnings(record=True) as caught:
        # only the reader's own warnings (a cut-short file) are for the user
        warnings.simplefilter("ignore")
        warnings.simplefilter("always", UserWarning)
        try:
            if args.export:
                status = _export(reader, args, symbols)
            else:
                console = _make_console()
                if args.summary:
                    _summary(console, reader, flt, args, symbols, code)
                else:
                    _listing(console, reader, flt, args, RowRenderer(symbols, code))
        except KeyboardInterrupt:
            status = EXIT_OK if args.follow else EXIT_INTERRUPTED
        except BrokenPipeError:
            # the reader of a pipe went away (| head): not an error; stop Python's own flush from failing
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            return EXIT_OK
        except struct.error as e:          # a record whose payload does not fit its kind
            _err(f"{args.file}: corrupt trace record ({e})")
            status = EXIT_BAD_INPUT
        except OSError as e:
            _err(f"{args.file}: {e.strerror or e}")
            status = EXIT_BAD_INPUT
        finally:
            reader.close()
    for w in caught:
        _err(f"warning: {w.message}")
    return status


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="a64jit trace", description="Show an a64jit execution trace")
    add_arguments(p)
    return run(p.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
