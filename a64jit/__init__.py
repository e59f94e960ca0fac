"""a64jit: a system-level AArch64 emulator whose guest code runs as native
code (A64 blocks lifted to LLVM IR, JIT-compiled with llvmlite).

Layers, bottom up (nothing imports upwards):

- ``a64jit.runtime`` (folder runtime/): what the guest runs on — CPU state,
  memory, the MMU, system registers, exceptions, the generated-code ABI,
  the devices (runtime/devices/) and the clock.
- ``a64jit.translator`` (folder translator/): what turns guest code into
  something runnable — the encoding table, decoder, semantics, the
  interpreter and the LLVM JIT, behind one engine interface.
- ``a64jit`` itself (folder a64jit/): the composition — the virt board and
  the run loop, the boot loader, device tree and boot-contract checker, the
  host console, ``run_snippet``, the command line.
"""
__version__ = "0.1.0"
