"""The engine interface: what the run loop (a64jit/runloop.py) needs from a
way of executing guest code on one CPU.  Two engines implement it: the
reference interpreter (translator/interp.py) and the JIT
(translator/jit/engine.py).

``run(budget)`` executes until ``budget`` more instructions have retired or
something needs the caller, and says why it stopped:

- ``BUDGET``: the budget is used up;
- ``EXCEPTION``: the instruction at PC raised the returned GuestException
  (not taken: PC and state are at the faulting instruction);
- ``PENDING``: an event needs the caller (the CPU is halted in WFI, ...);
- ``NO_CODE``: PC is outside the code the engine was allowed to run
  (``code_range``);
- ``DEBUG``: the next instruction is at one of ``breakpoints`` (nothing of
  it executed), or an access touched a watchpoint (the returned WatchHit;
  the instruction has not retired).

A debugger (a64jit/debug.py) sets ``breakpoints`` with ``set_breakpoints``
and ``skip_pc`` to step off a breakpoint: the breakpoint at ``skip_pc`` does
not stop the engine until an instruction has retired.
"""
from __future__ import annotations

from abc import ABC, abstractmethod

BUDGET, EXCEPTION, PENDING, NO_CODE, DEBUG = "budget", "exception", "pending", "untranslatable", "debug"
ENGINES = ("jit", "interp")


class Engine(ABC):
    name: str
    stats = None              # engine-specific counters (the JIT's translation figures), or None

    breakpoints: frozenset = frozenset()
    skip_pc: int | None = None

    @abstractmethod
    def run(self, budget: int) -> tuple[str, object]:
        """(status, GuestException or None); see the module docstring."""

    def set_breakpoints(self, addrs) -> None:
        """Stop (DEBUG) before executing an instruction at any of these virtual addresses."""
        self.breakpoints = frozenset(addrs)

    def close(self) -> None:
        """Give back what the engine holds (the JIT: its linked code)."""


def create_engine(kind: str, cpu, *, code_range: tuple[int, int] | None = None,
                  use_cache: bool | None = None) -> Engine:
    """An engine for ``cpu``: "jit" or "interp".  ``code_range`` = (lo, hi):
    execute only PCs in [lo, hi) (NO_CODE outside); ``use_cache``: the JIT's
    persistent code cache (None: as the environment says)."""
    if kind == "jit":
        from .jit import JitEngine
        return JitEngine(cpu, code_range=code_range, use_cache=use_cache)
    if kind == "interp":
        from .interp import InterpEngine
        return InterpEngine(cpu, code_range=code_range)
    raise ValueError(f"unknown engine {kind!r} (available: {', '.join(ENGINES)})")
