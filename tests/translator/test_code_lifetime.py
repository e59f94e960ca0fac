"""Code that is dropped is really freed: a guest that patches and runs its
own code thousands of times (as Linux patches its text at boot) must not
make the JIT's mapped code grow."""
import io

from a64jit.board import Board
from a64jit.runloop import run_engine
from a64jit.translator.jit import JitEngine, JitConfig
from a64jit.translator.jit.llvm import llvm_jit, MODULES_KEPT
from tests.asm import asm

LOAD = 0x40200000
RAM = 16 << 20
# The patched code: the last two words of RAM (its own page, so only it is
# invalidated, and nothing after it for the JIT to explore).
PATCH = 0x40000000 + RAM - 8
PATCHED = "movz x0, #0; ret"
PROGRAM = f"""
    mov x20, #0
    ldr x21, =0x{PATCH:x}
    ldr x22, =0xffffffff
    movz w3, #0xd280, lsl #16          // MOVZ X0, #imm16: 0xd2800000 | imm16 << 5
1:  and x1, x20, #0xffff
    orr w2, w3, w1, lsl #5
    str w2, [x21]                      // patch the code...
    dc cvau, x21
    dsb ish
    ic ivau, x21                       // ...make it visible to instruction fetch...
    dsb ish
    isb
    blr x21                            // ...and run it
    cmp x0, x1
    b.ne 2f
    add x20, x20, #1
    cmp x20, x22
    b.ne 1b
2:  brk #1                             // wrong result: stop
    .ltorg
"""


def exec_mapped_bytes() -> int:
    """Anonymous executable mappings of this process (where LLJIT puts code)."""
    total = 0
    with open("/proc/self/maps") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) < 6 and "x" in parts[1]:
                lo, hi = (int(x, 16) for x in parts[0].split("-"))
                total += hi - lo
    return total


def test_mapped_code_does_not_grow_over_thousands_of_patch_cycles():
    m = Board(ram_size=RAM, out=io.BytesIO())
    m.load(LOAD, asm(PROGRAM))
    m.load(PATCH, asm(PATCHED))
    m.enter(LOAD)
    eng = JitEngine(m.cpu, config=JitConfig(cache_enabled=False, hot_threshold=0))
    per_cycle = 17                    # instructions per cycle (loop body + the patched pair)

    def cycles(n):
        reason = run_engine(eng, m.cpu, max_insns=n * per_cycle, on_exception=lambda e: f"exception {e}",
                            on_halt=lambda: "halt")
        assert reason == "instruction limit", reason

    L = llvm_jit()
    cycles(MODULES_KEPT + 400)        # past the point where freed modules stop being kept for reuse
    live0, mapped0, dropped0 = L.live_modules(), exec_mapped_bytes(), eng.stats.modules_dropped
    cycles(2500)
    live1, mapped1 = L.live_modules(), exec_mapped_bytes()
    done = m.cpu.state.x[20]
    assert done >= MODULES_KEPT + 400 + 2500 - 2               # every cycle ran its freshly patched code
    assert eng.stats.modules_dropped - dropped0 >= 2500        # each one retranslated the page
    assert eng.stats.llvm_compiles >= done                     # (a new module each time: new immediate)
    assert eng.held_modules() <= 8                             # the engine keeps only what it runs
    assert live1 <= live0 + 2 and live1 <= MODULES_KEPT + 16   # linked code bounded...
    assert mapped1 <= mapped0 + (64 << 10), (mapped0, mapped1)  # ...and so is the memory it maps
    eng.close()
    assert L.live_modules() <= MODULES_KEPT + 4                # closing gives everything back (but the
    # four resident modules: the dispatcher, the jump-cache filler, the helper front, the write unmapper)
