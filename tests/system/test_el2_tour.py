"""A guest that tours EL2 (vectors, HCR_EL2 traps, EL1, HVC/SMC/WFI/SVC, a
virtual IRQ) prints the syndromes it recorded: the values the architecture
defines, the same on both engines and on qemu-system-aarch64."""
import os
import shutil
import subprocess
import sys

import pytest

from tests.asm import asm

HERE = os.path.dirname(__file__)
EXPECTED = [
    0x5A000011,            # HVC #0x11 from EL1: EC 0x16, IL, imm16
    0x5E000022,            # SMC #0x22 trapped by HCR_EL2.TSC: EC 0x17
    0x07E00000,            # WFI trapped by HCR_EL2.TWI: EC 0x01, CV = 1, COND = 0xE, TI = 0
    0x56000033,            # SVC #0x33 at EL1: EC 0x15
    0x5A000001,            # HVC #1
    None,                  # ELR_EL1 of the virtual IRQ: the instruction after MSR DAIFClr (offset checked below)
    0x80,                  # ISR_EL1 in the handler: I pending (the virtual IRQ)
    0x3C5 & ~0x80 | 0x0,   # SPSR_EL1: EL1h, D A F masked, I clear (it was just unmasked)
    0x5A000002,            # HVC #2 (clear VI)
    0x0,                   # ISR_EL1 afterwards: nothing pending
    0x5A000003,            # HVC #3
    0x8,                   # CurrentEL in the finish: EL2
]


@pytest.fixture(scope="module")
def image(tmp_path_factory):
    src = open(os.path.join(HERE, "el2_tour.S")).read()
    f = tmp_path_factory.mktemp("img") / "el2_tour.bin"
    f.write_bytes(asm(src))
    return f


def a64jit(image, engine):
    p = subprocess.run([sys.executable, "-m", "a64jit", "run", "-q", "--engine", engine, "--no-cache", str(image)],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    return p.stdout


@pytest.mark.parametrize("engine", ["interp", "jit"])
def test_syndromes_are_the_architectures(image, engine):
    lines = a64jit(image, engine).split()
    values = [int(v, 16) for v in lines]
    assert len(values) == len(EXPECTED)
    src = asm(open(os.path.join(HERE, "el2_tour.S")).read())
    irq_return = values[5]
    assert src[irq_return:irq_return + 4] == asm("nop")          # ELR = the NOP after MSR DAIFClr
    assert [v for v, e in zip(values, EXPECTED) if e is not None] == [e for e in EXPECTED if e is not None]


def test_same_output_as_qemu(image):
    qemu = shutil.which("qemu-system-aarch64")
    assert qemu, "qemu-system-aarch64 missing: tests/bootstrap.sh installs qemu-system-arm"
    p = subprocess.run([qemu, "-M", "virt,virtualization=on,gic-version=3", "-cpu", "cortex-a57", "-m", "64",
                        "-nographic", "-no-reboot", "-kernel", str(image)], capture_output=True, timeout=60,
                       stdin=subprocess.DEVNULL)
    assert p.stdout.decode().replace("\r", "") == a64jit(image, "jit") == a64jit(image, "interp")
