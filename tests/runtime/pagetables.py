"""Building translation tables by hand for tests (VMSAv8-64 descriptors)."""
from __future__ import annotations

AF = 1 << 10
NG = 1 << 11
UXN, PXN = 1 << 54, 1 << 53
AP_EL0 = 1 << 6          # AP[1]: EL0 access
AP_RO = 1 << 7           # AP[2]: read-only
S2AP_R, S2AP_W = 1 << 6, 1 << 7
S2_NORMAL = 0xF << 2     # MemAttr: Normal, write-back
ATTR_NORMAL, ATTR_DEVICE = 0 << 2, 1 << 2      # AttrIndx 0 / 1 (MAIR below)
MAIR = 0xFF | 0x00 << 8  # attr 0: Normal WB, attr 1: Device-nGnRnE


class Tables:
    """Tables for one granule (grain = 12, 14 or 16 bits), allocated from
    ``pool`` upward in physical memory ``mem``; ``start`` = start level,
    ``first_bits`` = index bits at the start level (more than the stride:
    concatenated tables, stage 2)."""

    def __init__(self, mem, pool: int, grain: int, inputsize: int, start: int | None = None):
        self.mem, self.grain, self.stride = mem, grain, grain - 3
        self.inputsize = inputsize
        self.start = start if start is not None else 4 - -(-(inputsize - grain) // self.stride)
        self.first_bits = inputsize - (grain + (3 - self.start) * self.stride)
        self.next = pool
        self.root = self._alloc(max(1 << (self.first_bits + 3), 1 << grain))

    def _alloc(self, size):
        addr = (self.next + size - 1) & ~(size - 1)
        self.next = addr + size
        self.mem.write_bytes(addr, bytes(size))
        return addr

    def _index(self, va, level):
        shift = self.grain + (3 - level) * self.stride
        bits = self.first_bits if level == self.start else self.stride
        return va >> shift & ((1 << bits) - 1)

    def map(self, va, pa, attrs, level=3, table_bits=0):
        """Map the block/page at ``level`` holding ``va`` to ``pa`` with the
        leaf attribute bits ``attrs`` (AF is not implied); ``table_bits`` go
        in the table descriptors created on the way."""
        table = self.root
        for lv in range(self.start, level):
            slot = table + 8 * self._index(va, lv)
            desc = self.mem.read(slot, 8)
            if not desc & 1:
                nxt = self._alloc(1 << self.grain)
                desc = nxt | 3 | table_bits
                self.mem.write(slot, 8, desc)
            table = desc & ((1 << 48) - 1) & ~((1 << self.grain) - 1)
        leaf = pa | attrs | (3 if level == 3 else 1)
        self.mem.write(table + 8 * self._index(va, level), 8, leaf)
        return table + 8 * self._index(va, level)
