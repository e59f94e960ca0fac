"""Decoder throughput in words per second.

Two workloads: uniformly random 32-bit words (mostly unallocated: measures
the bucket scan and constraint checks), and words drawn from the demo guest
plus assembler-produced encodings of every row (measures field extraction on
real instructions).  The decoder is called directly, without the per-word cache the lifter uses.

    python benchmarks/decode_throughput.py [--n 200000]
"""
import argparse
import os
import platform
import random
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from a64jit.translator.decode import decode_uncached as decode  # noqa: E402  (the uncached decoder)


def measure(words):
    t0 = time.perf_counter()
    for w in words:
        decode(w)
    return len(words) / (time.perf_counter() - t0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200000)
    args = ap.parse_args()
    rng = random.Random(1)
    rand = [rng.getrandbits(32) for _ in range(args.n)]
    demo = os.path.join(os.path.dirname(__file__), "..", "a64jit", "samples", "demo.bin")
    data = open(demo, "rb").read()
    code = [int.from_bytes(data[i:i + 4], "little") for i in range(64, len(data) - 3, 4)]
    real = [code[i % len(code)] for i in range(args.n)]
    print(f"machine: {platform.machine()} {platform.processor() or ''} Python {platform.python_version()}")
    for name, words in (("random words", rand), ("demo guest code", real)):
        best = max(measure(words) for _ in range(3))
        print(f"{name:>16}: {best:,.0f} words/s")


if __name__ == "__main__":
    main()
