"""Guest code with the MMU on, under both engines: the same registers,
memory and exceptions, and the values the architecture defines.  Code runs
at virtual addresses other than its physical ones; data through pages with
different permissions; code patched through an alias mapping; a mapping
changed by the guest and made visible with TLBI."""
import pytest

from a64jit.runloop import run_engine
from a64jit.runtime.cpu import Cpu
from a64jit.runtime.memory import PhysMemory
from a64jit.runtime.sysreg_defs import SCTLR, HCR
from a64jit.translator.engine import create_engine
from tests.asm import asm
from tests.runtime.pagetables import Tables, AF, AP_RO, MAIR

RAM = 0x4000_0000
CODE_VA, CODE_PA = 0x10_0000, RAM + 0x20_0000
DATA_VA, DATA_PA = 0x20_0000, RAM + 0x30_0000
ALIAS_VA = 0x40_0000          # the code page again, writable
TABLES_VA = 0x50_0000         # the page tables, so the guest can edit them


def machine(code: bytes, extra=()):
    mem = PhysMemory()
    mem.add_ram(RAM, 32 << 20)
    mem.write_bytes(CODE_PA, code)
    cpu = Cpu(mem)
    cpu.set_pstate_el(1, 1)
    t = Tables(mem, RAM + (16 << 20), 12, 48)
    for i in range(4):
        t.map(CODE_VA + 0x1000 * i, CODE_PA + 0x1000 * i, AF | AP_RO)
    t.map(DATA_VA, DATA_PA, AF)
    t.map(DATA_VA + 0x1000, DATA_PA + 0x1000, AF | AP_RO)
    t.map(DATA_VA + 0x2000, DATA_PA + 0x2000, AF)
    t.map(ALIAS_VA, CODE_PA, AF)
    t.map(ALIAS_VA + 0x1000, CODE_PA + 0x1000, AF)
    for va, pa, attrs in extra:
        t.map(va, pa, attrs)
    first_table = t.root
    tables_end = t.next + 0x3000                  # room for what mapping the tables adds
    for i, pa in enumerate(range(first_table, tables_end, 0x1000)):
        t.map(TABLES_VA + 0x1000 * i, pa, AF)
    sr = cpu.sysregs
    sr.set("TCR_EL1", 16 | 4 << 32 | 1 << 23)      # 48-bit, 4K, IPS 44, EPD1
    sr.set("TTBR0_EL1", t.root)
    sr.set("MAIR_EL1", MAIR)
    sr.set("SCTLR_EL1", sr.get("SCTLR_EL1") & ~(SCTLR.A | SCTLR.SA | SCTLR.SA0) | SCTLR.M)
    cpu.state.pc = CODE_VA
    return cpu, t


def run(code, engine, extra=(), setup=None, max_insns=100_000):
    cpu, t = machine(code, extra)
    if setup:
        setup(cpu, t)
    eng = create_engine(engine, cpu, use_cache=False)
    raised = []

    def on_exception(exc):
        raised.append((exc.ec, exc.iss, exc.far))
        return "exception"
    reason = run_engine(eng, cpu, max_insns=max_insns, on_exception=on_exception, on_halt=lambda: "halt")
    out = {"reason": reason, "x": list(cpu.state.x), "pc": cpu.state.pc, "exc": raised, "insns": cpu.state.icount,
           "data": cpu.mem.read_bytes(DATA_PA, 0x3000)}
    stats = eng.stats
    eng.close()
    return out, stats


def both(src, **kw):
    a, _ = run(asm(src), "interp", **kw)
    b, stats = run(asm(src), "jit", **kw)
    assert a == b
    return a, stats


def test_loop_over_mapped_data_then_a_permission_fault():
    r, stats = both(f"""
        mov x1, #{DATA_VA:#x}
        add x2, x1, #0x1000             // read-only page
        mov x3, #500
    1:  ldr x4, [x1, #8]
        add x4, x4, #1
        str x4, [x1, #8]
        ldr x6, [x2, #16]
        subs x3, x3, #1
        b.ne 1b
        add x7, x1, #4092
        ldr x5, [x7]                    // crosses into the read-only page
        str x4, [x2, #8]                // write to it: permission fault
    """)
    assert r["x"][4] == 500 and int.from_bytes(r["data"][8:16], "little") == 500
    assert r["exc"] == [(0x25, 0x40 | 0x0F, DATA_VA + 0x1008)]    # DABT, WnR, permission fault level 3
    assert r["pc"] == CODE_VA + 4 * 11
    assert stats.slow_accesses <= 8                                   # the loop hits the inline TLB


def test_unmapped_fetch_is_a_precise_instruction_abort():
    r, _ = both("mov x0, #1; mov x1, #0x700000; br x1")
    assert r["exc"] == [(0x21, 0x06, 0x70_0000)]      # translation fault, level 2 (empty L2 slot) and r["pc"] == 0x70_0000 and r["x"][0] == 1


def test_code_patched_through_an_alias_mapping():
    r, _ = both(f"""
        mov x20, #0
        mov x21, #{ALIAS_VA:#x}
        add x21, x21, #0x1000           // the same physical page as x22, writable
        mov x22, #{CODE_VA:#x}
        add x22, x22, #0x1000
        movz w3, #0xd280, lsl #16
    1:  orr w2, w3, w20, lsl #5
        str w2, [x21]
        dc cvau, x21
        dsb ish
        ic ivau, x22
        dsb ish
        isb
        blr x22
        cmp x0, x20
        b.ne 2f
        add x20, x20, #1
        cmp x20, #50
        b.ne 1b
    2:  brk #0
    """, setup=lambda cpu, t: cpu.mem.write_bytes(CODE_PA + 0x1000, asm("movz x0, #0; ret")))
    assert r["x"][20] == 50 and r["exc"][0][0] == 0x3C


def test_mapping_changed_by_the_guest_then_tlbi():
    def setup(cpu, t):
        cpu.mem.write(DATA_PA + 0x2000, 8, 1)          # data page A (VA DATA_VA + 0x2000)
        cpu.mem.write(DATA_PA + 0x3000, 8, 2)          # page B
        leaf = t.map(DATA_VA + 0x2000, DATA_PA + 0x2000, AF)
        cpu.state.x[10] = TABLES_VA + (leaf - t.root)  # where the guest finds the leaf descriptor
        cpu.state.x[11] = DATA_PA + 0x3000 | AF | 3    # the new descriptor: page B
    r, _ = both(f"""
        mov x1, #{DATA_VA:#x}
        add x1, x1, #0x2000
        ldr x2, [x1]                    // 1, through the old mapping (now in the TLBs)
        str x11, [x10]                  // remap the page to B
        dsb ish
        lsr x9, x1, #12
        tlbi vae1, x9
        dsb ish
        isb
        ldr x3, [x1]                    // 2, through the new one
        brk #1
    """, extra=[(0x60_0000, DATA_PA + 0x3000, AF)], setup=setup)
    assert r["x"][2] == 1 and r["x"][3] == 2 and r["exc"][0][0] == 0x3C


def _remap_then_tlbi():
    """Code (EL1, at FN_VA) and data (at DATA_VA + 0x2000) on non-global
    pages, remapped by the guest to other pages, made visible by TLBI
    ASIDE1 (the ASID of TTBR0_EL1: 0): the call returns 2 (FN_B) and the
    load reads 2 the second time; global translations stay valid (kept)."""
    from tests.runtime.pagetables import NG

    def setup(cpu, t):
        cpu.mem.write_bytes(FN_A, asm("movz x0, #1; ret"))
        cpu.mem.write_bytes(FN_B, asm("movz x0, #2; ret"))
        code_leaf = t.map(FN_VA, FN_A, AF | AP_RO | NG)
        cpu.mem.write(DATA_PA + 0x2000, 8, 1)
        cpu.mem.write(DATA_PA + 0x3000, 8, 2)
        data_leaf = t.map(DATA_VA + 0x2000, DATA_PA + 0x2000, AF | NG)
        cpu.state.x[10] = TABLES_VA + (code_leaf - t.root)
        cpu.state.x[11] = cpu.mem.read(code_leaf, 8) - FN_A + FN_B        # the same descriptor, to FN_B
        cpu.state.x[12] = TABLES_VA + (data_leaf - t.root)
        cpu.state.x[13] = cpu.mem.read(data_leaf, 8) + 0x1000
    return setup


def test_tlbi_by_asid_makes_non_global_remaps_visible():
    r, stats = both(f"""
        mov x20, #0
        mov x21, #0
        mov x1, #{FN_VA:#x}
        mov x2, #{DATA_VA:#x}
        add x2, x2, #0x2000
    1:  blr x1                          // 1 (FN_A) three times, then 2 (FN_B) three times
        add x20, x20, x0
        ldr x3, [x2]
        add x20, x20, x3, lsl #8
        add x21, x21, #1
        cmp x21, #3
        b.ne 2f
        str x11, [x10]                  // remap the code page
        str x13, [x12]                  // and the data page
        dsb ish
        tlbi aside1, xzr
        dsb ish
        isb
    2:  cmp x21, #6
        b.ne 1b
        brk #0
    """, setup=_remap_then_tlbi())
    assert r["x"][20] == 3 * (1 + 256) + 3 * (2 + 512) and r["exc"][0][0] == 0x3C
    assert stats.modules_dropped >= 1                 # the old FN_A code, checked again: gone


@pytest.mark.parametrize("op,n", [("vaale1is", 1), ("vae1", 1), ("vale1is", 40), ("vaae1is", 40)])
def test_tlbi_by_va_done_by_generated_code(op, n):
    """TLBI by VA of a data page (no code on it: generated code does it and
    logs it for the runtime): the page is read through the old mapping, its
    leaf descriptor changed, ``n`` TLBIs issued (40: the log fills and the
    runtime takes the rest), and it reads through the new one; the same on
    the interpreter."""
    def setup(cpu, t):
        cpu.mem.write(DATA_PA + 0x2000, 8, 1)
        cpu.mem.write(DATA_PA + 0x3000, 8, 2)
        leaf = t.map(DATA_VA + 0x2000, DATA_PA + 0x2000, AF)
        cpu.state.x[10] = TABLES_VA + (leaf - t.root)
        cpu.state.x[11] = cpu.mem.read(leaf, 8) + 0x1000
    r, stats = both(f"""
        mov x1, #{DATA_VA:#x}
        add x1, x1, #0x2000
        mov x5, #{DATA_VA:#x}
        ldr x2, [x1]                    // 1, through the old mapping (now in the TLBs)
        ldr x6, [x5]                    // another page, kept
        str x11, [x10]
        dsb ish
        lsr x9, x1, #12
        mov x4, #{n}
    1:  tlbi {op}, x9
        subs x4, x4, #1
        b.ne 1b
        dsb ish
        isb
        ldr x3, [x1]                    // 2, through the new one
        ldr x7, [x5]
        brk #1
    """, setup=setup)
    assert r["x"][2] == 1 and r["x"][3] == 2 and r["x"][6] == r["x"][7] and r["exc"][0][0] == 0x3C
    assert stats.tlbi_inline == n - (n > 32)        # (the 33rd: the log is full, the runtime's path)


def test_tlbi_by_va_of_a_code_page_and_trapped_tlbi_take_the_runtime_path():
    """A TLBI by VA of a page that holds translated code goes to the runtime
    (which drops the code): the remapped function runs its new code; with
    HCR_EL2.TTLB set it traps to EL2 (EC 0x18) on both engines."""
    from tests.runtime.pagetables import NG

    def setup(cpu, t):
        cpu.mem.write_bytes(FN_A, asm("movz x0, #1; ret"))
        cpu.mem.write_bytes(FN_B, asm("movz x0, #2; ret"))
        leaf = t.map(FN_VA, FN_A, AF | AP_RO | NG)
        cpu.state.x[10] = TABLES_VA + (leaf - t.root)
        cpu.state.x[11] = cpu.mem.read(leaf, 8) - FN_A + FN_B
    r, stats = both(f"""
        mov x1, #{FN_VA:#x}
        blr x1
        mov x20, x0                     // 1
        str x11, [x10]
        dsb ish
        lsr x9, x1, #12
        tlbi vaale1is, x9
        dsb ish
        isb
        blr x1
        mov x21, x0                     // 2
        brk #1
    """, setup=setup)
    assert r["x"][20] == 1 and r["x"][21] == 2 and stats.tlbi_inline == 0

    def trapping(cpu, t):
        cpu.sysregs.set("HCR_EL2", cpu.sysregs.get("HCR_EL2") | HCR.TTLB)
    r, stats = both("mov x9, #0x200; tlbi vaale1is, x9; brk #1", setup=trapping)
    assert r["exc"][0][0] == 0x18 and stats.tlbi_inline == 0


@pytest.mark.parametrize("src", [
    "mov x1, #0x200000; ldtr x0, [x1]",                         # EL1 data, EL0 has no access
    "mov x1, #0x200000; ldr x0, [x1, #3]; ldxr x0, [x1]",       # fine; then exclusive: fine
    "mov x1, #0x300000; ldr x0, [x1]",                          # nothing mapped: level 3? (L2 slot empty)
    "at s1e1r, x1; mrs x0, par_el1; mov x1, #0x900000; at s1e0w, x1; mrs x2, par_el1",
])
def test_small_programs_agree(src):
    r, _ = both(src)
    assert r["exc"] or r["reason"]


FN_VA, FN_A, FN_B = 0x70_0000, RAM + 0x40_0000, RAM + 0x41_0000


def _two_address_spaces(fn_attrs, fn_b=FN_B):
    """Two tables (ASIDs 1 and 2) with the same code and data, and at FN_VA
    a page of EL1 code that differs between them ('return 1' / 'return 2'),
    or (``fn_b=FN_A``) the same page."""
    def setup(cpu, t):
        cpu.mem.write_bytes(FN_A, asm("movz x0, #1; ret"))
        cpu.mem.write_bytes(FN_B, asm("movz x0, #2; ret"))
        t.map(FN_VA, FN_A, AF | AP_RO | fn_attrs)
        t2 = Tables(cpu.mem, RAM + (24 << 20), 12, 48)
        for i in range(4):
            t2.map(CODE_VA + 0x1000 * i, CODE_PA + 0x1000 * i, AF | AP_RO)
        t2.map(DATA_VA, DATA_PA, AF)
        t2.map(FN_VA, fn_b, AF | AP_RO | fn_attrs)
        cpu.state.x[10] = t.root | 1 << 48
        cpu.state.x[11] = t2.root | 2 << 48
        cpu._t2 = t2                                    # (for tests that map more in it)
    return setup


SWITCHING = f"""
    mov x20, #0                     // sum of the results
    mov x23, #0                     // results other than the address space's own
    mov x21, #20
    mov x1, #{FN_VA:#x}
1:  msr ttbr0_el1, x10
    isb
    blr x1
    add x20, x20, x0
    cmp x0, #1
    cinc x23, x23, ne
    msr ttbr0_el1, x11
    isb
    blr x1
    add x20, x20, x0
    cmp x0, #2
    cinc x23, x23, ne
    subs x21, x21, #1
    b.ne 1b
    brk #0
"""


def test_el1_code_on_non_global_pages_follows_the_asid():
    """EL1 translations are shared by all ASIDs; those made from non-global
    pages must not survive an ASID change (the same VA maps other code)."""
    from tests.runtime.pagetables import NG
    r, stats = both(SWITCHING, setup=_two_address_spaces(NG))
    assert r["x"][23] == 0 and r["x"][20] == 20 * 3
    assert stats.modules_dropped >= 39


def test_el1_code_on_global_pages_is_translated_once_for_every_asid():
    """A global page (the kernel's) maps the same code in every address
    space: its translation is shared, not made again per ASID."""
    src = SWITCHING.replace("cmp x0, #2", "cmp x0, #1")
    r, stats = both(src, setup=_two_address_spaces(0, FN_A))
    assert r["x"][20] == 40 and r["x"][23] == 0
    assert stats.modules_dropped == 0

    def one_asid(cpu, t):
        _two_address_spaces(0, FN_A)(cpu, t)
        cpu.state.x[11] = cpu.state.x[10]
    _, alone = both(src, setup=one_asid)
    assert stats.blocks_lifted == alone.blocks_lifted      # (with the ASID in the key: 2.5 times as many)


def test_data_on_non_global_pages_follows_the_address_space():
    """A context switch (TTBR0_EL1 with another ASID) keeps the soft TLB's
    global entries but not the others: the same VA reads each address
    space's own page."""
    from tests.runtime.pagetables import NG
    VA, PA_A, PA_B = 0x78_0000, RAM + 0x42_0000, RAM + 0x43_0000

    def setup(cpu, t):
        _two_address_spaces(0, FN_A)(cpu, t)
        cpu.mem.write(PA_A, 8, 1)
        cpu.mem.write(PA_B, 8, 2)
        cpu.mem.write(DATA_PA, 8, 100)                       # a global page, the same in both
        t.map(VA, PA_A, AF | NG)
        cpu._t2.map(VA, PA_B, AF | NG)                       # (the second table of _two_address_spaces)
    r, stats = both(f"""
        mov x20, #0
        mov x23, #0
        mov x21, #20
        mov x1, #{VA:#x}
        mov x2, #{DATA_VA:#x}
    1:  msr ttbr0_el1, x10
        isb
        ldr x0, [x1]
        ldr x3, [x2]
        add x20, x20, x0
        add x23, x23, x3
        msr ttbr0_el1, x11
        isb
        ldr x0, [x1]
        ldr x3, [x2]
        add x20, x20, x0
        add x23, x23, x3
        subs x21, x21, #1
        b.ne 1b
        brk #0
    """, setup=setup)
    assert r["x"][20] == 20 * 3 and r["x"][23] == 40 * 100


# The native refill (translator/lift/refill.py): soft-TLB misses on global pages
# of Normal RAM are walked in native code; everything else, and every access
# that faults, is the runtime's.  Pages for it (beyond machine()'s):
RW_VA, RO_VA, NOAF_VA, DEV_VA, NG_VA = 0x80_0000, 0x80_1000, 0x80_2000, 0x80_3000, 0x80_4000
BLOCK_VA, APT_VA = 0xA0_0000, 0x4000_0000        # a 2 MiB block; a page under APTable[1] (no writes)


def _refill_pages():
    from tests.runtime.pagetables import NG, ATTR_DEVICE
    return [(RW_VA, RAM + 0x40_0000, AF), (RO_VA, RAM + 0x41_0000, AF | AP_RO), (NOAF_VA, RAM + 0x42_0000, 0),
            (DEV_VA, RAM + 0x43_0000, AF | ATTR_DEVICE), (NG_VA, RAM + 0x44_0000, AF | NG)]


def _refill_setup(cpu, t):
    t.map(BLOCK_VA, RAM + 0x60_0000, AF, level=2)
    t.map(APT_VA, RAM + 0x45_0000, AF, table_bits=1 << 62)
    for va in (RW_VA, RO_VA, BLOCK_VA + 0x12340, APT_VA):
        cpu.mem.write(cpu.mmu.translate(va, 0, 1)[0], 8, va | 7)
    cpu.mmu.flush()
    cpu.sysregs.set("CPACR_EL1", 3 << 20)            # FP/AdvSIMD on at EL1


def _mov(reg: str, v: int) -> str:
    """movz/movk of a 64-bit constant (the assembler's mov takes one instruction's worth)."""
    parts = [f"movz {reg}, #{v & 0xFFFF:#x}"]
    parts += [f"movk {reg}, #{v >> s & 0xFFFF:#x}, lsl #{s}" for s in (16, 32, 48) if v >> s & 0xFFFF]
    return "; ".join(parts)


REFILL_CASES = {
    # every size and pair on a RW page, reads of a read-only page, a block and an
    # APTable page: one native fill per page, the same values
    "native": (f"""
        {_mov('x1', RW_VA)}
        {_mov('x2', RO_VA)}
        {_mov('x3', BLOCK_VA + 0x12340)}
        {_mov('x4', APT_VA)}
        ldr x10, [x1]
        movn x9, #0x1234
        str x9, [x1, #8]
        strb w9, [x1, #16]
        strh w9, [x1, #18]
        str w9, [x1, #20]
        ldrsb x11, [x1, #16]
        ldrh w12, [x1, #18]
        ldr w13, [x1, #20]
        stp x9, x10, [x1, #32]
        ldp x14, x15, [x1, #32]
        stp w9, w10, [x1, #48]
        ldp w16, w17, [x1, #48]
        fmov d0, x9
        mov v0.d[1], x10
        str q0, [x1, #64]
        ldr q1, [x1, #64]
        stp q0, q1, [x1, #96]
        ldp q2, q3, [x1, #96]
        fmov x18, d3
        mov x19, v3.d[1]
        ldr x20, [x2]
        ldr x21, [x3]
        str x21, [x3, #8]
        ldr x22, [x3, #8]
        ldr x23, [x4]
        brk #1
    """, 0x3C, 4),
    "write to a read-only page": (f"{_mov('x2', RO_VA)}; ldr x20, [x2]; str x20, [x2, #8]",
                                  (0x25, 0x40 | 0x0F, RO_VA + 8), 1),
    "write under APTable[1]": (f"{_mov('x4', APT_VA)}; ldr x20, [x4]; str x20, [x4, #8]",
                               (0x25, 0x40 | 0x0F, APT_VA + 8), 1),
    "access flag clear": (f"{_mov('x1', NOAF_VA)}; ldr x20, [x1]", (0x25, 0x0B, NOAF_VA), 0),
    "device memory: no fill, alignment checked": (
        f"{_mov('x1', DEV_VA)}; ldr x20, [x1]; ldr x21, [x1, #8]; ldr x22, [x1, #1]", (0x25, 0x21, DEV_VA + 1), 0),
    "non-global page: the runtime's fill": (f"{_mov('x1', NG_VA)}; str x1, [x1]; ldr x20, [x1]; brk #1", 0x3C, 0),
    "dc zva": (f"{_mov('x3', BLOCK_VA + 0x12348)}; dc zva, x3; ldr x21, [x3, #-8]; ldr x22, [x3, #56]; brk #1",
               0x3C, 1),
    "dc zva on a read-only page": (f"{_mov('x2', RO_VA + 0x48)}; dc zva, x2", (0x25, 0x40 | 0x0F, RO_VA + 0x48), 0),
    "dc zva trapped by HCR_EL2.TDZ": (f"{_mov('x3', BLOCK_VA + 0x12348)}; dc zva, x3", 0x18, 0),
    "pair across into a read-only page": (f"{_mov('x1', DATA_VA + 0xFF8)}; movn x9, #5; stp x9, x9, [x1]",
                                          (0x25, 0x40 | 0x0F, DATA_VA + 0x1000), 0),
}


@pytest.mark.parametrize("case", list(REFILL_CASES))
def test_native_refill_does_what_the_runtime_would(case):
    """The same registers, memory and faults as the interpreter, whether the
    miss was walked in native code (counted) or handed to the runtime: faults
    (permission, APTable, access flag, alignment on Device memory), Device and
    non-global pages are never filled natively; a pair running into the next
    page is done element by element."""
    src, want, fills = REFILL_CASES[case]
    # (the first miss is the runtime's: it publishes the parameters the front walks with)
    warm = f"{_mov('x8', DATA_VA + 0x2000)}; ldr x8, [x8]; "

    def setup(cpu, t):
        _refill_setup(cpu, t)
        if "TDZ" in case:
            cpu.sysregs.set("HCR_EL2", cpu.sysregs.get("HCR_EL2") | HCR.TDZ)
    r, stats = both(warm + src, extra=_refill_pages(), setup=setup)
    if isinstance(want, tuple):
        assert r["exc"] == [want]
    else:
        assert r["exc"][0][0] == want
    assert stats.native_fills == fills
    if case == "native":
        x = r["x"]
        assert x[10] == RW_VA | 7 and x[20] == RO_VA | 7 and x[21] == x[22] == (BLOCK_VA + 0x12340) | 7
        assert x[23] == APT_VA | 7 and x[11] == 0xFFFF_FFFF_FFFF_FFCB and x[12] == 0xEDCB and x[13] == 0xFFFFEDCB
        assert x[14] == x[18] == 0xFFFF_FFFF_FFFF_EDCB and x[15] == x[19] == x[10]
        assert (x[16], x[17]) == (0xFFFFEDCB, x[10] & 0xFFFF_FFFF)
    if case == "dc zva":
        assert r["x"][21] == r["x"][22] == 0
    if case.startswith("non-global"):
        assert stats.tlb_fills >= 1
