"""The guest under a debugger: ``a64jit boot ... -s`` / ``-S`` / ``-gdb tcp::PORT``.

``BoardTarget`` is the board as a64jit/gdbstub.py's ``GdbTarget``: the boot
CPU's registers (general, FP/SIMD, the system registers a kernel developer
reads), memory by virtual address through the current translation regime
(as QEMU's gdbstub reads it; RAM only: a debugger's read must not pop a
device's FIFO), breakpoints and watchpoints, continue and single step.

Breakpoints work under the JIT without the interpreter: an instruction at a
breakpoint is never part of a translated block (the blocks covering it are
dropped when it is set), so every way to it comes back to the engine's
dispatcher, which stops there (translator/engine.py ``DEBUG``).  A step is
one instruction.  Watchpoints: the pages they touch are never mapped for
the JIT's inline accesses, so every access to them reaches the runtime,
which stops before the instruction (it has not retired: PC points at it, as
an AArch64 watchpoint reports; GDB steps over it itself).

``run_debug`` is the run loop with a debugger: ``-S`` waits for it before
the first instruction; ``-s`` alone lets the guest run and stops it when a
debugger connects.  Detaching lets the guest run on to its end; a kill ends
the run.
"""
from __future__ import annotations

import threading

from .board import DEBUG_INTERRUPT, OK_REASONS
from .gdbstub import GdbServer, GdbTarget, GdbTargetError, StopReason, SIGINT, SIGTRAP, SYSREG_NAMES
from .runtime import sysreg_defs as D
from .runtime.exceptions import WatchHit
from .runtime.memory import Unmapped
from .runtime.mmu import MmuFault, READ

M64 = (1 << 64) - 1
_WATCH = {"write": "watch", "read": "rwatch", "access": "awatch"}
DEBUG_STOP = "debug stop"


class BoardTarget(GdbTarget):
    def __init__(self, board):
        self.board = board
        self.cpu = board.cpu
        self.bps = {"sw": set(), "hw": set()}
        self.watch: dict[tuple, int] = {}        # (addr, length, kind) -> how many times placed
        self._interrupt = threading.Event()
        self._hit = None
        self.finished: str | None = None         # why the guest's run ended (power-off, a stop request)
        self.killed = False

    # -- registers ---------------------------------------------------------------
    def _sysreg(self, name: str) -> int:
        if name == "CurrentEL":
            return self.cpu.state.el << 2
        try:
            return self.cpu.sysregs.get(name)
        except KeyError:                         # a constant register: its reset value
            d = D.BY_NAME.get(name)
            return d.reset if d is not None else 0

    def read_registers(self) -> dict[str, int]:
        s = self.cpu.state
        regs = {f"x{i}": s.x[i] for i in range(31)}
        regs.update(sp=s.x[31], pc=s.pc, cpsr=self.cpu.get_spsr_value() & 0xFFFFFFFF, fpsr=s.fpsr, fpcr=s.fpcr)
        for i in range(32):
            regs[f"v{i}"] = s.vreg[2 * i] | s.vreg[2 * i + 1] << 64
        for name in SYSREG_NAMES:
            regs[name] = self._sysreg(name)
        return regs

    def write_register(self, name: str, value: int) -> None:
        cpu, s = self.cpu, self.cpu.state
        if name.startswith("x") and name[1:].isdigit():
            s.x[int(name[1:])] = value & M64
        elif name == "sp":
            s.x[31] = value & M64
        elif name == "pc":
            s.pc = value & M64
        elif name == "cpsr":
            cpu.set_nzcv(value)
            s.daif = value & 0x3C0
            el, spsel = value >> 2 & 3, value & 1
            if el > 2 or value & 0x10:
                raise GdbTargetError("cpsr: EL3 and AArch32 do not exist here")
            cpu.set_pstate_el(el, spsel)
            cpu.async_dirty = True
        elif name.startswith("v") and name[1:].isdigit():
            i = int(name[1:])
            s.vreg[2 * i], s.vreg[2 * i + 1] = value & M64, value >> 64 & M64
        elif name in ("fpsr", "fpcr"):
            setattr(s, name, value & 0xFFFFFFFF)
        elif name == "CurrentEL":
            raise GdbTargetError("CurrentEL is read-only (write cpsr)")
        elif name in SYSREG_NAMES:
            try:
                cpu.sysregs.set(name, value)
            except KeyError:
                raise GdbTargetError(f"{name} is read-only") from None
            cpu.async_dirty = True
        else:
            raise GdbTargetError(f"no register {name}")

    # -- memory --------------------------------------------------------------------
    def _pa(self, va: int) -> int:
        """The physical address of ``va`` in the current translation regime, as a load would see it."""
        cpu = self.cpu
        try:
            return cpu.mmu.translate(va, READ, cpu.state.el)[0]
        except MmuFault:
            raise GdbTargetError(f"{va:#x}: translation fault") from None

    def read_memory(self, addr: int, length: int) -> bytes:
        out = bytearray()
        while length:
            n = min(length, 0x1000 - (addr & 0xFFF))
            try:
                out += self.cpu.mem.read_bytes(self._pa(addr), n)
            except (GdbTargetError, Unmapped):
                if out:
                    return bytes(out)            # a read that stops at a fault
                raise GdbTargetError(f"cannot read {addr:#x}") from None
            addr, length = (addr + n) & M64, length - n
        return bytes(out)

    def write_memory(self, addr: int, data: bytes) -> None:
        while data:                              # (RAM writes drop the translations they cover)
            n = min(len(data), 0x1000 - (addr & 0xFFF))
            try:
                self.cpu.mem.write_bytes(self._pa(addr), data[:n])
            except Unmapped:
                raise GdbTargetError(f"cannot write {addr:#x}") from None
            addr, data = (addr + n) & M64, data[n:]

    # -- breakpoints and watchpoints --------------------------------------------------
    def set_breakpoint(self, kind: str, addr: int, length: int) -> bool:
        if kind in self.bps:
            self.bps[kind].add(addr)
            self._apply()
            return True
        key = (addr, max(length, 1), kind)
        self.watch[key] = self.watch.get(key, 0) + 1
        self._apply()
        return True

    def clear_breakpoint(self, kind: str, addr: int, length: int) -> bool:
        if kind in self.bps:
            self.bps[kind].discard(addr)
        else:
            key = (addr, max(length, 1), kind)
            if self.watch.get(key, 0) > 1:
                self.watch[key] -= 1
            else:
                self.watch.pop(key, None)
        self._apply()
        return True

    def _apply(self) -> None:
        eng = self.board.engine
        eng.set_breakpoints(self.bps["sw"] | self.bps["hw"])
        self.cpu.set_watchpoints((a, a + n, k) for a, n, k in self.watch)
        if self.board.jit is not None:
            self.board.jit.flush_tlb()           # watched pages leave the inline fast path

    # -- running ---------------------------------------------------------------------
    def _on_debug(self, hit):
        self._hit = hit
        return DEBUG_STOP

    def resume(self, step: bool) -> StopReason:
        if self.finished is not None:
            return StopReason(exited=0 if self.finished in OK_REASONS else 1)
        if self._interrupt.is_set():
            self._interrupt.clear()
            return StopReason(SIGINT)
        s = self.cpu.state
        self.board.engine.skip_pc = s.pc         # (stepping off a breakpoint here)
        self._hit = None
        reason = self.board.resume(1 if step else None, on_debug=self._on_debug)
        self.board.engine.skip_pc = None
        self._interrupt.clear()
        if reason == DEBUG_STOP:
            hit = self._hit
            if isinstance(hit, WatchHit):
                return StopReason(SIGTRAP, watch=(_WATCH[hit.kind], hit.addr))
            return StopReason(SIGTRAP, breakpoint="sw" if s.pc in self.bps["sw"] else "hw")
        if reason == "instruction limit":
            return StopReason(SIGTRAP)
        if reason == DEBUG_INTERRUPT:
            return StopReason(SIGINT)
        self.finished = reason
        return StopReason(exited=0 if reason in OK_REASONS else 1)

    def interrupt(self) -> None:
        self._interrupt.set()
        self.board.debug_interrupt()

    def kill(self) -> None:
        self.killed = True
        self.finished = self.finished or "killed by the debugger"

    def detach(self) -> None:
        self.bps = {"sw": set(), "hw": set()}
        self.watch.clear()
        self._apply()


def run_debug(board, server: GdbServer, target: BoardTarget, wait: bool, log=print) -> str:
    """Run the board's started engine under the debugger until the guest's
    run ends; the reason it ended.  ``wait`` (-S): nothing runs before a
    debugger connects."""
    connected = threading.Event()

    def accept():
        try:
            server.wait_for_client()
        except OSError:
            return
        connected.set()
        board.debug_interrupt()                  # (-s: stop the running guest for it, as QEMU does)
    if wait:
        log(f"a64jit: waiting for gdb on {server.host}:{server.port} (target remote :{server.port})")
        server.wait_for_client()
        connected.set()
    else:
        log(f"a64jit: gdb can attach on {server.host}:{server.port} (target remote :{server.port})")
        threading.Thread(target=accept, name="a64jit-gdb-accept", daemon=True).start()
    while not connected.is_set():                # -s: running until a debugger connects
        reason = board.resume(None)
        if reason != DEBUG_INTERRUPT:
            return reason
    server.serve()
    if target.finished is not None:
        return target.finished
    target.detach()                              # detached, or the debugger went away: run on to the end
    while True:
        reason = board.resume(None)
        if reason != DEBUG_INTERRUPT:
            return reason
