"""The one run loop: an engine (translator/engine.py) runs a CPU until an
instruction limit or until a policy says stop.  The machine and
``run_snippet`` differ only in their policies: what an exception means
(taken, answered as firmware, or reported) and what a halted CPU means."""
from __future__ import annotations

from .translator.engine import EXCEPTION, PENDING, NO_CODE

CHUNK = 1 << 62              # budget per engine call when there is no limit


def run_engine(engine, cpu, *, max_insns: int | None, on_exception, on_halt) -> str:
    """Run until ``max_insns`` more instructions have retired (None: no
    limit) or a policy returns a reason to stop.  ``on_exception(exc)`` and
    ``on_halt()`` return None to carry on or the reason (a string).  Returns
    the reason the run stopped."""
    s = cpu.state
    start = s.icount
    while max_insns is None or s.icount - start < max_insns:
        if cpu.async_dirty:                      # at an instruction boundary: take what is pending
            irq = cpu.pending_interrupt()
            if irq is not None:
                cpu.take_interrupt(*irq)
        left = CHUNK if max_insns is None else max_insns - (s.icount - start)
        status, exc = engine.run(left)
        if status == EXCEPTION:
            reason = on_exception(exc)
        elif status == PENDING and cpu.halted:
            if cpu.wakeup_pending():             # WFI ends on a pending interrupt, masked or not
                cpu.halted = False
                continue
            reason = on_halt()
        elif status == NO_CODE:
            reason = f"no code at {s.pc:#x}"
        else:
            continue
        if reason is not None:
            return reason
    return "instruction limit"
