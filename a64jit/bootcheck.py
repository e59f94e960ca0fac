"""The boot-contract checker: every rule of Linux's arm64 booting.rst (and
platform.md section 1) verified against the machine as it stands at the
first instruction.  ``check_boot`` returns one verdict per rule; a64jit
sets up what it owns itself, so a failure there is an a64jit bug, while a
violation that comes from the user's input (their DTB, an initrd that does
not fit the layout, an Image header) is a warning naming the rule.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass

import libfdt

from .devicetree import FDT_MAGIC, MAX_DTB_SIZE
from .runtime.sysreg_defs import SCTLR, HCR, CNTFRQ_VALUE

OK, WARN, FAIL, NA = "ok", "warning", "FAIL", "n/a"


@dataclass
class Verdict:
    rule: str
    status: str
    detail: str

    def line(self) -> str:
        return f"boot-check {self.status:>7}: {self.rule}: {self.detail}"


def _overlap(a, b) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def check_boot(board, layout) -> list[Verdict]:
    v: list[Verdict] = []
    cpu, s, sr = board.cpu, board.cpu.state, board.cpu.sysregs
    img = layout.image
    ram = layout.ram
    user = WARN                          # what the user's input controls
    add = lambda rule, ok, detail, bad=FAIL: v.append(Verdict(rule, OK if ok else bad, detail))

    # -- the kernel image ------------------------------------------------------------
    if img.kind == "Image":
        base = layout.kernel[0] - img.text_offset
        add("Image placed at a 2 MB aligned base + text_offset", base & ((2 << 20) - 1) == 0,
            f"base {base:#x}, text_offset {img.text_offset:#x}")
        add("Image header: little-endian", not img.flags & 1, f"flags {img.flags:#x}", user)
        page = img.flags >> 1 & 3
        add("Image header: kernel page size supported (4K, 64K)", page in (0, 1, 3),
            {0: "unspecified", 1: "4K", 2: "16K (not implemented)", 3: "64K"}[page], user)
        add("image_size bytes free in RAM from the kernel's start", layout.kernel[1] <= ram[1],
            f"{layout.kernel[0]:#x}-{layout.kernel[1]:#x} in RAM {ram[0]:#x}-{ram[1]:#x}")
    else:
        v.append(Verdict("arm64 Image header", NA, f"{img.kind} kernel: loaded as QEMU loads one"))
    add("kernel inside RAM", ram[0] <= layout.kernel[0] and layout.kernel[1] <= ram[1],
        f"{layout.kernel[0]:#x}-{layout.kernel[1]:#x}")
    add("PC at the kernel's entry", s.pc == layout.entry, f"pc {s.pc:#x}")

    # -- the device tree --------------------------------------------------------------
    d, n = layout.dtb_addr, layout.dtb_size
    drange = (d, d + n)
    if img.kind == "ELF":
        add("x0 = 0 for a bare-metal ELF kernel (QEMU's convention; DTB at the start of RAM)", s.x[0] == 0,
            f"x0 {s.x[0]:#x}")
    else:
        add("x0 = the DTB's physical address", s.x[0] == d, f"x0 {s.x[0]:#x}, DTB at {d:#x}")
    add("DTB on an 8-byte boundary", d % 8 == 0, f"{d:#x}")
    add("DTB at most 2 MB", n <= MAX_DTB_SIZE, f"{n} bytes", user if layout.user_dtb else FAIL)
    add("DTB inside RAM", ram[0] <= d and d + n <= ram[1], f"{d:#x}-{d + n:#x}")
    add("DTB does not overlap the kernel image", not _overlap(drange, layout.kernel),
        f"DTB {d:#x}-{d + n:#x}, kernel {layout.kernel[0]:#x}-{layout.kernel[1]:#x}")
    blob = bytes(board.mem.read_bytes(d, n)) if n else b""
    valid = len(blob) >= 40 and struct.unpack_from(">I", blob, 0)[0] == FDT_MAGIC
    add("DTB in memory is a valid flattened device tree", valid, "magic 0xd00dfeed" if valid else "bad magic")
    fdt = None
    if valid:
        try:
            fdt = libfdt.Fdt(blob)
        except libfdt.FdtException as e:
            add("DTB parses", False, str(e), user if layout.user_dtb else FAIL)
    if fdt is not None:
        mem_ok = False
        off = fdt.first_subnode(0, libfdt.QUIET_NOTFOUND)
        while off >= 0:
            name = fdt.get_name(off)
            if name.startswith("memory"):
                reg = fdt.getprop(off, "reg", libfdt.QUIET_NOTFOUND)
                if not isinstance(reg, int) and len(reg) >= 16:
                    base, size = struct.unpack(">QQ", bytes(reg)[:16])
                    mem_ok = mem_ok or (base <= ram[0] and ram[1] <= base + size) or (ram[0] <= base and base + size <= ram[1])
            off = fdt.next_subnode(off, libfdt.QUIET_NOTFOUND)
        add("DTB /memory describes RAM", mem_ok, f"RAM {ram[0]:#x}-{ram[1]:#x}", user if layout.user_dtb else FAIL)
        chosen = fdt.path_offset("/chosen", libfdt.QUIET_NOTFOUND)
        if layout.initrd is not None:
            got = None
            if chosen >= 0:
                try:
                    st = fdt.getprop(chosen, "linux,initrd-start").as_uint64()
                    en = fdt.getprop(chosen, "linux,initrd-end").as_uint64()
                    got = (st, en)
                except libfdt.FdtException:
                    pass
            add("/chosen linux,initrd-start/end describe the initrd", got == tuple(layout.initrd),
                f"{got} vs {layout.initrd}")

    # -- the initrd -------------------------------------------------------------------------
    if layout.initrd is not None:
        ir = layout.initrd
        add("initrd inside RAM", ram[0] <= ir[0] and ir[1] <= ram[1], f"{ir[0]:#x}-{ir[1]:#x}", user)
        add("initrd does not overlap the kernel or the DTB",
            not _overlap(ir, layout.kernel) and not _overlap(ir, drange), f"{ir[0]:#x}-{ir[1]:#x}", user)
    for addr, size, kind in layout.modules:
        add(f"module {addr:#x} ({kind}) does not overlap the DTB", not _overlap((addr, addr + size), drange),
            f"{addr:#x}-{addr + size:#x}", user)

    # -- registers and PSTATE --------------------------------------------------------------------
    add("x1 = x2 = x3 = 0 (reserved)", s.x[1] == s.x[2] == s.x[3] == 0,
        f"x1 {s.x[1]:#x} x2 {s.x[2]:#x} x3 {s.x[3]:#x}")
    add("PSTATE.DAIF all masked", s.daif == 0x3C0, f"DAIF {s.daif:#x}")
    add("entered at EL2 or EL1 (EL2 recommended)", s.el in (1, 2) and s.el == layout.el, f"EL{s.el}")
    add("PSTATE.SPSel = 1 (ELxh)", s.spsel == 1, f"SPSel {s.spsel}")
    add("not in the Illegal Execution state", not s.il, f"IL {s.il}")
    sctlr = sr.get(f"SCTLR_EL{s.el}")
    add(f"MMU off (SCTLR_EL{s.el}.M = 0)", not sctlr & SCTLR.M, f"SCTLR_EL{s.el} {sctlr:#x}")
    add(f"D-cache off (SCTLR_EL{s.el}.C = 0)", not sctlr & SCTLR.C, f"SCTLR_EL{s.el} {sctlr:#x}")
    if s.el == 1:
        add("MMU off at EL2 too (SCTLR_EL2.M = 0)", not sr.get("SCTLR_EL2") & SCTLR.M, f"{sr.get('SCTLR_EL2'):#x}")
        add("EL1 is AArch64 (HCR_EL2.RW = 1)", bool(sr.get("HCR_EL2") & HCR.RW), f"HCR_EL2 {sr.get('HCR_EL2'):#x}")
        add("CNTHCTL_EL2.EL1PCTEN set (entering at EL1)", bool(sr.get("CNTHCTL_EL2") & 1),
            f"CNTHCTL_EL2 {sr.get('CNTHCTL_EL2'):#x}")
        add("ICC_SRE_EL1.SRE set (GICv3 system registers at EL1)", bool(sr.get("ICC_SRE_EL1") & 1),
            f"ICC_SRE_EL1 {sr.get('ICC_SRE_EL1'):#x}")

    # -- timer and GIC ----------------------------------------------------------------------------
    add("CNTFRQ_EL0 programmed with the timer frequency", sr.get("CNTFRQ_EL0") == CNTFRQ_VALUE,
        f"{sr.get('CNTFRQ_EL0')} Hz")
    add("CNTVOFF_EL2 = 0 (consistent across CPUs)", sr.get("CNTVOFF_EL2") == 0, f"{sr.get('CNTVOFF_EL2'):#x}")
    sre2 = sr.get("ICC_SRE_EL2")
    add("ICC_SRE_EL2.SRE and .Enable set (GICv3 in v3 mode)", sre2 & 0x9 == 0x9, f"ICC_SRE_EL2 {sre2:#x}")
    ich_hcr = board.gic.sysreg_read("ICH_HCR_EL2", 0, 31)
    add("ICH_HCR_EL2.En = 0", not ich_hcr & 1, f"ICH_HCR_EL2 {ich_hcr:#x}")
    return v
