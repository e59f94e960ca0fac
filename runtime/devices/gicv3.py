"""GICv3 for one CPU: distributor, one redistributor, the system-register CPU
interface (ICC_*), and the virtual CPU interface KVM programs (ICH_*, seen by
EL1 as ICV_* when HCR_EL2.IMO/FMO are set).

The configuration is QEMU's ``virt`` with ``gic-version=3`` and no EL3:
GICD_CTLR.DS = 1 (security disabled: one Security state, two interrupt groups,
Group 0 signalled as FIQ and Group 1 as IRQ), affinity routing always on
(ARE RAO/WI), no LPIs/ITS, no message-based SPIs, no extended INTID ranges.
Priorities have GIC_PRIBITS = 5 implemented bits (32 levels, so one active
priorities register per group) for both the physical and the virtual
interface; the list registers and their geometry are those ICH_VTR_EL2
advertises (runtime/sysreg_defs.py).

References are to the Arm GIC architecture specification, IHI 0069 (GICv3 and
GICv4): chapter 4 (physical interrupt handling and prioritization), chapter 6
(virtual interrupt handling), chapter 12 (register descriptions) and the
pseudocode of chapter 8 / the register pages.  Values Linux checks (ID
registers, IIDR, reset states) follow QEMU's model.

State is kept as integer bitmaps indexed by INTID (bit n = INTID n): the
pending latch, the input line levels, enable, active, group (1 = Group 1) and
trigger (1 = edge).  Any change ends in ``_update()``, which recomputes the
maintenance interrupt (an input on PPI 9 = INTID 25) and the four output lines
of the CPU.
"""
from __future__ import annotations

from ..exceptions import GuestException, EC_SYSREG
from ..sysregs import trap_iss
from .. import sysreg_defs as D
from ..sysreg_defs import HCR, GIC_NUM_LRS, GIC_PRIBITS, GIC_PREBITS

SPURIOUS = 1023
MAINT_INTID = 25                           # PPI 9: the virtual interface's maintenance interrupt
PRIO_MASK = (0xFF << (8 - GIC_PRIBITS)) & 0xFF   # 0xF8: implemented priority bits
APR_SHIFT = 8 - GIC_PREBITS                # active priority bit n <-> group priority n << 3
IDLE = 0xFF                                # running priority with nothing active
MIN_BPR0 = 7 - GIC_PREBITS                 # 2 (12.2.7 ICC_BPR0_EL1: minimum from PREbits)
MIN_BPR1 = MIN_BPR0 + 1                    # 3 (12.2.8 ICC_BPR1_EL1, Non-secure copy)
M32 = 0xFFFFFFFF
IIDR = 0x43B                               # Arm, r0p0, ProductID 0 (as QEMU, a GIC-500 r0p0)

# GICD_CTLR (12.9.4, DS = 1 layout)
GICD_EN_G0, GICD_EN_G1, GICD_ARE, GICD_DS = 1 << 0, 1 << 1, 1 << 4, 1 << 6
# GICR_WAKER (12.11.40)
WAKER_PS, WAKER_CA = 1 << 1, 1 << 2
# ICC_CTLR_EL1 writable fields (12.2.11): CBPR, EOImode, PMHE
CTLR_CBPR, CTLR_EOIMODE, CTLR_PMHE = 1 << 0, 1 << 1, 1 << 6
ICC_CTLR_RO = D.ICC_CTLR_EL1_RESET & ~(CTLR_CBPR | CTLR_EOIMODE | CTLR_PMHE)
# ICH_HCR_EL2 (12.4.9)
HCR_EN, HCR_UIE, HCR_LRENPIE, HCR_NPIE = 1 << 0, 1 << 1, 1 << 2, 1 << 3
HCR_VGRP0EIE, HCR_VGRP0DIE, HCR_VGRP1EIE, HCR_VGRP1DIE = 1 << 4, 1 << 5, 1 << 6, 1 << 7
HCR_TC, HCR_TALL0, HCR_TALL1, HCR_TDIR = 1 << 10, 1 << 11, 1 << 12, 1 << 14
EOICOUNT_SHIFT = 27
ICH_HCR_MASK = 0xFF | HCR_TC | HCR_TALL0 | HCR_TALL1 | HCR_TDIR | 0x1F << EOICOUNT_SHIFT   # TSEI: SEIS = 0
# ICH_VMCR_EL2 (12.4.13)
VMCR_VENG0, VMCR_VENG1, VMCR_VFIQEN, VMCR_VCBPR, VMCR_VEOIM = 1 << 0, 1 << 1, 1 << 3, 1 << 4, 1 << 9
VBPR1_SHIFT, VBPR0_SHIFT, VPMR_SHIFT = 18, 21, 24
# ICH_MISR_EL2 (12.4.10)
MISR_EOI, MISR_U, MISR_LRENP, MISR_NP = 1 << 0, 1 << 1, 1 << 2, 1 << 3
MISR_VGRP0E, MISR_VGRP0D, MISR_VGRP1E, MISR_VGRP1D = 1 << 4, 1 << 5, 1 << 6, 1 << 7
# ICH_LR<n>_EL2 (12.4.11)
LR_PENDING, LR_ACTIVE, LR_HW, LR_GROUP = 1 << 62, 1 << 63, 1 << 61, 1 << 60
LR_EOI = 1 << 41                           # HW == 0: maintenance interrupt on deactivation
LR_PRIO_SHIFT, LR_PINTID_SHIFT = 48, 32
LR_MASK = M32 | 0x1FFF << LR_PINTID_SHIFT | PRIO_MASK << LR_PRIO_SHIFT | LR_GROUP | LR_HW | 3 << 62

# CoreSight ID block at 0xFFD0 (PIDR4-7, PIDR0-3, CIDR0-3); PIDR0 differs per frame,
# PIDR2 = 0x3B: ArchRev 3 (GICv3), JEDEC, JEP106 Arm (12.1.1 "Identification registers").
_IDREGS = (0x44, 0, 0, 0, None, 0xB4, 0x3B, 0, 0x0D, 0xF0, 0x05, 0xB1)
PIDR0_GICD, PIDR0_GICR = 0x92, 0x93

# Bitmap register blocks, same layout in the distributor and SGI_base (12.9 / 12.11):
# offset -> (state attribute, operation)
_BITMAP = {0x080: ("group", "w"), 0x100: ("enabled", "s"), 0x180: ("enabled", "c"),
           0x200: ("latch", "s"), 0x280: ("latch", "c"), 0x300: ("active", "s"), 0x380: ("active", "c")}

# CPU interface registers by kind, for the HCR_EL2.IMO/FMO redirection to ICV_*
# and the ICH_HCR_EL2.TALL0/TALL1/TC traps (12.2 "ICC_* ... Configurations";
# 12.4.9 ICH_HCR_EL2)
_G0 = frozenset({"IAR0", "EOIR0", "HPPIR0", "BPR0", "AP0R0", "IGRPEN0"})
_G1 = frozenset({"IAR1", "EOIR1", "HPPIR1", "BPR1", "AP1R0", "IGRPEN1"})
_COMMON = frozenset({"PMR", "RPR", "CTLR", "DIR"})
_SGIS = frozenset({"SGI0R", "SGI1R", "ASGI1R"})


def _lowest_bit(v: int) -> int:
    return (v & -v).bit_length() - 1


#: (start, end, name) of the register blocks of the distributor and the redistributor's frames
#: (RD_base; SGI_base at +0x10000), for traces: "GICD ISENABLER1" (12.9, 12.10, 12.11)
_GICD_BLOCKS = ((0x0, 0x4, "CTLR"), (0x4, 0x8, "TYPER"), (0x8, 0xC, "IIDR"), (0xC, 0x10, "TYPER2"),
                (0x10, 0x14, "STATUSR"), (0x80, 0x100, "IGROUPR"), (0x100, 0x180, "ISENABLER"),
                (0x180, 0x200, "ICENABLER"), (0x200, 0x280, "ISPENDR"), (0x280, 0x300, "ICPENDR"),
                (0x300, 0x380, "ISACTIVER"), (0x380, 0x400, "ICACTIVER"), (0x400, 0x800, "IPRIORITYR"),
                (0x800, 0xC00, "ITARGETSR"), (0xC00, 0xD00, "ICFGR"), (0xD00, 0xE00, "IGRPMODR"),
                (0xE00, 0xF00, "NSACR"), (0xF00, 0xF04, "SGIR"), (0xF10, 0xF30, "CPENDSGIR/SPENDSGIR"),
                (0x6000, 0x8000, "IROUTER"), (0xFFD0, 0x10000, "ID"))
_GICR_BLOCKS = ((0x0, 0x4, "CTLR"), (0x4, 0x8, "IIDR"), (0x8, 0x10, "TYPER"), (0x10, 0x14, "STATUSR"),
                (0x14, 0x18, "WAKER"), (0xFFD0, 0x10000, "ID")) + tuple(
    (0x10000 + a, 0x10000 + b, n) for a, b, n in ((0x80, 0x84, "IGROUPR0"), (0x100, 0x104, "ISENABLER0"),
                                                   (0x180, 0x184, "ICENABLER0"), (0x200, 0x204, "ISPENDR0"),
                                                   (0x280, 0x284, "ICPENDR0"), (0x300, 0x304, "ISACTIVER0"),
                                                   (0x380, 0x384, "ICACTIVER0"), (0x400, 0x420, "IPRIORITYR"),
                                                   (0xC00, 0xC04, "ICFGR0"), (0xC04, 0xC08, "ICFGR1"),
                                                   (0xD00, 0xD04, "IGRPMODR0"), (0xE00, 0xE04, "NSACR")))


class _Frame:
    """One MMIO region (the distributor, or the redistributor's two frames).
    Handlers return None (read) / False (write) for accesses the GIC does not
    have: those are RAZ/WI and counted (QEMU's "invalid guest read/write")."""

    def __init__(self, gic, name, read, write):
        self.gic, self.name, self._read, self._write = gic, name, read, write
        self._blocks = _GICD_BLOCKS if name == "GICD" else _GICR_BLOCKS

    def reg_name(self, offset: int) -> str | None:
        """The register at ``offset`` (with its index in a block of several), for traces."""
        for a, b, n in self._blocks:
            if a <= offset < b:
                if b - a <= 8 or n == "ID":
                    return n
                width = 8 if n == "IROUTER" else 1 if n in ("IPRIORITYR", "ITARGETSR") else 4
                return f"{n}{(offset - a) // width}"
        return None

    def mmio_read(self, offset: int, size: int) -> int:
        v = self._read(offset, size) if size in (1, 2, 4, 8) and not offset % size else None
        if v is None:
            self.gic.cpu.warn(f"{self.name}: invalid read at {offset:#x}, size {size}: RAZ")
            return 0
        return v & ((1 << 8 * size) - 1)

    def mmio_write(self, offset: int, size: int, value: int) -> None:
        ok = size in (1, 2, 4, 8) and not offset % size and self._write(offset, size, value & ((1 << 8 * size) - 1))
        if not ok:
            self.gic.cpu.warn(f"{self.name}: invalid write at {offset:#x}, size {size}: ignored")


class GicV3:
    #: the table rows this device implements (the board attaches them)
    SYSREG_NAMES = tuple(r.name for r in D.REGISTERS
                         if r.name.startswith("ICC_") and r.name not in ("ICC_SRE_EL1", "ICC_SRE_EL2")
                         or r.name.startswith("ICH_") and r.name != "ICH_VTR_EL2")

    def __init__(self, cpu, num_irqs: int = 288):
        if num_irqs % 32 or not 64 <= num_irqs <= 992:
            raise ValueError(f"GICv3: {num_irqs} interrupts (a multiple of 32, 64..992)")
        self.cpu = cpu
        self.num_irqs = num_irqs
        self.valid = (1 << num_irqs) - 1
        self.affinity = cpu.index & 0xFF       # Aff0 = CPU index, Aff1-3 = 0 (MPIDR_EL1)
        self.dist = _Frame(self, "GICD", self._gicd_read, self._gicd_write)
        self.redist = _Frame(self, "GICR", self._gicr_read, self._gicr_write)
        self.reset()

    def reset(self) -> None:
        n = self.num_irqs
        self.gicd_ctlr = 0                     # EnableGrp0/1; ARE and DS read as one
        self.waker = WAKER_PS                  # asleep until the OS wakes the redistributor
        self.latch = self.level = self.enabled = self.active = self.group = 0
        self.edge = 0xFFFF                     # SGIs are always edge-triggered; the rest reset level
        self.prio = bytearray(n)
        self.irouter = [0] * n
        self.routed = self.valid               # SGIs/PPIs, and SPIs whose IROUTER names this PE
        # physical CPU interface (12.2)
        self.pmr = 0
        self.bpr0, self.bpr1 = D.ICC_BPR0_RESET, D.ICC_BPR1_RESET
        self.icc_ctlr = D.ICC_CTLR_EL1_RESET & ~ICC_CTLR_RO
        self.igrpen = [0, 0]
        self.apr = [0, 0]                      # ICC_AP0R0_EL1, ICC_AP1R0_EL1
        # virtual CPU interface (12.4)
        self.ich_hcr = 0
        self.vmcr = D.ICH_VMCR_EL2_RESET
        self.lrs = [0] * GIC_NUM_LRS
        self.vapr = [0, 0]                     # ICH_AP0R0_EL2, ICH_AP1R0_EL2
        self._update()

    # ---------------------------------------------------------------- inputs
    def line(self, intid: int):
        """The input wire of a PPI or SPI: a callable irq(level: bool)."""
        self._check_input(intid)
        return lambda level: self.set_irq(intid, level)

    def set_irq(self, intid: int, level: bool) -> None:
        self._check_input(intid)
        self._set_level(intid, bool(level))
        self._update()

    def _check_input(self, intid: int) -> None:
        if not 16 <= intid < self.num_irqs or intid == MAINT_INTID:   # 25: driven by the GIC itself
            raise ValueError(f"GICv3: INTID {intid} is not a PPI or SPI input")

    def _set_level(self, intid: int, level: bool) -> None:
        """An input line changes: a rising edge latches pending for an
        edge-triggered interrupt; a level-sensitive one is pending while the
        line is high (4.1.2 "Interrupt types" / level and edge)."""
        bit = 1 << intid
        if level == bool(self.level & bit):
            return
        self._trace("irq_line", intid, int(level))
        if level:
            self.level |= bit
            if self.edge & bit:
                self.latch |= bit
        else:
            self.level &= ~bit

    def _trace(self, kind: str, *fields) -> None:
        """An interrupt event for the trace being recorded (runtime/trace.py), if any."""
        t = self.cpu.tracer
        if t is not None:
            s = self.cpu.state
            t.event(kind, s.icount, s.pc, s.el, *fields)

    # --------------------------------------------------------------- outputs
    def _update(self) -> None:
        """Recompute the maintenance interrupt and the CPU's IRQ/FIQ/vIRQ/vFIQ."""
        self._set_level(MAINT_INTID, bool(self.ich_hcr & HCR_EN and self._misr()))
        irq = fiq = virq = vfiq = False
        h = self._hppi()
        if h is not None and self._can_signal(h[1], h[2]):
            irq, fiq = h[2] == 1, h[2] == 0       # Group 1 -> IRQ, Group 0 -> FIQ (DS = 1, 4.6)
        i = self._hppvi()
        if i is not None and self._v_can_signal(self.lrs[i]):
            if self.lrs[i] & LR_GROUP:
                virq = True
            else:
                vfiq = True                        # ICH_VMCR_EL2.VFIQEn is RES1 (SRE = 1)
        cpu = self.cpu
        cpu.irq_line, cpu.fiq_line, cpu.virq_line, cpu.vfiq_line = irq, fiq, virq, vfiq
        cpu.async_dirty = True

    # ============================================================ physical side
    def pending(self) -> int:
        """Pending bitmap: the latch (edge, software, SGIs), and the line of a
        level-sensitive input while it is high."""
        return self.latch | self.level & ~self.edge

    def _hppi(self):
        """The highest-priority pending interrupt this CPU interface can be
        sent: (intid, priority, group) or None.  Candidates are pending,
        enabled, not active, routed here and of a group enabled both in
        GICD_CTLR and ICC_IGRPEN<n>_EL1; ties go to the lowest INTID (4.7)."""
        groups = 0
        if self.gicd_ctlr & GICD_EN_G1 and self.igrpen[1]:
            groups |= self.group
        if self.gicd_ctlr & GICD_EN_G0 and self.igrpen[0]:
            groups |= ~self.group
        cand = self.pending() & self.enabled & ~self.active & self.routed & groups & self.valid
        best, best_prio = None, 0x100
        while cand:
            low = cand & -cand
            cand ^= low
            i = low.bit_length() - 1
            if self.prio[i] < best_prio:
                best, best_prio = i, self.prio[i]
        if best is None:
            return None
        return best, best_prio, self.group >> best & 1

    def _gmask(self, group: int) -> int:
        """GroupBits(): the group-priority part of a priority (4.8.5 "Priority
        grouping"); Group 1 uses BPR1 - 1, or BPR0 when ICC_CTLR_EL1.CBPR."""
        bpr = self.bpr1 - 1 if group and not self.icc_ctlr & CTLR_CBPR else self.bpr0
        return (0xFF << (bpr + 1)) & 0xFF

    def _rpr(self) -> int:
        """Running priority: the highest active group priority (ICC_RPR_EL1)."""
        apr = self.apr[0] | self.apr[1]
        return _lowest_bit(apr) << APR_SHIFT if apr else IDLE

    def _can_signal(self, prio: int, group: int) -> bool:
        """Priority beats the PMR, and its group priority preempts (4.8)."""
        if prio >= self.pmr:
            return False
        rpr = self._rpr()
        mask = self._gmask(group)
        return rpr == IDLE or prio & mask < rpr & mask

    def _ack(self, group: int) -> int:
        """ICC_IAR<n>_EL1: acknowledge (4.1.1 "Physical interrupt states";
        pseudocode ICC_IAR*): active, pending latch cleared, the group
        priority's active bit set."""
        h = self._hppi()
        if h is None or h[2] != group or not self._can_signal(h[1], group):
            return SPURIOUS
        intid, prio, _ = h
        self.active |= 1 << intid
        self.latch &= ~(1 << intid)
        self.apr[group] |= 1 << ((prio & self._gmask(group)) >> APR_SHIFT)
        self._update()
        self._trace("irq_ack", intid, group)
        return intid

    def _eoi(self, group: int, intid: int) -> None:
        """ICC_EOIR<n>_EL1: priority drop (the highest active priority, when it
        belongs to this group), and deactivation too when EOImode = 0."""
        if intid >= self.num_irqs:             # 1020-1023, or no such interrupt: ignored
            return
        self._trace("irq_eoi", intid, group)
        a0, a1 = self.apr
        if not a0 | a1:
            self.cpu.warn("GICv3: EOI with no active priority: ignored")
            return
        top = 0 if a0 and (not a1 or _lowest_bit(a0) <= _lowest_bit(a1)) else 1
        if top != group:
            return
        self.apr[group] &= self.apr[group] - 1   # clear the lowest set bit
        if not self.icc_ctlr & CTLR_EOIMODE:
            self._deactivate(intid)

    def _deactivate(self, intid: int) -> None:
        if intid < self.num_irqs:
            self.active &= ~(1 << intid)

    def _sgi(self, group: int, value: int) -> None:
        """ICC_SGI0R/SGI1R_EL1 (12.2.21/22): TargetList [15:0], Aff1 [23:16],
        INTID [27:24], Aff2 [39:32], IRM [40], RS [47:44], Aff3 [55:48].  The
        SGI becomes pending here if this PE is a target and the SGI is
        configured in the group the register generates."""
        if value >> 40 & 1:                     # IRM: every PE but this one: nobody
            return
        if value >> 16 & 0xFF or value >> 32 & 0xFF or value >> 48 & 0xFF:
            return                              # Aff1-3 of this PE are 0
        a0 = self.affinity - 16 * (value >> 44 & 0xF)
        intid = value >> 24 & 0xF
        if 0 <= a0 < 16 and value >> a0 & 1 and (self.group >> intid & 1) == group:
            self.latch |= 1 << intid

    # ============================================================= virtual side
    def _hppvi(self):
        """HighestPriorityVirtualInterrupt(): the pending list register of a
        group enabled in ICH_VMCR_EL2 with the lowest priority value (6.2)."""
        best, best_prio = None, IDLE
        for i, lr in enumerate(self.lrs):
            if lr >> 62 != 1 or not self.vmcr >> (lr >> 60 & 1) & 1:   # Pending only; VENG0/VENG1
                continue
            p = lr >> LR_PRIO_SHIFT & 0xFF
            if p < best_prio:
                best, best_prio = i, p
        return best

    def _vbpr(self, group: int) -> int:
        return self.vmcr >> (VBPR1_SHIFT if group else VBPR0_SHIFT) & 7

    def _v_gmask(self, group: int) -> int:
        """VGroupBits(): as _gmask with VBPR0/VBPR1 and VCBPR."""
        bpr = self._vbpr(1) - 1 if group and not self.vmcr & VMCR_VCBPR else self._vbpr(0)
        return (0xFF << (bpr + 1)) & 0xFF

    def _v_rpr(self) -> int:
        apr = self.vapr[0] | self.vapr[1]
        return _lowest_bit(apr) << APR_SHIFT if apr else IDLE

    def _v_can_signal(self, lr: int) -> bool:
        """CanSignalVirtualInterrupt(): interface enabled, priority beats VPMR
        and preempts the virtual running priority."""
        if not self.ich_hcr & HCR_EN:
            return False
        prio = lr >> LR_PRIO_SHIFT & 0xFF
        if prio >= self.vmcr >> VPMR_SHIFT & 0xFF:
            return False
        rpr = self._v_rpr()
        mask = self._v_gmask(lr >> 60 & 1)
        return rpr == IDLE or prio & mask < rpr & mask

    def _v_ack(self, group: int) -> int:
        """ICV_IAR<n>_EL1: the LR goes Pending -> Active, its group priority's
        bit is set in ICH_AP<n>R0_EL2 (6.2 / VirtualReadIAR pseudocode)."""
        i = self._hppvi()
        if i is None:
            return SPURIOUS
        lr = self.lrs[i]
        if lr >> 60 & 1 != group or not self._v_can_signal(lr):
            return SPURIOUS
        intid = lr & M32
        if 1020 <= intid <= 1023:               # special INTID in an LR: dropped, returned as is
            self.lrs[i] = lr & ~LR_PENDING
        else:
            self.lrs[i] = lr & ~LR_PENDING | LR_ACTIVE
            prio = lr >> LR_PRIO_SHIFT & 0xFF
            self.vapr[group] |= 1 << ((prio & self._v_gmask(group)) >> APR_SHIFT)
        self._update()
        self._trace("irq_ack", intid, 2 + group)          # (groups 2, 3 in a trace: virtual 0, 1)
        return intid

    def _v_find_active(self, intid: int):
        for i, lr in enumerate(self.lrs):
            if lr & LR_ACTIVE and lr & M32 == intid:
                return i
        return None

    def _v_deactivate(self, i: int) -> None:
        """VirtualDeactivate: Active -> Invalid, Active+Pending -> Pending; with
        HW = 1 the physical interrupt pINTID is deactivated too (6.1.2)."""
        lr = self.lrs[i]
        if lr & LR_HW:
            pintid = lr >> LR_PINTID_SHIFT & 0x1FFF
            if pintid < 1020:
                self._deactivate(pintid)
        self.lrs[i] = lr & ~LR_ACTIVE

    def _v_eoicount(self) -> None:
        """ICH_HCR_EL2.EOIcount: a deactivation of an interrupt not in any LR
        (wraps at 32); with LRENPIE it raises the LRENP maintenance interrupt."""
        n = (self.ich_hcr >> EOICOUNT_SHIFT) + 1 & 0x1F
        self.ich_hcr = self.ich_hcr & ~(0x1F << EOICOUNT_SHIFT) | n << EOICOUNT_SHIFT

    def _v_eoi(self, group: int, intid: int) -> None:
        """ICV_EOIR<n>_EL1: drop the highest virtual active priority; with
        VEOIM = 0 also deactivate the matching LR, or count the EOI in
        EOIcount when the interrupt is in no LR (VirtualWriteEOIR*)."""
        if 1020 <= intid <= 1023:
            return
        self._trace("irq_eoi", intid, 2 + group)
        a0, a1 = self.vapr
        if not a0 | a1:
            return                              # nothing active: the LRs are not checked
        g = 0 if a0 and (not a1 or _lowest_bit(a0) <= _lowest_bit(a1)) else 1
        dropped = _lowest_bit(self.vapr[g]) << APR_SHIFT
        self.vapr[g] &= self.vapr[g] - 1
        if not self.vmcr & VMCR_VEOIM:
            i = self._v_find_active(intid)
            if i is None:
                self._v_eoicount()
            else:
                lr = self.lrs[i]
                if lr >> 60 & 1 == group and (lr >> LR_PRIO_SHIFT & 0xFF) & self._v_gmask(group) == dropped:
                    self._v_deactivate(i)

    def _v_dir(self, intid: int) -> None:
        """ICV_DIR_EL1 (VEOIM = 1 only): deactivate the matching LR, or count."""
        if intid >= 1020 or not self.vmcr & VMCR_VEOIM:
            return
        i = self._v_find_active(intid)
        if i is None:
            self._v_eoicount()
        else:
            self._v_deactivate(i)

    def _eisr(self) -> int:
        """ICH_EISR_EL2: LRs with an EOI maintenance request (Invalid, HW = 0, EOI = 1)."""
        return sum(1 << i for i, lr in enumerate(self.lrs) if lr & (3 << 62 | LR_HW | LR_EOI) == LR_EOI)

    def _elrsr(self) -> int:
        """ICH_ELRSR_EL2: LRs that are free (Invalid and no EOI maintenance request)."""
        return sum(1 << i for i, lr in enumerate(self.lrs) if not lr >> 62 and (lr & LR_HW or not lr & LR_EOI))

    def _misr(self) -> int:
        """ICH_MISR_EL2: the maintenance interrupt conditions (12.4.10)."""
        hcr, vmcr = self.ich_hcr, self.vmcr
        m = MISR_EOI if self._eisr() else 0
        valid = sum(1 for lr in self.lrs if lr >> 62)
        if hcr & HCR_UIE and valid <= 1:
            m |= MISR_U
        if hcr & HCR_LRENPIE and hcr >> EOICOUNT_SHIFT:
            m |= MISR_LRENP
        if hcr & HCR_NPIE and not any(lr >> 62 == 1 for lr in self.lrs):
            m |= MISR_NP
        for en, dis, e, d, bit in ((HCR_VGRP0EIE, HCR_VGRP0DIE, MISR_VGRP0E, MISR_VGRP0D, VMCR_VENG0),
                                   (HCR_VGRP1EIE, HCR_VGRP1DIE, MISR_VGRP1E, MISR_VGRP1D, VMCR_VENG1)):
            if vmcr & bit:
                m |= e if hcr & en else 0
            else:
                m |= d if hcr & dis else 0
        return m

    # ========================================================= system registers
    def _trap(self, key, rt, is_read):
        return GuestException(EC_SYSREG, trap_iss(key, rt, is_read), target_el=2)

    def _is_virtual(self, short: str, key: int, rt: int, is_read: bool) -> bool:
        """At EL1, HCR_EL2.FMO sends the Group 0 registers, IMO the Group 1
        ones, and either the common ones to the virtual interface; then
        ICH_HCR_EL2.TALL0/TALL1/TC trap them to EL2.  The SGI registers trap to
        EL2 at EL1 when IMO or FMO is set (12.2 accessibility pseudocode)."""
        if self.cpu.state.el != 1:
            return False
        hcr = self.cpu.sysregs.get("HCR_EL2")
        if short in _G1:
            route, trap = HCR.IMO, HCR_TALL1
        elif short in _G0:
            route, trap = HCR.FMO, HCR_TALL0
        elif short in _COMMON:
            if short == "DIR" and not is_read and self.ich_hcr & HCR_TDIR:
                raise self._trap(key, rt, is_read)     # TDIR (ICH_VTR_EL2.TDS = 1): EL1 DIR writes trap
            route, trap = HCR.IMO | HCR.FMO, HCR_TC
        else:                                   # SGI0R, SGI1R, ASGI1R
            if hcr & (HCR.IMO | HCR.FMO):
                raise self._trap(key, rt, is_read)
            return False
        if not hcr & route:
            return False
        if self.ich_hcr & trap:
            raise self._trap(key, rt, is_read)
        return True

    def sysreg_read(self, name: str, key: int, rt: int) -> int:
        if name.startswith("ICH_"):
            return self._ich_read(name)
        short = name[4:-4]
        if self._is_virtual(short, key, rt, True):
            return self._icv_read(short)
        return self._icc_read(short)

    def sysreg_write(self, name: str, key: int, rt: int, value: int) -> None:
        if name.startswith("ICH_"):
            self._ich_write(name, value)
        else:
            short = name[4:-4]
            if self._is_virtual(short, key, rt, False):
                self._icv_write(short, value)
            else:
                self._icc_write(short, value)

    # -- ICC_*: the physical CPU interface (12.2) --------------------------------
    def _icc_read(self, r: str) -> int:
        if r == "PMR":
            return self.pmr
        if r in ("IAR0", "IAR1"):
            return self._ack(int(r[-1]))
        if r in ("HPPIR0", "HPPIR1"):
            h = self._hppi()
            return h[0] if h is not None and h[2] == int(r[-1]) else SPURIOUS
        if r == "BPR0":
            return self.bpr0
        if r == "BPR1":
            return min(self.bpr0 + 1, 7) if self.icc_ctlr & CTLR_CBPR else self.bpr1
        if r in ("AP0R0", "AP1R0"):
            return self.apr[int(r[2])]
        if r == "RPR":
            return self._rpr()
        if r == "CTLR":
            return ICC_CTLR_RO | self.icc_ctlr
        if r in ("IGRPEN0", "IGRPEN1"):
            return self.igrpen[int(r[-1])]
        return 0                                 # write-only: the table makes reads UNDEFINED

    def _icc_write(self, r: str, v: int) -> None:
        if r == "PMR":
            self.pmr = v & PRIO_MASK
        elif r in ("EOIR0", "EOIR1"):
            self._eoi(int(r[-1]), v & 0xFFFFFF)
        elif r == "DIR":
            if self.icc_ctlr & CTLR_EOIMODE:     # EOImode = 0: UNPREDICTABLE, ignored
                self._deactivate(v & 0xFFFFFF)
        elif r == "BPR0":
            self.bpr0 = max(v & 7, MIN_BPR0)
        elif r == "BPR1":
            if not self.icc_ctlr & CTLR_CBPR:    # CBPR: BPR1 reads BPR0 + 1, writes ignored
                self.bpr1 = max(v & 7, MIN_BPR1)
        elif r in ("AP0R0", "AP1R0"):
            self.apr[int(r[2])] = v & M32
        elif r == "CTLR":
            self.icc_ctlr = v & (CTLR_CBPR | CTLR_EOIMODE | CTLR_PMHE)
        elif r in ("IGRPEN0", "IGRPEN1"):
            self.igrpen[int(r[-1])] = v & 1
        elif r == "SGI0R":
            self._sgi(0, v)
        elif r == "SGI1R":
            self._sgi(1, v)
        elif r == "ASGI1R":
            pass        # Group 1 of the other Security state: none with DS = 1 (not forwarded, as QEMU)
        self._update()

    # -- ICV_*: EL1's view of the virtual CPU interface (12.3) ------------------
    def _icv_read(self, r: str) -> int:
        if r == "PMR":
            return self.vmcr >> VPMR_SHIFT & 0xFF
        if r in ("IAR0", "IAR1"):
            return self._v_ack(int(r[-1]))
        if r in ("HPPIR0", "HPPIR1"):
            i = self._hppvi()
            return self.lrs[i] & M32 if i is not None and self.lrs[i] >> 60 & 1 == int(r[-1]) else SPURIOUS
        if r == "BPR0":
            return self._vbpr(0)
        if r == "BPR1":
            return min(self._vbpr(0) + 1, 7) if self.vmcr & VMCR_VCBPR else self._vbpr(1)
        if r in ("AP0R0", "AP1R0"):
            return self.vapr[int(r[2])]
        if r == "RPR":
            return self._v_rpr()
        if r == "CTLR":
            return ICC_CTLR_RO | bool(self.vmcr & VMCR_VCBPR) * CTLR_CBPR | bool(self.vmcr & VMCR_VEOIM) * CTLR_EOIMODE
        if r in ("IGRPEN0", "IGRPEN1"):
            return self.vmcr >> int(r[-1]) & 1
        return 0

    def _icv_write(self, r: str, v: int) -> None:
        vmcr = self.vmcr
        if r == "PMR":
            vmcr = vmcr & ~(0xFF << VPMR_SHIFT) | (v & PRIO_MASK) << VPMR_SHIFT
        elif r in ("EOIR0", "EOIR1"):
            self._v_eoi(int(r[-1]), v & 0xFFFFFF)
        elif r == "DIR":
            self._v_dir(v & 0xFFFFFF)
        elif r == "BPR0":
            vmcr = self._with_vbpr(vmcr, 0, v & 7)
        elif r == "BPR1":
            if not vmcr & VMCR_VCBPR:
                vmcr = self._with_vbpr(vmcr, 1, v & 7)
        elif r in ("AP0R0", "AP1R0"):
            self.vapr[int(r[2])] = v & M32
        elif r == "CTLR":
            vmcr = vmcr & ~(VMCR_VCBPR | VMCR_VEOIM) | bool(v & CTLR_CBPR) * VMCR_VCBPR \
                | bool(v & CTLR_EOIMODE) * VMCR_VEOIM
        elif r in ("IGRPEN0", "IGRPEN1"):
            bit = 1 << int(r[-1])
            vmcr = vmcr | bit if v & 1 else vmcr & ~bit
        self.vmcr = vmcr
        self._update()

    @staticmethod
    def _with_vbpr(vmcr: int, group: int, bpr: int) -> int:
        shift = VBPR1_SHIFT if group else VBPR0_SHIFT
        bpr = max(bpr, MIN_BPR1 if group else MIN_BPR0)
        return vmcr & ~(7 << shift) | bpr << shift

    # -- ICH_*: the hypervisor's control of the virtual interface (12.4) --------
    def _ich_read(self, name: str) -> int:
        if name == "ICH_HCR_EL2":
            return self.ich_hcr
        if name == "ICH_VMCR_EL2":
            return self.vmcr
        if name == "ICH_MISR_EL2":
            return self._misr()
        if name == "ICH_EISR_EL2":
            return self._eisr()
        if name == "ICH_ELRSR_EL2":
            return self._elrsr()
        if name == "ICH_AP0R0_EL2":
            return self.vapr[0]
        if name == "ICH_AP1R0_EL2":
            return self.vapr[1]
        return self.lrs[int(name[6:-4])]        # ICH_LR<n>_EL2

    def _ich_write(self, name: str, v: int) -> None:
        if name == "ICH_HCR_EL2":
            self.ich_hcr = v & ICH_HCR_MASK
        elif name == "ICH_VMCR_EL2":
            keep = VMCR_VENG0 | VMCR_VENG1 | VMCR_VCBPR | VMCR_VEOIM | PRIO_MASK << VPMR_SHIFT
            vmcr = v & keep | VMCR_VFIQEN        # VAckCtl RAZ/WI, VFIQEn RES1 (system registers only)
            vmcr = self._with_vbpr(vmcr, 0, v >> VBPR0_SHIFT & 7)
            self.vmcr = self._with_vbpr(vmcr, 1, v >> VBPR1_SHIFT & 7)
        elif name == "ICH_AP0R0_EL2":
            self.vapr[0] = v & M32
        elif name == "ICH_AP1R0_EL2":
            self.vapr[1] = v & M32
        elif name.startswith("ICH_LR"):
            self.lrs[int(name[6:-4])] = v & LR_MASK
        else:
            return                                # MISR/EISR/ELRSR: read-only (the table UNDEFs writes)
        self._update()

    # ========================================================== MMIO: shared
    def _bitmap_read(self, base: int, word: int) -> int:
        attr = _BITMAP[base][0]
        v = self.pending() if attr == "latch" else getattr(self, attr)
        return v >> 32 * word & M32 & self.valid >> 32 * word

    def _bitmap_write(self, base: int, word: int, value: int) -> None:
        attr, op = _BITMAP[base]
        shift = 32 * word
        m = value << shift & self.valid
        cur = getattr(self, attr)
        if op == "w":
            cur = cur & ~(M32 << shift) | m
        elif op == "s":
            cur |= m
        else:
            cur &= ~m
        setattr(self, attr, cur)
        self._update()

    def _prio_bytes(self, first: int, n: int) -> int:
        return int.from_bytes(self.prio[first:first + n], "little")

    def _set_prio_bytes(self, first: int, n: int, value: int) -> None:
        for i in range(n):
            self.prio[first + i] = value >> 8 * i & PRIO_MASK
        self._update()

    def _icfgr_read(self, k: int) -> int:
        """ICFGR<k>: Int_config<2i+1> = 1 for edge, INTIDs 16k..16k+15."""
        return sum(2 << 2 * i for i in range(16) if self.edge >> (16 * k + i) & 1)

    def _icfgr_write(self, k: int, value: int) -> None:
        for i in range(16):
            intid = 16 * k + i
            if intid < self.num_irqs:
                if value >> (2 * i + 1) & 1:
                    self.edge |= 1 << intid
                else:
                    self.edge &= ~(1 << intid)
        self._update()

    @staticmethod
    def _idreg(off: int, pidr0: int) -> int:
        v = _IDREGS[(off - 0xFFD0) >> 2]
        return pidr0 if v is None else v

    # ====================================================== MMIO: distributor
    def _typer(self) -> int:
        """GICD_TYPER (12.9.38): ITLinesNumber, IDbits = 9 (10-bit INTIDs, no
        LPIs), A3V, No1N (1-of-N SPI routing not supported); SecurityExtn,
        MBIS, LPIS, CPUNumber (ARE) all 0."""
        return 1 << 25 | 1 << 24 | 9 << 19 | (self.num_irqs // 32 - 1)

    def _gicd_read(self, off: int, size: int):
        if size == 4:
            if off == 0x0:
                return self.gicd_ctlr | GICD_ARE | GICD_DS      # RWP = 0: writes take effect at once
            if off == 0x4:
                return self._typer()
            if off == 0x8:
                return IIDR
            if off in (0xC, 0x10):                # GICD_TYPER2 (no v3.1 features), GICD_STATUSR
                return 0
            if 0x80 <= off < 0x400:
                word = (off & 0x7F) >> 2
                return self._bitmap_read(off & ~0x7F, word) if word else 0   # word 0: SGIs/PPIs, RAZ (ARE)
            if 0x400 <= off < 0x800:
                return self._gicd_prio_read(off - 0x400, 4)
            if 0xC00 <= off < 0xD00:
                k = (off - 0xC00) >> 2
                return self._icfgr_read(k) if k >= 2 else 0
            if 0x6000 <= off < 0x8000:
                return self._irouter_read(off) >> 32 * (off >> 2 & 1) & M32
        elif size == 1:
            if 0x400 <= off < 0x800:
                return self._gicd_prio_read(off - 0x400, 1)
        elif size == 8 and 0x6000 <= off < 0x8000:
            return self._irouter_read(off)
        if self._gicd_razwi(off, size):
            return 0
        if size == 4 and 0xFFD0 <= off:
            return self._idreg(off, PIDR0_GICD)
        return None

    def _gicd_write(self, off: int, size: int, v: int) -> bool:
        if size == 4:
            if off == 0x0:
                self.gicd_ctlr = v & (GICD_EN_G0 | GICD_EN_G1)   # ARE, DS RAO/WI; E1NWF RAZ/WI
                self._update()
                return True
            if off == 0x10:                       # GICD_STATUSR: RAZ/WI
                return True
            if 0x80 <= off < 0x400:
                word = (off & 0x7F) >> 2
                if word:
                    self._bitmap_write(off & ~0x7F, word, v)
                return True
            if 0x400 <= off < 0x800:
                return self._gicd_prio_write(off - 0x400, 4, v)
            if 0xC00 <= off < 0xD00:
                k = (off - 0xC00) >> 2
                if k >= 2:
                    self._icfgr_write(k, v)
                return True
            if 0x6000 <= off < 0x8000:
                cur = self._irouter_read(off & ~7)
                shift = 32 * (off >> 2 & 1)
                return self._irouter_write(off & ~7, cur & ~(M32 << shift) | v << shift)
        elif size == 1:
            if 0x400 <= off < 0x800:
                return self._gicd_prio_write(off - 0x400, 1, v)
        elif size == 8 and 0x6000 <= off < 0x8000:
            return self._irouter_write(off, v)
        return self._gicd_razwi(off, size)

    @staticmethod
    def _gicd_razwi(off: int, size: int) -> bool:
        """Registers that exist but are RAZ/WI in this configuration:
        ITARGETSR and C/SPENDSGIR (ARE = 1, byte or word), IGRPMODR and
        NSACR (DS = 1)."""
        if size in (1, 4) and (0x800 <= off < 0xC00 or 0xF10 <= off < 0xF30):
            return True
        return size == 4 and (0xD00 <= off < 0xD80 or 0xE00 <= off < 0xF00)

    def _gicd_prio_read(self, first: int, n: int) -> int:
        """GICD_IPRIORITYR: SPIs only (SGI/PPI bytes are RAZ/WI with ARE)."""
        if first < 32 or first + n > self.num_irqs:
            return 0
        return self._prio_bytes(first, n)

    def _gicd_prio_write(self, first: int, n: int, v: int) -> bool:
        if 32 <= first and first + n <= self.num_irqs:
            self._set_prio_bytes(first, n, v)
        return True

    def _irouter_read(self, off: int) -> int:
        n = (off - 0x6000) >> 3
        return self.irouter[n] if 32 <= n < self.num_irqs else 0

    def _irouter_write(self, off: int, v: int) -> bool:
        """GICD_IROUTER<n> (12.9.22): Aff3 [39:32], Aff2/1/0 [23:0]; IRM (bit
        31) is RAZ/WI since GICD_TYPER.No1N = 1.  An SPI is forwarded to this
        PE when the affinity is this PE's (0.0.0.index)."""
        n = (off - 0x6000) >> 3
        if 32 <= n < self.num_irqs:
            v &= 0xFF_00FF_FFFF
            self.irouter[n] = v
            if v == self.affinity:
                self.routed |= 1 << n
            else:
                self.routed &= ~(1 << n)
            self._update()
        return True

    # ==================================================== MMIO: redistributor
    def _gicr_typer(self) -> int:
        """GICR_TYPER (12.11.36): Affinity_Value [63:32], Processor_Number
        [23:8], Last (4) = 1; no physical/virtual LPIs, no DirectLPI, DPGS = 0."""
        return self.affinity << 32 | self.cpu.index << 8 | 1 << 4

    def _gicr_read(self, off: int, size: int):
        if off >= 0x10000:
            return self._sgi_frame_read(off - 0x10000, size)
        if size == 8 and off == 0x8:
            return self._gicr_typer()
        if size != 4:
            return None
        if off == 0x0:                            # GICR_CTLR: no LPIs, RWP/UWP 0, DPG* RES0 (DPGS = 0)
            return 0
        if off == 0x4:
            return IIDR
        if off in (0x8, 0xC):
            return self._gicr_typer() >> 8 * (off - 0x8) & M32
        if off == 0x10:                           # GICR_STATUSR
            return 0
        if off == 0x14:
            return self.waker | (WAKER_CA if self.waker & WAKER_PS else 0)
        if 0xFFD0 <= off:
            return self._idreg(off, PIDR0_GICR)
        return None

    def _gicr_write(self, off: int, size: int, v: int) -> bool:
        if off >= 0x10000:
            return self._sgi_frame_write(off - 0x10000, size, v)
        if size != 4:
            return False
        if off in (0x0, 0x10):                    # GICR_CTLR (nothing writable), GICR_STATUSR
            return True
        if off == 0x14:
            # GICR_WAKER (12.11.40): ProcessorSleep RW; ChildrenAsleep follows it
            # at once (Linux's gic_enable_redist polls ChildrenAsleep after
            # clearing ProcessorSleep).  Sleep does not gate delivery here.
            self.waker = v & WAKER_PS
            return True
        return False

    def _sgi_frame_read(self, off: int, size: int):
        """SGI_base frame (12.11): the SGI/PPI copies of the bitmap, priority
        and configuration registers (word 0 of each)."""
        if size == 4:
            if off in _BITMAP:
                return self._bitmap_read(off, 0)
            if 0x400 <= off < 0x420:
                return self._prio_bytes(off - 0x400, 4)
            if off == 0xC00:
                return self._icfgr_read(0)        # SGIs: always edge, 0xAAAAAAAA
            if off == 0xC04:
                return self._icfgr_read(1)
            if off in (0xD00, 0xE00):             # GICR_IGRPMODR0, GICR_NSACR: RAZ/WI with DS = 1
                return 0
        elif size == 1 and 0x400 <= off < 0x420:
            return self.prio[off - 0x400]
        return None

    def _sgi_frame_write(self, off: int, size: int, v: int) -> bool:
        if size == 4:
            if off in _BITMAP:
                self._bitmap_write(off, 0, v)
                return True
            if 0x400 <= off < 0x420:
                self._set_prio_bytes(off - 0x400, 4, v)
                return True
            if off == 0xC04:                      # PPI trigger modes are programmable
                self._icfgr_write(1, v)
                return True
            if off in (0xC00, 0xD00, 0xE00):     # ICFGR0 read-only; IGRPMODR0/NSACR WI
                return True
        elif size == 1 and 0x400 <= off < 0x420:
            self._set_prio_bytes(off - 0x400, 1, v)
            return True
        return False
