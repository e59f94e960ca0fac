"""The CPU state: one contiguous C structure.

What generated code may rely on (field offsets, the formats of the engine
words, the TLB entry format) is described in runtime/abi.py.

Generated native code (the LLVM backend) addresses every field by a fixed byte
offset into this structure; Python reads and writes it through ctypes.  Keep
fields naturally aligned and never reorder them without bumping
``STATE_LAYOUT_VERSION`` (the persistent code cache keys on it).

Design choices:
- ``x[31]`` holds the *current* stack pointer (SP_EL0 or SP_ELx, chosen by
  PSTATE.EL and PSTATE.SPSel) so that register number 31 in an "SP" context is
  an ordinary array slot for generated code.  The banked values of the SPs
  that are not current live in ``sp_el[0..2]``; ``Cpu`` (runtime/cpu.py) swaps them
  whenever EL or SPSel changes (as QEMU's aarch64_restore_sp/save_sp do).
- NZCV are four separate bytes (0/1): generated code can then drop dead flag
  writes, and the interpreter avoids masking.
- System registers live in ``sysregs[]``; runtime/sysregs.py assigns each
  stored register a slot.
"""
from __future__ import annotations

import ctypes

STATE_LAYOUT_VERSION = 5
SYSREG_SLOTS = 512
TLB_ENTRIES = 4096             # soft TLB: entries of TLB_ENTRY_WORDS u64 {read tag, write tag, addend, pad}
TLB_ENTRY_WORDS = 4            # (the format of an entry is runtime/abi.py's)
TLBI_LOG_ENTRIES = 32          # TLBI by VA done by generated code, for the runtime (runtime/abi.py)

u8, u32, u64 = ctypes.c_uint8, ctypes.c_uint32, ctypes.c_uint64


class CpuState(ctypes.Structure):
    _fields_ = [
        ("x", u64 * 32),          # X0..X30, [31] = current SP
        ("pc", u64),
        ("n", u8), ("z", u8), ("c", u8), ("v", u8),   # PSTATE.NZCV
        ("el", u8),               # PSTATE.EL (0..2)
        ("spsel", u8),            # PSTATE.SPSel
        ("ss", u8),               # PSTATE.SS
        ("il", u8),               # PSTATE.IL
        ("daif", u32),            # PSTATE.DAIF in bits 9:6 (as the DAIF register)
        ("pan", u8),
        ("lines", u8),            # interrupt lines asserted (Cpu.irq_line...: LINE_* bits, runtime/abi.py)
        ("_pad0", u8 * 2),
        ("sp_el", u64 * 3),       # banked SP_EL0/1/2 (the live one is x[31])
        ("vreg", u64 * 64),       # V0..V31, 128 bits each, little-endian halves
        ("fpcr", u32), ("fpsr", u32),
        # Local exclusive monitor (ARM ARM B2.9): address/size of the last
        # load-exclusive, valid flag.
        ("excl_addr", u64), ("excl_size", u64), ("excl_valid", u64),
        # Engine words, used by the native dispatcher and block exits (JIT):
        # exact retired-instruction count and the budget it runs to, the
        # pending-event word (interrupt/deadline/halt: leave native code),
        # the translation context of the current PSTATE/SCTLR (part of every
        # block key), a helper's return value (16 bytes: a pair), and the
        # jump cache's address (for the dispatcher), and the address of the
        # soft TLB's native refill parameters (runtime/abi.py "the native refill"; 0: none).
        ("icount", u64), ("budget", u64), ("pending", u64), ("ctx", u64),
        ("helper_ret", u64), ("helper_ret2", u64), ("jc_ptr", u64), ("refill_ptr", u64),
        # Exception raised by the instruction at ``pc`` (filled by generated
        # code or helpers before an exit): EC, ISS, FAR, and flags: bit 0 FAR
        # valid, bits 15:8 preferred-return offset, bits 23:16 target EL + 1.
        ("exc_ec", u64), ("exc_iss", u64), ("exc_far", u64), ("exc_flags", u64),
        ("sysregs", u64 * SYSREG_SLOTS),
        # The soft TLB (filled by the runtime, probed inline by generated code
        # at constant offsets from the state pointer: no pointer to load).
        ("tlb", u64 * (TLB_ENTRIES * TLB_ENTRY_WORDS)),
        # The trace buffer's next free entry and its end (host addresses;
        # equal, 0, when not tracing): runtime/abi.py "the trace buffer".
        ("trace_ptr", u64), ("trace_end", u64),
        # TLBI by VA that generated code did itself (the soft TLB's entry dropped
        # there) and the MMU's TLB has yet to see (runtime/abi.py "the TLBI log"),
        # and the map of virtual pages that may hold translated code (a page on
        # it takes the runtime's path).
        ("tlbi_n", u64), ("tlbi_log", u64 * TLBI_LOG_ENTRIES), ("code_vmap_ptr", u64),
    ]


def offset_of(field: str) -> int:
    """Byte offset of a field: what generated code uses."""
    return getattr(CpuState, field).offset

