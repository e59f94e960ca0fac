/* rtc: the PL031 real-time clock: PrimeCell IDs, the load register, the
 * counter advancing (a one-second counter: waits up to ~2 s of the system
 * counter for a tick), and the match interrupt SPI 2 = INTID 34 taken at EL2.
 * No time value is printed: only comparisons. */
#include "lib.h"

#define RTCDR   0x00
#define RTCMR   0x04
#define RTCLR   0x08
#define RTCCR   0x0c
#define RTCIMSC 0x10
#define RTCRIS  0x14
#define RTCMIS  0x18
#define RTCICR  0x1c

static volatile int nirq;
static volatile u32 mis_seen;

void el2_vector(unsigned vec, struct frame *f)
{
    if (vec != 5) {
        pr("unexpected exception, vector", vec);
        psci_off();
    }
    u64 iar = gic_ack();
    mis_seen = r32(RTC_BASE + RTCMIS);
    w32(RTC_BASE + RTCIMSC, 0);
    w32(RTC_BASE + RTCICR, 1);
    prd("EL2 IRQ: INTID", iar & 0xffffff);    /* 34 */
    pr("  RTCMIS", mis_seen);                 /* 0x1: match */
    gic_eoi(iar);
    nirq = nirq + 1;
}

int main(void)
{
    line("rtc: PL031");
    /* PL031: PeriphID 0x31 0x10 0x14 0x00 (QEMU: revision 1 in PeriphID2), PCellID 0x0d 0xf0 0x05 0xb1 */
    print_primecell_ids("RTC", RTC_BASE);
    pr("RTCCR", r32(RTC_BASE + RTCCR));       /* 0x1: started */
    u32 lr = 0x20000000;
    w32(RTC_BASE + RTCLR, lr);
    u32 d0 = r32(RTC_BASE + RTCDR);
    pryn("DR >= LR after loading LR:", d0 >= lr);
    pryn("DR - LR < 2 s:", d0 - lr < 2);
    /* Sleep, don't spin: the EL2 physical timer (INTID 26, enabled in the GIC
     * with PSTATE.I masked, so it only ends the WFI) fires 1.5 s later; a
     * pending interrupt ends WFI whether or not it is masked. */
    gic_init();
    gic_enable_ppi(26, 0x80);
    write_sysreg(cnthp_tval_el2, TICKS_1S + TICKS_1S / 2);
    write_sysreg(cnthp_ctl_el2, 1);
    isb();
    u64 deadline = read_sysreg(cntpct_el0) + 3 * TICKS_1S;
    while (!(read_sysreg(cnthp_ctl_el2) & 4) && read_sysreg(cntpct_el0) < deadline)
        wfi();
    write_sysreg(cnthp_ctl_el2, 0);
    isb();
    u32 d1 = r32(RTC_BASE + RTCDR);
    pryn("advancing:", d1 > d0);
    pryn("advanced by one or two seconds:", d1 - d0 == 1 || d1 - d0 == 2);   /* slept 1.5 s */
    write_sysreg(vbar_el2, vectors_el2);
    write_sysreg(hcr_el2, 1ul << 31 | 1 << 4);    /* IMO */
    gic_enable_spi(INTID_RTC, 0x80);
    pr("RTCRIS before the match", r32(RTC_BASE + RTCRIS));   /* 0 */
    w32(RTC_BASE + RTCICR, 1);
    w32(RTC_BASE + RTCMR, r32(RTC_BASE + RTCDR) + 1);          /* the next second */
    w32(RTC_BASE + RTCIMSC, 1);
    irq_enable();
    if (!wait_flag(&nirq, 1, 3 * TICKS_1S, 1))
        line("FAIL: no RTC match interrupt");
    irq_disable();
    pryn("DR reached MR:", r32(RTC_BASE + RTCDR) >= r32(RTC_BASE + RTCMR));
    pr("RTCRIS after ICR", r32(RTC_BASE + RTCRIS));          /* 0 */
    line("rtc: done");
    return 0;
}
