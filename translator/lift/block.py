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
from .emitter import (LlvmEmitter, CRC_GLOBALS, OFF_ICOUNT, OFF_BUDGET, OFF_PC,
                      EXIT_BUDGET, EXIT_EXCEPTION, PAGE_BITS)

MAX_BLOCK_INSNS = 32
M64 = (1 << 64) - 1


class LiftedBlock:
    __slots__ = ("name", "pc", "ctx", "ninsns", "end_pc", "ir", "globals_used", "words", "successors")

    def __init__(self, name, pc, ctx, ninsns, end_pc, ir, globals_used, words, successors):
        self.successors = successors
        self.name, self.pc, self.ctx, self.ninsns = name, pc, ctx, ninsns
        self.end_pc, self.ir, self.globals_used, self.words = end_pc, ir, globals_used, words


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
           "  br i1 %short, label %nobudget, label %body",
           "nobudget:",
           f"  ret i64 {EXIT_BUDGET}",
           "body:"]
    nxt = next_pc.n if hasattr(next_pc, "n") else str(next_pc - (1 << 64) if next_pc >> 63 else next_pc)
    pcp = e.ptr(OFF_PC)
    out += e.prologue
    out += e.lines
    out += [f"  store i64 {nxt}, ptr {pcp}, align 8",
            f"  %icn = add i64 %ic0, {n}",
            "  store i64 %icn, ptr %icp, align 8",
            "  ret i64 0"]
    if e.uses_exc:
        out += ["exc:", f"  ret i64 {EXIT_EXCEPTION}"]
    out.append("}")
    # Statically known successors (for batching): branch targets, the return
    # point of SVC-like exceptions, or the fall-through.
    successors = e.succ if e.next_pc is not None or e.raised else [addr]
    return LiftedBlock(name, pc, ctx, n, addr, "\n".join(out), e.globals_used, words, successors)


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


def module_text(blocks, triple: str, layout: str) -> str:
    used = set()
    for b in blocks:
        used |= b.globals_used
    parts = [f'target triple = "{triple}"', f'target datalayout = "{layout}"', INTRINSICS]
    for g in sorted(used):
        vals = ", ".join(f"i32 {v - (1 << 32) if v >> 31 else v}" for v in CRC_GLOBALS[g])
        parts.append(f"@{g} = private unnamed_addr constant [256 x i32] [{vals}], align 4")
    parts += [b.ir for b in blocks]
    return "\n".join(parts) + "\n"
