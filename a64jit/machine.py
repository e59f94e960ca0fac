"""The machine run loop (phase 1): one CPU, RAM, a transmit-only PL011 data
register and PSCI-over-SMC answered as firmware.  The full ``virt`` board
(GICv3, timers, PL011 with interrupts, PL031, device tree) comes with the
board issue and replaces ``MinimalUart``.

Exceptions raised by instructions are taken architecturally
(``Cpu.take_exception``) except SMC with no EL3, which the board answers as
firmware (PSCI 1.0), as QEMU does with ``virtualization=on``.
"""
from __future__ import annotations

import sys
import time

from .runtime.cpu import Cpu
from .runtime.memory import PhysMemory
from .runtime.exceptions import GuestException, EC_SMC64
from .translator.engine import create_engine
from .runloop import run_engine

RAM_BASE = 0x4000_0000
UART_BASE = 0x0900_0000

PSCI_VERSION, PSCI_FEATURES = 0x84000000, 0x8400000A
PSCI_SYSTEM_OFF, PSCI_SYSTEM_RESET = 0x84000008, 0x84000009
PSCI_NOT_SUPPORTED = (1 << 64) - 1        # -1


class MinimalUart:
    """The PL011 data register only (UARTDR at offset 0): bytes written go to
    ``out``; flag register reads say "transmit FIFO empty"."""

    def __init__(self, out):
        self.out = out

    def mmio_read(self, offset, size):
        if offset == 0x18:                    # UARTFR: TXFE set, BUSY/TXFF clear
            return 1 << 7
        return 0

    def mmio_write(self, offset, size, value):
        if offset == 0:
            b = bytes([value & 0xFF])
            self.out.write(b)
            self.out.flush()


class RunResult:
    def __init__(self, reason: str, insns: int, seconds: float):
        self.reason, self.insns, self.seconds = reason, insns, seconds


class Machine:
    def __init__(self, ram_size: int = 512 << 20, out=None):
        self.mem = PhysMemory()
        self.ram = self.mem.add_ram(RAM_BASE, ram_size)
        self.uart = MinimalUart(out or sys.stdout.buffer)
        self.mem.add_mmio(UART_BASE, 0x1000, self.uart)
        self.cpu = Cpu(self.mem)
        self.engine = None                      # the engine of the last run (its stats stay readable)
        self.jit = None

    def load(self, addr: int, data: bytes) -> None:
        self.mem.write_bytes(addr, data)

    def enter(self, pc: int, el: int = 2, x0: int = 0) -> None:
        """Boot-contract entry state: ELxh, DAIF masked, MMU off, x0 = DTB."""
        cpu = self.cpu
        cpu.set_pstate_el(el, 1)
        cpu.state.daif = 0x3C0
        cpu.state.x[0] = x0
        cpu.state.pc = pc

    def _firmware_call(self, exc: GuestException) -> bool:
        """PSCI over SMC (SMCCC): True when the call ended the run."""
        s = self.cpu.state
        fid = s.x[0] & 0xFFFFFFFF
        if fid == PSCI_VERSION:
            s.x[0] = 0x10000                  # PSCI 1.0
        elif fid in (PSCI_SYSTEM_OFF, PSCI_SYSTEM_RESET):
            return True
        elif fid == PSCI_FEATURES:
            s.x[0] = 0 if s.x[1] & 0xFFFFFFFF in (PSCI_VERSION, PSCI_SYSTEM_OFF, PSCI_SYSTEM_RESET, PSCI_FEATURES) else PSCI_NOT_SUPPORTED
        else:
            s.x[0] = PSCI_NOT_SUPPORTED
        s.pc += 4
        return False

    def _handle(self, exc: GuestException) -> bool:
        """Deal with an exception raised by the guest; True when the run ends."""
        if exc.ec == EC_SMC64 and exc.target_el is None:
            return self._firmware_call(exc)
        self.cpu.take_exception(exc)
        return False

    def run(self, max_insns: int | None = None, engine: str = "jit", use_cache: bool | None = None) -> RunResult:
        """Run on the engine "jit" or "interp" until the guest powers off,
        halts with nothing to wake it, leaves RAM, or ``max_insns``."""
        cpu, s = self.cpu, self.cpu.state
        start_icount = s.icount
        t0 = time.perf_counter()
        if self.engine is not None:
            self.engine.close()                 # a new run, a new engine: give the old one's code back
        eng = create_engine(engine, cpu, use_cache=use_cache)
        self.engine = eng
        self.jit = eng if eng.name == "jit" else None
        try:
            reason = run_engine(eng, cpu, max_insns=max_insns,
                                on_exception=lambda exc: "PSCI SYSTEM_OFF" if self._handle(exc) else None,
                                on_halt=lambda: "WFI with no interrupt source")
        except KeyboardInterrupt:
            reason = "interrupted"
        return RunResult(reason, s.icount - start_icount, time.perf_counter() - t0)
