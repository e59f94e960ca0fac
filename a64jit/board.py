"""The ``virt`` board: QEMU's ``-M virt,virtualization=on,gic-version=3``
machine with one Cortex-A57-like CPU (platform.md section 4).

| what | where |
| --- | --- |
| RAM | 0x4000_0000, ``ram_size`` bytes |
| GICv3 distributor / redistributor | 0x0800_0000 (64 KiB) / 0x080A_0000 (128 KiB) |
| PL011 UART | 0x0900_0000, SPI 1 (INTID 33) |
| PL031 RTC | 0x0901_0000, SPI 2 (INTID 34) |
| timers | EL1 physical INTID 30, virtual 27, EL2 physical 26; GIC maintenance 25 |
| PSCI 1.1 | SMC, answered by the board as firmware (QEMU 7.2 reports 1.1) |

The board owns time (runtime/clock.py): before each engine run it caps the
budget at the next device deadline (a timer, the RTC match) so the engine
stops exactly there; after each return it lets the devices drive their
interrupt lines.  A WFI with nothing pending skips to the next deadline
(virtual clock) or sleeps until it (host clock).  The run ends when the
guest powers off or resets through PSCI, at an instruction limit, on a stop
request (signal, timeout, Ctrl-A X: ``request_stop``, safe from any thread),
or when the guest is stuck (an exception taken at its own vector again and
again; a WFI nothing can wake).
"""
from __future__ import annotations

import collections
import gc
import sys
import threading
import time

from .runtime.cpu import Cpu
from .runtime.memory import PhysMemory
from .runtime.exceptions import GuestException, EC_SMC64
from .runtime.abi import request_exit, clear_host_request, PENDING_HOST
from .runtime.devices.gicv3 import GicV3
from .runtime.devices.pl011 import Pl011
from .runtime.devices.pl031 import Pl031
from .runtime.devices.psci import Psci
from .runtime.devices.timer import TIMERS
from .runtime.clock import CNTFRQ
from .translator.engine import create_engine
from .runloop import run_engine

RAM_BASE = 0x4000_0000
GICD_BASE, GICD_SIZE = 0x0800_0000, 0x1_0000
GICR_BASE, GICR_SIZE = 0x080A_0000, 0x2_0000
UART_BASE, RTC_BASE, DEV_SIZE = 0x0900_0000, 0x0901_0000, 0x1000
UART_INTID, RTC_INTID = 33, 34
GIC_MAINT_INTID = 25
DEFAULT_RAM = 512 << 20
MAX_RAM = 255 << 30          # below the virt board's high-memory devices
#: JIT modules made between two gc.freeze() calls (Board.update)
FREEZE_EVERY = 256
#: consecutive exceptions taken at the vector of their own PC that mean "stuck"
STUCK_EXCEPTIONS = 1000
#: the longest engine run between two looks at stop requests and input
MAX_SLICE = 1 << 24
#: ... while console input waits for room in the UART's receive FIFO
INPUT_SLICE = 100_000


#: reasons a run ends that are not failures (exit status 0)
OK_REASONS = ("poweroff", "reset", "instruction limit")
DEBUG_INTERRUPT = "debugger interrupt"


class RunResult:
    def __init__(self, reason: str, insns: int, seconds: float, ok: bool):
        self.reason, self.insns, self.seconds, self.ok = reason, insns, seconds, ok


class _Notifying:
    """A device whose register writes may move a deadline: ``notify`` after each."""

    def __init__(self, device, notify):
        self.device, self.notify = device, notify

    def mmio_read(self, offset, size):
        return self.device.mmio_read(offset, size)

    def mmio_write(self, offset, size, value):
        self.device.mmio_write(offset, size, value)
        self.notify()


class _UartTrace:
    """The console stream, also written to the trace being recorded."""

    def __init__(self, out, cpu):
        self.out, self.cpu = out, cpu

    def write(self, data: bytes):
        t = self.cpu.tracer
        if t is not None:
            s = self.cpu.state
            t.uart(s.icount, s.pc, s.el, data)
        return self.out.write(data)

    def flush(self) -> None:
        self.out.flush()


class Board:
    def __init__(self, ram_size: int = DEFAULT_RAM, out=None, clock: str = "virtual"):
        self.mem = PhysMemory()
        self.ram_size = ram_size
        self.ram = self.mem.add_ram(RAM_BASE, ram_size)
        self.cpu = cpu = Cpu(self.mem, clock=clock)
        self.clock = cpu.clock
        self.gic = GicV3(cpu, num_irqs=256)      # 224 SPIs, as QEMU virt (NUM_IRQS 256)
        cpu.sysregs.attach(self.gic, self.gic.SYSREG_NAMES)
        self.mem.add_mmio(GICD_BASE, GICD_SIZE, self.gic.dist)
        self.mem.add_mmio(GICR_BASE, GICR_SIZE, self.gic.redist)
        for t, spec in TIMERS.items():
            cpu.timer.connect(t, self.gic.line(spec[4]))
        self.out = out if out is not None else sys.stdout.buffer
        self.uart = Pl011(self.out, irq=self.gic.line(UART_INTID), warn=cpu.warn)
        self.mem.add_mmio(UART_BASE, DEV_SIZE, self.uart)
        self.rtc = Pl031(self.clock.seconds, irq=self.gic.line(RTC_INTID), warn=cpu.warn)
        self.mem.add_mmio(RTC_BASE, DEV_SIZE, _Notifying(self.rtc, self._deadline_moved))
        cpu.timer.on_change = self._deadline_moved
        self.psci = Psci(cpu)
        self.engine = None                      # the engine of the last run (its stats stay readable)
        self.jit = None
        self._frozen_at = 0                     # the engine's modules_made at the last gc.freeze()
        # input for the UART (bytes from any thread) and stop requests
        self._input = collections.deque()
        self._input_lock = threading.Lock()
        self.input_open = False                 # True while a host input source may still deliver bytes
        self._stop = None
        self._debug_break = False               # a debugger's Ctrl-C: stop, resumable (a64jit/debug.py)
        self._stuck_count = 0

    # -- loading ---------------------------------------------------------------
    def load(self, addr: int, data: bytes) -> None:
        self.mem.write_bytes(addr, data)

    def enter(self, pc: int, el: int = 2, x0: int = 0) -> None:
        """Boot-contract entry state: ELxh, DAIF masked, MMU off, x0 = DTB
        (a64jit/boot.py sets the rest the contract names)."""
        cpu = self.cpu
        cpu.set_pstate_el(el, 1)
        cpu.state.daif = 0x3C0
        cpu.state.x[0] = x0
        for i in (1, 2, 3):
            cpu.state.x[i] = 0
        cpu.state.pc = pc

    # -- host side: input and stop requests (any thread) -------------------------
    def feed_input(self, data: bytes) -> None:
        with self._input_lock:
            self._input.extend(data)
        request_exit(self.cpu.state, PENDING_HOST)

    def request_stop(self, reason: str) -> None:
        if self._stop is None:
            self._stop = reason
        request_exit(self.cpu.state, PENDING_HOST)

    def debug_interrupt(self) -> None:
        """Stop the running guest for a debugger (any thread): the run returns
        "debugger interrupt" and can be resumed."""
        self._debug_break = True
        request_exit(self.cpu.state, PENDING_HOST)

    def _deadline_moved(self) -> None:
        """A timer or the RTC was programmed while the engine runs with a
        budget computed before: make it come back, so that the next budget
        ends at the new deadline (else the interrupt would come late, at the
        end of the slice)."""
        request_exit(self.cpu.state, PENDING_HOST)

    # -- the run loop's events interface ------------------------------------------
    def update(self) -> None:
        """Devices catch up with time and input: timer outputs, RTC match,
        UART receive."""
        self.cpu.timer.update()
        self.rtc.update()
        self.uart.flush_output()
        made = getattr(self.engine, "modules_made", 0)
        if made - self._frozen_at >= FREEZE_EVERY:
            # The JIT's tables (translations, modules) live as long as the run:
            # out of the cyclic collector's sight, full collections no longer
            # walk them (a warm Linux boot: 23.2 -> 17.5 s).  (gc.freeze:
            # refcounting still frees them when they are dropped.)
            gc.freeze()
            self._frozen_at = made
        if self._input:
            with self._input_lock:
                n = self.uart.rx_room()
                if n:
                    chunk = bytes(self._input.popleft() for _ in range(min(n, len(self._input))))
                    self.uart.feed(chunk)

    def _deadline(self) -> int | None:
        """The next counter tick at which a device acts, or None."""
        d = self.cpu.timer.next_deadline()
        rs = self.rtc.next_deadline_seconds()
        if rs is not None:
            tick = int((rs - self.clock.epoch) * CNTFRQ) + 1
            d = tick if d is None else min(d, tick)
        return d

    def budget(self, left: int) -> int:
        left = min(left, MAX_SLICE if not self._input else INPUT_SLICE)
        d = self._deadline()
        if d is None:
            return left
        return max(1, min(left, self.clock.insns_until(d)))

    def stop_reason(self):
        """A stop request, or None; the host's exit request is seen (a new
        one after this sets it again)."""
        clear_host_request(self.cpu.state)
        if self._stop is None and self._debug_break:
            self._debug_break = False
            return DEBUG_INTERRUPT
        return self._stop

    def idle(self) -> str | None:
        """The CPU waits in WFI with nothing pending: skip (or sleep) to the
        next deadline, or wait for input; a reason when nothing can wake it."""
        self.uart.flush_output()
        d = self._deadline()
        if d is not None:
            self.clock.skip(d)
            return None
        if self.input_open or self._input:
            time.sleep(0.002)                   # input may come: wait for it (a stop request ends it)
            return None
        return "guest stuck: WFI with no interrupt source that can wake it"

    # -- exceptions --------------------------------------------------------------
    def _on_exception(self, exc: GuestException) -> str | None:
        cpu = self.cpu
        if exc.ec == EC_SMC64 and exc.target_el is None:
            return self.psci.call()
        pc = cpu.state.pc
        cpu.take_exception(exc)
        if cpu.state.pc == pc:                  # taken at the vector of the instruction that raised it
            self._stuck_count += 1
            if self._stuck_count >= STUCK_EXCEPTIONS:
                return (f"guest stuck: exception EC={exc.ec:#04x} taken at its own vector {pc:#x} "
                        f"{STUCK_EXCEPTIONS} times in a row")
        else:
            self._stuck_count = 0
        return None

    def start_trace(self, writer) -> None:
        """Record a trace (runtime/trace.py): the CPU's events, and the console."""
        self.cpu.start_trace(writer)
        self.uart.out = _UartTrace(self.uart.out, self.cpu)

    def tap_console(self):
        """Record each console line with the instruction count at its end
        (a64jit/profile.py ``ConsoleTap``); returns the tap."""
        from .profile import ConsoleTap
        tap = self.uart.out = ConsoleTap(self.uart.out, self.cpu.state)
        return tap

    def run(self, max_insns: int | None = None, engine: str = "jit", use_cache: bool | None = None,
            profile: bool = False) -> RunResult:
        """Run on the engine "jit" or "interp" until the guest powers off or
        resets, is stuck, is stopped, or ``max_insns`` retire.  ``profile``:
        time the JIT's runtime entries too (a64jit/profile.py)."""
        s = self.cpu.state
        start_icount = s.icount
        t0 = time.perf_counter()
        self.start(engine, use_cache, profile)
        reason = self.resume(max_insns)
        return RunResult(reason, s.icount - start_icount, time.perf_counter() - t0, reason in OK_REASONS)

    def start(self, engine: str = "jit", use_cache: bool | None = None, profile: bool = False) -> None:
        """A new engine for the next ``resume`` (the old one's code is given back)."""
        if self.engine is not None:
            self.engine.close()
        eng = create_engine(engine, self.cpu, use_cache=use_cache)
        self.engine, self._frozen_at = eng, 0
        self.jit = eng if eng.name == "jit" else None
        if profile and self.jit is not None:
            eng.profile_helpers()

    def resume(self, max_insns: int | None = None, on_debug=None) -> str:
        """Run the engine ``start`` made until a reason to stop (see ``run``;
        with a debugger also a breakpoint, a watchpoint or DEBUG_INTERRUPT)."""
        try:
            return run_engine(self.engine, self.cpu, max_insns=max_insns, on_exception=self._on_exception,
                              on_halt=None, events=self, on_debug=on_debug)
        finally:
            self.uart.flush_output()
