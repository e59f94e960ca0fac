"""Debian's arm64 kernel with a busybox initramfs, to a shell a person types
into and a KVM guest run from it, beside qemu-system-aarch64 on the same
files (slow: minutes).

Both boot ``vmlinuz --initrd initrd.cpio.gz --append "console=ttyAMA0
earlycon rdinit=/init"`` (tests/debian.py builds the initramfs: busybox and an
/init that mounts /proc, /sys, /dev and runs a shell on the console).  The
test types into the console as a person would, waiting for each answer:
``uname -a``, the CPU features of /proc/cpuinfo, /proc/interrupts,
``kvm_test`` (samples/linux/kvm_test.c: a VM with one vCPU whose guest code
makes an MMIO write, an MMIO read and a PSCI SYSTEM_OFF: the exits it gets
are printed), then ``poweroff -f``, which must end the run with status 0.
What the shell answers must be what it answers on QEMU, and the whole
console, kernel log and userspace, must be QEMU's line for line once time
stamps are stripped, except the differences console_compare.py lists with
their reasons.
"""
import os
import re
import selectors
import subprocess
import sys
import time

import pytest

from tests import debian
from tests.system.console_compare import QEMU_ONLY, A64JIT_ONLY, order_differences, console_lines, unexplained

APPEND = "console=ttyAMA0 earlycon rdinit=/init"
PROMPT = b"/ # "


class Console:
    """A booting machine's console: read what it prints, type into it."""

    def __init__(self, cmd):
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.sel = selectors.DefaultSelector()
        self.sel.register(self.p.stdout, selectors.EVENT_READ)
        self.out = b""
        self.seen = 0

    def expect(self, what: bytes, timeout: float) -> bytes:
        """Wait for ``what`` after the previous match; the text before it."""
        end = time.monotonic() + timeout
        while True:
            i = self.out.find(what, self.seen)
            if i >= 0:
                text, self.seen = self.out[self.seen:i], i + len(what)
                return text
            left = end - time.monotonic()
            if left <= 0 or self.p.poll() is not None and not self.sel.select(0):
                tail = self.out[-600:].decode(errors="replace")
                raise AssertionError(f"{what!r} not seen (timeout {timeout} s); console ends with:\n{tail}")
            if self.sel.select(timeout=min(left, 1)):
                chunk = os.read(self.p.stdout.fileno(), 65536)
                if chunk:
                    self.out += chunk.replace(b"\r", b"")

    def type(self, line: str):
        self.p.stdin.write(line.encode() + b"\n")
        self.p.stdin.flush()

    def ask(self, command: str, timeout: float) -> str:
        """Type a command at the prompt; its output (the echoed command line removed)."""
        self.type(command)
        text = self.expect(PROMPT, timeout).decode(errors="replace")
        return text.split("\n", 1)[1] if "\n" in text else ""

    def wait(self, timeout: float) -> int:
        try:
            return self.p.wait(timeout)
        finally:
            if self.p.poll() is None:
                self.p.kill()


def converse(cmd, boot_timeout, answer_timeout):
    c = Console(cmd)
    try:
        c.expect(b"init: userspace is up", boot_timeout)
        c.expect(PROMPT, answer_timeout)
        uname = c.ask("uname -a", answer_timeout).strip()
        features = c.ask("grep -m1 Features /proc/cpuinfo", answer_timeout).strip()
        interrupts = c.ask("cat /proc/interrupts", answer_timeout)
        kvm = c.ask("kvm_test", answer_timeout).strip()
        c.type("poweroff -f")
        status = c.wait(answer_timeout)
    finally:
        if c.p.poll() is None:
            c.p.kill()
    return uname, features, interrupts, kvm, status, c.out


@pytest.mark.slow
def test_busybox_shell_and_a_kvm_guest_as_on_qemu():
    kernel, initrd = debian.kernel(), debian.initramfs()
    args = [kernel, "--initrd", initrd, "--append", APPEND]
    ours = converse([sys.executable, "-m", "a64jit", "boot", *args, "-q"], 1800, 600)
    qemu = converse(["qemu-system-aarch64", "-M", "virt,virtualization=on,gic-version=3", "-cpu", "cortex-a57",
                     "-m", "512", "-nographic", "-kernel", kernel, "-initrd", initrd, "-append", APPEND], 120, 60)
    uname, features, interrupts, kvm, status, out = ours
    assert uname.startswith("Linux (none) 6.") and uname.endswith("aarch64 GNU/Linux"), uname
    assert uname == qemu[0]
    # the FP/AdvSIMD/crypto features the ID registers advertise, as on QEMU's A57
    assert set("fp asimd aes pmull sha1 sha2 crc32 cpuid".split()) <= set(features.split()), features
    assert features == qemu[1]
    assert re.search(r"arch_timer", interrupts) and re.search(r"uart-pl011|pl011", interrupts), interrupts
    # KVM inside the guest's kernel (entered at EL2) runs a guest of its own
    assert kvm.splitlines() == ["kvm_test: API version 12",
                                "kvm_test: exit MMIO write addr=0x10000000 len=8 data=0x42",
                                "kvm_test: exit MMIO read addr=0x10000000 len=8 data=0x0",
                                "kvm_test: exit SYSTEM_EVENT type=1 (shutdown)", "kvm_test: ok"], kvm
    assert kvm == qemu[3]
    assert status == 0 and qemu[4] == 0, out[-500:].decode(errors="replace")
    # the whole conversation, kernel log and userspace, line by line
    ours_lines, qemu_lines = console_lines(out), console_lines(qemu[5])
    assert "Run /init as init process" in ours_lines and "init: userspace is up (6.1.0-57-arm64)" in ours_lines
    assert unexplained(qemu_lines, ours_lines, QEMU_ONLY) == []
    assert unexplained(ours_lines, qemu_lines, A64JIT_ONLY) == []
    assert order_differences(qemu_lines, ours_lines, "Run /init as init process") == []   # userspace: in order


@pytest.mark.slow
def test_two_unattended_boots_are_identical():
    """Determinism: with the default (virtual) clock, two boots of the same
    files to power-off give byte-identical console output, time stamps
    included, and the same instruction count."""
    kernel, initrd = debian.kernel(), debian.initramfs()
    cmd = [sys.executable, "-m", "a64jit", "boot", kernel, "--initrd", initrd, "--append",
           APPEND + " a64jit.script", "--timeout", "1500"]
    runs = [subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=1800) for _ in range(2)]
    for r in runs:
        assert r.returncode == 0, r.stderr[-500:].decode(errors="replace")
        assert b"kvm_test: ok" in r.stdout and b"Run /init as init process" in r.stdout
    assert runs[0].stdout == runs[1].stdout
    counts = [re.search(rb"guest instructions\D*([\d,]+)", r.stderr).group(1) for r in runs]
    assert counts[0] == counts[1], counts
