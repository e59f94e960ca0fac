/* uart_irq: the PL011's transmit interrupt as SPI 1 = INTID 33 through the GICv3
 * distributor (group 1, level-sensitive, routed to CPU 0 by GICD_IROUTER33),
 * taken at EL2 (HCR_EL2.IMO = 1), and the PL011 PrimeCell ID registers.
 * (RX is not exercised: QEMU gets no input here.) */
#include "lib.h"

#define UARTFR   0x18
#define UARTIMSC 0x38
#define UARTRIS  0x3c
#define UARTMIS  0x40
#define UARTICR  0x44
#define TXIM     (1u << 5)

static volatile int nirq;

void el2_vector(unsigned vec, struct frame *f)
{
    if (vec != 5) {
        pr("unexpected exception, vector", vec);
        psci_off();
    }
    u64 iar = gic_ack();
    u32 mis = r32(UART_BASE + UARTMIS);
    w32(UART_BASE + UARTIMSC, 0);          /* mask TX before printing (each write raises TXRIS again) */
    w32(UART_BASE + UARTICR, TXIM);
    prd("EL2 IRQ: INTID", iar & 0xffffff);    /* 33 */
    pr("  UARTMIS", mis);                     /* 0x20: TXMIS */
    gic_eoi(iar);
    nirq = nirq + 1;
}

int main(void)
{
    line("uart_irq: PL011 TX interrupt through the GIC distributor");
    /* PL011 r1p5: PeriphID 0x11 0x10 0x14 0x00; PCellID 0x0d 0xf0 0x05 0xb1 */
    print_primecell_ids("UART", UART_BASE);
    pr("UARTFR", r32(UART_BASE + UARTFR));    /* 0x90: TXFE and RXFE (QEMU's transmitter is never busy) */
    write_sysreg(vbar_el2, vectors_el2);
    write_sysreg(hcr_el2, 1ul << 31 | 1 << 4);    /* IMO: IRQs are taken at EL2 */
    gic_init();
    /* GICD_ICFGR2 covers INTIDs 32-47, 2 bits each; INTID 33's field (bits 3:2) = 0: level-sensitive */
    w32(GICD + GICD_ICFGR + 8, r32(GICD + GICD_ICFGR + 8) & ~(3u << 2));
    gic_enable_spi(INTID_UART, 0x80);
    pr("GICD_ICFGR2 bits 3:2 (INTID 33)", (r32(GICD + GICD_ICFGR + 8) >> 2) & 3);
    pr("GICD_ISENABLER1", r32(GICD + GICD_ISENABLER + 4));        /* bit 1: 0x2 */
    pr("GICD_IROUTER33", r64(GICD + GICD_IROUTER + 8 * INTID_UART)); /* 0: affinity 0.0.0.0 */
    pr("GICD_IGROUPR1 bit 1 (group 1)", (r32(GICD + GICD_IGROUPR + 4) >> 1) & 1);
    w32(UART_BASE + UARTICR, 0x7ff);
    line("writing a line with UARTIMSC.TXIM set");
    /* QEMU sets TXRIS on every write to UARTDR (its FIFO drains at once) */
    pr("UARTRIS & TX after a write", r32(UART_BASE + UARTRIS) & TXIM);    /* 0x20 */
    w32(UART_BASE + UARTIMSC, TXIM);
    irq_enable();
    if (!wait_flag(&nirq, 1, TICKS_1S, 0))
        line("FAIL: no UART interrupt");
    irq_disable();
    prd("interrupts taken", nirq);            /* 1 */
    pr("GICD_ISPENDR1 bit 1 after the handler", (r32(GICD + GICD_ISPENDR + 4) >> 1) & 1);   /* 0 */
    line("uart_irq: done");
    return 0;
}
