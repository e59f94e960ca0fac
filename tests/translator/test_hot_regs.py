"""The hot tier's registers in SSA (JitEngine._relift): a module that loops
many times per entry is recompiled with guest registers, PC and the count in
SSA across its blocks; one entered about as often as it loops (a small
function's short loop, called from a loop) keeps them in the state.  Either
way the results, the instruction count and the exception are the
interpreter's."""
import pytest

from a64jit.runloop import run_engine
from a64jit.snippet import _make_cpu, _result
from a64jit.translator.engine import create_engine
from a64jit.translator.jit.engine import _closed_loop
from tests.asm import asm

BASE = 0x40000000

# A loop of 30,000 iterations in one batch: entered once, loops 30,000 times.
TIGHT = """
    mov x0, #30000
    mov x1, #0
    mov x2, #1
1:  eor x1, x2, x1, ror #7
    add x2, x2, x1, lsr #3
    subs x0, x0, #1
    b.ne 1b
    brk #1
"""

# A function with a loop of one iteration, called 30,000 times: its module
# is entered once per iteration of its loop.
CALLS = """
    mov x19, #30000
    mov x1, #0
1:  mov x0, #1
    bl 3f
    subs x19, x19, #1
    b.ne 1b
    brk #1
    .balign 4096
3:  add x1, x1, x0, lsl #2
    subs x0, x0, #1
    b.ne 3b
    ret
"""


def run(code, engine, monkeypatch):
    monkeypatch.setenv("A64JIT_HOT_SYNC", "1")          # deterministic: swapped in at once
    monkeypatch.delenv("A64JIT_HOT_REGS", raising=False)
    monkeypatch.delenv("A64JIT_HOT_THRESHOLD", raising=False)
    cpu = _make_cpu(code, {}, {}, BASE, True)
    eng = create_engine(engine, cpu, code_range=(BASE, BASE + len(code)), use_cache=False)
    raised = []
    try:
        run_engine(eng, cpu, max_insns=2_000_000, on_exception=lambda e: raised.append(e.as_dict()) or "exception")
        stats = getattr(eng, "stats", None)
        return _result(cpu, {}, raised[0] if raised else None, cpu.state.icount), stats
    finally:
        eng.close()


@pytest.mark.parametrize("prog, ssa", [(TIGHT, True), (CALLS, False)])
def test_loops_get_registers_in_ssa_and_calls_do_not(prog, ssa, monkeypatch):
    code = asm(prog)
    ref, _ = run(code, "interp", monkeypatch)
    got, stats = run(code, "jit", monkeypatch)
    assert got == ref
    assert ref["exception"] is not None and ref["insns"] > 100_000
    assert stats.hot_recompiles >= 1
    assert (stats.hot_ssa >= 1) == ssa


class _B:
    def __init__(self, pc, chains, last):
        self.pc, self.chains, self.words = pc, chains, [last]


B_COND, RET, BL = 0x54000001, 0xD65F03C0, 0x94000010


def test_closed_loop_needs_a_cycle_of_chains_without_calls_or_returns():
    assert _closed_loop([_B(0, [4], B_COND), _B(4, [0, 8], B_COND), _B(8, [], RET)])    # a loop, then RET
    assert not _closed_loop([_B(0, [4], B_COND), _B(4, [8], B_COND), _B(8, [], RET)])   # no cycle
    assert not _closed_loop([_B(0, [4], BL), _B(4, [0], B_COND)])                       # a call on the loop
    assert not _closed_loop([_B(0, [0], RET)])
