"""Debian's stock arm64 kernel, entered at EL2 by ``a64jit boot``, beside
qemu-system-aarch64 on the same file (slow: minutes).

The kernel comes from tests/debian.py (apt-get download, cached).  Both
boot with ``console=ttyAMA0 earlycon`` and no root file system; each run is
read line by line and stopped once it prints the furthest milestone this
test asks for.  The milestones must appear in order, and every console
line up to there must be the same on both, once the time stamps are gone,
except the differences listed with their reasons in console_compare.py
(docs/boot.md keeps the same list).
"""
import os
import selectors
import signal
import subprocess
import sys
import time

import pytest

from tests import debian
from tests.system.console_compare import QEMU_ONLY, A64JIT_ONLY, STAMP, unexplained

APPEND = "console=ttyAMA0 earlycon"
MILESTONES = [
    "Booting Linux on physical CPU 0x0000000000 [0x411fd070]",
    "GICv3: 224 SPIs implemented",
    "arch_timer: cp15 timer(s) running at 62.50MHz (phys).",
    "CPU: All CPU(s) started at EL2",
    "kvm [1]: Hyp mode initialized successfully",
    "rtc-pl031 9010000.pl031: registered as rtc0",
    # the end of a boot with no root file system, on QEMU too
    "Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)",
]


def _read_until(cmd, stop: str, timeout: float) -> list[str]:
    """Console lines (stamps stripped) of ``cmd`` until one equal to ``stop``."""
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    lines, buf = [], b""
    sel = selectors.DefaultSelector()
    sel.register(p.stdout, selectors.EVENT_READ)
    end = time.monotonic() + timeout
    try:
        while time.monotonic() < end:
            if not sel.select(timeout=1):
                if p.poll() is not None:
                    break
                continue
            chunk = os.read(p.stdout.fileno(), 65536)
            if not chunk:
                break
            buf += chunk
            *done, buf = buf.split(b"\n")
            for raw in done:
                line = STAMP.sub(b"", raw.rstrip(b"\r")).decode(errors="replace")
                lines.append(line)
                if line == stop:
                    return lines
    finally:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
    return lines


@pytest.mark.slow
def test_debian_kernel_milestones_beside_qemu():
    kernel = debian.kernel()
    target = MILESTONES[-1]
    ours = _read_until([sys.executable, "-m", "a64jit", "boot", kernel, "--append", APPEND, "-q"], target, 1500)
    qemu = _read_until(["qemu-system-aarch64", "-M", "virt,virtualization=on,gic-version=3", "-cpu", "cortex-a57",
                        "-m", "512", "-nographic", "-kernel", kernel, "-append", APPEND], target, 120)
    assert qemu and qemu[-1] == target, "QEMU did not get there: " + "\n".join(qemu[-5:])
    assert ours[0] == MILESTONES[0]
    reached = [m for m in MILESTONES if m in ours]
    assert reached == MILESTONES, f"furthest milestone: {reached[-1] if reached else None}; last lines:\n" + \
        "\n".join(ours[-10:])
    assert [ours.index(m) for m in MILESTONES] == sorted(ours.index(m) for m in MILESTONES)
    assert unexplained(qemu, ours, QEMU_ONLY) == []
    assert unexplained(ours, qemu, A64JIT_ONLY) == []
