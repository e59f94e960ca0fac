"""The generated-code ABI: every format that generated native code, the
native dispatcher and the Python side (runtime and JIT engine) share.

Each packed format has its pack and its unpack function here, next to each
other, and nothing else packs or unpacks it (as Dynarmic keeps its location
descriptor and JIT state in one header each).  It lives at the bottom of the
layers (runtime/), because both the runtime (the CPU computes the
translation context; the MMU will fill the soft TLB) and the translator (the
LLVM emitter, the dispatcher, the engine) depend on it.

Persistent code depends on everything here: ``ABI_KEY`` (part of the code
cache key) changes whenever a format, the state layout or the helper list
changes, so stale object code is never linked.

Contents:
- state offsets that generated code uses (``OFF_*``);
- block/dispatcher exit codes (``EXIT_*``) and the pending-event bits;
- runtime-entry kinds, helper ids, and the packed ``info`` word of a
  runtime call;
- the data-abort syndrome hint (``pack_isv``/``unpack_isv``);
- the exception flags word (``pack_exc_flags``/``unpack_exc_flags``);
- the translation context (``pack_ctx``/``unpack_ctx``);
- the soft-TLB and jump-cache geometry and entry formats.
"""
from __future__ import annotations

import ctypes
import functools
import inspect
from typing import NamedTuple

from . import helpers as _helpers
from .state import offset_of, STATE_LAYOUT_VERSION, TLB_ENTRIES as _TLB_N, TLB_ENTRY_WORDS, TLBI_LOG_ENTRIES as _TLBI_N

ABI_VERSION = 9          # bump when the meaning of a format below changes
M64 = (1 << 64) - 1

# ---- state offsets used by generated code ------------------------------------
OFF_X = offset_of("x")
OFF_V = offset_of("vreg")                             # V[n] at OFF_V + 16 * n, low half first
OFF_PC = offset_of("pc")
OFF_SP_EL = offset_of("sp_el")                       # banked SP_EL0..SP_EL2 (the live SP is x[31])
OFF_FLAGS = {k: offset_of(k) for k in "nzcv"}        # one byte each, 0 or 1
OFF_ICOUNT = offset_of("icount")
OFF_BUDGET = offset_of("budget")
OFF_PENDING = offset_of("pending")
OFF_CTX = offset_of("ctx")
OFF_JC_PTR = offset_of("jc_ptr")
OFF_REFILL_PTR = offset_of("refill_ptr")
OFF_EL = offset_of("el")                             # u8
OFF_HELPER_RET = offset_of("helper_ret")
OFF_FPCR = offset_of("fpcr")
OFF_FPSR = offset_of("fpsr")
OFF_TLB = offset_of("tlb")
OFF_SYSREGS = offset_of("sysregs")                   # u64 per register, slots: runtime/sysregs.py SLOT
OFF_DAIF = offset_of("daif")
OFF_LINES = offset_of("lines")
# CpuState.lines: the interrupt lines asserted now (Cpu's irq_line... properties keep it), so
# that generated code unmasking PSTATE.DAIF can tell whether anything might be taken.
LINE_IRQ, LINE_FIQ, LINE_SERROR, LINE_VIRQ, LINE_VFIQ = 1, 2, 4, 8, 16
OFF_EXC = {k: offset_of("exc_" + k) for k in ("ec", "iss", "far", "flags")}
OFF_EXCL = {k: offset_of("excl_" + k) for k in ("addr", "size", "valid")}
OFF_TLBI_N = offset_of("tlbi_n")
OFF_TLBI_LOG = offset_of("tlbi_log")
OFF_CODE_VMAP_PTR = offset_of("code_vmap_ptr")

# ---- exit codes (returned by block functions and by the dispatcher) ----------
EXIT_OK = 0            # (block) continue with the next block
EXIT_NOTRANS = 1       # no translation for (pc, ctx) in the jump cache
EXIT_PENDING = 2       # pending event (interrupt, deadline, halt)
EXIT_BUDGET = 3        # (at a block boundary, nothing of the next block executed) it does not fit
                       # in the budget, or an exit was requested, or (tier 0) the module became hot
EXIT_EXCEPTION = 4     # the instruction at pc raised an exception (exc_* or the engine hold it)

# ---- pending-event bits (CpuState.pending; any bit: leave native code) -------
PENDING_HALT = 1             # WFI, or a runtime error to report
PENDING_INVALIDATED = 2      # translations were dropped while native code ran
PENDING_HOT = 4              # a hot-tier module finished compiling: come back to swap it in
PENDING_IRQ = 8              # an interrupt can be taken (after an MSR, ERET, ... or a line change)
PENDING_HOST = 16            # the host needs the run loop (a stop request, console input): engines
                             # return and never clear it; the run loop's owner does (clear_host_request)


def request_exit(state, bit: int) -> None:
    """Make native code leave at the next block boundary: set a pending bit
    and zero the budget word, which every block checks on entry (as QEMU's
    icount_decr exit request).  Safe from any thread: the run loop restores
    the budget after it has cleared the pending word."""
    state.pending |= bit
    state.budget = 0


def clear_host_request(state) -> None:
    state.pending &= ~PENDING_HOST


# ---- the runtime entry: a64_helper(s, info, a, b, c, pc) -> ptr --------------
HELPER_SYMBOL = "a64_helper"
# kinds (info bits 7:0)
HELPER_MEM_READ, HELPER_MEM_WRITE, HELPER_CALL, HELPER_MEM_READ_PAIR, HELPER_MEM_WRITE_PAIR, HELPER_FP, \
    HELPER_TRACE = range(7)
# HELPER_TRACE: the trace buffer is full (a block's entry, nothing executed): the runtime
# writes it out and resets CpuState.trace_ptr (see "the trace buffer" below).
# HELPER_FP: a floating-point operation (the translator's fpops registry; its
# id is info bits 23:8, see pack_fp_info): reads FPCR, ORs flags into FPSR,
# puts its result in helper_ret; it never raises and touches nothing else.


def pack_fp_info(op_id: int) -> int:
    """The ``info`` word of a HELPER_FP call (operation id in bits 23:8)."""
    return HELPER_FP | op_id << 8


def unpack_fp_id(info: int) -> int:
    return info >> 8 & 0xFFFF

# Helper ids are positions in runtime.helpers.HELPERS (the one registry).
HELPER_NAMES = tuple(_helpers.HELPERS)
HELPER_IDS = {n: i for i, n in enumerate(HELPER_NAMES)}
HELPER_FNS = tuple(_helpers.HELPERS.values())
HELPER_ARITY = tuple(len(inspect.signature(f).parameters) - 1 for f in HELPER_FNS)   # without cpu
#: per helper: None (after it: the context, halt, interrupts are looked at again), or
#: whether only interrupts are (runtime/helpers.py KEEP_CONTEXT)
HELPER_KEEPS_CONTEXT = tuple(_helpers.KEEP_CONTEXT.get(n) for n in HELPER_NAMES)


def pack_info(kind: int, arg: int = 0, acc: int = 0, isv: int = 0, index: int = 0) -> int:
    """The ``info`` argument of a runtime call: bits 7:0 kind, 15:8 the
    access size (memory kinds) or helper id (HELPER_CALL), 23:16 access
    flags, 39:24 the syndrome hint (``pack_isv``), 63:40 the index of the
    instruction in its block (the state's count is the block's entry count
    during a block: the runtime adds it when the access faults)."""
    return kind | arg << 8 | acc << 16 | isv << 24 | index << 40


def unpack_info(info: int) -> tuple[int, int, int, int, int]:
    """(kind, size or helper id, access flags, syndrome hint, index in block)."""
    return info & 0xFF, info >> 8 & 0xFF, info >> 16 & 0xFF, info >> 24 & 0xFFFF, info >> 40


def pack_isv(isv) -> int:
    """Pack the semantics' (sse, srt, sf, ar) data-abort syndrome hint (or None)."""
    if isv is None:
        return 0
    sse, srt, sf, ar = isv
    return 1 | int(sse) << 1 | srt << 2 | int(sf) << 7 | int(ar) << 8


def unpack_isv(code: int):
    if not code & 1:
        return None
    return (bool(code >> 1 & 1), code >> 2 & 31, bool(code >> 7 & 1), bool(code >> 8 & 1))


# ---- exception raised by generated code: exc_ec, exc_iss, exc_far, exc_flags --
def pack_exc_flags(far_valid: bool, return_offset: int = 0, target_el: int | None = None) -> int:
    """exc_flags: bit 0 FAR valid, bits 15:8 preferred-return offset, bits
    23:16 target EL + 1 (0: the default target)."""
    return int(far_valid) | return_offset << 8 | (0 if target_el is None else target_el + 1) << 16


def unpack_exc_flags(flags: int) -> tuple[bool, int, int | None]:
    """(FAR valid, return offset, target EL or None)."""
    t = flags >> 16 & 0xFF
    return bool(flags & 1), flags >> 8 & 0xFF, t - 1 if t else None


# ---- translation context (CpuState.ctx, part of every translation's key) ------
class Ctx(NamedTuple):
    el: int
    spsel: int
    align_all: bool        # SCTLR_ELx.A: every access checked for alignment
    sp_align: bool         # SCTLR_ELx.SA (SA0 at EL0): SP alignment checking
    mmu: bool              # stage-1 translation on for the current regime
    stage2: bool = False   # stage-2 translation on (HCR_EL2.VM)
    asid: int = 0          # the current ASID at EL0 when stage 1 of the EL1&0 regime is on
    vmid: int = 0          # the current VMID when stage 2 is on
    fp: int = 0            # what FP/AdvSIMD instructions do here: FP_* below (Cpu.fp_access)
    fp_host: bool = False  # FPCR.RMode = round to nearest and FPCR.FZ = 0: the JIT may use host FP
    trace: int = 0         # TRACE_*: record blocks or instructions executed (a64jit boot --trace)
    dz: bool = False       # DC ZVA runs here without a trap (SCTLR_EL1.DZE at EL0, HCR_EL2.TDZ below EL2)


def pack_ctx(el: int, spsel: int, align_all: bool, sp_align: bool, mmu: bool, stage2: bool = False,
             asid: int = 0, vmid: int = 0, fp: int = 0, fp_host: bool = False, trace: int = 0,
             dz: bool = False) -> int:
    """Bits 1:0 EL, 2 SPSel, 3 alignment checking, 4 SP alignment checking, 5 stage 1 on,
    6 stage 2 on, 22:7 ASID, 30:23 VMID, 33:31 FP/AdvSIMD access (FP_*), 34 FPCR allows host
    FP (round to nearest, no flush to zero: MSR FPCR ends its block), 36:35 trace level, 37 DC ZVA
    without a trap (MSR SCTLR_EL1/HCR_EL2 end their blocks).  (Translations are keyed
    by the virtual PC and this: code at the same VA in another address space is another
    translation.)"""
    return (el | spsel << 2 | int(align_all) << 3 | int(sp_align) << 4 | int(mmu) << 5 | int(stage2) << 6
            | asid << 7 | vmid << 23 | fp << 31 | int(fp_host) << 34 | trace << 35 | int(dz) << CTX_DZ_BIT)


CTX_DZ_BIT = 37         # (the native refill's DC ZVA reads it from CpuState.ctx)


# Ctx.fp: what an FP/AdvSIMD instruction does at the current EL (AArch64.CheckFPAdvSIMDEnabled,
# computed by Cpu.fp_access; runtime.exceptions.fp_access_exception makes the exception).
FP_UNDEF = 0            # FP/AdvSIMD not enabled (Cpu.fp_enabled): UNDEFINED
FP_OK = 1
FP_TRAP_EL1 = 2         # CPACR_EL1.FPEN: EC 0x07 to EL1
FP_TRAP_EL2 = 3         # CPTR_EL2.TFP: EC 0x07 to EL2
FP_TRAP_EL2_TGE = 4     # CPACR_EL1.FPEN with HCR_EL2.TGE: routed to EL2 as Uncategorized (EC 0)


@functools.lru_cache(maxsize=256)           # a handful of contexts, unpacked once per block lifted
def unpack_ctx(ctx: int) -> Ctx:
    return Ctx(ctx & 3, ctx >> 2 & 1, bool(ctx >> 3 & 1), bool(ctx >> 4 & 1), bool(ctx >> 5 & 1),
               bool(ctx >> 6 & 1), ctx >> 7 & 0xFFFF, ctx >> 23 & 0xFF, ctx >> 31 & 7, bool(ctx >> 34 & 1),
               ctx >> 35 & 3, bool(ctx >> CTX_DZ_BIT & 1))


# ---- soft TLB (CpuState.tlb; probed inline by generated code) ----------------
# Entry i at OFF_TLB + TLB_ENTRY_SIZE * i: u64 read tag, u64 write tag, u64
# addend (host address minus guest page address), u64 pad.  A probe hits when
# the tag equals the page of the access's last byte (or, with alignment
# required, the address masked with PAGE_MASK | (size - 1)).
PAGE_BITS = 12
PAGE_MASK = ~((1 << PAGE_BITS) - 1) & M64
TLB_ENTRIES = _TLB_N
TLB_BITS = TLB_ENTRIES.bit_length() - 1
TLB_ENTRY_SIZE = 8 * TLB_ENTRY_WORDS
TLB_READ_TAG, TLB_WRITE_TAG, TLB_ADDEND = 0, 8, 16        # byte offsets in an entry
TLB_EMPTY = M64              # a tag no probe key can equal
assert TLB_ENTRIES == 1 << TLB_BITS and TLB_ENTRY_SIZE == 32


TLB_FOLD = PAGE_BITS + TLB_BITS     # the page number's bits above the index are folded in (XOR)
TLB_VA_PAGE = ((1 << 56) - 1) & PAGE_MASK    # VA[55:12] of a tag: what TLBI by VA names (tags ignored)


def tlb_index(va: int) -> int:
    """Entry of a virtual address (must match the emitter's probe): the
    low bits of the page number XOR the next ones, so that pages 16 MiB
    apart (a kernel's text and its data, its image and its linear map)
    do not evict each other."""
    return (va >> PAGE_BITS ^ va >> TLB_FOLD) & (TLB_ENTRIES - 1)


# ---- the TLBI log (CpuState.tlbi_n, tlbi_log; code_vmap_ptr) -----------------
# A TLBI by VA at EL1 (VAE1, VALE1, VAAE1, VAALE1, +IS) that does not trap and
# names a page not on the code map is done by generated code: it empties the
# soft TLB's entry of the page, if it holds it, and appends the page to the log
# (full: the runtime's path).  The runtime empties the log (Cpu.drain_tlbi_log)
# before anything reads the MMU's TLB: the MMU drops the page's entries, the
# JIT the page in the soft TLBs it keeps for other ELs.  An entry: the page's
# address (as runtime/mmu.py tlbi_target reads it from Xt) | 1 if
# not last-level only (table entries too: the walk cache is emptied).
# The code map: CODE_VMAP_BITS bits (engine memory), bit code_vmap_index(page)
# set for every virtual page translated code came from (never cleared:
# a stale bit only sends that page's TLBI to the runtime).
TLBI_LOG_ENTRIES = _TLBI_N
CODE_VMAP_BITS = 16


def pack_tlbi_log(page: int, all_levels: bool) -> int:
    return page | int(all_levels)


def unpack_tlbi_log(entry: int) -> tuple[int, bool]:
    return entry & PAGE_MASK, bool(entry & 1)


def code_vmap_index(page: int) -> int:
    """The code map's bit of a virtual page (must match the emitter's)."""
    return (page >> PAGE_BITS ^ page >> (PAGE_BITS + CODE_VMAP_BITS)) & ((1 << CODE_VMAP_BITS) - 1)


# ---- the native refill (engine memory; its address is CpuState.refill_ptr) ----
# What translator/lift/refill.py's native front of a64_helper needs to walk
# stage 1 and fill the soft TLB for a slow-path access (the runtime publishes
# it: JitEngine._publish_refill, from Mmu.refill_params).  Not read by
# generated code: the front is linked per process, so these formats are not
# part of ABI_KEY.  ``valid``: 1 when published for the soft TLB's current
# context at EL ``el`` (checked against PSTATE.EL); ``split``: 1 for the
# EL1&0 regime (VA bit 55 selects ``ranges[1]``, TTBR1's), 0 for EL2 (one
# range); ``ram_*``: the RAM region descriptors and data may come from (its
# base, size and host address); ``code_map``: address of a bitmap, a bit per
# 4 KiB page of that RAM (by offset), set while the page holds translated
# code (never mapped for writes); ``fills``: entries the front filled;
# ``zva``: 1 when it may do DC ZVA (where Ctx.dz says it does not trap) too
# (not while a tracer records cache maintenance).
# A range: ``ok`` (walks from it are 4 KiB-granule walks the front may do),
# the input size, the mask and value the VA bits from it upwards must have,
# the output address bits, the start level, its index bits, the table base.
class RefillRange(ctypes.Structure):
    _fields_ = [(n, ctypes.c_uint64) for n in ("ok", "inputsize", "range_mask", "want", "outbits", "start",
                                               "first_bits", "base")]


class Refill(ctypes.Structure):
    _fields_ = [(n, ctypes.c_uint64) for n in ("valid", "el", "split", "mair", "ram_base", "ram_size", "ram_host",
                                               "code_map", "fills", "zva")] + [("ranges", RefillRange * 2)]


# ---- jump cache (engine memory; its address is CpuState.jc_ptr) --------------
# Entries {u64 pc, u64 ctx, u64 module function, u64 block index}; an empty
# entry has an odd pc tag (never a PC).  Two-way: (pc, ctx) is looked for in
# entry jc_index and in its neighbour jc_index ^ 1 (the same 64-byte line:
# the cache is 64-byte aligned), so that two hot blocks whose index collides
# both stay (a warm Linux boot's returns for a block not found: 144K -> see
# docs/performance.md, session 9).  65,536 entries, not 32,768: the boot's
# returns for a block not found 67K -> 49K; it is emptied 14 times a boot.
JC_BITS = 16                 # 65,536 entries (2 MiB)
JC_ENTRIES = 1 << JC_BITS
JC_ENTRY_SIZE = 32
JC_EMPTY = M64


def jc_index(pc: int, ctx: int) -> int:
    """Entry of (pc, ctx) (must match the dispatcher's IR)."""
    return ((pc >> 2) ^ (ctx << 7)) & (JC_ENTRIES - 1)


# ---- the trace buffer (CpuState.trace_ptr/trace_end; a64jit boot --trace) -----
# Ctx.trace: TRACE_BLOCKS: blocks record themselves (below); TRACE_INSNS:
# blocks of one instruction, each ending with a HELPER_TRACE call (arg 1, a =
# the instruction word) after its state is stored: the runtime records the
# instruction and the registers it changed.
TRACE_OFF, TRACE_BLOCKS, TRACE_INSNS = 0, 1, 2
TRACE_FULL, TRACE_INSN = 0, 1          # HELPER_TRACE's arg: the buffer is full / an instruction retired
# With Ctx.trace, every block appends one entry {u64 pc, u64 trace word} at
# trace_ptr on entry (after its budget check: a block that leaves there is not
# recorded) and advances trace_ptr by TRACE_ENTRY_SIZE; when trace_ptr has
# reached trace_end it first makes a HELPER_TRACE call, after which trace_ptr
# has room.  The runtime (runtime/trace.py) writes the entries out.
OFF_TRACE_PTR = offset_of("trace_ptr")
OFF_TRACE_END = offset_of("trace_end")
TRACE_ENTRY_SIZE = 16


def pack_trace_word(icount: int, el: int, ninsns: int) -> int:
    """Bits 55:0 the count at the block's entry, 57:56 EL, 63:58 its
    instruction count (blocks have at most 63)."""
    return icount & ((1 << 56) - 1) | el << 56 | ninsns << 58


def unpack_trace_word(w: int) -> tuple[int, int, int]:
    """(count at entry, EL, instructions)."""
    return w & ((1 << 56) - 1), w >> 56 & 3, w >> 58


# ---- identity of all of the above, for the code cache key ---------------------
ABI_KEY = f"abi{ABI_VERSION}|state{STATE_LAYOUT_VERSION}|tlb{TLB_BITS}|jc{JC_BITS}|" + ",".join(HELPER_NAMES)
