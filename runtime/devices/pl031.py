"""The ARM PrimeCell PL031 real-time clock of QEMU's ``virt`` board
(0x0901_0000, SPI 2 = INTID 34, level), modelled on QEMU's hw/rtc/pl031.c,
with the register map of the PL031 TRM (ARM DDI 0224).

The counter is ``DR = (tick_offset + floor(now())) mod 2**32``: ``now()`` is
the board's clock in seconds (virtual or host time).  ``start`` gives DR's
value at construction; without it DR is ``floor(now())`` itself (right when
``now()`` is the host's epoch time, as QEMU's default ``-rtc base=utc``).

| off | name | here |
| --- | --- | --- |
| 0x00 | DR | the count (read-only: a write is a guest error, ignored) |
| 0x04 | MR | match value; a write re-arms the alarm |
| 0x08 | LR | reads the last value loaded; a write sets the count to it (the tick offset moves; the fraction of the current second is kept, as QEMU) and re-arms the alarm |
| 0x0C | CR | reads 1 (the RTC is permanently enabled), writes ignored |
| 0x10 | IMSC | bit 0: the match interrupt's mask (1 = enabled) |
| 0x14 | RIS | bit 0: the match happened |
| 0x18 | MIS | RIS & IMSC |
| 0x1C | ICR | write 1 to clear RIS (write-only: a read is a guest error, 0) |
| 0xFE0-0xFFF | PeriphID0-3, PCellID0-3 | 0x31 0x10 0x14 0x00 / 0x0d 0xf0 0x05 0xb1 (one byte per word) |

Other offsets read as zero and ignore writes with a warning, as do 64-bit
accesses (QEMU accepts 1 to 4 bytes).

The alarm, as QEMU's pl031_set_alarm: on every MR or LR write, with
``ticks = (MR - DR) mod 2**32``, RIS is set at once when ticks is 0, else
when the count reaches MR, ``ticks`` seconds on; it fires once per arming
(a second match after a 2**32-second wrap is not modelled).  Here the alarm
falls at the start of the second in which DR == MR (QEMU's timer fires
``ticks`` whole seconds after the write, inside that same second).
``next_deadline_seconds()`` gives that instant in ``now()``'s time base so
that the board can stop there; ``update()`` (and every register access)
sets RIS once ``now()`` has reached it.  The output ``irq(level)`` is
RIS & IMSC, called whenever it changes (it starts low).
"""
from __future__ import annotations

import math

DR, MR, LR, CR, IMSC, RIS, MIS, ICR = 0x00, 0x04, 0x08, 0x0C, 0x10, 0x14, 0x18, 0x1C
ID_FIRST, ID_LAST = 0xFE0, 0xFFF
PERIPH_CELL_ID = (0x31, 0x10, 0x14, 0x00, 0x0D, 0xF0, 0x05, 0xB1)
M32 = 0xFFFFFFFF


class Pl031:
    #: offset -> register name (the table above), for traces
    REG_NAMES = {0x00: "DR", 0x04: "MR", 0x08: "LR", 0x0C: "CR", 0x10: "IMSC", 0x14: "RIS", 0x18: "MIS",
                 0x1C: "ICR", **{0xFE0 + 4 * i: n for i, n in enumerate(
                     ("PeriphID0", "PeriphID1", "PeriphID2", "PeriphID3", "PCellID0", "PCellID1", "PCellID2",
                      "PCellID3"))}}

    def __init__(self, now, irq=lambda level: None, warn=lambda what: None, start: int | None = None):
        self.now = now
        self.irq = irq
        self.warn = warn
        self.mr = 0
        self.lr = 0
        self.im = 0
        self.is_ = 0
        self.level = False
        self.alarm_at: float | None = None   # now() time of the pending match, or None
        self.tick_offset = 0 if start is None else (start - math.floor(now())) & M32

    # -- the counter and the alarm ---------------------------------------------------
    def count(self, t: float | None = None) -> int:
        if t is None:
            t = self.now()
        return (self.tick_offset + math.floor(t)) & M32

    def _set_irq(self) -> None:
        level = bool(self.is_ & self.im)
        if level != self.level:
            self.level = level
            self.irq(level)

    def _set_alarm(self) -> None:
        t = self.now()
        ticks = (self.mr - self.count(t)) & M32
        if ticks == 0:
            self.alarm_at = None
            self.is_ = 1
            self._set_irq()
        else:
            self.alarm_at = float(math.floor(t) + ticks)

    def next_deadline_seconds(self) -> float | None:
        """When (in ``now()``'s seconds) the match interrupt will be raised,
        or None when no match is armed."""
        return self.alarm_at

    def update(self) -> None:
        """Raise the match interrupt if its time has come."""
        if self.alarm_at is not None and self.now() >= self.alarm_at:
            self.alarm_at = None
            self.is_ = 1
            self._set_irq()

    # -- MMIO --------------------------------------------------------------------------
    def mmio_read(self, offset: int, size: int) -> int:
        if size > 4:
            self.warn(f"pl031: {size * 8}-bit read at offset 0x{offset:03x} (RAZ)")
            return 0
        self.update()
        if offset == DR:
            r = self.count()
        elif offset == MR:
            r = self.mr
        elif offset == LR:
            r = self.lr
        elif offset == CR:
            r = 1
        elif offset == IMSC:
            r = self.im
        elif offset == RIS:
            r = self.is_
        elif offset == MIS:
            r = self.is_ & self.im
        elif ID_FIRST <= offset <= ID_LAST:
            r = PERIPH_CELL_ID[(offset - ID_FIRST) >> 2]
        elif offset == ICR:
            self.warn("pl031: read of write-only register ICR (0x01c)")
            return 0
        else:
            self.warn(f"pl031: read of unimplemented offset 0x{offset:03x} (RAZ/WI)")
            return 0
        return r & ((1 << (8 * size)) - 1)

    def mmio_write(self, offset: int, size: int, value: int) -> None:
        if size > 4:
            self.warn(f"pl031: {size * 8}-bit write at offset 0x{offset:03x} (ignored)")
            return
        self.update()
        value &= (1 << (8 * size)) - 1
        if offset == LR:
            self.lr = value
            self.tick_offset = (self.tick_offset + value - self.count()) & M32
            self._set_alarm()
        elif offset == MR:
            self.mr = value
            self._set_alarm()
        elif offset == IMSC:
            self.im = value & 1
            self._set_irq()
        elif offset == ICR:
            self.is_ &= ~value
            self._set_irq()
        elif offset == CR:
            pass                              # written value ignored (always enabled)
        elif offset in (DR, RIS, MIS):
            self.warn(f"pl031: write to read-only register at offset 0x{offset:03x}")
        else:
            self.warn(f"pl031: write of unimplemented offset 0x{offset:03x} (RAZ/WI)")
