"""Table-driven A64 decoder.

The rows of ``translator.encoding.TABLE`` are compiled at import into
mask/value matchers with generated field extractors (in the spirit of QEMU's
decodetree, with the table as data).  Rows are bucketed by instruction bits
31:21, so a decode is one dict-free list index plus, typically, one to three
mask compares.

``decode(word)`` returns an ``Insn``; words no row accepts decode to the
``UNDEF`` instruction (which the semantics turn into an UNDEFINED exception for
the guest, never a Python error).
"""
from __future__ import annotations

from . import encoding, fields as F

BUCKET_SHIFT = 21
NBUCKETS = 1 << (32 - BUCKET_SHIFT)


class Insn:
    """A decoded instruction: row name, the word, its fields as attributes."""

    __slots__ = ("name", "word", "f")

    def __init__(self, name: str, word: int, f):
        self.name, self.word, self.f = name, word, f

    def __repr__(self) -> str:
        return f"Insn({self.name}, {self.word:#010x}, {self.f})"


class Fields:
    """Field values as plain attributes (``f.Rd``; ``vars(f)`` is the dict).
    Instances are made by ``_fields`` around the extractor's dict: attribute
    reads are then ordinary instance-dict reads, the fastest Python has."""

    def __repr__(self) -> str:
        return f"Fields({self.__dict__})"

    def __eq__(self, other):
        return isinstance(other, Fields) and self.__dict__ == other.__dict__

    __hash__ = None


def _fields(d: dict, _new=object.__new__, _cls=Fields) -> Fields:
    f = _new(_cls)
    f.__dict__ = d
    return f


class Row:
    __slots__ = ("name", "pattern", "mask", "value", "fields", "extract", "check")

    def __init__(self, name: str, pattern: str, constraint: str | None):
        self.name, self.pattern = name, pattern
        mask = value = 0
        pos = 32
        flds = []
        for tok in pattern.split():
            if set(tok) <= set("01x"):
                for ch in tok:
                    pos -= 1
                    if ch != "x":
                        mask |= 1 << pos
                        value |= int(ch) << pos
            else:
                fname, _, width = tok.partition(":")
                width = int(width or 1)
                pos -= width
                flds.append((fname, pos, width))
        if pos != 0:
            raise ValueError(f"pattern for {name} is {32 - pos} bits, not 32: {pattern!r}")
        self.mask, self.value, self.fields = mask, value, flds
        # Generated extractor: one expression per field, no loops at decode time.
        body = ", ".join(f"{n!r}: (w >> {s}) & {(1 << wd) - 1:#x}" for n, s, wd in flds)
        self.extract = eval(f"lambda w: _fields({{{body}}})", {"_fields": _fields})
        self.check = None
        if constraint:
            names = ", ".join(n for n, _, _ in flds)
            src = f"lambda f: (lambda {names}: {constraint})(**f.__dict__)"
            self.check = eval(src, {"decode_bit_masks": F.decode_bit_masks})

    def __repr__(self) -> str:
        return f"Row({self.name}, mask={self.mask:#010x}, value={self.value:#010x})"


ROWS = [Row(*r) for r in encoding.TABLE]


def _build_buckets():
    top_mask = (NBUCKETS - 1) << BUCKET_SHIFT
    buckets = [[] for _ in range(NBUCKETS)]
    for key in range(NBUCKETS):
        top = key << BUCKET_SHIFT
        for row in ROWS:
            m = row.mask & top_mask
            if top & m == row.value & m:
                buckets[key].append(row)
    return [tuple((r.mask, r.value, r) for r in b) for b in buckets]


_BUCKETS = _build_buckets()
UNDEF_NAME = "UNDEF"
_EMPTY = _fields({})
_CACHE: dict = {}            # word -> Insn (decoding is a pure function of the word)
_CACHE_MAX = 1 << 16


def match(word: int):
    """The first row accepting ``word`` and its fields, or (None, None)."""
    for mask, value, row in _BUCKETS[word >> BUCKET_SHIFT]:
        if word & mask == value:
            f = row.extract(word)
            if row.check is None or row.check(f):
                return row, f
    return None, None


def decode_uncached(word: int) -> Insn:
    word &= 0xFFFFFFFF
    row, f = match(word)
    return Insn(UNDEF_NAME, word, _EMPTY) if row is None else Insn(row.name, word, f)


def decode(word: int) -> Insn:
    """The instruction ``word`` encodes (shared, read-only: do not modify)."""
    insn = _CACHE.get(word)
    if insn is not None:
        return insn
    insn = decode_uncached(word)
    if len(_CACHE) >= _CACHE_MAX:
        _CACHE.clear()
    _CACHE[word] = insn
    return insn
