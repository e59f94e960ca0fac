"""Directed tests of the Unicorn oracle itself, and of the random generators.

These pin the behaviour documented in unicorn_oracle.py so that a Unicorn
upgrade (or an oracle change) that shifts it is noticed before it turns into
mysterious differential failures.  They need only unicorn (and capstone for
nothing here), not a64jit.snippet.
"""

from __future__ import annotations

import collections
import random
import struct
import time

import pytest

import unicorn  # noqa: E402,F401  (a test dependency: missing means failing, not skipping)

from .groups import (  # noqa: E402
    CODE_BASE,
    GROUPS,
    POOL_SIZE,
    REGION_BASES,
    REGION_SIZE,
    SUBGROUP_NAMES,
    random_state,
    random_word,
    subgroup_of,
)
from .unicorn_oracle import (  # noqa: E402
    DFSC_ALIGNMENT,
    EC_BRK,
    EC_DABT_CUR,
    EC_HVC64,
    EC_PC_ALIGN,
    EC_SMC64,
    EC_SVC64,
    EC_UNKNOWN,
    INITIAL_SYSREGS,
    ISS_WNR,
    run_unicorn,
)

BASE = CODE_BASE
DATA = 0x10000000


def code(*words: int) -> bytes:
    return struct.pack(f"<{len(words)}I", *words)


def mrs(op0: int, op1: int, crn: int, crm: int, op2: int, rt: int = 0) -> int:
    return 0xD5300000 | (op0 - 2) << 19 | op1 << 16 | crn << 12 | crm << 8 | op2 << 5 | rt


def data(size: int = 0x1000) -> dict[int, bytes]:
    return {DATA: bytes(i & 0xFF for i in range(size))}


def le64(b: bytes, off: int) -> int:
    return int.from_bytes(b[off : off + 8], "little")


# ----------------------------------------------------------------- basics


def test_add_executes_and_leaves_the_rest_alone():
    r = run_unicorn(code(0x8B020020), regs={"x1": 5, "x2": 7, "x3": 0x1234, "nzcv": 0x90000000})  # add x0, x1, x2
    assert r["exception"] is None
    assert r["regs"]["x0"] == 12
    assert r["regs"]["x3"] == 0x1234 and r["regs"]["nzcv"] == 0x90000000
    assert r["pc"] == BASE + 4 and r["insns"] == 1
    assert r["mem"] == {}
    assert set(r["regs"]) == {*(f"x{i}" for i in range(31)), "sp", "nzcv", *(f"v{i}" for i in range(32)), "fpcr", "fpsr"}


def test_initial_pstate_is_el1h_with_daif_masked():
    r = run_unicorn(code(mrs(3, 0, 4, 2, 2, 0), mrs(3, 0, 4, 2, 0, 1), mrs(3, 3, 4, 2, 1, 2), mrs(3, 3, 4, 2, 0, 3)), regs={"nzcv": 0x60000000})
    assert r["exception"] is None and r["insns"] == 4
    assert r["regs"]["x0"] == 4  # CurrentEL: EL1
    assert r["regs"]["x1"] == 1  # SPSel: SP_EL1
    assert r["regs"]["x2"] == 0x3C0  # DAIF all masked
    assert r["regs"]["x3"] == 0x60000000


@pytest.mark.parametrize("name", sorted(n for n in INITIAL_SYSREGS if n != "SCR_EL3"))
def test_initial_sysregs(name):
    enc, value = INITIAL_SYSREGS[name]
    r = run_unicorn(code(mrs(*enc)), regs={"x0": 0x5A5A})
    assert r["exception"] is None
    assert r["regs"]["x0"] == value


def test_sp_is_the_current_stack_pointer():
    r = run_unicorn(code(0x910003E0), regs={"sp": 0x1230})  # mov x0, sp
    assert r["regs"]["x0"] == 0x1230 and r["regs"]["sp"] == 0x1230
    r = run_unicorn(code(0xD50040BF, 0x910003E0), regs={"sp": 0x1230})  # msr spsel, #0; mov x0, sp
    assert r["regs"]["x0"] == 0 and r["regs"]["sp"] == 0  # SP_EL0, reset 0


# ------------------------------------------------------------- exceptions


@pytest.mark.parametrize(
    "word, ec, iss",
    [
        (0xD40000A1, EC_SVC64, 5),  # svc #5
        (0xD41FFFE1, EC_SVC64, 0xFFFF),  # svc #0xffff
        (0xD40000A2, EC_HVC64, 5),  # hvc #5
        (0xD40000A3, EC_SMC64, 5),  # smc #5
        (0xD42000A0, EC_BRK, 5),  # brk #5
        (0xD44000A0, EC_UNKNOWN, 0),  # hlt #5: no halting debug
        (0xD4A00001, EC_UNKNOWN, 0),  # dcps1
        (0x00000000, EC_UNKNOWN, 0),  # udf #0
        (0xD6BF03E0, EC_UNKNOWN, 0),  # drps
    ],
)
def test_exception_generation(word, ec, iss):
    r = run_unicorn(code(word), regs={"x0": 77})
    assert r["exception"] == {"ec": ec, "iss": iss, "far": None}
    assert r["pc"] == BASE  # the instruction itself, also for SVC/HVC/SMC
    assert r["insns"] == 0 and r["regs"]["x0"] == 77


def test_exception_in_second_instruction():
    r = run_unicorn(code(0x91000400, 0xD40000A1, 0x91000400))  # add x0,x0,#1; svc #5; add
    assert r["exception"]["ec"] == EC_SVC64
    assert r["pc"] == BASE + 4 and r["insns"] == 1 and r["regs"]["x0"] == 1


# ------------------------------------------------------------------ memory


def test_load_from_region():
    r = run_unicorn(code(0xF9400020), regs={"x1": DATA + 8}, mem=data())  # ldr x0, [x1]
    assert r["exception"] is None and r["regs"]["x0"] == 0x0F0E0D0C0B0A0908


def test_unmapped_load_is_a_data_abort():
    r = run_unicorn(code(0xF9400020), regs={"x1": 0x50000000, "x0": 3})  # ldr x0, [x1]
    exc = r["exception"]
    assert exc["ec"] == EC_DABT_CUR and exc["far"] == 0x50000000
    assert not exc["iss"] & ISS_WNR and exc["iss"] & 0x3F != DFSC_ALIGNMENT
    assert r["pc"] == BASE and r["insns"] == 0 and r["regs"]["x0"] == 3


def test_rest_of_the_code_page_is_not_accessible():
    r = run_unicorn(code(0xF9400020), regs={"x1": BASE + 4})
    assert r["exception"]["ec"] == EC_DABT_CUR and r["exception"]["far"] == BASE + 4
    r = run_unicorn(code(0xB9400020), regs={"x1": BASE})  # ldr w0, [x1]: reads itself
    assert r["exception"] is None and r["regs"]["x0"] == 0xB9400020


def test_straddling_store_aborts_without_writing_anything():
    # str x0, [x1] with 4 bytes inside and 4 bytes past the region end:
    # Unicorn writes the inside half; the replay must undo it.
    mem = data()
    r = run_unicorn(code(0xF9000020), regs={"x0": 0x1122334455667788, "x1": DATA + 0xFFC}, mem=mem)
    exc = r["exception"]
    assert exc["ec"] == EC_DABT_CUR and exc["far"] == DATA + 0x1000 and exc["iss"] & ISS_WNR
    assert r["mem"] == mem


def test_stp_with_faulting_second_half_writes_nothing():
    mem = data()
    r = run_unicorn(code(0xA9000820), regs={"x0": 1, "x2": 2, "x1": DATA + 0xFF8}, mem=mem)  # stp x0, x2, [x1]
    assert r["exception"]["far"] == DATA + 0x1000
    assert r["mem"] == mem


def test_replay_keeps_earlier_instructions():
    mem = data()
    # str x0, [x1], #8 (post-index); str x0, [x1] with x1 now outside
    r = run_unicorn(code(0xF8008420, 0xF9000020), regs={"x0": 0xAA, "x1": DATA + 0xFF8}, mem=mem)
    assert r["exception"]["far"] == DATA + 0x1000
    assert r["insns"] == 1 and r["pc"] == BASE + 4 and r["regs"]["x1"] == DATA + 0x1000
    assert le64(r["mem"][DATA], 0xFF8) == 0xAA


def test_access_across_adjacent_regions_is_fine():
    mem = {DATA: bytes(8), DATA + 8: bytes(range(8))}
    r = run_unicorn(code(0xF9400020), regs={"x1": DATA + 4}, mem=mem)
    assert r["exception"] is None and r["regs"]["x0"] == 0x0302010000000000


def test_misaligned_exclusive_is_an_alignment_fault():
    r = run_unicorn(code(0xC85F7C20), regs={"x1": DATA + 1}, mem=data())  # ldxr x0, [x1]
    exc = r["exception"]
    assert exc["ec"] == EC_DABT_CUR and exc["iss"] & 0x3F == DFSC_ALIGNMENT and exc["far"] == DATA + 1
    assert not exc["iss"] & ISS_WNR


def test_misaligned_plain_and_ordered_loads_execute():
    r = run_unicorn(code(0xF9400020), regs={"x1": DATA + 1}, mem=data())  # ldr x0, [x1]
    assert r["exception"] is None
    r = run_unicorn(code(0xC8DFFC20), regs={"x1": DATA + 1}, mem=data())  # ldar: QEMU 5 does not check
    assert r["exception"] is None


def test_store_exclusive_without_monitor_fails_silently():
    mem = data()
    for x1 in (DATA + 1, 0x50000000):  # misaligned, unmapped
        r = run_unicorn(code(0xC8027C20), regs={"x0": 9, "x1": x1}, mem=mem)  # stxr w2, x0, [x1]
        assert r["exception"] is None and r["regs"]["x2"] == 1 and r["mem"] == mem


def test_dc_zva():
    r = run_unicorn(code(0xD50B7421), regs={"x1": DATA + 0x47}, mem=data())  # dc zva, x1
    assert r["exception"] is None
    assert r["mem"][DATA][0x40:0x80] == bytes(64) and r["mem"][DATA][0x3F] == 0x3F and r["mem"][DATA][0x80] == 0x80
    r = run_unicorn(code(0xD50B7421), regs={"x1": 0x50000047})
    assert r["exception"]["ec"] == EC_DABT_CUR and r["exception"]["far"] == 0x50000047
    assert r["exception"]["iss"] & ISS_WNR and r["pc"] == BASE


def test_prefetch_and_cache_maintenance_never_fault():
    for word in (0xF9800020, 0xD50B7E21, 0xD50B7521):  # prfm, dc civac, ic ivau
        r = run_unicorn(code(word), regs={"x1": 0x50000000})
        assert r["exception"] is None, hex(word)


# ------------------------------------------------------------- control flow


def test_branch_out_of_the_region_stops():
    r = run_unicorn(code(0x14000010))  # b .+0x40
    assert r["exception"] is None and r["pc"] == BASE + 0x40 and r["insns"] == 1
    r = run_unicorn(code(0xD63F0020), regs={"x1": 0x60000000})  # blr x1: unmapped target
    assert r["exception"] is None and r["pc"] == 0x60000000 and r["regs"]["x30"] == BASE + 4


def test_falling_off_the_end_stops():
    r = run_unicorn(code(0xD503201F, 0xD503201F))
    assert r["exception"] is None and r["pc"] == BASE + 8 and r["insns"] == 2


@pytest.mark.parametrize("limit", [0, 1, 5])
def test_max_insns(limit):
    r = run_unicorn(code(0x14000000), max_insns=limit)  # b .
    assert r["exception"] is None and r["pc"] == BASE and r["insns"] == limit


def test_misaligned_pc_in_region_is_a_pc_alignment_fault():
    r = run_unicorn(code(0xD61F0020, 0x00008B02), regs={"x1": BASE + 2})  # br x1
    assert r["exception"] == {"ec": EC_PC_ALIGN, "iss": 0, "far": BASE + 2}
    assert r["pc"] == BASE + 2 and r["insns"] == 1


def test_wfi_completes():
    r = run_unicorn(code(0xD503207F, 0xD503207F, 0x91000400))  # wfi; wfi; add x0, x0, #1
    assert r["exception"] is None and r["insns"] == 3 and r["regs"]["x0"] == 1


def test_eret_goes_to_el0_at_elr():
    r = run_unicorn(code(0xD69F03E0), regs={"sp": 0x1230, "nzcv": 0xF0000000})  # eret
    assert r["exception"] is None and r["pc"] == 0  # ELR_EL1 = 0
    assert r["regs"]["nzcv"] == 0 and r["regs"]["sp"] == 0  # SPSR_EL1 = 0: EL0t, SP_EL0


def test_literal_pool_after_the_code():
    pool = bytes(range(16))
    r = run_unicorn(code(0x58000040), mem={BASE + 4: pool})  # ldr x0, .+8
    assert r["exception"] is None and r["regs"]["x0"] == le64(pool, 4)


# -------------------------------------------------------------- isolation


def test_calls_do_not_leak_state():
    # Sysreg, PSTATE and exclusive-monitor changes must not survive a call.
    run_unicorn(code(0xD51BD041, 0xD50040BF, 0xD5034FFF), regs={"x1": 0x77})  # msr tpidr_el0, x1; spsel #0; daifclr
    r = run_unicorn(code(mrs(3, 3, 13, 0, 2), mrs(3, 0, 4, 2, 0, 1), mrs(3, 3, 4, 2, 1, 2)))
    assert (r["regs"]["x0"], r["regs"]["x1"], r["regs"]["x2"]) == (0, 1, 0x3C0)
    run_unicorn(code(0xC85F7C22), regs={"x1": DATA}, mem=data())  # ldxr: arms the monitor
    r = run_unicorn(code(0xC8037C20), regs={"x1": DATA}, mem=data())  # stxr w3, x0, [x1]
    assert r["regs"]["x3"] == 1
    run_unicorn(code(0xD5181001), regs={"x1": 0x30D50822})  # msr sctlr_el1, x1 (A = 1)
    r = run_unicorn(code(0xF9400020), regs={"x1": DATA + 1}, mem=data())
    assert r["exception"] is None


def test_new_code_at_the_same_address_is_retranslated():
    # A stale translation of the WFI once ran instead of the BR.
    run_unicorn(code(0xD503207F, 0xD503201F))
    r = run_unicorn(code(0xD61F0020, 0x00008B02), regs={"x1": BASE + 2})
    assert r["exception"]["ec"] == EC_PC_ALIGN


def test_deterministic():
    rng = random.Random(5)
    cases = [(random_word(rng)[1], *random_state(rng)) for _ in range(50)]
    first = [run_unicorn(code(w), regs=regs, mem=mem) for w, regs, mem in cases]
    second = [run_unicorn(code(w), regs=regs, mem=mem) for w, regs, mem in reversed(cases)]
    assert first == second[::-1]


def test_per_call_cost():
    rng = random.Random(9)
    cases = [(random_word(rng)[1], *random_state(rng)) for _ in range(500)]
    t = time.perf_counter()
    for w, regs, mem in cases:
        run_unicorn(code(w), regs=regs, mem=mem)
    per_call = (time.perf_counter() - t) / len(cases)
    print(f"run_unicorn: {per_call * 1e6:.0f} us per single-instruction call")
    assert per_call < 0.005  # ~0.1 ms here; generous for slow CI machines


# -------------------------------------------------------------- generators


def test_groups_are_well_formed():
    names = [n for _, sgs in GROUPS for n, _, _ in sgs]
    assert len(names) == len(set(names)) == len(SUBGROUP_NAMES)
    rng = random.Random(1)
    for name in SUBGROUP_NAMES:
        for _ in range(20):
            sg, w = random_word(rng, name)
            assert sg == name and 0 <= w < 1 << 32
            if not name.endswith(("_valid", "_w", "_x", "_near", "_known", "dc_zva")):
                assert subgroup_of(w) == name
            if name.startswith("ldst") or name == "ld_literal":
                assert not w & (1 << 26)  # general registers only


def test_random_state_shape_and_determinism():
    regs, mem = random_state(random.Random(3))
    assert random_state(random.Random(3)) == (regs, mem)
    assert set(regs) == {*(f"x{i}" for i in range(31)), "sp", "nzcv"}
    assert set(mem) == {*REGION_BASES, BASE + 4}
    assert all(len(mem[b]) == REGION_SIZE for b in REGION_BASES) and len(mem[BASE + 4]) == POOL_SIZE
    assert regs["nzcv"] & ~0xF0000000 == 0
    sps = [random_state(random.Random(s))[0]["sp"] for s in range(200)]
    assert sum(sp % 16 == 0 for sp in sps) > 150


# The focused subgroups exist to be value-tested, so Unicorn must execute a
# good share of them; the C4.1 ones only need to produce no oracle errors.
_MIN_EXEC = {
    "pc_rel": 0.99, "addsub_imm": 0.99, "hints": 0.99, "uncond_branch_imm": 0.99, "cmp_branch": 0.99,
    "test_branch": 0.99, "adc_sbc": 0.99, "bitfield_w": 0.6, "bitfield_x": 0.6, "extract_w": 0.99,
    "extract_x": 0.99, "cond_branch_valid": 0.99, "ccmp_reg_valid": 0.99, "ccmp_imm_valid": 0.99,
    "cond_select_valid": 0.99, "addsub_ext_valid": 0.5, "dp_2src_valid": 0.2, "dp_1src_valid": 0.5,
    "dp_3src_valid": 0.2, "ld_literal_near": 0.99, "dc_zva": 0.2, "sys_known": 0.6, "sysreg_known": 0.5,
}


def test_generators_against_unicorn(capsys):
    """Every subgroup runs through the oracle without OracleError; prints the
    fraction of words Unicorn executes per subgroup."""
    rng = random.Random(0xC4)
    per = 120
    stats: dict[str, collections.Counter] = {}
    for name in SUBGROUP_NAMES:
        c = stats[name] = collections.Counter()
        for _ in range(per):
            _, w = random_word(rng, name)
            regs, mem = random_state(rng)
            r = run_unicorn(code(w), regs=regs, mem=mem, max_insns=8)
            exc = r["exception"]
            c["exec" if exc is None else f"ec{exc['ec']:02x}"] += 1
    with capsys.disabled():
        print("\nsubgroup              exec  outcomes")
        for name in SUBGROUP_NAMES:
            c = stats[name]
            rest = " ".join(f"{k}={v}" for k, v in sorted(c.items()) if k != "exec")
            print(f"  {name:20s} {c['exec'] / per:5.0%}  {rest}")
    for name, lo in _MIN_EXEC.items():
        assert stats[name]["exec"] / per >= lo, name
