"""a64jit.translator (folder translator/): what turns guest code into something
runnable — the A64 encoding table and decoder, the instruction semantics
(written once), the reference interpreter, the LLVM backend (``lift``) and the
JIT (``jit``), behind one engine interface (``engine``).  Imports the runtime
below it, never the composition above (a64jit/)."""
