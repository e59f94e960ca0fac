"""The board's flattened device tree, built and patched with libfdt
(pylibfdt, the Python binding maintained with dtc), never by hand.

``build_dtb`` describes the board as QEMU's ``virt`` does with
``virtualization=on,gic-version=3`` (node names, compatibles, phandles and
interrupt specifiers as QEMU writes them), minus what the board does not
have (flash, PCIe, fw-cfg, GPIO, ITS, PMU).  ``patch_chosen`` fills /chosen
of any tree, the board's or a user's: bootargs, the initrd, multiboot
modules, and seeds only when asked (runs stay deterministic).
"""
from __future__ import annotations

import struct

import libfdt

from . import board as B

FDT_MAGIC = 0xD00DFEED
MAX_DTB_SIZE = 2 << 20               # booting.rst: at most 2 MB
# QEMU's phandle numbering (hw/arm/virt.c starts at 0x8000)
PH_CLK, PH_CPU0, PH_GIC = 0x8000, 0x8001, 0x8002
GIC_SPI, GIC_PPI, IRQ_LEVEL_HIGH = 0, 1, 4


class DtbError(Exception):
    """A device tree that cannot be used (one-line message)."""


def _cells(*values: int) -> bytes:
    return b"".join(struct.pack(">I", v & 0xFFFFFFFF) for v in values)


def _strings(*values: str) -> bytes:
    return b"".join(v.encode() + b"\0" for v in values)


def _reg(addr: int, size: int) -> bytes:
    return _cells(addr >> 32, addr, size >> 32, size)


def build_dtb(ram_size: int) -> bytes:
    """The board's device tree (without /chosen contents: ``patch_chosen``)."""
    sw = libfdt.FdtSw()
    sw.finish_reservemap()
    with sw.add_node(""):
        sw.property_u32("interrupt-parent", PH_GIC)
        sw.property_string("model", "linux,dummy-virt")
        sw.property_u32("#size-cells", 2)
        sw.property_u32("#address-cells", 2)
        sw.property_string("compatible", "linux,dummy-virt")
        with sw.add_node("psci"):
            sw.property_u32("migrate", 0xC4000005)
            sw.property_u32("cpu_on", 0xC4000003)
            sw.property_u32("cpu_off", 0x84000002)
            sw.property_u32("cpu_suspend", 0xC4000001)
            sw.property_string("method", "smc")
            sw.property("compatible", _strings("arm,psci-1.0", "arm,psci-0.2", "arm,psci"))
        with sw.add_node(f"memory@{B.RAM_BASE:x}"):
            sw.property("reg", _reg(B.RAM_BASE, ram_size))
            sw.property_string("device_type", "memory")
        with sw.add_node(f"pl031@{B.RTC_BASE:x}"):
            sw.property("clock-names", _strings("apb_pclk"))
            sw.property_u32("clocks", PH_CLK)
            sw.property("interrupts", _cells(GIC_SPI, B.RTC_INTID - 32, IRQ_LEVEL_HIGH))
            sw.property("reg", _reg(B.RTC_BASE, B.DEV_SIZE))
            sw.property("compatible", _strings("arm,pl031", "arm,primecell"))
        with sw.add_node(f"pl011@{B.UART_BASE:x}"):
            sw.property("clock-names", _strings("uartclk", "apb_pclk"))
            sw.property("clocks", _cells(PH_CLK, PH_CLK))
            sw.property("interrupts", _cells(GIC_SPI, B.UART_INTID - 32, IRQ_LEVEL_HIGH))
            sw.property("reg", _reg(B.UART_BASE, B.DEV_SIZE))
            sw.property("compatible", _strings("arm,pl011", "arm,primecell"))
        with sw.add_node(f"intc@{B.GICD_BASE:x}"):
            sw.property_u32("phandle", PH_GIC)
            sw.property("interrupts", _cells(GIC_PPI, B.GIC_MAINT_INTID - 16, IRQ_LEVEL_HIGH))
            sw.property("reg", _reg(B.GICD_BASE, B.GICD_SIZE) + _reg(B.GICR_BASE, B.GICR_SIZE))
            sw.property_u32("#redistributor-regions", 1)
            sw.property_string("compatible", "arm,gic-v3")
            sw.property("ranges", b"")
            sw.property_u32("#size-cells", 2)
            sw.property_u32("#address-cells", 2)
            sw.property("interrupt-controller", b"")
            sw.property_u32("#interrupt-cells", 3)
        with sw.add_node("cpus"):
            sw.property_u32("#size-cells", 0)
            sw.property_u32("#address-cells", 1)
            with sw.add_node("cpu-map"):
                with sw.add_node("socket0"):
                    with sw.add_node("cluster0"):
                        with sw.add_node("core0"):
                            sw.property_u32("cpu", PH_CPU0)
            with sw.add_node("cpu@0"):
                sw.property_u32("phandle", PH_CPU0)
                sw.property_u32("reg", 0)
                sw.property_string("compatible", "arm,cortex-a57")
                sw.property_string("device_type", "cpu")
        with sw.add_node("timer"):
            # secure EL1 physical (PPI 13), EL1 physical (14), virtual (11), EL2 physical (10)
            sw.property("interrupts", _cells(GIC_PPI, 13, IRQ_LEVEL_HIGH, GIC_PPI, 14, IRQ_LEVEL_HIGH,
                                             GIC_PPI, 11, IRQ_LEVEL_HIGH, GIC_PPI, 10, IRQ_LEVEL_HIGH))
            sw.property("always-on", b"")
            sw.property("compatible", _strings("arm,armv8-timer", "arm,armv7-timer"))
        with sw.add_node("apb-pclk"):
            sw.property_u32("phandle", PH_CLK)
            sw.property_string("clock-output-names", "clk24mhz")
            sw.property_u32("clock-frequency", 24_000_000)
            sw.property_u32("#clock-cells", 0)
            sw.property_string("compatible", "fixed-clock")
        with sw.add_node("chosen"):
            sw.property_string("stdout-path", f"/pl011@{B.UART_BASE:x}")
    return bytes(sw.as_fdt().as_bytearray())


def check_dtb(data: bytes, name: str = "DTB") -> libfdt.Fdt:
    """Parse a device tree (a user's file): DtbError when it is not one."""
    if len(data) < 40 or struct.unpack_from(">I", data, 0)[0] != FDT_MAGIC:
        raise DtbError(f"{name}: not a flattened device tree (bad magic)")
    total = struct.unpack_from(">I", data, 4)[0]
    if total > len(data):
        raise DtbError(f"{name}: truncated device tree ({len(data)} of {total} bytes)")
    try:
        fdt = libfdt.Fdt(bytes(data[:total]))
        fdt.path_offset("/")
    except libfdt.FdtException as e:
        raise DtbError(f"{name}: corrupt device tree ({e})") from None
    return fdt


def patch_chosen(data: bytes, *, bootargs: str | None = None, initrd: tuple[int, int] | None = None,
                 modules: list | None = None, seed: int | None = None, name: str = "DTB") -> bytes:
    """/chosen with the boot parameters: ``bootargs``; ``initrd`` = (start,
    end) as linux,initrd-start/end; ``modules`` = [(addr, size, kind,
    bootargs)] as multiboot module@ADDR nodes (QEMU's guest-loader: kind
    "multiboot,kernel" or "multiboot,ramdisk"); ``seed``: kaslr-seed and
    rng-seed derived from it (none unless asked)."""
    fdt = check_dtb(data, name)
    fdt.resize(fdt.totalsize() + 4096 + sum(len(m[3] or "") + 256 for m in (modules or [])))
    try:
        chosen = fdt.path_offset("/chosen", libfdt.QUIET_NOTFOUND)
        if chosen < 0:
            chosen = fdt.add_subnode(0, "chosen")
        if bootargs is not None:
            fdt.setprop_str(chosen, "bootargs", bootargs)
        if initrd is not None:
            fdt.setprop_u64(chosen, "linux,initrd-start", initrd[0])
            fdt.setprop_u64(chosen, "linux,initrd-end", initrd[1])
        if seed is not None:
            import random
            rnd = random.Random(seed)
            fdt.setprop_u64(chosen, "kaslr-seed", rnd.getrandbits(64))
            fdt.setprop(chosen, "rng-seed", rnd.getrandbits(256).to_bytes(32, "big"))
        if modules:
            fdt.setprop_u32(chosen, "#address-cells", 2)
            fdt.setprop_u32(chosen, "#size-cells", 2)
            for addr, size, kind, margs in modules:
                node = fdt.add_subnode(chosen, f"module@{addr:x}")
                fdt.setprop(node, "compatible", _strings("multiboot,module", kind))
                fdt.setprop(node, "reg", _reg(addr, size))
                if margs:
                    fdt.setprop_str(node, "bootargs", margs)
                chosen = fdt.path_offset("/chosen")        # offsets move as nodes are added
        fdt.pack()
    except libfdt.FdtException as e:
        raise DtbError(f"{name}: cannot patch /chosen ({e})") from None
    out = bytes(fdt.as_bytearray())
    if len(out) > MAX_DTB_SIZE:
        raise DtbError(f"{name}: device tree is {len(out)} bytes, more than the 2 MB booting.rst allows")
    return out
