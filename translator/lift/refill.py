"""The soft TLB's native side, written once in LLVM IR.

``ptr @a64_helper_front(ptr %s, i64 %info, i64 %a, i64 %b, i64 %c, i64 %pc)``
is what generated code calls as ``a64_helper`` (runtime/abi.py): for the
common slow-path access, a miss of the soft TLB on a page of the kernel's
(EL1 or EL2, stage 1 only, 4 KiB granule, a global page of Normal RAM), it
walks the translation tables itself, fills the soft TLB's entry as the
runtime would (``JitEngine._fill_slot``) and does the access; everything
else, and every case that could fault, it hands to the runtime's entry
(translator/jit/entry.py) untouched, by a tail call.  The walk follows
runtime/mmu.py (``Mmu._stage1``, ``_descend``, ``_s1_perms``) for that
case, with the parameters the runtime publishes for the current context
(``abi.Refill``, from ``Mmu.refill_params``): any walk that would fault, a
page that is not RAM, Device memory, a non-global page, a write to a page
holding translated code (bitmap ``code_map``: the runtime must invalidate)
or a write without permission goes to the runtime, which walks again and
raises the fault or does the access the architectural way.  A walk here
fills no MMU TLB entry: the MMU's TLB is a cache of the same tables.

``void @a64_tlb_unmap_writes(ptr %tlb, i64 %host)``: no entry of the soft
TLB at ``tlb`` maps the host page ``host`` for writes any more (a page
that now holds translated code: stores to it must reach the runtime).
"""
from __future__ import annotations

import ctypes

from ...runtime.abi import (OFF_REFILL_PTR, OFF_EL, OFF_CTX, OFF_TLB, OFF_HELPER_RET, HELPER_SYMBOL, HELPER_MEM_READ,
                            HELPER_MEM_WRITE, HELPER_MEM_READ_PAIR, HELPER_MEM_WRITE_PAIR, HELPER_CALL, HELPER_IDS,
                            CTX_DZ_BIT, M64, TLB_ENTRIES,
                            TLB_ENTRY_SIZE, TLB_READ_TAG, TLB_WRITE_TAG, TLB_ADDEND, TLB_EMPTY, TLB_FOLD, PAGE_BITS,
                            PAGE_MASK, Refill, RefillRange)
from ...runtime.memory import ACC_UNPRIV
from ...runtime.sysreg_defs import DC_ZVA_KEY

ZVA_BYTES = 64                       # DCZID_EL0.BS = 4 (runtime/helpers.py _dc)

FRONT_FN = "a64_helper_front"
UNMAP_WRITES_FN = "a64_tlb_unmap_writes"

_R = {name: getattr(Refill, name).offset for name, _ in Refill._fields_}
_RANGE = getattr(Refill, "ranges").offset


def _range_field(name: str) -> int:
    return getattr(RefillRange, name).offset


def _signed(v: int) -> int:
    return v - (1 << 64) if v >> 63 else v


def helper_front_ir() -> str:
    rsize = ctypes.sizeof(RefillRange)
    zero = "".join(f"  %z{o} = getelementptr i8, ptr %h, i64 {o}\n  store i64 0, ptr %z{o}, align 8\n"
                   for o in range(0, ZVA_BYTES, 8))
    F = _range_field
    ld = lambda name, reg: (f"  %{reg}p = getelementptr i8, ptr %p, i64 {_R[name]}\n"
                            f"  %{reg} = load i64, ptr %{reg}p, align 8\n")
    rl = lambda name, reg: (f"  %{reg}p = getelementptr i8, ptr %rg, i64 {F(name)}\n"
                            f"  %{reg} = load i64, ptr %{reg}p, align 8\n")
    pm = _signed(PAGE_MASK)
    return f"""
declare ptr @{HELPER_SYMBOL}(ptr, i64, i64, i64, i64, i64)

define ptr @{FRONT_FN}(ptr %s, i64 %info, i64 %a, i64 %b, i64 %c, i64 %pc) {{
entry:
  %kind = and i64 %info, 255
  %isr = icmp eq i64 %kind, {HELPER_MEM_READ}
  %isw = icmp eq i64 %kind, {HELPER_MEM_WRITE}
  %isrp = icmp eq i64 %kind, {HELPER_MEM_READ_PAIR}
  %iswp = icmp eq i64 %kind, {HELPER_MEM_WRITE_PAIR}
  %pair = or i1 %isrp, %iswp
  %single = or i1 %isr, %isw
  %mem = or i1 %single, %pair
  br i1 %mem, label %chk, label %zvachk
zvachk:
  ; DC ZVA where the context lets it run without a trap (Ctx.dz), on the 64-byte block of Xt
  %iscall = icmp eq i64 %kind, {HELPER_CALL}
  %hid0 = lshr i64 %info, 8
  %hid = and i64 %hid0, 255
  %issys = icmp eq i64 %hid, {HELPER_IDS["sys"]}
  %iszvakey = icmp eq i64 %a, {DC_ZVA_KEY}
  %ctxp = getelementptr i8, ptr %s, i64 {OFF_CTX}
  %ctx = load i64, ptr %ctxp, align 8
  %dz0 = lshr i64 %ctx, {CTX_DZ_BIT}
  %dz = and i64 %dz0, 1
  %hasdz = icmp ne i64 %dz, 0
  %z1 = and i1 %iscall, %issys
  %z2 = and i1 %z1, %iszvakey
  %z3 = and i1 %z2, %hasdz
  %zvab = and i64 %b, {_signed(M64 & ~(ZVA_BYTES - 1))}
  br i1 %z3, label %params, label %slow
chk:
  %isw0 = or i1 %isw, %iswp
  %size0 = lshr i64 %info, 8
  %size = and i64 %size0, 255
  %acc0 = lshr i64 %info, 16
  %unpriv = and i64 %acc0, {ACC_UNPRIV}
  %priv = icmp eq i64 %unpriv, 0
  ; sizes: 1, 2, 4, 8, 16 alone; 4 and 8 in pairs
  %sm1 = sub i64 %size, 1
  %pow2a = and i64 %size, %sm1
  %pow2 = icmp eq i64 %pow2a, 0
  %nz = icmp ne i64 %size, 0
  %le16 = icmp ule i64 %size, 16
  %pairsz = icmp uge i64 %size, 4
  %le8 = icmp ule i64 %size, 8
  %pairok0 = and i1 %pairsz, %le8
  %pairok = or i1 %pairok0, %single
  %s1 = and i1 %pow2, %nz
  %s2 = and i1 %s1, %le16
  %s3 = and i1 %s2, %pairok
  %s4 = and i1 %s3, %priv
  ; aligned, inside one page (a pair: both elements)
  %mis = and i64 %a, %sm1
  %aligned = icmp eq i64 %mis, 0
  %span = select i1 %pair, i64 %size, i64 0
  %span2 = add i64 %span, %size
  %poff = and i64 %a, {(1 << PAGE_BITS) - 1}
  %pend = add i64 %poff, %span2
  %inpage = icmp ule i64 %pend, {1 << PAGE_BITS}
  %s5 = and i1 %s4, %aligned
  %s6 = and i1 %s5, %inpage
  br i1 %s6, label %params, label %slow
params:
  %zva = phi i1 [ false, %chk ], [ true, %zvachk ]
  %va = phi i64 [ %a, %chk ], [ %zvab, %zvachk ]
  %write = phi i1 [ %isw0, %chk ], [ true, %zvachk ]
  %sz = phi i64 [ %size, %chk ], [ 8, %zvachk ]
  %pp = getelementptr i8, ptr %s, i64 {OFF_REFILL_PTR}
  %p = load ptr, ptr %pp, align 8
  %pnull = icmp eq ptr %p, null
  br i1 %pnull, label %slow, label %pvalid
pvalid:
{ld("valid", "valid")}{ld("el", "pel")}{ld("zva", "pzva")}  %elp = getelementptr i8, ptr %s, i64 {OFF_EL}
  %el8 = load i8, ptr %elp, align 1
  %el = zext i8 %el8 to i64
  %isvalid = icmp ne i64 %valid, 0
  %sameel = icmp eq i64 %el, %pel
  %v1 = and i1 %isvalid, %sameel
  %zvaoff = icmp eq i64 %pzva, 0
  %nozva = and i1 %zva, %zvaoff
  %zvaok = xor i1 %nozva, true
  %v1c = and i1 %v1, %zvaok
  br i1 %v1c, label %range, label %slow
range:
{ld("split", "split")}  %b55a = lshr i64 %va, 55
  %b55 = and i64 %b55a, 1
  %upper = and i64 %b55, %split
  %roff0 = mul i64 %upper, {rsize}
  %roff = add i64 %roff0, {_RANGE}
  %rg = getelementptr i8, ptr %p, i64 %roff
{rl("ok", "rok")}{rl("inputsize", "insz")}{rl("range_mask", "rmask")}{rl("want", "want")}{rl("outbits", "outb")}{rl("start", "start")}{rl("first_bits", "fbits")}{rl("base", "base0")}{ld("ram_base", "rbase")}{ld("ram_size", "rsize")}{ld("ram_host", "rhost")}  %top = lshr i64 %va, %insz
  %topm = and i64 %top, %rmask
  %inrange = icmp eq i64 %topm, %want
  %okr = icmp ne i64 %rok, 0
  %v2 = and i1 %inrange, %okr
  br i1 %v2, label %walk, label %slow
walk:
  %lvl = phi i64 [ %start, %range ], [ %lvl1, %table ]
  %tbase = phi i64 [ %base0, %range ], [ %nbase, %table ]
  %tb = phi i64 [ 0, %range ], [ %tb1, %table ]
  %l9 = mul i64 %lvl, 9
  %shift = sub i64 39, %l9
  %atstart = icmp eq i64 %lvl, %start
  %ibits = select i1 %atstart, i64 %fbits, i64 9
  %ione = shl i64 1, %ibits
  %imask = sub i64 %ione, 1
  %ish = lshr i64 %va, %shift
  %idx = and i64 %ish, %imask
  %idx8 = shl i64 %idx, 3
  %at = add i64 %tbase, %idx8
  %atoff = sub i64 %at, %rbase
  %atin = icmp ult i64 %atoff, %rsize
  br i1 %atin, label %read, label %slow
read:
  %dhost = add i64 %rhost, %atoff
  %dptr = inttoptr i64 %dhost to ptr
  %desc = load i64, ptr %dptr, align 8
  %d0 = and i64 %desc, 1
  %d1 = and i64 %desc, 2
  %dvalid = icmp ne i64 %d0, 0
  %dbit1 = icmp ne i64 %d1, 0
  %is3 = icmp eq i64 %lvl, 3
  %notpage3 = xor i1 %dbit1, true
  %bad3 = and i1 %is3, %notpage3
  %dok = xor i1 %bad3, true
  %dok2 = and i1 %dvalid, %dok
  br i1 %dok2, label %kind2, label %slow
kind2:
  %not3 = xor i1 %is3, true
  %istable = and i1 %not3, %dbit1
  br i1 %istable, label %table, label %leaf
table:
  %nbase = and i64 %desc, {((1 << 48) - 1) & ~((1 << PAGE_BITS) - 1)}
  %nbhi = lshr i64 %nbase, %outb
  %nbok = icmp eq i64 %nbhi, 0
  %dtop = lshr i64 %desc, 59
  %tb1 = or i64 %tb, %dtop
  %lvl1 = add i64 %lvl, 1
  br i1 %nbok, label %walk, label %slow
leaf:
  ; a block (levels 1 and 2 with this granule) or a page (level 3)
  %lvlok1 = icmp uge i64 %lvl, 1
  %oone = shl i64 1, %shift
  %omask = sub i64 %oone, 1
  %onot = xor i64 %omask, -1
  %out0 = and i64 %desc, {(1 << 48) - 1}
  %out = and i64 %out0, %onot
  %ohi = lshr i64 %out, %outb
  %ook = icmp eq i64 %ohi, 0
  %af0 = lshr i64 %desc, 10
  %af = and i64 %af0, 1
  %afok = icmp ne i64 %af, 0
  ; Normal memory (MAIR attribute), global (nG clear, or the EL2 regime)
{ld("mair", "mair")}  %ai0 = lshr i64 %desc, 2
  %ai = and i64 %ai0, 7
  %ai8 = shl i64 %ai, 3
  %attr0 = lshr i64 %mair, %ai8
  %attrhi = and i64 %attr0, 240
  %normal = icmp ne i64 %attrhi, 0
  %ng0 = lshr i64 %desc, 11
  %ng1 = and i64 %ng0, 1
  %ng = and i64 %ng1, %split
  %global = icmp eq i64 %ng, 0
  ; writable at EL1/EL2: AP[2] clear and APTable[1] clear
  %ap2 = lshr i64 %desc, 7
  %apt1 = lshr i64 %tb, 3
  %ro0 = or i64 %ap2, %apt1
  %ro = and i64 %ro0, 1
  %wok = icmp eq i64 %ro, 0
  %notw = xor i1 %write, true
  %permok = or i1 %notw, %wok
  %l1 = and i1 %lvlok1, %ook
  %l2 = and i1 %l1, %afok
  %l3 = and i1 %l2, %normal
  %l4 = and i1 %l3, %global
  %l5 = and i1 %l4, %permok
  %aoff = and i64 %va, %omask
  %pa = or i64 %out, %aoff
  %papage = and i64 %pa, {pm}
  %pgoff = sub i64 %papage, %rbase
  %pgend = add i64 %pgoff, {1 << PAGE_BITS}
  %pgin0 = icmp ult i64 %pgoff, %rsize
  %pgin1 = icmp ule i64 %pgend, %rsize
  %pgin = and i1 %pgin0, %pgin1
  %l6 = and i1 %l5, %pgin
  br i1 %l6, label %code, label %slow
code:
  ; a page holding translated code: mapped for reads only; a write to it goes to the runtime
{ld("code_map", "cmap")}  %cpg = lshr i64 %pgoff, {PAGE_BITS}
  %cbyte = lshr i64 %cpg, 3
  %cmp0 = inttoptr i64 %cmap to ptr
  %cbp = getelementptr i8, ptr %cmp0, i64 %cbyte
  %cb8 = load i8, ptr %cbp, align 1
  %cb = zext i8 %cb8 to i64
  %cbit0 = and i64 %cpg, 7
  %cbit1 = lshr i64 %cb, %cbit0
  %cbit2 = and i64 %cbit1, 1
  %iscode = icmp ne i64 %cbit2, 0
  %wcode = and i1 %write, %iscode
  br i1 %wcode, label %slow, label %fill
fill:
  %vpage = and i64 %va, {pm}
  %hpage = add i64 %rhost, %pgoff
  %addend = sub i64 %hpage, %vpage
  %ti0 = lshr i64 %va, {PAGE_BITS}
  %ti1 = lshr i64 %va, {TLB_FOLD}
  %ti2 = xor i64 %ti0, %ti1
  %ti = and i64 %ti2, {TLB_ENTRIES - 1}
  %toff0 = mul i64 %ti, {TLB_ENTRY_SIZE}
  %toff = add i64 %toff0, {OFF_TLB}
  %ent = getelementptr i8, ptr %s, i64 %toff
  %rtagp = getelementptr i8, ptr %ent, i64 {TLB_READ_TAG}
  %wtagp = getelementptr i8, ptr %ent, i64 {TLB_WRITE_TAG}
  %addp = getelementptr i8, ptr %ent, i64 {TLB_ADDEND}
  %oldadd = load i64, ptr %addp, align 8
  %oldr = load i64, ptr %rtagp, align 8
  %same1 = icmp eq i64 %oldadd, %addend
  %same2 = icmp eq i64 %oldr, %vpage
  %same = and i1 %same1, %same2
  %oldw = load i64, ptr %wtagp, align 8
  %keepw = select i1 %same, i64 %oldw, i64 {_signed(TLB_EMPTY)}
  %notcode = xor i1 %iscode, true
  %mapw = and i1 %wok, %notcode
  %neww = select i1 %mapw, i64 %vpage, i64 %keepw
  store i64 %addend, ptr %addp, align 8
  store i64 %vpage, ptr %rtagp, align 8
  store i64 %neww, ptr %wtagp, align 8
{ld("fills", "fills")}  %fills1 = add i64 %fills, 1
  store i64 %fills1, ptr %fillsp, align 8
  %hostv = add i64 %va, %addend
  %h = inttoptr i64 %hostv to ptr
  %ret = getelementptr i8, ptr %s, i64 {OFF_HELPER_RET}
  %ret2 = getelementptr i8, ptr %s, i64 {OFF_HELPER_RET + 8}
  br i1 %zva, label %dozva, label %notzva
dozva:
{zero}  store i64 0, ptr %ret, align 8
  ret ptr %ret
notzva:
  br i1 %write, label %dowrite, label %doread
doread:
  br i1 %pair, label %rpair, label %rone
rone:
  switch i64 %sz, label %r16 [ i64 1, label %r1
                                  i64 2, label %r2
                                  i64 4, label %r4
                                  i64 8, label %r8 ]
r1:
  %v1b = load i8, ptr %h, align 1
  %v1x = zext i8 %v1b to i64
  store i64 %v1x, ptr %ret, align 8
  ret ptr %ret
r2:
  %v2b = load i16, ptr %h, align 2
  %v2x = zext i16 %v2b to i64
  store i64 %v2x, ptr %ret, align 8
  ret ptr %ret
r4:
  %v4b = load i32, ptr %h, align 4
  %v4x = zext i32 %v4b to i64
  store i64 %v4x, ptr %ret, align 8
  ret ptr %ret
r8:
  %v8 = load i64, ptr %h, align 8
  store i64 %v8, ptr %ret, align 8
  ret ptr %ret
r16:
  %v16l = load i64, ptr %h, align 8
  %h8 = getelementptr i8, ptr %h, i64 8
  %v16h = load i64, ptr %h8, align 8
  store i64 %v16l, ptr %ret, align 8
  store i64 %v16h, ptr %ret2, align 8
  ret ptr %ret
rpair:
  %is8 = icmp eq i64 %sz, 8
  br i1 %is8, label %rp8, label %rp4
rp8:
  %p8a = load i64, ptr %h, align 8
  %hp8 = getelementptr i8, ptr %h, i64 8
  %p8b = load i64, ptr %hp8, align 8
  store i64 %p8a, ptr %ret, align 8
  store i64 %p8b, ptr %ret2, align 8
  ret ptr %ret
rp4:
  %p4 = load i64, ptr %h, align 4
  store i64 %p4, ptr %ret, align 8
  ret ptr %ret
dowrite:
  br i1 %pair, label %wpair, label %wone
wone:
  switch i64 %sz, label %w16 [ i64 1, label %w1
                                  i64 2, label %w2
                                  i64 4, label %w4
                                  i64 8, label %w8 ]
w1:
  %b1 = trunc i64 %b to i8
  store i8 %b1, ptr %h, align 1
  ret ptr %ret
w2:
  %b2 = trunc i64 %b to i16
  store i16 %b2, ptr %h, align 2
  ret ptr %ret
w4:
  %b4 = trunc i64 %b to i32
  store i32 %b4, ptr %h, align 4
  ret ptr %ret
w8:
  store i64 %b, ptr %h, align 8
  ret ptr %ret
w16:
  store i64 %b, ptr %h, align 8
  %hw8 = getelementptr i8, ptr %h, i64 8
  store i64 %c, ptr %hw8, align 8
  ret ptr %ret
wpair:
  %ws8 = icmp eq i64 %sz, 8
  br i1 %ws8, label %wp8, label %wp4
wp8:
  store i64 %b, ptr %h, align 8
  %hq8 = getelementptr i8, ptr %h, i64 8
  store i64 %c, ptr %hq8, align 8
  ret ptr %ret
wp4:
  %q1 = trunc i64 %b to i32
  store i32 %q1, ptr %h, align 4
  %hq4 = getelementptr i8, ptr %h, i64 4
  %q2 = trunc i64 %c to i32
  store i32 %q2, ptr %hq4, align 4
  ret ptr %ret
slow:
  %r = musttail call ptr @{HELPER_SYMBOL}(ptr %s, i64 %info, i64 %a, i64 %b, i64 %c, i64 %pc)
  ret ptr %r
}}
"""


def unmap_writes_ir() -> str:
    return f"""
define void @{UNMAP_WRITES_FN}(ptr noalias %tlb, i64 %host) {{
entry:
  br label %loop
loop:
  %i = phi i64 [ 0, %entry ], [ %i1, %next ]
  %off = mul i64 %i, {TLB_ENTRY_SIZE}
  %ent = getelementptr i8, ptr %tlb, i64 %off
  %wp = getelementptr i8, ptr %ent, i64 {TLB_WRITE_TAG}
  %w = load i64, ptr %wp, align 8
  %ap = getelementptr i8, ptr %ent, i64 {TLB_ADDEND}
  %ad = load i64, ptr %ap, align 8
  %hv = add i64 %w, %ad
  %hit0 = icmp eq i64 %hv, %host
  %used = icmp ne i64 %w, {_signed(TLB_EMPTY)}
  %hit = and i1 %hit0, %used
  br i1 %hit, label %clear, label %next
clear:
  store i64 {_signed(TLB_EMPTY)}, ptr %wp, align 8
  br label %next
next:
  %i1 = add i64 %i, 1
  %more = icmp ult i64 %i1, {TLB_ENTRIES}
  br i1 %more, label %loop, label %done
done:
  ret void
}}
"""
