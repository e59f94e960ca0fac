"""The reference interpreter: the semantics evaluated on Python ints.

``InterpEmitter`` implements every operation of the Emitter interface
(semantics/ops.py) directly on the CPU state; ``Interpreter`` fetches,
decodes (with a per-word cache of decoded instructions) and executes one
instruction at a time; ``InterpEngine`` runs it behind the engine interface.  Exceptions propagate as ``GuestException`` with
PC still at the instruction that raised them; the caller decides whether to
take them (``Cpu.take_exception``) or report them (``run_snippet``).
"""
from __future__ import annotations

from ..runtime.abi import PENDING_HOST, FP_OK
from ..runtime.helpers import HELPERS
from ..runtime.exceptions import GuestException, WatchHit, undefined, data_abort, FSC_ALIGNMENT, fp_access_exception
from .decode import decode
from .engine import Engine, BUDGET, EXCEPTION, PENDING, NO_CODE, DEBUG
from .fields import MASK, CRC32_TABLE, CRC32C_TABLE, TABLES
from .fpops import FP_OPS, FP_RESULT_BITS
from .semantics import lookup
from .semantics.ops import Emitter

M = MASK


def _signed(a, bits):
    return a - (1 << bits) if a >> (bits - 1) else a


class InterpEmitter(Emitter):
    def __init__(self, cpu):
        self.cpu = cpu
        self.s = cpu.state
        self.pc = 0
        self.word = 0
        self.next_pc = 0

    # registers
    def rx(self, n, bits=64):
        return 0 if n == 31 else self.s.x[n] & M[bits]

    def rsp(self, n, bits=64):
        return self.s.x[n] & M[bits]

    def wx(self, n, v, bits=64):
        if n != 31:
            self.s.x[n] = v & M[bits]

    def wsp(self, n, v, bits=64):
        self.s.x[n] = v & M[bits]

    # SIMD&FP registers
    def rv(self, n, bits=128):
        s = self.s
        v = s.vreg[2 * n] | s.vreg[2 * n + 1] << 64
        return v if bits == 128 else v & M[bits]

    def wv(self, n, v, bits=128):
        v &= M[bits]
        s = self.s
        s.vreg[2 * n] = v & M[64]
        s.vreg[2 * n + 1] = v >> 64

    def check_fp(self):
        a = self.cpu.fp_access()
        if a != FP_OK:
            raise fp_access_exception(a)

    def lookup(self, table, idx):
        return TABLES[table][idx & 0xFF]

    # floating point
    def fp(self, name, a, b=0, c=0):
        s = self.s
        r, flags = FP_OPS[name](s.fpcr, a, b, c)
        if flags:
            s.fpsr |= flags
        return r

    def fp_lanes(self, name, esize, bits, a, b=0, c=0):
        s = self.s
        fn = FP_OPS[name]
        m = M[esize]
        compare = FP_RESULT_BITS[name] == 1
        fpcr = s.fpcr
        r = flags = 0
        for sh in range(0, bits, esize):
            x, fl = fn(fpcr, a >> sh & m, b >> sh & m, c >> sh & m)
            if compare and x:
                x = m
            r |= x << sh
            flags |= fl
        if flags:
            s.fpsr |= flags
        return r

    def fpsr_or(self, v):
        self.s.fpsr |= v

    # flags
    def nzcv(self):
        s = self.s
        return s.n, s.z, s.c, s.v

    def set_nzcv(self, n, z, c, v):
        s = self.s
        s.n, s.z, s.c, s.v = n, z, c, v

    def cond(self, cond):
        """ConditionHolds() (ARM ARM shared/functions/system/ConditionHolds)."""
        s = self.s
        base = cond >> 1
        if base == 0:
            r = s.z
        elif base == 1:
            r = s.c
        elif base == 2:
            r = s.n
        elif base == 3:
            r = s.v
        elif base == 4:
            r = s.c and not s.z
        elif base == 5:
            r = s.n == s.v
        elif base == 6:
            r = s.n == s.v and not s.z
        else:
            return 1
        r = int(bool(r))
        return r ^ 1 if cond & 1 else r

    # arithmetic
    def add(self, a, b, bits): return (a + b) & M[bits]
    def sub(self, a, b, bits): return (a - b) & M[bits]
    def mul(self, a, b, bits): return (a * b) & M[bits]
    def and_(self, a, b, bits): return a & b & M[bits]
    def or_(self, a, b, bits): return (a | b) & M[bits]
    def xor(self, a, b, bits): return (a ^ b) & M[bits]
    def not_(self, a, bits): return ~a & M[bits]
    def shl(self, a, s, bits): return (a << s) & M[bits]
    def lshr(self, a, s, bits): return a >> s

    def ashr(self, a, s, bits):
        return (_signed(a, bits) >> s) & M[bits]

    def ror(self, a, s, bits):
        s %= bits
        return ((a >> s) | (a << (bits - s))) & M[bits] if s else a

    def zext(self, a, frm, to): return a
    def sext(self, a, frm, to): return _signed(a, frm) & M[to]
    def trunc(self, a, frm, to): return a & M[to]

    def cmp(self, op, a, b, bits):
        if op[0] == "s":
            a, b, op = _signed(a, bits), _signed(b, bits), op[1:]
        elif op[0] == "u":
            op = op[1:]
        return int({"eq": a == b, "ne": a != b, "lt": a < b, "le": a <= b,
                    "gt": a > b, "ge": a >= b}[op])

    def select(self, c, a, b, bits): return a if c else b

    def add_with_carry(self, a, b, cin, bits):
        m = M[bits]
        u = a + b + cin
        r = u & m
        sign = 1 << (bits - 1)
        return r, int(bool(r & sign)), int(r == 0), int(u > m), int(bool((a ^ r) & (b ^ r) & sign))

    def udiv(self, a, b, bits): return a // b if b else 0

    def sdiv(self, a, b, bits):
        if b == 0:
            return 0
        sa, sb = _signed(a, bits), _signed(b, bits)
        q = abs(sa) // abs(sb)
        return (-q if (sa < 0) != (sb < 0) else q) & M[bits]

    def mulh(self, a, b, signed):
        if signed:
            a, b = _signed(a, 64), _signed(b, 64)
        return ((a * b) >> 64) & M[64]

    def clz(self, a, bits): return bits - a.bit_length()

    def rbit(self, a, bits): return int(format(a, f"0{bits}b")[::-1], 2)

    def bswap(self, a, bits): return int.from_bytes(a.to_bytes(bits // 8, "little"), "big")

    def crc32(self, acc, val, nbytes, castagnoli):
        t = CRC32C_TABLE if castagnoli else CRC32_TABLE
        for i in range(nbytes):
            acc = (acc >> 8) ^ t[(acc ^ (val >> (8 * i))) & 0xFF]
        return acc

    # memory
    def load(self, addr, size, acc=0, isv=None):
        return self.cpu.read(addr, size, acc, isv)

    def store(self, addr, value, size, acc=0, isv=None):
        self.cpu.write(addr, size, value, acc, isv)

    def check_align(self, addr, size, write):
        if addr & (size - 1):
            raise data_abort(addr, FSC_ALIGNMENT, write=write)

    def check_sp_align(self, sp):
        self.cpu.check_sp_alignment(sp)

    def excl_mark(self, addr, size): self.cpu.excl_mark(addr, size)
    def excl_pass(self, addr, size): return int(self.cpu.excl_pass(addr, size))
    def excl_clear(self): self.cpu.excl_clear()

    def if_(self, c, then):
        if c:
            then()

    # control flow / runtime
    def branch(self, target): self.next_pc = target

    def branch_if(self, c, target):
        if c:
            self.next_pc = target

    def exception(self, ec, iss, return_offset=0):
        raise GuestException(ec, iss, return_offset=return_offset)

    def undef(self):
        raise undefined()

    def helper(self, name, *args):
        r = HELPERS[name](self.cpu, *args)
        self.cpu.async_dirty = True          # interrupt delivery may have changed (MSR DAIF, ERET...)
        return r

    def end_block(self):
        pass


class Interpreter:
    """Executes guest instructions one at a time on a ``Cpu``."""

    def __init__(self, cpu):
        self.cpu = cpu
        self.e = InterpEmitter(cpu)
        self._decoded: dict[int, tuple] = {}

    def decoded(self, word: int):
        d = self._decoded.get(word)
        if d is None:
            insn = decode(word)
            d = self._decoded[word] = (lookup(insn.name), insn.f, insn.name)
        return d

    def step(self) -> None:
        """Execute one instruction; raises GuestException with state intact."""
        s = self.cpu.state
        pc = s.pc
        word = self.cpu.fetch(pc)
        if s.il:
            self.cpu.check_illegal_state()
        fn, f, _ = self.decoded(word)
        e = self.e
        e.pc, e.word, e.next_pc = pc, word, (pc + 4) & M[64]
        fn(e, f)
        s.pc = e.next_pc
        s.icount += 1


class InterpEngine(Engine):
    """The interpreter behind the engine interface (translator/engine.py)."""
    name = "interp"

    def __init__(self, cpu, code_range: tuple[int, int] | None = None):
        self.cpu = cpu
        self.interp = Interpreter(cpu)
        self.code_range = code_range

    def run(self, budget: int):
        cpu = self.cpu
        s = cpu.state
        step = self.interp.step
        target = s.icount + budget
        lo, hi = self.code_range if self.code_range is not None else (0, 1 << 64)
        s.pending &= PENDING_HOST                # (an exit request for the host stays: runloop.py)
        if cpu.tracer is not None or self.breakpoints or cpu.watchpoints:
            return self._run_traced(target, lo, hi)
        while s.icount < target:
            if not lo <= s.pc < hi:
                return NO_CODE, None
            try:
                step()
            except GuestException as exc:
                return EXCEPTION, exc
            if cpu.halted or s.pending or cpu.async_dirty and cpu.pending_interrupt() is not None:
                return PENDING, None             # (s.pending: an exit request from another thread)
        return BUDGET, None

    def _run_traced(self, target, lo, hi):
        """``run`` under a debugger (breakpoints, watchpoints) or recording
        each instruction retired: as a one-instruction block (blocks level)
        or with the registers it changed (insns level)."""
        cpu = self.cpu
        s = cpu.state
        tr = cpu.tracer
        insns = tr is not None and tr.level == "insns"
        bps = self.breakpoints
        while s.icount < target:
            pc, el, before = s.pc, s.el, s.icount
            if not lo <= pc < hi:
                return NO_CODE, None
            if pc in bps:
                if pc != self.skip_pc:
                    return DEBUG, None
            self.skip_pc = None
            try:
                self.interp.step()
            except GuestException as exc:
                return EXCEPTION, exc
            except WatchHit as hit:
                return DEBUG, hit
            if tr is not None and s.icount != before:
                if insns:
                    try:
                        word = int.from_bytes(cpu.mem.read_bytes(cpu.fetch_pa(pc), 4), "little")
                    except Exception:               # (the code changed its own mapping: no word)
                        word = 0
                    tr.retired(cpu, pc, word, el)
                else:
                    tr.block(pc, before, el, 1)
            if cpu.halted or s.pending or cpu.async_dirty and cpu.pending_interrupt() is not None:
                return PENDING, None
        return BUDGET, None

    def step_one(self):
        """Execute the next instruction whatever breakpoint or watchpoint it
        touches (a debugger stepping off one): (status, exception)."""
        cpu = self.cpu
        saved, cpu.watchpoints = cpu.watchpoints, []
        self.skip_pc = cpu.state.pc
        try:
            return self._run_traced(cpu.state.icount + 1, 0, 1 << 64)
        finally:
            cpu.watchpoints = saved
            self.skip_pc = None
