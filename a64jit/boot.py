"""The boot loader: puts a kernel, an initrd, a device tree and modules into
the board's RAM the way QEMU's ``-kernel``/``-initrd``/``-dtb``/``-device
guest-loader`` do, and sets the entry state of Linux's arm64 boot contract
(Documentation/arch/arm64/booting.rst; platform.md section 1).

Placement (measured on qemu-system-aarch64 -M virt):
- an arm64 Image at RAM + 2 MB + text_offset; a flat binary at RAM + 0x80000;
  an ELF file at its segments' physical addresses, entered at e_entry;
- the initrd at RAM + min(RAM/2, 128 MB), above the kernel, page aligned;
- the DTB after the initrd (or where the initrd would go), 2 MB aligned; for
  an ELF kernel at the start of RAM with x0 = 0, as QEMU does for bare-metal
  ELF images;
- ``--module ADDR:FILE[:ARGS]`` at ADDR, described in /chosen as QEMU's
  guest-loader does (the first module is the kernel, the others ramdisks, for
  Xen's dom0: "multiboot,kernel" / "multiboot,ramdisk").

Entry state: x0 = DTB, x1-x3 = 0, PC = the kernel's first byte (or the ELF
entry), DAIF masked, EL2h (or EL1h with the EL2 state firmware would leave),
MMU and D-cache off, CNTFRQ_EL0 = 62.5 MHz, CNTVOFF_EL2 = 0, ICC_SRE_EL2 with
SRE and Enable, ICH_HCR_EL2.En = 0.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from . import board as B
from .devicetree import build_dtb, patch_chosen, check_dtb, DtbError, MAX_DTB_SIZE
from .runtime.loader import parse_image, read_file, ImageError, Image
from .runtime.sysreg_defs import SCTLR, HCR

DEMO_KERNEL = os.path.join(os.path.dirname(__file__), "samples", "demo.img")
PAGE = 4096


class BootError(Exception):
    """Bad boot input: one line for the user."""


@dataclass
class BootSpec:
    kernel: str | None = None            # None: the shipped demo kernel
    initrd: str | None = None
    append: str | None = None
    dtb: str | None = None
    modules: list = field(default_factory=list)   # [(addr, path, bootargs or None)]
    ram_size: int = B.DEFAULT_RAM
    el: int = 2
    seed: int | None = None
    clock: str = "virtual"


@dataclass
class Layout:
    """Where everything went (the contract checker reads it)."""
    image: Image
    kernel: tuple                        # [lo, hi) physical
    entry: int
    dtb_addr: int
    dtb_size: int
    initrd: tuple | None                 # (start, end) or None
    modules: list                        # [(addr, size, kind)]
    user_dtb: bool
    el: int
    ram: tuple                           # (base, end)


def _align_up(v: int, a: int) -> int:
    return (v + a - 1) & ~(a - 1)


def parse_module(text: str) -> tuple:
    """ADDR:FILE[:BOOTARGS] -> (addr, path, bootargs)."""
    parts = text.split(":", 2)
    if len(parts) < 2:
        raise BootError(f"--module {text!r}: expected ADDR:FILE[:BOOTARGS]")
    try:
        addr = int(parts[0], 0)
    except ValueError:
        raise BootError(f"--module {text!r}: bad address {parts[0]!r}") from None
    return addr, parts[1], parts[2] if len(parts) > 2 else None


def prepare(spec: BootSpec, out=None):
    """A board with everything loaded and the entry state set: (board, layout)."""
    if spec.el not in (1, 2):
        raise BootError(f"--el {spec.el}: the CPU has EL1 and EL2")
    if spec.ram_size < (2 << 20) or spec.ram_size > B.MAX_RAM:
        raise BootError(f"-m: {spec.ram_size >> 20} MiB is outside what the board supports "
                        f"(2 MiB .. {B.MAX_RAM >> 30} GiB)")
    kpath = spec.kernel or DEMO_KERNEL
    try:
        image = parse_image(read_file(kpath), kpath)
    except ImageError as e:
        raise BootError(str(e)) from None
    ram_lo, ram_hi = B.RAM_BASE, B.RAM_BASE + spec.ram_size
    mib = spec.ram_size >> 20
    klo, khi = image.extent(ram_lo)
    if klo < ram_lo or khi > ram_hi:
        raise BootError(f"{kpath}: the kernel ({klo:#x}-{khi:#x}) does not fit in {mib} MiB of RAM at {ram_lo:#x}")

    initrd = None
    if spec.initrd is not None:
        try:
            initrd = read_file(spec.initrd)
        except ImageError as e:
            raise BootError(str(e)) from None
    modules = []
    for addr, path, margs in spec.modules:
        try:
            modules.append((addr, read_file(path), margs, path))
        except ImageError as e:
            raise BootError(str(e)) from None

    # the initrd: RAM + min(RAM/2, 128 MB), above the kernel, page aligned (QEMU)
    istart = _align_up(max(ram_lo + min(spec.ram_size // 2, 128 << 20), khi if image.kind != "ELF" else 0), PAGE)
    irange = None
    if initrd is not None:
        irange = (istart, istart + len(initrd))
        if irange[1] > ram_hi:
            raise BootError(f"{spec.initrd}: the initrd ({len(initrd)} bytes at {istart:#x}) does not fit "
                            f"in {mib} MiB of RAM")
    mod_nodes = []
    for i, (addr, data, margs, path) in enumerate(modules):
        if addr < ram_lo or addr + len(data) > ram_hi:
            raise BootError(f"--module {path}: {addr:#x}+{len(data):#x} is outside RAM")
        for lo, hi, what in ((klo, khi, "the kernel"),) + (((irange[0], irange[1], "the initrd"),) if irange else ()):
            if addr < hi and lo < addr + len(data):
                raise BootError(f"--module {path}: {addr:#x}+{len(data):#x} overlaps {what}")
        mod_nodes.append((addr, len(data), "multiboot,kernel" if i == 0 else "multiboot,ramdisk", margs))

    if spec.dtb is not None:
        try:
            base_dtb = read_file(spec.dtb)
            check_dtb(base_dtb, spec.dtb)
        except (ImageError, DtbError) as e:
            raise BootError(str(e)) from None
    else:
        base_dtb = build_dtb(spec.ram_size)
    try:
        dtb = patch_chosen(base_dtb, bootargs=spec.append, initrd=irange, modules=mod_nodes, seed=spec.seed, name=spec.dtb or "DTB")
    except DtbError as e:
        raise BootError(str(e)) from None
    if image.kind == "ELF":
        dtb_addr = ram_lo                               # QEMU: bare-metal ELF finds the DTB at the start of RAM
        if dtb_addr < khi and klo < dtb_addr + len(dtb):
            dtb_addr = None
    else:
        dtb_addr = _align_up(irange[1] if irange else istart, 2 << 20)
    if dtb_addr is not None and dtb_addr + len(dtb) > ram_hi:
        raise BootError(f"the device tree ({len(dtb)} bytes) does not fit in {mib} MiB of RAM")

    board = B.Board(spec.ram_size, out=out, clock=spec.clock)
    if image.kind == "ELF":
        for addr, body, memsz in image.segments:
            board.load(addr, body)                       # the rest of memsz is RAM's zeroes
        entry = image.entry
    else:
        board.load(klo, image.data)
        entry = klo
    if irange:
        board.load(irange[0], initrd)
    for addr, data, _, _ in modules:
        board.load(addr, data)
    if dtb_addr is not None:
        board.load(dtb_addr, dtb)
    _firmware_state(board, spec.el)
    x0 = dtb_addr if image.kind != "ELF" else 0
    board.enter(entry, el=spec.el, x0=x0 or 0)
    layout = Layout(image, (klo, khi), entry, dtb_addr if dtb_addr is not None else 0, len(dtb), irange,
                    [(a, n, k) for a, n, k, _ in mod_nodes], spec.dtb is not None, spec.el, (ram_lo, ram_hi))
    return board, layout


def _firmware_state(board, el: int) -> None:
    """What firmware leaves in the registers the contract names."""
    sr = board.cpu.sysregs
    sr.set("CNTFRQ_EL0", B.CNTFRQ)
    sr.set("CNTVOFF_EL2", 0)
    sr.set("ICC_SRE_EL2", sr.get("ICC_SRE_EL2") | 0x9)            # SRE (0) and Enable (3)
    sr.set("SCTLR_EL2", sr.get("SCTLR_EL2") & ~(SCTLR.M | SCTLR.C))
    sr.set("SCTLR_EL1", sr.get("SCTLR_EL1") & ~(SCTLR.M | SCTLR.C))
    if el == 1:
        sr.set("HCR_EL2", sr.get("HCR_EL2") | HCR.RW)                # EL1 is AArch64
        sr.set("CNTHCTL_EL2", sr.get("CNTHCTL_EL2") | 3)              # EL1PCTEN, EL1PCEN
        sr.set("ICC_SRE_EL1", sr.get("ICC_SRE_EL1") | 1)
