"""The emitter interface that semantic functions are written against.

This abstract class documents every operation and is the base of both
backends: a backend that lacks an operation cannot be instantiated.
Widths (``bits``) are explicit because the interpreter's values are plain
Python ints; the LLVM backend uses them to pick IR types.  Boolean values
("1-bit") are what ``cmp``/``cond`` return and what ``select``/``branch_if``/
``if_`` take.

Access flags for ``load``/``store`` (ARM ARM AccType) are the runtime's
(``runtime.memory.ACC_*``): what the CPU checks on an access.
"""
from __future__ import annotations

from abc import ABC, abstractmethod

from ...runtime.memory import ACC_NORMAL


class Emitter(ABC):
    #: address of the instruction being executed/translated (a Python int)
    pc: int
    #: the 32-bit instruction word
    word: int

    # -- general registers --------------------------------------------------
    @abstractmethod
    def rx(self, n, bits=64):           """X[n]/W[n]; register 31 reads as zero."""
    @abstractmethod
    def rsp(self, n, bits=64):          """X[n]/W[n]; register 31 is the current SP."""
    @abstractmethod
    def wx(self, n, v, bits=64):        """X[n] = v (32-bit writes zero-extend); 31 discards."""
    @abstractmethod
    def wsp(self, n, v, bits=64):       """X[n] = v; register 31 is the current SP."""

    # -- SIMD&FP registers (V0-V31, 128 bits) ----------------------------------
    @abstractmethod
    def rv(self, n, bits=128):          """V[n]<bits-1:0> (bits in 8, 16, 32, 64, 128)."""
    @abstractmethod
    def wv(self, n, v, bits=128):       """V[n] = ZeroExtend(v<bits-1:0>, 128) (a scalar or 64-bit vector
                                        write clears the rest of the register)."""
    @abstractmethod
    def check_fp(self):
        """CheckFPAdvSIMDEnabled64(): UNDEFINED while FP/AdvSIMD is not
        enabled (Cpu.fp_enabled), else the CPACR_EL1.FPEN / CPTR_EL2.TFP traps
        (EC 0x07; ``Cpu.fp_access``, which the JIT sees in the translation
        context).  Called by every FP/AdvSIMD instruction after its
        decode-time checks, before anything else."""

    # -- floating point --------------------------------------------------------
    @abstractmethod
    def fp(self, name: str, a, b=0, c=0):
        """The floating-point operation ``name`` of translator.fpops on bit
        patterns (its name fixes sizes, rounding, signedness): reads FPCR,
        ORs the exception flags it raises into FPSR, returns its result
        (``fpops.FP_RESULT_BITS[name]`` bits).  Exact (the ARM pseudocode)
        in both backends."""
    @abstractmethod
    def fp_lanes(self, name: str, esize: int, bits: int, a, b=0, c=0):
        """The FP operation ``name`` (of ``esize``-bit operands) on each lane of
        ``bits``-wide vectors (lane i of the result from lane i of each
        operand); an operation with a 1-bit result (a compare) gives lanes of
        all ones or zeros.  FPSR gets the OR of every lane's flags."""
    # -- lane-wise integer operations (Advanced SIMD) ------------------------------
    #: op -> (kind, scalar meaning): "bin" a op b, "cmp" a pred b as a lane mask, "un" op a
    VEC_OPS = {"add": "bin", "sub": "bin", "mul": "bin", "and": "bin", "or": "bin", "xor": "bin",
               "eq": "cmp", "sgt": "cmp", "sge": "cmp", "ugt": "cmp", "uge": "cmp", "slt": "cmp", "sle": "cmp",
               "tst": "cmp", "smax": "bin", "smin": "bin", "umax": "bin", "umin": "bin",
               "shl": "shift", "lshr": "shift", "ashr": "shift", "neg": "un", "abs": "un"}

    def vec(self, op: str, esize: int, bits: int, a, b=0):
        """Lane-wise integer operation on ``bits``-wide vectors of ``esize``-bit
        lanes (modulo 2**esize): ``op`` in VEC_OPS; compares (and ``tst``:
        (a AND b) != 0) give lanes of all ones or zeros; shifts take a
        constant amount ``b`` (0 <= b < esize) for every lane.  This default
        works lane by lane with the scalar operations (the interpreter's);
        the JIT emits one LLVM vector operation."""
        n = bits // esize
        m = (1 << esize) - 1

        def lane(v, i):
            if v.__class__ is int:
                return v >> (i * esize) & m
            return self.trunc(self.lshr(v, i * esize, bits) if i else v, bits, esize) if esize < bits else v

        kind = self.VEC_OPS[op]
        acc = 0
        for i in range(n):
            x = lane(a, i)
            y = b if kind == "shift" else lane(b, i)
            if kind == "shift":
                r = getattr(self, op)(x, y, esize) if y else x
            elif op in ("add", "sub", "mul", "xor"):
                r = getattr(self, op)(x, y, esize)
            elif op in ("and", "or"):
                r = getattr(self, op + "_")(x, y, esize)
            elif op == "neg":
                r = self.sub(0, x, esize)
            elif op == "abs":
                r = self.select(self.cmp("slt", x, 0, esize), self.sub(0, x, esize), x, esize)
            elif kind == "cmp":
                c = self.cmp("ne", self.and_(x, y, esize), 0, esize) if op == "tst" else self.cmp(op, x, y, esize)
                r = self.select(c, m, 0, esize)
            else:                                       # smax smin umax umin
                pred = {"smax": "sgt", "smin": "slt", "umax": "ugt", "umin": "ult"}[op]
                r = self.select(self.cmp(pred, x, y, esize), x, y, esize)
            r = self.zext(r, esize, bits) if esize < bits else r
            acc = self.or_(acc, self.shl(r, i * esize, bits) if i else r, bits)
        return acc

    @abstractmethod
    def fpsr_or(self, v):               """FPSR |= v (a 32-bit value: QC, bit 27, for saturation)."""

    # -- flags ----------------------------------------------------------------
    @abstractmethod
    def nzcv(self):                     """(n, z, c, v) as 1-bit values."""
    @abstractmethod
    def set_nzcv(self, n, z, c, v):     """PSTATE.NZCV = n:z:c:v (1-bit values)."""
    @abstractmethod
    def cond(self, cond: int):          """ConditionHolds(cond) as a 1-bit value."""

    # -- integer operations (all modulo 2**bits) -----------------------------
    @abstractmethod
    def add(self, a, b, bits): ...
    @abstractmethod
    def sub(self, a, b, bits): ...
    @abstractmethod
    def mul(self, a, b, bits): ...
    @abstractmethod
    def and_(self, a, b, bits): ...
    @abstractmethod
    def or_(self, a, b, bits): ...
    @abstractmethod
    def xor(self, a, b, bits): ...
    @abstractmethod
    def not_(self, a, bits): ...
    @abstractmethod
    def shl(self, a, s, bits):          """a << s, 0 <= s < bits."""
    @abstractmethod
    def lshr(self, a, s, bits): ...
    @abstractmethod
    def ashr(self, a, s, bits): ...
    @abstractmethod
    def ror(self, a, s, bits): ...
    @abstractmethod
    def zext(self, a, frm, to): ...
    @abstractmethod
    def sext(self, a, frm, to): ...
    @abstractmethod
    def trunc(self, a, frm, to): ...
    @abstractmethod
    def cmp(self, op: str, a, b, bits): """op in eq ne ult ule ugt uge slt sle sgt sge -> 1-bit."""
    @abstractmethod
    def select(self, c, a, b, bits): ...
    @abstractmethod
    def add_with_carry(self, a, b, cin, bits):
        """AddWithCarry(): returns (result, n, z, c, v)."""
    @abstractmethod
    def udiv(self, a, b, bits):         """Unsigned divide, 0 when b == 0 (UDIV)."""
    @abstractmethod
    def sdiv(self, a, b, bits):         """Signed divide rounding to zero, 0 when b == 0, MIN/-1 = MIN."""
    @abstractmethod
    def mulh(self, a, b, signed: bool): """High 64 bits of the 128-bit product of 64-bit a and b."""
    @abstractmethod
    def clz(self, a, bits): ...
    @abstractmethod
    def rbit(self, a, bits): ...
    @abstractmethod
    def bswap(self, a, bits): ...
    @abstractmethod
    def lookup(self, table: str, idx):
        """``fields.TABLES[table][idx]`` (a 256-entry table of 32-bit
        constants, ``register_table``; ``idx`` an 8-bit value): 32 bits."""
    @abstractmethod
    def crc32(self, acc, val, nbytes: int, castagnoli: bool):
        """CRC32 (poly 0x04C11DB7) or CRC32C (0x1EDC6F41), bit-reflected, as the ARM pseudocode."""

    # -- memory ---------------------------------------------------------------
    @abstractmethod
    def load(self, addr, size: int, acc: int = ACC_NORMAL, isv=None):
        """Read ``size`` bytes (little-endian) at virtual ``addr``; may fault.
        ``isv`` = (sse, srt, sf, ar) for the data-abort instruction syndrome."""
    @abstractmethod
    def store(self, addr, value, size: int, acc: int = ACC_NORMAL, isv=None): ...

    def load_pair(self, addr, size: int, acc: int = ACC_NORMAL):
        """Two consecutive ``size``-byte elements (LDP): the one at ``addr``,
        then the one at ``addr + size``; either may fault."""
        return self.load(addr, size, acc), self.load(self.add(addr, size, 64), size, acc)

    def store_pair(self, addr, v1, v2, size: int, acc: int = ACC_NORMAL):
        """STP: ``v1`` at ``addr``, then ``v2`` at ``addr + size`` (if the
        second faults, the first has been written)."""
        self.store(addr, v1, size, acc)
        self.store(self.add(addr, size, 64), v2, size, acc)

    def load_elems(self, addr, size: int, count: int, acc: int = ACC_NORMAL):
        """``count`` consecutive ``size``-byte elements from ``addr`` (the
        structure loads), each an access of its own (alignment per element,
        faults in element order); a backend may check the whole span once."""
        return [self.load(self.add(addr, i * size, 64) if i else addr, size, acc) for i in range(count)]

    def store_elems(self, addr, values, size: int, acc: int = ACC_NORMAL):
        """The values as consecutive ``size``-byte elements from ``addr``, in
        order (a fault part way leaves the earlier ones written)."""
        for i, v in enumerate(values):
            self.store(self.add(addr, i * size, 64) if i else addr, v, size, acc)

    @abstractmethod
    def check_align(self, addr, size: int, write: bool):
        """Alignment fault unless addr is a multiple of ``size`` (a power of two)."""
    @abstractmethod
    def check_sp_align(self, sp):       """SP alignment fault if SCTLR_ELx.SA and sp % 16."""
    @abstractmethod
    def excl_mark(self, addr, size: int):   """Set the local exclusive monitor."""
    @abstractmethod
    def excl_pass(self, addr, size: int):   """1-bit: does the monitor cover [addr, addr+size)?"""
    @abstractmethod
    def excl_clear(self): ...
    @abstractmethod
    def if_(self, c, then):             """Run ``then()`` (side effects only) when c holds."""

    # -- control flow and the runtime -------------------------------------
    @abstractmethod
    def branch(self, target):           """Next PC = target."""
    @abstractmethod
    def branch_if(self, c, target):     """Next PC = target if c else pc + 4."""
    @abstractmethod
    def exception(self, ec: int, iss: int, return_offset: int = 0):
        """Raise a synchronous exception at this instruction (static syndrome)."""
    @abstractmethod
    def undef(self):                    """UNDEFINED: exception with EC 0."""
    def daif_write(self, value=None, imm: int = 0, set_: bool = False) -> bool:
        """MSR DAIF (``value``) or MSR DAIFSet/DAIFClr (``imm``, ``set_``)
        done by the backend itself: True if it did (the block may go on),
        False to have it done through the runtime (the default)."""
        return False

    @abstractmethod
    def helper(self, name: str, *args):
        """Call the runtime helper ``runtime.helpers.<name>(cpu, *args)``:
        system registers, barriers, cache/TLB maintenance, ERET, WFI...
        Helpers may raise guest exceptions and may change PC or PSTATE; they
        return a 64-bit value or None."""
    @abstractmethod
    def end_block(self):                """Translation context may have changed: the block ends here."""
