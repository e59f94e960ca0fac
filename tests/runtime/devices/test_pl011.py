"""The PL011 UART model (runtime/devices/pl011.py) against QEMU's
hw/char/pl011.c behaviour and the accesses Linux's amba-pl011 makes."""
import io

import pytest

from a64jit.runtime.devices.pl011 import Pl011

DR, RSR, FR, ILPR, IBRD, FBRD, LCR_H, CR, IFLS, IMSC, RIS, MIS, ICR, DMACR = (
    0x00, 0x04, 0x18, 0x20, 0x24, 0x28, 0x2C, 0x30, 0x34, 0x38, 0x3C, 0x40, 0x44, 0x48)
TXFE, RXFF, TXFF, RXFE, BUSY, CTS = 0x80, 0x40, 0x20, 0x10, 0x08, 0x01
RXIM, TXIM, RTIM = 1 << 4, 1 << 5, 1 << 6
FEN, WLEN8 = 1 << 4, 3 << 5
UARTEN, TXE, RXE, LBE = 1, 1 << 8, 1 << 9, 1 << 7


class Rig:
    def __init__(self):
        self.out = io.BytesIO()
        self.levels = []
        self.warnings = []
        self.u = Pl011(self.out, irq=self.levels.append, warn=self.warnings.append)

    def r(self, off, size=4):
        return self.u.mmio_read(off, size)

    def w(self, off, value, size=4):
        self.u.mmio_write(off, size, value)


@pytest.fixture
def rig():
    return Rig()


def linux_startup(rig, baud_quot=833):
    """What amba-pl011 does from probe to an open port (6.1: amba_read_periphid,
    pl011_register_port, pl011_hwinit, pl011_startup, pl011_set_termios,
    pl011_enable_interrupts), 16-bit accesses like its readw/writew."""
    ids = [rig.r(0xFE0 + 4 * i) for i in range(8)]
    rig.w(IMSC, 0, 2)
    rig.w(ICR, 0xFFFF, 2)
    rig.w(ICR, 0x7C0 | RXIM, 2)                  # OE|BE|PE|FE|RT|RX
    saved_im = rig.r(IMSC, 2)
    rig.w(IMSC, RTIM | RXIM, 2)
    rig.w(IFLS, 0x12, 2)
    cr = rig.r(CR, 2) & ((1 << 11) | (1 << 10))  # keep RTS/DTR
    rig.w(CR, cr | UARTEN | TXE | RXE, 2)
    rig.w(IBRD, baud_quot >> 6, 2)
    rig.w(FBRD, baud_quot & 0x3F, 2)
    rig.w(LCR_H, WLEN8 | FEN, 2)
    rig.w(CR, UARTEN | TXE | RXE, 2)
    rig.w(ICR, 0x7C0 | RXIM, 2)
    drained = 0
    while not rig.r(FR, 2) & RXFE and drained < 32:
        rig.r(DR, 2)
        drained += 1
    rig.w(IMSC, RTIM | RXIM, 2)
    return ids, saved_im, drained


def test_reset_values(rig):
    assert rig.r(FR) == TXFE | RXFE == 0x90
    assert rig.r(CR) == 0x300
    assert rig.r(IFLS) == 0x12
    assert rig.r(LCR_H) == 0
    assert (rig.r(IMSC), rig.r(RIS), rig.r(MIS)) == (0, 0, 0)
    assert rig.u.rx_room() == 1                   # FIFO disabled at reset: holding register


def test_primecell_ids(rig):
    assert [rig.r(0xFE0 + 4 * i) for i in range(8)] == [0x11, 0x10, 0x14, 0x00, 0x0D, 0xF0, 0x05, 0xB1]
    # Linux's amba bus assembles them into periphid 0x00141011 / cid 0xb105f00d
    pid = sum(rig.r(0xFE0 + 4 * i) << (8 * i) for i in range(4))
    cid = sum(rig.r(0xFF0 + 4 * i) << (8 * i) for i in range(4))
    assert (pid, cid) == (0x00141011, 0xB105F00D)
    assert (pid >> 20) & 0xF == 1                # revision 1: Linux's get_fifosize_arm -> 16


def test_linux_probe_and_startup_sequence(rig):
    ids, saved_im, drained = linux_startup(rig)
    assert ids == [0x11, 0x10, 0x14, 0x00, 0x0D, 0xF0, 0x05, 0xB1]
    assert saved_im == 0 and drained == 0
    assert rig.r(IBRD) == 13 and rig.r(FBRD) == 1  # 24 MHz / 115200
    assert rig.r(LCR_H) == WLEN8 | FEN
    assert rig.r(CR) == UARTEN | TXE | RXE
    assert rig.r(IMSC) == RTIM | RXIM
    assert rig.r(RIS) == 0 and rig.levels == []
    assert rig.u.rx_room() == 16
    assert rig.warnings == []


def test_tx_bytes_go_out_and_flush(rig):
    flushed = []
    rig.out.flush = lambda: flushed.append(rig.out.getvalue())
    linux_startup(rig)
    for ch in b"hi\n":
        rig.w(DR, ch, 2)
    assert rig.out.getvalue() == b"hi\n"
    assert flushed == [b"hi\n"]                  # flushed at the line's end
    assert not rig.u.unflushed
    assert rig.r(FR) & (TXFF | BUSY | TXFE) == TXFE
    rig.w(DR, 0x141)                             # only the low byte is data
    assert rig.out.getvalue() == b"hi\nA"
    assert flushed == [b"hi\n"] and rig.u.unflushed     # a prompt waits for the board's flush
    rig.u.flush_output()
    assert flushed == [b"hi\n", b"hi\nA"] and not rig.u.unflushed
    rig.u.flush_output()                         # nothing waiting: no flush
    assert len(flushed) == 2
    assert rig.warnings == []


def test_bare_metal_print_without_setup(rig):
    rig.w(DR, ord("X"), 1)                      # strb, nothing configured: QEMU prints
    rig.w(DR, ord("Y"), 4)
    assert rig.out.getvalue() == b"XY"
    assert rig.warnings == []                    # as QEMU without -d guest_errors
    assert rig.levels == []                      # TX status set, but masked
    assert rig.r(RIS) == 0x20


def test_tx_interrupt_behaviour(rig):
    linux_startup(rig)
    assert rig.r(RIS) & 0x20 == 0               # nothing transmitted yet
    rig.w(DR, ord("a"), 2)
    assert rig.r(RIS) == 0x20 and rig.r(MIS) == 0 and rig.levels == []
    rig.w(IMSC, RTIM | RXIM | TXIM, 2)          # Linux's start_tx: unmask TX
    assert rig.levels == [True] and rig.r(MIS) == 0x20
    rig.w(ICR, 0x20, 2)                         # cleared only through ICR ...
    assert rig.levels == [True, False] and rig.r(RIS) == 0
    rig.w(DR, ord("b"), 2)                      # ... and set again by each write
    assert rig.levels == [True, False, True]
    rig.w(IMSC, RTIM | RXIM, 2)                 # stop_tx: mask TX
    assert rig.levels == [True, False, True, False]
    assert rig.r(RIS) == 0x20                   # still raw-pending
    assert rig.out.getvalue() == b"ab"


def test_rx_fifo_fill_and_fr_flags(rig):
    linux_startup(rig)
    assert rig.u.feed(b"0123456789") == 10
    assert rig.r(FR) & (RXFE | RXFF) == 0
    assert rig.u.rx_room() == 6
    assert rig.u.feed(b"abcdefghij") == 6       # 16 entries: the rest is refused
    assert rig.r(FR) == TXFE | RXFF
    assert rig.u.rx_room() == 0
    assert rig.u.feed(b"z") == 0
    got = bytes(rig.r(DR, 2) for _ in range(16))
    assert got == b"0123456789abcdef"
    assert rig.r(FR) == TXFE | RXFE
    assert rig.u.rx_room() == 16
    assert rig.r(RSR) == 0


def test_rx_fifo_wraps(rig):
    linux_startup(rig)
    for round_ in range(3):
        data = bytes(range(round_ * 11, round_ * 11 + 11))
        assert rig.u.feed(data) == 11
        assert bytes(rig.r(DR) & 0xFF for _ in range(11)) == data


def test_rx_interrupt_raise_and_clear(rig):
    linux_startup(rig)
    rig.u.feed(b"x")                            # first character: RX at trigger level 1
    assert rig.r(RIS) == 0x10 and rig.r(MIS) == 0x10
    assert rig.levels == [True]
    rig.u.feed(b"yz")
    assert rig.levels == [True]                 # no change, no call
    # Linux pl011_int: clear (not TX/RT/RX) through ICR, then drain until RXFE
    rig.w(ICR, rig.r(MIS, 2) & ~(0x20 | 0x40 | 0x10), 2)
    assert rig.r(RIS) == 0x10
    got = []
    while not rig.r(FR, 2) & RXFE:
        got.append(rig.r(DR, 2))
    assert got == [ord("x"), ord("y"), ord("z")]
    assert rig.r(RIS) == 0 and rig.levels == [True, False]   # reading the last one clears RX


def test_rx_interrupt_cleared_by_icr_is_an_event(rig):
    linux_startup(rig)
    rig.u.feed(b"ab")
    rig.w(ICR, 0x10)
    assert rig.r(RIS) == 0 and rig.levels == [True, False]
    rig.u.feed(b"c")                            # QEMU: RX set only when the count reaches 1
    assert rig.r(RIS) == 0 and rig.levels == [True, False]
    for _ in range(3):
        rig.r(DR)
    rig.u.feed(b"d")
    assert rig.r(RIS) == 0x10 and rig.levels == [True, False, True]


def test_rx_interrupt_masked(rig):
    linux_startup(rig)
    rig.w(IMSC, 0)
    rig.u.feed(b"q")
    assert rig.r(RIS) == 0x10 and rig.r(MIS) == 0 and rig.levels == []
    rig.w(IMSC, RXIM)
    assert rig.levels == [True]


def test_fifo_disabled_single_byte(rig):
    rig.w(LCR_H, WLEN8)                          # FEN clear: 1-entry holding register
    assert rig.u.rx_room() == 1
    assert rig.u.feed(b"AB") == 1
    assert rig.r(FR) == TXFE | RXFF
    assert rig.u.feed(b"B") == 0
    assert rig.r(DR) == ord("A")
    assert rig.r(FR) == TXFE | RXFE
    assert rig.u.feed(b"B") == 1
    assert rig.r(DR) == ord("B")


def test_fen_change_empties_the_fifo(rig):
    linux_startup(rig)
    rig.u.feed(b"abc")
    rig.w(LCR_H, WLEN8)                         # FIFO off: contents dropped
    assert rig.r(FR) == TXFE | RXFE
    assert rig.u.rx_room() == 1
    rig.w(LCR_H, WLEN8 | 0x2)                   # FEN unchanged: nothing dropped
    rig.u.feed(b"k")
    rig.w(LCR_H, WLEN8)
    assert rig.r(DR) == ord("k")


def test_read_of_empty_fifo(rig):
    linux_startup(rig)
    rig.u.feed(b"m")
    assert rig.r(DR) == ord("m")
    assert rig.r(FR) & RXFE
    rig.r(DR)                                    # empty: no underflow, stays empty
    assert rig.r(FR) == TXFE | RXFE and rig.u.rx_room() == 16


def test_break_sets_dr_be_and_rsr(rig):
    linux_startup(rig)
    assert rig.u.feed_break() is True
    assert rig.r(DR) == 0x400                   # DR.BE with a NUL character
    assert rig.r(RSR) == 0x4                    # RSR.BE
    rig.w(RSR, 0)                               # ECR: clear
    assert rig.r(RSR) == 0


def test_loopback(rig):
    linux_startup(rig)
    rig.w(CR, UARTEN | TXE | RXE | LBE | (1 << 11))   # LBE with RTS
    assert rig.r(FR) & CTS                      # RTS loops back to CTS
    assert rig.u.rx_room() == 0 and rig.u.feed(b"no") == 0
    rig.w(DR, ord("L"))
    assert rig.out.getvalue() == b"L"           # still sent out, as QEMU
    assert rig.r(DR) == ord("L")                # and received


def test_baud_register_masks(rig):
    rig.w(IBRD, 0x12345)
    rig.w(FBRD, 0xFF)
    assert (rig.r(IBRD), rig.r(FBRD)) == (0x2345, 0x3F)
    rig.w(ILPR, 0x7F)
    assert rig.r(ILPR) == 0x7F
    rig.w(FR, 0)                                # FR writes ignored
    assert rig.r(FR) == 0x90


def test_dmacr(rig):
    rig.w(DMACR, 0x4)
    assert rig.r(DMACR) == 0x4 and rig.warnings == []
    rig.w(DMACR, 0x3)
    assert rig.r(DMACR) == 0x3
    assert rig.warnings == ["pl011: DMA (DMACR.RXDMAE/TXDMAE) not implemented"]


def test_bad_offsets_raz_wi_with_warning(rig):
    assert rig.r(0x08) == 0
    rig.w(0x08, 0xFFFF)
    assert rig.r(0x08) == 0
    assert rig.r(ICR) == 0                      # ICR is write-only
    rig.w(RIS, 0x7FF)                           # RIS/MIS read-only
    rig.w(0xFE0, 0xAA)
    assert rig.r(RIS) == 0 and rig.r(0xFE0) == 0x11
    assert rig.r(0x800) == 0
    assert rig.warnings == [
        "pl011: read of unimplemented offset 0x008 (RAZ/WI)",
        "pl011: write of unimplemented offset 0x008 (RAZ/WI)",
        "pl011: read of unimplemented offset 0x008 (RAZ/WI)",
        "pl011: read of unimplemented offset 0x044 (RAZ/WI)",
        "pl011: write of unimplemented offset 0x03c (RAZ/WI)",
        "pl011: write of unimplemented offset 0xfe0 (RAZ/WI)",
        "pl011: read of unimplemented offset 0x800 (RAZ/WI)",
    ]
    assert rig.out.getvalue() == b""


def test_64bit_access_raz_wi(rig):
    rig.w(DR, ord("Q"), 8)
    assert rig.out.getvalue() == b""
    assert rig.r(CR, 8) == 0
    assert rig.warnings == ["pl011: 64-bit write at offset 0x000 (ignored)",
                            "pl011: 64-bit read at offset 0x030 (RAZ)"]


def test_sub_word_reads(rig):
    rig.w(CR, 0x0301)
    assert rig.r(CR, 1) == 0x01 and rig.r(CR, 2) == 0x0301
    assert rig.r(0xFF0, 1) == 0x0D
