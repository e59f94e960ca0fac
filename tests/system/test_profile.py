"""``a64jit boot --profile`` and ``--stats FILE``: the run's figures
(a64jit/profile.py) count what the guest did, checked on a kernel whose
every exception, device access and console line is known."""
import json
import os
import subprocess
import sys

import pytest

from tests.asm import asm

A64JIT = [sys.executable, "-m", "a64jit", "boot"]
ENV = dict(os.environ, COLUMNS="200")
#: at EL2: five HVCs taken to EL2's own vector (which returns at once), two console lines, power-off
KERNEL = """
    adr x0, vectors; msr vbar_el2, x0; isb
    mov x2, #5
1:  hvc #0x42
    subs x2, x2, #1
    b.ne 1b
    ldr x1, =0x09000000
    mov w3, #'h'; strb w3, [x1]; mov w3, #'i'; strb w3, [x1]; mov w3, #10; strb w3, [x1]
    mov w3, #'!'; strb w3, [x1]; mov w3, #10; strb w3, [x1]
    ldr x0, =0x84000008; smc #0
    .balign 2048
vectors:
    .skip 0x200
    eret                        // current EL with SPx, synchronous: HVC returns to the next instruction
"""


def boot(tmp_path, *extra):
    k = tmp_path / "k.bin"
    k.write_bytes(asm(KERNEL))
    stats = tmp_path / "stats.json"
    p = subprocess.run(A64JIT + [str(k), "--stats", str(stats), *extra], capture_output=True, timeout=120,
                       stdin=subprocess.DEVNULL, env=ENV)
    assert p.returncode == 0, p.stderr.decode()
    return p, json.loads(stats.read_text())


@pytest.mark.parametrize("engine", ["jit", "interp"])
def test_stats_count_what_the_guest_did(tmp_path, engine):
    p, d = boot(tmp_path, "--engine", engine, "-q")
    assert p.stdout == b"hi\n!\n"
    assert d["reason"] == "poweroff" and d["engine"] == engine
    assert d["exceptions"] == {"EC=0x16 HVC64": 5}           # (the PSCI SMC is answered as firmware)
    assert d["interrupts"] == {}
    assert d["mmio"] == {"Pl011@0x9000000": {"reads": 0, "writes": 5}}
    assert d["events"]["MMIO"] == 5 and d["events"]["exception"] == 5
    n = d["instructions"]
    # (an instruction that raises an exception does not retire: HVC and the SMC are not counted, ERET is)
    assert n == 3 + 1 + 5 * 3 + 1 + 10 + 1
    assert [(c[0], c[2]) for c in d["console"]][1][1] == "!"
    icounts = [c[0] for c in d["console"]]
    assert icounts == [3 + 1 + 5 * 3 + 1 + 5, 3 + 1 + 5 * 3 + 1 + 9]   # before the newline's store retires
    assert d["events_per_million_instructions"]["exception"] == round(5 * 1e6 / n, 2)
    if engine == "jit":
        assert d["helper_calls"]["hvc"] == 5 and d["helper_calls"]["eret"] == 5
        ex = d["exits"]
        assert ex["returns from native code"] == sum(v for k, v in ex.items() if k in (
            "no translation", "pending event", "budget", "exception"))
        assert d["translation"]["blocks_lifted"] + d["translation"]["index_blocks"] >= 3   # (lifted, or found by their bytes)
    else:
        assert "translation" not in d


def test_profile_prints_where_the_time_went(tmp_path):
    p, d = boot(tmp_path, "--profile")
    err = p.stderr.decode()
    for title in ("where the time went", "slow-path events", "runtime entries from generated code",
                  "exceptions, interrupts and devices"):
        assert title in err
    assert "EC=0x16 HVC64" in err and "Pl011@0x9000000" in err
    assert d["helpers"]["hvc"]["calls"] == 5 and d["helpers"]["memory write"]["calls"] >= 5
    t = d["time"]
    assert t["  of which generated code"] + t["  of which runtime helpers"] == pytest.approx(
        t["inside native code"], abs=2e-6)


def test_stats_to_a_path_that_cannot_be_written_is_one_line_and_status_2(tmp_path):
    k = tmp_path / "k.bin"
    k.write_bytes(asm(KERNEL))
    p = subprocess.run(A64JIT + [str(k), "-q", "--stats", str(tmp_path / "no" / "such.json")],
                       capture_output=True, timeout=120, stdin=subprocess.DEVNULL)
    assert p.returncode == 2 and p.stdout == b"hi\n!\n"
    assert p.stderr.decode().count("\n") == 1 and "cannot write" in p.stderr.decode()


def test_profile_names_the_hottest_guest_code(tmp_path):
    """--profile samples the guest PC while it runs: on the CPU-bound sample
    the samples fall in its code, named from its ELF (linked at 0, loaded at
    0x40200000); the run itself is unchanged."""
    root = os.path.join(os.path.dirname(__file__), "..", "..", "samples", "boot")
    stats = tmp_path / "s.json"
    p = subprocess.run(A64JIT + [os.path.join(root, "bench.img"), "--profile", "--symbols",
                                 os.path.join(root, "bench.elf"), "--load-offset", "0x40200000", "--stats", str(stats)],
                       capture_output=True, timeout=300, stdin=subprocess.DEVNULL, env=ENV)
    assert p.returncode == 0, p.stderr.decode()
    assert b"checksum" in p.stdout
    hot = json.loads(stats.read_text())["hot_code"]
    assert hot["samples"] > 20
    top = hot["functions"][0]
    assert top["where"] == "main" and top["el"] == 2 and top["share"] > 0.5      # bench_core.h is inlined in main
    assert all(0x40200000 <= int(r["where"].split()[0], 16) < 0x40210000 for r in hot["pcs"][:5])
    assert "hottest guest functions" in p.stderr.decode()


def test_symbols_without_profile_is_an_error(tmp_path):
    p = subprocess.run(A64JIT + ["--symbols", "x.map"], capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
    assert p.returncode != 0 and b"--symbols" in p.stderr and len(p.stderr.splitlines()) == 1
