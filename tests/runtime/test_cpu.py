"""Exceptions, exception return, EL0 access rules and traps, on a Cpu driven
by the interpreter (ARM ARM D1.10 exception entry, D1.11 exception return)."""
import pytest

from tests.asm import asm
from a64jit.runtime.cpu import Cpu
from a64jit.runtime.memory import PhysMemory
from a64jit.runtime.exceptions import GuestException
from a64jit.translator.interp import Interpreter

CODE = 0x40000000
VBAR1 = 0x40010000
VBAR2 = 0x40020000


def make(src, el=1, spsel=1):
    pm = PhysMemory()
    pm.add_ram(CODE, 0x40000, asm(src))
    cpu = Cpu(pm)
    cpu.set_pstate_el(el, spsel)
    cpu.sysregs.set("VBAR_EL1", VBAR1)
    cpu.sysregs.set("VBAR_EL2", VBAR2)
    cpu.state.pc = CODE
    return cpu, Interpreter(cpu)


def step_take(cpu, it):
    try:
        it.step()
    except GuestException as exc:
        cpu.take_exception(exc)
        return exc
    return None


def test_svc_from_el0_vectors_to_el1_lower():
    cpu, it = make("nop; svc #3", el=0, spsel=0)
    cpu.set_nzcv(0x60000000)
    cpu.state.daif = 0                                        # EL0 with interrupts unmasked
    step_take(cpu, it)
    exc = step_take(cpu, it)
    sr = cpu.sysregs
    assert exc.ec == 0x15
    assert cpu.state.el == 1 and cpu.state.spsel == 1 and cpu.state.daif == 0x3C0
    assert cpu.state.pc == VBAR1 + 0x400                     # lower EL, AArch64, synchronous
    assert sr.get("ELR_EL1") == CODE + 8                      # preferred return: after the SVC
    assert sr.get("ESR_EL1") == 0x15 << 26 | 1 << 25 | 3
    assert sr.get("SPSR_EL1") == 0x60000000                   # EL0t, flags kept


def test_data_abort_at_el1_sets_far_and_current_el_vector():
    cpu, it = make("ldr x0, [x1]")
    cpu.state.x[1] = 0x1000
    exc = step_take(cpu, it)
    assert exc.ec == 0x25
    assert cpu.state.pc == VBAR1 + 0x200
    assert cpu.sysregs.get("FAR_EL1") == 0x1000 and cpu.sysregs.get("ELR_EL1") == CODE
    assert cpu.sysregs.get("SPSR_EL1") & 0xF == 0b0101          # EL1h


def test_hvc_goes_to_el2_and_eret_comes_back():
    cpu, it = make("hvc #0x11; nop")
    cpu.sysregs.set("HCR_EL2", 1 << 31)
    exc = step_take(cpu, it)
    assert exc.ec == 0x16 and cpu.state.el == 2 and cpu.state.pc == VBAR2 + 0x400
    assert cpu.sysregs.get("ESR_EL2") & 0xFFFF == 0x11
    # ERET from EL2 (instruction placed at the vector)
    cpu.mem.write_bytes(VBAR2 + 0x400, asm("eret"))
    it.step()
    assert cpu.state.el == 1 and cpu.state.pc == CODE + 4


def test_hvc_undefined_when_hcd_set_and_at_el0():
    cpu, it = make("hvc #0")
    cpu.sysregs.set("HCR_EL2", 1 << 29)
    with pytest.raises(GuestException) as e:
        it.step()
    assert e.value.ec == 0
    cpu, it = make("hvc #0", el=0, spsel=0)
    with pytest.raises(GuestException) as e:
        it.step()
    assert e.value.ec == 0


def test_smc_trapped_to_el2_by_hcr_tsc():
    cpu, it = make("smc #5")
    cpu.sysregs.set("HCR_EL2", 1 << 19)
    exc = step_take(cpu, it)
    assert exc.ec == 0x17 and cpu.state.el == 2 and cpu.sysregs.get("ELR_EL2") == CODE


def test_eret_to_el0_then_el0_rules():
    cpu, it = make("eret")
    cpu.sysregs.set("SPSR_EL1", 0)                            # EL0t
    cpu.sysregs.set("ELR_EL1", CODE + 0x100)
    cpu.mem.write_bytes(CODE + 0x100, asm("mrs x0, ctr_el0; mrs x1, sctlr_el1"))
    cpu.sysregs.set("SCTLR_EL1", cpu.sysregs.get("SCTLR_EL1") & ~(1 << 15))   # UCT = 0
    it.step()
    assert cpu.state.el == 0 and cpu.state.pc == CODE + 0x100
    with pytest.raises(GuestException) as e:                  # CTR_EL0 gated by SCTLR_EL1.UCT: trap EC 0x18
        it.step()
    assert e.value.ec == 0x18 and e.value.target_el == 1 and e.value.iss & 1   # read
    cpu.sysregs.set("SCTLR_EL1", cpu.sysregs.get("SCTLR_EL1") | 1 << 15)
    it.step()
    assert cpu.state.x[0] == 0x8444C004
    with pytest.raises(GuestException) as e:                  # EL1 register at EL0: UNDEFINED
        it.step()
    assert e.value.ec == 0


def test_illegal_exception_return_sets_il():
    cpu, it = make("eret")
    cpu.sysregs.set("SPSR_EL1", 0b1001)                        # EL2h from EL1: illegal
    cpu.sysregs.set("ELR_EL1", CODE + 0x40)
    it.step()
    assert cpu.state.el == 1 and cpu.state.il == 1 and cpu.state.pc == CODE + 0x40


def test_sp_alignment_check_when_sctlr_sa_set():
    cpu, it = make("ldr x0, [sp]")
    cpu.sysregs.set("SCTLR_EL1", cpu.sysregs.get("SCTLR_EL1") | 1 << 3)
    cpu.state.x[31] = CODE + 0x1008
    with pytest.raises(GuestException) as e:
        it.step()
    assert e.value.ec == 0x26


def test_alignment_check_when_sctlr_a_set():
    cpu, it = make("ldr w0, [x1]")
    cpu.sysregs.set("SCTLR_EL1", cpu.sysregs.get("SCTLR_EL1") | 1 << 1)
    cpu.state.x[1] = CODE + 0x1002
    with pytest.raises(GuestException) as e:
        it.step()
    assert e.value.ec == 0x25 and e.value.iss & 0x3F == 0x21


def test_pc_alignment_fault_on_fetch():
    cpu, it = make("br x1")
    cpu.state.x[1] = CODE + 2
    it.step()
    with pytest.raises(GuestException) as e:
        it.step()
    assert e.value.ec == 0x22 and e.value.far == CODE + 2


def test_counter_follows_instruction_count():
    cpu, it = make("mrs x0, cntvct_el0; 1: b 1b")
    cpu.state.icount = 160
    it.step()
    assert cpu.state.x[0] == 10


# -- HCR_EL2 trap controls (ARM ARM D13.2.46) -------------------------------------------
from a64jit.runtime.sysreg_defs import HCR as _HCR  # noqa: E402


@pytest.mark.parametrize("src,bit,iss_read", [
    ("msr sctlr_el1, x0", _HCR.TVM, 0), ("mrs x0, ttbr1_el1", _HCR.TRVM, 1), ("msr mair_el1, x0", _HCR.TVM, 0),
    ("mrs x0, id_aa64mmfr0_el1", _HCR.TID3, 1), ("mrs x0, ctr_el0", _HCR.TID2, 1), ("mrs x0, aidr_el1", _HCR.TID1, 1),
    ("mrs x0, actlr_el1", _HCR.TACR, 1), ("mrs x0, s3_1_c15_c2_0", _HCR.TIDCP, 1), ("tlbi vmalle1", _HCR.TTLB, 0),
    ("dc cisw, x0", _HCR.TSW, 0), ("dc civac, x0", _HCR.TPC, 0), ("ic iallu", _HCR.TPU, 0), ("dc zva, x0", _HCR.TDZ, 0),
])
def test_hcr_el2_traps_el1_accesses_to_el2_with_the_full_iss(src, bit, iss_read):
    code = asm(src)
    for hcr, trapped in ((0, False), (bit, True)):
        cpu = Cpu(PhysMemory())
        cpu.mem.add_ram(0x40000000, 0x10000, code)
        cpu.set_pstate_el(1, 1)
        cpu.sysregs.set("HCR_EL2", cpu.sysregs.get("HCR_EL2") | hcr)
        cpu.state.x[0] = 0x40001000
        cpu.state.pc = 0x40000000
        word = int.from_bytes(code, "little")
        if not trapped:
            Interpreter(cpu).step()               # executes at EL1
            continue
        with pytest.raises(GuestException) as e:
            Interpreter(cpu).step()
        exc = e.value
        op0 = word >> 19 & 3
        iss = op0 << 20 | (word >> 5 & 7) << 17 | (word >> 16 & 7) << 14 | (word >> 12 & 15) << 10 \
            | (word & 31) << 5 | (word >> 8 & 15) << 1 | iss_read
        assert (exc.ec, exc.target_el, exc.iss) == (0x18, 2, iss)


def test_el1_reads_the_virtualised_identity():
    cpu = Cpu(PhysMemory())
    cpu.mem.add_ram(0x40000000, 0x1000, asm("mrs x0, midr_el1; mrs x1, mpidr_el1"))
    cpu.sysregs.set("VPIDR_EL2", 0x410FD034)
    cpu.sysregs.set("VMPIDR_EL2", 0x80000101)
    cpu.set_pstate_el(1, 1)
    cpu.state.pc = 0x40000000
    i = Interpreter(cpu)
    i.step(); i.step()
    assert (cpu.state.x[0], cpu.state.x[1]) == (0x410FD034, 0x80000101)


@pytest.mark.parametrize("src,reg,value", [
    ("mrs x0, cntpct_el0", "CNTHCTL_EL2", 0b10), ("mrs x0, cntp_ctl_el0", "CNTHCTL_EL2", 0b01),
    ("msr cpacr_el1, x0", "CPTR_EL2", 0x33FF | 1 << 31), ("mrs x0, mdscr_el1", "MDCR_EL2", 1 << 9),
    ("mrs x0, oslsr_el1", "MDCR_EL2", 1 << 10),
])
def test_other_el2_controls_trap_el1_accesses(src, reg, value):
    cpu = Cpu(PhysMemory())
    cpu.mem.add_ram(0x40000000, 0x1000, asm(src))
    cpu.set_pstate_el(1, 1)
    cpu.sysregs.set(reg, value)
    cpu.state.pc = 0x40000000
    with pytest.raises(GuestException) as e:
        Interpreter(cpu).step()
    assert e.value.ec == 0x18 and e.value.target_el == 2


def test_128_bit_mmio_access_is_two_64_bit_accesses():
    """A SIMD&FP Q access to MMIO (AArch64.Mem with size 16: two 8-byte
    MemSingle accesses, low address first); RAM takes it whole."""
    from a64jit.runtime.memory import PhysMemory

    class Dev:
        def __init__(self):
            self.log = []

        def mmio_read(self, off, size):
            self.log.append(("r", off, size))
            return 0x1111111111111111 * (off // 8 + 1)

        def mmio_write(self, off, size, value):
            self.log.append(("w", off, size, value))

    pm = PhysMemory()
    dev = Dev()
    pm.add_mmio(0x9000000, 0x1000, dev)
    pm.add_ram(0x40000000, 0x1000)
    assert pm.read(0x9000010, 16) == 0x4444444444444444_3333333333333333
    pm.write(0x9000020, 16, 0xAAAA << 64 | 0xBBBB)
    assert dev.log == [("r", 0x10, 8), ("r", 0x18, 8), ("w", 0x20, 8, 0xBBBB), ("w", 0x28, 8, 0xAAAA)]
    pm.write(0x40000008, 16, (1 << 128) - 2)
    assert pm.read(0x40000008, 16) == (1 << 128) - 2 and pm.read(0x40000000, 8) == 0


def test_translation_context_follows_every_input_of_its_cache():
    """compute_ctx is cached on its inputs (the system registers' write
    generation, EL, SPSel, FPCR's modes, FP enabled): a change to any of them,
    by the runtime or by a guest MSR, gives the new context."""
    from a64jit.runtime import abi
    from a64jit.runtime.sysreg_defs import SCTLR, BY_NAME
    cpu, _ = make("nop")
    c0 = cpu.compute_ctx()
    assert cpu.compute_ctx() == c0
    cpu.sysregs.set("SCTLR_EL1", cpu.sysregs.get("SCTLR_EL1") | SCTLR.A)
    c1 = cpu.compute_ctx()
    assert c1 != c0 and abi.unpack_ctx(c1) != abi.unpack_ctx(c0)
    key = BY_NAME["SCTLR_EL1"].key
    cpu.sysregs.write(key, 0, cpu.sysregs.get("SCTLR_EL1") & ~SCTLR.A)       # a guest MSR
    assert cpu.compute_ctx() == c0
    cpu.state.fpcr = 1 << 24                                                 # FZ
    assert cpu.compute_ctx() != c0
    cpu.state.fpcr = 0
    cpu.set_pstate_el(1, 0)
    assert cpu.compute_ctx() != c0
    cpu.set_pstate_el(1, 1)
    cpu.fp_enabled = False
    assert cpu.compute_ctx() != c0
    cpu.fp_enabled = True
    assert cpu.compute_ctx() == c0
