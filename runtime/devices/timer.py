"""The Generic Timer of one CPU (ARM ARM D11.2 "The AArch64 view of the
Generic Timer"): the physical and virtual counts and three timers.

| timer | registers | counts against | output (QEMU virt) |
| --- | --- | --- | --- |
| EL1 physical | CNTP_CTL/CVAL/TVAL_EL0 | CNTPCT | PPI 14 = INTID 30 |
| virtual | CNTV_CTL/CVAL/TVAL_EL0 | CNTVCT = CNTPCT - CNTVOFF_EL2 | PPI 11 = INTID 27 |
| EL2 physical | CNTHP_CTL/CVAL/TVAL_EL2 | CNTPCT | PPI 10 = INTID 26 |

A timer's condition is met when its count >= CVAL (unsigned); CTL.ISTATUS
reads that; the output is ENABLE && met && !IMASK, a level into the GIC.
TVAL reads (CVAL - count) as a signed 32-bit value and a write sets CVAL to
count + sign-extended TVAL.  The count comes from the CPU's clock
(runtime/clock.py); ``next_deadline()`` tells the run loop when an output
will rise so that it can stop the engine there, and ``update()`` (after every
engine return, and after any write here) drives the lines.  Access rules
(EL0 gates in CNTKCTL_EL1, EL1 traps in CNTHCTL_EL2) are the table's.
"""
from __future__ import annotations

M64 = (1 << 64) - 1
ENABLE, IMASK, ISTATUS = 1, 2, 4

#: timer name -> (CTL, CVAL, TVAL register names, uses the virtual offset, INTID)
TIMERS = {
    "phys": ("CNTP_CTL_EL0", "CNTP_CVAL_EL0", "CNTP_TVAL_EL0", False, 30),
    "virt": ("CNTV_CTL_EL0", "CNTV_CVAL_EL0", "CNTV_TVAL_EL0", True, 27),
    "hyp": ("CNTHP_CTL_EL2", "CNTHP_CVAL_EL2", "CNTHP_TVAL_EL2", False, 26),
}


def _sext32(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v >> 31 else v


class GenericTimer:
    SYSREG_NAMES = tuple(["CNTPCT_EL0", "CNTVCT_EL0", "CNTVOFF_EL2"]
                         + [n for ctl, cval, tval, _, _ in TIMERS.values() for n in (ctl, cval, tval)])

    def __init__(self, cpu, clock):
        self.cpu = cpu
        self.clock = clock
        self.regs = cpu.sysregs               # CTL and CVAL values live in the table's slots
        self.outputs = {t: (lambda level: None) for t in TIMERS}   # the board connects them to PPIs
        self.levels = {t: False for t in TIMERS}
        # told after any write here (a deadline may have moved): the board makes
        # the engine come back so that its budget ends at the new deadline
        self.on_change = lambda: None
        self._by_reg = {}
        for t, (ctl, cval, tval, _, _) in TIMERS.items():
            self._by_reg[ctl] = (t, "ctl")
            self._by_reg[cval] = (t, "cval")
            self._by_reg[tval] = (t, "tval")

    def connect(self, timer: str, irq) -> None:
        self.outputs[timer] = irq
        irq(self.levels[timer])

    # -- counts -------------------------------------------------------------------
    def cntpct(self) -> int:
        return self.clock.ticks() & M64

    def count(self, timer: str) -> int:
        c = self.cntpct()
        return (c - self.regs.get("CNTVOFF_EL2")) & M64 if TIMERS[timer][3] else c

    def _met(self, timer: str) -> bool:
        return self.count(timer) >= self.regs.get(TIMERS[timer][1])

    # -- system-register interface --------------------------------------------------
    def sysreg_read(self, name, key, rt):
        if name == "CNTPCT_EL0":
            return self.cntpct()
        if name == "CNTVCT_EL0":
            return self.count("virt")
        if name == "CNTVOFF_EL2":
            return self.regs.get(name)
        t, what = self._by_reg[name]
        ctl, cval = TIMERS[t][0], TIMERS[t][1]
        if what == "ctl":
            v = self.regs.get(ctl) & (ENABLE | IMASK)
            return v | ISTATUS if v & ENABLE and self._met(t) else v
        if what == "cval":
            return self.regs.get(cval)
        return _sext32(self.regs.get(cval) - self.count(t)) & M64

    def sysreg_write(self, name, key, rt, value):
        if name in ("CNTPCT_EL0", "CNTVCT_EL0"):
            return                                  # read-only (the table says so; never reached)
        if name == "CNTVOFF_EL2":
            self.regs.set(name, value)
        else:
            t, what = self._by_reg[name]
            ctl, cval = TIMERS[t][0], TIMERS[t][1]
            if what == "ctl":
                self.regs.set(ctl, value & (ENABLE | IMASK))
            elif what == "cval":
                self.regs.set(cval, value)
            else:
                self.regs.set(cval, (self.count(t) + _sext32(value)) & M64)
        self.update()
        self.on_change()

    # -- the board's side ---------------------------------------------------------------
    def update(self) -> None:
        """Drive each timer's output from its state now."""
        for t, (ctl, _, _, _, _) in TIMERS.items():
            c = self.regs.get(ctl)
            level = bool(c & ENABLE and not c & IMASK and self._met(t))
            if level != self.levels[t]:
                self.levels[t] = level
                self.outputs[t](level)

    def next_deadline(self) -> int | None:
        """The CNTPCT tick at which the next output rises, or None (no
        enabled, unmasked timer still to fire)."""
        best = None
        for t, (ctl, cval, _, virt, _) in TIMERS.items():
            c = self.regs.get(ctl)
            if not c & ENABLE or c & IMASK or self._met(t):
                continue
            tick = self.regs.get(cval) + (self.regs.get("CNTVOFF_EL2") if virt else 0)
            if tick > M64:
                continue                               # beyond the counter's range
            if best is None or tick < best:
                best = tick
        return best
