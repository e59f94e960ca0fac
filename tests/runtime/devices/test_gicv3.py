"""The GICv3 model (runtime/devices/gicv3.py) driven as Linux and KVM drive
it: distributor/redistributor MMIO, the ICC_* system registers at EL2/EL1, and
the list registers seen by EL1 through ICV_* (HCR_EL2.IMO/FMO)."""
import pytest

from a64jit.runtime.cpu import Cpu
from a64jit.runtime.devices.gicv3 import GicV3
from a64jit.runtime.exceptions import GuestException, EC_SYSREG
from a64jit.runtime.sysreg_defs import BY_NAME, HCR
from a64jit.runtime.sysregs import trap_iss

SGI = 0x10000                      # SGI_base frame of the redistributor
PPI_TIMER, PPI_MAINT, SPI_UART = 30, 25, 33
LR_PENDING, LR_ACTIVE, LR_HW, LR_GROUP, LR_EOI = 1 << 62, 2 << 62, 1 << 61, 1 << 60, 1 << 41


def key(name):
    return BY_NAME[name].key


class Rig:
    def __init__(self):
        self.cpu = Cpu()
        self.gic = GicV3(self.cpu)
        self.cpu.sysregs.attach(self.gic, self.gic.SYSREG_NAMES)

    # system registers, at the current EL
    def rd(self, name, rt=0):
        return self.cpu.sysregs.read(key(name + ("_EL2" if name.startswith("ICH") else "_EL1")), rt)

    def wr(self, name, value, rt=0):
        self.cpu.sysregs.write(key(name + ("_EL2" if name.startswith("ICH") else "_EL1")), rt, value)

    # MMIO
    def dr(self, off, size=4):
        return self.gic.dist.mmio_read(off, size)

    def dw(self, off, value, size=4):
        self.gic.dist.mmio_write(off, size, value)

    def rr(self, off, size=4):
        return self.gic.redist.mmio_read(off, size)

    def rw(self, off, value, size=4):
        self.gic.redist.mmio_write(off, size, value)

    @property
    def lines(self):
        c = self.cpu
        return c.irq_line, c.fiq_line, c.virq_line, c.vfiq_line

    def el1(self, hcr=0):
        self.cpu.sysregs.set("HCR_EL2", self.cpu.sysregs.get("HCR_EL2") | hcr)
        self.cpu.set_pstate_el(1, 1)

    def linux_init(self, eoimode=1):
        """irq-gic-v3.c gic_dist_init / gic_redist_wait_... / gic_cpu_init /
        gic_cpu_sys_reg_init, as Linux 6.1 runs them at EL2."""
        self.dw(0x0, 0)
        assert not self.dr(0x0) & 1 << 31                              # RWP
        for n in range(1, 9):                                           # SPIs 32..287
            self.dw(0x80 + 4 * n, 0xFFFFFFFF)                           # IGROUPR: Group 1
            self.dw(0x380 + 4 * n, 0xFFFFFFFF)                          # ICACTIVER
            self.dw(0x180 + 4 * n, 0xFFFFFFFF)                          # ICENABLER
        for i in range(32, 288, 4):
            self.dw(0x400 + i, 0xA0A0A0A0)
        for k in range(2, 18):
            self.dw(0xC00 + 4 * k, 0)                                   # level
        self.dw(0x0, 0x13)                                              # ARE_NS | EnableGrp1A | EnableGrp1
        for i in range(32, 288):
            self.dw(0x6000 + 8 * i, 0, size=8)                          # route to MPIDR affinity 0
        # redistributor: wake it (gic_enable_redist)
        self.rw(0x14, self.rr(0x14) & ~2)
        assert self.rr(0x14) & 4 == 0                                   # ChildrenAsleep clear
        self.rw(SGI + 0x80, 0xFFFFFFFF)
        self.rw(SGI + 0x380, 0xFFFFFFFF)
        self.rw(SGI + 0x180, 0xFFFF0000)
        self.rw(SGI + 0x100, 0x0000FFFF)
        for i in range(0, 32, 4):
            self.rw(SGI + 0x400 + i, 0xA0A0A0A0)
        # CPU interface
        self.wr("ICC_PMR", 0x08)                                        # gic_has_group0 probe
        assert self.rd("ICC_PMR") == 0x08
        self.wr("ICC_PMR", 0xF0)
        self.wr("ICC_BPR1", 0)
        self.wr("ICC_CTLR", eoimode << 1)
        self.wr("ICC_AP0R0", 0)
        self.wr("ICC_AP1R0", 0)
        self.wr("ICC_IGRPEN1", 1)


def enable_ppi(r, intid, prio=0xA0, edge=False):
    cfg = r.rr(SGI + 0xC04)
    bit = 2 << 2 * (intid - 16)
    r.rw(SGI + 0xC04, cfg | bit if edge else cfg & ~bit)
    r.rw(SGI + 0x400 + intid, prio, size=1)
    r.rw(SGI + 0x100, 1 << intid)


def enable_spi(r, intid, prio=0xA0, edge=False):
    k, i = divmod(intid, 16)
    cfg = r.dr(0xC00 + 4 * k)
    r.dw(0xC00 + 4 * k, cfg | 2 << 2 * i if edge else cfg & ~(2 << 2 * i))
    r.dw(0x400 + intid, prio, size=1)
    r.dw(0x100 + 4 * (intid // 32), 1 << intid % 32)


# -- identification and reset values ------------------------------------------------------------
def test_identification_registers_and_reset_state():
    r = Rig()
    assert r.dr(0x0) == 0x50                               # ARE and DS RAO, groups disabled
    assert r.dr(0x4) == 1 << 25 | 1 << 24 | 9 << 19 | 8    # No1N, A3V, IDbits 9, ITLinesNumber 8 (288 INTIDs)
    assert r.dr(0x8) == 0x43B and r.rr(0x4) == 0x43B
    assert r.dr(0xFFE8) >> 4 & 0xF == 3 and r.rr(0xFFE8) >> 4 & 0xF == 3     # PIDR2.ArchRev
    assert [r.dr(0xFFD0 + 4 * i) for i in range(12)] == [0x44, 0, 0, 0, 0x92, 0xB4, 0x3B, 0, 0x0D, 0xF0, 0x05, 0xB1]
    assert r.rr(0xFFE0) == 0x93
    assert r.rr(0x8, size=8) == 0x10                       # GICR_TYPER: Last, processor 0, affinity 0
    assert (r.rr(0x8), r.rr(0xC)) == (0x10, 0)
    assert r.rr(0x14) == 6                                 # ProcessorSleep | ChildrenAsleep
    assert r.rr(SGI + 0xC00) == 0xAAAAAAAA                 # SGIs edge
    r.rw(SGI + 0xC00, 0)
    assert r.rr(SGI + 0xC00) == 0xAAAAAAAA                 # read-only
    assert r.rd("ICC_CTLR") == 0x8C00                      # PRIbits 4, IDbits 1, A3V
    assert (r.rd("ICC_BPR0"), r.rd("ICC_BPR1"), r.rd("ICC_RPR")) == (2, 3, 0xFF)
    assert r.rd("ICH_ELRSR") == 0xF and r.rd("ICH_VMCR") == BY_NAME["ICH_VMCR_EL2"].reset
    assert r.lines == (False, False, False, False)


def test_sysreg_names_cover_the_gic_rows_but_the_plain_ones():
    names = set(GicV3.SYSREG_NAMES)
    assert "ICC_SRE_EL1" not in names and "ICC_SRE_EL2" not in names and "ICH_VTR_EL2" not in names
    assert {"ICC_IAR1_EL1", "ICC_SGI1R_EL1", "ICH_LR3_EL2", "ICH_MISR_EL2"} <= names


# -- Linux's init and a level PPI ----------------------------------------------------------------
def test_linux_init_then_level_ppi_with_eoimode1():
    r = Rig()
    r.linux_init(eoimode=1)
    assert r.dr(0x0) == 0x53 and r.rr(0x14) == 0
    enable_ppi(r, PPI_TIMER)
    assert r.rr(SGI + 0x100) == 0xFFFF | 1 << PPI_TIMER
    assert r.rr(SGI + 0x400 + 28) == 0xA0A0A0A0
    assert r.lines == (False, False, False, False)
    timer = r.gic.line(PPI_TIMER)
    timer(True)
    assert r.lines == (True, False, False, False)
    assert r.rr(SGI + 0x200) == 1 << PPI_TIMER              # pending while the line is high
    assert r.rd("ICC_HPPIR1") == PPI_TIMER and r.rd("ICC_HPPIR0") == 1023
    assert r.rd("ICC_IAR1") == PPI_TIMER
    assert r.rr(SGI + 0x300) == 1 << PPI_TIMER              # active (and still pending: line high)
    assert r.rd("ICC_RPR") == 0xA0 and r.rd("ICC_AP1R0") == 1 << (0xA0 >> 3)
    assert r.lines[0] is False                              # active: not signalled again
    assert r.rd("ICC_IAR1") == 1023
    r.wr("ICC_EOIR1", PPI_TIMER)                            # EOImode 1: priority drop only
    assert r.rd("ICC_RPR") == 0xFF and r.rd("ICC_AP1R0") == 0
    assert r.rr(SGI + 0x300) == 1 << PPI_TIMER and r.lines[0] is False
    r.wr("ICC_DIR", PPI_TIMER)                              # deactivation
    assert r.rr(SGI + 0x300) == 0
    assert r.lines[0] is True                               # line still high: pending again
    timer(False)
    assert r.lines[0] is False and r.rr(SGI + 0x200) == 0


def test_eoimode0_eoi_drops_and_deactivates_and_dir_is_ignored():
    r = Rig()
    r.linux_init(eoimode=0)
    enable_spi(r, SPI_UART)
    r.gic.set_irq(SPI_UART, True)
    assert r.lines[0] and r.rd("ICC_IAR1") == SPI_UART
    assert r.dr(0x300 + 4) == 1 << (SPI_UART - 32)
    r.wr("ICC_DIR", SPI_UART)                               # EOImode 0: DIR has no effect
    assert r.dr(0x300 + 4) == 1 << (SPI_UART - 32)
    r.gic.set_irq(SPI_UART, False)
    r.wr("ICC_EOIR1", SPI_UART)
    assert r.dr(0x300 + 4) == 0 and r.rd("ICC_RPR") == 0xFF
    assert r.lines == (False, False, False, False)
    r.wr("ICC_EOIR1", 1023)                                 # spurious EOI: ignored
    assert r.rd("ICC_RPR") == 0xFF


# -- priorities ---------------------------------------------------------------------------------
def test_pmr_masks_by_priority():
    r = Rig()
    r.linux_init()
    enable_spi(r, 40, prio=0xB0)
    r.gic.set_irq(40, True)
    r.wr("ICC_PMR", 0xB0)                                   # priority must be strictly below the mask
    assert r.lines[0] is False and r.rd("ICC_IAR1") == 1023
    assert r.rd("ICC_HPPIR1") == 40                         # HPPIR ignores the mask
    r.wr("ICC_PMR", 0xB8)
    assert r.lines[0] is True
    r.wr("ICC_PMR", 0xFF)
    assert r.rd("ICC_PMR") == 0xF8                          # 5 implemented bits
    assert r.dr(0x400 + 40, size=1) == 0xB0
    r.dw(0x400 + 40, 0xB7, size=1)
    assert r.dr(0x400 + 40, size=1) == 0xB0                 # low 3 priority bits not implemented


def test_preemption_uses_the_group_priority_of_bpr1():
    r = Rig()
    r.linux_init()
    r.wr("ICC_PMR", 0xF8)
    enable_spi(r, 40, prio=0x60)
    enable_spi(r, 41, prio=0x50)
    r.gic.set_irq(40, True)
    assert r.rd("ICC_IAR1") == 40
    r.gic.set_irq(41, True)
    # BPR1 = 3 (the minimum; Linux wrote 0): group priority [7:3], 0x50 preempts 0x60
    assert r.rd("ICC_BPR1") == 3 and r.lines[0] is True
    r.wr("ICC_BPR1", 7)                                     # group priority [7]: 0x50 and 0x60 are equal
    assert r.lines[0] is False and r.rd("ICC_IAR1") == 1023
    r.wr("ICC_BPR1", 3)
    assert r.rd("ICC_IAR1") == 41                           # nested
    assert r.rd("ICC_RPR") == 0x50 and r.rd("ICC_AP1R0") == 1 << 12 | 1 << 10
    r.wr("ICC_EOIR1", 41)
    assert r.rd("ICC_RPR") == 0x60
    r.wr("ICC_DIR", 41)
    r.gic.set_irq(41, False)
    # BPR1 = 4: Group 1 group priority is [7:4] (BPR1 - 1 = 3, GroupBits)
    r.wr("ICC_BPR1", 4)
    enable_spi(r, 42, prio=0x78)
    r.wr("ICC_EOIR1", 40)
    r.wr("ICC_DIR", 40)
    r.gic.set_irq(40, False)
    r.gic.set_irq(42, True)
    assert r.rd("ICC_IAR1") == 42
    assert r.rd("ICC_AP1R0") == 1 << (0x70 >> 3) and r.rd("ICC_RPR") == 0x70
    r.dw(0x400 + 41, 0x68, size=1)                          # group priority 0x60 < 0x70: preempts
    r.gic.set_irq(41, True)
    assert r.lines[0] is True
    r.dw(0x400 + 41, 0x70, size=1)                          # group priority 0x70: does not
    assert r.lines[0] is False
    r.wr("ICC_EOIR1", 42)
    r.wr("ICC_DIR", 42)
    # CBPR: group 1 uses BPR0, BPR1 reads BPR0 + 1 and ignores writes
    r.wr("ICC_CTLR", 3)
    assert r.rd("ICC_CTLR") == 0x8C03
    r.wr("ICC_BPR0", 0)
    assert r.rd("ICC_BPR0") == 2 and r.rd("ICC_BPR1") == 3
    r.wr("ICC_BPR1", 6)
    assert r.rd("ICC_BPR1") == 3
    r.wr("ICC_CTLR", 2)
    assert r.rd("ICC_BPR1") == 4                            # the write under CBPR was ignored


# -- trigger modes ------------------------------------------------------------------------------
def test_edge_latches_and_level_follows_the_line():
    r = Rig()
    r.linux_init()
    enable_spi(r, 48, edge=True)
    enable_spi(r, 49)
    assert r.dr(0xC00 + 12) == 2 << 2 * 0                   # ICFGR3: INTID 48 edge, 49 level
    r.gic.set_irq(48, True)
    r.gic.set_irq(48, False)                                # a pulse: stays pending
    assert r.dr(0x200 + 4) == 1 << 16 and r.lines[0]
    assert r.rd("ICC_IAR1") == 48
    assert r.dr(0x200 + 4) == 0                             # acknowledge consumed the edge
    r.wr("ICC_EOIR1", 48)
    r.wr("ICC_DIR", 48)
    r.gic.set_irq(48, True)                                 # held high: only one edge
    assert r.rd("ICC_IAR1") == 48
    r.wr("ICC_EOIR1", 48)
    r.wr("ICC_DIR", 48)
    assert r.lines[0] is False
    # level: pending exactly while high; ICPENDR cannot clear a high line
    r.gic.set_irq(49, True)
    assert r.dr(0x200 + 4) == 1 << 17
    r.dw(0x280 + 4, 1 << 17)
    assert r.dr(0x200 + 4) == 1 << 17
    r.gic.set_irq(49, False)
    assert r.dr(0x200 + 4) == 0 and r.lines[0] is False
    # software pending (ISPENDR) on a level interrupt latches until acknowledged
    r.dw(0x200 + 4, 1 << 17)
    assert r.lines[0] and r.rd("ICC_IAR1") == 49 and r.dr(0x200 + 4) == 0


# -- SGIs ---------------------------------------------------------------------------------------
def test_sgi1r_targets_this_pe_only():
    r = Rig()
    r.linux_init()
    r.rw(SGI + 0x400, 0x00000080)                           # SGI 0 priority 0x80
    r.wr("ICC_SGI1R", 3 << 24 | 1 << 40)                    # IRM: the others (none)
    r.wr("ICC_SGI1R", 3 << 24 | 0b10)                       # Aff0 = 1: not us
    r.wr("ICC_SGI1R", 3 << 24 | 1 << 16 | 1)                # Aff1 = 1: not us
    assert r.rr(SGI + 0x200) == 0 and r.lines[0] is False
    r.wr("ICC_SGI1R", 3 << 24 | 1)                          # SGI 3 to Aff0 = 0
    assert r.rr(SGI + 0x200) == 1 << 3 and r.lines[0]
    assert r.rd("ICC_IAR1") == 3
    r.wr("ICC_EOIR1", 3)
    r.wr("ICC_DIR", 3)
    assert r.rr(SGI + 0x300) == 0 and r.lines[0] is False
    # SGI0R generates only Group 0 SGIs: SGI 5 is Group 1 here
    r.wr("ICC_SGI0R", 5 << 24 | 1)
    assert r.rr(SGI + 0x200) == 0


# -- SPIs ---------------------------------------------------------------------------------------
def test_spi_enable_and_route():
    r = Rig()
    r.linux_init()
    r.gic.set_irq(SPI_UART, True)
    assert r.lines[0] is False                              # disabled
    r.dw(0x400 + SPI_UART, 0x90, size=1)
    r.dw(0x100 + 4, 1 << 1)                                 # ISENABLER1 bit 1: INTID 33
    assert r.dr(0x100 + 4) == 1 << 1 and r.lines[0]
    r.dw(0x6000 + 8 * SPI_UART, 0x1, size=8)                # routed to Aff0 = 1: no such PE
    assert r.dr(0x6000 + 8 * SPI_UART, size=8) == 1 and r.lines[0] is False
    r.dw(0x6000 + 8 * SPI_UART + 4, 0x2)                    # upper half: Aff3 = 2
    assert r.dr(0x6000 + 8 * SPI_UART, size=8) == 0x2_0000_0001
    r.dw(0x6000 + 8 * SPI_UART, 0x8000_0000, size=8)        # IRM RAZ/WI (No1N), affinity 0: this PE
    assert r.dr(0x6000 + 8 * SPI_UART, size=8) == 0 and r.lines[0]
    r.dw(0x180 + 4, 1 << 1)                                 # ICENABLER
    assert r.dr(0x100 + 4) == 0 and r.lines[0] is False
    # SGI/PPI words of the distributor are RAZ/WI with ARE; INTIDs past 287 too
    r.dw(0x100, 0xFFFFFFFF)
    assert r.dr(0x100) == 0 and r.rr(SGI + 0x100) == 0xFFFF
    r.dw(0x100 + 4 * 9, 0xFFFFFFFF)
    assert r.dr(0x100 + 4 * 9) == 0


def test_group0_is_fiq_and_needs_its_enables():
    r = Rig()
    r.linux_init()
    r.dw(0x80 + 4, 0xFFFFFFFF & ~(1 << 8))                  # INTID 40 Group 0
    enable_spi(r, 40, prio=0x40)
    r.gic.set_irq(40, True)
    assert r.lines == (False, False, False, False)          # ICC_IGRPEN0 = 0
    r.wr("ICC_IGRPEN0", 1)
    assert r.lines == (False, True, False, False)           # GICD EnableGrp0 was set by Linux (bit 0)
    r.dw(0x0, 0x12)
    assert r.lines[1] is False
    r.dw(0x0, 0x13)
    assert r.rd("ICC_IAR1") == 1023 and r.rd("ICC_HPPIR1") == 1023
    assert r.rd("ICC_HPPIR0") == 40 and r.rd("ICC_IAR0") == 40
    assert r.rd("ICC_AP0R0") == 1 << 8 and r.rd("ICC_RPR") == 0x40
    r.wr("ICC_EOIR0", 40)
    r.wr("ICC_DIR", 40)
    r.gic.set_irq(40, False)
    assert r.rd("ICC_AP0R0") == 0
    # a Group 0 FIQ preempting a Group 1 IRQ; EOIs must follow the nesting
    enable_spi(r, 41, prio=0xA0)
    r.gic.set_irq(41, True)
    assert r.rd("ICC_IAR1") == 41
    r.gic.set_irq(40, True)
    assert r.lines[:2] == (False, True)
    assert r.rd("ICC_IAR0") == 40
    assert (r.rd("ICC_AP0R0"), r.rd("ICC_AP1R0"), r.rd("ICC_RPR")) == (1 << 8, 1 << 20, 0x40)
    r.wr("ICC_EOIR1", 41)                                   # the highest active is Group 0: ignored
    assert (r.rd("ICC_AP0R0"), r.rd("ICC_AP1R0")) == (1 << 8, 1 << 20)
    r.wr("ICC_EOIR0", 40)
    r.wr("ICC_EOIR1", 41)
    assert (r.rd("ICC_AP0R0"), r.rd("ICC_AP1R0")) == (0, 0)


# -- the virtual CPU interface ------------------------------------------------------------------
def kvm_setup(r, vmcr=1 << 1 | 0xF8 << 24):
    """What KVM's world switch programs before entering the guest."""
    r.rw(SGI + 0x400 + PPI_MAINT, 0xA0, size=1)
    enable_ppi(r, PPI_MAINT)                                # the host's vgic maintenance IRQ
    r.wr("ICH_VMCR", vmcr)                                  # VENG1, VPMR 0xF8
    r.wr("ICH_HCR", 1)                                      # En


def test_list_register_interrupt_through_icv_iar1_and_eoi_maintenance():
    r = Rig()
    r.linux_init()
    kvm_setup(r)
    r.wr("ICH_LR0", LR_PENDING | LR_GROUP | LR_EOI | 0xA0 << 48 | 27)
    assert r.rd("ICH_ELRSR") == 0b1110 and r.rd("ICH_MISR") == 0
    assert r.lines == (False, False, True, False)
    r.el1(HCR.IMO | HCR.FMO)
    assert r.rd("ICC_HPPIR1") == 27
    assert r.rd("ICC_IAR1") == 27                           # ICV_IAR1_EL1
    assert r.gic.lrs[0] >> 62 == 2 and r.lines[2] is False
    assert r.rd("ICC_RPR") == 0xA0 and r.rd("ICC_AP1R0") == 1 << 20
    assert r.gic.apr == [0, 0]                              # the physical interface is untouched
    r.wr("ICC_DIR", 27)                                     # VEOIM = 0: ICV_DIR ignored
    r.wr("ICC_EOIR1", 1023)                                 # special INTID: ignored
    assert r.gic.lrs[0] >> 62 == 2 and r.rd("ICC_RPR") == 0xA0
    r.wr("ICC_EOIR1", 27)                                   # VEOIM = 0: drop and deactivate
    assert r.gic.lrs[0] >> 62 == 0 and r.rd("ICC_RPR") == 0xFF
    r.cpu.set_pstate_el(2, 1)
    assert r.rd("ICH_EISR") == 1 and r.rd("ICH_ELRSR") == 0b1110   # EOI request pending: not empty
    assert r.rd("ICH_MISR") == 1                            # MISR.EOI
    assert r.rr(SGI + 0x200) == 1 << PPI_MAINT and r.lines[0]       # maintenance IRQ to the host
    assert r.rd("ICC_IAR1") == PPI_MAINT
    r.wr("ICH_LR0", 0)                                      # KVM folds the LR back
    assert r.rd("ICH_EISR") == 0 and r.rd("ICH_ELRSR") == 0xF and r.rd("ICH_MISR") == 0
    assert r.rr(SGI + 0x200) == 0                           # the level input dropped
    r.wr("ICC_EOIR1", PPI_MAINT)
    r.wr("ICC_DIR", PPI_MAINT)
    assert r.lines == (False, False, False, False)


def test_virtual_priority_mask_group_enable_and_group0_vfiq():
    r = Rig()
    kvm_setup(r, vmcr=1 << 1 | 0x90 << 24)
    r.wr("ICH_LR1", LR_PENDING | LR_GROUP | 0xA0 << 48 | 40)
    assert r.lines[2] is False                              # VPMR 0x90 masks 0xA0
    r.wr("ICH_LR2", LR_PENDING | 0x80 << 48 | 41)           # Group 0, but VENG0 = 0
    assert r.lines[3] is False
    r.el1(HCR.IMO | HCR.FMO)
    r.wr("ICC_IGRPEN0", 1)                                  # ICV_IGRPEN0: VENG0
    assert r.lines == (False, False, False, True)
    assert r.rd("ICC_IAR1") == 1023 and r.rd("ICC_IAR0") == 41
    r.wr("ICC_PMR", 0xF8)                                   # ICV_PMR
    assert r.cpu.sysregs.read(key("ICC_PMR_EL1")) == 0xF8
    assert r.lines[2] is False                              # 0xA0 does not preempt the active 0x80
    r.wr("ICC_EOIR0", 41)
    assert r.lines == (False, False, True, False)
    r.cpu.set_pstate_el(2, 1)
    assert r.rd("ICH_VMCR") >> 24 == 0xF8 and r.rd("ICH_VMCR") & 1
    r.wr("ICH_VMCR", 0)
    assert r.rd("ICH_VMCR") == 1 << 3 | 3 << 18 | 2 << 21    # VFIQEn RES1, VBPRs at their minimum


def test_hw_list_register_deactivates_the_physical_interrupt():
    r = Rig()
    r.linux_init(eoimode=1)
    enable_ppi(r, 27)                                       # the virtual timer PPI
    kvm_setup(r)
    r.gic.set_irq(27, True)
    assert r.rd("ICC_IAR1") == 27                           # host takes it at EL2...
    r.wr("ICC_EOIR1", 27)                                   # ...drops priority, leaves it active
    r.wr("ICH_LR0", LR_PENDING | LR_HW | LR_GROUP | 27 << 32 | 0xA0 << 48 | 27)
    assert r.rd("ICH_ELRSR") == 0b1110
    r.el1(HCR.IMO | HCR.FMO)
    assert r.lines == (False, False, True, False)
    assert r.rd("ICC_IAR1") == 27
    assert r.rr(SGI + 0x300) & 1 << 27                      # still active physically
    r.wr("ICC_EOIR1", 27)
    assert r.gic.lrs[0] >> 62 == 0
    assert r.rr(SGI + 0x300) & 1 << 27 == 0                 # deactivated with the virtual one
    assert r.lines[0] is True                               # the line is still high: pending again
    r.cpu.set_pstate_el(2, 1)
    assert r.rd("ICH_EISR") == 0 and r.rd("ICH_ELRSR") == 0xF    # HW: no EOI maintenance


def test_veoim_split_and_eoicount_for_interrupts_in_no_lr():
    r = Rig()
    kvm_setup(r)
    r.wr("ICH_HCR", 1 | 1 << 2)                             # En | LRENPIE
    r.wr("ICH_LR0", LR_PENDING | LR_GROUP | 0xA0 << 48 | 50)
    r.el1(HCR.IMO)
    r.wr("ICC_CTLR", 2)                                     # ICV_CTLR: VEOIM
    assert r.rd("ICC_CTLR") == 0x8C02
    assert r.rd("ICC_IAR1") == 50
    r.wr("ICC_EOIR1", 50)                                   # drop only
    assert r.gic.lrs[0] >> 62 == 2 and r.rd("ICC_RPR") == 0xFF
    r.wr("ICC_DIR", 50)
    assert r.gic.lrs[0] >> 62 == 0
    r.wr("ICC_DIR", 51)                                     # in no LR: counted
    r.cpu.set_pstate_el(2, 1)
    assert r.rd("ICH_HCR") >> 27 == 1 and r.rd("ICH_MISR") == 1 << 2    # LRENP
    assert r.rr(SGI + 0x200) == 1 << PPI_MAINT
    # VEOIM = 0: an EOI of an interrupt in no LR counts too (after dropping a priority)
    r.wr("ICH_HCR", 1 | 1 << 2)                             # KVM clears EOIcount
    r.wr("ICH_VMCR", r.rd("ICH_VMCR") & ~(1 << 9))
    r.wr("ICH_AP1R0", 1 << 20)
    r.cpu.set_pstate_el(1, 1)
    r.wr("ICC_EOIR1", 60)
    r.cpu.set_pstate_el(2, 1)
    assert r.rd("ICH_HCR") >> 27 == 1 and r.rd("ICH_AP1R0") == 0


def test_underflow_no_pending_and_group_maintenance_conditions():
    r = Rig()
    kvm_setup(r)
    assert r.rd("ICH_MISR") == 0
    r.wr("ICH_HCR", 1 | 1 << 1 | 1 << 3)                    # UIE, NPIE
    assert r.rd("ICH_MISR") == 1 << 1 | 1 << 3
    r.wr("ICH_LR0", LR_PENDING | LR_GROUP | 40)
    assert r.rd("ICH_MISR") == 1 << 1                       # one valid LR: still underflow
    r.wr("ICH_LR1", LR_ACTIVE | LR_GROUP | 41)
    assert r.rd("ICH_MISR") == 0                            # two valid, one pending
    r.wr("ICH_HCR", 1 | 1 << 5 | 1 << 6)                    # VGrp0DIE, VGrp1EIE
    assert r.rd("ICH_MISR") == 1 << 5 | 1 << 6
    r.wr("ICH_HCR", 1 << 5)                                 # En = 0: no maintenance interrupt
    assert r.rd("ICH_MISR") == 1 << 5 and r.rr(SGI + 0x200) == 0


# -- traps --------------------------------------------------------------------------------------
def test_sgi1r_at_el1_traps_to_el2_with_imo():
    r = Rig()
    r.linux_init()
    r.el1(HCR.IMO)
    with pytest.raises(GuestException) as e:
        r.cpu.sysregs.write(key("ICC_SGI1R_EL1"), 5, 1 << 24 | 1)
    assert e.value.ec == EC_SYSREG and e.value.target_el == 2
    assert e.value.iss == trap_iss(key("ICC_SGI1R_EL1"), 5, False)
    assert r.rr(SGI + 0x200) == 0
    r.cpu.sysregs.set("HCR_EL2", HCR.RW)                    # without IMO/FMO: a physical SGI
    r.wr("ICC_SGI1R", 1 << 24 | 1)
    assert r.rr(SGI + 0x200) == 1 << 1


def test_ich_hcr_tall1_and_tc_trap_icv_accesses():
    r = Rig()
    r.wr("ICH_HCR", 1 << 12 | 1 << 10)                      # TALL1, TC
    r.el1(HCR.IMO)
    for name, read in (("ICC_IAR1_EL1", True), ("ICC_EOIR1_EL1", False), ("ICC_PMR_EL1", True)):
        with pytest.raises(GuestException) as e:
            if read:
                r.cpu.sysregs.read(key(name), 3)
            else:
                r.cpu.sysregs.write(key(name), 3, 0)
        assert e.value.target_el == 2 and e.value.iss == trap_iss(key(name), 3, read)
    assert r.rd("ICC_IAR0") == 1023                         # Group 0 without FMO: physical, untrapped
    r.cpu.set_pstate_el(2, 1)
    assert r.rd("ICC_PMR") == 0                             # EL2: never virtual


# -- guest errors -------------------------------------------------------------------------------
def test_bad_accesses_are_raz_wi_and_counted():
    r = Rig()
    before = dict(r.cpu.warnings)
    assert r.dr(0x2) == 0                                   # misaligned
    assert r.dr(0x0, size=2) == 0                           # halfword
    assert r.dr(0x20) == 0                                  # reserved
    assert r.dr(0x100, size=1) == 0                         # byte access to a word register
    r.dw(0x4, 0)                                            # TYPER is read-only
    r.dw(0x4, 0)
    assert r.dr(0x4) != 0
    r.dw(0xF00, 0x1)                                        # GICD_SGIR: absent with ARE
    assert r.rr(0x40) == 0 and r.rr(0x8, size=2) == 0 and r.rr(SGI + 0x104) == 0
    r.rw(SGI + 0x100, 0xFFFF, size=8)
    assert r.rr(SGI + 0x100) == 0
    new = {k: v - before.get(k, 0) for k, v in r.cpu.warnings.items() if v != before.get(k, 0)}
    assert len(new) == 10
    assert new["GICD: invalid write at 0x4, size 4: ignored"] == 2
    # RAZ/WI registers of this configuration are not errors
    r.dw(0x800, 0xFF, size=1)
    assert r.dr(0x800) == 0 and r.dr(0xD00) == 0 and r.rr(SGI + 0xD00) == 0
    assert len([k for k in r.cpu.warnings if k not in before]) == 10


def test_line_rejects_sgis_and_missing_interrupts():
    r = Rig()
    with pytest.raises(ValueError):
        r.gic.line(3)
    with pytest.raises(ValueError):
        r.gic.line(288)
    with pytest.raises(ValueError):
        r.gic.line(PPI_MAINT)                               # the GIC's own maintenance output
    r.gic.line(287)(True)
    assert r.dr(0x200 + 4 * 8) == 0x80000000
