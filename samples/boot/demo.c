/* demo: the kernel `a64jit boot` runs when given none.  A short tour: where
 * the boot loader left us, the CPU, a timer interrupt, then the benchmark
 * kernels of bench_core.h in 10 steps (about 300 million instructions) with a
 * progress line per step, and PSCI SYSTEM_OFF.  Output is deterministic. */
#include "bench_core.h"

#define DEMO_STEPS 10
#define DEMO_ROUNDS_PER_STEP 110

static volatile int ticks;

void el2_vector(unsigned vec, struct frame *f)
{
    if (vec != 5) {             /* IRQ at EL2 (current EL, SPx) */
        pr("unexpected exception, vector", vec);
        psci_off();
    }
    u64 iar = gic_ack();
    write_sysreg(cnthp_ctl_el2, 0);
    isb();
    gic_eoi(iar);
    ticks = ticks + 1;
}

int main(u64 dtb)
{
    line("");
    line("  a64jit demo kernel");
    line("  ------------------");
    puts("  started at EL"); putdec(current_el()); line(" (an arm64 Image entered like Linux)");
    pryn("  device tree at x0:", dtb && !(dtb & 7) && r32(dtb) == 0xedfe0dd0);   /* 0xd00dfeed, big-endian */
    u64 midr = read_sysreg(midr_el1);
    puts("  CPU: implementer "); puthex(midr >> 24); puts(" part "); puthex((midr >> 4) & 0xfff);
    puts(" r"); putdec((midr >> 20) & 15); puts("p"); putdec(midr & 15); line("");   /* 0x41 0xd07 r1p0: Cortex-A57 */
    /* one EL2 timer interrupt through the GICv3 (whether it came, not when) */
    write_sysreg(vbar_el2, vectors_el2);
    /* HCR_EL2.IMO: at EL2 a physical IRQ is taken only when routed to EL2 (IMO = 1 or TGE = 1) */
    write_sysreg(hcr_el2, 1ul << 31 | 1 << 4);
    gic_init();
    gic_enable_ppi(INTID_HYPTIMER, 0x80);
    write_sysreg(cnthp_tval_el2, TICKS_1S / 1000);
    write_sysreg(cnthp_ctl_el2, 1);
    isb();
    irq_enable();
    int ok = wait_flag(&ticks, 1, TICKS_1S, 1);
    irq_disable();
    pryn("  timer interrupt (EL2 physical timer, INTID 26) received:", ok);
    line("  running the benchmark kernels (sieve, hash table, crc32, sort):");
    lcg_state = 12345;
    u64 sum = 0xcbf29ce484222325ul;
    u32 r = 0;
    for (int step = 1; step <= DEMO_STEPS; step++) {
        for (int i = 0; i < DEMO_ROUNDS_PER_STEP; i++, r++)
            sum = bench_round(sum, r);
        puts("    step "); putdec(step); putc('/'); putdec(DEMO_STEPS);
        puts("  checksum "); puthex(sum); putc('\n');
    }
    prd("  primes below 8192:", bench_sieve());          /* 1028 */
    line("  done: powering off with PSCI SYSTEM_OFF");
    return 0;
}
