"""Block formation and block functions.

A block starts at a guest PC and runs until an instruction that ends it
(branch, exception generation, anything that may change the translation
context: ``Emitter.end_block``), a page boundary (so that invalidation by
physical page is exact), a fetch that fails, or the length limit.  Each
block becomes one LLVM function ``i64 @name(ptr %s)`` returning an EXIT_*
code; see ``emitter.py`` for what the body looks like.
"""
from __future__ import annotations

from ..decode import decode
from ..semantics import lookup
from .emitter import (LlvmEmitter, CRC_GLOBALS, OFF_ICOUNT, OFF_BUDGET, OFF_PC, OFF_PENDING,
                      EXIT_BUDGET, EXIT_EXCEPTION, EXIT_HOT, PAGE_BITS)

MAX_BLOCK_INSNS = 32
M64 = (1 << 64) - 1


class LiftedBlock:
    __slots__ = ("name", "pc", "ctx", "ninsns", "end_pc", "ir", "globals_used", "words", "successors", "limit")

    def __init__(self, name, pc, ctx, ninsns, end_pc, ir, globals_used, words, successors, limit):
        self.successors = successors
        self.limit = limit
        self.name, self.pc, self.ctx, self.ninsns = name, pc, ctx, ninsns
        self.end_pc, self.ir, self.globals_used, self.words = end_pc, ir, globals_used, words


def _imm(v: int) -> str:
    return str(v - (1 << 64) if v >> 63 else v)


def block_name(pc: int, ctx: int, limit: int) -> str:
    return f"b{pc:x}_{ctx:x}" + (f"_n{limit}" if limit != MAX_BLOCK_INSNS else "")


def lift_block(fetch, pc: int, ctx: int, ctx_flags: dict, helper_ids: dict,
               limit: int = MAX_BLOCK_INSNS) -> LiftedBlock | None:
    """Lift the block at ``pc``.  ``fetch(addr)`` returns the instruction
    word or None when it cannot be fetched.  Returns None if the first
    instruction cannot be fetched."""
    e = LlvmEmitter(ctx_flags, helper_ids)
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
    name = block_name(pc, ctx, limit)
    next_pc = e.next_pc if e.next_pc is not None else addr
    out = [f"define i64 @{name}(ptr noalias %s) {{",
           "entry:",
           f"  %icp = getelementptr i8, ptr %s, i64 {OFF_ICOUNT}",
           "  %ic0 = load i64, ptr %icp, align 8",
           f"  %budp = getelementptr i8, ptr %s, i64 {OFF_BUDGET}",
           "  %bud = load i64, ptr %budp, align 8",
           "  %rem = sub i64 %bud, %ic0",
           f"  %short = icmp ult i64 %rem, {n}",
           "  br i1 %short, label %nobudget, label %count",
           "nobudget:",
           f"  ret i64 {EXIT_BUDGET}",
           "count:",
           "  ;COUNT",
           "  br label %body",
           "body:"]
    nxt = next_pc.n if hasattr(next_pc, "n") else str(next_pc - (1 << 64) if next_pc >> 63 else next_pc)
    pcp = e.ptr(OFF_PC)
    out += e.prologue
    out += e.lines
    out += [f"  %icn = add i64 %ic0, {n}",
            "  store i64 %icn, ptr %icp, align 8"]
    # Exits to statically known PCs carry a CHAIN marker: module_text turns
    # it into a tail call when the successor is in the same module.
    chainable = not e.context_may_change and not e.raised
    if chainable and e.cond_exit is not None and e.next_pc is not None and not isinstance(e.next_pc, int):
        c, taken, fall = e.cond_exit
        out += [f"  br i1 {c.n}, label %xt, label %xf",
                "xt:", f"  store i64 {_imm(taken)}, ptr {pcp}, align 8", f"  ;CHAIN {taken}", "  ret i64 0",
                "xf:", f"  store i64 {_imm(fall)}, ptr {pcp}, align 8", f"  ;CHAIN {fall}", "  ret i64 0"]
    else:
        out.append(f"  store i64 {nxt}, ptr {pcp}, align 8")
        if chainable and isinstance(next_pc, int):
            out.append(f"  ;CHAIN {next_pc}")
        out.append("  ret i64 0")
    if e.uses_exc:
        out += ["exc:", f"  ret i64 {EXIT_EXCEPTION}"]
    out.append("}")
    # Statically known successors (for batching): branch targets, the return
    # point of SVC-like exceptions, or the fall-through.
    successors = e.succ if e.next_pc is not None or e.raised else [addr]
    return LiftedBlock(name, pc, ctx, n, addr, "\n".join(out), e.globals_used, words, successors, limit)


INTRINSICS = """
declare i8 @llvm.fshr.i8(i8, i8, i8)
declare i16 @llvm.fshr.i16(i16, i16, i16)
declare i32 @llvm.fshr.i32(i32, i32, i32)
declare i64 @llvm.fshr.i64(i64, i64, i64)
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


def module_text(blocks, triple: str, layout: str, hot_threshold: int = 0) -> str:
    """The LLVM module for a batch of blocks.  With ``hot_threshold`` (tier 0)
    each block counts its executions and returns EXIT_HOT once when the
    count reaches the threshold, so that the runtime can recompile the
    module at a higher optimisation level."""
    used = set()
    for b in blocks:
        used |= b.globals_used
    parts = [f'target triple = "{triple}"', f'target datalayout = "{layout}"', INTRINSICS]
    for g in sorted(used):
        vals = ", ".join(f"i32 {v - (1 << 32) if v >> 31 else v}" for v in CRC_GLOBALS[g])
        parts.append(f"@{g} = private unnamed_addr constant [256 x i32] [{vals}], align 4")
    by_pc = {b.pc: b.name for b in blocks if b.limit == MAX_BLOCK_INSNS}
    for b in blocks:
        ir = _chain(b.ir, by_pc)
        if hot_threshold:
            parts.append(f"@n_{b.name} = internal global i64 0, align 8")
            ir = ir.replace("  ;COUNT", f"  %hc = load i64, ptr @n_{b.name}, align 8\n"
                                        "  %hc1 = add i64 %hc, 1\n"
                                        f"  store i64 %hc1, ptr @n_{b.name}, align 8\n"
                                        f"  %hot = icmp eq i64 %hc1, {hot_threshold}\n"
                                        "  br i1 %hot, label %becomehot, label %body\n"
                                        f"becomehot:\n  ret i64 {EXIT_HOT}", 1)
        parts.append(ir)
    return "\n".join(parts) + "\n"


def _chain(ir: str, by_pc: dict) -> str:
    """Direct block chaining inside a module: at a ``;CHAIN pc`` marker whose
    successor is in this module, tail-call it (after checking the pending
    word, so interrupts still stop native execution at a block boundary)
    instead of returning to the dispatcher.  The successor checks the
    instruction budget itself on entry."""
    if ";CHAIN" not in ir:
        return ir
    out, k = [], 0
    lines = ir.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("  ;CHAIN "):
            succ = by_pc.get(int(line[9:]))
            i += 1                                   # the following "ret i64 0"
            if succ is None:
                out.append(lines[i])
            else:
                k += 1
                out += [f"  %chp{k} = getelementptr i8, ptr %s, i64 {OFF_PENDING}",
                        f"  %chv{k} = load volatile i64, ptr %chp{k}, align 8",
                        f"  %chz{k} = icmp eq i64 %chv{k}, 0",
                        f"  br i1 %chz{k}, label %chgo{k}, label %chret{k}",
                        f"chgo{k}:",
                        f"  %chr{k} = musttail call i64 @{succ}(ptr %s)",
                        f"  ret i64 %chr{k}",
                        f"chret{k}:",
                        "  ret i64 0"]
        else:
            out.append(line)
        i += 1
    return "\n".join(out)
