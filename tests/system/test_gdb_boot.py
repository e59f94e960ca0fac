"""``a64jit boot -s/-S/-gdb``: Debian's gdb-multiarch driving a guest on
a64jit as it drives qemu-system-aarch64 -s -S (a64jit/debug.py over
a64jit/gdbstub.py): breakpoints (in native code, in a hot loop), stepi,
registers, memory, watchpoints, Ctrl-C by attaching to a running guest,
detach, kill, and the run continuing to power-off."""
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time

import pytest

from tests.asm import asm

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HELLO = os.path.join(ROOT, "samples", "boot", "hello.img")
BASE = 0x40080000                       # where a flat binary runs (docs/boot.md "Placement")
GDB = shutil.which("gdb-multiarch")
#: a loop calling a function 100 times, counting in x19 and storing the count at [x21] (a RAM word),
#: then power-off
LOOP = """
    mov x19, #0
    adr x21, counter
1:  bl func
    add x19, x19, #1
    str x19, [x21]
    cmp x19, #100
    b.ne 1b
    ldr x0, =0x84000008; smc #0
func:
    add x20, x20, #2
    ret
    .balign 8
counter: .quad 0
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(kernel, *extra, port):
    return subprocess.Popen([sys.executable, "-m", "a64jit", "boot", str(kernel), "-gdb", f"tcp::{port}", *extra],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_message(p, text: bytes, timeout=60):
    """Read a64jit's stderr until ``text`` (the stub's "waiting for gdb" line)."""
    end = time.monotonic() + timeout
    line = b""
    while time.monotonic() < end:
        line = p.stderr.readline()
        if text in line:
            return line
        if not line and p.poll() is not None:
            break
    raise AssertionError(f"{text!r} not printed; last: {line!r}")


def gdb_args(port, *commands):
    args = [GDB, "-nx", "-batch", "-ex", "set architecture aarch64", "-ex", "set confirm off",
            "-ex", f"target remote :{port}"]
    for c in commands:
        args += ["-ex", c]
    return args


def gdb(port, *commands, timeout=120):
    r = subprocess.run(gdb_args(port, *commands), capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
    return r.stdout.decode() + r.stderr.decode()


@contextlib.contextmanager
def guest(kernel, *extra, ready=b"waiting for gdb"):
    """a64jit booting ``kernel`` with the stub on a free port, once it says
    ``ready``: (process, port); killed at the end whatever happened."""
    port = free_port()
    p = start(kernel, *extra, port=port)
    try:
        wait_message(p, ready)
        yield p, port
    finally:
        p.kill()


@pytest.fixture(autouse=True)
def _need_gdb():
    assert GDB, "gdb-multiarch is needed (tests/bootstrap.sh installs it: apt-get install gdb-multiarch)"


@pytest.mark.parametrize("engine", ["jit", "interp"])
def test_break_step_registers_memory_and_continue_to_power_off(tmp_path, engine):
    with guest(HELLO, "-S", "--engine", engine, "-q") as (p, port):
        out = gdb(port, "p/x $pc", "p/x $cpsr", "break *0x40200040", "continue", "p/x $pc", "stepi", "p/x $pc",
                  "x/2xw 0x40200000", "p/x $CurrentEL", "p/x $x0", "set $x22 = 0x1234", "p/x $x22",
                  "p $v0.d.u[0]", "delete", "continue")
        stdout, _ = p.communicate(timeout=120)
    with open(HELLO, "rb") as f:
        w0, w1 = int.from_bytes(f.read(4), "little"), int.from_bytes(f.read(4), "little")
    assert "$1 = 0x40200000" in out                        # -S: stopped before the first instruction
    assert "$2 = 0x3c9" in out                             # EL2h, DAIF masked (the boot contract)
    assert "Breakpoint 1, 0x0000000040200040" in out and "$3 = 0x40200040" in out
    assert "$4 = 0x40200044" in out                        # stepi: one instruction
    assert f"0x{w0:08x}\t0x{w1:08x}" in out                # memory: the Image's first words
    assert "$5 = 0x8" in out                               # CurrentEL: EL2
    assert "$7 = 0x1234" in out
    assert "exited normally" in out, out
    assert p.returncode == 0 and stdout.endswith(b"bye\n") and b"x0 in RAM" in stdout


def test_breakpoint_in_a_hot_loop_and_a_watchpoint(tmp_path):
    k = tmp_path / "loop.bin"
    code = asm(LOOP)
    k.write_bytes(code)
    func = BASE + 4 * 9                                     # (the 10th instruction)
    with guest(k, "-S", "-q") as (p, port):
        out = gdb(port, f"break *{func:#x}", "continue", "continue", "continue", "p $x19", "p $x20", "delete",
                  "watch -l *(long *)$x21", "continue", "p $x19", "p/x $pc", "delete", "continue")
        stdout, _ = p.communicate(timeout=120)
    # the third time at func: two loop iterations done (x19 = 2), func ran twice (x20 = 4)
    assert out.count(f"Breakpoint 1, 0x{func:016x}") == 3, out
    assert "$1 = 2" in out and "$2 = 4" in out
    assert "Hardware watchpoint 2" in out and "Old value = 2" in out and "New value = 3" in out, out
    # stopped before the store that changed it retired (PC at it, as AArch64 reports), GDB stepped over it
    assert "$3 = 3" in out and f"$4 = {BASE + 4 * 5:#x}" in out, out
    assert "exited normally" in out and p.returncode == 0


def test_attach_to_a_running_guest_interrupt_and_detach(tmp_path):
    """-s without -S: the guest runs; a debugger attaching stops it; it
    changes a register to end the loop and detaches; the guest runs on to
    power-off."""
    k = tmp_path / "spin.bin"
    k.write_bytes(asm("mov x5, #0; 1: cbz x5, 1b; ldr x0, =0x84000008; smc #0"))
    with guest(k, "-q", ready=b"gdb can attach") as (p, port):
        time.sleep(1)
        out = gdb(port, "p/x $pc", "set $x5 = 1", "detach")
        p.wait(timeout=60)
    assert f"$1 = {BASE + 4:#x}" in out, out               # stopped inside the spin loop
    assert "Detaching" in out or "detached" in out.lower()
    assert p.returncode == 0


def test_kill_ends_the_run(tmp_path):
    k = tmp_path / "spin.bin"
    k.write_bytes(asm("1: b 1b"))
    with guest(k, "-S", "-q") as (p, port):
        gdb(port, "stepi", "kill")
        p.wait(timeout=60)
    assert p.returncode == 0


def test_a_bad_gdb_address_is_one_line_and_status_2(tmp_path):
    r = subprocess.run([sys.executable, "-m", "a64jit", "boot", HELLO, "-gdb", "udp::x"], capture_output=True,
                       timeout=60, stdin=subprocess.DEVNULL)
    assert r.returncode == 2 and r.stderr.decode().count("\n") == 1


def test_break_at_a_symbol_of_the_sample_and_read_a_string(tmp_path):
    """As a kernel developer does: the sample's ELF for symbols (linked at 0,
    run at the Image's load address), a breakpoint on a function, its
    argument read as a string, ``finish``-free stepping, then power-off."""
    elf = os.path.join(ROOT, "samples", "boot", "hello.elf")
    with guest(HELLO, "-S", "-q") as (p, port):
        out = gdb(port, f"add-symbol-file {elf} -o 0x40200000", "break puts", "continue", "x/s $x0",
                  "info symbol $pc", "delete", "continue")
        p.communicate(timeout=120)
    # (GDB puts the breakpoint after the prologue it finds: puts+4)
    assert "Breakpoint 1, 0x0000000040200810 in puts ()" in out, out
    assert '"hello: a64jit sample kernel' in out                # the first string it prints
    assert "puts + 4 in section .text" in out
    assert "exited normally" in out and p.returncode == 0


def test_ctrl_c_stops_a_guest_looping_in_native_code(tmp_path):
    """Ctrl-C in gdb (SIGINT to it: it sends the interrupt byte) stops the
    guest while it loops in JIT-compiled code; the session goes on."""
    k = tmp_path / "spin.bin"
    k.write_bytes(asm("mov x5, #0; 1: add x6, x6, #1; cbz x5, 1b; ldr x0, =0x84000008; smc #0"))
    with guest(k, "-S", "-q") as (p, port):
        args = gdb_args(port, "continue", "p/x $pc", "p $x6 > 1000000", "set $x5 = 1", "continue")
        g = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        time.sleep(3)
        g.send_signal(2)
        out = g.communicate(timeout=60)[0].decode()
        p.wait(timeout=60)
    assert "SIGINT" in out, out
    assert f"$1 = {BASE + 4:#x}" in out or f"$1 = {BASE + 8:#x}" in out     # inside the loop
    assert "$2 = 1" in out                                     # it ran (millions of iterations) meanwhile
    assert "exited normally" in out and p.returncode == 0
