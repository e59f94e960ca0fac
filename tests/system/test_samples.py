"""The sample kernels (samples/boot/) on a64jit, under both engines, against
qemu-system-aarch64 run in the same test on the same image: the UART output
must be byte-identical.  The captures committed beside each image
(<name>.expected, from QEMU) must agree too, so that a change in QEMU or in
a sample shows up as such."""
import functools
import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BOOT = os.path.join(ROOT, "samples", "boot")
QEMU = ["qemu-system-aarch64", "-M", "virt,virtualization=on,gic-version=3", "-cpu", "cortex-a57", "-m", "512",
        "-nographic", "-kernel"]
#: samples small enough for the interpreter (bench_small is bench at 4 rounds)
SMALL = ["hello", "els", "mmu", "timer", "uart_irq", "vgic", "rtc", "bench_small", "fpu"]
#: the long ones (about 300 million instructions): the JIT only
LONG = ["bench", "demo"]


def image(name):
    return os.path.join(BOOT, name + ".img")


@functools.lru_cache(maxsize=None)
def qemu_output(name) -> bytes:
    assert shutil.which(QEMU[0]), "qemu-system-aarch64 is needed (tests/bootstrap.sh installs it)"
    p = subprocess.run(QEMU + [image(name)], stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return p.stdout.replace(b"\r\n", b"\n")


def a64jit(name, engine):
    p = subprocess.run([sys.executable, "-m", "a64jit", "boot", image(name), "-q", "--engine", engine,
                        "--timeout", "120"], stdin=subprocess.DEVNULL, capture_output=True, timeout=180)
    assert p.returncode == 0, p.stderr.decode()
    return p.stdout


@pytest.mark.parametrize("engine", ["jit", "interp"])
@pytest.mark.parametrize("name", SMALL)
def test_sample_matches_qemu(name, engine):
    ours = a64jit(name, engine)
    assert ours == qemu_output(name)
    assert ours.count(b"\n") >= 4                   # it printed what it observed (not just a banner)


@pytest.mark.parametrize("name", LONG)
def test_long_sample_matches_qemu(name):
    assert a64jit(name, "jit") == qemu_output(name)


@pytest.mark.parametrize("name", SMALL + LONG)
def test_committed_capture_is_current(name):
    with open(os.path.join(BOOT, name + ".expected"), "rb") as fh:
        assert fh.read() == qemu_output(name)


def test_runs_are_deterministic():
    """Same input, same output and the same instruction count (virtual time)."""
    runs = []
    for _ in range(2):
        p = subprocess.run([sys.executable, "-m", "a64jit", "boot", image("timer"), "--engine", "jit"],
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=120, env=dict(os.environ, COLUMNS="200"))
        insns = [ln for ln in p.stderr.decode().splitlines() if "guest instructions" in ln]
        runs.append((p.stdout, insns))
    assert runs[0] == runs[1] and runs[0][1]
