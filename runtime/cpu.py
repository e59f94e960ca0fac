"""One virtual CPU: the C state block, the memory it sees, its system
registers, and the architectural machinery the instructions and the run loop
need (PSTATE changes with SP banking, virtual-address accesses, taking and
returning from exceptions).

Memory accesses go through ``translate()``: with the MMU off (the only regime
so far) VA = PA, checked against the 44-bit physical address size; the MMU
issue adds the stage 1/2 walks and a software TLB behind the same call.
"""
from __future__ import annotations

from collections import Counter

from . import abi
from .state import CpuState
from .memory import PhysMemory, Unmapped, ACC_ALIGN, ACC_UNPRIV
from .clock import make_clock
from .devices.timer import GenericTimer
from .mmu import Mmu, MmuFault, READ, WRITE, FETCH, EL10, fault_exception
from .sysregs import SysRegs, el0_allowed
from .sysreg_defs import SCTLR, HCR
from .exceptions import (GuestException, WatchHit, data_abort, isv_iss, undefined, FSC_ALIGNMENT,
                         FSC_EXTERNAL, FSC_ADDR_SIZE_L0, EC_SP_ALIGN, EC_PC_ALIGN,
                         EC_IABORT_SAME, EC_IABORT_LOWER, EC_DABORT_SAME, EC_DABORT_LOWER, EC_SERROR, EC_ILLEGAL_STATE)

_FPCR_CTX = 3 << 22 | 1 << 24    # FPCR.RMode, FZ: what host FP code cannot honour (abi.pack_ctx fp_host)
PA_BITS = 44                 # ID_AA64MMFR0_EL1.PARange = 4
M64 = (1 << 64) - 1

# Vector offsets (ARM ARM D1.10.2 "Exception vectors")
VEC_CURRENT_SP0, VEC_CURRENT_SPX, VEC_LOWER_A64 = 0x000, 0x200, 0x400
VEC_SYNC, VEC_IRQ, VEC_FIQ, VEC_SERROR = 0x000, 0x080, 0x100, 0x180
VEC_SYNC_SERROR = -1         # take_exception: an SError (vector 0x180, with a syndrome)


def _line(bit: int):
    """An interrupt line as a bool property, stored as one bit of state.lines."""
    def get(self) -> bool:
        return bool(self.state.lines & bit)

    def put(self, value) -> None:
        s = self.state
        s.lines = s.lines | bit if value else s.lines & ~bit
    return property(get, put)


class Cpu:
    irq_line = _line(abi.LINE_IRQ)
    fiq_line = _line(abi.LINE_FIQ)
    serror_line = _line(abi.LINE_SERROR)
    virq_line = _line(abi.LINE_VIRQ)
    vfiq_line = _line(abi.LINE_VFIQ)

    def __init__(self, mem: PhysMemory | None = None, index: int = 0, clock: str = "virtual"):
        self.state = CpuState()
        self.mem = mem if mem is not None else PhysMemory()
        self.index = index
        self.mmu = Mmu(self)
        self.sysregs = SysRegs(self)
        self.warnings: Counter = Counter()
        self.taken: Counter = Counter()          # (vector offset, EC) -> exceptions taken (statistics)
        # The trace being recorded (runtime/trace.py TraceWriter) or None: set it
        # with ``start_trace`` before an engine runs (it is in the translation context).
        self.tracer = None
        # A debugger's watchpoints: (first byte, end, "write" | "read" | "access"), checked
        # by every access the runtime performs (the JIT's fast path never maps their pages).
        self.watchpoints: list = []
        self.watch_pages: set = set()
        self.halted = False          # WFI: waiting for an interrupt
        # FP/AdvSIMD and crypto instructions execute (ID_AA64PFR0_EL1 and
        # ID_AA64ISAR0_EL1 advertise them).  A test switch: False makes every one
        # of them UNDEFINED, as on a CPU without FP (which no board builds).
        # Part of the translation context (abi.Ctx.fp): set it before an engine runs.
        self.fp_enabled = True
        self._ctx_key, self._ctx = None, 0    # compute_ctx's last inputs and result
        # Physical interrupt lines (driven by the interrupt controller: the board)
        # and "something that decides interrupt delivery may have changed" (set
        # by every runtime helper and line change; cleared by a check that finds
        # nothing to take).
        # (They live in state.lines, bit by bit: see the properties below.)
        self.irq_line = self.fiq_line = self.serror_line = False
        # Virtual interrupt lines from the GIC's virtual CPU interface (list
        # registers); ORed with HCR_EL2.VI/VF (ARM ARM D1.13.4 "Virtual
        # interrupts": the interrupt controller may also assert them).
        self.virq_line = self.vfiq_line = False
        self.async_dirty = True
        # Told about IC and TLBI operations (op name, operand): the JIT drops
        # translations; the MMU issue's soft TLB will flush.
        self.ic_observers: list = []
        self.tlbi_observers: list = []
        # Told about each TLBI by VA generated code did itself (the page), when
        # the runtime takes it from the log (drain_tlbi_log): the JIT's other soft TLBs.
        self.tlbi_log_observers: list = []
        self.sysregs.reset()
        # System time and the CPU's Generic Timer (its outputs go to the GIC: the board wires them)
        self.clock = make_clock(clock, self.state)
        self.timer = GenericTimer(self, self.clock)
        self.sysregs.attach(self.timer, GenericTimer.SYSREG_NAMES)
        # Reset PSTATE (ARM ARM D1.9 "Reset"): highest EL (EL2, no EL3), SPSel = 1, DAIF masked.
        self.set_pstate_el(2, 1)
        self.state.daif = 0x3C0

    def start_trace(self, writer) -> None:
        """Record events (and blocks or instructions, by the writer's level) from now on."""
        self.tracer = writer
        writer.attach(self.state)
        self.mem.mmio_trace = self._trace_mmio

    def _trace_mmio(self, region, pa, size, value, write):
        dev = getattr(region.device, "device", region.device)          # (a board wrapper's device)
        off = pa - region.base
        if hasattr(dev, "reg_name"):
            reg = dev.reg_name(off)
        else:
            reg = getattr(dev, "REG_NAMES", {}).get(off & ~3)
        s = self.state
        self.tracer.event("mmio", s.icount, s.pc, s.el, pa, value & M64, size, int(write),
                          text=f"{getattr(dev, 'name', None) or type(dev).__name__} {reg or f'+{off:#x}'}")

    def warn(self, what: str) -> None:
        """Count a warning for the run summary (unimplemented behaviour etc.)."""
        self.warnings[what] += 1

    def pending_interrupts_isr(self) -> int:
        """ISR_EL1: A (8), I (7), F (6) pending — physical, or virtual when
        EL1 reads it with HCR_EL2.AMO/IMO/FMO routing them to EL2."""
        hcr = self.sysregs.get("HCR_EL2")
        v = 0
        for line, vbit, route, bit, vline in ((self.serror_line, HCR.VSE, HCR.AMO, 8, False),
                                              (self.irq_line, HCR.VI, HCR.IMO, 7, self.virq_line),
                                              (self.fiq_line, HCR.VF, HCR.FMO, 6, self.vfiq_line)):
            if hcr & route and self.state.el < 2 and not hcr & HCR.TGE:
                line = bool(hcr & vbit) or vline     # EL1 sees the virtual one
            v |= int(line) << bit
        return v

    def pending_interrupt(self):
        """The asynchronous exception to take now, as (vector offset, target
        EL), or None (AArch64: SError, then FIQ, then IRQ; physical ones
        before virtual ones).  Routing (ARM ARM D1.13 "Asynchronous exception
        routing"): a physical interrupt goes to EL2 when HCR_EL2.AMO/FMO/IMO
        (or TGE) routes it there — taken from EL0/EL1 whatever PSTATE's mask,
        masked at EL2 — else to EL1, never taken at EL2; virtual ones
        (HCR_EL2.VSE/VF/VI, with the routing bit set and TGE clear) go to EL1
        from EL0/EL1, masked by PSTATE."""
        s = self.state
        el, daif = s.el, s.daif
        hcr = self.sysregs.get("HCR_EL2")
        tge = hcr & HCR.TGE
        for line, route, vbit, mask, vec in ((self.serror_line, HCR.AMO, HCR.VSE, 0x100, VEC_SERROR),
                                             (self.fiq_line, HCR.FMO, HCR.VF, 0x40, VEC_FIQ),
                                             (self.irq_line, HCR.IMO, HCR.VI, 0x80, VEC_IRQ)):
            if line:
                if hcr & route or tge:
                    if el < 2 or not daif & mask:
                        return vec, 2
                elif el < 2 and not daif & mask:
                    return vec, 1
        if el < 2 and not tge:
            for route, vbit, mask, vec, vline in ((HCR.AMO, HCR.VSE, 0x100, VEC_SERROR, False),
                                                  (HCR.FMO, HCR.VF, 0x40, VEC_FIQ, self.vfiq_line),
                                                  (HCR.IMO, HCR.VI, 0x80, VEC_IRQ, self.virq_line)):
                if hcr & route and (hcr & vbit or vline) and not daif & mask:
                    return vec, 1
        self.async_dirty = False
        return None

    def wakeup_pending(self) -> bool:
        """Does anything end a WFI (a pending interrupt, masked or not)?"""
        hcr = self.sysregs.get("HCR_EL2")
        virt = self.state.el < 2 and not hcr & HCR.TGE and (
            hcr & HCR.IMO and (hcr & HCR.VI or self.virq_line) or hcr & HCR.FMO and (hcr & HCR.VF or self.vfiq_line)
            or hcr & HCR.AMO and hcr & HCR.VSE)
        return bool(self.irq_line or self.fiq_line or self.serror_line or virt)

    def take_interrupt(self, vec: int, target: int) -> None:
        """Take an asynchronous exception (ELR = the next instruction).  A
        virtual SError is consumed (HCR_EL2.VSE cleared) and reports EC 0x2F."""
        if vec == VEC_SERROR:
            hcr = self.sysregs.get("HCR_EL2")
            virtual = target == 1 and hcr & HCR.AMO and not self.serror_line
            if virtual:
                self.sysregs.set("HCR_EL2", hcr & ~HCR.VSE)
            self.take_exception(GuestException(EC_SERROR, 0, target_el=target), VEC_SYNC_SERROR)
        else:
            self.take_exception(GuestException(0, 0, target_el=target), vec)

    # -- PSTATE ------------------------------------------------------------
    @property
    def nzcv(self) -> int:
        s = self.state
        return s.n << 31 | s.z << 30 | s.c << 29 | s.v << 28

    def set_nzcv(self, value: int) -> None:
        s = self.state
        s.n, s.z, s.c, s.v = value >> 31 & 1, value >> 30 & 1, value >> 29 & 1, value >> 28 & 1

    def _sp_index(self) -> int:
        return self.state.el if self.state.spsel else 0

    def set_pstate_el(self, el: int, spsel: int) -> None:
        """Change PSTATE.EL/SPSel, banking the stack pointer (x[31] is live)."""
        s = self.state
        s.sp_el[self._sp_index()] = s.x[31]
        s.el, s.spsel = el, spsel
        s.x[31] = s.sp_el[self._sp_index()]

    def get_sp_el(self, n: int) -> int:
        return self.state.x[31] if n == self._sp_index() else self.state.sp_el[n]

    def set_sp_el(self, n: int, value: int) -> None:
        if n == self._sp_index():
            self.state.x[31] = value & M64
        else:
            self.state.sp_el[n] = value & M64

    def get_spsr_value(self) -> int:
        """PSTATE as an SPSR value (ARM ARM C5.2.18 SPSR_ELx, AArch64 state)."""
        s = self.state
        return (self.nzcv | s.ss << 21 | s.il << 20 | s.pan << 22 | s.daif & 0x3C0
                | s.el << 2 | s.spsel)

    def compute_ctx(self) -> int:
        """The translation context: everything in PSTATE/SCTLR that changes
        what a block of guest code means (EL, SPSel, alignment checking, SP
        alignment checking, MMU on), packed by ``abi.pack_ctx``.  Part of
        every translated block's key."""
        s = self.state
        tr = self.tracer.ctx_level if self.tracer is not None else 0
        # What it reads: the system registers (their write generation), PSTATE's
        # EL and SPSel, FPCR's modes, FP enabled, the trace level.  A run returns
        # to the dispatcher some 50,000 times a Linux boot, nearly always with
        # none of them changed.
        key = (self.sysregs.gen, s.el, s.spsel, s.fpcr & _FPCR_CTX, self.fp_enabled, tr)
        if key == self._ctx_key:
            return self._ctx
        self._ctx_key = key
        self._ctx = self._compute_ctx(tr)
        return self._ctx

    def _compute_ctx(self, trace: int) -> int:
        s = self.state
        sctlr = self.sctlr()
        _, s1, s2, asid, vmid = self.mmu.context(s.el)
        # The ASID keys EL0 code only: translations of EL1 code (the kernel's, from
        # global pages) are shared by every address space; the JIT drops those it
        # made from non-global pages when the ASID changes (JitEngine._asid_bound).
        return abi.pack_ctx(s.el, s.spsel, align_all=bool(sctlr & SCTLR.A),
                            sp_align=bool(sctlr & (SCTLR.SA0 if s.el == 0 else SCTLR.SA)),
                            mmu=s1, stage2=s2, asid=asid if s.el == 0 else 0, vmid=vmid, fp=self.fp_access(),
                            fp_host=not s.fpcr & _FPCR_CTX, trace=trace,
                            dz=self.dc_zva_allowed())

    def dc_zva_allowed(self) -> bool:
        """DC ZVA executes at the current EL without a trap: at EL0 SCTLR_EL1.DZE
        (runtime/helpers.py ``sys``: the same gates), below EL2 not HCR_EL2.TDZ."""
        el = self.state.el
        if el == 0 and not el0_allowed(self.sysregs, "SCTLR_EL1.DZE"):
            return False
        return el == 2 or not self.sysregs.get("HCR_EL2") & HCR.TDZ

    def fp_access(self) -> int:
        """What an FP/AdvSIMD instruction does at the current EL (``abi.FP_*``):
        AArch64.CheckFPAdvSIMDEnabled(): at EL0/EL1 CPACR_EL1.FPEN (x0: trap,
        01: trap at EL0 only, 11: no trap) traps to EL1 (to EL2 as Uncategorized
        when HCR_EL2.TGE: AArch64.AdvSIMDFPAccessTrap), then CPTR_EL2.TFP
        traps EL0-EL2 to EL2 (EL2 implemented, Non-secure; no EL3).  UNDEFINED
        while FP/AdvSIMD is not enabled (``fp_enabled``).  Every register it reads is
        written by MSR, which ends the block, and the context is recomputed."""
        if not self.fp_enabled:
            return abi.FP_UNDEF
        el = self.state.el
        if el < 2:
            fpen = self.sysregs.get("CPACR_EL1") >> 20 & 3
            if fpen in (0, 2) or fpen == 1 and el == 0:
                return abi.FP_TRAP_EL2_TGE if self.sysregs.get("HCR_EL2") & HCR.TGE else abi.FP_TRAP_EL1
        if self.sysregs.get("CPTR_EL2") >> 10 & 1:
            return abi.FP_TRAP_EL2
        return abi.FP_OK

    def sctlr(self) -> int:
        """SCTLR of the current translation regime (EL0 and EL1: SCTLR_EL1)."""
        return self.sysregs.get("SCTLR_EL2" if self.state.el == 2 else "SCTLR_EL1")

    # -- memory --------------------------------------------------------------
    def translate(self, va: int, size: int, write: bool, acc: int, isv=None) -> int:
        """VA -> PA for a data access through the MMU (runtime/mmu.py); with
        translation off, flat in the 44-bit PA space.  Faults become data
        aborts; an unaligned access to Device memory is an alignment fault.
        A stage-2 fault (not on a stage-1 walk) taken to EL2 carries the
        instruction syndrome ``isv`` (ESR_EL2.ISV: what a hypervisor needs to
        emulate an MMIO access; faults taken to EL1 report ISV = 0, as on
        QEMU)."""
        el = self.state.el
        perm_el = 0 if acc & ACC_UNPRIV and el == 1 else el       # LDTR/STTR: EL0 permissions
        try:
            pa, e = self.mmu.translate(va, WRITE if write else READ, el, perm_el)
        except MmuFault as f:
            exc = fault_exception(f, data=True, write=write)
            if f.stage == 2 and not f.s1ptw:
                exc.iss |= isv_iss(_isv(size, isv))
            raise exc from None
        if e is None:                                             # translation off: flat
            if va >> PA_BITS:
                raise data_abort(va, FSC_ADDR_SIZE_L0, write=write)
        elif e.device and va & (size - 1):
            raise data_abort(va, FSC_ALIGNMENT, write=write)
        return pa

    def check_alignment(self, va: int, size: int, write: bool, acc: int, align: int | None = None):
        align = align or size
        if va & (align - 1) and (acc & ACC_ALIGN or self.sctlr() & SCTLR.A):
            raise data_abort(va, FSC_ALIGNMENT, write=write)

    def set_watchpoints(self, points) -> None:
        self.watchpoints = list(points)
        self.watch_pages = {p for lo, hi, _ in self.watchpoints for p in range(lo & ~0xFFF, hi, 0x1000)}

    def _watch(self, va: int, size: int, write: bool) -> None:
        for lo, hi, kind in self.watchpoints:
            if va < hi and lo < va + size and (kind == "access" or (kind == "write") == write):
                raise WatchHit(kind, max(va, lo))

    def read(self, va: int, size: int, acc: int = 0, isv=None) -> int:
        if self.watchpoints:
            self._watch(va, size, False)
        if va & (size - 1):
            self.check_alignment(va, size, False, acc)
            if (va & 0xFFF) + size > 0x1000 and self.mmu.enabled(self.state.el):
                # crosses a page: each part translated on its own (AArch64.Mem does bytes)
                first = 0x1000 - (va & 0xFFF)
                lo = self.read(va, first, acc, isv) if first in (1, 2, 4) else self._read_bytes(va, first, acc, isv)
                rest = size - first
                nxt = (va + first) & M64
                hi = self.read(nxt, rest, acc, isv) if rest in (1, 2, 4) else self._read_bytes(nxt, rest, acc, isv)
                return lo | hi << 8 * first
        pa = self.translate(va, size, False, acc, isv)
        try:
            return self.mem.read(pa, size)
        except Unmapped as u:
            raise data_abort(_fault_va(va, pa, u), FSC_EXTERNAL, write=False, isv=_isv(size, isv)) from None

    def _read_bytes(self, va, n, acc, isv):
        return int.from_bytes(bytes(self.read((va + i) & M64, 1, acc, isv) for i in range(n)), "little")

    def write(self, va: int, size: int, value: int, acc: int = 0, isv=None) -> None:
        if self.watchpoints:
            self._watch(va, size, True)
        if va & (size - 1):
            self.check_alignment(va, size, True, acc)
            if (va & 0xFFF) + size > 0x1000 and self.mmu.enabled(self.state.el):
                for i in range(size):           # crosses a page: byte by byte, in order
                    self.write((va + i) & M64, 1, value >> 8 * i & 0xFF, acc, isv)
                return
        pa = self.translate(va, size, True, acc, isv)
        try:
            self.mem.write(pa, size, value)
        except Unmapped as u:
            raise data_abort(_fault_va(va, pa, u), FSC_EXTERNAL, write=True, isv=_isv(size, isv)) from None

    def drain_tlbi_log(self) -> None:
        """The TLBI by VA that generated code did (runtime/abi.py "the TLBI
        log"), given to the MMU and the log's observers, in order."""
        s = self.state
        entries = list(s.tlbi_log[:s.tlbi_n])
        s.tlbi_n = 0
        for e in entries:
            page, all_levels = abi.unpack_tlbi_log(e)
            self.mmu.tlbi_va(EL10, page, all_levels)
            for obs in self.tlbi_log_observers:
                obs(page)

    def fetch_pa(self, pc: int) -> int:
        """The physical address of an instruction fetch at ``pc`` (raises the
        instruction abort of a translation fault)."""
        try:
            return self.mmu.translate(pc, FETCH, self.state.el)[0]   # off: flat (fetch checks the PA size)
        except MmuFault as f:
            raise fault_exception(f, data=False, write=False) from None

    def check_sp_alignment(self, sp: int) -> None:
        """CheckSPAlignment(): SCTLR_ELx.SA (SA0 at EL0)."""
        if sp & 15 and self.sctlr() & (SCTLR.SA0 if self.state.el == 0 else SCTLR.SA):
            raise GuestException(EC_SP_ALIGN, 0)

    def check_illegal_state(self) -> None:
        """With PSTATE.IL set, an instruction (fetched without an abort) raises
        the Illegal Execution state exception, EC 0x0E (D1.11.4)."""
        if self.state.il:
            raise GuestException(EC_ILLEGAL_STATE, 0)

    def fetch(self, pc: int) -> int:
        """Instruction fetch: PC alignment fault, then translation/abort."""
        if pc & 3:
            raise GuestException(EC_PC_ALIGN, 0, pc)
        pa = self.fetch_pa(pc)
        try:
            if pa >> PA_BITS:
                raise Unmapped(pa)
            return self.mem.read(pa, 4)
        except Unmapped:
            raise GuestException(EC_IABORT_SAME, FSC_EXTERNAL, pc) from None

    # -- exclusive monitor ----------------------------------------------------------
    def excl_mark(self, addr: int, size: int) -> None:
        s = self.state
        s.excl_addr, s.excl_size, s.excl_valid = addr, size, 1

    def excl_pass(self, addr: int, size: int) -> bool:
        s = self.state
        return bool(s.excl_valid and s.excl_addr == addr and s.excl_size == size)

    def excl_clear(self) -> None:
        self.state.excl_valid = 0

    # -- exceptions --------------------------------------------------------------
    def take_exception(self, exc: GuestException, vec: int = VEC_SYNC) -> None:
        """AArch64.TakeException(): to exc.target_el (default: the current EL,
        at least EL1), with PC at the instruction that raised it."""
        s = self.state
        from_el = s.el
        target = exc.target_el
        if target is None:
            # EL0 exceptions go to EL2 when HCR_EL2.TGE (D1.10.3); else the current EL, at least EL1
            target = 2 if from_el == 0 and self.sysregs.get("HCR_EL2") & HCR.TGE else max(from_el, 1)
        if target > from_el:
            offset = VEC_LOWER_A64
            # an exception from a lower EL reports the "lower EL" EC variant
            ec = {EC_IABORT_SAME: EC_IABORT_LOWER, EC_DABORT_SAME: EC_DABORT_LOWER}.get(exc.ec, exc.ec)
        else:
            offset = VEC_CURRENT_SPX if s.spsel else VEC_CURRENT_SP0
            ec = exc.ec
        sfx = f"_EL{target}"
        sr = self.sysregs
        sr.set("SPSR" + sfx, self.get_spsr_value())
        sr.set("ELR" + sfx, (s.pc + exc.return_offset) & M64)
        if vec == VEC_SYNC_SERROR:                        # SError: has a syndrome, vector 0x180
            vec = VEC_SERROR
            sr.set("ESR" + sfx, ec << 26 | 1 << 25 | exc.iss)
        elif vec == VEC_SYNC:
            sr.set("ESR" + sfx, ec << 26 | 1 << 25 | exc.iss)
            if exc.far is not None:
                sr.set("FAR" + sfx, exc.far)
            if exc.ipa is not None and target == 2:
                sr.set("HPFAR_EL2", (exc.ipa >> 12) << 4)     # FIPA: IPA[43:12] in bits 39:4
        self.taken[vec, ec] += 1
        if self.tracer is not None:
            self.tracer.event("exception", s.icount, s.pc, from_el, target, offset + vec,
                              sr.get("ESR" + sfx) if vec in (VEC_SYNC, VEC_SERROR) else 0,
                              exc.far if exc.far is not None else 0, sr.get("ELR" + sfx))
        self.set_pstate_el(target, 1)
        s.daif = 0x3C0
        s.ss = s.il = 0
        s.pc = (sr.get("VBAR" + sfx) & ~0x7FF) + offset + vec
        self.halted = False
        self.async_dirty = True

    def exception_return(self) -> int:
        """AArch64.ExceptionReturn() for ERET: restores PSTATE from SPSR_ELx
        and returns the new PC (ELR_ELx).  An illegal return (to a higher EL,
        to AArch32, to EL3, to EL1 with HCR_EL2.TGE) sets PSTATE.IL and keeps
        the EL (D1.11.5); the next instruction then raises the Illegal
        Execution state exception (``check_illegal_state``)."""
        s = self.state
        if s.el == 0:
            raise undefined()
        sfx = f"_EL{s.el}"
        spsr = self.sysregs.get("SPSR" + sfx)
        new_pc = self.sysregs.get("ELR" + sfx)
        m = spsr & 0x1F
        target, spsel = m >> 2, m & 1
        illegal = (bool(m & 0x10) or target > s.el or target == 3 or (target == 0 and spsel)
                   or (target == 1 and self.sysregs.get("HCR_EL2") & HCR.TGE))   # EL1 is not in use with TGE
        self.set_nzcv(spsr)
        s.daif = spsr & 0x3C0
        if illegal:
            s.il = 1
        else:
            s.il = spsr >> 20 & 1
            s.pan = spsr >> 22 & 1
            self.set_pstate_el(target, spsel)
        s.ss = 0
        self.excl_clear()
        if self.tracer is not None:
            self.tracer.event("eret", s.icount, s.pc, int(sfx[-1]), s.el, new_pc, spsr)
        return new_pc


def _fault_va(va, pa, u: Unmapped) -> int:
    """FAR for an access that faulted at physical ``u.addr``: a misaligned
    access is performed byte by byte in the pseudocode (AArch64.Mem), so the
    address reported is the first byte that faults."""
    return (va + (u.addr - pa)) & M64 if u.addr >= pa else va


def _isv(size, isv):
    """Expand the semantics' (sse, srt, sf, ar) to data_abort's ISV tuple."""
    if isv is None:
        return None
    sse, srt, sf, ar = isv
    return (size.bit_length() - 1, sse, srt, sf, ar)
