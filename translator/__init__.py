"""a64jit translator: what turns guest code into something runnable — the A64
encoding table and decoder, the instruction semantics (written once), the
reference interpreter backend and (next) the LLVM backend and JIT."""
