"""Block formation and the module function.

A block starts at a guest PC and runs until an instruction that ends it
(branch, exception generation, anything that may change the translation
context: ``Emitter.end_block``), a page boundary (so that invalidation by
physical page is exact), a fetch that fails, or the length limit.

All blocks of a batch live in **one LLVM function per module**,
``i64 @a64_blocks(ptr %s, i64 %idx)``: the dispatcher enters block ``idx``
through a switch; a block returns an EXIT_* code.  (Per-function costs
dominate LLVM's O0 code generation for small functions: one function for 64
blocks compiles in about two thirds of the time of 64 functions.)  Block
``k`` is the label ``P<pc>``; it starts with the entry check

    if (icount + n > budget) leave (EXIT_BUDGET)

so that every block, entered from the dispatcher or chained, stops at the
budget with an exact count; an event for the runtime (``request_exit`` in
runtime/abi.py) sets the pending word and zeroes the budget, so native code leaves
at the next block boundary.  Exits to a statically known PC *chain*: they store the
PC and branch to that block's label (``module_text`` turns labels of blocks
outside the module into ``ret`` stubs back to the dispatcher).
"""
from __future__ import annotations

from ...runtime.abi import (unpack_ctx, OFF_HELPER_RET, HELPER_SYMBOL, OFF_ICOUNT, OFF_BUDGET, OFF_PC, EXIT_BUDGET, EXIT_EXCEPTION,
                            PAGE_BITS, OFF_TRACE_PTR, OFF_TRACE_END, TRACE_ENTRY_SIZE, TRACE_BLOCKS, TRACE_INSNS,
                            TRACE_FULL, TRACE_INSN, HELPER_TRACE, pack_info, pack_trace_word, OFF_JC_PTR)
from ..decode import decode
from .dispatch import jc_probe, jc_target
from ..semantics import lookup
from .emitter import (LlvmEmitter, V, CRC_GLOBALS, ENTRY_VALUES, TBAA_METADATA, TBAA_STATE, SYNC_MARK, RELOAD_MARK, _c, _slot,
                      slot_state)

MAX_BLOCK_INSNS = 32
M64 = (1 << 64) - 1
MODULE_FN = "a64_blocks"
assert ENTRY_VALUES == 6            # the value numbers of the entry sequence written by _lifted


class LiftedBlock:
    __slots__ = ("pc", "ctx", "ninsns", "end_pc", "ir", "globals_used", "words", "successors", "limit",
                 "chains", "base", "next_base", "hot", "used", "written")

    def __init__(self, pc, ctx, ninsns, end_pc, ir, globals_used, words, successors, limit, chains,
                 base, next_base, hot=False, used=(), written=()):
        self.pc, self.ctx, self.ninsns, self.end_pc, self.ir = pc, ctx, ninsns, end_pc, ir
        self.globals_used, self.words, self.successors, self.limit = globals_used, words, successors, limit
        self.chains = chains                  # PCs whose labels this block branches to
        self.base, self.next_base = base, next_base    # value numbers used: [base, next_base)
        self.hot, self.used, self.written = hot, used, written   # the hot tier's register slots


def label(pc: int) -> str:
    return f"P{pc:x}"


def lift_block(fetch, pc: int, ctx: int, limit: int = MAX_BLOCK_INSNS, base: int = 0,
               hot: bool = False) -> LiftedBlock | None:
    """Lift the block at ``pc`` in translation context ``ctx`` (packed, see
    ``abi.pack_ctx``), numbering its values from ``base`` (the
    ``next_base`` of the block before it in the module).  ``fetch(addr)``
    returns the instruction word or None when it cannot be fetched.
    Returns None if the first instruction cannot be fetched.  ``hot``: for the
    hot tier, registers in the module function's allocas (``LlvmEmitter``);
    not at instruction-trace level, whose runtime call reads them from the state."""
    c = unpack_ctx(ctx)
    e = LlvmEmitter(c, base, hot and c.trace != TRACE_INSNS)
    if c.trace == TRACE_INSNS:
        limit = 1                                       # one instruction a block: each is recorded
    words = []
    addr = pc
    for i in range(limit):
        word = fetch(addr)
        if word is None:
            break
        words.append(word)
        insn = decode(word)
        e.pc, e.word, e.index = addr, word, i
        lookup(insn.name)(e, insn.f)
        addr = (addr + 4) & M64
        if e.ended or addr & ((1 << PAGE_BITS) - 1) == 0:
            break
    n = len(words)
    if n == 0:
        return None
    e.flush()
    e.set_icount(V(f"%{base + 4}", 64))                  # the count at block end (see _lifted)
    if c.trace == TRACE_INSNS:                            # the state is stored: record the instruction
        e.emit(f"%tri{base} = call ptr @{HELPER_SYMBOL}(ptr %s, i64 {pack_info(HELPER_TRACE, TRACE_INSN)}, i64 {words[0]}, "
               f"i64 {c.el}, i64 0, i64 {_c(pc, 64)})")
    # Exits to statically known PCs chain to that block's label.
    chainable = not e.context_may_change and not e.raised
    next_pc = e.next_pc if e.next_pc is not None else addr
    chains = []
    if chainable and e.cond_exit is not None and e.next_pc is not None and not isinstance(e.next_pc, int):
        c, taken, fall = e.cond_exit
        chains += [taken, fall]
        if taken > pc and fall > pc:           # forward both: no hot counting, branch straight there
            e.set_pc(e.select(c, taken, fall, 64))
            e.emit(f"br i1 {c.n}, label %{label(taken)}, label %{label(fall)}")
            return _lifted(e, pc, ctx, n, addr, words, limit, chains, base)
        xt, xf = e.new_label("xt"), e.new_label("xf")
        e.emit(f"br i1 {c.n}, label %{xt}, label %{xf}")
        for lab, target in ((xt, taken), (xf, fall)):
            e.start_label(lab)
            e.set_pc(target)
            _chain(e, pc, target)
    else:
        if chainable and next_pc.__class__ is V and e.hot:
            # The hot tier: leaving the module through the jump cache, PC, the
            # count and the registers are stored in the state first.
            e.st(OFF_PC, next_pc, 64)
            e.st(OFF_ICOUNT, V(f"%{base + 4}", 64), 64)
            e.state_exact()
            _indirect(e, next_pc, ctx)
            return _lifted(e, pc, ctx, n, addr, words, limit, chains, base)
        e.set_pc(next_pc)
        if chainable and isinstance(next_pc, int):
            _chain(e, pc, next_pc)
            chains.append(next_pc)
        elif chainable and next_pc.__class__ is V:
            _indirect(e, next_pc, ctx)
        else:
            e.emit("br label %out" if e.hot else "ret i64 0")
    return _lifted(e, pc, ctx, n, addr, words, limit, chains, base)


def _indirect(e, target: V, ctx: int):
    """An indirect branch (BR, BLR, RET) whose context stays ``ctx``: the
    jump cache probed here, as the dispatcher probes it (``dispatch.jc_probe``),
    and on a hit a tail call of the target's module, so that each branch
    site predicts its own targets and the dispatcher's loop is skipped
    (the target block's entry check still stops at the budget and at
    pending events).  On a miss: back to the dispatcher, PC stored."""
    b = e.new_label("ind")
    e.emit(f"%{b}jp = getelementptr i8, ptr %s, i64 {OFF_JC_PTR}\n"
           f"  %{b}jc = load ptr, ptr %{b}jp{TBAA_STATE}\n"
           + jc_probe(b, target.n, _c(ctx, 64), f"%{b}jc")
           + f"  br i1 %{b}m, label %{b}hit, label %{b}miss\n"
           f"{b}hit:\n"
           + jc_target(b)
           + f"  %{b}r = musttail call i64 %{b}fn(ptr %s, i64 %{b}idx)\n"
           f"  ret i64 %{b}r\n"
           f"{b}miss:\n"
           f"  ret i64 0")


def _lifted(e, pc, ctx, n, addr, words, limit, chains, base) -> LiftedBlock:
    b = base
    icount = (f"  %{b} = getelementptr i8, ptr %RIC, i64 0\n  %{b + 1} = load i64, ptr %{b}\n" if e.hot else
              f"  %{b} = getelementptr i8, ptr %s, i64 {OFF_ICOUNT}\n  %{b + 1} = load i64, ptr %{b}{TBAA_STATE}\n")
    head = (f"{label(pc)}:\n{icount}"
            f"  %{b + 2} = getelementptr i8, ptr %s, i64 {OFF_BUDGET}\n"
            f"  %{b + 3} = load volatile i64, ptr %{b + 2}\n"      # zeroed by exit requests
            f"  %{b + 4} = add i64 %{b + 1}, {n}\n"                # count at block end
            f"  %{b + 5} = icmp ugt i64 %{b + 4}, %{b + 3}\n"
            f"  br i1 %{b + 5}, label %leave, label %{'TR' if e.ctx.trace == TRACE_BLOCKS else 'B'}{b}\n")
    if e.ctx.trace == TRACE_BLOCKS:
        head += _trace_entry(b, pc, e.ctx.el, n)
    head += f"B{b}:\n"
    # Statically known successors (for batching): branch targets, the return
    # point of SVC-like exceptions, or the fall-through.
    successors = e.succ if e.next_pc is not None or e.raised else [addr]
    return LiftedBlock(pc, ctx, n, addr, head + "\n".join(e.lines), e.globals_used, words, successors,
                       limit, chains, base, e.tmp, e.hot, frozenset(e.used | e.written), frozenset(e.written))


def _trace_entry(b: int, pc: int, el: int, n: int) -> str:
    """Append this block's entry {pc, trace word} to the trace buffer (runtime/abi.py
    "the trace buffer"), making room first when it is full.  Named values: the
    numbered ones stay the emitter's."""
    t = f"%tr{b}"
    const = pack_trace_word(0, el, n)
    return (f"TR{b}:\n"
            f"  {t}a = getelementptr i8, ptr %s, i64 {OFF_TRACE_PTR}\n"
            f"  {t}p = load i64, ptr {t}a\n"
            f"  {t}ea = getelementptr i8, ptr %s, i64 {OFF_TRACE_END}\n"
            f"  {t}e = load i64, ptr {t}ea\n"
            f"  {t}f = icmp uge i64 {t}p, {t}e\n"
            f"  br i1 {t}f, label %TF{b}, label %TW{b}\n"
            f"TF{b}:\n"
            f"  {t}h = call ptr @{HELPER_SYMBOL}(ptr %s, i64 {pack_info(HELPER_TRACE, TRACE_FULL)}, i64 0, i64 0, i64 0, "
            f"i64 {_c(pc, 64)})\n"
            f"  {t}p2 = load i64, ptr {t}a\n"
            f"  br label %TW{b}\n"
            f"TW{b}:\n"
            f"  {t}q = phi i64 [{t}p, %TR{b}], [{t}p2, %TF{b}]\n"
            f"  {t}r = inttoptr i64 {t}q to ptr\n"
            f"  store i64 {_c(pc, 64)}, ptr {t}r\n"
            f"  {t}c = and i64 %{b + 1}, {(1 << 56) - 1}\n"
            f"  {t}w = or i64 {t}c, {_c(const, 64)}\n"
            f"  {t}r8 = getelementptr i8, ptr {t}r, i64 8\n"
            f"  store i64 {t}w, ptr {t}r8\n"
            f"  {t}n = add i64 {t}q, {TRACE_ENTRY_SIZE}\n"
            f"  store i64 {t}n, ptr {t}a\n"
            f"  br label %B{b}\n")


INTRINSICS = """
declare i8 @llvm.fshr.i8(i8, i8, i8)
declare i16 @llvm.fshr.i16(i16, i16, i16)
declare i32 @llvm.fshr.i32(i32, i32, i32)
declare i64 @llvm.fshr.i64(i64, i64, i64)
declare float @llvm.sqrt.f32(float)
declare double @llvm.sqrt.f64(double)
declare float @llvm.fma.f32(float, float, float)
declare double @llvm.fma.f64(double, double, double)
declare <4 x float> @llvm.sqrt.v4f32(<4 x float>)
declare <2 x float> @llvm.sqrt.v2f32(<2 x float>)
declare <2 x double> @llvm.sqrt.v2f64(<2 x double>)
declare <4 x float> @llvm.fma.v4f32(<4 x float>, <4 x float>, <4 x float>)
declare <2 x float> @llvm.fma.v2f32(<2 x float>, <2 x float>, <2 x float>)
declare <2 x double> @llvm.fma.v2f64(<2 x double>, <2 x double>, <2 x double>)
declare i32 @llvm.ctlz.i32(i32, i1)
declare i64 @llvm.ctlz.i64(i64, i1)
declare i32 @llvm.bitreverse.i32(i32)
declare i64 @llvm.bitreverse.i64(i64)
declare i16 @llvm.bswap.i16(i16)
declare i32 @llvm.bswap.i32(i32)
declare i64 @llvm.bswap.i64(i64)
declare {i32, i1} @llvm.uadd.with.overflow.i32(i32, i32)
declare {i64, i1} @llvm.uadd.with.overflow.i64(i64, i64)
declare {i32, i1} @llvm.sadd.with.overflow.i32(i32, i32)
declare {i64, i1} @llvm.sadd.with.overflow.i64(i64, i64)
declare {i32, i1} @llvm.usub.with.overflow.i32(i32, i32)
declare {i64, i1} @llvm.usub.with.overflow.i64(i64, i64)
declare {i32, i1} @llvm.ssub.with.overflow.i32(i32, i32)
declare {i64, i1} @llvm.ssub.with.overflow.i64(i64, i64)
"""


def _chain(e, pc: int, target: int):
    """Continue at the block for ``target`` (PC and count are stored).  A
    backward edge (every loop has one) counts down the module's hot counter
    ``%cnt`` and leaves, once, when it reaches zero: the runtime then tiers
    the module up.  (The module entry counts too: see module_text.)"""
    if target <= pc and not e.hot:       # (hot code does not tier up again)
        c = e.op("load i64, ptr %cnt", 64)
        c1 = e.op(f"sub i64 {c.n}, 1", 64)
        e.emit(f"store i64 {c1.n}, ptr %cnt")
        z = e.op(f"icmp eq i64 {c1.n}, 0", 1)
        e.emit(f"br i1 {z.n}, label %tierup, label %{label(target)}")
    else:
        e.emit(f"br label %{label(target)}")


def module_text(blocks, triple: str, layout: str, hot_threshold: int = 0) -> str:
    """The LLVM module for a batch of blocks lifted in this order (each from
    the previous one's ``next_base``).  With ``hot_threshold`` (tier 0)
    the module counts its entries and loop iterations and leaves once,
    without executing, when the count reaches the threshold (like a budget
    exit, but with the budget sufficient: that is how the runtime tells it
    apart), so that the runtime can recompile the module at a higher
    optimisation level."""
    used = set()
    for b in blocks:
        used |= b.globals_used
    parts = [f'target triple = "{triple}"', f'target datalayout = "{layout}"', INTRINSICS]
    for g in sorted(used):
        vals = ", ".join(f"i32 {v - (1 << 32) if v >> 31 else v}" for v in CRC_GLOBALS[g])
        parts.append(f"@{g} = private unnamed_addr constant [256 x i32] [{vals}], align 4")
    parts.append(f"declare ptr @{HELPER_SYMBOL}(ptr, i64, i64, i64, i64, i64)")
    if hot_threshold:
        # Tier 0: the hot counter, counted down at module entries and backward
        # edges; the entry that brings it to zero leaves without executing.
        # The entries are counted too, and given to the runtime when the module
        # leaves to tier up (in helper_ret: ``JitEngine.tier_up``).
        parts.append(f"@cnt = internal global [2 x i64] [i64 {hot_threshold}, i64 0]")
        parts.append(f"define i64 @{MODULE_FN}(ptr noalias %s, i64 %idx) nounwind {{\ntop:\n"
                     "  %cnt = getelementptr i8, ptr @cnt, i64 0\n"
                     "  %hc = load i64, ptr %cnt\n  %hd = sub i64 %hc, 1\n  store i64 %hd, ptr %cnt\n"
                     "  %hent = getelementptr i8, ptr @cnt, i64 8\n"
                     "  %he = load i64, ptr %hent\n  %hf = add i64 %he, 1\n  store i64 %hf, ptr %hent\n"
                     "  %hh = icmp eq i64 %hd, 0\n  br i1 %hh, label %tierup, label %go\ngo:")
    else:                # no tier-up: a local counter (optimised away at O2) that never reaches zero
        parts.append(f"define i64 @{MODULE_FN}(ptr noalias %s, i64 %idx) nounwind {{\ntop:\n"
                     "  %cnt = alloca i64\n  store i64 0, ptr %cnt")
    hot = any(b.hot for b in blocks)
    if hot:
        used, written = set(), set()
        for b in blocks:
            used |= b.used
            written |= b.written
        slots = sorted(used, key=str)
        parts.append(_hot_entry(slots))
    if len(blocks) == 1:
        parts.append(f"  br label %{label(blocks[0].pc)}")
    else:
        parts.append(f"  switch i64 %idx, label %{label(blocks[0].pc)} [ "
                     + " ".join(f"i64 {k}, label %{label(b.pc)}" for k, b in enumerate(blocks)) + " ]")
    have = set()
    targets = set()
    for b in blocks:
        have.add(b.pc)
        targets.update(b.chains)
        parts.append(b.ir)
    # Exits to blocks outside the module return to the dispatcher (PC is stored).
    for pc in sorted(targets - have):
        parts.append(f"{label(pc)}:\n  " + ("br label %out" if hot else "ret i64 0"))
    if hot_threshold:
        parts.append(f"tierup:\n  %tue = load i64, ptr %hent\n  %tup = getelementptr i8, ptr %s, i64 {OFF_HELPER_RET}\n"
                     f"  store i64 %tue, ptr %tup{TBAA_STATE}\n  ret i64 {EXIT_BUDGET}")
    else:                # (hot code does not tier up again: never taken)
        parts.append("tierup:\n  br label %leave")
    if not hot:
        parts.append(f"leave:\n  ret i64 {EXIT_BUDGET}\nexc:\n  ret i64 {EXIT_EXCEPTION}\n}}")
        parts.append(TBAA_METADATA)
        return "\n".join(parts) + "\n"
    # The hot tier: every exit copies the registers the module writes to the
    # state, and PC and the count but where an exception set them.
    pc_ic = (f"  %xpc = load i64, ptr %RPC\n  %xpcp = getelementptr i8, ptr %s, i64 {OFF_PC}\n"
             f"  store i64 %xpc, ptr %xpcp{TBAA_STATE}\n"
             f"  %xic = load i64, ptr %RIC\n  %xicp = getelementptr i8, ptr %s, i64 {OFF_ICOUNT}\n"
             f"  store i64 %xic, ptr %xicp{TBAA_STATE}\n")
    parts.append(f"out:\n  br label %sync\nleave:\n  br label %sync\n"
                 f"sync:\n  %xr = phi i64 [ 0, %out ], [ {EXIT_BUDGET}, %leave ]\n{pc_ic}{SYNC_MARK}\n  ret i64 %xr\n"
                 f"exc:\n{SYNC_MARK}\n  ret i64 {EXIT_EXCEPTION}\n}}")
    parts.append(TBAA_METADATA)
    return _expand_marks("\n".join(parts) + "\n", sorted(written, key=str), slots)


def _hot_entry(slots) -> str:
    """The hot tier's allocas, filled from the state at the module's entry:
    the registers, PC and the count."""
    return "\n".join([f"  {_slot(key)[1]} = alloca {_slot(key)[0]}" for key in slots]
                     + _copy_regs("ent", slots, to_state=False)
                     + [f"  %RPC = alloca i64\n  %epcp = getelementptr i8, ptr %s, i64 {OFF_PC}\n"
                        f"  %epc = load i64, ptr %epcp{TBAA_STATE}\n  store i64 %epc, ptr %RPC\n"
                        f"  %RIC = alloca i64\n  %eicp = getelementptr i8, ptr %s, i64 {OFF_ICOUNT}\n"
                        f"  %eic = load i64, ptr %eicp{TBAA_STATE}\n  store i64 %eic, ptr %RIC"])


def _copy_regs(tag: str, keys, to_state: bool) -> list[str]:
    """IR copying the registers ``keys`` between their allocas and the state
    (named values ``%<tag><i>``: ``tag`` unique in the module)."""
    lines = []
    for i, key in enumerate(keys):
        ty, off, align = slot_state(key)
        v, slot = f"%{tag}{i}", _slot(key)[1]
        gep = f"  {v}p = getelementptr i8, ptr %s, i64 {off}"
        if to_state:
            lines.append(f"  {v} = load {ty}, ptr {slot}\n{gep}\n  store {ty} {v}, ptr {v}p{align}{TBAA_STATE}")
        else:
            lines.append(f"{gep}\n  {v} = load {ty}, ptr {v}p{align}{TBAA_STATE}\n  store {ty} {v}, ptr {slot}")
    return lines


def _expand_marks(text: str, written, used) -> str:
    """SYNC marks: copy the written registers' allocas to the state; RELOAD
    marks: the used ones back from it."""
    out = []
    n = 0
    for line in text.split("\n"):
        if line == SYNC_MARK:
            n += 1
            out += _copy_regs(f"sy{n}_", written, to_state=True)
        elif line == RELOAD_MARK:
            n += 1
            out += _copy_regs(f"rl{n}_", used, to_state=False)
        else:
            out.append(line)
    return "\n".join(out)
