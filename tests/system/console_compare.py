"""Comparing a64jit's console with qemu-system-aarch64's on the same files
(Debian's kernel, with and without the busybox initramfs): time stamps
stripped, figures that depend on time or memory layout compared without
their numbers, and every line only one of them prints listed here with its
reason (docs/boot.md keeps the same lists)."""
import difflib
import re

#: lines only QEMU prints, and why
QEMU_ONLY = [
    (r"random: crng init done", "QEMU passes /chosen rng-seed; a64jit passes no seed unless --seed"),
    (r"CPU features: detected: Spectre-v2", "a64jit advertises ID_AA64PFR0_EL1.CSV2 = 1 (no branch predictor to attack)"),
    (r"CPU features: (kernel page table isolation forced ON by KASLR|detected: Kernel page table isolation)",
     "no kaslr-seed, so no KASLR, so KPTI is not forced (and CSV3 = 1)"),
    (r"KASLR enabled|Kernel Offset: 0x|PHYS_OFFSET: ", "no kaslr-seed (runs stay deterministic)"),
    (r"ITS|LPI|MSI: |MSI domain", "the board has no GIC ITS"),
    (r"CPU features: detected: 32-bit EL[01] Support", "AArch32 is not implemented"),
    (r"hw perfevents|GICv3 +23 Level +arm-pmu", "no PMU (ID_AA64DFR0_EL1.PMUVer = 0): no PMU interrupt either"),
    (r"pl061|gpio|pci|PCI|virtio|fw_cfg|fw-cfg|cfi|physmap", "devices the board does not have"),
]
#: lines only a64jit prints, and why
A64JIT_ONLY = [
    (r"KASLR disabled due to lack of seed|Kernel Offset: disabled", "no kaslr-seed"),
]
#: lines whose figures depend on the layout of memory, on KPTI or on time: compared without their numbers.
#: (/proc/interrupts rows: the counts depend on time, and the Linux IRQ numbers on which devices exist.)
FIGURES = re.compile(r"^(NUMA: NODE_DATA|Memory: |node 0 deferred pages|ASID allocator|rtc-pl031 .*setting system "
                     r"clock|audit: |Calibrating delay|sched_clock|clocksource: |Freeing |printk: console|CPU features: 0x"
                     r"| *(\d+|IPI\d|Err):  )")
STAMP = re.compile(rb"^\[ *\d+\.\d+\] ")
#: busybox's line editor asks the terminal for the cursor position (ESC [6n) at a prompt only when no typed
#: input is waiting yet: whether it does depends on when the typed line arrives, so it is not compared
ASK_CURSOR = "\x1b[6n"


def norm(line: str) -> str:
    line = line.replace(ASK_CURSOR, "")
    return re.sub(r"0x[0-9a-f]+|\d+", "#", line) if FIGURES.match(line) else line


def console_lines(out: bytes) -> list[str]:
    """A console capture as its complete lines, carriage returns and time
    stamps stripped.  (A last line with no end is left out: the prompt at
    which ``poweroff -f`` was typed, whose end the power-off may cut while
    the kernel still drains its UART buffer.)"""
    *done, _ = out.replace(b"\r", b"").split(b"\n")
    return [STAMP.sub(b"", raw).decode(errors="replace") for raw in done]


def unexplained(lines, others, allowed):
    """Lines of ``lines`` that ``others`` does not print and no reason in ``allowed`` explains."""
    other = {norm(x) for x in others}
    return [x for x in lines if norm(x) not in other and not any(re.search(p, x) for p, _ in allowed)]


#: lines both print whose place among the others depends on scheduling, and why
MOVES = [
    (r"^audit: type=2000 ", "printed by the kauditd thread when it first runs, which depends on scheduling"),
]


def order_differences(lines, others, start: str) -> list[str]:
    """From the line ``start`` on, the lines both print, in order, where the
    two orders differ (lines of MOVES aside): a unified diff, empty when the
    orders agree.  (Not the kernel's log before userspace: its asynchronous
    work, the initramfs unpacking, deferred probes, prints where the host's
    timing puts it on QEMU, which is not deterministic; a64jit is.)"""
    lines, others = lines[lines.index(start):], others[others.index(start):]
    a_set, b_set = {norm(x) for x in lines}, {norm(x) for x in others}

    def seq(xs, other):
        return [norm(x) for x in xs if norm(x) in other and not any(re.search(p, x) for p, _ in MOVES)]
    return [d for d in difflib.unified_diff(seq(lines, b_set), seq(others, a_set), lineterm="", n=1)]
