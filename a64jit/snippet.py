"""The stable test-harness API: run a short piece of guest code.

``run_snippet(code, *, engine="interp", regs={}, mem={}, base=0x40000000,
max_insns=10000, fp=True) -> dict``

The code runs at EL1h, the code region [base, base+len(code)) and each
``mem`` region behaving as Normal memory at their addresses (ordinary
unaligned accesses allowed: SCTLR_EL1.A = SA = 0, MMU off); every other
address is unmapped, so an access there is a data abort.  It stops after
``max_insns`` completed instructions, when PC leaves the code region, or at
the first exception, which is reported (not taken) with PC at the
instruction that raised it.

Returns ``{"regs": {...}, "pc": int, "mem": {base: bytes}, "exception": None
or {"ec", "iss", "far"}, "insns": int}`` with register keys x0..x30, sp (the
current stack pointer: SP_EL1 at entry, SP_EL0 after MSR SPSel, #0), nzcv
(bits 31:28), v0..v31 (128-bit ints), fpcr, fpsr.  PSTATE at entry: EL1h,
DAIF masked (its reset value), CPACR_EL1.FPEN = 0b11 (FP/AdvSIMD not
trapped).  ``fp=False`` turns the FP/AdvSIMD instructions off
(``Cpu.fp_enabled``: they are UNDEFINED) and leaves CPACR_EL1 at reset.
Differential tests and
tools depend on this contract: keep it stable.
"""
from __future__ import annotations

from .runtime.cpu import Cpu
from .runtime.memory import PhysMemory
from .runtime.sysreg_defs import SCTLR
from .translator.engine import create_engine, ENGINES
from .runloop import run_engine


def _make_cpu(code: bytes, regs: dict, mem: dict, base: int, fp: bool = True) -> Cpu:
    pm = PhysMemory()
    pm.add_ram(base, len(code), bytes(code))
    for addr, data in mem.items():
        pm.add_ram(addr, len(data), bytes(data))
    cpu = Cpu(pm)
    cpu.fp_enabled = fp
    if fp:
        cpu.sysregs.set("CPACR_EL1", 3 << 20)          # FPEN = 0b11: no FP/AdvSIMD traps
    cpu.set_pstate_el(1, 1)                          # EL1h
    cpu.sysregs.set("SCTLR_EL1", cpu.sysregs.get("SCTLR_EL1") & ~(SCTLR.M | SCTLR.A | SCTLR.SA | SCTLR.SA0))
    set_registers(cpu, regs)
    cpu.state.pc = base
    return cpu


def set_registers(cpu: Cpu, regs: dict) -> None:
    """Set registers named as run_snippet names them (x0..x30, sp = the
    current SP, nzcv, v0..v31, fpcr, fpsr)."""
    s = cpu.state
    for k, v in regs.items():
        if k == "sp":
            s.x[31] = v
        elif k == "nzcv":
            cpu.set_nzcv(v)
        elif k == "pc":
            raise ValueError("PC is the code base; pass base=")
        elif k in ("fpcr", "fpsr"):
            setattr(s, k, v)
        elif k[0] == "x" and k[1:].isdigit() and int(k[1:]) < 31:
            s.x[int(k[1:])] = v & ((1 << 64) - 1)
        elif k[0] == "v" and k[1:].isdigit() and int(k[1:]) < 32:
            n = int(k[1:])
            s.vreg[2 * n] = v & ((1 << 64) - 1)
            s.vreg[2 * n + 1] = v >> 64 & ((1 << 64) - 1)
        else:
            raise ValueError(f"unknown register {k!r}")


def _result(cpu: Cpu, mem: dict, exception, insns: int) -> dict:
    s = cpu.state
    regs = {f"x{i}": s.x[i] for i in range(31)}
    regs["sp"] = s.x[31]                # the current stack pointer (SP_EL0 after MSR SPSel, #0)
    regs["nzcv"] = cpu.nzcv
    for i in range(32):
        regs[f"v{i}"] = s.vreg[2 * i] | s.vreg[2 * i + 1] << 64
    regs["fpcr"], regs["fpsr"] = s.fpcr, s.fpsr
    out_mem = {addr: cpu.mem.read_bytes(addr, len(data)) if len(data) else b"" for addr, data in mem.items()}
    return {"regs": regs, "pc": s.pc, "mem": out_mem, "exception": exception, "insns": insns}


def run_snippet(code: bytes, *, engine: str = "interp", regs: dict = {}, mem: dict = {},
                base: int = 0x40000000, max_insns: int = 10000, fp: bool = True) -> dict:
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r} (available: {', '.join(ENGINES)})")
    cpu = _make_cpu(code, regs, mem, base, fp)
    # No disk cache for snippets: they are many and short (a test suite would
    # leave hundreds of thousands of entries); identical code is still linked
    # once per process.
    eng = create_engine(engine, cpu, code_range=(base, base + len(code)), use_cache=False)
    raised = []

    def on_exception(exc):
        raised.append(exc.as_dict())
        return "exception"

    def on_halt():                 # WFI: nothing will wake it; carry on
        cpu.halted = False

    try:
        run_engine(eng, cpu, max_insns=max_insns, on_exception=on_exception, on_halt=on_halt)
    finally:
        eng.close()
    return _result(cpu, mem, raised[0] if raised else None, cpu.state.icount)
