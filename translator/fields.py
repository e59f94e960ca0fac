"""Named field functions: derived values of encoding fields, written once.

These are pure functions of instruction fields (evaluated at decode/translate
time, never at guest run time), following the ARM ARM shared pseudocode.
"""
from __future__ import annotations


class _Masks(dict):
    """MASK[bits] = 2**bits - 1, for any width (computed once per width)."""

    def __missing__(self, bits):
        self[bits] = m = (1 << bits) - 1
        return m


MASK = _Masks()


def sext(value: int, bits: int) -> int:
    """SignExtend a ``bits``-wide field to a Python int."""
    sign = 1 << (bits - 1)
    return (value & (sign - 1)) - (value & sign)


def ones(n: int) -> int:
    return (1 << n) - 1


def ror(value: int, amount: int, bits: int) -> int:
    amount %= bits
    value &= ones(bits)
    return ((value >> amount) | (value << (bits - amount))) & ones(bits)


def replicate(elem: int, esize: int, bits: int) -> int:
    out = 0
    for i in range(0, bits, esize):
        out |= elem << i
    return out


def decode_bit_masks(n: int, imms: int, immr: int, datasize: int, immediate: bool = True):
    """DecodeBitMasks() (ARM ARM shared/functions/bitmasks): returns
    (wmask, tmask), or None where the pseudocode says UNDEFINED."""
    length = (n << 6 | (~imms & 0x3F)).bit_length() - 1     # HighestSetBit(immN:NOT(imms))
    if length < 1:
        return None
    levels = ones(length)
    if immediate and (imms & levels) == levels:
        return None
    esize = 1 << length
    if esize > datasize:
        return None
    s = imms & levels
    r = immr & levels
    d = (s - r) & levels
    welem = ones(s + 1)
    telem = ones(d + 1)
    wmask = replicate(ror(welem, r, esize), esize, datasize)
    tmask = replicate(telem, esize, datasize)
    return wmask, tmask


def _crc_table(poly_reflected: int) -> list[int]:
    """Byte-at-a-time table for a bit-reflected CRC-32 (the A64 CRC32
    instructions are reflected: ARM ARM CRC32 pseudocode with BitReverse)."""
    t = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ (poly_reflected if c & 1 else 0)
        t.append(c)
    return t


CRC32_TABLE = _crc_table(0xEDB88320)      # 0x04C11DB7 bit-reversed
CRC32C_TABLE = _crc_table(0x82F63B78)     # 0x1EDC6F41 bit-reversed

#: Constant tables semantics index with ``e.lookup(name, idx)``: 256 entries of
#: 32-bit values each (generated code holds them as module constants).
TABLES: dict[str, tuple] = {}


def register_table(name: str, values) -> None:
    values = tuple(values)
    if len(values) != 256 or any(not 0 <= v < 1 << 32 for v in values):
        raise ValueError(f"table {name}: 256 32-bit entries expected")
    if name in TABLES and TABLES[name] != values:
        raise ValueError(f"two tables named {name}")
    TABLES[name] = values


register_table("crc32", CRC32_TABLE)
register_table("crc32c", CRC32C_TABLE)
