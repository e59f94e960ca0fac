"""Cold translation cost on real compiler-generated code.

Blocks are formed by a linear sweep over the .text of an AArch64 ELF (by
default Debian's busybox-static for arm64, fetched with apt-get download),
lifted by a64jit's block lifter, and compiled by the JIT's LLVM path in
modules of BATCH_BLOCKS blocks, as the engine does.  Reported: Python lifting
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
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from elftools.elf.elffile import ELFFile            # noqa: E402

from translator.jit import Llvm, HELPER_IDS, BATCH_BLOCKS   # noqa: E402
from translator.lift.block import lift_block, module_text  # noqa: E402


def fetch_busybox(tmp):
    subprocess.run(["apt-get", "download", "-oAPT::Architecture=arm64", "-oAPT::Architectures=arm64",
                    "busybox-static"], cwd=tmp, check=True, capture_output=True)
    deb = glob.glob(os.path.join(tmp, "busybox-static_*.deb"))[0]
    subprocess.run(["dpkg-deb", "-x", deb, os.path.join(tmp, "x")], check=True)
    return os.path.join(tmp, "x", "bin", "busybox")


def sweep(path, nblocks):
    f = ELFFile(open(path, "rb"))
    text = f.get_section_by_name(".text")
    base, data = text["sh_addr"], text.data()

    def fetch(addr):
        off = addr - base
        if 0 <= off <= len(data) - 4:
            return int.from_bytes(data[off:off + 4], "little")
        return None

    blocks, pc = [], base + len(data) // 4 // 4 * 4      # start a quarter into .text
    t0 = time.perf_counter()
    while len(blocks) < nblocks:
        b = lift_block(fetch, pc, 1 | 4, {}, HELPER_IDS)
        if b is None:
            break
        blocks.append(b)
        pc = b.end_pc
    return blocks, time.perf_counter() - t0


def compile_all(L, blocks):
    t_llvm = t_link = 0.0
    for i in range(0, len(blocks), BATCH_BLOCKS):
        batch = blocks[i:i + BATCH_BLOCKS]
        text = module_text(batch, L.triple, L.layout)
        t0 = time.perf_counter()
        obj = L.compile(text)
        t1 = time.perf_counter()
        L.link(obj, [b.name for b in batch])
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
        blocks, t_lift = sweep(path, a.blocks)
    L = Llvm.get()
    # rename so the two measurements never collide in the JIT's symbol space
    five = [b for b in blocks if b.ninsns == 5]
    t_llvm, t_link = compile_all(L, blocks)
    for b in five:
        b.ir = b.ir.replace(f"@{b.name}(", f"@{b.name}_5(")
        b.name += "_5"
    t5_llvm, t5_link = compile_all(L, five)
    n = len(blocks)
    ni = sum(b.ninsns for b in blocks)
    print(f"corpus: {os.path.basename(path)} .text, linear sweep, {n} blocks, {ni} guest instructions "
          f"({ni / n:.2f} per block), modules of {BATCH_BLOCKS} blocks")
    print(f"lifting (Python):        {t_lift * 1e3 / n:.3f} ms/block  {t_lift * 1e3 / ni:.3f} ms/insn")
    print(f"LLVM parse + codegen O0: {t_llvm * 1e3 / n:.3f} ms/block  {t_llvm * 1e3 / ni:.3f} ms/insn")
    print(f"link into the JIT:       {t_link * 1e3 / n:.3f} ms/block")
    total = t_lift + t_llvm + t_link
    print(f"total cold translation:  {total * 1e3 / n:.3f} ms/block  {total * 1e3 / ni:.3f} ms/insn")
    if five:
        lift5 = t_lift / ni * 5 * len(five)
        tot5 = lift5 + t5_llvm + t5_link
        print(f"5-instruction blocks only ({len(five)} blocks): LLVM {t5_llvm * 1e3 / len(five):.3f} ms/block, "
              f"link {t5_link * 1e3 / len(five):.3f}, with lifting {tot5 * 1e3 / len(five):.3f} ms/block")


if __name__ == "__main__":
    main()
