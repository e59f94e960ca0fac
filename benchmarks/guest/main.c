/* Guest main of the benchmark programs: run as a kernel is run, at EL2 with
 * the MMU on.  Entered at EL2 (QEMU virt with virtualization=on, a64jit boot)
 * through samples/boot/start.S; turns on EL2 stage-1 translation (4 KiB
 * granule, 39-bit VA, identity map: RAM Normal write-back, the 2 MiB regions
 * holding this image by 4 KiB pages, the rest of RAM by 2 MiB blocks, the
 * first GiB (the devices) Device-nGnRE), calls bench_run(bench_iters) and
 * prints "<name> iters <n> checksum <hex>", then powers off.
 *
 * bench_iters is the size: benchmarks/hot_code.py patches it in a copy of the
 * image (at the symbol's offset: the image is linked at 0) to choose it. */
#include "lib.h"
#include "bench.h"

volatile u64 bench_iters = 1;

#define RAM_BASE 0x40000000ul
#define RAM_SIZE (512ul << 20)          /* -m 512 (QEMU and a64jit boot's default) */
#define BLOCK (2ul << 20)
#define MAX_L3 4                        /* the image may span up to 4 regions of 2 MiB */

typedef u64 table[512] __attribute__((aligned(4096)));
static table l1, l2, l3[MAX_L3];

/* stage 1 descriptors (EL2 regime): AttrIndx[4:2], AP[7:6] (AP[1] is RES1 at EL2:
 * 01 = read/write), SH[9:8] = inner shareable, AF[10], XN[54] */
#define ATTR_DEVICE 0ul                 /* MAIR_EL2 attr0: Device-nGnRE (0x04) */
#define ATTR_NORMAL 1ul                 /* MAIR_EL2 attr1: Normal, inner/outer write-back RW-allocate (0xff) */
#define D_NORMAL (ATTR_NORMAL << 2 | 1ul << 6 | 3ul << 8 | 1ul << 10)
#define D_DEVICE (ATTR_DEVICE << 2 | 1ul << 6 | 1ul << 10 | 1ul << 54)
#define D_BLOCK 1ul
#define D_TABLE 3ul                     /* a table (levels 1-2) or a page (level 3) */

static void mmu_on_el2(void)
{
    u64 lo = (u64)_start & ~(BLOCK - 1), hi = ((u64)_end + BLOCK - 1) & ~(BLOCK - 1);
    if ((hi - lo) / BLOCK > MAX_L3 || lo < RAM_BASE || hi > RAM_BASE + RAM_SIZE) {
        line("image does not fit the page tables");
        psci_off();
    }
    l1[0] = 0x00000000ul | D_BLOCK | D_DEVICE;          /* 0-1 GiB: devices (a 1 GiB block) */
    l1[1] = (u64)l2 | D_TABLE;                          /* 1-2 GiB: RAM */
    for (u64 i = 0; i < RAM_SIZE / BLOCK; i++) {
        u64 pa = RAM_BASE + i * BLOCK;
        if (pa >= lo && pa < hi) {
            u64 *t = l3[(pa - lo) / BLOCK];
            for (u64 j = 0; j < 512; j++)
                t[j] = (pa + (j << 12)) | D_TABLE | D_NORMAL;
            l2[i] = (u64)t | D_TABLE;
        } else {
            l2[i] = pa | D_BLOCK | D_NORMAL;
        }
    }
    dsb(ish);
    write_sysreg(mair_el2, 0x04ul | 0xfful << 8);
    /* TCR_EL2: T0SZ 25 (39-bit VA: the walk starts at level 1), IRGN0/ORGN0 write-back
     * RW-allocate, SH0 inner, TG0 4 KiB, PS 40 bits, RES1 bits 23 and 31 */
    write_sysreg(tcr_el2, 25ul | 1ul << 8 | 1ul << 10 | 3ul << 12 | 0ul << 14 | 2ul << 16 | 1ul << 23 | 1ul << 31);
    write_sysreg(ttbr0_el2, l1);
    isb();
    __asm__ volatile("tlbi alle2\n dsb nsh\n isb" ::: "memory");
    /* SCTLR_EL2: the RES1 bits (4, 5, 11, 16, 18, 22, 23, 28, 29), M, C, I; A = 0 */
    write_sysreg(sctlr_el2, 0x30c50830ul | 1ul << 0 | 1ul << 2 | 1ul << 12);
    isb();
}

int main(void)
{
    write_sysreg(vbar_el2, vectors_el2);    /* an unexpected exception is reported, not a hang */
    mmu_on_el2();
    if ((read_sysreg(sctlr_el2) & 1) == 0 || current_el() != 2) {
        line("not at EL2 with the MMU on");
        psci_off();
    }
    u64 n = bench_iters;
    u64 sum = bench_run(n);
    puts(bench_name);
    puts(" iters ");
    putdec(n);
    puts(" checksum ");
    puthex(sum);
    putc('\n');
    psci_off();
}
