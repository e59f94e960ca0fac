"""The persistent code cache: object files on disk, keyed by content.

A module's identity (``module_key``) is the SHA-256 of its IR text — itself
a function of the guest bytes and the translation context — at an
optimisation level, together with everything else that gives object code
its meaning: the translator version, the generated-code ABI
(runtime/abi.py ``ABI_KEY``: formats, state layout, helper list) and the
LLVM build.  The same key names linked modules kept in-process (llvm.py).

Each entry is stored with a SHA-256 of its contents, written atomically
(rename), so a corrupt or truncated entry is detected, deleted and rebuilt,
never executed.  The directory is bounded: least recently used entries go
first.
"""
from __future__ import annotations

import hashlib
import os
import threading

from ...runtime.abi import ABI_KEY
from ..fpops import FP_NAMES

# Generated code names FP operations by position (translator/fpops.py).
FP_KEY = ",".join(FP_NAMES)

TRANSLATOR_VERSION = 2       # bump when the lifter changes what IR text means


def module_key(text: str, opt: int, llvm_identity: str) -> str:
    """The identity of a module's object code (disk cache key, and the key
    of the linked modules kept in this process)."""
    return hashlib.sha256(f"{llvm_identity}|t{TRANSLATOR_VERSION}|{ABI_KEY}|{FP_KEY}|opt{opt}\n{text}"
                          .encode()).hexdigest()


class CodeCache:
    """Object files on disk, bounded in size: when what was added since the
    last check passes 1/16 of the bound, the directory is measured and the
    least recently used entries (by modification time; a hit touches its
    entry) are deleted down to 7/8 of the bound.  ``get``/``put`` count
    into the ``stats`` object the caller passes (``cache_rejected``)."""
    MAGIC = b"A64JITO1"

    def __init__(self, directory: str, max_bytes: int = 2048 << 20):
        self.dir = directory
        self.max_bytes = max_bytes
        self._added = 0
        os.makedirs(directory, exist_ok=True)

    def _path(self, key):
        return os.path.join(self.dir, key[:2], key + ".obj")

    def get(self, key: str, stats=None):
        p = self._path(key)
        try:
            with open(p, "rb", buffering=0) as fh:     # (unbuffered: one read of the whole file)
                data = fh.readall()
        except OSError:
            return None
        if (len(data) < 40 or data[:8] != self.MAGIC
                or hashlib.sha256(data[40:]).digest() != data[8:40]):
            if stats is not None:
                stats.cache_rejected += 1
            try:
                os.unlink(p)
            except OSError:
                pass
            return None
        try:
            os.utime(p)                 # recently used: evicted last
        except OSError:
            pass
        return data[40:]

    def put(self, key: str, obj: bytes):
        p = self._path(key)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        tmp = f"{p}.{os.getpid()}.{threading.get_ident()}.tmp"
        with open(tmp, "wb") as fh:
            fh.write(self.MAGIC + hashlib.sha256(obj).digest() + obj)
        os.replace(tmp, p)          # atomic: readers never see a partial file
        self._added += len(obj) + 40
        if self._added > self.max_bytes // 16:
            self._added = 0
            self.trim()

    def trim(self) -> int:
        """Delete least recently used entries while the cache is over its
        bound, down to 7/8 of it.  Returns the bytes the cache then holds."""
        entries, total = [], 0
        try:
            subdirs = [d.path for d in os.scandir(self.dir) if d.is_dir()]
        except OSError:
            return 0
        for sub in subdirs:
            try:
                for f in os.scandir(sub):
                    if f.name.endswith(".obj"):
                        st = f.stat()
                        entries.append((st.st_mtime_ns, st.st_size, f.path))
                        total += st.st_size
            except OSError:
                continue
        if total <= self.max_bytes:
            return total
        entries.sort()
        for _, size, path in entries:
            if total <= self.max_bytes * 7 // 8:
                break
            try:
                os.unlink(path)
                total -= size
            except OSError:
                pass
        return total


def open_cache(config) -> CodeCache | None:
    """The cache a ``JitConfig`` asks for, or None (disabled, or no
    writable directory: run without)."""
    if not config.cache_enabled:
        return None
    try:
        return CodeCache(config.cache_dir, config.cache_max_bytes)
    except OSError:
        return None
