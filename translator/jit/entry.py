"""The one runtime entry of generated code: ``a64_helper(s, info, a, b, c, pc)``
(abi.HELPER_SYMBOL), a ctypes callback, so that linked modules can be
shared between engines.  It finds the engine that owns the calling CPU
state and hands the call to it.  Generated code is bound to the native
front of translator/lift/refill.py (``LlvmJit.install_helper_front``),
which does the soft TLB's commonest misses itself and tail-calls this
entry for everything else."""
from __future__ import annotations

import ctypes
import weakref

HELPER_CFUNC = ctypes.CFUNCTYPE(ctypes.c_uint64, ctypes.c_void_p, ctypes.c_uint64, ctypes.c_uint64,
                                ctypes.c_uint64, ctypes.c_uint64, ctypes.c_uint64)   # (s, info, a, b, c, pc)

_ENGINES: "weakref.WeakValueDictionary[int, object]" = weakref.WeakValueDictionary()


def register(state_addr: int, engine) -> None:
    """Calls from generated code running on the state at ``state_addr`` go
    to ``engine.helper(sptr, info, a, b, c, pc)`` (for as long as it lives)."""
    _ENGINES[state_addr] = engine


def _helper_entry(sptr, info, a, b, c, pc):
    engine = _ENGINES.get(sptr)
    if engine is None:               # cannot happen: an engine outlives its native code
        return 0
    return engine.helper(sptr, info, a, b, c, pc)


_HELPER_ENTRY = HELPER_CFUNC(_helper_entry)
HELPER_ADDR = ctypes.cast(_HELPER_ENTRY, ctypes.c_void_p).value
