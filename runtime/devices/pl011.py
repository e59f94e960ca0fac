"""The ARM PrimeCell PL011 UART of QEMU's ``virt`` board (0x0900_0000, SPI 1 =
INTID 33, level), modelled on QEMU's hw/char/pl011.c (what Linux's
amba-pl011 driver and its earlycon, and bare-metal images written against
QEMU, are used to), with the register map of the PL011 TRM (ARM DDI 0183).

Registers (offsets from the base; the register is chosen by ``offset >> 2``
as QEMU does, and a read returns its low ``size`` bytes):

| off | name | here |
| --- | --- | --- |
| 0x000 | DR | write: the low byte goes to ``out`` at once (flushed), RIS.TX set; read: pops the RX FIFO (bits 11:8 are the entry's OE/BE/PE/FE), RSR = those bits |
| 0x004 | RSR/ECR | read: the error bits of the last character read; write: clears them |
| 0x018 | FR | TXFE (bit 7) always, TXFF (5) never, BUSY (3) never: transmission is instantaneous; RXFE (4) / RXFF (6) from the RX FIFO; CTS/DSR/DCD/RI only from modem-control loopback |
| 0x020 | ILPR | stored |
| 0x024 | IBRD | 16 bits |
| 0x028 | FBRD | 6 bits |
| 0x02C | LCR_H | FEN (bit 4): 16-entry RX FIFO, else a 1-entry holding register; changing FEN empties the FIFO; BRK (bit 0) rising puts a break into the RX FIFO in loopback |
| 0x030 | CR | stored (reset 0x300: TXE, RXE); UARTEN/TXE/RXE do not gate anything (QEMU keeps the UART continuously enabled); LBE (bit 7) loops TX back to RX and RTS/DTR/OUT1/OUT2 to CTS/DSR/DCD/RI |
| 0x034 | IFLS | stored (reset 0x12); QEMU's RX trigger level is always 1 character |
| 0x038 | IMSC | interrupt mask set/clear |
| 0x03C | RIS | raw interrupt status |
| 0x040 | MIS | RIS & IMSC |
| 0x044 | ICR | write 1s to clear RIS bits (write-only: a read is a bad offset) |
| 0x048 | DMACR | stored; DMA itself is not implemented (a warning when enabled) |
| 0xFE0-0xFFC | PeriphID0-3, PCellID0-3 | 0x11 0x10 0x14 0x00 / 0x0d 0xf0 0x05 0xb1 |

Anything else reads as zero and ignores writes, with a warning per offset
(QEMU's "Bad offset" guest error); so do 64-bit accesses (QEMU accepts 1 to 4
bytes).

Interrupts (RIS bits: OE 10, BE 9, PE 8, FE 7, RT 6, TX 5, RX 4, DSR 3,
DCD 2, CTS 1, RI 0), as QEMU raises them:
- RX: set when a character brings the FIFO count to the trigger level (1),
  cleared when a DR read brings it to trigger - 1 (0), or by ICR.  It is an
  event, not a level: clearing it through ICR while characters remain in the
  FIFO leaves it clear until the FIFO has been emptied and refilled (Linux's
  pl011_int clears before it drains, so it never loses one).
- TX: set by every DR write and cleared only through ICR: the transmit FIFO
  is always empty, i.e. below any trigger level, once the character has
  gone.  Linux's TX path writes until FR.TXFF (never set) and only then
  would rely on TXIM, so it transmits everything from pl011_start_tx; when
  TXIM is set, the interrupt is pending at once.
- RT (receive timeout), the error and modem-status interrupts: never raised
  (no timeout timer, no line errors); their IMSC/ICR bits work.
- The combined output UARTINTR = (RIS & IMSC) != 0 drives ``irq(level)``,
  called whenever the level changes (it starts low).

Deviations from QEMU (documented in the tests too):
- FIFO depth 16 (QEMU's PL011_FIFO_DEPTH, and the PL011 TRM up to r1p4; r1p5
  has 32-entry FIFOs but then PeriphID2 would be 0x34, and Linux sizes the
  FIFO from the revision in PeriphID2: rev 1 (0x14) -> 16).
- In loopback (CR.LBE), ``rx_room()`` is 0 so that host input waits in the
  board rather than being dropped (QEMU accepts and discards it), and a
  looped-back character that finds the FIFO full is dropped (QEMU overfills).
- TX while CR.UARTEN or CR.TXE is clear transmits, as QEMU does (bare-metal
  images and earlycon print with no set-up; QEMU only logs it with
  ``-d guest_errors``, and so this is not a warning here).
"""
from __future__ import annotations

FIFO_DEPTH = 16

# Register indices (offset >> 2)
DR, RSR, FR, ILPR, IBRD, FBRD, LCR_H, CR, IFLS, IMSC, RIS, MIS, ICR, DMACR = (
    0, 1, 6, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18)
ID_FIRST, ID_LAST = 0xFE0 >> 2, 0xFFC >> 2

PERIPH_CELL_ID = (0x11, 0x10, 0x14, 0x00, 0x0D, 0xF0, 0x05, 0xB1)

# FR bits
FR_RI, FR_TXFE, FR_RXFF, FR_TXFF, FR_RXFE, FR_BUSY, FR_DCD, FR_DSR, FR_CTS = (
    0x100, 0x80, 0x40, 0x20, 0x10, 0x08, 0x04, 0x02, 0x01)

# DR error bits (in an RX FIFO entry)
DR_FE, DR_PE, DR_BE, DR_OE = 1 << 8, 1 << 9, 1 << 10, 1 << 11

# Interrupt bits (RIS, MIS, IMSC, ICR)
INT_OE, INT_BE, INT_PE, INT_FE = 1 << 10, 1 << 9, 1 << 8, 1 << 7
INT_RT, INT_TX, INT_RX = 1 << 6, 1 << 5, 1 << 4
INT_DSR, INT_DCD, INT_CTS, INT_RI = 1 << 3, 1 << 2, 1 << 1, 1 << 0
INT_ALL = 0x7FF

# LCR_H bits
LCR_FEN, LCR_BRK = 1 << 4, 1 << 0

# CR bits
CR_CTSEN, CR_RTSEN, CR_OUT2, CR_OUT1, CR_RTS, CR_DTR = (
    1 << 15, 1 << 14, 1 << 13, 1 << 12, 1 << 11, 1 << 10)
CR_RXE, CR_TXE, CR_LBE, CR_UARTEN = 1 << 9, 1 << 8, 1 << 7, 1 << 0

IBRD_MASK, FBRD_MASK = 0xFFFF, 0x3F
M32 = 0xFFFFFFFF

_NAMES = {DR: "DR", RSR: "RSR", FR: "FR", ILPR: "ILPR", IBRD: "IBRD", FBRD: "FBRD",
          LCR_H: "LCR_H", CR: "CR", IFLS: "IFLS", IMSC: "IMSC", RIS: "RIS", MIS: "MIS",
          ICR: "ICR", DMACR: "DMACR"}


class Pl011:
    #: offset -> register name (the table above), for traces
    REG_NAMES = {0x000: "DR", 0x004: "RSR/ECR", 0x018: "FR", 0x020: "ILPR", 0x024: "IBRD", 0x028: "FBRD",
                 0x02C: "LCR_H", 0x030: "CR", 0x034: "IFLS", 0x038: "IMSC", 0x03C: "RIS", 0x040: "MIS",
                 0x044: "ICR", 0x048: "DMACR", **{0xFE0 + 4 * i: n for i, n in enumerate(
                     ("PeriphID0", "PeriphID1", "PeriphID2", "PeriphID3", "PCellID0", "PCellID1", "PCellID2",
                      "PCellID3"))}}

    def __init__(self, out, irq=lambda level: None, warn=lambda what: None):
        self.out = out
        self.irq = irq
        self.warn = warn
        self.level = False           # the UARTINTR output as last driven
        self.unflushed = False       # characters written to ``out`` since its last flush
        self.reset()

    def flush_output(self) -> None:
        """Flush ``out`` if characters wait in it.  Each line is flushed at its
        end; what follows the last one (a shell's prompt) waits for this,
        which the board calls whenever the CPU idles, at every return to the
        run loop and when a run ends (a flush per character: 18,000 write
        calls in a Linux boot)."""
        if self.unflushed:
            self.unflushed = False
            self.out.flush()

    def reset(self) -> None:
        """QEMU's pl011_reset values.  Does not drive ``irq`` (the line is
        reset with the rest of the board)."""
        self.lcr = 0
        self.rsr = 0
        self.dmacr = 0
        self.imsc = 0
        self.ris = 0
        self.ilpr = 0
        self.ibrd = 0
        self.fbrd = 0
        self.ifls = 0x12
        self.cr = CR_RXE | CR_TXE             # 0x300
        self.flags = FR_TXFE | FR_RXFE        # 0x90
        self.read_trigger = 1
        self.fifo = [0] * FIFO_DEPTH
        self.read_pos = 0
        self.read_count = 0
        self.level = False

    # -- helpers -------------------------------------------------------------------
    def fifo_depth(self) -> int:
        return FIFO_DEPTH if self.lcr & LCR_FEN else 1

    def _update(self) -> None:
        level = bool(self.ris & self.imsc)
        if level != self.level:
            self.level = level
            self.irq(level)

    def _reset_rx_fifo(self) -> None:
        self.read_count = 0
        self.read_pos = 0
        self.flags = (self.flags & ~FR_RXFF) | FR_RXFE

    def _put_fifo(self, value: int) -> None:
        depth = self.fifo_depth()
        if self.read_count >= depth:          # only loopback can get here
            return
        self.fifo[(self.read_pos + self.read_count) & (depth - 1)] = value
        self.read_count += 1
        self.flags &= ~FR_RXFE
        if self.read_count == depth:
            self.flags |= FR_RXFF
        if self.read_count == self.read_trigger:
            self.ris |= INT_RX
        self._update()

    def _loopback_mdmctrl(self) -> None:
        if not self.cr & CR_LBE:
            return
        cr = self.cr
        fr = self.flags & ~(FR_RI | FR_DCD | FR_DSR | FR_CTS)
        fr |= (FR_RI if cr & CR_OUT2 else 0) | (FR_DCD if cr & CR_OUT1 else 0)
        fr |= (FR_CTS if cr & CR_RTS else 0) | (FR_DSR if cr & CR_DTR else 0)
        ris = self.ris & ~(INT_DSR | INT_DCD | INT_CTS | INT_RI)
        ris |= (INT_DSR if fr & FR_DSR else 0) | (INT_DCD if fr & FR_DCD else 0)
        ris |= (INT_CTS if fr & FR_CTS else 0) | (INT_RI if fr & FR_RI else 0)
        self.flags = fr
        self.ris = ris
        self._update()

    def _transmit(self, value: int) -> None:
        ch = value & 0xFF
        self.out.write(bytes((ch,)))
        self.unflushed = True
        if ch == 0x0A:
            self.flush_output()
        if self.cr & CR_LBE:
            self._put_fifo(ch)
        self.ris |= INT_TX
        self._update()

    def _read_dr(self) -> int:
        self.flags &= ~FR_RXFF
        c = self.fifo[self.read_pos]          # stale entry when empty, as QEMU
        if self.read_count > 0:
            self.read_count -= 1
            self.read_pos = (self.read_pos + 1) & (self.fifo_depth() - 1)
        if self.read_count == 0:
            self.flags |= FR_RXFE
        if self.read_count == self.read_trigger - 1:
            self.ris &= ~INT_RX
        self.rsr = c >> 8
        self._update()
        return c

    def _bad(self, kind: str, offset: int) -> None:
        self.warn(f"pl011: {kind} of unimplemented offset 0x{offset:03x} (RAZ/WI)")

    # -- MMIO ----------------------------------------------------------------------
    def mmio_read(self, offset: int, size: int) -> int:
        if size > 4:
            self.warn(f"pl011: {size * 8}-bit read at offset 0x{offset:03x} (RAZ)")
            return 0
        idx = offset >> 2
        if idx == DR:
            r = self._read_dr()
        elif idx == RSR:
            r = self.rsr
        elif idx == FR:
            r = self.flags
        elif idx == ILPR:
            r = self.ilpr
        elif idx == IBRD:
            r = self.ibrd
        elif idx == FBRD:
            r = self.fbrd
        elif idx == LCR_H:
            r = self.lcr
        elif idx == CR:
            r = self.cr
        elif idx == IFLS:
            r = self.ifls
        elif idx == IMSC:
            r = self.imsc
        elif idx == RIS:
            r = self.ris
        elif idx == MIS:
            r = self.ris & self.imsc
        elif idx == DMACR:
            r = self.dmacr
        elif ID_FIRST <= idx <= ID_LAST:
            r = PERIPH_CELL_ID[idx - ID_FIRST]
        else:
            self._bad("read", offset)
            return 0
        return r & ((1 << (8 * size)) - 1)

    def mmio_write(self, offset: int, size: int, value: int) -> None:
        if size > 4:
            self.warn(f"pl011: {size * 8}-bit write at offset 0x{offset:03x} (ignored)")
            return
        value &= (1 << (8 * size)) - 1
        idx = offset >> 2
        if idx == DR:
            self._transmit(value)
        elif idx == RSR:                      # ECR: any write clears the error bits
            self.rsr = 0
        elif idx == FR:
            pass                              # read-only; QEMU ignores the write silently
        elif idx == ILPR:
            self.ilpr = value
        elif idx == IBRD:
            self.ibrd = value & IBRD_MASK
        elif idx == FBRD:
            self.fbrd = value & FBRD_MASK
        elif idx == LCR_H:
            if (self.lcr ^ value) & LCR_FEN:  # FIFO enable changes: both FIFOs emptied
                self._reset_rx_fifo()
                self.flags = (self.flags & ~FR_TXFF) | FR_TXFE
            if (self.lcr ^ value) & LCR_BRK and value & LCR_BRK and self.cr & CR_LBE:
                self._put_fifo(DR_BE)         # the break loops back as a break character
            self.lcr = value
            self.read_trigger = 1             # QEMU: RX interrupt on the first character
        elif idx == CR:
            self.cr = value
            self._loopback_mdmctrl()
        elif idx == IFLS:
            self.ifls = value
            self.read_trigger = 1
        elif idx == IMSC:
            self.imsc = value
            self._update()
        elif idx == ICR:
            self.ris &= ~value
            self._update()
        elif idx == DMACR:
            self.dmacr = value
            if value & 3:
                self.warn("pl011: DMA (DMACR.RXDMAE/TXDMAE) not implemented")
        else:
            self._bad("write", offset)

    # -- the host side --------------------------------------------------------------
    def rx_room(self) -> int:
        """How many bytes ``feed`` takes now (0 in loopback, where the
        receiver is disconnected from the input)."""
        if self.cr & CR_LBE:
            return 0
        return self.fifo_depth() - self.read_count

    def feed(self, data: bytes) -> int:
        """Receive up to ``rx_room()`` bytes of ``data``; returns how many
        were taken.  Raises RIS.RX when the FIFO reaches the trigger level."""
        n = min(len(data), self.rx_room())
        for b in data[:n]:
            self._put_fifo(b)
        return n

    def feed_break(self) -> bool:
        """Receive a break (a NUL character with DR.BE set), as QEMU does for
        its chardev's break event; False when the FIFO has no room."""
        if self.rx_room() == 0:
            return False
        self._put_fifo(DR_BE)
        return True
