"""The trace viewer (``python -m a64jit.traceview``, a64jit/traceview.py),
the ESR decoder (a64jit/syndrome.py) and the Perfetto export
(a64jit/perfetto.py), on traces written with TraceWriter whose every record
is known: EL2 start-up with UART writes, an ERET to EL1, an HVC taken to
EL2, an IRQ raised, taken, acknowledged and ended at EL1, an EL0 data
abort, console output and a power-off."""
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import types

import pytest

from a64jit import traceview
from a64jit.runtime.sysreg_defs import BY_KEY, encoding_key
from a64jit.runtime.trace import TraceWriter
from a64jit.syndrome import describe_esr, describe_fsc, describe_sysreg_key

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
# piped output must be plain without help from the environment: nothing that forces colour
ENV = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE",
                                                         "COLUMNS", "CLICOLOR_FORCE")}
ANSI = re.compile(r"\x1b\[")

# the guest's code, at the addresses a64jit boots a sample kernel at (RAM + 2 MB)
START, EL2_MAIN, EL1_MAIN = 0x40200000, 0x40200100, 0x40200200
EL2_VECTORS, EL1_VECTORS, USER = 0x40201000, 0x40202000, 0x400000
HVC_ESR = 0x5A000123                      # EC 0x16 HVC64, IL, imm16 0x123
# EC 0x24 (DABT lower), IL, ISV, SAS=word, SRT=1, WnR, DFSC 0x07 (translation fault level 3)
DABT_ESR = 0x24 << 26 | 1 << 25 | 1 << 24 | 2 << 22 | 1 << 16 | 1 << 6 | 0x07
SCTLR_EL1 = encoding_key(3, 0, 1, 0, 0)
#: instructions in the blocks of ``write_trace`` per EL
INSNS = {2: 4 + 6 + 5, 1: 3 + 4 + 4 + 2 + 3, 0: 3}


def write_trace(path, addrs=None, level="blocks"):
    """The scenario of the module docstring; ``addrs`` replaces code
    addresses (for an ELF whose symbols are elsewhere)."""
    a = dict(start=START, el2_main=EL2_MAIN, el1_main=EL1_MAIN, el2_vectors=EL2_VECTORS, el1_vectors=EL1_VECTORS)
    a.update(addrs or {})
    meta = {"command": "a64jit boot hello.img --trace t.trc", "kernel": "hello.img", "engine": "jit",
            "a_key_from_the_future": [1, 2]}
    w = TraceWriter(str(path), meta, level)
    w.attach(types.SimpleNamespace(trace_ptr=0, trace_end=0))
    w.event("translate", 0, a["start"], 2, 2, 10)
    w.block(a["start"], 0, 2, 4)
    w.block(a["el2_main"], 4, 2, 6)
    w.event("mmio", 7, a["el2_main"] + 8, 2, 0x09000000, 0x41, 4, 1, text="Pl011 DR")
    w.event("mmio", 8, a["el2_main"] + 12, 2, 0x09000000, 0x42, 4, 1, text="Pl011 DR")
    w.event("mmio", 9, a["el2_main"] + 16, 2, 0x09000018, 0x90, 4, 0, text="Pl011 FR")
    w.event("eret", 10, a["el2_main"] + 20, 2, 1, a["el1_main"], 0x3C5)
    w.block(a["el1_main"], 10, 1, 3)
    w.event("exception", 12, a["el1_main"] + 8, 1, 2, 0x400, HVC_ESR, 0, a["el1_main"] + 12)
    w.block(a["el2_vectors"] + 0x400, 13, 2, 5)
    w.event("sysreg", 16, a["el2_vectors"] + 0x40C, 2, SCTLR_EL1, 1, 0x30D00800, text="SCTLR_EL1")
    w.event("eret", 18, a["el2_vectors"] + 0x410, 2, 1, a["el1_main"] + 12, 0x3C5)
    w.block(a["el1_main"] + 12, 18, 1, 4)
    w.event("irq_line", 20, a["el1_main"] + 20, 1, 27, 1)
    w.event("exception", 22, a["el1_main"] + 28, 1, 1, 0x280, 0, 0, a["el1_main"] + 28)
    w.block(a["el1_vectors"] + 0x280, 22, 1, 4)
    w.event("irq_ack", 24, a["el1_vectors"] + 0x288, 1, 27, 1)
    w.event("irq_line", 25, a["el1_vectors"] + 0x28C, 1, 27, 0)
    w.event("irq_eoi", 26, a["el1_vectors"] + 0x290, 1, 27, 1)
    w.event("eret", 26, a["el1_vectors"] + 0x294, 1, 1, a["el1_main"] + 28, 0x3C5)
    w.block(a["el1_main"] + 28, 27, 1, 2)
    w.event("uart", 28, a["el1_main"] + 32, 1, text="hello\n\x1b[0m")
    w.event("eret", 29, a["el1_main"] + 36, 1, 0, USER, 0x0)
    w.block(USER, 29, 0, 3)
    w.event("exception", 31, USER + 8, 0, 1, 0x400, DABT_ESR, 0x1234008, USER + 8)
    w.block(a["el1_vectors"] + 0x400, 32, 1, 3)
    w.close("poweroff", 35, a["el1_vectors"] + 0x408, 1)
    return path


def view(*args, check=True):
    p = subprocess.run([sys.executable, "-m", "a64jit.traceview", *map(str, args)], capture_output=True,
                       text=True, timeout=60, env=ENV, stdin=subprocess.DEVNULL)
    if check:
        assert p.returncode == 0, p.stderr
    assert not ANSI.search(p.stdout) and not ANSI.search(p.stderr), "escape codes in piped output"
    return p


def view_here(capsys, *args):
    """The same in this process (no interpreter start-up: for the many small runs): (status, out, err)."""
    status = traceview.main(list(map(str, args)))
    out, err = capsys.readouterr()
    assert not ANSI.search(out)
    return status, out, err


def rows(out):
    """The listing's rows: (icount, EL, kind, the whole line)."""
    got = []
    for line in out.splitlines():
        m = re.match(r"\s*(\d+)\s+EL(\d)\s+0x[0-9a-f]{16}\s+(?:\S+\+0x[0-9a-f]+\s+)?(\S+)", line)
        if m:
            got.append((int(m.group(1)), int(m.group(2)), m.group(3), line))
    return got


@pytest.fixture(scope="module")
def trace(tmp_path_factory):
    return write_trace(tmp_path_factory.mktemp("trace") / "t.trc")


@pytest.fixture(scope="module")
def system_map(tmp_path_factory):
    p = tmp_path_factory.mktemp("map") / "System.map"
    p.write_text(f"{START:016x} T _start\n{EL2_MAIN:016x} T el2_main\n{EL1_MAIN:016x} t el1_main\n"
                 f"{EL2_VECTORS:016x} T el2_vectors\n{EL1_VECTORS:016x} T el1_vectors\n"
                 "0000000009000000 A UART_DR\n")
    return p


# ---- syndromes -------------------------------------------------------------------------------------

def test_esr_of_calls_and_breakpoints():
    assert describe_esr(HVC_ESR) == "EC=0x16 HVC64 imm=0x123"
    assert describe_esr(0x15 << 26 | 1 << 25 | 0x42) == "EC=0x15 SVC64 imm=0x42"
    assert describe_esr(0x17 << 26 | 1 << 25) == "EC=0x17 SMC64 imm=0x0"
    assert describe_esr(0x3C << 26 | 1 << 25 | 0x800) == "EC=0x3c BRK64 imm=0x800"
    assert describe_esr(0x16 << 26 | 0x5) == "EC=0x16 HVC64 imm=0x5 IL=0"


def test_esr_of_data_aborts():
    text = describe_esr(DABT_ESR)
    assert DABT_ESR == 0x93810047
    assert text.startswith("EC=0x24 DABT lower: DFSC=0x07 translation fault level 3, write,")
    assert "ISV=1 SAS=word SSE=0 SRT=1 (w1) SF=0 AR=0" in text and "WnR=1 S1PTW=0 CM=0" in text
    # a doubleword load-acquire into x30 at the same EL, access flag fault at level 1, on the walk
    esr = 0x25 << 26 | 1 << 25 | 1 << 24 | 3 << 22 | 30 << 16 | 1 << 15 | 1 << 14 | 1 << 7 | 0x09
    text = describe_esr(esr)
    assert text.startswith("EC=0x25 DABT same: DFSC=0x09 access flag fault level 1, read,")
    assert "SAS=doubleword" in text and "SRT=30 (x30) SF=1 AR=1" in text and "S1PTW=1" in text
    # no valid instruction syndrome, a cache maintenance operation
    text = describe_esr(0x24 << 26 | 1 << 25 | 1 << 8 | 1 << 6 | 0x0E)
    assert "permission fault level 2" in text and "ISV=0" in text and "CM=1" in text and "SRT" not in text
    for fsc, name in [(0x21, "alignment fault"), (0x10, "synchronous external abort"),
                      (0x00, "address size fault level 0"), (0x05, "translation fault level 1"),
                      (0x17, "synchronous external abort on table walk level 3"), (0x30, "TLB conflict abort"),
                      (0x2B, "translation fault level -1")]:
        assert describe_fsc(fsc) == name
        assert name in describe_esr(0x25 << 26 | 1 << 25 | fsc)


def test_esr_of_instruction_aborts_and_others():
    assert (describe_esr(0x20 << 26 | 1 << 25 | 0x06)
            == "EC=0x20 IABT lower: IFSC=0x06 translation fault level 2, S1PTW=0")
    assert describe_esr(0x01 << 26 | 1 << 25) == "EC=0x01 WFx: WFI"
    assert describe_esr(0x01 << 26 | 1 << 25 | 1) == "EC=0x01 WFx: WFE"
    assert describe_esr(0x07 << 26 | 1 << 25) == "EC=0x07 FP/SIMD access"
    assert describe_esr(0x00 << 26 | 1 << 25) == "EC=0x00 Unknown"
    assert describe_esr(0x2F << 26 | 1 << 25 | 0x11) == "EC=0x2f SError: asynchronous SError interrupt AET=UC"


def test_esr_of_trapped_system_register_accesses():
    # MSR SCTLR_EL1, x2: op0=3 op2=0 op1=0 CRn=1 Rt=2 CRm=0, direction 0 (write)
    esr = 0x18 << 26 | 1 << 25 | 3 << 20 | 0 << 17 | 0 << 14 | 1 << 10 | 2 << 5 | 0 << 1 | 0
    assert esr == 0x62300440
    assert describe_esr(esr) == ("EC=0x18 MSR/MRS/SYS: MSR SCTLR_EL1, x2 (write: op0=3 op1=0 CRn=1 CRm=0 op2=0 "
                                 "Rt=2)")
    assert describe_esr(esr | 1).startswith("EC=0x18 MSR/MRS/SYS: MRS x2, SCTLR_EL1 (read:")
    unknown = encoding_key(3, 6, 15, 14, 7)
    assert unknown not in BY_KEY
    assert describe_sysreg_key(unknown) == "S3_6_C15_C14_7"
    assert "MRS xzr, S3_6_C15_C14_7" in describe_esr(0x18 << 26 | 1 << 25 | 3 << 20 | 7 << 17 | 6 << 14 | 15 << 10
                                                     | 31 << 5 | 14 << 1 | 1)
    assert describe_sysreg_key(SCTLR_EL1) == "SCTLR_EL1"
    assert describe_sysreg_key(encoding_key(1, 0, 7, 5, 0)) == "IC_IALLU"       # a system instruction


# ---- the listing -----------------------------------------------------------------------------------

def test_listing_shows_every_record_decoded(trace, system_map):
    p = view(trace, "--symbols", system_map)
    got = rows(p.stdout)
    assert len(got) == 27 and p.stderr == ""
    assert [r[2] for r in got[:5]] == ["translate", "block", "block", "mmio", "mmio"]
    assert [r[0] for r in got] == sorted(r[0] for r in got)
    text = p.stdout
    assert "0x0000000040200100 el2_main+0x0" in text and "block of 6 insns" in text
    hvc = next(r[3] for r in got if r[2] == "exc")
    assert ("EL1 -> EL2 sync: EC=0x16 HVC64 imm=0x123 ELR=0x4020020c <el1_main+0xc> FAR=0x0 "
            "(vector 0x400: lower EL, AArch64)") in hvc
    assert "EL1 -> EL1 IRQ ELR=0x4020021c <el1_main+0x1c> (vector 0x280: current EL, SPx)" in text
    assert "EL0 -> EL1 sync: EC=0x24 DABT lower: DFSC=0x07 translation fault level 3, write" in text
    assert "FAR=0x1234008" in text
    assert "ERET EL2 -> EL1 to 0x40200200 <el1_main+0x0> SPSR=0x3c5" in text
    assert "Pl011 DR write 0x41 (4 bytes) @0x9000000" in text and "Pl011 FR read 0x90 (4 bytes) @0x9000018" in text
    assert "INTID 27 raised" in text and "INTID 27 lowered" in text
    assert "INTID 27 acknowledged, group 1" in text and "INTID 27 end of interrupt, group 1" in text
    assert "MSR SCTLR_EL1 <- 0x30d00800" in text
    assert "translated 2 blocks (10 insns) from 0x40200000 <_start+0x0>" in text
    assert "hello\\n\\x1b[0m" in text           # the guest's escape sequence, escaped
    assert got[-1][2] == "stop" and "stop: poweroff" in got[-1][3]
    # without symbols: the PC alone
    plain = view(trace).stdout
    assert "el2_main" not in plain and "0x0000000040200100" in plain and len(rows(plain)) == 27


def test_filters(trace, capsys):
    by_el = rows(view_here(capsys, trace, "--el", "2")[1])
    assert by_el and {r[1] for r in by_el} == {2}
    assert {r[1] for r in rows(view_here(capsys, trace, "--el", "0,1")[1])} == {0, 1}
    assert {r[1] for r in rows(view_here(capsys, trace, "--el", "0", "--el", "2")[1])} == {0, 2}

    events = rows(view_here(capsys, trace, "--event", "exc,eret")[1])
    assert [r[2] for r in events] == ["eret", "exc", "eret", "exc", "eret", "eret", "exc"]
    irq = rows(view_here(capsys, trace, "--event", "irq")[1])
    assert [r[2] for r in irq] == ["irq", "irq-ack", "irq", "irq-eoi"]
    assert {r[2] for r in rows(view_here(capsys, trace, "--event", "blocks,uart")[1])} == {"block", "uart"}

    window = rows(view_here(capsys, trace, "--from", 12, "--to", 22)[1])
    assert window and all(12 <= r[0] < 22 for r in window)
    assert [r[2] for r in window] == ["exc", "block", "sysreg", "eret", "block", "irq"]

    grep = rows(view_here(capsys, trace, "--grep", r"INTID 27 (raised|lowered)")[1])
    assert [r[0] for r in grep] == [20, 25]

    # blocks overlapping [el1_main, el1_main + 0x20), and events at a PC in it
    ranged = rows(view_here(capsys, trace, "--pc-range", f"{EL1_MAIN:x}-{EL1_MAIN + 0x20:x}")[1])
    assert [(r[0], r[2]) for r in ranged] == [(10, "block"), (12, "exc"), (18, "block"), (20, "irq"),
                                              (22, "exc"), (27, "block")]
    assert len(rows(view_here(capsys, trace, "--limit", 3)[1])) == 3
    assert view_here(capsys, trace, "--limit", 0)[1] == ""
    assert rows(view_here(capsys, trace, "--event", "mmio", "--el", "1")[1]) == []


def test_bad_options_are_one_line_errors(trace, tmp_path, capsys):
    for args in (["--event", "nonsense"], ["--pc-range", "zz-10"], ["--grep", "("], ["--el", "5"],
                 ["--symbols", tmp_path / "nowhere.map"], ["--export", "svg", tmp_path / "o"]):
        status, out, err = view_here(capsys, trace, *args)
        assert status == 2 and out == "", args
        assert len(err.splitlines()) == 1 and err.startswith("a64jit: "), err
    bad_map = tmp_path / "bad.map"
    bad_map.write_text("this is not a symbol listing\n")
    status, _, err = view_here(capsys, trace, "--symbols", bad_map)
    assert status == 2 and "bad.map" in err and len(err.splitlines()) == 1


def test_summary(trace, system_map):
    out = view(trace, "--summary", "--symbols", system_map).stdout
    per_el = dict(re.findall(r"^\s*EL(\d)\s+([\d,]+)\s+[\d.]+\s*$", out, re.M))
    assert {int(k): int(v.replace(",", "")) for k, v in per_el.items()} == INSNS
    # the hottest block: the 6 instructions of el2_main
    hot = out[out.index("hottest blocks"):]
    first = next(line for line in hot.splitlines() if "0x" in line)
    assert first.split()[:5] == ["6", str(round(100 * 6 / sum(INSNS.values()), 1)), "1", "6", "EL2"]
    assert "el2_main+0x0" in first
    assert re.search(r"HVC64 \(EC=0x16\)\s+EL1\s+EL2\s+1", out)
    assert re.search(r"DABT lower \(EC=0x24\)\s+EL0\s+EL1\s+1", out)
    assert re.search(r"IRQ\s+EL1\s+EL1\s+1", out)
    assert re.search(r"ERET\s+EL2\s+EL1\s+2", out)
    assert re.search(r"Pl011\s+DR\s+0x9000000\s+0\s+2", out) and re.search(r"Pl011\s+FR\s+0x9000018\s+1\s+0", out)
    assert re.search(r"^\s*27\s+1\s+1\s+1\s+1\s*$", out, re.M)              # raised, lowered, acked, eoi
    assert "hello\n" in out and "stop: poweroff" in out
    assert re.search(r"kernel\s+hello\.img", out) and re.search(r"level\s+blocks", out)
    assert re.search(r"a_key_from_the_future\s+\[1, 2\]", out)
    # the filters apply: EL1 only
    only_el1 = view(trace, "--summary", "--el", "1").stdout
    assert re.findall(r"^\s*EL(\d)\s+([\d,]+)\s+[\d.]+\s*$", only_el1, re.M) == [("1", "16")]


def test_symbols_and_code_from_an_elf(tmp_path):
    elf, offset, addrs = kernel_elf(tmp_path)
    t = write_trace(tmp_path / "elf.trc", addrs)
    args = ["--symbols", elf] + (["--load-offset", f"{offset:x}"] if offset else [])
    got = rows(view(t, *args).stdout)
    for name in ("start", "el2_main", "el1_main"):
        sym, addr = addrs[name + "_symbol"], addrs[name]
        block = next(r[3] for r in got if r[2] == "block" and f"{addr:#018x}" in r[3])
        assert f"{sym}+0x0" in block
        assert block.endswith(": " + expected_disassembly(elf, addr - offset, addr)), block
    # the same code from --image, without symbols from a listing
    via_image = rows(view(t, "--image", elf, *args[2:]).stdout)
    assert any(r[2] == "block" and addrs["el1_main_symbol"] + "+0x0" in r[3] for r in via_image)


def test_raw_image_gives_code_without_symbols(tmp_path):
    raw = tmp_path / "k.bin"
    raw.write_bytes(bytes.fromhex("200080d2") + bytes(0x100 - 4) + bytes.fromhex("1f2003d5"))  # mov x0,#1; nop
    t = write_trace(tmp_path / "raw.trc")
    out = view(t, "--image", f"{raw}@{START:x}").stdout
    assert "block of 4 insns: mov x0, #1" in out and "block of 6 insns: nop" in out


def test_truncated_trace(trace, tmp_path):
    cut = tmp_path / "cut.trc"
    data = trace.read_bytes()
    cut.write_bytes(data[:-3])                   # inside the stop record
    p = view(cut)
    got = rows(p.stdout)
    assert len(got) == 26 and got[-1][:3] == (32, 1, "block")       # everything up to the stop record
    lines = p.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("a64jit: warning: ") and "cut short" in lines[0]
    assert "stop: no stop record" in view(cut, "--summary").stdout


def test_not_a_trace(tmp_path):
    junk = tmp_path / "junk.trc"
    junk.write_text("hello, world\n")
    p = view(junk, check=False)
    assert p.returncode == 2 and p.stdout == "" and p.stderr.strip() == f"a64jit: {junk}: not an a64jit trace file"
    p = view(tmp_path / "missing.trc", check=False)
    assert p.returncode == 2 and p.stderr.strip() == f"a64jit: {tmp_path / 'missing.trc'}: No such file or directory"


def test_corrupt_record(trace, tmp_path):
    bad = tmp_path / "bad.trc"
    bad.write_bytes(trace.read_bytes() + struct.pack("<I", 16 | 3 << 8) + b"abc")   # an exception record of 3 bytes
    p = view(bad, check=False)
    assert p.returncode == 2 and len(rows(p.stdout)) == 27          # the whole records before it are shown
    assert p.stderr.startswith(f"a64jit: {bad}: corrupt trace record") and len(p.stderr.splitlines()) == 1


def test_a_closed_pipe_ends_the_listing_quietly(tmp_path):
    t = tmp_path / "long.trc"
    w = TraceWriter(str(t), {"kernel": "k"}, "blocks")
    w.attach(types.SimpleNamespace(trace_ptr=0, trace_end=0))
    for i in range(20_000):            # far more output than a pipe holds
        w.block(START, 4 * i, 1, 4)
    w.close("poweroff", 80_000, START, 1)
    proc = subprocess.Popen([sys.executable, "-m", "a64jit.traceview", str(t)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=ENV)
    assert proc.stdout.readline().split()[:2] == [b"0", b"EL1"]
    proc.stdout.close()                # as "| head -1" does
    err = proc.stderr.read()
    assert proc.wait(timeout=30) == 0 and err == b""


def test_follow_reads_a_growing_trace_until_stop(tmp_path):
    path = tmp_path / "live.trc"
    w = TraceWriter(str(path), {"kernel": "k"}, "events")
    w.event("uart", 1, START, 2, text="first\n")
    w.sync()
    proc = subprocess.Popen([sys.executable, "-m", "a64jit.traceview", str(path), "--follow"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    try:
        first = proc.stdout.readline()          # shown before the trace is finished
        assert "first\\n" in first
        w.event("uart", 2, START, 2, text="second\n")
        w.close("poweroff", 3, START, 2)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert "second\\n" in out and "stop: poweroff" in out


def test_follow_ends_on_ctrl_c(tmp_path):
    path = tmp_path / "live.trc"
    w = TraceWriter(str(path), {"kernel": "k"}, "events")
    w.event("uart", 1, START, 2, text="running\n")
    w.sync()
    proc = subprocess.Popen([sys.executable, "-m", "a64jit.traceview", str(path), "--follow"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    try:
        assert "running\\n" in proc.stdout.readline()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
        w.close()
    assert proc.returncode == 0 and err == ""


# ---- Perfetto ------------------------------------------------------------------------------------

REQUIRED = {"X": {"name", "ph", "ts", "pid", "tid", "dur"}, "i": {"name", "ph", "ts", "pid", "tid", "s"},
            "M": {"name", "ph", "pid", "tid", "args"}}


def check_trace_events(doc):
    """The trace-event format's rules as the viewers need them; returns the events by phase."""
    assert doc["displayTimeUnit"] == "ns"
    by_phase = {}
    for e in doc["traceEvents"]:
        assert REQUIRED[e["ph"]] <= set(e), e
        assert isinstance(e["ts"], (int, float)) and e["ts"] >= 0
        by_phase.setdefault(e["ph"], []).append(e)
    last_end = {}
    for e in by_phase.get("X", []):
        assert e["dur"] >= 0
        assert e["ts"] >= last_end.get(e["tid"], 0), "slices on a track overlap or go back in time"
        last_end[e["tid"]] = e["ts"] + e["dur"]
    return by_phase


def export(trace, out, *extra):
    p = view(trace, "--export", "perfetto", out, *extra)
    assert p.stdout.startswith(f"wrote {out}:") and len(p.stdout.splitlines()) == 1
    return json.loads(out.read_text())


def test_perfetto_export(trace, system_map, tmp_path):
    doc = export(trace, tmp_path / "t.json", "--symbols", system_map)
    ev = check_trace_events(doc)
    threads = {e["tid"]: e["args"]["name"] for e in ev["M"] if e["name"] == "thread_name"}
    el_tracks = {tid: name for tid, name in threads.items() if name.startswith("EL")}
    assert sorted(el_tracks.values()) == ["EL0", "EL1", "EL2"] and len(el_tracks) == 3
    assert "console" in threads.values()
    assert any(e["name"] == "process_name" and e["args"]["name"] == "a64jit guest" for e in ev["M"])
    tid = {name: t for t, name in threads.items()}
    # EL stretches: EL2 [0, 10) + [13, 18), EL1 [10, 12) [18, 29) [32, 35), EL0 [29, 31)
    slices = [(e["tid"], e["ts"], e["dur"], e["name"]) for e in ev["X"]]
    assert [(s[1], s[2]) for s in slices if s[0] == tid["EL2"]] == [(0.0, 0.01), (0.013, 0.005)]
    assert [(s[1], s[2]) for s in slices if s[0] == tid["EL1"]] == [(0.01, 0.002), (0.018, 0.011), (0.032, 0.003)]
    assert [(s[1], s[2]) for s in slices if s[0] == tid["EL0"]] == [(0.029, 0.002)]
    assert slices[0][3] == "_start" and next(s for s in slices if s[0] == tid["EL1"])[3] == "el1_main"
    sum_insns = {}
    for e in ev["X"]:
        sum_insns[threads[e["tid"]]] = sum_insns.get(threads[e["tid"]], 0) + e["args"]["insns"]
    assert sum_insns == {f"EL{el}": n for el, n in INSNS.items()}
    # instants: the exceptions on their target EL's track, with the syndrome decoded
    hvc = next(e for e in ev["i"] if e["name"] == "HVC64")
    assert hvc["tid"] == tid["EL2"] and hvc["ts"] == 0.012 and hvc["s"] == "t"
    assert hvc["args"]["decoded"] == "EC=0x16 HVC64 imm=0x123" and hvc["args"]["esr"] == "0x5a000123"
    assert hvc["args"]["from_el"] == 1 and hvc["args"]["to_el"] == 2 and "elr" in hvc["args"]
    dabt = next(e for e in ev["i"] if e["name"] == "DABT lower")
    assert dabt["tid"] == tid["EL1"] and dabt["args"]["far"] == "0x1234008"
    assert next(e for e in ev["i"] if e["name"] == "IRQ")["tid"] == tid["EL1"]
    assert sum(e["name"] == "ERET" for e in ev["i"]) == 4
    mmio = [e for e in ev["i"] if e["cat"] == "mmio"]
    assert [(e["name"], e["args"]["value"]) for e in mmio] == [("Pl011 DR write", "0x41"),
                                                               ("Pl011 DR write", "0x42"), ("Pl011 FR read", "0x90")]
    assert mmio[0]["args"]["device"] == "Pl011" and mmio[0]["args"]["register"] == "DR"
    console = [e for e in ev["i"] if e["tid"] == tid["console"]]
    assert [e["name"] for e in console] == ["hello", "\x1b[0m"]
    assert any(e["name"] == "stop: poweroff" for e in ev["i"])
    assert doc["otherData"]["kernel"] == "hello.img"


def test_perfetto_export_of_an_events_only_trace(tmp_path):
    t = write_trace(tmp_path / "ev.trc", level="events")          # (the writer drops blocks at this level)
    ev = check_trace_events(export(t, tmp_path / "ev.json"))
    threads = {e["tid"]: e["args"]["name"] for e in ev["M"] if e["name"] == "thread_name"}
    tid = {name: t for t, name in threads.items()}
    # stretches from the exceptions and ERETs: EL2 until the first ERET at 10, EL1 10..12, EL2 12..18 ...
    assert [(e["ts"], e["dur"]) for e in ev["X"] if e["tid"] == tid["EL2"]] == [(0.0, 0.01), (0.012, 0.006)]
    assert [(e["ts"], e["dur"]) for e in ev["X"] if e["tid"] == tid["EL0"]] == [(0.029, 0.002)]
    assert ev["X"][0]["name"] == "EL2"


def test_trace_of_instructions(tmp_path):
    t = tmp_path / "insns.trc"
    w = TraceWriter(str(t), {"kernel": "k"}, "insns")
    w.insn(0, START, 1, 0xD2800020, [(0, 1)])                      # mov x0, #1
    w.insn(1, START + 4, 1, 0xEB00001F, [(32, 0x60000000)])        # cmp x0, x0: Z and C
    w.insn(2, START + 8, 1, 0x910043FF, [(31, 0x80010)])           # add sp, sp, #0x10
    w.close("poweroff", 3, START + 12, 1)
    got = rows(view(t).stdout)
    assert [r[2] for r in got] == ["insn", "insn", "insn", "stop"]
    assert re.search(r"d2800020\s+mov x0, #1\s+x0=0x1$", got[0][3])
    assert got[1][3].endswith("nzcv=nZCv") and "cmp x0, x0" in got[1][3]
    assert got[2][3].endswith("sp=0x80010")
    assert re.search(r"^\s*EL1\s+3\s+100\.0\s*$", view(t, "--summary").stdout, re.M)


def test_many_rows_stream(tmp_path):
    """200,000 blocks list in a few seconds: rows are printed in batches, not as one table."""
    t = tmp_path / "big.trc"
    w = TraceWriter(str(t), {"kernel": "k"}, "blocks")
    w.attach(types.SimpleNamespace(trace_ptr=0, trace_end=0))
    for i in range(200_000):
        w.block(START + 4 * (i % 64), 4 * i, 1, 4)
    w.close("poweroff", 800_000, START, 1)
    out = tmp_path / "big.txt"
    with open(out, "w") as f:
        p = subprocess.run([sys.executable, "-m", "a64jit.traceview", str(t)], stdout=f, stderr=subprocess.PIPE,
                           text=True, timeout=60, env=ENV)
    assert p.returncode == 0, p.stderr
    with open(out) as f:
        lines = f.read().splitlines()
    assert len(lines) == 200_001 and lines[-1].split()[-2:] == ["stop:", "poweroff"]


# ---- an ELF with known symbols ---------------------------------------------------------------------

ELF_SOURCE = """
    .text
    .global _start; .type _start, %function
_start: mov x0, #1; mov x1, #2; add x2, x0, x1; b el2_main
    .size _start, . - _start
    .org 0x100
    .global el2_main; .type el2_main, %function
el2_main: ldr x3, =0x09000000; mov w4, #0x41; str w4, [x3]; str w4, [x3]; ldr w5, [x3, #0x18]; eret
    .ltorg
    .size el2_main, . - el2_main
    .org 0x200
    .global el1_main; .type el1_main, %function
el1_main: nop; nop; hvc #0x123; nop; nop; nop; nop; wfi; nop; nop; eret
    .size el1_main, . - el1_main
    .org 0x1000
el2_vectors: .skip 0x800
    .org 0x2000
el1_vectors: .skip 0x800
"""


def kernel_elf(tmp_path):
    """(ELF file, the offset its addresses need, code addresses for write_trace
    and the symbols there): built with the cross toolchain at the sample
    kernels' load address, or else the committed sample hello.elf (linked at
    0), run at that address."""
    gcc = shutil.which("aarch64-linux-gnu-gcc")
    if gcc:
        src, elf = tmp_path / "k.S", tmp_path / "k.elf"
        src.write_text(ELF_SOURCE.replace(";", "\n"))
        subprocess.run([gcc, "-nostdlib", "-static", "-Wl,--build-id=none", f"-Wl,-Ttext={START:#x}", "-o", elf,
                        src], check=True, capture_output=True, timeout=60)
        names = {"start": "_start", "el2_main": "el2_main", "el1_main": "el1_main"}
        offset = 0
    else:
        elf, offset = os.path.join(ROOT, "samples", "boot", "hello.elf"), START
        names = {"start": "_start", "el2_main": "main", "el1_main": "call_el1"}
    from elftools.elf.elffile import ELFFile
    with open(elf, "rb") as f:
        symtab = ELFFile(f).get_section_by_name(".symtab")
        value = {s.name: s["st_value"] for s in symtab.iter_symbols()}
    addrs = {role: value[name] + offset for role, name in names.items()}
    addrs.update({role + "_symbol": name for role, name in names.items()})
    return elf, offset, addrs


def expected_disassembly(elf, addr, run_addr):
    """The instruction at ``addr`` of the ELF's file (through its segments,
    not its sections as the viewer reads it), disassembled as at ``run_addr``."""
    import capstone
    from elftools.elf.elffile import ELFFile
    with open(elf, "rb") as f:
        e = ELFFile(f)
        for seg in e.iter_segments():
            if seg["p_type"] == "PT_LOAD" and seg["p_vaddr"] <= addr < seg["p_vaddr"] + seg["p_filesz"]:
                word = seg.data()[addr - seg["p_vaddr"]: addr - seg["p_vaddr"] + 4]
                break
    arch = getattr(capstone, "CS_ARCH_AARCH64", None)
    cs = capstone.Cs(capstone.CS_ARCH_ARM64 if arch is None else arch, capstone.CS_MODE_ARM)
    insn = next(cs.disasm(word, run_addr))
    return f"{insn.mnemonic} {insn.op_str}".strip()
