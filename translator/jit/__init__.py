"""The JIT, split by owner (as Numba keeps codegen, caching and dispatch apart):

- ``config``: ``JitConfig``, every environment switch read in one place;
- ``llvm``: the LLVM owner (target machines, LLJIT, compile and link, the
  linked modules shared in the process and their lifetime);
- ``cache``: the persistent, content-keyed code cache on disk;
- ``entry``: the one runtime entry generated code calls;
- ``engine``: ``JitEngine`` (translations, jump cache, soft-TLB fills,
  invalidation, helper calls, tiers, the run loop around the dispatcher).

What generated code and the runtime share (exit codes, packed words, state
offsets, TLB and jump-cache geometry) is runtime/abi.py.
"""
from .config import JitConfig
from .cache import CodeCache
from .engine import JitEngine, Stats, BATCH_BLOCKS

__all__ = ["JitConfig", "CodeCache", "JitEngine", "Stats", "BATCH_BLOCKS"]
