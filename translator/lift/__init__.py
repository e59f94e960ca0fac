"""The LLVM backend: the semantics emitted as LLVM IR text (``emitter``),
block functions (``block``) and the native dispatcher (``dispatch``)."""
