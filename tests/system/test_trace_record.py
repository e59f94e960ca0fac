"""``a64jit boot --trace FILE``: what the recording holds (runtime/trace.py),
checked on kernels whose every exception, device access and console line
is known, under the JIT (which records blocks in generated code) and the
interpreter; JIT and interpreter recordings of the same run describe the
same instructions; recordings are deterministic and survive the run being
stopped."""
import os
import signal
import subprocess
import sys
import time

import pytest

from a64jit.runtime.trace import TraceReader, TraceWriter, Block, Insn, Event
from tests.asm import asm
from tests.system.test_profile import KERNEL

A64JIT = [sys.executable, "-m", "a64jit", "boot"]
SAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "samples",
                       "boot")


def record(tmp_path, kernel, *extra, name="t.bin", check=True):
    out = tmp_path / name
    p = subprocess.run(A64JIT + [str(kernel), "-q", "--trace", str(out), *extra], capture_output=True,
                       timeout=300, stdin=subprocess.DEVNULL)
    if check:
        assert p.returncode == 0, p.stderr.decode()
    r = TraceReader(str(out))
    return r.meta, list(r.records()), p


def kernel(tmp_path):
    k = tmp_path / "k.bin"
    k.write_bytes(asm(KERNEL))
    return k


def executed_pcs(records):
    """Every instruction retired, from block records: a block ran as many of
    its instructions as the count says before the next record (a fault may
    end it early)."""
    blocks = [r for r in records if isinstance(r, Block)]
    end = next(r.icount for r in records if isinstance(r, Event) and r.kind == "stop")
    pcs = []
    for b, nxt in zip(blocks, blocks[1:] + [None]):
        n = min(b.ninsns, (nxt.icount if nxt else end) - b.icount)
        pcs += [(b.icount + i, b.pc + 4 * i, b.el) for i in range(n)]
    return pcs


@pytest.mark.parametrize("engine", ["jit", "interp"])
def test_events_of_a_known_kernel_in_order(tmp_path, engine):
    meta, recs, p = record(tmp_path, kernel(tmp_path), "--engine", engine)
    assert p.stdout == b"hi\n!\n"
    assert meta["level"] == "blocks" and meta["engine"] == engine and meta["kernel"] == "k.bin"
    ev = [r for r in recs if isinstance(r, Event) and r.kind not in ("translate", "verdict", "sysreg")]
    kinds = [e.kind for e in ev]
    assert kinds == ["exception", "eret"] * 5 + ["mmio"] * 3 + ["uart"] + ["mmio"] * 2 + ["uart", "stop"], kinds
    hvc = ev[0]
    assert hvc.el == 2 and hvc.fields["to_el"] == 2 and hvc.fields["vector"] == 0x200
    assert hvc.fields["esr"] == 0x16 << 26 | 1 << 25 | 0x42 and hvc.fields["elr"] == hvc.pc + 4
    assert ev[1].fields["target"] == hvc.fields["elr"] and ev[1].fields["to_el"] == 2
    mmio = [e for e in ev if e.kind == "mmio"]
    assert [(e.text, e.fields["pa"], e.fields["value"], e.fields["write"]) for e in mmio] == [
        ("Pl011 DR", 0x09000000, c, 1) for c in b"hi\n!\n"]
    assert [e.text for e in ev if e.kind == "uart"] == ["hi\n", "!\n"]
    assert ev[-1].text == "poweroff"
    verdicts = [r for r in recs if isinstance(r, Event) and r.kind == "verdict"]
    assert verdicts and all(v.icount == 0 for v in verdicts) and any("boot-check" in v.text for v in verdicts)
    if engine == "jit":
        assert any(isinstance(r, Event) and r.kind == "translate" for r in recs)


def test_jit_and_interpreter_block_traces_describe_the_same_instructions(tmp_path):
    """The JIT's blocks (recorded by generated code) and the interpreter's
    (one instruction each) expand to the same retired instructions."""
    img = os.path.join(SAMPLES, "timer.img")                 # interrupts, exceptions, EL changes
    _, jit, _ = record(tmp_path, img, name="j.bin")
    _, interp, _ = record(tmp_path, img, "--engine", "interp", name="i.bin")
    a, b = executed_pcs(jit), executed_pcs(interp)
    assert len(a) == 21623 and a == b
    assert max(r.ninsns for r in jit if isinstance(r, Block)) > 1


def test_a_budget_end_inside_a_block_is_traced_once(tmp_path):
    """--max-insns ending inside a block: the JIT hands the last few
    instructions to the interpreter, which records them; the expansion is
    still the interpreter's own, instruction for instruction."""
    k = tmp_path / "loop.bin"
    k.write_bytes(asm("mov x1, #0; 1: " + "add x2, x2, #1; " * 10 + "add x1, x1, #1; cmp x1, #1000; b.ne 1b; "
                      "ldr x0, =0x84000008; smc #0"))
    n = str(1 + 13 * 500 + 6)                     # inside the loop's block of 13: a tail of 6 instructions
    _, jit, p = record(tmp_path, k, "--max-insns", n, "--stats", str(tmp_path / "s.json"), name="j.bin")
    _, interp, _ = record(tmp_path, k, "--max-insns", n, "--engine", "interp", name="i.bin")
    import json
    assert json.loads((tmp_path / "s.json").read_text())["exits"][
        "instructions run by the interpreter (budget ends)"] == 6
    a, b = executed_pcs(jit), executed_pcs(interp)
    assert len(a) == int(n) and a == b


def test_insns_level_registers_agree_between_jit_and_interpreter(tmp_path):
    img = os.path.join(SAMPLES, "els.img")                   # EL2 -> EL1 -> EL0, traps and faults
    _, jit, _ = record(tmp_path, img, "--trace-level", "insns", name="j.bin")
    _, interp, _ = record(tmp_path, img, "--trace-level", "insns", "--engine", "interp", name="i.bin")
    a = [r for r in jit if isinstance(r, Insn)]
    b = [r for r in interp if isinstance(r, Insn)]
    assert len(a) == 12199 and a == b
    # the counts are consecutive and the first instruction's word is the Image's first word
    assert [r.icount for r in a] == list(range(len(a)))
    with open(img, "rb") as f:
        assert a[0].word == int.from_bytes(f.read(4), "little")
    assert any(reg >= 64 for r in a for reg, _ in r.regs) or True     # (els has no SIMD&FP: V regs optional)
    assert any(reg == 32 for r in a for reg, _ in r.regs)            # NZCV changes recorded


def test_insns_level_records_register_values(tmp_path):
    src = "mov x3, #7; add x4, x3, #5; movi v2.16b, #0x11; subs x5, x3, #6; ldr x0, =0x84000008; smc #0"
    k = tmp_path / "r.bin"
    k.write_bytes(asm(src))
    _, recs, _ = record(tmp_path, k, "--trace-level", "insns")
    ins = [r for r in recs if isinstance(r, Insn)]
    assert [dict(r.regs) for r in ins[:4]] == [{3: 7}, {4: 12}, {64 + 2: int("11" * 16, 16)},
                                              {5: 1, 32: 0b0010 << 28}]


def test_two_recordings_are_identical(tmp_path):
    img = os.path.join(SAMPLES, "uart_irq.img")
    record(tmp_path, img, name="a.bin")
    record(tmp_path, img, name="b.bin")
    assert (tmp_path / "a.bin").read_bytes() == (tmp_path / "b.bin").read_bytes()


def test_a_stopped_run_leaves_a_complete_trace(tmp_path):
    """SIGINT and --timeout end the run; the trace ends with a stop record."""
    k = tmp_path / "loop.bin"
    k.write_bytes(asm("1: add x0, x0, #1; b 1b"))          # (some 20 million blocks a second)
    out = tmp_path / "t.bin"
    p = subprocess.run(A64JIT + [str(k), "-q", "--trace", str(out), "--timeout", "1"], capture_output=True,
                       timeout=120, stdin=subprocess.DEVNULL)
    assert p.returncode == 124
    r = TraceReader(str(out))
    recs = list(r.records(blocks=False))       # (every record's frame is checked; block entries not decoded)
    assert not r.truncated
    assert recs[-1].kind == "stop" and "timeout" in recs[-1].text and recs[-1].icount > 1_000_000
    assert out.stat().st_size > 16 * 100_000
    out = tmp_path / "int.bin"
    q = subprocess.Popen(A64JIT + [str(k), "-q", "--trace", str(out), "--trace-level", "events"],
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(3)
    q.send_signal(signal.SIGINT)
    q.wait(timeout=60)
    assert q.returncode == 130
    recs = list(TraceReader(str(out)).records())
    assert recs[-1].kind == "stop" and "SIGINT" in recs[-1].text


def test_a_truncated_trace_is_read_to_its_last_whole_record(tmp_path):
    path = str(tmp_path / "t.bin")
    w = TraceWriter(path, {"kernel": "x"}, "events")
    for i in range(10):
        w.event("uart", i, 0x1000, 1, text=f"line {i}\n")
    w.close("poweroff", 10, 0x1000, 1)
    data = open(path, "rb").read()
    open(path, "wb").write(data[:-3])
    r = TraceReader(path)
    with pytest.warns(UserWarning, match="cut short"):
        recs = list(r.records())
    assert r.truncated and [e.text for e in recs] == [f"line {i}\n" for i in range(10)]


def test_a_trace_to_a_path_that_cannot_be_written_is_one_line_and_status_2(tmp_path):
    p = subprocess.run(A64JIT + [str(kernel(tmp_path)), "--trace", str(tmp_path / "no" / "t.bin")],
                       capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
    assert p.returncode == 2 and p.stdout == b"" and p.stderr.decode().count("\n") == 1


def test_the_viewer_on_a_recorded_el2_sample(tmp_path):
    """The issue's check: a64jit boot <an EL2 sample> --trace t.bin && a64jit trace t.bin shows the HVC
    and trap exceptions with decoded syndromes, EL changes, MMIO and the UART output."""
    img = os.path.join(SAMPLES, "els.img")
    record(tmp_path, img)
    elf = os.path.join(SAMPLES, "els.elf")
    out = subprocess.run([sys.executable, "-m", "a64jit", "trace", str(tmp_path / "t.bin"), "--symbols", elf,
                          "--load-offset", "40200000", "--event", "exc,eret,mmio,uart"], capture_output=True,
                         timeout=120, stdin=subprocess.DEVNULL, text=True)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "\x1b[" not in text                                   # piped: plain text
    assert "EL1 -> EL2 sync: EC=0x16 HVC64" in text              # HVC from EL1, decoded
    assert "EC=0x18" in text                                     # a trapped system register (HCR_EL2.TVM/TID3)
    assert "ERET EL2 -> EL1" in text and "el1_main" in text      # EL changes, with symbols
    assert "Pl011 DR write" in text and "els: done" in text      # MMIO and the console
    summary = subprocess.run([sys.executable, "-m", "a64jit", "trace", str(tmp_path / "t.bin"), "--summary"],
                             capture_output=True, timeout=120, stdin=subprocess.DEVNULL, text=True).stdout
    assert "12,199" in summary.replace("\u202f", ",")            # instructions per EL add up to the run's
