"""The MMU (VMSAv8-64, ARMv8.0): stage-1 translation for the EL1&0 and EL2
regimes, stage-2 translation under HCR_EL2.VM, faults, AT, TLB maintenance.

Translation follows the ARM ARM pseudocode AArch64.FirstStageTranslate /
AArch64.SecondStageTranslate / AArch64.TranslationTableWalk (D8 "The
AArch64 Virtual Memory System Architecture"), for ARMv8.0: 4K, 16K and 64K
granules, 44-bit physical addresses (ID_AA64MMFR0_EL1.PARange = 4), input
sizes 25..48 bits, block and page descriptors, hierarchical APTable /
UXNTable / PXNTable, AP, UXN/PXN, AF (no hardware update: a clear AF is an
access-flag fault), nG, MAIR attributes (Device memory: unaligned accesses
fault), SCTLR.WXN, stage-2 S2AP/XN/MemAttr and concatenated start-level
tables.  Faults are records (``MmuFault``) the CPU turns into aborts.

The result of a walk is cached per 4 KiB virtual page in ``Mmu.tlb`` (a
software TLB, tagged by regime, VMID and ASID — global entries without
ASID); a fault is never cached.  Anything that changes what a walk would
return (the translation registers, TLBI, stage-2 changes) flushes it and
bumps ``generation``, which the JIT watches to refill its own soft TLB;
what changes non-global translations only (TTBR writes, TLBI by ASID)
bumps ``tables_gen`` instead.
"""
from __future__ import annotations

from .exceptions import GuestException, EC_DABORT_SAME, EC_IABORT_SAME
from .sysreg_defs import SCTLR, HCR

M64 = (1 << 64) - 1
PA_BITS = 44                               # ID_AA64MMFR0_EL1.PARange = 4
PAR_RES1, PAR_NS = 1 << 11, 1 << 9           # PAR_EL1 bit 11 is RES1 in both formats
PAGE = 12

# Fault status codes (DFSC/IFSC) without the level
FSC_ADDR_SIZE, FSC_TRANSLATION, FSC_ACCESS_FLAG, FSC_PERMISSION = 0x00, 0x04, 0x08, 0x0C
FSC_WALK_EXTERNAL = 0x14                   # synchronous external abort on a table walk (+ level)

# Access kinds
READ, WRITE, FETCH = 0, 1, 2

# Regimes
EL10, EL2 = 1, 2

# Permission bits of a TLB entry (by the EL whose permissions apply)
R0, W0, X0, R1, W1, X1 = 1, 2, 4, 8, 16, 32
_PERM = {(0, READ): R0, (0, WRITE): W0, (0, FETCH): X0, (1, READ): R1, (1, WRITE): W1, (1, FETCH): X1}

# PARange/IPS/PS encodings -> bits
_PS_BITS = {0: 32, 1: 36, 2: 40, 3: 42, 4: 44, 5: 48, 6: 52}


class MmuFault(Exception):
    """A translation fault record: ``fsc`` (with the level), the stage (1 or
    2), whether it happened on a stage-1 table walk (S1PTW), the IPA for
    stage-2 faults, and the virtual address."""

    def __init__(self, fsc: int, level: int, stage: int, va: int, ipa: int | None = None,
                 s1ptw: bool = False):
        super().__init__(fsc, level, stage)
        self.fsc = fsc | (level & 3)
        self.level, self.stage, self.va, self.ipa, self.s1ptw = level, stage, va, ipa, s1ptw


def fault_exception(f: MmuFault, *, data: bool, write: bool) -> GuestException:
    """The abort for an MMU fault (ISS: DFSC/IFSC with the level, WnR, S1PTW;
    stage-2 faults go to EL2 with the IPA for HPFAR_EL2).  The EC is the
    same-EL one; taking the exception turns it into the lower-EL one."""
    iss = f.fsc | int(f.s1ptw) << 7 | (int(write) << 6 if data else 0)
    ec = EC_DABORT_SAME if data else EC_IABORT_SAME
    return GuestException(ec, iss, f.va, target_el=2 if f.stage == 2 else None,
                          ipa=f.ipa if f.stage == 2 else None)


class TlbEntry:
    """One 4 KiB virtual page: its physical page, stage-1 permissions by EL
    (R0..X1), stage-2 permissions (r = 1, w = 2, x = 4; all when stage 2 is
    off), the levels of the leaf descriptors (for permission faults), the
    IPA page (for stage-2 faults), and attributes (MAIR byte; Device)."""
    __slots__ = ("pa_page", "perms", "s2perms", "attr", "device", "is_global", "level", "s2level", "ipa_page")

    def __init__(self, pa_page, perms, s2perms, attr, device, is_global, level, s2level, ipa_page):
        self.pa_page, self.perms, self.s2perms, self.attr, self.device = pa_page, perms, s2perms, attr, device
        self.is_global, self.level, self.s2level, self.ipa_page = is_global, level, s2level, ipa_page


_S2BIT = {READ: 1, WRITE: 2, FETCH: 4}


def _granule_s1(tcr: int, upper: bool) -> int:
    """Granule size bits from TCR.TG0 (lower range) or TCR_EL1.TG1."""
    if upper:
        tg = tcr >> 30 & 3
        return {1: 14, 2: 12, 3: 16}.get(tg, 12)          # 0 reserved: treated as 4K
    tg = tcr >> 14 & 3
    return {0: 12, 1: 16, 2: 14}.get(tg, 12)              # 3 reserved: treated as 4K


def _clamp_tsz(tsz: int) -> int:
    # ARMv8.0: T0SZ below 16 behaves as 16; above 39 as 39 (IMPLEMENTATION DEFINED choice, as QEMU)
    return min(max(tsz, 16), 39)


_VPN_MASK = (1 << 44) - 1           # VA[55:12] of a page number
TLB_CAPACITY = 1 << 16              # entries kept across address spaces (then emptied, without a new generation)
WALK_CACHE_CAPACITY = 1 << 14       # table descriptors kept (then emptied)


class Mmu:
    def __init__(self, cpu):
        self.cpu = cpu
        self.tlb: dict = {}            # (regime, vmid, asid or -1, va page) -> TlbEntry
        self._by_page: dict = {}       # (regime, VA[55:12]) -> keys of self.tlb (TLBI by VA)
        self.generation = 0            # bumped whenever cached translations may have changed
        self.tables_gen = 0            # bumped when TTBR0_EL1/TTBR1_EL1 change (only non-global ones may have)
        self.walks = 0                 # table walks performed (statistics)
        # The walk cache: stage-1 table descriptors (levels 0-2, not leaves) by
        # their physical address, read with stage 2 off.  As a hardware walk
        # cache, it holds them until TLB maintenance that may remove them:
        # everything but last-level TLBI by VA (VALE, VAALE: the leaf only, what
        # Linux uses after changing a page's entry).  A re-walk after such a
        # TLBI reads one descriptor instead of four.
        self.walk_cache: dict = {}
        # What ``translate`` needs of the translation registers, per EL
        # (regime, stage 1 on, stage 2 on, ASID or -1, VMID or -1), and what a
        # stage-1 walk needs, per (regime, VA range) (``_s1_params``).  Every
        # write of those registers comes through ``flush`` or ``tables_changed``
        # (runtime/sysregs.py MMU_REGS), which empty it.
        self._regs_of: dict = {}

    # -- regime and context ----------------------------------------------------------
    def flush(self) -> None:
        self.tlb.clear()
        self._by_page.clear()
        self.walk_cache.clear()
        self._regs_of.clear()
        self.generation += 1

    def tables_changed(self) -> None:
        """TTBR0_EL1/TTBR1_EL1 written (new tables, a new ASID: a context
        switch).  This TLB's entries are tagged with their ASID (global ones
        with none) and stay: as on hardware, only TLB maintenance removes
        them (an entry cached from the old tables under the same ASID may be
        used until then, as QEMU's TLB, which it flushes only when the ASID
        changes).  Linux changes TTBR0_EL1 on every context switch and, with
        software PAN (ARMv8.0), around every user access.  The JIT's soft
        TLB is not tagged: ``tables_gen`` tells it to drop its non-global
        entries."""
        self._regs_of.clear()
        self.tables_gen += 1

    def _hcr(self) -> int:
        return self.cpu.sysregs.get("HCR_EL2")

    def regime_of(self, el: int) -> int:
        return EL2 if el == 2 else EL10

    def stage1_enabled(self, regime: int) -> bool:
        sr = self.cpu.sysregs
        if regime == EL2:
            return bool(sr.get("SCTLR_EL2") & SCTLR.M)
        hcr = self._hcr()
        if hcr & (HCR.TGE | HCR.DC):                       # EL1&0 stage 1 off (D5.2.11)
            return False
        return bool(sr.get("SCTLR_EL1") & SCTLR.M)

    def stage2_enabled(self, regime: int) -> bool:
        if regime == EL2:
            return False
        hcr = self._hcr()
        return bool(hcr & (HCR.VM | HCR.DC)) and not hcr & HCR.TGE

    def enabled(self, el: int) -> bool:
        """Is any address translation on for accesses at ``el``?"""
        c = self._regs_of.get(el)
        if c is None:
            c = self._regs_of[el] = self._regs_for(el)
        return c[1] or c[2]

    def asid(self) -> int:
        sr = self.cpu.sysregs
        tcr = sr.get("TCR_EL1")
        ttbr = sr.get("TTBR1_EL1" if tcr >> 22 & 1 else "TTBR0_EL1")      # TCR_EL1.A1
        return ttbr >> 48 & (0xFFFF if tcr >> 36 & 1 else 0xFF)           # TCR_EL1.AS

    def vmid(self) -> int:
        return self.cpu.sysregs.get("VTTBR_EL2") >> 48 & 0xFF

    def context(self, el: int) -> tuple:
        """What the translation of an address at ``el`` depends on besides the
        cached tables: (regime, stage 1 on, stage 2 on, ASID, VMID)."""
        regime = self.regime_of(el)
        s1, s2 = self.stage1_enabled(regime), self.stage2_enabled(regime)
        return (regime, s1, s2, self.asid() if s1 and regime == EL10 else 0, self.vmid() if s2 else 0)

    # -- translation ------------------------------------------------------------------
    def translate(self, va: int, access: int, el: int, perm_el: int | None = None) -> tuple[int, TlbEntry | None]:
        """VA -> (PA, entry) for an access of kind READ/WRITE/FETCH at ``el``,
        checked against the permissions of ``perm_el`` (default ``el``;
        LDTR/STTR at EL1 use 0).  Raises MmuFault.  With translation off the
        result is the flat address and entry None (the caller checks the PA
        size: data and instruction accesses report it differently)."""
        if self.cpu.state.tlbi_n:
            self.cpu.drain_tlbi_log()             # TLBI by VA that generated code did (runtime/abi.py)
        c = self._regs_of.get(el)
        if c is None:
            c = self._regs_of[el] = self._regs_for(el)
        regime, s1, s2, asid, vmid = c
        if not s1 and not s2:
            return va, None
        if perm_el is None or perm_el == el:
            bit = _PERM[(min(el, 1) if regime == EL10 else 1, access)]
        else:
            bit = _PERM[(min(perm_el, 1) if regime == EL10 else 1, access)]
        page = va >> PAGE
        tlb = self.tlb
        e = tlb.get((regime, vmid, -1, page))
        if e is None and asid >= 0:
            e = tlb.get((regime, vmid, asid, page))
        if e is None:
            e = self._walk(va, regime, s1, s2, bit)
            key = (regime, vmid, -1 if e.is_global else asid, page)
            if len(tlb) >= TLB_CAPACITY:           # (not maintenance: what it held stays architecturally valid)
                tlb.clear()
                self._by_page.clear()
            tlb[key] = e
            self._by_page.setdefault((regime, page & _VPN_MASK), []).append(key)
        _check_permission(e, va, bit, access)
        return e.pa_page << PAGE | va & 0xFFF, e

    def _regs_for(self, el: int) -> tuple:
        regime = self.regime_of(el)
        s1, s2 = self.stage1_enabled(regime), self.stage2_enabled(regime)
        return (regime, s1, s2, self.asid() if s1 and regime == EL10 else -1, self.vmid() if s2 else -1)

    def allows(self, e: TlbEntry, access: int, el: int) -> bool:
        """Whether the translation ``e`` (made at ``el``) permits ``access``
        at ``el``, in both stages (what ``translate`` checks, without a fault)."""
        bit = _PERM[(min(el, 1) if self.regime_of(el) == EL10 else 1, access)]
        return bool(e.perms & bit and e.s2perms & _S2BIT[access])

    def _walk(self, va: int, regime: int, s1: bool, s2: bool, bit: int) -> TlbEntry:
        """Walk stage 1, then stage 2 for the output address, and build the
        TLB entry of the 4 KiB page of ``va`` (AArch64.FullTranslate: a
        stage-1 permission fault of the access ``bit`` comes before a stage-2
        fault on the output address)."""
        self.walks += 1
        if s1:
            ipa, perms, attr, is_global, level = self._stage1(va, regime)
        else:
            if va >> PA_BITS:
                raise MmuFault(FSC_ADDR_SIZE, 0, 1, va)
            ipa, is_global, level = va, True, 0
            # stage 1 off: Normal memory when HCR_EL2.DC, else Device for data (D5.2.9)
            attr = 0xFF if regime == EL10 and self._hcr() & HCR.DC else 0x00
            perms = R0 | W0 | X0 | R1 | W1 | X1
        device = attr & 0xF0 == 0
        pa, s2perms, s2level = ipa, 7, 0
        if s2:
            try:
                pa, s2perms, s2dev, s2level = self._stage2(ipa, va, s1ptw=False)
            except MmuFault:
                if not perms & bit:
                    raise MmuFault(FSC_PERMISSION, level, 1, va) from None
                raise
            device = device or s2dev
        return TlbEntry(pa >> PAGE, perms, s2perms, attr, device, is_global, level, s2level, ipa >> PAGE)

    def _read_desc(self, addr: int, va: int, level: int, s2: bool) -> int:
        """A stage-1 descriptor read: through stage 2 when it is on (a fault
        there is a stage-2 fault with S1PTW), from physical memory."""
        pa = addr
        if s2:
            pa, perms, _, s2level = self._stage2(addr, va, s1ptw=True)
            if not perms & 1:
                raise MmuFault(FSC_PERMISSION, s2level, 2, va, addr, s1ptw=True)
        try:
            return self.cpu.mem.read(pa, 8)
        except Exception:
            raise MmuFault(FSC_WALK_EXTERNAL, level, 1, va) from None

    def _descend(self, addr: int, base: int, grain: int, start: int, first_bits: int, outbits: int,
                 stage: int, read, fault_args: tuple, walk_cache=None):
        """The table walk shared by both stages: from the start-level table at
        ``base``, index by ``addr``, follow table descriptors to the leaf.
        Returns (output address, leaf descriptor, level, OR of the table
        descriptors' bits 63:59).  ``read(addr, level)`` reads a descriptor;
        faults are MmuFault(fsc, level, stage, *fault_args)."""
        stride = grain - 3
        level, table_bits = start, 0
        leaf_key = None
        if walk_cache is not None and start < 3:
            # The last-level table of this address, found before from these cached
            # table descriptors (as valid as they are: cleared with them).
            leaf_key = (base, addr >> (grain + stride))
            got = walk_cache.get(leaf_key)
            if got is not None:
                base, table_bits = got
                level = 3
        while True:
            shift = grain + (3 - level) * stride
            index = addr >> shift & ((1 << (first_bits if level == start else stride)) - 1)
            at = base + 8 * index
            if walk_cache is not None and level < 3:
                desc = walk_cache.get(at)
                if desc is None:
                    desc = read(at, level)
                    if desc & 3 == 3:                                 # a table descriptor
                        if len(walk_cache) >= WALK_CACHE_CAPACITY:
                            walk_cache.clear()
                        walk_cache[at] = desc
            else:
                desc = read(at, level)
            if not desc & 1 or (level == 3 and not desc & 2):
                raise MmuFault(FSC_TRANSLATION, level, stage, *fault_args)
            if level < 3 and desc & 2:                                # table descriptor
                base = desc & ((1 << 48) - 1) & ~((1 << grain) - 1)
                if base >> outbits:
                    raise MmuFault(FSC_ADDR_SIZE, level, stage, *fault_args)
                table_bits |= desc >> 59
                level += 1
                if level == 3 and leaf_key is not None:
                    walk_cache[leaf_key] = (base, table_bits)
                continue
            # block (levels 1-2) or page (level 3) descriptor
            if level < 3 and not _block_allowed(grain, level):
                raise MmuFault(FSC_TRANSLATION, level, stage, *fault_args)
            out = desc & ((1 << 48) - 1) & ~((1 << shift) - 1)
            if out >> outbits:
                raise MmuFault(FSC_ADDR_SIZE, level, stage, *fault_args)
            if not desc >> 10 & 1:                                    # AF: no hardware update in v8.0
                raise MmuFault(FSC_ACCESS_FLAG, level, stage, *fault_args)
            return out | addr & ((1 << shift) - 1), desc, level, table_bits

    def _stage1(self, va: int, regime: int):
        """VA -> (IPA, stage-1 permissions, MAIR attribute, global, leaf
        level) (AArch64.TranslationTableWalk, stage 1)."""
        upper = regime == EL10 and va >> 55 & 1
        key = (regime, upper)                           # (the walk's parameters, cached as _regs_of)
        p = self._regs_of.get(key)
        if p is None:
            p = self._regs_of[key] = self._s1_params(regime, upper)
        inputsize, range_mask, want, no_walk, grain, outbits, start, first_bits, base, mair, wxn, s2 = p
        if va >> inputsize & range_mask != want or no_walk:
            raise MmuFault(FSC_TRANSLATION, 0, 1, va)
        if base >> outbits:
            raise MmuFault(FSC_ADDR_SIZE, start, 1, va)
        ipa, desc, level, tb = self._descend(va, base, grain, start, first_bits, outbits, 1,
                                             lambda addr, lv: self._read_desc(addr, va, lv, s2), (va,),
                                             None if s2 else self.walk_cache)
        attr = mair >> (8 * (desc >> 2 & 7)) & 0xFF
        # table bits 63:59 as shifted: APTable = tb >> 2 & 3, UXN/XNTable = tb >> 1 & 1, PXNTable = tb & 1
        perms = _s1_perms(regime, desc, tb >> 2 & 3, tb >> 1 & 1, tb & 1, wxn)
        if attr & 0xF0 == 0:                                      # Device: never executable
            perms &= ~(X0 | X1)
        is_global = regime == EL2 or not desc >> 11 & 1
        return ipa, perms, attr, is_global, level

    def _s1_params(self, regime: int, upper: int) -> tuple:
        """What a stage-1 walk of ``regime`` (for EL1&0: of the upper or the
        lower VA range) takes from the registers: (input size, the mask and
        value of the VA bits above it that must match, whether walks are
        disabled (EPD), granule, output bits, start level, its index bits,
        the table base, MAIR, WXN, stage 2 on)."""
        sr = self.cpu.sysregs
        s2 = self.stage2_enabled(regime)
        if regime == EL2:
            tcr = sr.get("TCR_EL2")
            inputsize = 64 - _clamp_tsz(tcr & 0x3F)
            top = 55 if tcr >> 20 & 1 else 63                           # TBI
            want, no_walk = 0, False
            grain = _granule_s1(tcr, False)
            ps = tcr >> 16 & 7
            ttbr = sr.get("TTBR0_EL2")
            mair = sr.get("MAIR_EL2")
            wxn = sr.get("SCTLR_EL2") >> 19 & 1
        else:
            tcr = sr.get("TCR_EL1")
            inputsize = 64 - _clamp_tsz(tcr >> 16 & 0x3F if upper else tcr & 0x3F)
            top = 55 if tcr >> (38 if upper else 37) & 1 else 63        # TBI1 / TBI0
            want = ((1 << (top + 1 - inputsize)) - 1) if upper else 0
            no_walk = bool(tcr >> (23 if upper else 7) & 1)             # EPD1 / EPD0: no walks
            grain = _granule_s1(tcr, upper)
            ps = tcr >> 32 & 7
            ttbr = sr.get("TTBR1_EL1" if upper else "TTBR0_EL1")
            mair = sr.get("MAIR_EL1")
            wxn = sr.get("SCTLR_EL1") >> 19 & 1
        outbits = min(_PS_BITS.get(ps, 48), PA_BITS)
        stride = grain - 3
        start = 4 - -(-(inputsize - grain) // stride)               # 4 - ceil((inputsize - grain) / stride)
        first_bits = inputsize - (grain + (3 - start) * stride)     # index bits at the start level
        # table base: TTBR.BADDR, aligned to the start table's size
        base = ttbr & ((1 << 48) - 1) & ~((1 << max(first_bits + 3, 6)) - 1)
        return (inputsize, (1 << (top + 1 - inputsize)) - 1, want, no_walk, grain, outbits, start, first_bits,
                base, mair, wxn, s2)

    def refill_params(self, el: int):
        """What a native walker (translator/lift/refill.py) needs to do this
        MMU's stage-1 walks for data accesses at ``el`` (1 or 2) in the
        common case, or None when there is none it may do (stage 1 off,
        stage 2 on): (split: the EL1&0 regime, whose VA bit 55 selects the
        range; MAIR; per range, lower then upper, None when its walks are
        not 4 KiB-granule walks or fault at once, else (input size, the mask
        and value of the VA bits above it, output bits, start level, its
        index bits, table base)).  The parameters are ``_s1_params``'s."""
        c = self._regs_of.get(el)
        if c is None:
            c = self._regs_of[el] = self._regs_for(el)
        regime, s1, s2 = c[0], c[1], c[2]
        if not s1 or s2 or el not in (1, 2):
            return None
        ranges = []
        mair = None
        for upper in ((0, 1) if regime == EL10 else (0,)):
            key = (regime, upper)
            p = self._regs_of.get(key)
            if p is None:
                p = self._regs_of[key] = self._s1_params(regime, upper)
            inputsize, range_mask, want, no_walk, grain, outbits, start, first_bits, base, mair, _, _ = p
            ok = grain == 12 and not no_walk and not base >> outbits
            ranges.append((inputsize, range_mask, want, outbits, start, first_bits, base) if ok else None)
        if regime == EL2:
            ranges.append(None)
        return regime == EL10, mair, ranges

    def _stage2(self, ipa: int, va: int, s1ptw: bool):
        """IPA -> (PA, S2 permissions r=1 w=2 x=4, device, leaf level) for the
        current VMID (AArch64.SecondStageTranslate)."""
        sr = self.cpu.sysregs
        vtcr = sr.get("VTCR_EL2")
        inputsize = 64 - _clamp_tsz(vtcr & 0x3F)
        fault_args = (va, ipa, s1ptw)
        if ipa >> inputsize:
            raise MmuFault(FSC_TRANSLATION, 0, 2, *fault_args)
        grain = {0: 12, 1: 16, 2: 14}.get(vtcr >> 14 & 3, 12)
        stride = grain - 3
        sl0 = vtcr >> 6 & 3
        start = (2 - sl0) if grain == 12 else (3 - sl0)
        outbits = min(_PS_BITS.get(vtcr >> 16 & 7, 48), PA_BITS)
        # bits resolved at the start level: at most stride + 4 (16 concatenated tables)
        first_bits = inputsize - (grain + (3 - start) * stride)
        if start < 0 or (grain == 12 and sl0 == 3) or first_bits < 1 or first_bits > stride + 4:
            raise MmuFault(FSC_TRANSLATION, 0, 2, *fault_args)    # VTCR misprogrammed
        base = sr.get("VTTBR_EL2") & ((1 << 48) - 1) & ~((1 << max(first_bits + 3, 6)) - 1)
        if base >> outbits:
            raise MmuFault(FSC_ADDR_SIZE, start, 2, *fault_args)

        def read(addr, level):
            try:
                return self.cpu.mem.read(addr, 8)
            except Exception:
                raise MmuFault(FSC_WALK_EXTERNAL, level, 2, *fault_args) from None
        pa, desc, level, _ = self._descend(ipa, base, grain, start, first_bits, outbits, 2, read, fault_args)
        s2ap = desc >> 6 & 3                                           # bit 0 read, bit 1 write
        perms = s2ap | (0 if desc >> 54 & 1 else 4)
        device = desc >> 2 & 0xC == 0                                  # MemAttr[3:2] == 00: Device
        return pa, perms, device, level

    # -- TLB maintenance ----------------------------------------------------------------
    def tlbi(self, name: str, value: int) -> None:
        """TLBI: the software TLB is a cache, so dropping more than the
        operation names is always correct; by-VA operations drop that page
        in every ASID of the regime, by-ASID ones that ASID's entries, the
        others everything."""
        if self.cpu.state.tlbi_n:
            self.cpu.drain_tlbi_log()                             # (those generated code did: in order)
        regime, page = tlbi_target(name, value)
        if page is None:
            if name in ASID_OPS:
                self._tlbi_asid(value)
            else:
                self.flush()
            return
        self.tlbi_va(regime, page, "VALE" not in name and "VAALE" not in name)
        self.generation += 1

    def tlbi_va(self, regime: int, page: int, all_levels: bool) -> None:
        """The page's entries go, in every ASID (and the walk cache, unless
        the operation was last-level only).  Without a new generation: that
        is for the caller (the JIT's TLBI log: its soft TLB is done)."""
        vpn = page >> PAGE & _VPN_MASK                            # VA[55:12]: tags ignored
        for k in self._by_page.pop((regime, vpn), ()):
            self.tlb.pop(k, None)
        if all_levels:                                            # not last level: table entries too
            self.walk_cache.clear()

    def _tlbi_asid(self, value: int) -> None:
        """TLBI ASIDE1(IS): the entries of the ASID in Xt[63:48] go (the
        stage 1 of EL1&0, in every VMID: more than named, so correct); global
        entries, the kernel's, stay, as on hardware.  The walk cache is not
        tagged: it is emptied.  Only non-global translations changed:
        ``tables_gen`` tells the JIT (as a context switch does), not
        ``generation`` (which would refill its soft TLB's global entries and
        recheck every translated block)."""
        asid = value >> 48 & (0xFFFF if self.cpu.sysregs.get("TCR_EL1") >> 36 & 1 else 0xFF)
        tlb = self.tlb
        for k in [k for k in tlb if k[2] == asid and k[0] == EL10]:
            del tlb[k]
        self.walk_cache.clear()
        self.tables_gen += 1                    # (no register changed: _regs_of stays)

    # -- AT -------------------------------------------------------------------------------
    def at(self, name: str, va: int) -> int:
        """The PAR_EL1 value of an AT operation (success: PA and attributes;
        fault: F = 1, FST, PTW, S)."""
        op = name[3:]                                   # S1E1R, S12E0W, ...
        write = op.endswith("W")
        el = 2 if op.startswith("S1E2") else (0 if op[-2] == "0" else 1)
        stage12 = op.startswith("S12")
        regime = self.regime_of(el)
        s1 = self.stage1_enabled(regime)
        s2 = stage12 and self.stage2_enabled(regime)
        access = WRITE if write else READ
        bit = _PERM[(min(el, 1) if regime == EL10 else 1, access)]
        try:
            e = self._walk(va, regime, s1, s2, bit)         # not cached: AT does not fill the TLB
            _check_permission(e, va, bit, access)
        except MmuFault as f:
            if f.stage == 2 and f.s1ptw and not stage12:
                raise fault_exception(f, data=True, write=False) from None   # taken to EL2
            return 1 | (f.fsc & 0x3F) << 1 | int(f.s1ptw) << 8 | int(f.stage == 2) << 9 | PAR_RES1
        # success: SH = inner shareable (8:7); NS (9) is UNKNOWN for a Non-secure
        # translation and reads 1, as on QEMU
        return (e.attr << 56) | (e.pa_page << PAGE & 0xFFFFFFFFF000) | PAR_RES1 | PAR_NS | (3 << 7)


#: TLBI operations by ASID (all of its pages): only non-global translations change
ASID_OPS = frozenset({"TLBI_ASIDE1", "TLBI_ASIDE1IS"})


def tlbi_target(name: str, value: int) -> tuple[int, int | None]:
    """What a TLBI operation names: (regime, virtual page address) for the
    by-VA operations (Xt[43:0] = VA[55:12], sign-extended from bit 55 for
    the upper range), (regime, None) for the others."""
    regime = EL2 if name.endswith(("E2", "E2IS")) else EL10
    if "VA" not in name[5:]:                          # TLBI_VAE1, _VALE1, _VAAE1, _VAALE1, _VAE2, _VALE2 (+IS)
        return regime, None
    page = (value & ((1 << 44) - 1)) << PAGE
    if page >> 55 & 1:
        page |= 0xFF << 56
    return regime, page


def _check_permission(e: TlbEntry, va: int, bit: int, access: int) -> None:
    """Stage 1 first, then stage 2 (AArch64.CheckPermission, AArch64.CheckS2Permission)."""
    if not e.perms & bit:
        raise MmuFault(FSC_PERMISSION, e.level, 1, va)
    if not e.s2perms & _S2BIT[access]:
        raise MmuFault(FSC_PERMISSION, e.s2level, 2, va, e.ipa_page << PAGE | va & 0xFFF)


def _block_allowed(grain: int, level: int) -> bool:
    """Block descriptors: 4K at levels 1 and 2, 16K and 64K at level 2 (v8.0)."""
    return level == 2 or (grain == 12 and level == 1)


def _s1_perms(regime: int, desc: int, ap_table: int, xn_table: int, pxn_table: int, wxn: int) -> int:
    """Permission bits of a stage-1 leaf (AArch64.CheckPermission for v8.0,
    with the hierarchical table controls)."""
    ap = desc >> 6 & 3                    # AP[2:1]
    uxn = desc >> 54 & 1 or xn_table
    pxn = desc >> 53 & 1 or pxn_table
    if ap_table & 2:                      # APTable[1]: no writes at any EL
        ap |= 2
    if regime == EL2:
        perms = R1 | (0 if ap & 2 else W1)
        if not (desc >> 54 & 1 or xn_table) and not (wxn and perms & W1):
            perms |= X1
        return perms
    el0 = bool(ap & 1) and not ap_table & 1            # APTable[0]: no EL0 access
    perms = R1 | (0 if ap & 2 else W1)
    if el0:
        perms |= R0 | (0 if ap & 2 else W0)
    if not uxn and not (wxn and perms & W0):
        perms |= X0
    # EL1 never executes what EL0 can write (D5.4.6), nor with PXN / WXN
    if not pxn and not perms & W0 and not (wxn and perms & W1):
        perms |= X1
    return perms
