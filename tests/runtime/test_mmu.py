"""The MMU on hand-built tables: every granule and start level, blocks and
pages, each fault at its level, permissions, the upper range, stage 2 with
concatenated tables and S1PTW, AT/PAR, TLB maintenance; then the aborts the
CPU takes for them (ESR/FAR/HPFAR)."""
import pytest

from a64jit.runtime import mmu as M
from a64jit.runtime.cpu import Cpu
from a64jit.runtime.exceptions import GuestException
from a64jit.runtime.memory import PhysMemory
from a64jit.runtime.sysreg_defs import SCTLR, HCR
from tests.runtime.pagetables import (Tables, AF, NG, UXN, PXN, AP_EL0, AP_RO, MAIR, ATTR_DEVICE,
                                      S2AP_R, S2AP_W, S2_NORMAL)

RAM = 0x4000_0000
TG0 = {12: 0, 16: 1, 14: 2}
TG1 = {12: 2, 16: 3, 14: 1}


def make(grain=12, inputsize=48, upper=False, el=1):
    mem = PhysMemory()
    mem.add_ram(RAM, 32 << 20)
    cpu = Cpu(mem)
    cpu.set_pstate_el(el, 1)
    t = Tables(mem, RAM + (16 << 20), grain, inputsize)
    sr = cpu.sysregs
    tsz = 64 - inputsize
    tcr = 4 << 32                                         # IPS: 44 bits
    tcr |= (tsz << 16 | TG1[grain] << 30) if upper else (tsz | TG0[grain] << 14)
    tcr |= 0 if upper else 1 << 23                        # EPD1 (or EPD0) for the range not built
    tcr |= 1 << 7 if upper else 0
    sr.set("TCR_EL1", tcr)
    sr.set("TTBR1_EL1" if upper else "TTBR0_EL1", t.root)
    sr.set("MAIR_EL1", MAIR)
    sr.set("SCTLR_EL1", sr.get("SCTLR_EL1") | SCTLR.M)
    return cpu, t


def fault(cpu, va, access=M.READ, el=1, perm_el=None):
    with pytest.raises(M.MmuFault) as e:
        cpu.mmu.translate(va, access, el, perm_el)
    return e.value


@pytest.mark.parametrize("grain,inputsize", [(12, 48), (12, 39), (12, 32), (16, 48), (16, 42), (14, 47),
                                             (14, 36), (12, 25)])
def test_pages_at_every_granule_and_start_level(grain, inputsize):
    cpu, t = make(grain, inputsize)
    va = (1 << (inputsize - 1)) + (5 << grain) + 0x123 if inputsize > 30 else (5 << grain) + 0x123
    t.map(va & ~((1 << grain) - 1), RAM + (3 << grain), AF)
    pa, e = cpu.mmu.translate(va, M.READ, 1)
    assert pa == RAM + (3 << grain) + (va & ((1 << grain) - 1)) and e.level == 3
    f = fault(cpu, va + (1 << grain))                     # the next page: empty slot of the last table
    assert f.fsc == M.FSC_TRANSLATION | 3 and f.stage == 1
    f = fault(cpu, va ^ (1 << (inputsize - 2)))          # another start-level slot: nothing there
    assert f.fsc == M.FSC_TRANSLATION | t.start
    assert fault(cpu, 1 << inputsize).fsc == M.FSC_TRANSLATION | 0     # outside the range


def test_blocks_and_where_they_are_allowed():
    cpu, t = make(12, 48)
    t.map(0x4000_0000, RAM, AF, level=1)                  # 1 GiB block
    t.map(0x8020_0000, RAM + (2 << 20), AF, level=2)      # 2 MiB block
    assert cpu.mmu.translate(0x4012_3456, M.READ, 1)[0] == RAM + 0x12_3456
    assert cpu.mmu.translate(0x8021_0008, M.READ, 1)[0] == RAM + (2 << 20) + 0x1_0008
    cpu, t = make(16, 48)                                 # 64K: no level-1 blocks in v8.0
    t.map(0x40_0000_0000, RAM, AF, level=1)
    assert fault(cpu, 0x40_0000_1000).fsc == M.FSC_TRANSLATION | 1


def test_access_flag_and_address_size_faults():
    cpu, t = make()
    t.map(0x1000, RAM, 0)                                 # AF clear: no hardware update in v8.0
    assert fault(cpu, 0x1000).fsc == M.FSC_ACCESS_FLAG | 3
    t.map(0x2000, 1 << 45, AF)                            # output beyond the 44-bit PA
    assert fault(cpu, 0x2000).fsc == M.FSC_ADDR_SIZE | 3
    cpu.sysregs.set("TCR_EL1", cpu.sysregs.get("TCR_EL1") | 1 << 7)      # EPD0: no walks
    assert fault(cpu, 0x1000).fsc == M.FSC_TRANSLATION | 0


def test_permissions_el0_el1_and_execute():
    cpu, t = make()
    t.map(0x1000, RAM, AF)                                # EL1 RW, no EL0
    t.map(0x2000, RAM, AF | AP_EL0)                       # RW at both: EL1 may not execute it
    t.map(0x3000, RAM, AF | AP_EL0 | AP_RO | UXN)         # RO at both, EL0 may not execute
    t.map(0x4000, RAM, AF | AP_RO | PXN)
    mmu = cpu.mmu
    assert mmu.translate(0x1000, M.WRITE, 1)[0] == RAM
    assert fault(cpu, 0x1000, M.READ, 1, perm_el=0).fsc == M.FSC_PERMISSION | 3     # LDTR from EL1
    assert fault(cpu, 0x1000, M.READ, 0).fsc == M.FSC_PERMISSION | 3
    assert mmu.translate(0x2000, M.WRITE, 0)[0] == RAM and mmu.translate(0x2000, M.FETCH, 0)
    assert fault(cpu, 0x2000, M.FETCH, 1).fsc == M.FSC_PERMISSION | 3
    assert fault(cpu, 0x3000, M.WRITE, 0).fsc == M.FSC_PERMISSION | 3
    assert fault(cpu, 0x3000, M.FETCH, 0).fsc == M.FSC_PERMISSION | 3
    assert mmu.translate(0x3000, M.FETCH, 1) and mmu.translate(0x4000, M.READ, 1)
    assert fault(cpu, 0x4000, M.FETCH, 1).fsc == M.FSC_PERMISSION | 3
    cpu.sysregs.set("SCTLR_EL1", cpu.sysregs.get("SCTLR_EL1") | 1 << 19)              # WXN
    assert fault(cpu, 0x1000, M.FETCH, 1).fsc == M.FSC_PERMISSION | 3


def test_hierarchical_table_controls():
    cpu, t = make()
    t.map(0x1000, RAM, AF | AP_EL0, table_bits=1 << 61)   # APTable[0]: no EL0 below
    assert fault(cpu, 0x1000, M.READ, 0).fsc == M.FSC_PERMISSION | 3
    cpu, t = make()
    t.map(0x1000, RAM, AF, table_bits=1 << 62)            # APTable[1]: read-only below
    assert fault(cpu, 0x1000, M.WRITE, 1).fsc == M.FSC_PERMISSION | 3


def test_upper_range_through_ttbr1():
    cpu, t = make(12, 48, upper=True)
    va = 0xFFFF_8000_0010_2345
    t.map(va & ~0xFFF, RAM + 0x5000, AF)
    assert cpu.mmu.translate(va, M.READ, 1)[0] == RAM + 0x5345
    assert fault(cpu, 0x0000_0000_0010_2345).fsc == M.FSC_TRANSLATION | 0     # EPD0 set by make()
    assert fault(cpu, 0xFF7F_8000_0010_2345).fsc == M.FSC_TRANSLATION | 0     # not all ones above


def test_device_memory_faults_unaligned_accesses():
    cpu, t = make()
    t.map(0x1000, RAM, AF | ATTR_DEVICE)
    assert cpu.read(0x1008, 8) == 0
    with pytest.raises(GuestException) as e:
        cpu.read(0x1004, 8)
    assert e.value.ec == 0x25 and e.value.iss & 0x3F == 0x21


def test_global_and_asid_tagged_entries_and_tlbi():
    cpu, t = make()
    t.map(0x1000, RAM, AF | NG)
    slot = t.map(0x2000, RAM + 0x1000, AF)
    mmu = cpu.mmu
    assert mmu.translate(0x1000, M.READ, 1)[0] == RAM and mmu.translate(0x2000, M.READ, 1)[0] == RAM + 0x1000
    cpu.mem.write(slot, 8, RAM + 0x3000 | AF | 3)         # change a descriptor: the TLB still holds the old one
    assert mmu.translate(0x2000, M.READ, 1)[0] == RAM + 0x1000
    mmu.tlbi("TLBI_VAE1IS", 0x2)                          # by VA: page 0x2000
    assert mmu.translate(0x2000, M.READ, 1)[0] == RAM + 0x3000
    keys = set(mmu.tlb)
    assert any(k[2] == 0 for k in keys) and any(k[2] == -1 for k in keys)   # nG under ASID 0, global
    gen, tables = mmu.generation, mmu.tables_gen
    mmu.tlb[(M.EL10, -1, 5, 0x7)] = mmu.tlb[next(k for k in keys if k[2] == 0)]    # (another ASID's)
    mmu.tlbi("TLBI_ASIDE1IS", 0)                          # by ASID 0: its entries only
    assert set(mmu.tlb) == {k for k in keys if k[2] == -1} | {(M.EL10, -1, 5, 0x7)}
    assert mmu.generation == gen and mmu.tables_gen == tables + 1
    mmu.tlbi("TLBI_ASIDE1", 5 << 48)
    assert all(k[2] == -1 for k in mmu.tlb)
    mmu.tlbi("TLBI_VMALLE1IS", 0)
    assert not mmu.tlb


def test_walk_cache_after_last_level_and_other_tlbi():
    """A re-walk after a last-level TLBI by VA reads only the leaf (the
    table descriptors and the last-level table are cached); a table
    descriptor changed and made visible by a TLBI that is not last-level
    (and only then) is walked through."""
    cpu, t = make()
    mmu = cpu.mmu
    reads = []
    orig = mmu._read_desc
    mmu._read_desc = lambda addr, va, level, s2: reads.append(level) or orig(addr, va, level, s2)
    leaf = t.map(0x1000, RAM, AF)
    t.map(0x2000, RAM + 0x1000, AF)                       # the same last-level table
    assert mmu.translate(0x1000, M.READ, 1)[0] == RAM and reads == [0, 1, 2, 3]
    del reads[:]
    assert mmu.translate(0x2000, M.READ, 1)[0] == RAM + 0x1000 and reads == [3]
    cpu.mem.write(leaf, 8, RAM + 0x5000 | AF | 3)
    mmu.tlbi("TLBI_VALE1IS", 0x1)
    del reads[:]
    assert mmu.translate(0x1000, M.READ, 1)[0] == RAM + 0x5000 and reads == [3]
    # another last-level table for the same 2 MiB: the L2 descriptor changes
    t2 = Tables(cpu.mem, RAM + (20 << 20), 12, 48)
    new_leaf_table = t2._alloc(0x1000)
    cpu.mem.write(new_leaf_table + 8, 8, RAM + 0x7000 | AF | 3)          # page 0x1000 -> RAM + 0x7000
    table = t.root
    for lv in range(t.start, 2):
        table = cpu.mem.read(table + 8 * t._index(0x1000, lv), 8) & ((1 << 48) - 1) & ~0xFFF
    l2_slot = table + 8 * t._index(0x1000, 2)
    cpu.mem.write(l2_slot, 8, new_leaf_table | 3)
    mmu.tlbi("TLBI_VALE1IS", 0x1)                         # last level only: the old table may still be used
    assert mmu.translate(0x1000, M.READ, 1)[0] == RAM + 0x5000
    mmu.tlbi("TLBI_VAE1IS", 0x1)                          # all levels: the new table
    del reads[:]
    assert mmu.translate(0x1000, M.READ, 1)[0] == RAM + 0x7000 and reads == [0, 1, 2, 3]


def setup_stage2(cpu, t1, ipa_map):
    """Stage 2: 4K granule, 40-bit IPA starting at level 1 (2 concatenated tables)."""
    s2 = Tables(cpu.mem, RAM + (24 << 20), 12, 40, start=1)
    assert s2.first_bits == 10
    for ipa, pa in ipa_map:
        s2.map(ipa, pa, AF | S2AP_R | S2AP_W | S2_NORMAL)
    sr = cpu.sysregs
    sr.set("VTCR_EL2", 24 | 1 << 6 | 0 << 14 | 4 << 16)  # T0SZ 24, SL0 = 1, 4K, PS 44 bits
    sr.set("VTTBR_EL2", s2.root | 7 << 48)                # VMID 7
    sr.set("HCR_EL2", sr.get("HCR_EL2") | HCR.VM)
    return s2


def test_stage2_translation_s1ptw_and_hpfar():
    cpu, t = make()
    t.map(0x1000, 0x8000_0000, AF)                        # stage-1 output: IPA 0x8000_0000
    t.map(0x2000, 0x9000_0000, AF)                        # an IPA stage 2 does not map
    tables = range(t.root & ~0xFFF, t.next, 0x1000)
    s2 = setup_stage2(cpu, t, [(0x8000_0000, RAM + 0x7000)] + [(p, p) for p in tables])
    assert cpu.mmu.translate(0x1010, M.READ, 1)[0] == RAM + 0x7010
    f = fault(cpu, 0x2010)
    assert (f.stage, f.fsc, f.ipa, f.s1ptw) == (2, M.FSC_TRANSLATION | 2, 0x9000_0010, False)   # empty L2 slot
    # stage-1 tables outside what stage 2 maps: the walk itself faults (S1PTW)
    cpu.mem.write(s2.root + 8 * ((t.root >> 30) & 0x3FF), 8, 0)
    cpu.mmu.flush()
    f = fault(cpu, 0x1010)
    assert f.stage == 2 and f.s1ptw and f.fsc == M.FSC_TRANSLATION | 1 and f.ipa == t.root
    # taken: to EL2, lower-EL data abort, S1PTW in the ISS, HPFAR = IPA[43:12] << 4
    with pytest.raises(GuestException) as e:
        cpu.read(0x1010, 4)
    cpu.sysregs.set("VBAR_EL2", 0x4080_0000)
    cpu.take_exception(e.value)
    esr = cpu.sysregs.get("ESR_EL2")
    assert esr >> 26 == 0x24 and esr & 0x3F == 0x05 and esr >> 7 & 1
    assert cpu.sysregs.get("HPFAR_EL2") == (t.root >> 12) << 4 and cpu.sysregs.get("FAR_EL2") == 0x1010
    assert cpu.state.el == 2 and cpu.state.pc == 0x4080_0400


def test_stage1_faults_from_el0_go_to_el1_with_lower_el_class():
    cpu, t = make(el=0)
    cpu.sysregs.set("VBAR_EL1", 0x4090_0000)
    with pytest.raises(GuestException) as e:
        cpu.write(0x5000, 8, 1)
    cpu.take_exception(e.value)
    esr = cpu.sysregs.get("ESR_EL1")
    assert esr >> 26 == 0x24 and esr & 0x3F == M.FSC_TRANSLATION | 0       # nothing mapped: level 0
    assert esr >> 6 & 1 and cpu.sysregs.get("FAR_EL1") == 0x5000 and cpu.state.el == 1


def test_instruction_abort_reports_ifsc():
    cpu, t = make()
    t.map(0x1000, RAM, AF | PXN)
    with pytest.raises(GuestException) as e:
        cpu.fetch(0x1000)
    assert e.value.ec == 0x21 and e.value.iss == M.FSC_PERMISSION | 3 and e.value.far == 0x1000


def test_at_writes_par_el1():
    cpu, t = make()
    t.map(0x1000, RAM + 0x6000, AF)
    # success: attributes, PA, bit 11 (RES1), NS (reads 1, as on QEMU), SH = inner shareable
    assert M.Mmu.at(cpu.mmu, "AT_S1E1R", 0x1234) == (0xFF << 56) | (RAM + 0x6000) | 1 << 11 | 1 << 9 | 3 << 7
    par = cpu.mmu.at("AT_S1E0R", 0x1234)                  # EL0 has no access: permission fault
    assert par & 1 and par >> 1 & 0x3F == M.FSC_PERMISSION | 3
    par = cpu.mmu.at("AT_S1E1W", 0x9000)
    assert par & 1 and par >> 1 & 0x3F == M.FSC_TRANSLATION | 3 and not par >> 9 & 1
    t.map(0x2000, 0x8000_0000, AF)
    setup_stage2(cpu, t, [(0x8000_0000, RAM + 0x7000)] + [(p, p) for p in range(t.root & ~0xFFF, t.next, 0x1000)])
    assert cpu.mmu.at("AT_S1E1R", 0x2010) & ~0xFFF & ((1 << 56) - 1) == 0x8000_0000    # stage 1 only: the IPA
    assert cpu.mmu.at("AT_S12E1R", 0x2010) & ~0xFFF & ((1 << 56) - 1) == RAM + 0x7000
    par = cpu.mmu.at("AT_S12E1R", 0x1010)                 # IPA RAM + 0x6000 is not mapped at stage 2
    assert par & 1 and par >> 9 & 1 and par >> 1 & 0x3F == M.FSC_TRANSLATION | 2


def test_el2_regime():
    mem = PhysMemory()
    mem.add_ram(RAM, 32 << 20)
    cpu = Cpu(mem)                                        # resets at EL2
    t = Tables(mem, RAM + (16 << 20), 12, 48)
    t.map(0x1000, RAM + 0x2000, AF | AP_RO)
    sr = cpu.sysregs
    sr.set("TCR_EL2", 16 | 4 << 16)
    sr.set("TTBR0_EL2", t.root)
    sr.set("MAIR_EL2", MAIR)
    sr.set("SCTLR_EL2", sr.get("SCTLR_EL2") | SCTLR.M)
    assert cpu.mmu.translate(0x1008, M.READ, 2)[0] == RAM + 0x2008
    assert fault(cpu, 0x1008, M.WRITE, 2).fsc == M.FSC_PERMISSION | 3
    assert cpu.mmu.at("AT_S1E2R", 0x1008) & ~0xFFF & ((1 << 56) - 1) == RAM + 0x2000
