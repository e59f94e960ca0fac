/* hello: the state the arm64 boot contract promises at the first instruction,
 * as seen by the kernel.  Entered by QEMU (virt, virtualization=on) at EL2. */
#include "lib.h"

static u32 be32(const volatile u8 *p) { return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3]; }

int main(u64 x0, u64 x1, u64 x2, u64 x3)
{
    line("hello: a64jit sample kernel");
    /* CurrentEL[3:2] = 2: QEMU enters an Image at EL2 when virtualization=on (booting.rst: EL2 recommended). */
    prd("CurrentEL", current_el());
    /* x0 = DTB physical address, 8-byte aligned, FDT header magic 0xd00dfeed (big-endian). */
    pryn("x0 8-byte aligned:", (x0 & 7) == 0);
    pryn("x0 in RAM (0x40000000..0x60000000):", x0 >= 0x40000000ul && x0 < 0x60000000ul);
    u32 magic = (x0 && (x0 & 3) == 0) ? be32((const volatile u8 *)x0) : 0;
    pr("DTB magic", magic);                                     /* 0xd00dfeed */
    pryn("x1 x2 x3 zero:", x1 == 0 && x2 == 0 && x3 == 0);
    /* DAIF bits 9:6 all set: 0x3c0 (booting.rst: all of PSTATE.DAIF masked). */
    pr("DAIF", read_sysreg(daif));
    u64 sctlr = read_sysreg(sctlr_el2);
    pryn("SCTLR_EL2.M (MMU) on:", sctlr & 1);                   /* no */
    pryn("SCTLR_EL2.C (D-cache) on:", (sctlr >> 2) & 1);        /* no */
    /* SPSel: the kernel runs on SP_EL2 (1). */
    prd("SPSel", read_sysreg(spsel));
    pr("MIDR_EL1", read_sysreg(midr_el1));                      /* Cortex-A57 r1p0: 0x411fd070 */
    pr("MPIDR_EL1", read_sysreg(mpidr_el1));                    /* bit 31 RES1, uniprocessor bit 30 = 0, Aff0 = 0: 0x80000000 */
    /* CNTFRQ_EL0: programmed by the firmware (booting.rst); QEMU: 62.5 MHz. */
    prd("CNTFRQ_EL0", read_sysreg(cntfrq_el0));
    /* Image header seen in memory at the load address */
    pr("Image magic", *(volatile u32 *)(_start + 0x38));        /* 0x644d5241 "ARM\x64" */
    pr("Image flags", *(volatile u64 *)(_start + 0x18));        /* 0xa */
    pryn("load address 2 MiB aligned:", ((u64)_start & 0x1fffff) == 0);
    line("bye");
    return 0;
}
