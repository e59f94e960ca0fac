"""Interrupts arriving at random instruction counts, JIT against the
interpreter.

Random programs (tests/differential/progs.py) run at EL1 with a vector
table installed: synchronous exceptions skip the instruction that raised
them, an IRQ handler counts the interrupt, records its ELR and lowers the
line through a device register (a store to MMIO, as a driver acknowledges
a device).  An interrupt line rises at a random instruction count (the way
a timer deadline reaches the run loop: the budget ends exactly there) and,
in some programs, again later.  Everything the CPU ends with must be the
same on both engines: registers, PC, PSTATE, the count of instructions,
memory, and the exceptions taken.
"""
from __future__ import annotations

import random

import pytest

from a64jit.runloop import run_engine
from a64jit.snippet import set_registers
from a64jit.runtime.cpu import Cpu
from a64jit.runtime.memory import PhysMemory
from a64jit.runtime.sysreg_defs import SCTLR
from a64jit.translator.engine import create_engine
from tests.asm import asm
from tests.differential.progs import DATA_REGIONS, REGION_SIZE, CODE_BASE, random_program, random_state

VECTORS = CODE_BASE + 0x800            # VBAR_EL1 (2 KiB aligned), right after the program
ACK = 0x3000_0000                      # the device register whose write lowers the line
# The handlers leave no code address in a register: a random store through one
# would patch the running code without the IC/ISB the architecture asks for,
# where the engines may legitimately differ (old or new instructions).
SKIP = "mrs x27, esr_el1; mrs x26, elr_el1; add x26, x26, #4; msr elr_el1, x26; mov x26, #0; eret"
IRQ = ("add x24, x24, #1; movz x23, #0x3000, lsl #16; mrs x25, elr_el1; str x25, [x23, #8]; mov x25, #0; "
       "str wzr, [x23]; eret")


def vector_table() -> bytes:
    """16 entries of 0x80 bytes: sync -> SKIP, IRQ -> IRQ, FIQ/SError -> eret."""
    out = bytearray()
    for group in range(4):
        for kind, src in enumerate((SKIP, IRQ, "eret", "eret")):
            code = asm(src)
            out += code + bytes(0x80 - len(code))
    return bytes(out)


class Line:
    """The interrupt source: MMIO registers (a write at 0 lowers the line,
    at 8 records where the interrupt was taken: the handler's ELR) and the
    run loop's events interface (the line rises at given counts)."""

    def __init__(self, cpu, at):
        self.cpu, self.at = cpu, sorted(at)
        self.elrs = []

    def mmio_read(self, offset, size):
        return 0

    def mmio_write(self, offset, size, value):
        if offset == 8:
            self.elrs.append(value)
            return
        self.cpu.irq_line = False
        self.cpu.async_dirty = True

    def _fire(self):
        self.at.pop(0)
        self.cpu.irq_line = True
        self.cpu.async_dirty = True

    def update(self):
        while self.at and self.cpu.state.icount >= self.at[0]:
            self._fire()

    def budget(self, left):
        return max(1, min(left, self.at[0] - self.cpu.state.icount)) if self.at else left

    def idle(self):
        if self.at:                    # WFI: the next interrupt ends it (time skips to it)
            self._fire()
            return None
        return "wfi"

    def stop_reason(self):
        return None


def run(engine, code, regs, mem, daif, at, max_insns):
    pm = PhysMemory()
    pm.add_ram(CODE_BASE, 0x1000)
    pm.write_bytes(CODE_BASE, code)
    pm.write_bytes(VECTORS, vector_table())
    for base, data in mem.items():
        pm.add_ram(base, len(data), bytes(data))
    cpu = Cpu(pm)
    line = Line(cpu, at)
    pm.add_mmio(ACK, 0x1000, line)
    cpu.set_pstate_el(1, 1)
    sr = cpu.sysregs
    sr.set("SCTLR_EL1", sr.get("SCTLR_EL1") & ~(SCTLR.M | SCTLR.A | SCTLR.SA | SCTLR.SA0))
    sr.set("VBAR_EL1", VECTORS)
    set_registers(cpu, regs)
    cpu.state.daif = daif
    cpu.state.pc = CODE_BASE
    eng = create_engine(engine, cpu, code_range=(CODE_BASE, CODE_BASE + 0x1000), use_cache=False)
    taken = []

    def on_exception(exc):
        taken.append((exc.ec, exc.iss, exc.far, cpu.state.pc))
        cpu.take_exception(exc)

    reason = run_engine(eng, cpu, max_insns=max_insns, on_exception=on_exception, events=line)
    eng.close()
    s = cpu.state
    return {"x": list(s.x), "nzcv": cpu.nzcv, "pc": s.pc, "el": s.el, "daif": s.daif, "insns": s.icount,
            "reason": reason, "exc": taken, "line": cpu.irq_line, "irq_elrs": line.elrs,
            "mem": [cpu.mem.read_bytes(b, REGION_SIZE) for b in DATA_REGIONS]}


def run_random(seed, programs, length=24, max_insns=300):
    rng = random.Random(seed)
    irqs = 0
    for i in range(programs):
        code = random_program(rng, length)
        regs, mem = random_state(rng)
        regs["x24"] = 0
        daif = rng.choice((0, 0, 0, 0x80, 0x3C0 & ~0x80))       # mostly IRQs unmasked
        at = sorted(rng.sample(range(1, max_insns), rng.choice((1, 1, 2, 3))))
        a = run("interp", code, regs, mem, daif, list(at), max_insns)
        b = run("jit", code, regs, mem, daif, list(at), max_insns)
        if a != b:
            diff = {k: (a[k], b[k]) for k in a if a[k] != b[k] and k != "mem"}
            raise AssertionError(f"seed {seed} program {i}: code {code.hex()} daif {daif:#x} irq at {at}\n{diff}\n"
                                 f"mem equal: {a['mem'] == b['mem']}")
        irqs += a["x"][24] if a["x"][24] < 16 else 0
    return irqs


def test_random_interrupts():
    assert run_random(77, 120) > 40            # interrupts are taken (and counted by the handler)


@pytest.mark.slow
def test_random_interrupts_long():
    assert sum(run_random(9000 + seed, 100, 32, 600) for seed in range(20)) > 500


def test_random_interrupts_at_the_hot_tier(monkeypatch):
    monkeypatch.setenv("A64JIT_HOT_THRESHOLD", "1")
    monkeypatch.setenv("A64JIT_HOT_SYNC", "1")
    monkeypatch.setenv("A64JIT_HOT_REGS", "2")
    assert run_random(78, 80) > 20
