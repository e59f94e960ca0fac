/* mmu: the EL1&0 stage-1 translation (4K granule, 39-bit VA, identity map)
 * with one unmapped and one read-only page, AT S1E1R/W with PAR_EL1, a remap
 * made visible by TLBI, and stage 2 (HCR_EL2.VM, VTCR_EL2, VTTBR_EL2) with a
 * stage-2 translation fault taken to EL2 (HPFAR_EL2), fixed up and retried. */
#include "lib.h"

#define PG 4096ul
typedef u64 table[512] __attribute__((aligned(4096)));
static table l1, l2, l3, s2l1, s2l2, s2l3;
static u8 pages[5][4096] __attribute__((aligned(4096)));
#define P_UNMAPPED ((u64)pages[0])
#define P_RO       ((u64)pages[1])
#define P_X        ((u64)pages[2])     /* remap test: VA of P_X first maps P_X, then P_Y */
#define P_Y        ((u64)pages[3])
#define P_S2       ((u64)pages[4])     /* no stage-2 mapping at first */

/* stage 1 descriptors: AttrIndx[4:2], AP[7:6], SH[9:8], AF[10] */
#define S1_NORMAL (1ul << 2 | 3ul << 8 | 1ul << 10)
#define S1_DEVICE (0ul << 2 | 1ul << 10)
#define S1_RO     (2ul << 6)
/* stage 2 descriptors: MemAttr[5:2] (0xf Normal WB, 0x1 Device-nGnRE), S2AP[7:6] = RW, SH, AF */
#define S2_NORMAL (0xful << 2 | 3ul << 6 | 3ul << 8 | 1ul << 10)
#define S2_DEVICE (0x1ul << 2 | 3ul << 6 | 1ul << 10)

static u64 base2m;                     /* the 2 MiB region holding this image (mapped by 4K pages) */
static u64 l3_index(u64 a) { return (a - base2m) >> 12; }

static void build_tables(void)
{
    base2m = (u64)_start & ~0x1ffffful;
    l1[0] = 0x00000000ul | 1 | S1_DEVICE;              /* 0-1 GiB: devices, a 1 GiB block */
    l1[1] = (u64)l2 | 3;                               /* 1-2 GiB: RAM */
    s2l1[0] = 0x00000000ul | 1 | S2_DEVICE;
    s2l1[1] = (u64)s2l2 | 3;
    for (u64 i = 0; i < 512; i++) {
        u64 pa = 0x40000000ul + (i << 21);
        l2[i] = pa == base2m ? (u64)l3 | 3 : pa | 1 | S1_NORMAL;
        s2l2[i] = pa == base2m ? (u64)s2l3 | 3 : pa | 1 | S2_NORMAL;
        l3[i] = (base2m + (i << 12)) | 3 | S1_NORMAL;
        s2l3[i] = (base2m + (i << 12)) | 3 | S2_NORMAL;
    }
    l3[l3_index(P_UNMAPPED)] = 0;
    l3[l3_index(P_RO)] |= S1_RO;
    s2l3[l3_index(P_S2)] = 0;
    *(volatile u64 *)(P_X + 8) = 0x1111;
    *(volatile u64 *)(P_Y + 8) = 0x2222;
    *(volatile u64 *)(P_S2 + 8) = 0x5252;
    dsb(sy);
}

static volatile u64 fault_addr;         /* where the faulting access points */

void el1_vector(unsigned vec, struct frame *f)
{
    u64 esr = read_sysreg(esr_el1);
    if (vec != 4 || esr_ec(esr) != 0x25) {
        pr("EL1: unexpected exception, vector", vec);
        pr("  ESR_EL1", esr);
        psci_off();
    }
    puts("EL1 data abort: ESR "); puthex(esr);
    puts(" DFSC "); puthex(esr & 0x3f);
    puts(" WnR "); putdec((esr >> 6) & 1);
    puts(" FAR=addr+"); putdec(read_sysreg(far_el1) - fault_addr);
    putc('\n');
    write_sysreg(elr_el1, read_sysreg(elr_el1) + 4);   /* skip the access */
}

void el2_vector(unsigned vec, struct frame *f)
{
    u64 esr = read_sysreg(esr_el2);
    if (vec != 8 || esr_ec(esr) != 0x24) {
        pr("EL2: unexpected exception, vector", vec);
        pr("  ESR_EL2", esr);
        psci_off();
    }
    /* stage-2 fault on a data access from EL1: EC 0x24, IL, ISV = 1 with SAS = 3 (64-bit),
     * SSE = 0, SRT = 1 (x1), SF = 1, AR = 0, WnR = 0, DFSC = 0x07 (translation fault, level 3):
     * ESR_EL2 0x93c18007.  HPFAR_EL2.FIPA[39:4] = IPA[51:12]; FAR_EL2 = the VA. */
    puts("EL2 stage-2 abort: ESR "); puthex(esr);
    puts(" ISV "); putdec((esr >> 24) & 1);
    puts(" SAS "); putdec((esr >> 22) & 3);
    puts(" SRT x"); putdec((esr >> 16) & 31);
    puts(" DFSC "); puthex(esr & 0x3f);
    putc('\n');
    pryn("  HPFAR_EL2 == IPA >> 12 << 4:", read_sysreg(hpfar_el2) == (P_S2 >> 12) << 4);
    pryn("  FAR_EL2 == VA:", read_sysreg(far_el2) == P_S2 + 8);
    /* map the page at stage 2 and retry the load (ELR_EL2 = the LDR) */
    s2l3[l3_index(P_S2)] = P_S2 | 3 | S2_NORMAL;
    dsb(ishst);
    __asm__ volatile("tlbi vmalls12e1is\n dsb ish\n isb" ::: "memory");
}

static u64 load(u64 a) { u64 v; __asm__ volatile("ldr %0, [%1]" : "=r"(v) : "r"(a) : "memory"); return v; }
static void store(u64 a, u64 v) { __asm__ volatile("str %0, [%1]" :: "r"(v), "r"(a) : "memory"); }
static u64 par_of(u64 va, int write)
{
    if (write)
        __asm__ volatile("at s1e1w, %0" :: "r"(va));
    else
        __asm__ volatile("at s1e1r, %0" :: "r"(va));
    isb();
    return read_sysreg(par_el1);
}

static void mmu_on(void)
{
    write_sysreg(vbar_el1, vectors_el1);
    write_sysreg(mair_el1, 0xff00ul);                  /* attr0 Device-nGnRnE, attr1 Normal WB RA WA */
    /* TCR_EL1: T0SZ 25 (39-bit VA, walk starts at level 1), IRGN0/ORGN0 WB, SH0 inner,
     * TG0 4K, EPD1 (no TTBR1 walks), IPS 36 bits */
    write_sysreg(tcr_el1, 25ul | 1ul << 8 | 1ul << 10 | 3ul << 12 | 1ul << 23 | 1ul << 32);
    write_sysreg(ttbr0_el1, l1);
    isb();
    __asm__ volatile("tlbi vmalle1\n dsb nsh\n isb" ::: "memory");
    write_sysreg(sctlr_el1, 0x30d00800ul | 1 | 1 << 2 | 1 << 12);   /* M, C, I */
    isb();
}

static u64 el1_stage1(u64 arg)
{
    mmu_on();
    pryn("EL1: MMU on (SCTLR_EL1.M):", read_sysreg(sctlr_el1) & 1);
    /* load from the unmapped page: translation fault, level 3: DFSC 0x07, ESR 0x96000007 */
    fault_addr = P_UNMAPPED;
    load(P_UNMAPPED + 0x18);
    /* store to the read-only page: permission fault, level 3: DFSC 0x0f, WnR 1, ESR 0x9600004f */
    fault_addr = P_RO;
    store(P_RO + 0x20, 1);
    pr("EL1: load from the read-only page", load(P_RO + 0x20));    /* 0: the store did not happen */
    /* AT S1E1R on the unmapped page: PAR_EL1.F = 1, FST[6:1] = 0x07, bit 11 RES1: 0x80f */
    pr("EL1: PAR_EL1 after AT S1E1R, unmapped page", par_of(P_UNMAPPED, 0));
    /* AT S1E1W on the read-only page: permission fault, FST 0x0f: 0x81f */
    pr("EL1: PAR_EL1 after AT S1E1W, read-only page", par_of(P_RO, 1));
    /* AT S1E1R on the read-only page: success, F = 0, PA[47:12] = the page */
    u64 par = par_of(P_RO + 0x123, 0);
    pryn("EL1: AT S1E1R, read-only page: PAR.PA is the page:", (par & 0xfffffffff000ul) == P_RO);
    /* ATTR[63:56] 0xff, bit 11 RES1, NS[9] (UNKNOWN for a Non-secure regime: QEMU sets it),
     * SH[8:7] 3: 0xff00000000000b80 */
    pr("EL1: PAR_EL1 attributes (PA bits cleared)", par & ~0xfffffffff000ul);
    /* remap: the VA of P_X points at P_Y after a PTE write, DSB, TLBI VAE1, DSB, ISB */
    pr("EL1: load via P_X before the remap", load(P_X + 8));        /* 0x1111 */
    l3[l3_index(P_X)] = P_Y | 3 | S1_NORMAL;
    dsb(ishst);
    __asm__ volatile("tlbi vae1is, %0\n dsb ish\n isb" :: "r"(P_X >> 12) : "memory");
    pr("EL1: load via P_X after the remap and TLBI", load(P_X + 8)); /* 0x2222 */
    return 0;
}

static u64 el1_stage2(u64 arg)
{
    /* stage 1 still on (identity), stage 2 on: the load of P_S2 faults at stage 2 to EL2, which
     * maps it and returns to the LDR: the retried load reads the page */
    u64 v;
    __asm__ volatile("mov x0, %1\n ldr x1, [x0]\n mov %0, x1" : "=r"(v) : "r"(P_S2 + 8) : "x0", "x1", "memory");
    pr("EL1: load after the stage-2 fault was fixed", v);          /* 0x5252 */
    return 0;
}

int main(void)
{
    line("mmu: stage 1 at EL1, AT, TLBI, stage 2");
    write_sysreg(vbar_el2, vectors_el2);
    write_sysreg(hcr_el2, 1ul << 31);
    build_tables();
    pryn("image within one 2 MiB region:", ((u64)_end - 1 - base2m) < 0x200000);
    run_el1(el1_stage1, 0, SPSR_EL1H_MASKED);
    /* VTCR_EL2: T0SZ 25 (39-bit IPA), SL0 1 (start at level 1), IRGN0/ORGN0 WB, SH0 inner,
     * TG0 4K, PS 40 bits; VTTBR_EL2: VMID 0, the level-1 table.  PS must not be smaller than
     * the IPA size (CONSTRAINED UNPREDICTABLE: QEMU faults every access at the start level
     * when PS = 36 bits with a 39-bit IPA) */
    write_sysreg(vtcr_el2, 25ul | 1ul << 6 | 1ul << 8 | 1ul << 10 | 3ul << 12 | 2ul << 16 | 1ul << 31);
    write_sysreg(vttbr_el2, s2l1);
    write_sysreg(hcr_el2, 1ul << 31 | 1);              /* RW | VM */
    isb();
    __asm__ volatile("tlbi vmalls12e1\n dsb nsh\n isb" ::: "memory");
    run_el1(el1_stage2, 0, SPSR_EL1H_MASKED);
    write_sysreg(hcr_el2, 1ul << 31);
    isb();
    line("mmu: done");
    return 0;
}
