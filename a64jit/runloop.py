"""The one run loop: an engine (translator/engine.py) runs a CPU until an
instruction limit or until a policy says stop.  The board and
``run_snippet`` differ only in their policies: what an exception means
(taken, answered as firmware, or reported), what a halted CPU means, and
whether devices and time take part (``events``)."""
from __future__ import annotations

from .translator.engine import EXCEPTION, NO_CODE, DEBUG

CHUNK = 1 << 62              # budget per engine call when there is no limit


def run_engine(engine, cpu, *, max_insns: int | None, on_exception, on_halt=None, events=None,
               on_debug=None) -> str:
    """Run until ``max_insns`` more instructions have retired (None: no
    limit) or a policy returns a reason to stop.  ``on_exception(exc)`` and
    ``on_halt()`` return None to carry on or the reason (a string).

    ``events`` (the board) brings devices and time in: ``update()`` before
    each engine call (devices drive their interrupt lines from time and
    input), ``budget(left)`` caps the engine's budget at the next device
    deadline, ``idle()`` replaces ``on_halt`` (skip to the next deadline, or
    a reason to stop), ``stop_reason()`` is a stop request (a signal, a
    timeout) or None.  ``on_debug(hit)``: a breakpoint (hit None) or a
    watchpoint (a WatchHit) stopped the engine (a64jit/debug.py); it returns
    the reason.  Returns the reason the run stopped."""
    s = cpu.state
    start = s.icount
    while max_insns is None or s.icount - start < max_insns:
        if events is not None:
            stop = events.stop_reason()
            if stop is not None:
                return stop
            events.update()
        if cpu.async_dirty:                      # at an instruction boundary: take what is pending
            irq = cpu.pending_interrupt()
            if irq is not None:
                cpu.take_interrupt(*irq)
        if cpu.halted:                           # in WFI
            if cpu.wakeup_pending():             # ends on a pending interrupt, masked or not
                cpu.halted = False
            else:
                reason = events.idle() if events is not None else on_halt()
                if reason is not None:
                    return reason
                continue
        left = CHUNK if max_insns is None else max_insns - (s.icount - start)
        if events is not None:
            left = events.budget(left)
        status, exc = engine.run(left)
        if status == EXCEPTION:
            reason = on_exception(exc)
        elif status == NO_CODE:
            reason = f"no code at {s.pc:#x}"
        elif status == DEBUG:
            reason = on_debug(exc) if on_debug is not None else "breakpoint"
        else:
            continue                             # the budget, or an event (WFI, an interrupt, a stop request)
        if reason is not None:
            return reason
    return "instruction limit"
