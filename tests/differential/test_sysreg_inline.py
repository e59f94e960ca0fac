"""System instructions generated code does itself (MRS of stored registers,
PSTATE.DAIF, CurrentEL, DCZID_EL0; DC/IC cache operations): the same values
and the same traps as the runtime's, under both engines, at each EL and
with each HCR_EL2 trap control."""
import pytest

from a64jit.runloop import run_engine
from a64jit.runtime.cpu import Cpu
from a64jit.runtime.memory import PhysMemory
from a64jit.runtime.sysreg_defs import HCR, SCTLR
from a64jit.translator.engine import create_engine
from tests.asm import asm

RAM = 0x4000_0000


def run(src, engine, el=1, hcr=0, setup=None):
    mem = PhysMemory()
    mem.add_ram(RAM, 1 << 20, asm(src + "\n brk #0"))
    cpu = Cpu(mem)
    cpu.set_pstate_el(el, 1 if el else 0)
    sr = cpu.sysregs
    sr.set("HCR_EL2", sr.get("HCR_EL2") | hcr)
    sr.set("SCTLR_EL1", sr.get("SCTLR_EL1") & ~SCTLR.A)
    if setup:
        setup(cpu)
    cpu.state.x[1] = RAM + 0x8000
    cpu.state.pc = RAM
    eng = create_engine(engine, cpu, use_cache=False)
    raised = []

    def on_exception(exc):
        raised.append((exc.ec, exc.iss, exc.target_el))
        return "exception"
    run_engine(eng, cpu, max_insns=10_000, on_exception=on_exception, on_halt=lambda: "halt")
    out = {"x": list(cpu.state.x[:10]), "pc": cpu.state.pc, "exc": raised[:1], "insns": cpu.state.icount}
    eng.close()
    return out


def both(src, **kw):
    a, b = run(src, "interp", **kw), run(src, "jit", **kw)
    assert a == b
    return a


def _values(cpu):
    cpu.sysregs.set("TPIDR_EL1", 0x1122334455667788)
    cpu.sysregs.set("TPIDR_EL0", 0x0123456789ABCDEF)
    cpu.sysregs.set("ESR_EL1", 0x96000045)


@pytest.mark.parametrize("el", [1, 2])
def test_register_values(el):
    r = both("mrs x0, tpidr_el1; mrs x2, ctr_el0; mrs x3, dczid_el0; mrs x4, currentel; "
             "msr daifclr, #0xf; msr daifset, #0xa; mrs x5, daif; mrs x6, tpidr_el0; mrs x7, esr_el1", el=el, setup=_values)
    assert r["x"][0] == 0x1122334455667788 and r["x"][6] == 0x0123456789ABCDEF and r["x"][7] == 0x96000045
    assert r["x"][4] == el << 2 and r["x"][5] & 0x3C0 == 0x280
    assert r["exc"][0][0] == 0x3C                        # the BRK: nothing else was raised


def test_el0_reads():
    r = both("mrs x6, tpidr_el0; mrs x3, dczid_el0", el=0, setup=_values)
    assert r["x"][6] == 0x0123456789ABCDEF and r["exc"][0][0] == 0x3C


def test_dczid_follows_the_dc_zva_permission():
    free = both("mrs x3, dczid_el0", el=1)
    trapped = both("mrs x3, dczid_el0", el=1, hcr=HCR.TDZ)
    assert free["x"][3] & 1 << 4 == 0 and trapped["x"][3] & 1 << 4


@pytest.mark.parametrize("src,bit", [
    ("mrs x0, esr_el1", HCR.TRVM), ("mrs x0, ctr_el0", HCR.TID2), ("mrs x0, id_aa64mmfr0_el1", HCR.TID3),
    ("mrs x0, aidr_el1", HCR.TID1), ("mrs x0, actlr_el1", HCR.TACR),
    ("dc cvau, x1", HCR.TPU), ("ic ivau, x1", HCR.TPU), ("ic iallu", HCR.TPU), ("dc civac, x1", HCR.TPC),
    ("dc cvac, x1", HCR.TPC),
])
def test_hcr_traps_at_el1_and_not_at_el2(src, bit):
    prog = f"mov x5, #1; {src}; mov x6, #2"
    free = both(prog, el=1)
    assert free["exc"][0][0] == 0x3C and free["x"][6] == 2
    trapped = both(prog, el=1, hcr=bit)
    assert trapped["exc"][0][0] == 0x18 and trapped["exc"][0][2] == 2 and trapped["x"][6] == 0
    assert trapped["pc"] == RAM + 4 and trapped["insns"] == 1        # precise: the MRS/SYS did not retire
    at_el2 = both(prog, el=2, hcr=bit)
    assert at_el2["exc"][0][0] == 0x3C


def test_cache_maintenance_loop_runs_in_one_block():
    """DC CVAU / IC IVAU change no context: Linux's cache-maintenance loops
    no longer end a block per line."""
    r = both("""
        mov x2, x1
        add x3, x1, #4096
    1:  dc cvau, x2
        add x2, x2, #64
        cmp x2, x3
        b.lo 1b
        dsb ish
        mov x2, x1
    2:  ic ivau, x2
        add x2, x2, #64
        cmp x2, x3
        b.lo 2b
    """, el=1)
    assert r["exc"][0][0] == 0x3C and r["insns"] == 2 + 4 * 64 + 2 + 4 * 64


VBAR = RAM + 0x10000


def _irq_handler(line):
    def setup(cpu):
        cpu.sysregs.set("VBAR_EL1", VBAR)
        cpu.mem.write_bytes(VBAR + 0x280, asm("mrs x9, elr_el1; brk #1"))   # IRQ, current EL with SPx
        cpu.irq_line = line
    return setup


@pytest.mark.parametrize("unmask", ["msr daifclr, #2", "mov x1, #0x300; msr daif, x1", "msr daifclr, #0xf"])
def test_unmasking_takes_a_pending_interrupt_at_the_next_instruction(unmask):
    prog = f"mov x0, #0; {unmask}; add x0, x0, #1; add x0, x0, #1"
    r = both(prog, el=1, setup=_irq_handler(True))
    n = len(unmask.split(";"))
    assert r["exc"][0][0] == 0x3C and r["x"][0] == 0
    assert r["x"][9] == RAM + 4 * (1 + n)             # ELR: the instruction after the unmasking one


def test_unmasking_with_nothing_pending_goes_on():
    r = both("mov x0, #0; msr daifclr, #2; add x0, x0, #1; msr daifset, #2; add x0, x0, #1", el=1,
             setup=_irq_handler(False))
    assert r["x"][0] == 2 and r["exc"][0][0] == 0x3C
