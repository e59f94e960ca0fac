"""The PL031 RTC model (runtime/devices/pl031.py) against QEMU's
hw/rtc/pl031.c behaviour and the accesses Linux's rtc-pl031 makes."""
import pytest

from a64jit.runtime.devices.pl031 import Pl031

DR, MR, LR, CR, IMSC, RIS, MIS, ICR = 0x00, 0x04, 0x08, 0x0C, 0x10, 0x14, 0x18, 0x1C


class Clock:
    def __init__(self, t=0.0):
        self.t = t

    def __call__(self):
        return self.t


class Rig:
    def __init__(self, t=0.0, start=None):
        self.clock = Clock(t)
        self.levels = []
        self.warnings = []
        self.rtc = Pl031(self.clock, irq=self.levels.append, warn=self.warnings.append, start=start)

    def r(self, off, size=4):
        return self.rtc.mmio_read(off, size)

    def w(self, off, value, size=4):
        self.rtc.mmio_write(off, size, value)


@pytest.fixture
def rig():
    return Rig(t=1000.25, start=1_700_000_000)


def test_primecell_ids_and_cr():
    rig = Rig()
    assert [rig.r(0xFE0 + 4 * i) for i in range(8)] == [0x31, 0x10, 0x14, 0x00, 0x0D, 0xF0, 0x05, 0xB1]
    pid = sum(rig.r(0xFE0 + 4 * i) << (8 * i) for i in range(4))
    assert pid & 0x000FFFFF == 0x00041031       # Linux rtc-pl031's arm amba_id (mask 0x000fffff)
    assert rig.r(CR) == 1                       # always enabled
    rig.w(CR, 0)
    assert rig.r(CR) == 1
    assert rig.warnings == []


def test_counts_seconds_from_start(rig):
    assert rig.r(DR) == 1_700_000_000
    rig.clock.t = 1000.99
    assert rig.r(DR) == 1_700_000_000
    rig.clock.t = 1001.0
    assert rig.r(DR) == 1_700_000_001
    rig.clock.t = 1000.25 + 3600
    assert rig.r(DR) == 1_700_003_600


def test_without_start_dr_is_now():
    rig = Rig(t=1_234_567_890.7)
    assert rig.r(DR) == 1_234_567_890
    rig.clock.t += 10
    assert rig.r(DR) == 1_234_567_900


def test_lr_load(rig):
    rig.w(LR, 5000)
    assert rig.r(LR) == 5000 and rig.r(DR) == 5000
    rig.clock.t = 1000.99
    assert rig.r(DR) == 5000
    rig.clock.t = 1001.0                         # the fraction of the second is kept, as QEMU
    assert rig.r(DR) == 5001
    rig.clock.t = 1101.5
    assert rig.r(DR) == 5101
    assert rig.r(LR) == 5000


def test_counter_wraps_at_32_bits(rig):
    rig.w(LR, 0xFFFFFFFE)
    rig.clock.t = 1002.3
    assert rig.r(DR) == 0


def test_match_interrupt(rig):
    rig.w(IMSC, 1)
    assert rig.levels == []
    rig.w(MR, 1_700_000_010)
    assert rig.rtc.next_deadline_seconds() == 1010.0
    rig.clock.t = 1009.999
    rig.rtc.update()
    assert rig.r(RIS) == 0 and rig.levels == []
    rig.clock.t = 1010.0
    rig.rtc.update()
    assert rig.r(DR) == rig.r(MR) == 1_700_000_010
    assert rig.r(RIS) == 1 and rig.r(MIS) == 1
    assert rig.levels == [True]
    assert rig.rtc.next_deadline_seconds() is None   # fires once per arming
    rig.w(ICR, 1)
    assert rig.r(RIS) == 0 and rig.levels == [True, False]
    rig.clock.t = 1010.5
    rig.rtc.update()
    assert rig.r(RIS) == 0 and rig.levels == [True, False]


def test_register_access_evaluates_the_match(rig):
    rig.w(MR, 1_700_000_002)
    rig.clock.t = 1003.0                         # past the deadline, no update() call
    assert rig.r(RIS) == 1


def test_match_now_fires_at_once(rig):
    rig.w(IMSC, 1)
    rig.w(MR, 1_700_000_000)                     # DR == MR already
    assert rig.r(RIS) == 1 and rig.levels == [True]
    assert rig.rtc.next_deadline_seconds() is None


def test_match_in_the_past_waits_for_the_wrap(rig):
    rig.w(MR, 1_600_000_000)
    assert rig.rtc.next_deadline_seconds() == 1000.0 + ((1_600_000_000 - 1_700_000_000) & 0xFFFFFFFF)
    assert rig.r(RIS) == 0


def test_lr_rearms_the_match(rig):
    rig.w(IMSC, 1)
    rig.w(MR, 100)
    assert rig.rtc.next_deadline_seconds() > 2**31
    rig.w(LR, 90)                               # now ten seconds before the match
    assert rig.rtc.next_deadline_seconds() == 1010.0
    rig.w(LR, 100)                              # loading the match value fires at once
    assert rig.r(RIS) == 1 and rig.levels == [True]
    assert rig.rtc.next_deadline_seconds() is None


def test_imsc_masking(rig):
    rig.w(MR, 1_700_000_001)
    rig.clock.t = 1001.0
    rig.rtc.update()
    assert rig.r(RIS) == 1 and rig.r(MIS) == 0 and rig.levels == []
    rig.w(IMSC, 0xFF)                            # only bit 0 is kept
    assert rig.r(IMSC) == 1 and rig.r(MIS) == 1 and rig.levels == [True]
    rig.w(IMSC, 0)
    assert rig.r(MIS) == 0 and rig.r(RIS) == 1 and rig.levels == [True, False]


def test_icr_clearing(rig):
    rig.w(IMSC, 1)
    rig.w(MR, 1_700_000_000)
    assert rig.levels == [True]
    rig.w(ICR, 0)                               # writing 0 clears nothing
    assert rig.r(RIS) == 1
    rig.w(ICR, 1)
    assert rig.r(RIS) == 0 and rig.r(MIS) == 0 and rig.levels == [True, False]


def test_linux_alarm_sequence(rig):
    """rtc-pl031: read time, set alarm (MR, then IMSC |= AI), the interrupt
    handler reads RIS and clears through ICR; alarm_irq_enable(0) masks."""
    now = rig.r(DR)
    rig.w(MR, now + 5)
    rig.w(IMSC, rig.r(IMSC) | 1)
    t = rig.rtc.next_deadline_seconds()
    assert t == 1005.0
    rig.clock.t = t
    rig.rtc.update()
    assert rig.levels == [True]
    assert rig.r(RIS) & 1
    rig.w(ICR, 1)
    rig.w(IMSC, rig.r(IMSC) & ~1)
    assert rig.levels == [True, False] and rig.r(IMSC) == 0


def test_bad_offsets_and_readonly(rig):
    assert rig.r(0x20) == 0
    rig.w(0x20, 5)
    assert rig.r(ICR) == 0
    rig.w(DR, 7)
    rig.w(RIS, 1)
    assert rig.r(DR) == 1_700_000_000 and rig.r(RIS) == 0
    assert rig.r(MR, 8) == 0
    assert rig.warnings == [
        "pl031: read of unimplemented offset 0x020 (RAZ/WI)",
        "pl031: write of unimplemented offset 0x020 (RAZ/WI)",
        "pl031: read of write-only register ICR (0x01c)",
        "pl031: write to read-only register at offset 0x000",
        "pl031: write to read-only register at offset 0x014",
        "pl031: 64-bit read at offset 0x004 (RAZ)",
    ]
