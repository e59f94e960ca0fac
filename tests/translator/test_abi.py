"""The generated-code ABI (runtime/abi.py): every packed format round-trips
through its pack/unpack pair, and the places that must agree on a format do
(generated code and the runtime on the soft TLB and the jump cache)."""
import ctypes
import io
import itertools

from a64jit.board import Board
from a64jit.runtime import abi
from a64jit.translator.jit import JitEngine, JitConfig
from a64jit.translator.jit.cache import module_key
from tests.asm import asm


def test_info_word_round_trips():
    for kind, arg, acc, index in itertools.product(range(5), (1, 2, 4, 8, 255), (0, 2, 8, 31), (0, 1, 31, 1 << 20)):
        for isv in (None, (True, 31, True, True), (False, 7, False, True)):
            code = abi.pack_isv(isv)
            assert abi.unpack_isv(code) == isv
            assert abi.unpack_info(abi.pack_info(kind, arg, acc, code, index)) == (kind, arg, acc, code, index)


def test_exception_flags_and_context_round_trip():
    for far, off, el in itertools.product((False, True), (0, 4), (None, 0, 1, 2)):
        assert abi.unpack_exc_flags(abi.pack_exc_flags(far, off, el)) == (far, off, el)
    for el, spsel, a, sa, m, s2, fp, fh, tr, dz in itertools.product(range(3), (0, 1), *[(False, True)] * 4,
                                                                   range(5), (False, True), range(3), (False, True)):
        for asid, vmid in ((0, 0), (1, 255), (0xFFFF, 1)):
            ctx = abi.pack_ctx(el, spsel, a, sa, m, s2, asid, vmid, fp, fh, tr, dz)
            assert abi.unpack_ctx(ctx) == (el, spsel, a, sa, m, s2, asid, vmid, fp, fh, tr, dz) and ctx < 1 << 38


def test_trace_word_round_trips():
    for icount, el, n in itertools.product((0, 1, (1 << 56) - 1), range(3), (1, 32, 63)):
        assert abi.unpack_trace_word(abi.pack_trace_word(icount, el, n)) == (icount, el, n)


def test_helper_ids_are_the_registry_and_key_the_cache():
    from a64jit.runtime.helpers import HELPERS
    assert abi.HELPER_NAMES == tuple(HELPERS) and len(abi.HELPER_IDS) == len(HELPERS)
    assert all(n in abi.ABI_KEY for n in HELPERS)
    assert module_key("x", 0, "llvm") != module_key("x", 2, "llvm") != module_key("y", 0, "llvm")


def _machine(src):
    m = Board(ram_size=16 << 20, out=io.BytesIO())
    m.load(0x40200000, asm(src))
    m.enter(0x40200000)
    return m


def test_generated_code_probes_the_tlb_entries_the_runtime_fills():
    """1,000 loads and stores to one page: after the first miss of each, all
    hit the inline TLB (a format disagreement would send every one to Python)."""
    m = _machine("ldr x1, =0x40400000; mov x2, #1000; 1: ldr x3, [x1, #16]; add x3, x3, #1; str x3, [x1, #16];"
                 " subs x2, x2, #1; b.ne 1b; 2: b 2b; .ltorg")
    eng = JitEngine(m.cpu, config=JitConfig(cache_enabled=False, hot_threshold=0))
    eng.run(2 + 5 * 1000)
    assert m.cpu.read(0x40400010, 8) == 1000
    assert eng.stats.slow_accesses <= 4
    eng.close()


def test_dispatcher_finds_what_the_engine_installs_in_the_jump_cache():
    m = _machine("mov x0, #7; b 1f; 1: add x0, x0, #1; 2: b 2b")
    eng = JitEngine(m.cpu, config=JitConfig(cache_enabled=False, hot_threshold=0))
    s = m.cpu.state
    s.ctx = m.cpu.compute_ctx()
    t = eng.translate(s.pc, s.ctx)
    eng._install(t)
    s.pending, s.budget = 0, s.icount + 2          # room for the first block only
    r = eng.dispatch(ctypes.addressof(s))
    assert r != abi.EXIT_NOTRANS and s.x[0] == 7 and s.icount == 2
    eng.close()


def test_native_jump_cache_fill_places_entries_as_jc_put_does():
    """The one-call-per-module filler (dispatch.jc_fill_ir) against the Python
    rule (_jc_put), on PCs that collide in threes and repeat: the same words
    in the whole cache, the same entry indices."""
    import random
    from a64jit.translator.jit.engine import _jc_put
    m = _machine("b .")
    eng = JitEngine(m.cpu, config=JitConfig(cache_enabled=False, hot_threshold=0))
    rng = random.Random(5)
    base = 0x4000_0000
    ref = (ctypes.c_uint64 * len(eng.jc))()
    ctypes.memset(ref, 0xFF, ctypes.sizeof(ref))
    for round_ in range(20):
        n = rng.randrange(1, 40)
        pcs = [base + 4 * rng.randrange(64) + 4 * abi.JC_ENTRIES * rng.randrange(3) for _ in range(n)]
        idxs = [rng.randrange(100) for _ in range(n)]
        ctx, fn = rng.randrange(4), 0x1000 + round_
        want = [_jc_put(ref, pc, ctx, fn, k) for pc, k in zip(pcs, idxs)]
        words = ctypes.c_uint64 * n
        a, b, out = words(*pcs), words(*idxs), words()
        eng._jc_fill(eng._jc_addr, ctypes.addressof(a), ctypes.addressof(b), n, ctx, fn, ctypes.addressof(out))
        assert list(out) == want
        assert bytes(ref) == bytes(eng.jc)
    eng.close()


def test_jump_cache_keeps_two_blocks_whose_index_collides():
    """Two ways (abi.py): blocks at (pc, ctx) pairs with the same jc_index both
    stay, and the dispatcher finds each in either way; a third evicts one."""
    from a64jit.translator.jit.engine import _jc_put
    m = _machine("mov x0, #7; b 1f; 1: add x0, x0, #1; 2: b 2b")
    eng = JitEngine(m.cpu, config=JitConfig(cache_enabled=False, hot_threshold=0))
    assert ctypes.addressof(eng.jc) % 64 == 0 and m.cpu.state.jc_ptr == ctypes.addressof(eng.jc)
    s = m.cpu.state
    s.ctx = m.cpu.compute_ctx()
    t = eng.translate(s.pc, s.ctx)
    eng.flush_jump_cache()                         # (translate entered the module's blocks)
    W = abi.JC_ENTRY_SIZE // 8
    other = s.pc + 4 * abi.JC_ENTRIES              # the same index, another PC
    assert abi.jc_index(other, s.ctx) == abi.jc_index(s.pc, s.ctx)
    i = _jc_put(eng.jc, other, s.ctx, 1, 0)        # (never entered: a bogus function)
    assert i == abi.jc_index(s.pc, s.ctx) * W
    j = _jc_put(eng.jc, t.pc, s.ctx, t.addr, t.idx)
    assert j == i ^ W and _jc_put(eng.jc, t.pc, s.ctx, t.addr, t.idx) == j      # found again where it is
    s.pending, s.budget = 0, s.icount + 2
    r = eng.dispatch(ctypes.addressof(s))          # found in the second way
    assert r != abi.EXIT_NOTRANS and s.x[0] == 7 and s.icount == 2
    third = other + 4 * abi.JC_ENTRIES
    assert _jc_put(eng.jc, third, s.ctx, 1, 0) == i and eng.jc[j] == t.pc      # the first way goes
    eng.close()
