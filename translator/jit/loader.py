"""The object loader: generated code placed in our own executable arenas,
without LLVM's JIT linker.

Why.  Linking one small object through LLJIT costs 0.4-0.7 ms (a JIT
library, a materialisation, page-granular memory per section); a warm
Linux boot links some 21,000 cached objects.  The objects the lifter makes
are simple: ``.text``, ``.rodata`` (jump tables, constants), at most a few
bytes of ``.data`` (the tier-0 hot counter), PC-relative relocations between
them and calls to the one runtime entry (``abi.HELPER_SYMBOL``).

Two steps, so that a warm run does almost nothing:

- ``pack(obj)``: an x86-64 ELF relocatable object -> a *code image* (the
  format the disk cache stores): read-only sections laid out one after
  another with a 16-byte jump to the helper at the end, every relocation
  between them applied, what depends on where the image lands (references
  to its writable data, absolute addresses, the helper's address) kept in a
  short list.  None when the object is not one this loader knows (another
  machine than x86-64, a relocation or an import it was not written for):
  the caller keeps the object and links it through LLJIT.
- ``ObjectLoader.load(image)``: the image copied into an arena, its
  pending relocations (typically two) patched: a few microseconds.

Arenas: ``ARENA`` bytes mapped at once (pages are touched as used), code in
the bottom part (read/write/execute), writable data in the last ``DATA``
bytes (read/write: a store near code being executed would cost the host a
self-modifying-code flush).  ``free`` returns a module; an arena whose
modules are all freed is unmapped (the current one is reused from its
start).

The image format is packed (``pack``) and unpacked (``_unpack``) here only:

    header  "<8sIIIIHH": MAGIC, code size, data size, stub offset,
            relocation count, export count, 0
    exports count x ("<HI" name length, code offset; then the name, UTF-8)
    relocs  count x "<BBBxiq": kind (PC32 | ABS64), where (CODE | DATA),
            target (CODE | DATA | HELPER), 0, offset in where, addend
    code    code size bytes
    data    data size bytes
"""
from __future__ import annotations

import ctypes
import mmap
import platform
import struct
import threading

MAGIC = b"A64IMG01"
ARENA = 16 << 20             # bytes per arena (virtual; pages are touched as used)
DATA = 1 << 20               # of which the writable-data part
CODE_LIMIT = ARENA - DATA

EM_X86_64, ET_REL = 62, 1
SHT_SYMTAB, SHT_RELA, SHT_NOBITS = 2, 4, 8
SHF_WRITE, SHF_ALLOC = 1, 2
SHN_UNDEF, SHN_ABS, SHN_LORESERVE = 0, 0xFFF1, 0xFF00
R_64, R_PC32, R_PLT32, R_PC64 = 1, 2, 4, 24
PC32, ABS64 = 0, 1                           # pending relocation kinds
CODE, DATA_PART, HELPER = 0, 1, 2            # where / target

_ELF_SHDR = struct.Struct("<IIQQQQIIQQ")
_ELF_SYM = struct.Struct("<IBBHQQ")
_ELF_RELA = struct.Struct("<QQq")
_HEAD = struct.Struct("<8sIIIIHH")
_EXPORT = struct.Struct("<HI")
_RELOC = struct.Struct("<BBBxiq")
_STUB = b"\xff\x25\x00\x00\x00\x00"          # jmp qword [rip+0]; then the 8-byte address


def host_supported() -> bool:
    return platform.machine() in ("x86_64", "AMD64") and struct.calcsize("P") == 8


def _cstr(tab: bytes, at: int) -> str:
    return tab[at:tab.index(b"\0", at)].decode()


def pack(obj: bytes, helper: str) -> bytes | None:
    """An ELF relocatable object whose one import is ``helper`` -> a code
    image, or None when this loader does not know the object's contents."""
    try:
        return _pack(obj, helper)
    except (struct.error, IndexError, ValueError, KeyError, UnicodeDecodeError):
        return None


def _pack(obj, helper):
    mv = memoryview(obj)
    if obj[:4] != b"\x7fELF" or obj[4] != 2 or obj[5] != 1:
        return None
    e_type, e_machine = struct.unpack_from("<HH", obj, 0x10)
    if e_type != ET_REL or e_machine != EM_X86_64:
        return None
    (shoff,) = struct.unpack_from("<Q", obj, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", obj, 0x3A)
    if shentsize != _ELF_SHDR.size:
        return None
    shdrs = list(_ELF_SHDR.iter_unpack(mv[shoff:shoff + shnum * shentsize]))
    # Layout: each allocated section's place in the code or the data part.
    place, size_of = {}, [0, 0]
    for i, (_, stype, flags, _, _, size, _, _, align, _) in enumerate(shdrs):
        if not flags & SHF_ALLOC or size == 0:
            continue
        part = DATA_PART if flags & SHF_WRITE or stype == SHT_NOBITS else CODE
        align = max(align, 1)
        off = (size_of[part] + align - 1) // align * align
        place[i] = (part, off)
        size_of[part] = off + size
    stub = (size_of[CODE] + 15) & ~15
    csize, dsize = stub + 16, size_of[DATA_PART]
    parts = (bytearray(csize), bytearray(dsize))
    for i, (part, off) in place.items():
        _, stype, _, _, foff, size, _, _, _, _ = shdrs[i]
        if stype != SHT_NOBITS:
            parts[part][off:off + size] = mv[foff:foff + size]
    parts[CODE][stub:stub + 6] = _STUB
    # Symbols: (part, offset) of each, or HELPER; exports: the global ones defined in code.
    symtabs = [sh for sh in shdrs if sh[1] == SHT_SYMTAB]
    if len(symtabs) != 1:
        return None
    symsh = symtabs[0]
    strsh = shdrs[symsh[6]]
    strtab = obj[strsh[4]:strsh[4] + strsh[5]]
    syms, exports = [], []
    for name, info, _, shndx, value, _ in _ELF_SYM.iter_unpack(mv[symsh[4]:symsh[4] + symsh[5]]):
        if shndx == SHN_UNDEF:
            syms.append((HELPER, 0) if name and _cstr(strtab, name) == helper else None)
        elif shndx == SHN_ABS or shndx >= SHN_LORESERVE or shndx not in place:
            syms.append(None)                # nothing a relocation of ours may use
        else:
            part, off = place[shndx]
            syms.append((part, off + value))
            if info >> 4 and name and part == CODE:
                exports.append((_cstr(strtab, name), off + value))
    # Relocations: those within the code part applied now, the rest pending.
    pending = []
    for sh in shdrs:
        if sh[1] != SHT_RELA or sh[7] not in place:
            continue
        where, base = place[sh[7]]
        buf = parts[where]
        for r_off, r_info, add in _ELF_RELA.iter_unpack(mv[sh[4]:sh[4] + sh[5]]):
            kind, sym = r_info & 0xFFFFFFFF, syms[r_info >> 32]
            if sym is None:
                return None
            target, s = sym
            at = base + r_off
            if kind in (R_PC32, R_PLT32):
                if target == HELPER:
                    target, s = CODE, stub
                if where == target == CODE:
                    struct.pack_into("<i", buf, at, s + add - at)
                else:
                    pending.append((PC32, where, target, at, s + add))
            elif kind == R_64:
                pending.append((ABS64, where, target, at, s + add))
            elif kind == R_PC64 and where == target == CODE:
                struct.pack_into("<q", buf, at, s + add - at)
            else:
                return None
    if csize > CODE_LIMIT or dsize > DATA:
        return None
    out = [_HEAD.pack(MAGIC, csize, dsize, stub, len(pending), len(exports), 0)]
    for name, off in exports:
        nm = name.encode()
        out += [_EXPORT.pack(len(nm), off), nm]
    out += [_RELOC.pack(*r) for r in pending]
    out += [bytes(parts[CODE]), bytes(parts[DATA_PART])]
    return b"".join(out)


def is_image(blob: bytes) -> bool:
    return blob[:8] == MAGIC


def _unpack(img: bytes):
    """A code image -> (code size, data size, stub offset, exports, relocations, code view, data view);
    the code and the data are its last ``code size + data size`` bytes."""
    magic, csize, dsize, stub, nrel, nexp, _ = _HEAD.unpack_from(img, 0)
    if magic != MAGIC:
        raise ValueError("not a code image")
    at, exports = _HEAD.size, {}
    for _ in range(nexp):
        n, off = _EXPORT.unpack_from(img, at)
        at += _EXPORT.size
        exports[img[at:at + n].decode()] = off
        at += n
    relocs = list(_RELOC.iter_unpack(img[at:at + nrel * _RELOC.size]))
    at += nrel * _RELOC.size
    mv = memoryview(img)
    if at + csize + dsize != len(img) or stub + 16 > csize:
        raise ValueError("truncated code image")
    return csize, dsize, stub, exports, relocs, mv[at:at + csize], mv[at + csize:]


_libc = ctypes.CDLL(None, use_errno=True)
_libc.mmap.restype = ctypes.c_void_p
_libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
_libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
_libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
_MAP_FAILED = ctypes.c_void_p(-1).value


class LoadedCode:
    """One loaded image: the address of its code, its exported symbols."""
    __slots__ = ("arena", "addr", "size", "symbols")

    def __init__(self, arena, addr, size, symbols):
        self.arena, self.addr, self.size, self.symbols = arena, addr, size, symbols

    def __getitem__(self, name):            # like an LLJIT resource tracker: a symbol's address
        return self.symbols[name]


class _Arena:
    __slots__ = ("base", "code", "data", "live")

    def __init__(self, base):
        self.base, self.code, self.data, self.live = base, 0, CODE_LIMIT, 0


class ObjectLoader:
    """Places code images in arenas; the helper they call is at ``helper_addr``."""

    def __init__(self, helper_addr: int):
        self.helper_addr = helper_addr
        self._lock = threading.Lock()
        self._arena: _Arena | None = None
        self.arenas = 0                      # mapped now
        self.loaded = 0
        self.available = host_supported()

    def _new_arena(self) -> _Arena | None:
        rw = mmap.PROT_READ | mmap.PROT_WRITE
        base = _libc.mmap(None, ARENA, rw, mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS, -1, 0)
        if base in (None, _MAP_FAILED):
            return None
        if _libc.mprotect(base, CODE_LIMIT, rw | mmap.PROT_EXEC) != 0:
            _libc.munmap(base, ARENA)
            return None
        self.arenas += 1
        return _Arena(base)

    def _alloc(self, csize: int, dsize: int):
        with self._lock:
            a = self._arena
            if a is None or a.code + csize > CODE_LIMIT or a.data + dsize > ARENA:
                a = self._new_arena()
                if a is None:
                    return None
                self._arena = a
            code, data = a.code, a.data
            a.code = (code + csize + 63) & ~63
            a.data = (data + dsize + 15) & ~15
            a.live += 1
            return a, a.base + code, a.base + data

    def free(self, m: LoadedCode) -> None:
        with self._lock:
            a = m.arena
            a.live -= 1
            if a.live:
                return
            if a is self._arena:                 # the current arena: reuse it from the start
                a.code, a.data = 0, CODE_LIMIT
            else:
                _libc.munmap(a.base, ARENA)
                self.arenas -= 1

    def load(self, img: bytes) -> LoadedCode | None:
        """Place a code image; None if no arena can be mapped (the caller
        then links the object otherwise).  A malformed image raises
        ValueError."""
        try:
            csize, dsize, stub, exports, relocs, code, data = _unpack(img)
        except struct.error as e:
            raise ValueError(f"malformed code image: {e}") from None
        if type(img) is not bytes:
            img = bytes(img)
        sizes = (csize, dsize)
        for kind, where, target, at, _ in relocs:       # (checked before anything is written)
            if where > DATA_PART or target > HELPER or kind > ABS64 or at < 0 or \
                    at + (4 if kind == PC32 else 8) > sizes[where]:
                raise ValueError("malformed code image: relocation")
        got = self._alloc(csize, dsize)
        if got is None:
            return None
        arena, cbase, dbase = got
        bases = (cbase, dbase, 0)
        # Copied straight from the image into the arena, then patched there
        # (no intermediate buffer: a warm Linux boot places some 170 MB).
        src = ctypes.cast(ctypes.c_char_p(img), ctypes.c_void_p).value
        ctypes.memmove(cbase, src + (len(img) - csize - dsize), csize)
        if dsize:
            ctypes.memmove(dbase, src + (len(img) - dsize), dsize)
        ctypes.c_uint64.from_address(cbase + stub + 6).value = self.helper_addr
        for kind, where, target, at, value in relocs:
            s = self.helper_addr + value if target == HELPER else bases[target] + value
            addr = bases[where] + at
            if kind == PC32:
                if not -(1 << 31) <= s - addr < 1 << 31:     # (out of a PC32's reach: never placed)
                    self.free(LoadedCode(arena, 0, 0, None))
                    raise ValueError("malformed code image: relocation out of range")
                ctypes.c_int32.from_address(addr).value = s - addr
            else:
                ctypes.c_uint64.from_address(addr).value = s & ((1 << 64) - 1)
        self.loaded += 1
        return LoadedCode(arena, cbase, csize, {n: cbase + off for n, off in exports.items()})
