/* timer: the generic timers through the GICv3.
 *  - EL1 physical timer (CNTP_*, PPI 14 = INTID 30) and virtual timer (CNTV_*, PPI 11 = INTID 27)
 *    taken as IRQs at EL1 (HCR_EL2.IMO = 0: physical interrupts go to EL1);
 *  - SGIs sent with ICC_SGI1R_EL1 while masked, taken in priority order;
 *  - the EL2 physical timer (CNTHP_*, PPI 10 = INTID 26) taken at EL2 from EL1 with HCR_EL2.IMO = 1;
 *  - CNTVOFF_EL2: CNTVCT_EL0 = CNTPCT_EL0 - CNTVOFF_EL2.
 * Only INTIDs, orders and yes/no facts are printed (no counter values). */
#include "lib.h"

static volatile int nirq;
static volatile u64 order[8];

static void timer_irq(const char *name, u64 ctl)
{
    /* CNTx_CTL: ENABLE (bit 0) = 1, IMASK (bit 1) = 0, ISTATUS (bit 2) = 1: the condition is met */
    puts("  "); puts(name); puts("_CTL "); puthex(ctl); puts(" ISTATUS "); putdec((ctl >> 2) & 1); putc('\n');
}

void el1_vector(unsigned vec, struct frame *f)
{
    if (vec != 5) {             /* 5: IRQ, current EL with SPx */
        pr("EL1: unexpected vector", vec);
        pr("  ESR_EL1", read_sysreg(esr_el1));
        psci_off();
    }
    u64 iar = gic_ack(), id = iar & 0xffffff;
    prd("EL1 IRQ: INTID", id);
    if (id == INTID_PTIMER) {
        timer_irq("CNTP", read_sysreg(cntp_ctl_el0));
        write_sysreg(cntp_ctl_el0, 0);          /* disable: the level-sensitive PPI drops */
    } else if (id == INTID_VTIMER) {
        timer_irq("CNTV", read_sysreg(cntv_ctl_el0));
        write_sysreg(cntv_ctl_el0, 0);
    }
    isb();
    gic_eoi(iar);
    order[nirq] = id;
    nirq = nirq + 1;
}

static volatile int hyp_irqs;
void el2_vector(unsigned vec, struct frame *f)
{
    if (vec != 9) {             /* 9: IRQ from a lower EL using AArch64 */
        pr("EL2: unexpected vector", vec);
        pr("  ESR_EL2", read_sysreg(esr_el2));
        psci_off();
    }
    u64 iar = gic_ack(), id = iar & 0xffffff;
    prd("EL2 IRQ (from EL1, HCR_EL2.IMO = 1): INTID", id);     /* 26 */
    if (id == INTID_HYPTIMER) {
        timer_irq("CNTHP", read_sysreg(cnthp_ctl_el2));
        write_sysreg(cnthp_ctl_el2, 0);
    }
    isb();
    gic_eoi(iar);
    hyp_irqs = hyp_irqs + 1;
}

static u64 el1_timers(u64 arg)
{
    write_sysreg(vbar_el1, vectors_el1);
    isb();
    /* 1. EL1 physical timer: armed far in the future, the condition is not met: CTL = 0x1 */
    write_sysreg(cntp_cval_el0, read_sysreg(cntpct_el0) + 100 * TICKS_1S);
    write_sysreg(cntp_ctl_el0, 1);
    isb();
    pr("EL1: CNTP_CTL armed far ahead", read_sysreg(cntp_ctl_el0));      /* 0x1: ISTATUS 0 */
    /* masked by IMASK with the condition met (CVAL = 0 is in the past): ISTATUS = 1 (0x7), no interrupt pending */
    write_sysreg(cntp_ctl_el0, 3);
    write_sysreg(cntp_cval_el0, 0);
    isb();
    pr("EL1: CNTP_CTL with IMASK, CVAL in the past", read_sysreg(cntp_ctl_el0));   /* 0x7 */
    pryn("EL1: INTID 30 pending in the GIC while IMASK:", (r32(GICR_SGI + GICD_ISPENDR) >> INTID_PTIMER) & 1);  /* no */
    /* now fire: TVAL = 1000 ticks (16 us), unmasked */
    write_sysreg(cntp_tval_el0, 1000);
    write_sysreg(cntp_ctl_el0, 1);
    isb();
    irq_enable();
    if (!wait_flag(&nirq, 1, TICKS_1S, 1))
        line("EL1: FAIL: no physical timer interrupt");
    irq_disable();
    /* 2. EL1 virtual timer */
    write_sysreg(cntv_tval_el0, 1000);
    write_sysreg(cntv_ctl_el0, 1);
    isb();
    irq_enable();
    if (!wait_flag(&nirq, 2, TICKS_1S, 1))
        line("EL1: FAIL: no virtual timer interrupt");
    irq_disable();
    /* 3. SGIs 3, 5, 7 with priorities 0xa0, 0x40, 0x60, sent in that order while IRQs are masked:
     * taken highest priority (lowest value) first: 5, 7, 3 */
    w32(GICR_SGI + GICR_IPRIORITYR, 0xa0000000);           /* INTID 3 */
    w32(GICR_SGI + GICR_IPRIORITYR + 4, 0x00004000);       /* INTID 5 */
    w32(GICR_SGI + GICR_IPRIORITYR + 4, 0x60004000);       /* INTID 7 */
    w32(GICR_SGI + GICR_ISENABLER0, 1 << 3 | 1 << 5 | 1 << 7);
    static const int sgis[3] = {3, 5, 7};
    for (int i = 0; i < 3; i++)                            /* INTID[27:24], TargetList[15:0] = CPU 0 */
        write_sysreg(ICC_SGI1R_EL1, (u64)sgis[i] << 24 | 1);
    isb();
    for (int i = 0; i < 100000 && (r32(GICR_SGI + GICD_ISPENDR) & 0xa8) != 0xa8; i++) ;
    pr("EL1: SGIs pending (GICR_ISPENDR0 & 0xa8)", r32(GICR_SGI + GICD_ISPENDR) & 0xa8);   /* 0xa8 */
    irq_enable();
    if (!wait_flag(&nirq, 5, TICKS_1S, 0))
        line("EL1: FAIL: SGIs not all taken");
    irq_disable();
    puts("EL1: order of INTIDs:");
    for (int i = 0; i < nirq; i++) {
        putc(' ');
        putdec(order[i]);
    }
    putc('\n');                                            /* 30 27 5 7 3 */
    /* nothing pending: ICC_IAR1_EL1 reads the spurious INTID 1023; running priority idle 0xff */
    prd("EL1: ICC_IAR1_EL1 with nothing pending", read_sysreg(S3_0_C12_C12_0) & 0xffffff);
    pr("EL1: ICC_RPR_EL1", read_sysreg(ICC_RPR_EL1));
    return 0;
}

static u64 el1_idle(u64 arg)
{
    /* HCR_EL2.IMO = 1: the physical IRQ goes to EL2 whatever PSTATE.I is at EL1 (masked here).
     * Spin, don't WFI: masking at EL1 cannot hold off an interrupt taken to EL2, so one arriving
     * between the check and a WFI would leave the WFI waiting forever. */
    if (!wait_flag(&hyp_irqs, 1, TICKS_1S, 0))
        line("EL1: FAIL: no EL2 timer interrupt");
    return 0;
}

int main(void)
{
    line("timer: generic timers, GICv3 PPIs and SGIs");
    write_sysreg(vbar_el2, vectors_el2);
    write_sysreg(hcr_el2, 1ul << 31);                      /* RW; IMO = 0 */
    write_sysreg(cnthctl_el2, read_sysreg(cnthctl_el2) | 3);   /* EL1PCTEN | EL1PCEN: EL1 uses CNTP */
    write_sysreg(cntvoff_el2, 0);
    write_sysreg(cntp_ctl_el0, 0);
    write_sysreg(cntv_ctl_el0, 0);
    write_sysreg(cnthp_ctl_el2, 0);
    isb();
    gic_init();
    /* ICC_SRE_EL2 = SRE | DFB | DIB | Enable (QEMU: DFB and DIB are RAO/WI) */
    pr("EL2: ICC_SRE_EL2", read_sysreg(S3_4_C12_C9_5));
    pryn("EL2: GICR_WAKER.ChildrenAsleep clear:", !(r32(GICR + GICR_WAKER) & 4));
    gic_enable_ppi(INTID_PTIMER, 0x80);
    gic_enable_ppi(INTID_VTIMER, 0x80);
    gic_enable_ppi(INTID_HYPTIMER, 0x80);
    pr("EL2: GICR_ISENABLER0", r32(GICR_SGI + GICR_ISENABLER0));   /* bits 26, 27, 30: 0x4c000000 */
    /* CNTVOFF_EL2 = 0 (the boot contract): CNTVCT read before CNTPCT is not above it */
    u64 v = read_sysreg(cntvct_el0), p = read_sysreg(cntpct_el0);
    pryn("CNTVOFF_EL2 = 0: CNTVCT <= CNTPCT:", v <= p);
    u64 off = read_sysreg(cntpct_el0) / 2 + 1;
    write_sysreg(cntvoff_el2, off);
    isb();
    v = read_sysreg(cntvct_el0);
    p = read_sysreg(cntpct_el0);
    pryn("CNTVOFF_EL2 = CNTPCT/2: CNTVCT < CNTPCT:", v < p);
    pryn("CNTVOFF_EL2 = CNTPCT/2: CNTPCT - CNTVCT >= CNTVOFF:", p - v >= off);
    run_el1(el1_timers, 0, SPSR_EL1H_MASKED);
    write_sysreg(cntvoff_el2, 0);
    /* EL2 physical timer, routed to EL2 while EL1 runs */
    write_sysreg(hcr_el2, 1ul << 31 | 1 << 4);             /* RW | IMO */
    write_sysreg(cnthp_tval_el2, 1000);
    write_sysreg(cnthp_ctl_el2, 1);
    isb();
    run_el1(el1_idle, 0, SPSR_EL1H_MASKED);
    prd("EL2: IRQs taken at EL2", hyp_irqs);              /* 1 */
    line("timer: done");
    return 0;
}
