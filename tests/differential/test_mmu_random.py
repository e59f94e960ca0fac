"""Random programs with the MMU on, JIT against the interpreter: code at a
virtual address other than its physical one, data pages mapped at random
with random permissions (read-write, read-only, EL0-accessible, no access
flag, Device, or not at all), run at EL1 or EL0.  Registers, memory, the
exception (EC, ISS, FAR) and the instruction count must be identical."""
from __future__ import annotations

import random

import pytest

from a64jit.runloop import run_engine
from a64jit.snippet import set_registers
from a64jit.runtime.cpu import Cpu
from a64jit.runtime.memory import PhysMemory
from a64jit.runtime.sysreg_defs import SCTLR
from a64jit.translator.engine import create_engine
from tests.differential.progs import DATA_REGIONS, REGION_SIZE, CODE_BASE, random_program, random_state
from tests.runtime.pagetables import Tables, AF, AP_EL0, AP_RO, MAIR, ATTR_DEVICE, UXN

PA_RAM = 0x8000_0000
CODE_PA = PA_RAM
DATA_PA = {DATA_REGIONS[0]: PA_RAM + 0x1_0000, DATA_REGIONS[1]: PA_RAM + 0x2_0000}
KINDS = ("rw", "rw", "ro", "el0", "el0ro", "noaf", "device", "unmapped")


def build(code, regs, mem, pages, el):
    pm = PhysMemory()
    pm.add_ram(PA_RAM, 1 << 20)
    pm.write_bytes(CODE_PA, code)
    for va, data in mem.items():
        pm.write_bytes(DATA_PA[va], data)
    cpu = Cpu(pm)
    t = Tables(pm, PA_RAM + 0x8_0000, 12, 48)
    code_attr = AF | (AP_EL0 | AP_RO if el == 0 else AP_RO | UXN)
    t.map(CODE_BASE, CODE_PA, code_attr)
    for (va, kind) in pages:
        base = next(b for b in DATA_REGIONS if b <= va < b + REGION_SIZE)
        pa = DATA_PA[base] + (va - base)
        if kind == "unmapped":
            continue
        attrs = {"rw": AF, "ro": AF | AP_RO, "el0": AF | AP_EL0, "el0ro": AF | AP_EL0 | AP_RO, "noaf": 0,
                 "device": AF | ATTR_DEVICE | AP_EL0}[kind]
        t.map(va, pa, attrs | UXN)
    sr = cpu.sysregs
    sr.set("TCR_EL1", 16 | 4 << 32 | 1 << 23)
    sr.set("TTBR0_EL1", t.root | 5 << 48)
    sr.set("MAIR_EL1", MAIR)
    sr.set("SCTLR_EL1", sr.get("SCTLR_EL1") & ~(SCTLR.A | SCTLR.SA | SCTLR.SA0) | SCTLR.M)
    cpu.set_pstate_el(el, 1 if el else 0)
    set_registers(cpu, regs)
    cpu.state.pc = CODE_BASE
    return cpu


def run(engine, code, regs, mem, pages, el, max_insns):
    cpu = build(code, regs, mem, pages, el)
    eng = create_engine(engine, cpu, code_range=(CODE_BASE, CODE_BASE + len(code)), use_cache=False)
    raised = []

    def on_exception(exc):
        raised.append((exc.ec, exc.iss, exc.far, exc.target_el))
        return "exception"

    def on_halt():
        cpu.halted = False
    run_engine(eng, cpu, max_insns=max_insns, on_exception=on_exception, on_halt=on_halt)
    eng.close()
    s = cpu.state
    return {"x": list(s.x), "nzcv": cpu.nzcv, "pc": s.pc, "el": s.el, "exc": raised, "insns": s.icount,
            "mem": [cpu.mem.read_bytes(pa, REGION_SIZE) for pa in DATA_PA.values()]}


def run_random(seed, programs, length=24, max_insns=200):
    rng = random.Random(seed)
    executed = faults = 0
    for i in range(programs):
        code = random_program(rng, length)
        regs, mem = random_state(rng)
        pages = [(base + off, rng.choice(KINDS)) for base in DATA_REGIONS for off in range(0, REGION_SIZE, 0x1000)]
        el = rng.choice((0, 1, 1))
        a = run("interp", code, regs, mem, pages, el, max_insns)
        b = run("jit", code, regs, mem, pages, el, max_insns)
        if a != b:
            diff = {k: (a[k], b[k]) for k in a if a[k] != b[k] and k != "mem"}
            raise AssertionError(f"seed {seed} program {i}: code {code.hex()} el {el} pages {pages}\n{diff}\n"
                                 f"mem equal: {a['mem'] == b['mem']}")
        executed += a["insns"]
        faults += any(e[0] in (0x24, 0x25) and e[1] & 0x3C in (0x04, 0x08, 0x0C) for e in a["exc"])
    return executed, faults


def test_random_programs_with_the_mmu_on():
    executed, faults = run_random(2024, 150)
    assert executed > 150 * 3 and faults > 10          # they run, and MMU faults happen


@pytest.mark.slow
def test_random_programs_with_the_mmu_on_long():
    total = 0
    for seed in range(40):
        total += run_random(5000 + seed, 100, 32, 400)[0]
    assert total > 100_000


def test_random_programs_with_the_mmu_on_at_the_hot_tier(monkeypatch):
    monkeypatch.setenv("A64JIT_HOT_THRESHOLD", "1")
    monkeypatch.setenv("A64JIT_HOT_SYNC", "1")
    monkeypatch.setenv("A64JIT_HOT_REGS", "2")
    executed, faults = run_random(2025, 100)
    assert executed > 100 * 3 and faults > 5
