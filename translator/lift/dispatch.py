"""The native dispatcher, written once in LLVM IR.

``i64 @a64_dispatch(ptr %s)`` loops: leave on a pending event or when the
instruction budget is used up, look (PC, ctx) up in the jump cache (a
direct-mapped table of {pc, ctx, module function, block index} whose
address is in the state), call the block, repeat.  It returns to Python only with an EXIT_* code.
"""
from __future__ import annotations

from ...runtime.abi import (OFF_PENDING, OFF_ICOUNT, OFF_BUDGET, OFF_PC, OFF_CTX, OFF_JC_PTR,
                            EXIT_NOTRANS, EXIT_PENDING, EXIT_BUDGET, JC_ENTRIES, JC_ENTRY_SIZE, JC_EMPTY)

DISPATCH_FN = "a64_dispatch"
JC_FILL_FN = "a64_jc_fill"


def jc_probe(p: str, pc: str, ctx: str, jc: str) -> str:
    """IR probing the jump cache at ``jc`` (a ptr value) for (``pc``,
    ``ctx``) (i64 operands): the entry ``%{p}ent`` and the hit ``%{p}m``,
    in entry ``abi.jc_index`` or its neighbour (the two ways).  The one copy
    of ``abi.jc_index`` in IR (the dispatcher's and indirect branches'
    probes)."""
    return (f"  %{p}h1 = lshr i64 {pc}, 2\n"
            f"  %{p}h2 = shl i64 {ctx}, 7\n"
            f"  %{p}h3 = xor i64 %{p}h1, %{p}h2\n"
            f"  %{p}h = and i64 %{p}h3, {JC_ENTRIES - 1}\n"
            + _jc_way(p, "a", f"%{p}h", pc, ctx, jc)
            + f"  %{p}g = xor i64 %{p}h, 1\n"
            + _jc_way(p, "b", f"%{p}g", pc, ctx, jc)
            + f"  %{p}ent = select i1 %{p}am, ptr %{p}aent, ptr %{p}bent\n"
            f"  %{p}m = or i1 %{p}am, %{p}bm\n")


def _jc_way(p, w, index, pc, ctx, jc):
    q = p + w
    return (f"  %{q}eoff = mul i64 {index}, {JC_ENTRY_SIZE}\n"
            f"  %{q}ent = getelementptr i8, ptr {jc}, i64 %{q}eoff\n"
            f"  %{q}epc = load i64, ptr %{q}ent, align 8\n"
            f"  %{q}ectxp = getelementptr i8, ptr %{q}ent, i64 8\n"
            f"  %{q}ectx = load i64, ptr %{q}ectxp, align 8\n"
            f"  %{q}m1 = icmp eq i64 %{q}epc, {pc}\n"
            f"  %{q}m2 = icmp eq i64 %{q}ectx, {ctx}\n"
            f"  %{q}m = and i1 %{q}m1, %{q}m2\n")


def jc_target(p: str) -> str:
    """IR loading a hit entry's module function ``%{p}fn`` and block index ``%{p}idx``."""
    return (f"  %{p}fnp = getelementptr i8, ptr %{p}ent, i64 16\n"
            f"  %{p}fn = load ptr, ptr %{p}fnp, align 8\n"
            f"  %{p}idxp = getelementptr i8, ptr %{p}ent, i64 24\n"
            f"  %{p}idx = load i64, ptr %{p}idxp, align 8\n")


def dispatcher_ir() -> str:
    """The dispatcher (its jump-cache hash is ``abi.jc_index``)."""
    return f"""
define i64 @{DISPATCH_FN}(ptr noalias %s) {{
entry:
  %pendp = getelementptr i8, ptr %s, i64 {OFF_PENDING}
  %icp = getelementptr i8, ptr %s, i64 {OFF_ICOUNT}
  %budp = getelementptr i8, ptr %s, i64 {OFF_BUDGET}
  %pcp = getelementptr i8, ptr %s, i64 {OFF_PC}
  %ctxp = getelementptr i8, ptr %s, i64 {OFF_CTX}
  %jcpp = getelementptr i8, ptr %s, i64 {OFF_JC_PTR}
  %jc = load ptr, ptr %jcpp, align 8
  br label %loop
loop:
  %pend = load volatile i64, ptr %pendp, align 8
  %haspend = icmp ne i64 %pend, 0
  br i1 %haspend, label %out_pending, label %chkbud
chkbud:
  %ic = load i64, ptr %icp, align 8
  %bud = load i64, ptr %budp, align 8
  %over = icmp uge i64 %ic, %bud
  br i1 %over, label %out_budget, label %lookup
lookup:
  %pc = load i64, ptr %pcp, align 8
  %ctx = load i64, ptr %ctxp, align 8
{jc_probe("", "%pc", "%ctx", "%jc")}  br i1 %m, label %call, label %out_notrans
call:
{jc_target("")}  %r = call i64 %fn(ptr %s, i64 %idx)
  %ok = icmp eq i64 %r, 0
  br i1 %ok, label %loop, label %out_block
out_block:
  ret i64 %r
out_pending:
  ret i64 {EXIT_PENDING}
out_budget:
  ret i64 {EXIT_BUDGET}
out_notrans:
  ret i64 {EXIT_NOTRANS}
}}
"""


def jc_fill_ir() -> str:
    """``void @{JC_FILL_FN}(ptr %jc, ptr %pcs, ptr %idxs, i64 %n, i64 %ctx,
    i64 %fn, ptr %out)``: enter ``n`` blocks (``pcs[k]``, ``ctx``) -> (``fn``,
    ``idxs[k]``) in the jump cache, in order, each where its key is already,
    else in an empty way, else in the first (translator/jit/engine.py
    ``_jc_put``, which it must match); ``out[k]``: the word index of the
    entry used.  A warm Linux boot enters some 300,000 blocks of the modules
    its translation index links: one call per module instead of a Python
    loop over the ctypes words."""
    return f"""
define void @{JC_FILL_FN}(ptr noalias %jc, ptr noalias %pcs, ptr noalias %idxs, i64 %n, i64 %ctx, i64 %fn,
                             ptr noalias %out) {{
entry:
  %none = icmp eq i64 %n, 0
  br i1 %none, label %done, label %loop
loop:
  %k = phi i64 [ 0, %entry ], [ %k1, %put ]
  %pcp = getelementptr i64, ptr %pcs, i64 %k
  %pc = load i64, ptr %pcp, align 8
{jc_probe("", "%pc", "%ctx", "%jc")}  %aempty = icmp eq i64 %aepc, {JC_EMPTY}
  %bempty = icmp eq i64 %bepc, {JC_EMPTY}
  %anotempty = xor i1 %aempty, true
  %spill = and i1 %anotempty, %bempty
  %nota = xor i1 %am, true
  %useb0 = or i1 %bm, %spill
  %useb = and i1 %nota, %useb0
  %slot = select i1 %useb, i64 %g, i64 %h
  %eoff = mul i64 %slot, {JC_ENTRY_SIZE}
  %e = getelementptr i8, ptr %jc, i64 %eoff
  br label %put
put:
  store i64 %pc, ptr %e, align 8
  %e1 = getelementptr i8, ptr %e, i64 8
  store i64 %ctx, ptr %e1, align 8
  %e2 = getelementptr i8, ptr %e, i64 16
  store i64 %fn, ptr %e2, align 8
  %idxp = getelementptr i64, ptr %idxs, i64 %k
  %idx = load i64, ptr %idxp, align 8
  %e3 = getelementptr i8, ptr %e, i64 24
  store i64 %idx, ptr %e3, align 8
  %w = mul i64 %slot, {JC_ENTRY_SIZE // 8}
  %outp = getelementptr i64, ptr %out, i64 %k
  store i64 %w, ptr %outp, align 8
  %k1 = add i64 %k, 1
  %more = icmp ult i64 %k1, %n
  br i1 %more, label %loop, label %done
done:
  ret void
}}
"""
