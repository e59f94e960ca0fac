"""LlvmEmitter: the Emitter interface producing LLVM IR (textual, for speed
of generation: no Python object per IR instruction).

Guest state stays in memory (the CpuState struct, addressed at constant
offsets from the block's ``%s`` argument); LLVM keeps it in host registers
where it can prove that is safe.  Because every register write is a store
that happens in program order, and the semantics perform everything that can
fault before their first register write, an exit in the middle of a block
leaves exactly the state the interpreter would leave: the exit path only
stores PC and the retired-instruction count.

Within a block, guest registers and flags live in SSA values: reads are
served from a cache, and writes are deferred and written back to the state
struct at the next *sync point* (any memory access, helper call, exception
exit, conditional region, block end).  So consecutive writes of the same
register or of the flags cost one store (dead flag stores disappear), and
the state is exact wherever the block can leave.

All blocks of a module live in one LLVM function (see ``block.py``), so
values are *numbered* (``%17``: LLVM parses numbered values markedly faster
than named ones) from a per-block base the caller assigns, in the textual
order LLVM requires; labels are named and carry the base to stay unique.
State fields are addressed by a ``getelementptr`` right before each access
(in the same basic block, so FastISel folds it into the host addressing
mode and nothing lives across basic blocks but guest values), with their
natural alignment (no ``align`` clause: fewer tokens for LLVM's lexer).

Values are ``V(name, bits)``; Python ints are constants.
"""
from __future__ import annotations

from ...runtime.abi import (OFF_SYSREGS, OFF_DAIF, OFF_LINES, OFF_FPSR, pack_fp_info, OFF_X, OFF_V, OFF_PC, OFF_SP_EL, OFF_FLAGS, OFF_ICOUNT, OFF_HELPER_RET, OFF_TLB, OFF_EXC, OFF_EXCL,
                            HELPER_SYMBOL, HELPER_IDS, HELPER_MEM_READ, HELPER_MEM_WRITE, HELPER_CALL,
                            HELPER_MEM_READ_PAIR, HELPER_MEM_WRITE_PAIR, TLB_ENTRIES, TLB_ENTRY_SIZE,
                            TLB_READ_TAG, TLB_WRITE_TAG, TLB_ADDEND, TLB_FOLD, PAGE_BITS, PAGE_MASK, FP_OK, pack_info, pack_isv,
                            pack_exc_flags, OFF_TLBI_N, OFF_TLBI_LOG, OFF_CODE_VMAP_PTR, TLBI_LOG_ENTRIES,
                            CODE_VMAP_BITS, TLB_EMPTY, TLB_VA_PAGE as _VA_PAGE)
from ...runtime.exceptions import EC_DABORT_SAME, FSC_ALIGNMENT, fp_access_syndrome
from ...runtime.memory import ACC_ALIGN, ACC_UNPRIV
from ...runtime.sysreg_defs import BY_NAME as _SYSREGS, DC_ZVA_KEY as _DC_ZVA_KEY, HCR
from ...runtime.sysregs import SLOT as _SLOT, mrs_inline
from ...runtime.helpers import sys_inline, tlbi_inline
from ..semantics.ops import Emitter
from ..fields import MASK, TABLES
from .. import semantics as _sem  # noqa: F401  (registry)
from ..fpops import FP_IDS, FP_RESULT_BITS
from ..softfloat import IXC

_SP_EL0_KEY = _SYSREGS["SP_EL0"].key
_HCR_VIRTUAL = HCR.VI | HCR.VF | HCR.VSE          # HCR_EL2 bits asserting a virtual interrupt
_ZVA_BYTES = 4 << 4                  # DCZID_EL0.BS = 4: 2**4 words
ENTRY_VALUES = 6          # value numbers of a block's entry sequence (block.py)
VKEY = 64                 # register-cache key of V0 (keys 0-31: X0-X30 and SP; VKEY + n: Vn)
_TLB_SHIFT = TLB_ENTRY_SIZE.bit_length() - 1
assert TLB_ENTRY_SIZE == 1 << _TLB_SHIFT

M = MASK


class V:
    __slots__ = ("n", "bits")

    def __init__(self, n: str, bits: int):
        self.n, self.bits = n, bits

    def __repr__(self):
        return f"V({self.n}, i{self.bits})"


def _c(x, bits):
    """Operand text for a value or a constant of width ``bits``."""
    if x.__class__ is V:
        return x.n
    x &= M[bits]
    if bits > 1 and x >> (bits - 1):         # print negatives for readability/parse
        x -= 1 << bits
    return str(x)


_PAGE_MASK_S = _c(PAGE_MASK, 64)

CRC_GLOBALS = TABLES            # constant tables (fields.TABLES), emitted as module globals when used


_FOLD = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
         "and": lambda a, b: a & b, "or": lambda a, b: a | b, "xor": lambda a, b: a ^ b,
         "shl": lambda a, b: a << b, "lshr": lambda a, b: a >> b}


# fpops names the JIT computes with host floating point when it can: (LLVM op, N, operands)
_FP_FAST = {f"{name}{N}": (op, N, 2) for N in (32, 64)
            for name, op in (("add", "fadd"), ("sub", "fsub"), ("mul", "fmul"), ("div", "fdiv"))}
_FP_FAST.update({f"sqrt{N}": ("sqrt", N, 1) for N in (32, 64)})
_FP_FAST.update({f"muladd{N}": ("fma", N, 3) for N in (32, 64)})

# Type-based alias information: the CPU state and guest memory never overlap
# (guest RAM is separate host memory; a slow path's load or store through the
# helper_ret words is ordered by the runtime call before it), so LLVM may keep
# state values in host registers across guest loads and stores.  The metadata
# nodes are defined once per module (block.py ``module_text``).
TBAA_STATE = ", !tbaa !3"
TBAA_GUEST = ", !tbaa !4"
TBAA_METADATA = ('!0 = !{!"a64jit"}\n!1 = !{!"cpu state", !0, i64 0}\n!2 = !{!"guest memory", !0, i64 0}\n'
                 "!3 = !{!1, !1, i64 0}\n!4 = !{!2, !2, i64 0}")

# The hot tier's register slots: allocas named by register-cache key (X0-X30
# and SP: i64; the flags: i1; V0-V31: i128), and where each lives in the state.
SYNC_MARK = "  ;@sync"       # copy written registers to the state (expanded by block.module_text)
RELOAD_MARK = "  ;@reload"   # copy used registers back from the state
_TY_BITS = {"i64": 64, "i1": 1, "i128": 128}


def _slot(key):
    """(LLVM type, alloca name) of a register-cache key."""
    if key.__class__ is not int:
        return "i1", f"%RF{key}"
    if key < VKEY:
        return "i64", f"%RX{key}"
    return "i128", f"%RV{key - VKEY}"


def slot_state(key):
    """(LLVM type, state offset, align clause) of a register-cache key."""
    if key.__class__ is not int:
        return "i1", OFF_FLAGS[key], ""
    if key < VKEY:
        return "i64", OFF_X + 8 * key, ""
    return "i128", OFF_V + 16 * (key - VKEY), ", align 8"


class LlvmEmitter(Emitter):
    """Emits one block function body for the translation context ``ctx``
    (an ``abi.Ctx``), numbering its values from ``base``."""

    def __init__(self, ctx, base: int = 0, hot: bool = False):
        self.lines: list[str] = []
        # The hot tier: guest registers live in allocas of the module function
        # (SSA values across its blocks once LLVM promotes them), copied to the
        # state only where it must be exact: runtime calls and the exits
        # (block.py ``module_text`` expands the SYNC/RELOAD marks).
        self.hot = hot
        self.used: set = set()       # register-cache keys read or written (hot: the allocas)
        self.written: set = set()    # keys written (hot: copied back at SYNC marks)
        self.base = base                         # first value number of this block
        self.tmp = base + ENTRY_VALUES           # next free value number (block.py writes the entry)
        self.ic0 = V(f"%{base + 1}", 64)         # the instruction count at block entry
        self.nlab = 0
        self.ctx = ctx                           # static: abi.Ctx (align_all, sp_align, ...)
        self.globals_used: set[str] = set()
        self.index = 0                           # instructions completed before this one
        self.pc = 0
        self.word = 0
        self.next_pc = None                      # V or int once a branch was emitted
        self.cond_exit = None                    # (cond, taken pc, fall-through pc) of a final B.cond/CBZ/TBZ
        self.context_may_change = False          # ended by end_block(): no chaining past it
        self.ended = False
        self.succ: list[int] = []                # statically known successor PCs
        self.raised = False                      # ended by a static exception
        self.label = f"B{base}"                  # block.py opens the body with this label
        self.fptr: dict = {}                       # state field offset -> its pointer in this basic block
        self.cache: dict = {}        # register n -> V64; "n"/"z"/"c"/"v" -> i1 value
        self.dirty: dict = {}        # keys of ``cache`` not yet written back (a dict: ordered)
        self.align_all = ctx.align_all
        self.zext_of: dict = {}      # name of zext(x) -> x (so trunc(zext(x)) is x)
        self.notof: dict = {}        # name of a NOT(b) value -> b (for AddWithCarry(a, NOT(b), 1))

    # -- plumbing ------------------------------------------------------------
    def emit(self, line: str):
        self.lines.append("  " + line)

    def new_label(self, stem: str) -> str:
        self.nlab += 1
        return f"{stem}{self.base}.{self.nlab}"

    def start_label(self, lab: str):
        self.lines.append(f"{lab}:")
        self.label = lab
        self.fptr = {}

    def ptr(self, off: int) -> str:
        """Pointer to a state field: a getelementptr in the current basic
        block (FastISel folds it into the access's addressing mode)."""
        if off == 0:
            return "%s"
        p = self.fptr.get(off)
        if p is None:
            n = self.tmp
            self.tmp = n + 1
            p = self.fptr[off] = f"%{n}"
            self.lines.append(f"  {p} = getelementptr i8, ptr %s, i64 {off}")
        return p

    def ld(self, off: int, bits: int) -> V:
        p = self.ptr(off)
        n = self.tmp
        self.tmp = n + 1
        self.lines.append(f"  %{n} = load i{bits}, ptr {p}{TBAA_STATE}")
        return V(f"%{n}", bits)

    def st(self, off: int, val, bits: int):
        p = self.ptr(off)
        self.lines.append(f"  store i{bits} {val.n if val.__class__ is V else _c(val, bits)}, ptr {p}{TBAA_STATE}")

    def op(self, text: str, bits: int) -> V:
        n = f"%{self.tmp}"
        self.tmp += 1
        self.lines.append(f"  {n} = {text}")
        return V(n, bits)

    def sync(self):
        """Make PC and the instruction count exact before a runtime helper call."""
        self.st(OFF_PC, self.pc, 64)
        self.st(OFF_ICOUNT, self.icount_here(), 64)

    def set_pc(self, v):
        """PC at a block's exit.  The hot tier keeps PC and the count in
        allocas of the module function (copied to the state at the module's
        exits, ``block.module_text``), so that a loop inside a module stores
        neither; runtime calls and exceptions store them in the state."""
        if self.hot:
            self.emit(f"store i64 {_c(v, 64)}, ptr %RPC")
        else:
            self.st(OFF_PC, v, 64)

    def set_icount(self, v):
        """The instruction count at a block's exit (see ``set_pc``)."""
        if self.hot:
            self.emit(f"store i64 {_c(v, 64)}, ptr %RIC")
        else:
            self.st(OFF_ICOUNT, v, 64)

    def icount_here(self):
        """The instruction count before the current instruction."""
        return self.op(f"add i64 {self.ic0.n}, {self.index}", 64) if self.index else self.ic0

    def flush(self):
        """Write back deferred register/flag values (a sync point).  Flags
        are stored as i1: one byte holding 0 or 1, the state's format.
        (The hot tier: into their allocas.)"""
        if self.dirty:
            cache = self.cache
            if self.hot:
                self.written.update(self.dirty)
                for key in self.dirty:
                    ty, slot = _slot(key)
                    self.lines.append(f"  store {ty} {_c(cache[key], _TY_BITS[ty])}, ptr {slot}")
                self.dirty.clear()
                return
            for key in self.dirty:
                if key.__class__ is not int:
                    self.st(OFF_FLAGS[key], cache[key], 1)
                elif key < VKEY:
                    self.st(OFF_X + 8 * key, cache[key], 64)
                else:
                    p = self.ptr(OFF_V + 16 * (key - VKEY))
                    self.lines.append(f"  store i128 {_c(cache[key], 128)}, ptr {p}, align 8{TBAA_STATE}")
            self.dirty.clear()

    def spill(self):
        """Store the deferred values without forgetting them: on a path that
        calls the runtime or leaves with an exception (the state must be exact
        there), while the other paths keep them deferred.  Starts a fresh set
        of state pointers (this path's basic block)."""
        if self.dirty:
            dirty = dict(self.dirty)
            self.fptr = {}
            self.flush()
            self.dirty = dirty

    # -- registers ------------------------------------------------------------
    def rx(self, n, bits=64):
        if n == 31:
            return 0
        return self.rsp(n, bits)

    def rsp(self, n, bits=64):
        v = self.cache.get(n)
        if v is None:
            v = self.cache[n] = self._load_reg(n) if self.hot else self.ld(OFF_X + 8 * n, 64)
        return v if bits == 64 else self.trunc(v, 64, bits)

    def _load_reg(self, key):
        """The hot tier: a register-cache key's value from its alloca."""
        self.used.add(key)
        ty, slot = _slot(key)
        return self.op(f"load {ty}, ptr {slot}", _TY_BITS[ty])

    def state_exact(self):
        """Before a runtime call that may read or change any register: the
        hot tier's registers are copied to the state (after the call,
        ``reload`` copies them back).  Tier 0 keeps them in the state."""
        if self.hot:
            self.lines.append(SYNC_MARK)

    def reload(self):
        if self.hot:
            self.lines.append(RELOAD_MARK)

    def wx(self, n, v, bits=64):
        if n != 31:
            self.wsp(n, v, bits)

    def wsp(self, n, v, bits=64):
        self.cache[n] = self.zext(v, bits, 64) if bits != 64 else v
        self.dirty[n] = True

    # -- SIMD&FP registers: cached like the general registers (key VKEY + n,
    # the whole 128-bit value), written back at sync points ----------------------
    def rv(self, n, bits=128):
        key = VKEY + n
        v = self.cache.get(key)
        if v is None:
            if self.hot:
                v = self.cache[key] = self._load_reg(key)
            else:
                p = self.ptr(OFF_V + 16 * n)
                v = self.cache[key] = self.op(f"load i128, ptr {p}, align 8{TBAA_STATE}", 128)
        return v if bits == 128 else self.trunc(v, 128, bits)

    def wv(self, n, v, bits=128):
        key = VKEY + n
        self.cache[key] = self.zext(v, bits, 128) if bits != 128 else v
        self.dirty[key] = True

    def check_fp(self):
        a = self.ctx.fp                              # static: Cpu.fp_access() when the block was made
        if a != FP_OK:
            ec, iss, target_el = fp_access_syndrome(a)
            self._raise(ec, iss, target_el=target_el)
            self.start_label(self.new_label("dead"))
            self.ended = True
            self.raised = True

    # -- lane-wise integer operations: one LLVM vector operation ------------------------
    def vec(self, op, esize, bits, a, b=0):
        L = bits // esize
        if L == 1:
            return super().vec(op, esize, bits, a, b)
        VT = f"<{L} x i{esize}>"

        def t(text):
            n = f"%{self.tmp}"
            self.tmp += 1
            self.lines.append(f"  {n} = {text}")
            return n

        def operand(x):
            if x.__class__ is int:                      # a constant vector
                m = (1 << esize) - 1
                return "<" + ", ".join(f"i{esize} {_c(x >> (i * esize) & m, esize)}" for i in range(L)) + ">"
            return t(f"bitcast i{bits} {x.n} to {VT}")

        kind = self.VEC_OPS[op]
        va = operand(a)
        if kind == "shift":
            vb = "<" + ", ".join([f"i{esize} {b}"] * L) + ">"
            r = t(f"{op} {VT} {va}, {vb}")
        elif op == "neg":
            r = t(f"sub {VT} zeroinitializer, {va}")
        elif op == "abs":
            neg = t(f"sub {VT} zeroinitializer, {va}")
            r = t(f"select <{L} x i1> {t(f'icmp slt {VT} {va}, zeroinitializer')}, {VT} {neg}, {VT} {va}")
        else:
            vb = operand(b)
            if kind == "bin" and op in ("add", "sub", "mul", "and", "or", "xor"):
                r = t(f"{op} {VT} {va}, {vb}")
            elif kind == "bin":                         # smax smin umax umin
                pred = {"smax": "sgt", "smin": "slt", "umax": "ugt", "umin": "ult"}[op]
                r = t(f"select <{L} x i1> {t(f'icmp {pred} {VT} {va}, {vb}')}, {VT} {va}, {VT} {vb}")
            else:
                if op == "tst":
                    c = t(f"icmp ne {VT} {t(f'and {VT} {va}, {vb}')}, zeroinitializer")
                else:
                    c = t(f"icmp {op} {VT} {va}, {vb}")
                r = t(f"sext <{L} x i1> {c} to {VT}")
        return self.op(f"bitcast {VT} {r} to i{bits}", bits)

    # -- floating point ----------------------------------------------------------
    def fpsr_or(self, v):
        if v.__class__ is int and v == 0:
            return
        old = self.ld(OFF_FPSR, 32)
        self.st(OFF_FPSR, self.or_(old, v, 32), 32)

    def _fp_slow(self, name, args):
        """The exact operation in the runtime (HELPER_FP: no state but FPCR/FPSR
        is touched, so nothing is flushed or synced and the register cache
        stays valid)."""
        a, b, c = (self.zext(x, x.bits, 64) if x.__class__ is V and x.bits < 64 else x for x in args)
        self._call_helper(pack_fp_info(FP_IDS[name]), a, b, c)
        r = self.ld(OFF_HELPER_RET, 64)
        bits = FP_RESULT_BITS[name]
        return r if bits == 64 else self.trunc(r, 64, bits)

    def fp(self, name, a, b=0, c=0):
        fast = _FP_FAST.get(name) if self.ctx.fp_host else None
        if fast is None or any(x.__class__ is not V for x in (a, b, c)[:fast[2]]):
            return self._fp_slow(name, (a, b, c))
        return self._fp_host(name, fast, (a, b, c)[:fast[2]], 1, fast[1])

    def fp_lanes(self, name, esize, bits, a, b=0, c=0):
        lanes = bits // esize
        fast = _FP_FAST.get(name) if self.ctx.fp_host else None
        if fast is not None and lanes > 1 and all(x.__class__ is V for x in (a, b, c)[:fast[2]]):
            return self._fp_host(name, fast, (a, b, c)[:fast[2]], lanes, bits)
        return self._fp_per_lane(name, esize, bits, (a, b, c))

    def _fp_per_lane(self, name, esize, bits, args, slow=False):
        rbits = FP_RESULT_BITS[name]
        acc = 0
        for i in range(bits // esize):
            lane = [self.trunc(self.lshr(x, i * esize, bits) if i else x, bits, esize) if esize < bits else x
                    for x in args]
            r = self._fp_slow(name, lane) if slow else self.fp(name, *lane)
            if rbits == 1:                            # a compare: the lane becomes all ones or zero
                r = self.sext(r, 1, esize)
            r = self.zext(r, esize, bits) if esize < bits else r
            acc = self.or_(acc, self.shl(r, i * esize, bits) if i else r, bits)
        return acc

    def _fp_host(self, name, fast, args, L, bits):
        """Host floating point (scalar, or L lanes as an LLVM vector) where it
        gives the pseudocode's bits and flags.  Statically (the translation
        context's ``fp_host``): FPCR.RMode is round to nearest and FPCR.FZ is
        0, so the host's IEEE arithmetic rounds as FPRound does and handles
        denormal operands as FPUnpack does, and FPCR.DN and AHP cannot matter.
        At run time, every lane's result must be normal (and for the
        operations whose inexact flag comes from an error term, with an
        exponent that keeps that term representable), or an exact zero: so no
        NaN, infinity, overflow or underflow is involved.  The inexact flag
        comes from the exact error of the operation (TwoSum for add/sub; a
        fused multiply-add for mul/div/sqrt); the fused multiply-add itself
        takes the host path only once FPSR.IXC is set (the flag is sticky:
        there is nothing left to detect).  Any lane outside that sends every
        lane to the exact softfloat (``_fp_slow``); the result is the phi of
        both paths."""
        op, N, nargs = fast
        T = "double" if N == 64 else "float"
        FT, IT, BT = (T, f"i{N}", "i1") if L == 1 else (f"<{L} x {T}>", f"<{L} x i{N}>", f"<{L} x i1>")
        sfx = f"f{N}" if L == 1 else f"v{L}f{N}"
        mant = 52 if N == 64 else 23
        emax = (1 << (N - 1 - mant)) - 1
        p = mant + 1
        fzero = "0.0" if L == 1 else "zeroinitializer"

        def k(x):
            return str(x) if L == 1 else "<" + ", ".join([f"i{N} {x}"] * L) + ">"

        def t(text):
            n = f"%{self.tmp}"
            self.tmp += 1
            self.lines.append(f"  {n} = {text}")
            return n

        def normal(x, min_exp):
            e = t(f"and {IT} {t(f'lshr {IT} {x}, {k(mant)}')}, {k(emax)}")
            return t(f"icmp ult {IT} {t(f'sub {IT} {e}, {k(min_exp)}')}, {k(emax - min_exp)}")

        def zero(x):
            return t(f"icmp eq {IT} {t(f'shl {IT} {x}, {k(1)}')}, {k(0)}")

        def both(x, y, how="and"):
            return t(f"{how} {BT} {x}, {y}")

        ints = [x.n if L == 1 else t(f"bitcast i{bits} {x.n} to {IT}") for x in args]
        f = [t(f"bitcast {IT} {x} to {FT}") for x in ints]
        if op == "sqrt":
            fr = t(f"call {FT} @llvm.sqrt.{sfx}({FT} {f[0]})")
        elif op == "fma":                             # muladd: args are (addend, a, b)
            fr = t(f"call {FT} @llvm.fma.{sfx}({FT} {f[1]}, {FT} {f[2]}, {FT} {f[0]})")
        else:
            fr = t(f"{op} {FT} {f[0]}, {f[1]}")
        ri = t(f"bitcast {FT} {fr} to {IT}")
        guard = 2 * p + 2                             # error terms of mul/div/sqrt stay representable
        if op in ("fadd", "fsub"):                    # a zero sum of finite operands is exact
            ok = both(normal(ri, 1), zero(ri), "or")
        elif op == "fma":                             # exponent >= 2: not tiny before rounding either
            ok = normal(ri, 2)
        elif op == "fmul":                            # zero: exact only from a zero operand
            ok = both(normal(ri, guard), both(zero(ri), both(zero(ints[0]), zero(ints[1]), "or")), "or")
        else:                                         # div, sqrt: the dividend/operand too
            ok = both(both(normal(ri, guard), normal(ints[0], guard)), both(zero(ri), zero(ints[0])), "or")
        if L > 1:
            ok = t(f"icmp eq i{L} {t(f'bitcast {BT} {ok} to i{L}')}, -1")
        ok = V(ok, 1)
        if op == "fma":
            ok = self.and_(ok, self.cmp("ne", self.and_(self.ld(OFF_FPSR, 32), IXC, 32), 0, 32), 1)
        fast_l, slow_l, join_l = self.new_label("fpf"), self.new_label("fps"), self.new_label("fpj")
        self.emit(f"br i1 {ok.n}, label %{fast_l}, label %{slow_l}")
        self.start_label(fast_l)
        if op != "fma":
            if op in ("fadd", "fsub"):
                # TwoSum (Knuth): err = (a - (r - bb)) + (b' - bb), bb = r - a, b' = +-b
                fb = t(f"fneg {FT} {f[1]}") if op == "fsub" else f[1]
                bb = t(f"fsub {FT} {fr}, {f[0]}")
                t1 = t(f"fsub {FT} {fr}, {bb}")
                t2 = t(f"fsub {FT} {f[0]}, {t1}")
                t3 = t(f"fsub {FT} {fb}, {bb}")
                err = t(f"fadd {FT} {t2}, {t3}")
            else:
                nr = t(f"fneg {FT} {fr}")
                x, y, w = ((f[0], f[1], nr) if op == "fmul" else (nr, f[1], f[0]) if op == "fdiv"
                           else (nr, fr, f[0]))
                err = t(f"call {FT} @llvm.fma.{sfx}({FT} {x}, {FT} {y}, {FT} {w})")   # a*b - r, a - r*b, a - r*r
            inexact = t(f"fcmp une {FT} {err}, {fzero}")
            if L > 1:
                inexact = t(f"icmp ne i{L} {t(f'bitcast {BT} {inexact} to i{L}')}, 0")
            self.fpsr_or(self.shl(self.zext(V(inexact, 1), 1, 32), IXC.bit_length() - 1, 32))
        rf = ri if L == 1 else t(f"bitcast {IT} {ri} to i{bits}")
        fast_end = self.label
        self.emit(f"br label %{join_l}")
        self.start_label(slow_l)
        if L == 1:
            rs = self._fp_slow(name, tuple(args) + (0,) * (3 - len(args)))
        else:
            rs = self._fp_per_lane(name, N, bits, tuple(args) + (0,) * (3 - len(args)), slow=True)
        slow_end = self.label
        self.emit(f"br label %{join_l}")
        self.start_label(join_l)
        return self.op(f"phi i{bits} [ {rf}, %{fast_end} ], [ {_c(rs, bits)}, %{slow_end} ]", bits)

    # -- flags ----------------------------------------------------------------
    def _flag(self, k):
        v = self.cache.get(k)
        if v is None:
            v = self.cache[k] = self._load_reg(k) if self.hot else self.ld(OFF_FLAGS[k], 1)
        return v

    def nzcv(self):
        return tuple(self._flag(k) for k in "nzcv")

    def set_nzcv(self, n, z, c, v):
        cache, dirty = self.cache, self.dirty
        cache["n"], cache["z"], cache["c"], cache["v"] = n, z, c, v
        dirty["n"] = dirty["z"] = dirty["c"] = dirty["v"] = True

    def cond(self, cond):
        base = cond >> 1
        if base == 7:
            return 1
        n, z, c, v = self.nzcv()
        if base == 0:
            r = z
        elif base == 1:
            r = c
        elif base == 2:
            r = n
        elif base == 3:
            r = v
        elif base == 4:
            r = self.and_(c, self.not_(z, 1), 1)
        elif base == 5:
            r = self.cmp("eq", n, v, 1)
        else:
            r = self.and_(self.cmp("eq", n, v, 1), self.not_(z, 1), 1)
        return self.not_(r, 1) if cond & 1 else r

    # -- integer operations --------------------------------------------------------
    def _bin(self, opname, a, b, bits):
        if isinstance(a, int) and isinstance(b, int):
            return self._fold(opname, a, b, bits)
        if isinstance(b, int):
            b &= M[bits]
            if b == 0 and opname in ("add", "sub", "or", "xor", "shl", "lshr"):
                return a
            if opname == "and" and b == M[bits]:
                return a
            if opname == "and" and b == 0:
                return 0
        if isinstance(a, int) and a & M[bits] == 0 and opname in ("add", "or", "xor"):
            return b
        return self.op(f"{opname} i{bits} {_c(a, bits)}, {_c(b, bits)}", bits)

    @staticmethod
    def _fold(opname, a, b, bits):
        m = M[bits]
        a &= m
        b &= m
        return _FOLD[opname](a, b) & m

    def add(self, a, b, bits): return self._bin("add", a, b, bits)
    def sub(self, a, b, bits): return self._bin("sub", a, b, bits)
    def mul(self, a, b, bits): return self._bin("mul", a, b, bits)
    def and_(self, a, b, bits): return self._bin("and", a, b, bits)
    def or_(self, a, b, bits): return self._bin("or", a, b, bits)
    def xor(self, a, b, bits): return self._bin("xor", a, b, bits)
    def not_(self, a, bits):
        r = self._bin("xor", a, M[bits], bits)
        if isinstance(r, V):
            self.notof[r.n] = a
        return r
    def shl(self, a, s, bits): return self._bin("shl", a, s, bits)
    def lshr(self, a, s, bits): return self._bin("lshr", a, s, bits)

    def ashr(self, a, s, bits):
        return self.op(f"ashr i{bits} {_c(a, bits)}, {_c(s, bits)}", bits)

    # Note: shapes chosen so that LLVM's FastISel handles them (funnel shifts,
    # i1 selects/compares and odd-width adds make the whole function fall back
    # to SelectionDAG, which costs compile time).

    def ror(self, a, s, bits):
        left = self.and_(self.sub(bits, s, bits), bits - 1, bits)     # (bits - s) mod bits: 0 when s = 0
        return self.or_(self.lshr(a, s, bits), self.shl(a, left, bits), bits)

    def zext(self, a, frm, to):
        if frm == to:
            return a
        if isinstance(a, int):
            return a & M[frm]
        r = self.op(f"zext i{frm} {a.n} to i{to}", to)
        self.zext_of[r.n] = a
        return r

    def sext(self, a, frm, to):
        if frm == to:
            return a
        if isinstance(a, int):
            a &= M[frm]
            return (a - (1 << frm) if a >> (frm - 1) else a) & M[to]
        return self.op(f"sext i{frm} {a.n} to i{to}", to)

    def trunc(self, a, frm, to):
        if frm == to:
            return a
        if isinstance(a, int):
            return a & M[to]
        src = self.zext_of.get(a.n)
        if src is not None and src.bits == to:
            return src                              # trunc(zext(x)) = x
        return self.op(f"trunc i{frm} {a.n} to i{to}", to)

    def cmp(self, op, a, b, bits):
        if bits == 1 and op in ("eq", "ne"):
            x = self.xor(a, b, 1)
            return self.not_(x, 1) if op == "eq" else x
        pred = {"eq": "eq", "ne": "ne", "ult": "ult", "ule": "ule", "ugt": "ugt", "uge": "uge",
                "slt": "slt", "sle": "sle", "sgt": "sgt", "sge": "sge"}[op]
        return self.op(f"icmp {pred} i{bits} {_c(a, bits)}, {_c(b, bits)}", 1)

    def select(self, c, a, b, bits):
        if isinstance(c, int):
            return a if c else b
        if bits == 1:                           # (c AND a) OR (NOT c AND b)
            return self.or_(self.and_(c, a, 1), self.and_(self.not_(c, 1), b, 1), 1)
        return self.op(f"select i1 {c.n}, i{bits} {_c(a, bits)}, i{bits} {_c(b, bits)}", bits)

    def _ovf(self, intrinsic, a, b, bits):
        """(result, overflow bit) from llvm.{u,s}{add,sub}.with.overflow."""
        pair = self.op(f"call {{i{bits}, i1}} @llvm.{intrinsic}.with.overflow.i{bits}(i{bits} {_c(a, bits)}, "
                       f"i{bits} {_c(b, bits)})", bits)
        r = self.op(f"extractvalue {{i{bits}, i1}} {pair.n}, 0", bits)
        o = self.op(f"extractvalue {{i{bits}, i1}} {pair.n}, 1", 1)
        return r, o

    def add_with_carry(self, a, b, cin, bits):
        if isinstance(cin, int) and cin == 0:
            r, c = self._ovf("uadd", a, b, bits)
            _, v = self._ovf("sadd", a, b, bits)
        elif isinstance(cin, int) and cin == 1 and (isinstance(b, int) or b.n in self.notof):
            # a + NOT(b) + 1 = a - b: carry = NOT borrow, V = signed subtract overflow
            orig = (~b & M[bits]) if isinstance(b, int) else self.notof[b.n]
            r, borrow = self._ovf("usub", a, orig, bits)
            c = self.not_(borrow, 1)
            _, v = self._ovf("ssub", a, orig, bits)
        else:                                   # dynamic carry-in (ADCS/SBCS)
            r1, c1 = self._ovf("uadd", a, b, bits)
            r, c2 = self._ovf("uadd", r1, self.zext(cin, 1, bits), bits)
            c = self.or_(c1, c2, 1)
            ov = self.and_(self.xor(a, r, bits), self.xor(b, r, bits), bits)
            v = self.cmp("slt", ov, 0, bits)
        n = self.cmp("slt", r, 0, bits)
        z = self.cmp("eq", r, 0, bits)
        return r, n, z, c, v

    def udiv(self, a, b, bits):
        bz = self.cmp("eq", b, 0, bits)
        safe = self.select(bz, 1, b, bits)
        q = self.op(f"udiv i{bits} {_c(a, bits)}, {_c(safe, bits)}", bits)
        return self.select(bz, 0, q, bits)

    def sdiv(self, a, b, bits):
        mn = 1 << (bits - 1)
        bz = self.cmp("eq", b, 0, bits)
        ovf = self.and_(self.cmp("eq", a, mn, bits), self.cmp("eq", b, M[bits], bits), 1)
        bad = self.or_(bz, ovf, 1)
        safe = self.select(bad, 1, b, bits)
        q = self.op(f"sdiv i{bits} {_c(a, bits)}, {_c(safe, bits)}", bits)
        return self.select(bz, 0, self.select(ovf, mn, q, bits), bits)

    def mulh(self, a, b, signed):
        ext = self.sext if signed else self.zext
        p = self.mul(ext(a, 64, 128), ext(b, 64, 128), 128)
        return self.trunc(self.lshr(p, 64, 128), 128, 64)

    def clz(self, a, bits):
        return self.op(f"call i{bits} @llvm.ctlz.i{bits}(i{bits} {_c(a, bits)}, i1 false)", bits)

    def rbit(self, a, bits):
        return self.op(f"call i{bits} @llvm.bitreverse.i{bits}(i{bits} {_c(a, bits)})", bits)

    def bswap(self, a, bits):
        return self.op(f"call i{bits} @llvm.bswap.i{bits}(i{bits} {_c(a, bits)})", bits)

    def lookup(self, table, idx):
        self.globals_used.add(table)
        i = self.zext(self.and_(idx, 0xFF, idx.bits), idx.bits, 64) if idx.__class__ is V else idx & 0xFF
        p = self.op(f"getelementptr [256 x i32], ptr @{table}, i64 0, i64 {_c(i, 64)}", 64)
        return self.op(f"load i32, ptr {p.n}, align 4", 32)

    def crc32(self, acc, val, nbytes, castagnoli):
        g = "crc32c" if castagnoli else "crc32"
        self.globals_used.add(g)
        vb = 64 if nbytes == 8 else 32
        for i in range(nbytes):
            byte = self.and_(self.xor(acc, self.trunc(self.lshr(val, 8 * i, vb), vb, 32), 32), 0xFF, 32)
            idx = self.zext(byte, 32, 64)
            p = self.op(f"getelementptr [256 x i32], ptr @{g}, i64 0, i64 {_c(idx, 64)}", 64)
            tv = self.op(f"load i32, ptr {p.n}, align 4", 32)
            acc = self.xor(self.lshr(acc, 8, 32), tv, 32)
        return acc

    # -- memory ---------------------------------------------------------------------
    def _call_helper(self, info, a=0, b=0, c=0, then=None) -> V:
        """Call the runtime: ``a64_helper(s, info, a, b, c, pc)`` (six
        arguments: all in host registers; the symbol is bound when the
        module is linked).  ``info`` packs the kind, the
        access size or helper id, access flags, syndrome hint, and how many
        instructions of this block precede this one (the state's count is
        the block's entry count until the block ends: see ``helper``).  It
        returns a pointer: for memory accesses where the access goes (the
        helper_ret words), null when the instruction raised an exception,
        which leaves the block through %exc (the runtime has then set PC and
        the count).  The caller has flushed deferred state.  ``then`` is the
        label to continue at (default: a new one, started here)."""
        n = self.tmp
        self.tmp = n + 2
        cont = then or self.new_label("ok")
        self.lines.append(
            f"  %{n} = call ptr @{HELPER_SYMBOL}(ptr %s, i64 {info}, i64 {_c(a, 64)}, i64 {_c(b, 64)}, "
            f"i64 {_c(c, 64)}, i64 {_c(self.pc, 64)})\n"
            f"  %{n + 1} = icmp ne ptr %{n}, null\n"
            f"  br i1 %{n + 1}, label %{cont}, label %exc")
        if then is None:
            self.start_label(cont)
        return V(f"%{n}", 64)

    def _access(self, addr, size, acc, write, kind, a, b=0, c=0, isv=None, span=0):
        """The inline soft-TLB probe, the slow path through the runtime, and
        the pointer the access goes to: the host address on a hit; after a
        slow path, the helper_ret scratch words (a load reads the value the
        runtime put there; a store lands there harmlessly, the runtime
        having done it).  ``span``: bytes covered when more than ``size``
        (pairs).

        The TLB is an array inside the state struct: entry i at
        ``%s + OFF_TLB + TLB_ENTRY_SIZE * i`` holds the read tag, the write tag and the
        addend (host address minus guest page address, as a pointer).  Hit
        when the entry's tag equals the page of the access's *last* byte (so
        an access running into the next page misses), or, when alignment is
        required, the address masked with PAGE_MASK | (size - 1) (so a
        misaligned access misses and the slow path raises the fault; for a
        pair, the second element's address, which also catches a pair
        running into the next page).  One template: this runs for every
        access."""
        if acc & ACC_UNPRIV:
            # LDTR/STTR check EL0's permissions at EL1, which the soft TLB (filled
            # with the current EL's) does not hold: always the runtime.
            self.flush()     # (the hot tier: a fault's exit copies the registers to the state)
            self._slow_count()
            return self._call_helper(pack_info(kind, size, acc, pack_isv(isv), self.index), a, b, c)
        if not span:
            span = size
        A = addr.n if addr.__class__ is V else _c(addr, 64)
        n = self.tmp
        probe, k = self._probe_text(A, size, span, write, acc, n)
        self.tmp = k + 5
        self.nlab += 1
        lab = f"{self.base}.{self.nlab}"
        info = pack_info(kind, size, acc, pack_isv(isv), self.index)
        pred = self.label
        self.lines.append(probe + f"  br i1 %{k + 1}, label %cont{lab}, label %slow{lab}\nslow{lab}:")
        # Deferred registers go to the state only on the slow path (the runtime
        # may raise the fault there): a TLB hit stores nothing.
        self.spill()
        self._slow_count()
        m = self.tmp
        self.tmp = m + 3
        self.lines.append(
            f"  %{m} = call ptr @{HELPER_SYMBOL}(ptr %s, i64 {info}, i64 {A}, i64 {_c(b, 64)}, "
            f"i64 {_c(c, 64)}, i64 {_c(self.pc, 64)})\n"
            f"  %{m + 1} = icmp ne ptr %{m}, null\n"
            f"  br i1 %{m + 1}, label %cont{lab}, label %exc\n"
            f"cont{lab}:\n"
            f"  %{m + 2} = phi ptr [ %{k + 4}, %{pred} ], [ %{m}, %slow{lab} ]")
        self.label = f"cont{lab}"
        self.fptr = {}
        return V(f"%{m + 2}", 64)

    def _slow_count(self):
        """On a memory access's slow path: the runtime reads the count at
        the block's entry from the state (tier 0 keeps it there)."""
        if self.hot:
            self.st(OFF_ICOUNT, self.ic0, 64)

    def load(self, addr, size, acc=0, isv=None):
        bits = size * 8
        p = self._access(addr, size, acc, False, HELPER_MEM_READ, addr, isv=isv)
        return self.op(f"load i{bits}, ptr {p.n}, align 1{TBAA_GUEST}", bits)

    def store(self, addr, value, size, acc=0, isv=None):
        bits = size * 8
        if size == 16:                              # the runtime gets the halves in b and c
            if isinstance(value, V) and value.bits != 128:
                value = self.zext(value, value.bits, 128)
            lo = self.trunc(value, 128, 64)
            hi = self.trunc(self.lshr(value, 64, 128), 128, 64)
            p = self._access(addr, size, acc, True, HELPER_MEM_WRITE, addr, lo, hi, isv=isv)
            self.emit(f"store i128 {_c(value, 128)}, ptr {p.n}, align 1{TBAA_GUEST}")
            return
        value = self.trunc(value, value.bits, bits) if isinstance(value, V) and value.bits != bits else value
        p = self._access(addr, size, acc, True, HELPER_MEM_WRITE, addr, self.zext(value, bits, 64), isv=isv)
        self.emit(f"store i{bits} {_c(value, bits)}, ptr {p.n}, align 1{TBAA_GUEST}")

    def load_pair(self, addr, size, acc=0):
        """One probe for both elements; the slow path does both accesses."""
        bits = size * 8
        p = self._access(addr, size, acc, False, HELPER_MEM_READ_PAIR, addr, span=2 * size)
        v1 = self.op(f"load i{bits}, ptr {p.n}, align 1{TBAA_GUEST}", bits)
        q = self.op(f"getelementptr i8, ptr {p.n}, i64 {size}", 64)
        return v1, self.op(f"load i{bits}, ptr {q.n}, align 1{TBAA_GUEST}", bits)

    def store_pair(self, addr, v1, v2, size, acc=0):
        bits = size * 8
        p = self._access(addr, size, acc, True, HELPER_MEM_WRITE_PAIR, addr, self.zext(v1, bits, 64),
                         self.zext(v2, bits, 64), span=2 * size)
        self.emit(f"store i{bits} {_c(v1, bits)}, ptr {p.n}, align 1{TBAA_GUEST}")
        q = self.op(f"getelementptr i8, ptr {p.n}, i64 {size}", 64)
        self.emit(f"store i{bits} {_c(v2, bits)}, ptr {q.n}, align 1{TBAA_GUEST}")

    def _probe_text(self, A, size, span, write, acc, n):
        """The soft-TLB probe's IR from value %n on (the one template of every
        access): the entry of A's page, its read or write tag, the key (the
        page of the last byte of ``span`` bytes, or with alignment checking
        of the last ``size``-byte element, masked with PAGE_MASK | (size - 1)
        so that a misaligned access misses), the compare (%k+1) and the host
        pointer (%k+4).  Returns (text, k)."""
        align = acc & ACC_ALIGN or self.align_all
        if align and span > size:
            key = f"  %{n + 5} = add i64 {A}, {span - size}\n  %{n + 6} = and i64 %{n + 5}, {_c(PAGE_MASK | (size - 1), 64)}\n"
            k = n + 6
        elif align and size > 1:
            key = f"  %{n + 5} = and i64 {A}, {_c(PAGE_MASK | (size - 1), 64)}\n"
            k = n + 5
        elif span > 1:
            key = f"  %{n + 5} = add i64 {A}, {span - 1}\n  %{n + 6} = and i64 %{n + 5}, {_PAGE_MASK_S}\n"
            k = n + 6
        else:
            key = f"  %{n + 5} = and i64 {A}, {_PAGE_MASK_S}\n"
            k = n + 5
        return (f"  %{n} = lshr i64 {A}, {PAGE_BITS - _TLB_SHIFT}\n"      # (abi.tlb_index, times the entry size)
                f"  %tq{n} = lshr i64 {A}, {TLB_FOLD - _TLB_SHIFT}\n"
                f"  %tx{n} = xor i64 %{n}, %tq{n}\n"
                f"  %{n + 1} = and i64 %tx{n}, {(TLB_ENTRIES - 1) << _TLB_SHIFT}\n"
                f"  %{n + 2} = getelementptr i8, ptr %s, i64 %{n + 1}\n"
                f"  %{n + 3} = getelementptr i8, ptr %{n + 2}, i64 {OFF_TLB + (TLB_WRITE_TAG if write else TLB_READ_TAG)}\n"
                f"  %{n + 4} = load i64, ptr %{n + 3}{TBAA_STATE}\n"
                f"{key}"
                f"  %{k + 1} = icmp eq i64 %{n + 4}, %{k}\n"
                f"  %{k + 2} = getelementptr i8, ptr %{n + 2}, i64 {OFF_TLB + TLB_ADDEND}\n"
                f"  %{k + 3} = load ptr, ptr %{k + 2}{TBAA_STATE}\n"
                f"  %{k + 4} = getelementptr i8, ptr %{k + 3}, i64 {A}\n"), k

    def _span_probe(self, addr, size, span, write, acc):
        """The soft-TLB probe for ``span`` bytes from ``addr`` in
        ``size``-byte elements, without a slow path: (hit, host pointer).  A
        span running into the next page, or a misaligned one, misses."""
        A = addr.n if addr.__class__ is V else _c(addr, 64)
        n = self.tmp
        text, k = self._probe_text(A, size, span, write, acc, n)
        self.tmp = k + 5
        self.lines.append(text.rstrip("\n"))
        return V(f"%{k + 1}", 1), V(f"%{k + 4}", 64)

    def _span_split(self, addr, size, count, write, acc):
        """Probe the span, branch: the host pointer and the (fast,
        slow, join) labels, the fast one started."""
        hit, hp = self._span_probe(addr, size, size * count, write, acc)
        fast_l, slow_l, join_l = self.new_label("spf"), self.new_label("sps"), self.new_label("spj")
        self.emit(f"br i1 {hit.n}, label %{fast_l}, label %{slow_l}")
        self.start_label(fast_l)
        return hp, fast_l, slow_l, join_l

    def load_elems(self, addr, size, count, acc=0):
        """One probe for the whole span when it stays inside a page (then
        plain host loads); otherwise, or on a miss, element by element
        through the ordinary accesses (exact faults)."""
        if count == 1 or acc & ACC_UNPRIV:
            return super().load_elems(addr, size, count, acc)
        bits = size * 8
        hp, fast_l, slow_l, join_l = self._span_split(addr, size, count, False, acc)
        fast = []
        for i in range(count):
            q = self.op(f"getelementptr i8, ptr {hp.n}, i64 {i * size}", 64) if i else hp
            fast.append(self.op(f"load i{bits}, ptr {q.n}, align 1{TBAA_GUEST}", bits))
        self.emit(f"br label %{join_l}")
        self.start_label(slow_l)
        slow = super().load_elems(addr, size, count, acc)
        slow_end = self.label
        self.emit(f"br label %{join_l}")
        self.start_label(join_l)
        return [self.op(f"phi i{bits} [ {f.n}, %{fast_l} ], [ {sv.n}, %{slow_end} ]", bits)
                for f, sv in zip(fast, slow)]

    def store_elems(self, addr, values, size, acc=0):
        if len(values) == 1 or acc & ACC_UNPRIV:
            return super().store_elems(addr, values, size, acc)
        bits = size * 8
        hp, fast_l, slow_l, join_l = self._span_split(addr, size, len(values), True, acc)
        for i, v in enumerate(values):
            q = self.op(f"getelementptr i8, ptr {hp.n}, i64 {i * size}", 64) if i else hp
            self.emit(f"store i{bits} {_c(v, bits)}, ptr {q.n}, align 1{TBAA_GUEST}")
        self.emit(f"br label %{join_l}")
        self.start_label(slow_l)
        super().store_elems(addr, values, size, acc)
        self.emit(f"br label %{join_l}")
        self.start_label(join_l)

    def check_align(self, addr, size, write):
        bad = self.cmp("ne", self.and_(addr, size - 1, 64), 0, 64)
        go, cont = self.new_label("mis"), self.new_label("al")
        self.emit(f"br i1 {bad.n}, label %{go}, label %{cont}")
        self.start_label(go)
        self._raise(EC_DABORT_SAME, FSC_ALIGNMENT | int(write) << 6, far=addr)   # alignment fault
        self.start_label(cont)

    def check_sp_align(self, sp):
        if not self.ctx.sp_align:
            return
        bad = self.cmp("ne", self.and_(sp, 15, 64), 0, 64)
        go, cont = self.new_label("spmis"), self.new_label("spal")
        self.emit(f"br i1 {bad.n}, label %{go}, label %{cont}")
        self.start_label(go)
        self._raise(0x26, 0)
        self.start_label(cont)

    def excl_mark(self, addr, size):
        self.st(OFF_EXCL["addr"], addr, 64)
        self.st(OFF_EXCL["size"], size, 64)
        self.st(OFF_EXCL["valid"], 1, 64)

    def excl_pass(self, addr, size):
        v = self.cmp("ne", self.ld(OFF_EXCL["valid"], 64), 0, 64)
        a = self.cmp("eq", self.ld(OFF_EXCL["addr"], 64), addr, 64)
        s = self.cmp("eq", self.ld(OFF_EXCL["size"], 64), size, 64)
        return self.and_(self.and_(v, a, 1), s, 1)

    def excl_clear(self):
        self.st(OFF_EXCL["valid"], 0, 64)

    def if_(self, c, then):
        if isinstance(c, int):
            if c:
                then()
            return
        self.flush()
        go, after = self.new_label("then"), self.new_label("endif")
        self.emit(f"br i1 {c.n}, label %{go}, label %{after}")
        self.start_label(go)
        then()
        self.flush()
        self.emit(f"br label %{after}")
        self.start_label(after)
        self.cache.clear()           # values made inside ``then`` do not dominate this point

    # -- control flow -------------------------------------------------------------
    def branch(self, target):
        self.next_pc = target
        self.ended = True
        if isinstance(target, int):
            self.succ.append(target)

    def branch_if(self, c, target):
        self.next_pc = self.select(c, target, (self.pc + 4) & M[64], 64)
        if isinstance(target, int) and not isinstance(c, int):
            self.cond_exit = (c, target, (self.pc + 4) & M[64])
        self.ended = True
        self.succ += [target, (self.pc + 4) & M[64]]

    def _raise(self, ec, iss, return_offset=0, far=None, target_el=None):
        """Exception at this instruction: fill exc_*, make PC and the count
        exact, leave the block through %exc.  Deferred registers are stored on this
        path only (a path that does not raise keeps them deferred)."""
        self.spill()
        self.st(OFF_EXC["ec"], ec, 64)
        self.st(OFF_EXC["iss"], iss, 64)
        if far is not None:
            self.st(OFF_EXC["far"], far, 64)
        self.st(OFF_EXC["flags"], pack_exc_flags(far is not None, return_offset, target_el), 64)
        self.st(OFF_PC, self.pc, 64)
        self.st(OFF_ICOUNT, self.icount_here(), 64)
        self.emit("br label %exc")

    def exception(self, ec, iss, return_offset=0):
        self._raise(ec, iss, return_offset)
        self.start_label(self.new_label("dead"))
        self.ended = True
        self.raised = True
        if return_offset:                        # SVC: execution resumes after it
            self.succ.append((self.pc + return_offset) & M[64])

    def undef(self):
        self.exception(0, 0)

    def helper(self, name, *args):
        """A runtime helper sees exact PC and count; afterwards the count in
        the state goes back to the block's entry value (so that slow paths
        can name their instruction by its index in the block)."""
        if name in ("mrs", "msr") and args[0] == _SP_EL0_KEY and self.ctx.el >= 1 and self.ctx.spsel:
            # SP_EL0 at EL1/EL2 with SPSel = 1 (Linux's `current`): its banked copy in the
            # state, as runtime/sysregs.py reads and writes it; no trap applies to it in ARMv8.0
            if name == "mrs":
                return self.ld(OFF_SP_EL, 64)
            self.st(OFF_SP_EL, args[2], 64)
            return None
        if name == "sys" and args[0] == _DC_ZVA_KEY and self.ctx.dz and not self.ctx.trace:
            self._dc_zva(args)
            return 0
        if name == "mrs" and not self.ctx.trace:
            plan = mrs_inline(args[0], self.ctx.el, self.ctx.dz)
            if plan is not None:
                what, arg, mask = plan
                if what == "const":
                    return arg
                if what == "daif":
                    return self.zext(self.ld(OFF_DAIF, 32), 32, 64)
                return self._guarded(mask, name, args, lambda: self.ld(OFF_SYSREGS + 8 * arg, 64))
        if name == "sys" and not self.ctx.trace:
            mask = sys_inline(args[0], self.ctx.el)
            if mask is not None:                      # a cache operation: nothing to do unless it traps
                self._guarded(mask, name, args, None)
                return 0
            plan = tlbi_inline(args[0], self.ctx.el)
            if plan is not None:
                self._tlbi_va(args, *plan)
                return 0
        self.flush()
        self.state_exact()
        self.sync()
        self._call_helper(pack_info(HELPER_CALL, HELPER_IDS[name]), *args)
        self.st(OFF_ICOUNT, self.ic0, 64)
        self.reload()
        self.cache.clear()           # helpers may change any register (MSR NZCV, SPSel...)
        return self.ld(OFF_HELPER_RET, 64)

    def daif_write(self, value=None, imm=0, set_=False):
        """MSR DAIF / DAIFSet / DAIFClr at EL1 and EL2 (no trap applies
        there): PSTATE.DAIF stored here.  Masking cannot make an interrupt
        takeable; unmasking can only while an interrupt line is asserted or
        HCR_EL2 asserts a virtual one: then the runtime looks
        (``msr_daif`` with nothing to change: it requests the exit when
        something is to be taken) and the block leaves at the next
        instruction, so that the interrupt is taken there, as the
        interpreter takes it.  The block goes on otherwise."""
        if self.ctx.el == 0 or self.ctx.trace:       # (EL0: SCTLR_EL1.UMA is not in the context)
            return False
        if value is not None:
            new = self.and_(self.trunc(value, 64, 32) if value.__class__ is V else value & M[32], 0x3C0, 32)
        else:
            m = (imm & 15) << 6
            old = self.ld(OFF_DAIF, 32)
            new = self.or_(old, m, 32) if set_ else self.and_(old, ~m & M[32], 32)
        self.st(OFF_DAIF, new, 32)
        if set_:
            return True
        lines = self.zext(self.ld(OFF_LINES, 8), 8, 64)
        virt = self.op(f"and i64 {self._hcr().n}, {_HCR_VIRTUAL}", 64)
        w = self.op(f"or i64 {lines.n}, {virt.n}", 64)
        c = self.op(f"icmp ne i64 {w.n}, 0", 1)
        fast_l, slow_l, back_l = (self.new_label(x) for x in ("df", "ds", "db"))
        self.emit(f"br i1 {c.n}, label %{slow_l}, label %{fast_l}")
        before = self.fptr
        self.start_label(slow_l)
        self._runtime_path("msr_daif", (0, 1), back_l)
        self.start_label(back_l)
        self.set_pc((self.pc + 4) & M[64])
        self.set_icount(self.op(f"add i64 {self.ic0.n}, {self.index + 1}", 64))
        self.emit("br label %out" if self.hot else "ret i64 0")
        self.start_label(fast_l)
        self.fptr = before
        return True

    def _guarded(self, mask, name, args, fast):
        """A system instruction generated code does itself (``fast()``: its
        value, or None), unless HCR_EL2 & ``mask`` traps it to EL2: then the
        runtime helper ``name`` runs it (and raises the trap).  Registers
        are unchanged on both paths; deferred ones are stored only on the
        runtime's path."""
        if not mask:
            return fast() if fast else None
        t = self.op(f"and i64 {self._hcr().n}, {_c(mask, 64)}", 64)
        c = self.op(f"icmp ne i64 {t.n}, 0", 1)
        fast_l, slow_l, back_l, join_l = (self.new_label(x) for x in ("gf", "gs", "gb", "gj"))
        self.emit(f"br i1 {c.n}, label %{slow_l}, label %{fast_l}")
        before = self.fptr                       # (state pointers made before the branch: still valid after it)
        self.start_label(slow_l)
        r = self._runtime_path(name, args, back_l)
        self.start_label(back_l)                 # (the runtime did not trap after all)
        slow_v = self.op(f"load i64, ptr {r.n}", 64) if fast else None
        self.st(OFF_ICOUNT, self.ic0, 64)
        self.emit(f"br label %{join_l}")
        self.start_label(fast_l)
        fast_v = fast() if fast else None
        fast_end = self.label
        self.emit(f"br label %{join_l}")
        self.start_label(join_l)
        self.fptr = before
        if fast is None:
            return None
        return self.op(f"phi i64 [ {_c(fast_v, 64)}, %{fast_end} ], [ {slow_v.n}, %{back_l} ]", 64)

    def _hcr(self) -> V:
        return self.ld(OFF_SYSREGS + 8 * _SLOT["HCR_EL2"], 64)

    def _runtime_path(self, name, args, then) -> V:
        """On a side path of an inline system instruction: the runtime helper
        ``name`` with the exact state (deferred registers stored, not
        forgotten; fresh state pointers), continuing at ``then``."""
        self.spill()
        self.sync()
        return self._call_helper(pack_info(HELPER_CALL, HELPER_IDS[name]), *args, then=then)

    def _tlbi_va(self, args, mask, all_levels):
        """TLBI by VA at EL1 (``helpers.tlbi_inline``), done here unless HCR_EL2
        & ``mask`` traps it, the page may hold translated code (its bit in the
        code map) or the TLBI log is full: the soft TLB's entry of the page
        emptied if it holds it (as ``engine._drop_page``), the page appended to
        the log (runtime/abi.py "the TLBI log"; the runtime gives it to the
        MMU before its TLB is next read).  Otherwise the runtime's ``sys``.
        Linux's kernel-text patching (ftrace at boot: some 44,000 times, each
        through a fixmap page) issues one after every patch.  Registers are
        unchanged on both paths."""
        x = args[1]
        X = x.n if x.__class__ is V else _c(x, 64)
        n = self.tmp
        self.tmp = n + 12
        lines = [
            f"  %{n} = and i64 {X}, {(1 << 44) - 1}",                    # Xt[43:0] = VA[55:12]
            f"  %{n + 1} = shl i64 %{n}, {PAGE_BITS}",
            f"  %{n + 2} = lshr i64 %{n + 1}, 55",
            f"  %{n + 3} = sub i64 0, %{n + 2}",                          # bit 55 -> bits 63:56
            f"  %{n + 4} = and i64 %{n + 3}, {_c(0xFF << 56, 64)}",
            f"  %{n + 5} = or i64 %{n + 1}, %{n + 4}",                    # the page (mmu.tlbi_target)
            f"  %{n + 6} = lshr i64 %{n + 5}, {PAGE_BITS}",               # abi.code_vmap_index
            f"  %{n + 7} = lshr i64 %{n + 5}, {PAGE_BITS + CODE_VMAP_BITS}",
            f"  %{n + 8} = xor i64 %{n + 6}, %{n + 7}",
            f"  %{n + 9} = and i64 %{n + 8}, {(1 << CODE_VMAP_BITS) - 1}",
            f"  %{n + 10} = lshr i64 %{n + 9}, 3",
            f"  %{n + 11} = and i64 %{n + 9}, 7",
        ]
        self.lines.extend(lines)
        page = V(f"%{n + 5}", 64)
        vmap = self.op(f"load ptr, ptr {self.ptr(OFF_CODE_VMAP_PTR)}{TBAA_STATE}", 64)
        byte_p = self.op(f"getelementptr i8, ptr {vmap.n}, i64 %{n + 10}", 64)
        byte = self.op(f"load i8, ptr {byte_p.n}{TBAA_STATE}", 8)
        bits = self.op(f"zext i8 {byte.n} to i64", 64)
        bit = self.op(f"lshr i64 {bits.n}, %{n + 11}", 64)
        code = self.op(f"trunc i64 {bit.n} to i1", 1)
        count = self.ld(OFF_TLBI_N, 64)
        full = self.op(f"icmp uge i64 {count.n}, {TLBI_LOG_ENTRIES}", 1)
        slow = self.op(f"or i1 {code.n}, {full.n}", 1)
        if mask:
            t = self.op(f"and i64 {self._hcr().n}, {_c(mask, 64)}", 64)
            trap = self.op(f"icmp ne i64 {t.n}, 0", 1)
            slow = self.op(f"or i1 {slow.n}, {trap.n}", 1)
        fast_l, slow_l, join_l = self.new_label("tlf"), self.new_label("tls"), self.new_label("tlj")
        self.emit(f"br i1 {slow.n}, label %{slow_l}, label %{fast_l}")
        before = self.fptr
        self.start_label(slow_l)
        self._runtime_path("sys", args, join_l)
        self.start_label(fast_l)
        self.fptr = dict(before)
        # the soft TLB's entry of the page (abi.tlb_index, as the probe computes it)
        e = self.op(f"lshr i64 {page.n}, {PAGE_BITS - _TLB_SHIFT}", 64)
        q = self.op(f"lshr i64 {page.n}, {TLB_FOLD - _TLB_SHIFT}", 64)
        ex = self.op(f"xor i64 {e.n}, {q.n}", 64)
        off = self.op(f"and i64 {ex.n}, {(TLB_ENTRIES - 1) << _TLB_SHIFT}", 64)
        ent = self.op(f"getelementptr i8, ptr %s, i64 {off.n}", 64)
        rp = self.op(f"getelementptr i8, ptr {ent.n}, i64 {OFF_TLB + TLB_READ_TAG}", 64)
        wp = self.op(f"getelementptr i8, ptr {ent.n}, i64 {OFF_TLB + TLB_WRITE_TAG}", 64)
        hits = []
        tags = []
        for p in (rp, wp):
            tag = self.op(f"load i64, ptr {p.n}{TBAA_STATE}", 64)
            tags.append(tag)
            d = self.op(f"xor i64 {tag.n}, {page.n}", 64)
            dm = self.op(f"and i64 {d.n}, {_c(_VA_PAGE, 64)}", 64)
            same = self.op(f"icmp eq i64 {dm.n}, 0", 1)
            live = self.op(f"icmp ne i64 {tag.n}, {_c(TLB_EMPTY, 64)}", 1)
            hits.append(self.op(f"and i1 {same.n}, {live.n}", 1))
        hit = self.op(f"or i1 {hits[0].n}, {hits[1].n}", 1)
        for p, tag in zip((rp, wp), tags):
            v = self.op(f"select i1 {hit.n}, i64 {_c(TLB_EMPTY, 64)}, i64 {tag.n}", 64)
            self.emit(f"store i64 {v.n}, ptr {p.n}{TBAA_STATE}")
        slot = self.op(f"mul i64 {count.n}, 8", 64)
        lp = self.op(f"getelementptr i8, ptr %s, i64 {slot.n}", 64)
        lq = self.op(f"getelementptr i8, ptr {lp.n}, i64 {OFF_TLBI_LOG}", 64)
        entry = self.op(f"or i64 {page.n}, {int(all_levels)}", 64)          # abi.pack_tlbi_log
        self.emit(f"store i64 {entry.n}, ptr {lq.n}{TBAA_STATE}")
        n1 = self.op(f"add i64 {count.n}, 1", 64)
        self.st(OFF_TLBI_N, n1, 64)
        self.emit(f"br label %{join_l}")
        self.start_label(join_l)
        self.fptr = before
        self.st(OFF_ICOUNT, self.ic0, 64)

    def _dc_zva(self, args):
        """DC ZVA where it does not trap (``ctx.dz``) on a block the soft TLB maps
        for writing at this EL (RAM, not holding code, no watchpoint): its 64 zero
        bytes stored inline (Linux's clear_page runs it 64 times a page).  Any other
        case (a miss, a fault) is the runtime's ``sys`` as before; registers are
        unchanged on both paths.  (Not while tracing: the runtime records it.)"""
        self.flush()
        base = self.and_(args[1], M[64] & ~(_ZVA_BYTES - 1), 64)
        hit, hp = self._span_probe(base, 8, _ZVA_BYTES, True, 0)
        fast, slow, join = self.new_label("zvf"), self.new_label("zvs"), self.new_label("zvj")
        self.emit(f"br i1 {hit.n}, label %{fast}, label %{slow}")
        self.start_label(fast)
        for off in range(0, _ZVA_BYTES, 8):
            q = self.op(f"getelementptr i8, ptr {hp.n}, i64 {off}", 64) if off else hp
            self.emit(f"store i64 0, ptr {q.n}, align 1{TBAA_GUEST}")
        self.emit(f"br label %{join}")
        self.start_label(slow)
        self._runtime_path("sys", args, join)
        self.start_label(join)
        self.st(OFF_ICOUNT, self.ic0, 64)

    def end_block(self):
        self.ended = True
        self.context_may_change = True

