/* vgic: virtual interrupts through the GICv3 list registers.
 * EL2 enables the virtual CPU interface (ICH_HCR_EL2.En), routes physical IRQs
 * and FIQs to itself (HCR_EL2.IMO | FMO: EL1's ICC_* accesses then reach the
 * ICV_* registers), writes pending group-1 vINTIDs into ICH_LR<n>_EL2 and drops
 * to EL1, which takes them as IRQs, acknowledges through ICC_IAR1_EL1 (ICV_IAR1)
 * and EOIs.  Maintenance interrupts (PPI 9 = INTID 25) reach EL2: an LR with
 * its EOI bit set, then the underflow condition (ICH_HCR_EL2.UIE). */
#include "lib.h"

/* ICH_LR<n>_EL2: State[63:62] (1 pending), HW[61] = 0, Group[60], Priority[55:48],
 * EOI[41] (maintenance interrupt on EOI, when HW = 0), vINTID[31:0] */
#define LR_PENDING (1ul << 62)
#define LR_GROUP1  (1ul << 60)
#define LR_EOI     (1ul << 41)
#define LR(vintid, prio, extra) (LR_PENDING | LR_GROUP1 | (u64)(prio) << 48 | (extra) | (vintid))

static volatile int nvirq, nmaint;
static volatile u64 vorder[8];

void el1_vector(unsigned vec, struct frame *f)
{
    if (vec != 5) {
        pr("EL1: unexpected vector", vec);
        psci_off();
    }
    u64 iar = gic_ack(), id = iar & 0xffffff;          /* ICV_IAR1_EL1 */
    prd("EL1 virtual IRQ: vINTID", id);
    /* ICV_RPR_EL1: the running priority is the acknowledged interrupt's */
    pr("  ICV_RPR_EL1", read_sysreg(ICC_RPR_EL1));
    vorder[nvirq] = id;
    nvirq = nvirq + 1;
    gic_eoi(iar);                                      /* ICV_EOIR1_EL1: no output after this */
}

void el2_vector(unsigned vec, struct frame *f)
{
    if (vec != 9) {
        pr("EL2: unexpected vector", vec);
        pr("  ESR_EL2", read_sysreg(esr_el2));
        psci_off();
    }
    u64 iar = gic_ack(), id = iar & 0xffffff;          /* physical ICC_IAR1_EL1 */
    prd("EL2 IRQ (maintenance): INTID", id);           /* 25 */
    u64 misr = read_sysreg(ICH_MISR_EL2), eisr = read_sysreg(ICH_EISR_EL2);
    pr("  ICH_MISR_EL2", misr);
    pr("  ICH_EISR_EL2", eisr);
    pr("  ICH_ELRSR_EL2", read_sysreg(ICH_ELRSR_EL2));
    if (misr & 2)                                      /* U: underflow; remove the condition */
        write_sysreg(ICH_HCR_EL2, read_sysreg(ICH_HCR_EL2) & ~2ul);
    if (eisr & 1)                                      /* LR0 done: free it (clears EISR bit 0) */
        write_sysreg(ICH_LR0_EL2, 0);
    isb();
    gic_eoi(iar);
    nmaint = nmaint + 1;
}

static u64 el1_guest(u64 phase)
{
    write_sysreg(vbar_el1, vectors_el1);
    write_sysreg(S3_0_C4_C6_0, 0xff);                  /* ICV_PMR_EL1 */
    write_sysreg(S3_0_C12_C12_7, 1);                   /* ICV_IGRPEN1_EL1 */
    isb();
    if (phase == 1) {
        irq_enable();
        if (!wait_flag(&nvirq, 2, TICKS_1S, 0))
            line("EL1: FAIL: virtual IRQs not taken");
        irq_disable();
        puts("EL1: vINTIDs in the order taken:");    /* 50 (priority 0x40) before 42 (0xa0) */
        for (int i = 0; i < nvirq; i++) {
            putc(' ');
            putdec(vorder[i]);
        }
        putc('\n');
        prd("EL1: ICV_IAR1_EL1 with nothing pending", read_sysreg(S3_0_C12_C12_0) & 0xffffff);   /* 1023 */
    } else {
        /* phase 2: one vIRQ whose EOI raises a maintenance interrupt; phase 3: underflow */
        int want = phase == 2 ? 3 : 2;
        irq_enable();
        if (phase == 2 && !wait_flag(&nvirq, want, TICKS_1S, 0))
            line("EL1: FAIL: virtual IRQ not taken");
        if (!wait_flag(&nmaint, phase - 1, TICKS_1S, 0))
            line("EL1: FAIL: no maintenance interrupt at EL2");
        irq_disable();
    }
    return 0;
}

int main(void)
{
    line("vgic: GICv3 virtual CPU interface");
    write_sysreg(vbar_el2, vectors_el2);
    gic_init();
    gic_enable_ppi(INTID_MAINT, 0x80);
    /* ICH_VTR_EL2: PRIbits-1 [31:29] = 4, PREbits-1 [28:26] = 4 (5 bits each), IDbits [25:23] = 1
     * (24-bit vINTIDs), SEIS [22] = 0, A3V [21] = 1, nV4 [20] = 1 (no direct vLPI injection),
     * TDS [19] = 1, ListRegs [4:0] = 3 (4 LRs): QEMU 7.2 reads 0x90b80003 */
    pr("EL2: ICH_VTR_EL2", read_sysreg(ICH_VTR_EL2));
    write_sysreg(hcr_el2, 1ul << 31 | 1 << 4 | 1 << 3);   /* RW | IMO | FMO */
    /* ICH_VMCR_EL2: VPMR[31:24] = 0xff, VENG1[1] = 1 */
    write_sysreg(ICH_VMCR_EL2, 0xfful << 24 | 2);
    write_sysreg(ICH_HCR_EL2, 1);                      /* En */
    write_sysreg(ICH_LR0_EL2, LR(42, 0xa0, 0));
    write_sysreg(ICH_LR1_EL2, LR(50, 0x40, 0));
    isb();
    pr("EL2: ICH_LR0_EL2", read_sysreg(ICH_LR0_EL2));  /* 0x50a000000000002a */
    /* ELRSR: bit n = LR n has no valid interrupt (state 0 and, for HW = 0, no EOI bit): 0xc */
    pr("EL2: ICH_ELRSR_EL2 before", read_sysreg(ICH_ELRSR_EL2));
    run_el1(el1_guest, 1, SPSR_EL1H_MASKED);
    /* after both EOIs: all four LRs empty (0xf), no EOI maintenance requested (EISR 0, MISR 0);
     * an LR keeps its vINTID, priority and group with State = 0 (invalid) */
    pr("EL2: ICH_ELRSR_EL2 after", read_sysreg(ICH_ELRSR_EL2));
    pr("EL2: ICH_EISR_EL2 after", read_sysreg(ICH_EISR_EL2));
    pr("EL2: ICH_MISR_EL2 after", read_sysreg(ICH_MISR_EL2));
    pr("EL2: ICH_LR0_EL2 after", read_sysreg(ICH_LR0_EL2));    /* 0x10a000000000002a */
    write_sysreg(ICH_LR0_EL2, 0);
    write_sysreg(ICH_LR1_EL2, 0);
    /* phase 2: LR0 with the EOI bit: the guest's EOI of vINTID 60 sets EISR bit 0 and MISR.EOI
     * (bit 0): maintenance interrupt INTID 25 to EL2 (IMO), with ICH_EISR_EL2 = 0x1, MISR = 0x1,
     * ELRSR = 0xe (LR0 still holds the EOI request until EL2 clears it) */
    write_sysreg(ICH_LR0_EL2, LR(60, 0x80, LR_EOI));
    isb();
    run_el1(el1_guest, 2, SPSR_EL1H_MASKED);
    /* phase 3: ICH_HCR_EL2.UIE with no valid LR: underflow, MISR.U (bit 1): maintenance interrupt */
    write_sysreg(ICH_HCR_EL2, 1 | 2);
    isb();
    run_el1(el1_guest, 3, SPSR_EL1H_MASKED);
    prd("EL2: maintenance interrupts taken", nmaint);  /* 2 */
    pr("EL2: ICH_MISR_EL2 at the end", read_sysreg(ICH_MISR_EL2));  /* 0 */
    write_sysreg(ICH_HCR_EL2, 0);
    line("vgic: done");
    return 0;
}
