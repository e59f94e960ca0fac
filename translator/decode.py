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

import ast

from . import encoding, fields as F

BUCKET_SHIFT = 21
NBUCKETS = 1 << (32 - BUCKET_SHIFT)
#: what a constraint may name besides the row's fields
CONSTRAINT_NAMES = {"decode_bit_masks": F.decode_bit_masks}
_CONSTRAINT_BUILTINS = {"bool", "int", "abs", "min", "max"}


class TableError(ValueError):
    """The encoding table is inconsistent (raised at import)."""


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
                if not fname.isidentifier() or any(fname == n for n, _, _ in flds):
                    raise TableError(f"row {name}: bad or repeated field name {fname!r}")
                width = int(width or 1)
                pos -= width
                flds.append((fname, pos, width))
        if pos != 0:
            raise TableError(f"pattern for {name} is {32 - pos} bits, not 32: {pattern!r}")
        self.mask, self.value, self.fields = mask, value, flds
        # Generated extractor: one expression per field, no loops at decode time.
        body = ", ".join(f"{n!r}: (w >> {s}) & {(1 << wd) - 1:#x}" for n, s, wd in flds)
        self.extract = eval(f"lambda w: _fields({{{body}}})", {"_fields": _fields})
        self.check = None
        if constraint:
            _check_constraint_names(name, constraint, {n for n, _, _ in flds})
            names = ", ".join(n for n, _, _ in flds)
            src = f"lambda f: (lambda {names}: {constraint})(**f.__dict__)"
            self.check = eval(src, dict(CONSTRAINT_NAMES))

    def __repr__(self) -> str:
        return f"Row({self.name}, mask={self.mask:#010x}, value={self.value:#010x})"


def _check_constraint_names(row: str, constraint: str, fields: set) -> None:
    """A constraint may name only the row's fields and CONSTRAINT_NAMES (a
    typo would otherwise raise NameError at the first matching decode)."""
    try:
        tree = ast.parse(constraint, mode="eval")
    except SyntaxError as e:
        raise TableError(f"row {row}: constraint is not an expression: {constraint!r} ({e.msg})") from None
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id not in fields and node.id not in CONSTRAINT_NAMES \
                and node.id not in _CONSTRAINT_BUILTINS:
            raise TableError(f"row {row}: constraint names {node.id!r}, which is not a field of the row "
                             f"(fields: {', '.join(sorted(fields))})")


def overlaps(a: "Row", b: "Row") -> bool:
    """Is there a word both patterns match (constraints aside)?"""
    return (a.value ^ b.value) & a.mask & b.mask == 0


def check_table(rows: list, ordered=()) -> None:
    """Rows whose patterns overlap must be declared, in table order, in one
    group of ``ordered`` (the first matching row of a group wins: the more
    specific rows come first), as decodetree's pattern groups; a group whose
    rows do not overlap, or that names an unknown row or a wrong order, is
    an error too."""
    pos = {}
    for i, r in enumerate(rows):
        pos.setdefault(r.name, i)
    group_of = {}
    for g, names in enumerate(ordered):
        for n in names:
            if n not in pos:
                raise TableError(f"ordered group {names}: no row {n!r}")
            if n in group_of:
                raise TableError(f"row {n!r} is in two ordered groups")
            group_of[n] = g
        idx = [pos[n] for n in names]
        if idx != sorted(idx):
            raise TableError(f"ordered group {names}: rows are not in this order in the table")
    used = set()
    for i, a in enumerate(rows):
        for b in rows[i + 1:]:
            if not overlaps(a, b):
                continue
            g = group_of.get(a.name)
            if g is None or group_of.get(b.name) != g:
                raise TableError(f"rows {a.name} and {b.name} overlap (e.g. word {a.value | b.value:#010x}) "
                                 f"and are not in one ordered group")
            used.add(a.name)
            used.add(b.name)
    for names in ordered:
        for n in names:
            if n not in used:
                raise TableError(f"ordered group {names}: row {n!r} overlaps no other row of the group")


def compile_table(table, ordered=()) -> list:
    """Rows from table entries ``(name, pattern, constraint)``, checked."""
    rows = [Row(*r) for r in table]
    check_table(rows, ordered)
    return rows


ROWS = compile_table(encoding.TABLE, encoding.ORDERED)


def _build_buckets():
    """Bucket ``key`` (the word's top bits) lists, in table order, the rows
    whose fixed bits there equal the key's: each row goes to every key its
    free top bits allow (enumerated as subsets of them)."""
    buckets = [[] for _ in range(NBUCKETS)]
    for row in ROWS:
        m = row.mask >> BUCKET_SHIFT & (NBUCKETS - 1)
        v = row.value >> BUCKET_SHIFT & m
        free = (NBUCKETS - 1) & ~m
        sub = free
        while True:
            buckets[v | sub].append(row)
            if not sub:
                break
            sub = (sub - 1) & free
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
