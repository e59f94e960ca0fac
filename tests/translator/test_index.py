"""The persistent translation index (translator/jit/index.py): a warm run
finds its modules by the guest bytes and neither lifts nor compiles; changed
bytes are lifted, never given the old code; a damaged index file costs
recipes, never correctness; the hot tier's code is found again too."""
import json
import os
import subprocess
import sys

import pytest

from a64jit.translator.jit import index as ix
from tests.asm import asm

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
DEMO = os.path.join(ROOT, "samples", "boot", "demo.img")      # 20-odd modules
CHILD = """
import sys, json, io
sys.path.insert(0, %r)
from a64jit.board import Board
m = Board(ram_size=64 << 20, out=io.BytesIO())
m.load(0x40200000, open(%r, "rb").read()); m.enter(0x40200000)
r = m.run(engine="jit")
print(json.dumps({"reason": r.reason, "insns": r.insns, "out": m.out.getvalue().decode(),
                  "stats": m.jit.stats.as_dict()}))
"""


def child(cache_dir, image=DEMO, **env_extra):
    env = dict(os.environ, A64JIT_CACHE_DIR=str(cache_dir), A64JIT_HOT_THRESHOLD="0")
    env.pop("A64JIT_NO_CACHE", None)
    env.update(env_extra)
    p = subprocess.run([sys.executable, "-c", CHILD % (ROOT, str(image))], capture_output=True, text=True,
                       env=env, timeout=300)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def index_files(cache_dir):
    d = os.path.join(cache_dir, "index")
    return [os.path.join(d, f) for f in os.listdir(d) if f.endswith(".idx")]


def test_warm_run_lifts_and_compiles_nothing(tmp_path):
    cold = child(tmp_path)
    assert cold["stats"]["blocks_lifted"] > 0 and cold["stats"]["index_modules"] == 0
    warm = child(tmp_path)
    st = warm["stats"]
    assert st["blocks_lifted"] == 0 and st["llvm_compiles"] == 0
    assert st["index_blocks"] == cold["stats"]["blocks_lifted"] and st["index_rejected"] == 0
    assert warm["out"] == cold["out"] and "primes below 8192: 1028" in warm["out"]
    assert warm["insns"] == cold["insns"]


def printer(ch: str) -> bytes:
    """Print ``ch`` eight times on the PL011, then PSCI SYSTEM_OFF."""
    return asm(f"""
        movz x1, #0x0900, lsl #16
        mov x3, #8
    1:  mov w2, #{ord(ch)}
        strb w2, [x1]
        subs x3, x3, #1
        b.ne 1b
        movz x0, #0x8400, lsl #16
        movk x0, #0x0008
        smc #0
    2:  b 2b""")


def test_changed_bytes_are_lifted_not_given_the_old_code(tmp_path):
    a, b = printer("A"), printer("B")
    assert len(a) == len(b) and a != b               # the same blocks at the same PCs, one word differs
    (tmp_path / "a.bin").write_bytes(a)
    (tmp_path / "b.bin").write_bytes(b)
    cache = tmp_path / "cache"
    ra = child(cache, tmp_path / "a.bin")
    assert ra["out"] == "A" * 8 and ra["reason"] == "poweroff"
    rb = child(cache, tmp_path / "b.bin")             # same (pc, ctx), other bytes: lifted
    assert rb["out"] == "B" * 8
    assert rb["stats"]["index_rejected"] >= 1 and rb["stats"]["blocks_lifted"] > 0
    again = child(cache, tmp_path / "a.bin")          # both recipes are kept
    assert again["out"] == "A" * 8
    assert again["stats"]["blocks_lifted"] == 0 and again["stats"]["index_modules"] > 0


@pytest.mark.parametrize("damage", ["truncate", "flip", "magic"])
def test_a_damaged_index_costs_recipes_not_correctness(tmp_path, damage):
    cold = child(tmp_path)
    (f,) = index_files(tmp_path)
    data = bytearray(open(f, "rb").read())
    if damage == "truncate":
        data = data[:len(data) * 2 // 3]
    elif damage == "flip":
        data[len(data) // 2] ^= 0x55
    else:
        data[:8] = b"garbage!"
    open(f, "wb").write(bytes(data))
    again = child(tmp_path)
    assert again["out"] == cold["out"] and again["insns"] == cold["insns"]
    assert again["stats"]["blocks_lifted"] > 0          # what the damage cost was lifted again
    if damage != "magic":
        assert again["stats"]["index_modules"] > 0      # the intact records before it were used
    third = child(tmp_path)                              # repaired and completed
    assert third["stats"]["blocks_lifted"] == 0 and third["out"] == cold["out"]


def test_hot_tier_code_is_found_again(tmp_path):
    hot = {"A64JIT_HOT_THRESHOLD": "64", "A64JIT_HOT_SYNC": "1"}
    cold = child(tmp_path, **hot)
    assert cold["stats"]["hot_recompiles"] > 0
    warm = child(tmp_path, **hot)
    st = warm["stats"]
    assert st["llvm_compiles"] == 0 and st["blocks_lifted"] == 0
    assert st["hot_recompiles"] == cold["stats"]["hot_recompiles"]
    assert warm["out"] == cold["out"] and warm["insns"] == cold["insns"]


def relifted():
    """A function lifted twice in one run with other batches around it: P's
    first batch holds X (its callee, on another page) and the code after X;
    a store there (a word never run) drops that module; Z, calling X, then
    gets X in its batch; P's first recipe no longer matches, and P lifted
    again leaves X out (translated already).  X never begins a batch."""
    return asm("""
        mov x0, #0
        ldr x9, =0x40201000
        blr x9                     // P: [P, X, ...]
        ldr x1, =0x40202100
        str w0, [x1]               // into P's batch, after X: P's module goes
        ldr x9, =0x40203000
        blr x9                     // Z: [Z, X, ...]
        ldr x9, =0x40201000
        blr x9                     // P again: [P, ...] without X
        movz w2, #0x30
        add w2, w2, w0
        movz x1, #0x0900, lsl #16
        strb w2, [x1]
        movz x0, #0x8400, lsl #16
        movk x0, #0x0008
        smc #0
    1:  b 1b
        .ltorg
        .balign 4096
        mov x19, x30               // P
        bl 0x2000 + (. - 0x1004)   // -> X
        mov x30, x19
        ret
        .balign 4096
        add x0, x0, #1             // X
        ret
        .balign 4096
        mov x20, x30               // Z
        bl . - 0x1004              // -> X
        mov x30, x20
        ret""")


def test_a_pc_lifted_twice_finds_each_batch_in_the_order_made(tmp_path):
    """The recipes of P are tried oldest first at its first miss (the newest,
    tried first, lacked X: the warm run lifted X)."""
    (tmp_path / "k.bin").write_bytes(relifted())
    cache = tmp_path / "cache"
    cold = child(cache, tmp_path / "k.bin")
    assert cold["out"] == "3" and cold["reason"] == "poweroff"
    warm = child(cache, tmp_path / "k.bin")
    assert warm["out"] == "3" and warm["insns"] == cold["insns"]
    assert warm["stats"]["blocks_lifted"] == 0 and warm["stats"]["llvm_compiles"] == 0


def test_records_round_trip_and_stop_at_damage():
    recs = [ix.pack_module(0x40200000, 7, "ab" * 32, b"h" * 16, [(0x40200000, 3), (0x4020000c, 32)]),
            ix.pack_hot("cd" * 32, "ef" * 32),
            ix.pack_module(0xffff800008000000, 1 << 40, "01" * 32, b"x" * 16, [(0xffff800008000000, 1)])]
    data = ix.MAGIC + b"".join(recs)
    out = list(ix.unpack_records(data))
    assert out[-1] == ("end", len(data))
    (k1, (pc, ctx, r)), (k2, hot), (k3, (pc3, _, r3)) = out[:3]
    assert (k1, pc, ctx, r.object_key, r.hash, r.blocks) == (
        ix.REC_MODULE, 0x40200000, 7, "ab" * 32, b"h" * 16, [(0x40200000, 3), (0x4020000c, 32)])
    assert k2 == ix.REC_HOT and hot == (bytes.fromhex("cd" * 32), bytes.fromhex("ef" * 32))
    assert pc3 == 0xffff800008000000 and r3.blocks == [(pc3, 1)]
    bad = bytearray(data)
    bad[len(ix.MAGIC) + len(recs[0]) + 12] ^= 1          # inside the second record
    out = list(ix.unpack_records(bytes(bad)))
    assert len(out) == 2 and out[-1] == ("end", len(ix.MAGIC) + len(recs[0]))


def test_warm_run_reads_its_code_from_the_object_pack(tmp_path):
    """The cold run keeps its modules' code images in the index's object
    pack: with every code-cache file deleted, a warm run still lifts
    nothing (at most the four resident functions, the dispatcher, the
    jump-cache filler, the helper front and the write unmapper, are compiled
    again)."""
    cold = child(tmp_path)
    packs = [f[:-len(".idx")] + ".objs" for f in index_files(tmp_path)]
    assert len(packs) == 1 and os.path.getsize(packs[0]) > 10_000
    for d, _, files in os.walk(tmp_path):
        for f in files:
            if f.endswith(".obj"):
                os.unlink(os.path.join(d, f))
    warm = child(tmp_path)
    st = warm["stats"]
    assert st["blocks_lifted"] == 0 and st["llvm_compiles"] <= 4 and st["pack_reads"] == st["index_modules"] > 0
    assert warm["out"] == cold["out"] and warm["insns"] == cold["insns"]


def test_object_pack_round_trip_damage_and_tail(tmp_path):
    path = str(tmp_path / "ns.objs")
    p = ix.ObjectPack(path)
    k1, k2, k3 = "11" * 32, "22" * 32, "33" * 32
    p.put(k1, b"first image")
    p.put(k2, b"second")
    p.put(k1, b"ignored: already there")
    assert p.get(k1) is None                   # (appended by this run: read from the code cache)
    p.close()
    q = ix.ObjectPack(path)
    assert q.get(k1) == b"first image" and q.get(k2) == b"second" and q.get(k3) is None
    q.close()
    data = bytearray(open(path, "rb").read())
    at = data.index(b"second")
    data[at] ^= 1                              # a flipped bit: that record is not used
    open(path, "wb").write(bytes(data) + b"\x00" * 7)     # and a torn tail
    r = ix.ObjectPack(path)
    assert r.get(k1) == b"first image" and r.get(k2) is None and r.rejected == 1
    r.put(k3, b"third")                        # after a damaged tail: nothing appended
    r.close()
    assert ix.ObjectPack(path).get(k3) is None and os.path.getsize(path) == len(data) + 7


def test_two_writers_share_one_file(tmp_path):
    a, b = ix.TranslationIndex(str(tmp_path), "n" * 64), ix.TranslationIndex(str(tmp_path), "n" * 64)
    for i in range(50):
        a.add_module(0x1000 + 4 * i, 0, "aa" * 32, bytes([i]) * 16, [(0x1000 + 4 * i, 1)])
        b.add_module(0x1000 + 4 * i, 0, "bb" * 32, bytes([100 + i]) * 16, [(0x1000 + 4 * i, 1)])
    a.close()
    b.close()
    c = ix.TranslationIndex(str(tmp_path), "n" * 64)
    assert len(c.find(0x1000, 0)) == 2 and c.loaded_records == 100 and not c.damaged


def test_namespace_names_everything_besides_the_bytes():
    base = ix.namespace("llvm", "layout", 0, 4096)
    others = {ix.namespace("llvm2", "layout", 0, 4096), ix.namespace("llvm", "layout2", 0, 4096),
              ix.namespace("llvm", "layout", 2, 4096), ix.namespace("llvm", "layout", 0, 0)}
    assert base not in others and len(others) == 4
    assert len(ix.source_fingerprint()) == 64
