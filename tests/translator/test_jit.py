"""JIT engine behaviour that the interpreter comparison does not show: the
persistent code cache (warm runs compile nothing; corrupt entries are
rebuilt, never executed), cache switches, instruction counting, and that
guest addresses can never reach host memory outside guest RAM."""
import json
import os
import shutil
import subprocess
import sys

import pytest

from a64jit.snippet import run_snippet
from tests.asm import asm

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
CHILD = """
import sys, json, io
sys.path.insert(0, %r)
from a64jit.board import Board
from a64jit.runtime.loader import load_file
m = Board(ram_size=64 << 20, out=io.BytesIO())
img = load_file(%r)
m.load(0x40200000, img.data); m.enter(0x40200000)
r = m.run(engine="jit")
print(json.dumps({"reason": r.reason, "insns": r.insns, "out": m.out.getvalue().decode(),
                  "stats": m.jit.stats.as_dict()}))
"""
DEMO = os.path.join(ROOT, "a64jit", "samples", "demo.bin")


def child(cache_dir, env_extra=None):
    # No hot tier here: its background compile may or may not finish within
    # the short demo, which would make the set of cache entries vary.
    env = dict(os.environ, A64JIT_CACHE_DIR=str(cache_dir), A64JIT_HOT_THRESHOLD="0")
    env.pop("A64JIT_NO_CACHE", None)
    env.update(env_extra or {})
    p = subprocess.run([sys.executable, "-c", CHILD % (ROOT, DEMO)], capture_output=True, text=True,
                       env=env, timeout=300)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def test_warm_run_performs_no_llvm_compilation(tmp_path):
    cold = child(tmp_path)
    warm = child(tmp_path)
    assert cold["stats"]["llvm_compiles"] > 0
    assert warm["stats"]["llvm_compiles"] == 0 and warm["stats"]["cache_hits"] == cold["stats"]["llvm_compiles"]
    assert warm["out"] == cold["out"] and "primes below 4000: 550" in warm["out"]
    assert warm["insns"] == cold["insns"]


@pytest.mark.parametrize("damage", ["flip", "truncate", "empty"])
def test_corrupt_cache_entries_are_rebuilt_not_executed(tmp_path, damage):
    cold = child(tmp_path)
    files = [os.path.join(d, f) for d, _, fs in os.walk(tmp_path) for f in fs if f.endswith(".obj")]
    assert files
    for f in files:
        data = bytearray(open(f, "rb").read())
        if damage == "flip":
            data[len(data) // 2] ^= 0xFF        # corrupt the machine code itself
        elif damage == "truncate":
            data = data[: len(data) // 2]
        else:
            data = b""
        open(f, "wb").write(bytes(data))
    shutil.rmtree(os.path.join(tmp_path, "index"))  # (its object pack holds good copies: test_index.py)
    again = child(tmp_path)
    assert again["stats"]["cache_rejected"] == len(files)
    assert again["stats"]["llvm_compiles"] == cold["stats"]["llvm_compiles"]
    assert again["out"] == cold["out"]
    third = child(tmp_path)                     # the rebuilt entries are good again
    assert third["stats"]["llvm_compiles"] == 0


def test_disk_cache_is_bounded_and_keeps_recently_used_entries(tmp_path):
    from a64jit.translator.jit import CodeCache, Stats
    cache = CodeCache(str(tmp_path), max_bytes=64 << 10)          # room for 15 entries of 4 KiB
    key = lambda i: f"{i:02x}" + "0" * 62                          # noqa: E731
    blob = lambda i: bytes([i]) * 4096                              # noqa: E731
    for i in range(8):
        cache.put(key(i), blob(i))
        os.utime(cache._path(key(i)), (10 + i, 10 + i))             # all made long ago
    assert cache.get(key(5), Stats()) == blob(5)                    # one of them used again now
    for i in range(8, 20):
        cache.put(key(i), blob(i))
    files = [os.path.join(d, f) for d, _, fs in os.walk(tmp_path) for f in fs if f.endswith(".obj")]
    assert sum(os.path.getsize(f) for f in files) <= 64 << 10
    assert cache.get(key(5), Stats()) == blob(5)                    # recently used: kept
    assert cache.get(key(0), Stats()) is None and cache.get(key(1), Stats()) is None   # LRU: evicted first
    assert cache.get(key(19), Stats()) == blob(19)


def test_cache_disabled_by_environment(tmp_path):
    r = child(tmp_path, {"A64JIT_NO_CACHE": "1"})
    assert r["stats"]["cache_hits"] == 0
    assert not [f for _, _, fs in os.walk(tmp_path) for f in fs]


def test_cli_no_cache_flag(tmp_path):
    env = dict(os.environ, A64JIT_CACHE_DIR=str(tmp_path), COLUMNS="200")
    p = subprocess.run([sys.executable, "-m", "a64jit", "demo", "--no-cache"], capture_output=True,
                       text=True, env=env, cwd=ROOT, timeout=300)
    assert p.returncode == 0 and "0 modules from the code cache" in p.stderr
    assert not [f for _, _, fs in os.walk(tmp_path) for f in fs]


@pytest.mark.parametrize("src,regs", [
    ("ldar w0, [x1]", {"x1": 53}),                                   # misaligned, empty TLB
    ("ldr x0, [x1]", {"x1": 0xFFFFFFFFFFFFFFF9}),                     # wraps past 2**64
    ("str x0, [x1]", {"x1": 0x10000FFC}),                             # runs off the end of RAM
    ("ldr x0, [x1]; ldr x2, [x3]", {"x1": 0x10000000, "x3": 0x10000000 + (1 << 22)}),  # TLB index alias
    ("ldxp x0, x2, [x1]", {"x1": 0x10000FF8}),
    ("stp x0, x0, [x1]", {"x1": 0x1}),
])
def test_guest_addresses_never_reach_host_memory(src, regs):
    mem = {0x10000000: bytes(0x1000)}
    a = run_snippet(asm(src), engine="interp", regs=regs, mem=mem)
    b = run_snippet(asm(src), engine="jit", regs=regs, mem=mem)
    assert a == b and a["exception"] is not None and a["exception"]["ec"] == 0x25


def test_instruction_count_exact_across_blocks_and_exceptions():
    code = asm("mov x0, #10; 1: subs x0, x0, #1; b.ne 1b; mov x1, #1; svc #0")
    r = run_snippet(code, engine="jit")
    assert r["insns"] == 1 + 20 + 1 and r["exception"]["ec"] == 0x15


def test_dc_zva_runs_inline_once_its_page_is_mapped_for_writes():
    """clear_page's loop: the first DC ZVA goes to the runtime (which maps the
    page for writes in the soft TLB), the other 63 are stores in generated code."""
    from a64jit.snippet import _make_cpu
    from a64jit.translator.engine import create_engine
    from a64jit.runloop import run_engine
    from a64jit.runtime.helpers import HELPERS
    code = asm("mov x2, #64; 1: dc zva, x1; add x1, x1, #64; subs x2, x2, #1; b.ne 1b; brk #0")
    cpu = _make_cpu(code, {"x1": 0x10000000}, {0x10000000: b"\xff" * 4096}, 0x40000000)
    eng = create_engine("jit", cpu, code_range=(0x40000000, 0x40000000 + len(code)), use_cache=False)
    try:
        run_engine(eng, cpu, max_insns=1000, on_exception=lambda e: "exception", on_halt=lambda: None)
        assert cpu.mem.read_bytes(0x10000000, 4096) == bytes(4096)
        assert eng.stats.calls[list(HELPERS).index("sys")] == 1
    finally:
        eng.close()


def _engine_for(code, regs, mem):
    from a64jit.snippet import _make_cpu
    from a64jit.translator.engine import create_engine
    cpu = _make_cpu(code, regs, mem, 0x40000000)
    return cpu, create_engine("jit", cpu, code_range=(0x40000000, 0x40000000 + len(code)), use_cache=False)


def test_a_write_fill_maps_the_page_for_reads_too():
    """A store's slow path maps the page for loads as well (the current EL may
    read it): the load after it runs inline, only the store leaves native code."""
    from a64jit.runloop import run_engine
    code = asm("str x0, [x1]; ldr x2, [x1]; brk #0")
    cpu, eng = _engine_for(code, {"x0": 0x1234, "x1": 0x10000000}, {0x10000000: bytes(4096)})
    try:
        run_engine(eng, cpu, max_insns=100, on_exception=lambda e: "exception", on_halt=lambda: None)
        assert cpu.state.x[2] == 0x1234
        assert eng.stats.slow_accesses == 1
    finally:
        eng.close()


def test_blocks_registered_with_their_module_are_looked_up_exactly():
    """A batch's later blocks are registered compactly and made Translations
    when the dispatcher first asks (engine._IDX_BITS): the same fields as the
    first block's, in the same module, entering the module at their index."""
    from a64jit.translator.lift.block import MAX_BLOCK_INSNS
    code = asm("mov x0, #3; 1: subs x0, x0, #1; b.ne 1b; add x1, x1, #1; cbz x1, 2f; mov x2, #5; 2: brk #0")
    cpu, eng = _engine_for(code, {}, {})
    try:
        ctx = cpu.compute_ctx()
        first = eng._translation(0x40000000, ctx, MAX_BLOCK_INSNS)
        rec = eng.modules[first.module]
        assert len(rec.blocks) >= 3
        for k, (pc, n) in enumerate(rec.blocks):
            t = eng._lookup(pc, ctx, MAX_BLOCK_INSNS)
            assert (t.pc, t.end, t.ninsns, t.ctx, t.module, t.idx, t.addr) == \
                (pc, pc + 4 * n, n, ctx, first.module, k, rec.linked.addr)
            assert eng._lookup(pc, ctx, MAX_BLOCK_INSNS) is t          # made once
    finally:
        eng.close()
