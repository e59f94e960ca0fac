"""System time: the count behind CNTPCT_EL0 (ARM ARM D11.1 "The Generic
Timer": the system counter), the PL031's seconds, and the deadlines the run
loop turns into instruction budgets.

Two clocks:

- ``VirtualClock`` (the default): time follows the retired instruction
  count, one instruction = 1 ns, so the 62.5 MHz counter advances one tick
  per ``TICK_INSNS`` = 16 instructions.  Time the CPU spends idle in WFI is
  skipped, not waited: the clock jumps to the next deadline (``skip``).  Two
  runs of the same input see the same times, so they print the same.
- ``HostClock`` (``--clock host``): wall-clock time since the clock was made.

Both count in counter ticks; ``seconds()`` gives seconds since the epoch the
board chose (``epoch``: a fixed, documented date for the virtual clock).
"""
from __future__ import annotations

import time

CNTFRQ = 62_500_000          # Hz (QEMU virt, platform.md)
TICK_INSNS = 16              # instructions per counter tick: 1 instruction = 1 ns
#: the virtual clock's calendar start: 2026-01-01 00:00:00 UTC
VIRTUAL_EPOCH = 1_767_225_600


class VirtualClock:
    name = "virtual"

    def __init__(self, state, epoch: float = VIRTUAL_EPOCH):
        self.state = state           # CpuState: icount
        self.idle_insns = 0          # instruction-times skipped in WFI
        self.epoch = epoch

    def ticks(self) -> int:
        return (self.state.icount + self.idle_insns) // TICK_INSNS

    def insns_until(self, tick: int) -> int:
        """Instructions to retire before the counter reaches ``tick`` (>= 0)."""
        return max(0, tick * TICK_INSNS - (self.state.icount + self.idle_insns))

    def skip(self, tick: int) -> None:
        """Idle until the counter reads ``tick`` (WFI with a deadline)."""
        self.idle_insns += self.insns_until(tick)

    def seconds(self) -> float:
        return self.epoch + self.ticks() / CNTFRQ


class HostClock:
    name = "host"

    def __init__(self, state=None, epoch: float | None = None):
        self.t0 = time.monotonic_ns()
        self.epoch = time.time() if epoch is None else epoch

    def ticks(self) -> int:
        return (time.monotonic_ns() - self.t0) * CNTFRQ // 1_000_000_000

    def insns_until(self, tick: int) -> int:
        """A budget to come back after: about 1 ns per instruction, capped so
        that the run loop looks at the time again soon."""
        ns = (tick - self.ticks()) * 1_000_000_000 // CNTFRQ
        return max(0, min(ns, 2_000_000))

    def skip(self, tick: int) -> None:
        delay = (tick - self.ticks()) / CNTFRQ
        if delay > 0:
            time.sleep(min(delay, 0.05))

    def seconds(self) -> float:
        return self.epoch + self.ticks() / CNTFRQ


def make_clock(kind: str, state):
    if kind == "virtual":
        return VirtualClock(state)
    if kind == "host":
        return HostClock(state)
    raise ValueError(f"unknown clock {kind!r} (virtual or host)")
