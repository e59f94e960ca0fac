"""The object loader (translator/jit/loader.py): LLVM objects packed into
code images and placed in our arenas run exactly as the same objects
linked by LLJIT; what it does not know it refuses."""
import ctypes
import os
import subprocess
import sys

import pytest

from a64jit.translator.jit import loader
from a64jit.translator.jit.llvm import llvm_jit

pytestmark = pytest.mark.skipif(not loader.host_supported(), reason="the loader is x86-64 only")

HELPER = ctypes.CFUNCTYPE(ctypes.c_uint64, ctypes.c_uint64)
FN = ctypes.CFUNCTYPE(ctypes.c_uint64, ctypes.c_uint64)

# A counter in .data (read and written), a constant table and a jump table in
# .rodata, calls to the helper: everything the lifter's modules contain.
IR = """
@cnt = internal global i64 5
@tab = private unnamed_addr constant [8 x i64] [i64 11, i64 22, i64 33, i64 44, i64 55, i64 66, i64 77, i64 88]
declare i64 @{helper}(i64)

define i64 @count() {{
  %c = load i64, ptr @cnt
  ret i64 %c
}}

define i64 @f(i64 %x) {{
entry:
  %c = load volatile i64, ptr @cnt
  %c1 = add i64 %c, 1
  store volatile i64 %c1, ptr @cnt
  %i = and i64 %x, 7
  switch i64 %i, label %d [ i64 0, label %a  i64 1, label %b  i64 2, label %e  i64 3, label %g
                            i64 4, label %h  i64 5, label %a  i64 6, label %b ]
a:
  %p = getelementptr [8 x i64], ptr @tab, i64 0, i64 %i
  %v = load i64, ptr %p
  ret i64 %v
b:
  %r = call i64 @{helper}(i64 %x)
  ret i64 %r
e:
  %m = mul i64 %x, 3
  ret i64 %m
g:
  %r2 = call i64 @{helper}(i64 %c1)
  %s = add i64 %r2, 1
  ret i64 %s
h:
  %q = getelementptr [8 x i64], ptr @tab, i64 0, i64 7
  %w = load i64, ptr %q
  ret i64 %w
d:
  ret i64 %c1
}}
"""


def _helper(x):
    return x * 1000 + 7


_HELPER = HELPER(_helper)
HELPER_ADDR = ctypes.cast(_HELPER, ctypes.c_void_p).value


def _object(opt=0, helper="a64_helper"):
    return llvm_jit().compile(IR.format(helper=helper), opt)


@pytest.mark.parametrize("opt", [0, 2])
def test_loaded_code_runs_as_lljit_linked_code(opt):
    import llvmlite.binding as llvm
    obj = _object(opt)
    img = loader.pack(obj, "a64_helper")
    assert img is not None and loader.is_image(img)
    ld = loader.ObjectLoader(HELPER_ADDR)
    code = ld.load(img)
    ours = FN(code["f"])
    # The same object through LLJIT, for the expected values.
    tracker = llvm.JITLibraryBuilder().add_object_img(obj).export_symbol("f").export_symbol("count") \
        .import_symbol("a64_helper", HELPER_ADDR).link(llvm_jit().lljit, f"test_loader_{opt}")
    theirs = FN(tracker["f"])
    for x in list(range(40)) + [2 ** 40 + 3, 2 ** 64 - 1]:
        assert ours(x) == theirs(x), x
    # Each copy has its own counter, in its arena's data part, not in its code.
    assert ctypes.CFUNCTYPE(ctypes.c_uint64)(code["count"])() == 5 + 42
    ld.free(code)


def test_images_are_smaller_than_objects_and_keep_only_placement_dependent_relocations():
    obj = _object()
    img = loader.pack(obj, "a64_helper")
    csize, dsize, stub, exports, relocs, code, data = loader._unpack(img)
    assert set(exports) == {"f", "count"}
    assert dsize == 8 and bytes(data) == (5).to_bytes(8, "little")
    # Only references to the data part wait for placement (the helper goes through the image's stub).
    assert relocs and all(target == loader.DATA_PART for _, _, target, _, _ in relocs)
    assert bytes(code[stub:stub + 6]) == b"\xff\x25\x00\x00\x00\x00"


def test_objects_it_does_not_know_are_refused():
    assert loader.pack(_object(helper="some_other_import"), "a64_helper") is None
    assert loader.pack(b"not an object at all", "a64_helper") is None
    assert loader.pack(b"\x7fELF" + bytes(60), "a64_helper") is None
    assert loader.pack(_object()[:200], "a64_helper") is None      # truncated


def test_a_malformed_image_is_an_error_not_a_crash():
    img = loader.pack(_object(), "a64_helper")
    ld = loader.ObjectLoader(HELPER_ADDR)
    for bad in (img[:20], img[:-1], img + b"x", b"A64IMG01" + bytes(4)):
        with pytest.raises(ValueError):
            ld.load(bad)
    assert ld.arenas <= 1 and (ld._arena is None or ld._arena.live == 0)


def test_arenas_are_filled_then_unmapped_when_their_code_is_freed():
    img = loader.pack(_object(), "a64_helper")
    ld = loader.ObjectLoader(HELPER_ADDR)
    csize = loader._unpack(img)[0]
    per_arena = loader.CODE_LIMIT // ((csize + 63) & ~63)
    codes = [ld.load(img) for _ in range(per_arena + 10)]
    assert ld.arenas == 2
    assert len({c.addr for c in codes}) == len(codes)
    assert all(FN(c["f"])(2) == 6 for c in codes[:3] + codes[-3:])
    for c in codes[:per_arena]:
        ld.free(c)
    assert ld.arenas == 1                        # the first arena, now empty, is unmapped
    for c in codes[per_arena:]:
        ld.free(c)
    assert ld.arenas == 1 and ld._arena.live == 0 and ld._arena.code == 0   # the current one is reused
    again = ld.load(img)
    assert again.addr == ld._arena.base and FN(again["f"])(4) == 88


def test_guest_runs_the_same_with_lljit_linking(tmp_path):
    """A64JIT_LOADER=0 (every module through LLJIT) and the default give the
    same console output and instruction count on a sample."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    img = os.path.join(root, "samples", "boot", "bench_small.img")
    outs = []
    for flag in ("1", "0"):
        env = dict(os.environ, A64JIT_LOADER=flag, A64JIT_CACHE_DIR=str(tmp_path / flag))
        p = subprocess.run([sys.executable, "-m", "a64jit", "boot", img, "--stats", str(tmp_path / f"{flag}.json")],
                           env=env, capture_output=True, timeout=300)
        assert p.returncode == 0, p.stderr[-500:]
        import json
        d = json.load(open(tmp_path / f"{flag}.json"))
        outs.append((p.stdout, d["instructions"]))
    assert outs[0] == outs[1]


def test_a_relocation_out_of_reach_is_an_error_not_truncated_code():
    """A PC32 whose target lands beyond +-2 GiB of the code (here: the helper,
    far away) is refused, and its arena space given back, never written cut."""
    import struct
    img = bytearray(loader.pack(_object(), "a64_helper"))
    csize, dsize, stub, exports, relocs, code, data = loader._unpack(bytes(img))
    # Point the first pending relocation at the helper, 2**40 bytes away.
    at = len(img) - csize - dsize - len(relocs) * loader._RELOC.size
    kind, where, target, off, addend = relocs[0]
    assert kind == loader.PC32                   # (the image's references to its data part)
    struct.pack_into("<BBBxiq", img, at, loader.PC32, where, loader.HELPER, off, 1 << 40)
    ld = loader.ObjectLoader(HELPER_ADDR)
    with pytest.raises(ValueError):
        ld.load(bytes(img))
    assert ld._arena is None or ld._arena.live == 0
