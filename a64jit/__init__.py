"""a64jit: a system-level AArch64 emulator whose guest code runs as native
code (A64 blocks lifted to LLVM IR, JIT-compiled with llvmlite).

Layers, bottom up (nothing imports upwards):

- ``a64jit.runtime`` (folder runtime/): what the guest runs on — CPU state,
  memory, system registers, exceptions, the generated-code ABI; later the
  MMU and devices.
- ``a64jit.translator`` (folder translator/): what turns guest code into
  something runnable — the encoding table, decoder, semantics, the
  interpreter and the LLVM JIT, behind one engine interface.
- ``a64jit`` itself (folder a64jit/): the composition — the machine and its
  run loop, ``run_snippet``, the command line.
"""
__version__ = "0.1.0"
