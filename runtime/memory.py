"""Guest physical memory: RAM regions backed by host buffers, MMIO regions
backed by device objects, and nothing else (an access anywhere else is an
external abort for the guest).

Each RAM region is one host buffer (an anonymous mmap: lazily committed, with a
stable host address the JIT's inline fast path can use).  The fast path of
generated code is a bounds check against a region plus a host load/store;
everything else comes here.  ``write_observers`` are told about every write
done through this slow path (the JIT uses them to drop translations of code
pages that the guest overwrites).
"""
from __future__ import annotations

import bisect
import ctypes
import mmap

# Access types of a data access (ARM ARM AccType), as flags: what the
# semantics pass with a load/store and what Cpu.read/write check.
ACC_NORMAL = 0
ACC_UNPRIV = 1      # LDTR/STTR: EL0 permissions when executed at EL1
ACC_ALIGN = 2       # alignment fault unless naturally aligned (exclusive, acquire/release)
ACC_ORDERED = 4     # acquire/release (barrier semantics; no effect in a 1-CPU model)
ACC_EXCL = 8        # load/store exclusive
ACC_STREAM = 16     # non-temporal hint (LDNP/STNP); no effect


class Unmapped(Exception):
    """No RAM or device at a physical address (-> external abort)."""

    def __init__(self, addr: int):
        super().__init__(addr)
        self.addr = addr


class RamRegion:
    __slots__ = ("base", "size", "end", "buf", "host_addr", "_keep")

    def __init__(self, base: int, size: int, init: bytes | None = None):
        self.base, self.size, self.end = base, size, base + size
        self.buf = mmap.mmap(-1, max(size, 1), flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        if init:
            self.buf[: len(init)] = init
        self._keep = ctypes.c_char.from_buffer(self.buf)
        self.host_addr = ctypes.addressof(self._keep)

    def release(self):
        del self._keep
        self.buf.close()


class MmioRegion:
    __slots__ = ("base", "size", "end", "device", "reads", "writes")

    def __init__(self, base: int, size: int, device):
        self.base, self.size, self.end, self.device = base, size, base + size, device
        self.reads = self.writes = 0           # accesses (statistics: the run's profile)


class PhysMemory:
    def __init__(self):
        self.regions: list = []      # sorted by base, non-overlapping
        self._bases: list[int] = []
        self._last = None
        self.write_observers: list = []
        self.mmio_trace = None       # fn(region, pa, size, value, write) after each device access (tracing)

    # -- building -------------------------------------------------------
    def _insert(self, region):
        for r in self.regions:
            if region.base < r.end and r.base < region.end:
                raise ValueError(f"region {region.base:#x}+{region.size:#x} overlaps {r.base:#x}+{r.size:#x}")
        i = bisect.bisect(self._bases, region.base)
        self.regions.insert(i, region)
        self._bases.insert(i, region.base)
        return region

    def add_ram(self, base: int, size: int, init: bytes | None = None) -> RamRegion:
        return self._insert(RamRegion(base, size, init))

    def add_mmio(self, base: int, size: int, device) -> MmioRegion:
        return self._insert(MmioRegion(base, size, device))

    # -- lookup ---------------------------------------------------------
    def region_of(self, addr: int, size: int = 1):
        """The region holding all of [addr, addr+size), or raise Unmapped."""
        r = self._last
        if r is not None and r.base <= addr and addr + size <= r.end:
            return r
        i = bisect.bisect(self._bases, addr) - 1
        if i >= 0:
            r = self.regions[i]
            if addr + size <= r.end:
                self._last = r
                return r
            if addr < r.end:            # straddles the end of a region
                raise Unmapped(r.end)
        raise Unmapped(addr)

    # -- access (little-endian) ------------------------------------------
    def _lookup(self, addr: int, size: int):
        """The region of an access, or None when it straddles regions that
        back all its bytes (then it is done byte by byte, as the pseudocode
        does misaligned accesses); raises Unmapped at the first byte that is
        not backed."""
        try:
            return self.region_of(addr, size)
        except Unmapped as u:
            if u.addr == addr:
                raise
            for i in range(size):
                self.region_of(addr + i, 1)
            return None

    def read(self, addr: int, size: int) -> int:
        r = self._lookup(addr, size)
        if r is None:
            return int.from_bytes(bytes(self.read(addr + i, 1) for i in range(size)), "little")
        if type(r) is RamRegion:
            off = addr - r.base
            return int.from_bytes(r.buf[off: off + size], "little")
        if size == 16:                   # a 128-bit SIMD&FP access: two 64-bit ones (AArch64.Mem)
            return self.read(addr, 8) | self.read(addr + 8, 8) << 64
        r.reads += 1
        v = r.device.mmio_read(addr - r.base, size)
        if self.mmio_trace is not None:
            self.mmio_trace(r, addr, size, v, False)
        return v

    def write(self, addr: int, size: int, value: int) -> None:
        r = self._lookup(addr, size)
        if r is None:
            for i in range(size):
                self.write(addr + i, 1, value >> (8 * i) & 0xFF)
            return
        if type(r) is RamRegion:
            off = addr - r.base
            r.buf[off: off + size] = (value & ((1 << (size * 8)) - 1)).to_bytes(size, "little")
            for obs in self.write_observers:
                obs(addr, size)
            return
        if size == 16:                   # a 128-bit SIMD&FP access: two 64-bit ones (AArch64.Mem)
            self.write(addr, 8, value & 0xFFFFFFFFFFFFFFFF)
            self.write(addr + 8, 8, value >> 64)
            return
        r.writes += 1
        r.device.mmio_write(addr - r.base, size, value)
        if self.mmio_trace is not None:
            self.mmio_trace(r, addr, size, value, True)

    def read_bytes(self, addr: int, size: int) -> bytes:
        r = self.region_of(addr, size)
        if type(r) is not RamRegion:
            raise Unmapped(addr)
        off = addr - r.base
        return bytes(r.buf[off: off + size])

    def write_bytes(self, addr: int, data: bytes) -> None:
        r = self.region_of(addr, len(data))
        if type(r) is not RamRegion:
            raise Unmapped(addr)
        off = addr - r.base
        r.buf[off: off + len(data)] = data
        for obs in self.write_observers:
            obs(addr, len(data))
