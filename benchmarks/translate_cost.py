"""Cold translation cost on real compiler-generated code.

Blocks are formed by a linear sweep over the .text of an AArch64 ELF (by
default Debian's busybox-static for arm64, fetched with apt-get download),
lifted by a64jit's block lifter, and compiled by the JIT's LLVM path in
modules of BATCH_BLOCKS blocks as the engine does (tier 0: O0, with the
execution counters of the hot tier).  Reported: Python lifting
time, LLVM time (parse + codegen to object code), and linking the object into
the JIT, per block and per guest instruction, for all blocks and for batches
made only of 5-instruction blocks (the issue's yardstick).

    python benchmarks/translate_cost.py [--elf PATH] [--blocks 3000]
"""
from __future__ import annotations

import argparse
import glob
import os
import subprocess
import tempfile
import time

from elftools.elf.elffile import ELFFile

from a64jit.runtime.abi import pack_ctx
from a64jit.translator.jit import BATCH_BLOCKS
from a64jit.translator.jit.config import HOT_THRESHOLD
from a64jit.translator.jit.llvm import llvm_jit
from a64jit.translator.lift.block import lift_block, module_text, MAX_BLOCK_INSNS, MODULE_FN

ARM64 = ["-oAPT::Architecture=arm64", "-oAPT::Architectures=arm64"]
CTX = pack_ctx(1, 1, align_all=False, sp_align=False, mmu=False)      # EL1h, no alignment checks


def fetch_busybox(tmp):
    got = subprocess.run(["apt-get", "download", *ARM64, "busybox-static"], cwd=tmp, capture_output=True)
    if got.returncode:                      # no arm64 package lists yet: fetch them, then retry
        subprocess.run(["apt-get", "update", "-qq", *ARM64], check=True, capture_output=True)
        subprocess.run(["apt-get", "download", *ARM64, "busybox-static"], cwd=tmp, check=True,
                       capture_output=True)
    deb = glob.glob(os.path.join(tmp, "busybox-static_*.deb"))[0]
    subprocess.run(["dpkg-deb", "-x", deb, os.path.join(tmp, "x")], check=True)
    return os.path.join(tmp, "x", "bin", "busybox")


def sweep(path, nblocks, select=None):
    """Lift blocks by a linear sweep, grouped into modules of BATCH_BLOCKS as
    the engine groups them (each block numbered on from the previous one).
    ``select(block)`` keeps only some blocks (they are re-lifted in order)."""
    f = ELFFile(open(path, "rb"))
    text = f.get_section_by_name(".text")
    base, data = text["sh_addr"], text.data()

    def fetch(addr):
        off = addr - base
        if 0 <= off <= len(data) - 4:
            return int.from_bytes(data[off:off + 4], "little")
        return None

    batches, batch, nums, n = [], [], 0, 0
    pc = base + len(data) // 4 // 4 * 4      # start a quarter into .text
    t0 = time.perf_counter()
    while n < nblocks:
        b = lift_block(fetch, pc, CTX, MAX_BLOCK_INSNS, nums)
        if b is None:
            break
        pc = b.end_pc
        if select is not None and not select(b):
            continue
        batch.append(b)
        nums = b.next_base
        n += 1
        if len(batch) == BATCH_BLOCKS:
            batches.append(batch)
            batch, nums = [], 0
    if batch:
        batches.append(batch)
    return batches, time.perf_counter() - t0


def compile_all(L, batches):
    t_llvm = t_link = 0.0
    for batch in batches:
        text = module_text(batch, L.triple, L.layout, HOT_THRESHOLD)   # tier 0, as the engine compiles it
        t0 = time.perf_counter()
        obj = L.compile(text, 0)
        t1 = time.perf_counter()
        L.link(L.key(text, 0), obj, MODULE_FN)
        t_link += time.perf_counter() - t1
        t_llvm += t1 - t0
    return t_llvm, t_link


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--elf")
    ap.add_argument("--blocks", type=int, default=3000)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = a.elf or fetch_busybox(tmp)
        batches, t_lift = sweep(path, a.blocks)
        five, _ = sweep(path, a.blocks // 6, lambda b: b.ninsns == 5)
    L = llvm_jit()
    t_llvm, t_link = compile_all(L, batches)
    t5_llvm, t5_link = compile_all(L, five)
    blocks = [b for batch in batches for b in batch]
    n = len(blocks)
    ni = sum(b.ninsns for b in blocks)
    n5 = sum(len(batch) for batch in five)
    print(f"corpus: {os.path.basename(path)} .text, linear sweep, {n} blocks, {ni} guest instructions "
          f"({ni / n:.2f} per block), modules of {BATCH_BLOCKS} blocks")
    print(f"lifting (Python):        {t_lift * 1e3 / n:.3f} ms/block  {t_lift * 1e3 / ni:.3f} ms/insn")
    print(f"LLVM parse + codegen O0: {t_llvm * 1e3 / n:.3f} ms/block  {t_llvm * 1e3 / ni:.3f} ms/insn")
    print(f"link into the JIT:       {t_link * 1e3 / n:.3f} ms/block")
    total = t_lift + t_llvm + t_link
    print(f"total cold translation:  {total * 1e3 / n:.3f} ms/block  {total * 1e3 / ni:.3f} ms/insn")
    if n5:
        lift5 = t_lift / ni * 5 * n5
        tot5 = lift5 + t5_llvm + t5_link
        print(f"5-instruction blocks only ({n5} blocks): LLVM {t5_llvm * 1e3 / n5:.3f} ms/block, "
              f"link {t5_link * 1e3 / n5:.3f}, with lifting {tot5 * 1e3 / n5:.3f} ms/block")


if __name__ == "__main__":
    main()
