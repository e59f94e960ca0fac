"""The persistent translation index: warm runs that neither lift nor compile.

The code cache (cache.py) finds object code by the IR text it was compiled
from, so finding it needs the IR: a warm run used to lift every block again
(in Python, the largest part of a warm Linux boot).  The index remembers,
for each tier-0 module made, the *recipe* of its batch: the first block's
(PC, translation context), the PC and length of every block in it, in
order, a hash of their instruction bytes, and the key of the object code.
A miss at (PC, ctx) that the index knows is then: read the bytes of the
recipe's blocks through the MMU (the pages as lifting would fetch them),
compare their hash, and link the cached object, which is exactly what
lifting those bytes in that context would have compiled: the lifter's
output is a function of the instruction words, their PCs, the context and
the batch's composition, and nothing else (translator/lift/block.py); the
composition is recorded.  Hot-tier modules are found by the tier-0 key
(``hot``).

What else gives a recipe its meaning is the *namespace*, which names the
file: the LLVM build and host CPU, the ABI, the translator version, the FP
operation list, the tier-0 options and a fingerprint of the translator's
and runtime's sources, so that a changed lifter can never map old bytes to
old code (the code cache is safe by construction; the index by this).

The file is an append-only log of records, each with its own CRC32, written
whole by one ``write`` on a descriptor opened with O_APPEND (so concurrent
runs interleave records, never bytes of them).  Loading stops at the first
damaged record and rewrites the file without it; a file over ``MAX_BYTES``
is compacted (the last record of each recipe kept); at most ``MAX_FILES``
namespaces are kept in the directory.

Beside it, the namespace's *object pack* (``ObjectPack``, ``<namespace>.objs``):
the code images of the recipes' modules, one after another, each with its
key and a CRC32, appended as they are made or first read from the code
cache, so that a warm run reads them from one open file (``pread``) instead
of opening a cache file per module (a warm Linux boot links some 8,000).  A
copy: the code cache keeps its entries; the pack stops growing at
``PACK_MAX_BYTES`` and goes with its namespace.  A record whose CRC does not
match is not used (the code cache is asked); a damaged tail ends the
records (and this run appends nothing).

This module is the one place of both formats: records are packed and
unpacked here only.
"""
from __future__ import annotations

import hashlib
import mmap
import os
import struct
import threading
import zlib

MAGIC = b"A64JIDX1"
REC_MODULE, REC_HOT = 1, 2
_HEAD = struct.Struct("<IIB")          # payload length, CRC32 of kind + payload, kind
_MODULE = struct.Struct("<QQ32s16sH")  # first pc, ctx, object key, code hash, number of blocks
_BLOCK = struct.Struct("<QH")          # block pc, instructions
_HOT = struct.Struct("<32s32s")        # tier-0 object key, hot-tier object key
MAX_BYTES = 64 << 20                   # compacted beyond this
MAX_FILES = 4                          # namespaces kept in the directory
PACK_MAGIC = b"A64JOBJ1"
_PACKED = struct.Struct("<32sII")      # object key, length, CRC32 of key + object; then the object
PACK_MAX_BYTES = 256 << 20             # an object pack grows no further (MAX_FILES of them at most)


def code_hasher():
    """A hash object for a recipe's instruction bytes: ``update`` it with the
    blocks' bytes in order; ``digest()`` is the recipe's hash."""
    return hashlib.blake2b(digest_size=16)


def code_hash(chunks) -> bytes:
    """The hash of a recipe's instruction bytes (the blocks' bytes, in order)."""
    h = code_hasher()
    for c in chunks:
        h.update(c)
    return h.digest()


def words_bytes(words) -> bytes:
    """Instruction words as the little-endian bytes they were fetched from."""
    return struct.pack(f"<{len(words)}I", *words)


_SOURCES: str | None = None


def source_fingerprint() -> str:
    """SHA-256 of the translator's and runtime's Python sources (what the
    lifter's output depends on), computed once per process."""
    global _SOURCES
    if _SOURCES is None:
        here = os.path.dirname(os.path.abspath(__file__))
        roots = [os.path.dirname(here), os.path.join(os.path.dirname(os.path.dirname(here)), "runtime")]
        h = hashlib.sha256()
        for root in roots:
            for d, subdirs, files in sorted(os.walk(root)):
                subdirs.sort()
                for f in sorted(files):
                    if f.endswith(".py"):
                        p = os.path.join(d, f)
                        h.update(os.path.relpath(p, root).encode() + b"\0")
                        with open(p, "rb") as fh:
                            h.update(fh.read())
        _SOURCES = h.hexdigest()
    return _SOURCES


class Recipe:
    """One module's recipe: its object key, the hash of its bytes, and its
    blocks [(pc, instructions)], first block first."""
    __slots__ = ("key", "hash", "_blocks", "_n")

    def __init__(self, key: bytes, chash: bytes, blocks: bytes, n: int):
        self.key, self.hash, self._blocks, self._n = key, chash, blocks, n

    @classmethod
    def of(cls, key: str, chash: bytes, blocks) -> "Recipe":
        blocks = list(blocks)
        return cls(bytes.fromhex(key), chash, b"".join(_BLOCK.pack(p, n) for p, n in blocks), len(blocks))

    @property
    def object_key(self) -> str:
        return self.key.hex()

    @property
    def blocks(self) -> list[tuple[int, int]]:
        return list(_BLOCK.iter_unpack(self._blocks))


def _pack(kind: int, payload: bytes) -> bytes:
    return _HEAD.pack(len(payload), zlib.crc32(bytes((kind,)) + payload), kind) + payload


def pack_module(pc: int, ctx: int, key: str, chash: bytes, blocks) -> bytes:
    blocks = list(blocks)
    return _pack(REC_MODULE, _MODULE.pack(pc, ctx, bytes.fromhex(key), chash, len(blocks))
                 + b"".join(_BLOCK.pack(p, n) for p, n in blocks))


def pack_hot(key0: str, key_hot: str) -> bytes:
    return _pack(REC_HOT, _HOT.pack(bytes.fromhex(key0), bytes.fromhex(key_hot)))


def unpack_records(data: bytes, start: int = len(MAGIC)):
    """Yield (kind, fields) for each intact record from ``start``; stops at
    the first damaged one.  The last value yielded is ("end", offset of the
    end of the last intact record)."""
    off, end = start, len(data)
    while off + _HEAD.size <= end:
        length, crc, kind = _HEAD.unpack_from(data, off)
        p = off + _HEAD.size
        if p + length > end:
            break
        payload = data[p:p + length]
        if zlib.crc32(bytes((kind,)) + payload) != crc:
            break
        if kind == REC_MODULE and length >= _MODULE.size:
            pc, ctx, key, chash, n = _MODULE.unpack_from(payload)
            blocks = payload[_MODULE.size:]
            if len(blocks) != n * _BLOCK.size:
                break
            yield REC_MODULE, (pc, ctx, Recipe(key, chash, blocks, n))
        elif kind == REC_HOT and length == _HOT.size:
            yield REC_HOT, _HOT.unpack(payload)
        else:
            break
        off = p + length
    yield "end", off


class ObjectPack:
    """A namespace's code images by object key (module docstring), read
    with ``pread`` from one descriptor; never fails the run (an unreadable
    or unwritable file is an empty pack).  Used by the engine's thread only."""

    def __init__(self, path: str):
        self.path = path
        self._table: dict[bytes, tuple[int, int, int]] | None = None   # key -> (offset, length, crc)
        self._rfd: int | None = None
        self._wfd: int | None = None
        self._size = 0
        self._appendable = True
        self.reads = self.rejected = 0

    def _load(self):
        self._table = {}
        try:
            self._rfd = os.open(self.path, os.O_RDONLY)
            size = os.fstat(self._rfd).st_size
        except OSError:
            self._rfd = None
            return
        if size and os.pread(self._rfd, len(PACK_MAGIC), 0) != PACK_MAGIC:
            self._appendable = False
            return
        off = len(PACK_MAGIC)
        # The headers read through a mapping of the file, not a pread each
        # (a warm Linux boot's pack holds some 14,000 images).
        try:
            view = mmap.mmap(self._rfd, size, access=mmap.ACCESS_READ) if size else b""
        except (OSError, ValueError):
            view = b""
            off = size + 1                     # (unreadable: an empty pack that is not appended to)
        try:
            table, head, hsize = self._table, _PACKED.unpack_from, _PACKED.size
            while off + hsize <= size:
                key, n, crc = head(view, off)
                if off + hsize + n > size:
                    break
                table[key] = (off + hsize, n, crc)
                off += hsize + n
        finally:
            if type(view) is mmap.mmap:
                view.close()
        if off != size and size:
            self._appendable = False           # a damaged tail: records after it would be lost
        self._size = size

    def get(self, key: str) -> bytes | None:
        if self._table is None:
            self._load()
        kb = bytes.fromhex(key)
        e = self._table.get(kb)
        if e is None or self._rfd is None or e[0] < 0:
            return None
        off, n, crc = e
        try:
            data = os.pread(self._rfd, n, off)
        except OSError:
            return None
        if len(data) != n or zlib.crc32(data, zlib.crc32(kb)) != crc:
            self.rejected += 1
            return None
        self.reads += 1
        return data

    def put(self, key: str, obj: bytes) -> None:
        if self._table is None:
            self._load()
        kb = bytes.fromhex(key)
        if kb in self._table or not self._appendable or self._size + len(obj) > PACK_MAX_BYTES:
            return
        self._table[kb] = (-1, 0, 0)           # (appended by this run: read from the code cache)
        try:
            if self._wfd is None:
                os.makedirs(os.path.dirname(self.path), exist_ok=True)
                self._wfd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
                if os.fstat(self._wfd).st_size == 0:
                    os.write(self._wfd, PACK_MAGIC)
            os.write(self._wfd, _PACKED.pack(kb, len(obj), zlib.crc32(obj, zlib.crc32(kb))) + obj)
            self._size += _PACKED.size + len(obj)
        except OSError:
            self._appendable = False

    def close(self) -> None:
        for fd in (self._rfd, self._wfd):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._rfd = self._wfd = None
        self._table = None


class TranslationIndex:
    """The recipes of one namespace, loaded from and appended to its file
    (``directory/<namespace>.idx``).  Lookups never fail the run: an
    unreadable or unwritable file is an empty index."""

    def __init__(self, directory: str, namespace: str):
        self.dir = directory
        self.path = os.path.join(directory, namespace[:32] + ".idx")
        self.objects = ObjectPack(os.path.join(directory, namespace[:32] + ".objs"))
        self._lock = threading.Lock()
        self._recipes: dict[tuple[int, int], list[Recipe]] | None = None
        self._hot: dict[bytes, bytes] = {}
        self._fd: int | None = None
        self.loaded_records = 0
        self.damaged = False              # the file had a damaged tail (rewritten without it)

    # -- reading -------------------------------------------------------------------
    def _load(self):
        self._recipes = {}
        try:
            with open(self.path, "rb") as fh:
                data = fh.read()
        except OSError:
            return
        if data[:len(MAGIC)] != MAGIC:
            self.damaged = bool(data)
            self._rewrite()
            return
        n = 0
        for kind, v in unpack_records(data):
            if kind == REC_MODULE:
                pc, ctx, r = v
                self._add(pc, ctx, r)
                n += 1
            elif kind == REC_HOT:
                self._hot[v[0]] = v[1]
                n += 1
            else:
                end = v
        self.loaded_records = n
        if end != len(data):
            self.damaged = True
        if end != len(data) or len(data) > MAX_BYTES:
            self._rewrite()

    def _add(self, pc, ctx, r: Recipe):
        lst = self._recipes.setdefault((pc, ctx), [])
        for i, old in enumerate(lst):
            if old.hash == r.hash:
                lst[i] = r              # the same bytes: the later recipe wins
                return
        lst.insert(0, r)

    def find(self, pc: int, ctx: int) -> list[Recipe]:
        """The recipes of modules that began at (pc, ctx), most recent first."""
        with self._lock:
            if self._recipes is None:
                self._load()
            return self._recipes.get((pc, ctx), [])

    def hot(self, key0: str) -> str | None:
        """The hot-tier object key of the module whose tier-0 key is ``key0``."""
        with self._lock:
            if self._recipes is None:
                self._load()
            k = self._hot.get(bytes.fromhex(key0))
            return k.hex() if k is not None else None

    # -- writing -------------------------------------------------------------------
    def add_module(self, pc: int, ctx: int, key: str, chash: bytes, blocks) -> None:
        rec = pack_module(pc, ctx, key, chash, blocks)
        with self._lock:
            if self._recipes is None:
                self._load()
            for kind, v in unpack_records(rec, 0):
                if kind == REC_MODULE:
                    self._add(*v)
            self._append(rec)

    def add_hot(self, key0: str, key_hot: str) -> None:
        with self._lock:
            if self._recipes is None:
                self._load()
            self._hot[bytes.fromhex(key0)] = bytes.fromhex(key_hot)
            self._append(pack_hot(key0, key_hot))

    def _open(self) -> int | None:
        if self._fd is None:
            try:
                os.makedirs(self.dir, exist_ok=True)
                new = not os.path.exists(self.path)
                self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
                if new or os.fstat(self._fd).st_size == 0:
                    os.write(self._fd, MAGIC)
                    self._trim_files()
            except OSError:
                self._fd = -1
        return self._fd if self._fd >= 0 else None

    def _append(self, rec: bytes):
        fd = self._open()
        if fd is None:
            return
        try:
            os.write(fd, rec)             # one write: records never interleave
        except OSError:
            pass

    def _rewrite(self):
        """Write the file anew from what is loaded (atomically: rename)."""
        parts = [MAGIC]
        for (pc, ctx), lst in self._recipes.items():
            for r in reversed(lst):
                parts.append(pack_module(pc, ctx, r.object_key, r.hash, r.blocks))
        for k0, kh in self._hot.items():
            parts.append(pack_hot(k0.hex(), kh.hex()))
        tmp = f"{self.path}.{os.getpid()}.{threading.get_ident()}.tmp"
        try:
            os.makedirs(self.dir, exist_ok=True)
            with open(tmp, "wb") as fh:
                fh.write(b"".join(parts))
            os.replace(tmp, self.path)
        except OSError:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        if self._fd is not None and self._fd >= 0:
            os.close(self._fd)
        self._fd = None

    def _trim_files(self):
        """Keep the MAX_FILES most recently written namespaces."""
        try:
            files = [(e.stat().st_mtime_ns, e.path) for e in os.scandir(self.dir) if e.name.endswith(".idx")]
        except OSError:
            return
        files.sort(reverse=True)
        for _, p in files[MAX_FILES:]:
            if p != self.path:
                for q in (p, p[:-len(".idx")] + ".objs"):          # (its object pack goes with it)
                    try:
                        os.unlink(q)
                    except OSError:
                        pass

    def close(self) -> None:
        with self._lock:
            if self._fd is not None and self._fd >= 0:
                os.close(self._fd)
            self._fd = None
            self.objects.close()


def namespace(llvm_identity: str, layout: str, opt: int, hot_threshold: int, hot_regs: int = 0) -> str:
    """What gives recipes their meaning besides the bytes (module docstring)."""
    from .cache import TRANSLATOR_VERSION, FP_KEY
    from ...runtime.abi import ABI_KEY
    return hashlib.sha256(f"{llvm_identity}|{layout}|t{TRANSLATOR_VERSION}|{ABI_KEY}|{FP_KEY}|opt{opt}|"
                          f"hot{hot_threshold}|regs{hot_regs}|{source_fingerprint()}".encode()).hexdigest()
