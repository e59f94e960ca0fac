/* els: EL2 -> EL1 -> EL0 and back, with vector tables at EL2 and EL1.
 * Every exception prints its syndrome (ESR), where it returns (ELR relative to
 * the instruction that caused it), SPSR's mode/mask bits, FAR for aborts.
 * ESR = EC[31:26] | IL[25] (1: 32-bit instruction) | ISS[24:0] (ARM ARM D17.2.37). */
#include "lib.h"

static volatile u64 insn;          /* address of the instruction under test */
static u64 buf[2];

/* Run one instruction after recording its address in `insn` */
#define MARK "adr x9, 1f\n str x9, [%[insn]]\n1: "
#define AT(text) __asm__ volatile(MARK text :: [insn] "r"(&insn) : "x0", "x9", "memory")

static void report(const char *who, u64 esr, u64 elr, u64 spsr)
{
    puts(who);
    puts(" ESR "); puthex(esr);
    puts(" EC "); puthex(esr_ec(esr));
    puts(" ELR=insn+"); putdec(elr - insn);
    puts(" SPSR[9:0] "); puthex(spsr & 0x3ff);
    putc('\n');
}

void el2_vector(unsigned vec, struct frame *f)
{
    u64 esr = read_sysreg(esr_el2), elr = read_sysreg(elr_el2);
    if (vec != 8) {             /* 8: lower EL using AArch64, synchronous */
        pr("EL2: unexpected vector", vec);
        psci_off();
    }
    report("EL2 <- EL1:", esr, elr, read_sysreg(spsr_el2));
    switch (esr_ec(esr)) {
    case 0x16:              /* HVC: preferred return is the next instruction (ELR=insn+4) */
        break;
    case 0x17:              /* SMC trapped by HCR_EL2.TSC: ELR = the SMC itself; skip it */
    case 0x01:              /* WFI trapped by HCR_EL2.TWI: ELR = the WFI itself; skip it */
        write_sysreg(elr_el2, elr + 4);
        break;
    case 0x18: {            /* MSR/MRS trapped: ISS = Op0 Op2 Op1 CRn Rt CRm Dir */
        u64 iss = esr & 0x1ffffff, rt = (iss >> 5) & 31, dir = iss & 1;
        puts("  sysreg op0="); putdec((iss >> 20) & 3);
        puts(" op1="); putdec((iss >> 14) & 7);
        puts(" CRn="); putdec((iss >> 10) & 15);
        puts(" CRm="); putdec((iss >> 1) & 15);
        puts(" op2="); putdec((iss >> 17) & 7);
        puts(" Rt=x"); putdec(rt);
        puts(dir ? " read\n" : " write\n");
        if (!dir) {         /* the TVM write of SCTLR_EL1: perform it for EL1 */
            pr("  EL2 writes SCTLR_EL1 for EL1:", f->x[rt]);
            write_sysreg(sctlr_el1, f->x[rt]);
        } else {            /* the TID3 read of ID_AA64PFR0_EL1: answer a made-up value */
            f->x[rt] = 0x1122;
        }
        write_sysreg(elr_el2, elr + 4);
        break;
    }
    default:
        line("EL2: unexpected EC");
        psci_off();
    }
}

void el1_vector(unsigned vec, struct frame *f)
{
    u64 esr = read_sysreg(esr_el1), elr = read_sysreg(elr_el1);
    const char *who = vec == 4 ? "EL1 <- EL1:" : vec == 8 ? "EL1 <- EL0:" : 0;
    if (!who) {                 /* 4: current EL with SPx, synchronous; 8: lower EL */
        pr("EL1: unexpected vector", vec);
        psci_off();
    }
    report(who, esr, elr, read_sysreg(spsr_el1));
    switch (esr_ec(esr)) {
    case 0x15:              /* SVC: ELR = next instruction */
        break;
    case 0x3c:              /* BRK: ELR = the BRK itself */
    case 0x00:              /* UNDEFINED: ELR = the instruction */
    case 0x01:              /* WFI trapped by SCTLR_EL1.nTWI = 0 */
        write_sysreg(elr_el1, elr + 4);
        break;
    case 0x25:              /* data abort, same EL */
        /* FAR_EL1 = the faulting virtual address (buf + 1) */
        puts("  FAR=buf+"); putdec(read_sysreg(far_el1) - (u64)buf); putc('\n');
        write_sysreg(elr_el1, elr + 4);
        break;
    case 0x18: {            /* EL0 read of CTR_EL0 trapped by SCTLR_EL1.UCT = 0: emulate it */
        u64 rt = (esr >> 5) & 31;
        f->x[rt] = read_sysreg(ctr_el0);
        write_sysreg(elr_el1, elr + 4);
        break;
    }
    default:
        line("EL1: unexpected EC");
        psci_off();
    }
}

static u64 el0_main(u64 arg)
{
    line("EL0: running (CurrentEL is not readable at EL0)");
    /* SVC #0x55 from EL0: EC 0x15, ESR 0x56000055, ELR=insn+4, SPSR EL0t 0x0 */
    AT("svc #0x55");
    /* MRS CTR_EL0 at EL0 with SCTLR_EL1.UCT = 0: EC 0x18, ISS op0=3 op2=1 op1=3 CRn=0 Rt=7 CRm=0 read:
     * ESR 0x6232c0e1 (3<<20 | 1<<17 | 3<<14 | 7<<5 | 1), ELR=insn+0 */
    u64 ctr;
    __asm__ volatile(MARK "mrs x7, ctr_el0\n mov %0, x7" : "=r"(ctr) : [insn] "r"(&insn) : "x7", "x9", "memory");
    pr("EL0: CTR_EL0 (emulated by EL1)", ctr);        /* 0x8444c004 */
    /* HVC at EL0 is UNDEFINED: EC 0x00, ESR 0x02000000 (IL only), ELR=insn+0 */
    AT("hvc #0x66");
    /* MRS SCTLR_EL1 at EL0: UNDEFINED (EL1 register), ESR 0x02000000 */
    AT("mrs x0, sctlr_el1");
    /* WFI at EL0 with SCTLR_EL1.nTWI = 0 traps to EL1 (before HCR_EL2.TWI):
     * EC 0x01, CV = 1, COND = 0xe, TI = 0: ESR 0x07e00000, ELR=insn+0 */
    AT("wfi");
    line("EL0: returning to EL1");
    return 0xe10;
}

static u64 el1_main(u64 arg)
{
    prd("EL1: CurrentEL", current_el());                  /* 1 */
    pryn("EL1: arg passed from EL2 is 0x1234:", arg == 0x1234);
    /* HVC #0x11: EC 0x16, ESR 0x5a000011, ELR=insn+4, SPSR 0x3c5 (EL1h, DAIF masked) */
    AT("hvc #0x11");
    /* SMC #0x22 with HCR_EL2.TSC: EC 0x17, ESR 0x5e000022, ELR=insn+0 (the SMC is not executed) */
    AT("smc #0x22");
    /* WFI with HCR_EL2.TWI: EC 0x01, ESR 0x07e00000, ELR=insn+0 */
    AT("wfi");
    /* MSR SCTLR_EL1, x5 with HCR_EL2.TVM: EC 0x18, ISS op0=3 op2=0 op1=0 CRn=1 Rt=5 CRm=0 write:
     * ESR 0x623004a0 (3<<20 | 1<<10 | 5<<5); the value sets SCTLR_EL1.A (alignment checks) */
    u64 v = read_sysreg(sctlr_el1) | 2;
    __asm__ volatile("mov x5, %[v]\n" MARK "msr sctlr_el1, x5" :: [insn] "r"(&insn), [v] "r"(v) : "x5", "x9", "memory");
    pryn("EL1: SCTLR_EL1.A now set:", (read_sysreg(sctlr_el1) >> 1) & 1);
    /* MRS x6, ID_AA64PFR0_EL1 with HCR_EL2.TID3: EC 0x18, ISS op0=3 op2=0 op1=0 CRn=0 Rt=6 CRm=4 read:
     * ESR 0x623000c9 (3<<20 | 6<<5 | 4<<1 | 1); EL2 answers 0x1122 */
    u64 pfr0;
    __asm__ volatile(MARK "mrs x6, id_aa64pfr0_el1\n mov %0, x6" : "=r"(pfr0) : [insn] "r"(&insn) : "x6", "x9", "memory");
    pr("EL1: ID_AA64PFR0_EL1 as emulated by EL2", pfr0);
    /* SVC #0x33 at EL1: to EL1's current-EL-SPx vector, EC 0x15, ESR 0x56000033, ELR=insn+4, SPSR 0x3c5 */
    AT("svc #0x33");
    /* BRK #0x44: EC 0x3c, ESR 0xf2000044, ELR=insn+0 */
    AT("brk #0x44");
    /* LDR from buf+1 with SCTLR_EL1.A = 1: alignment fault, data abort same EL:
     * EC 0x25, IL, ISV = 0 (QEMU reports no instruction syndrome for aborts taken to EL1), WnR = 0,
     * DFSC 0x21 (alignment fault): ESR 0x96000021, FAR = buf+1, ELR=insn+0 */
    __asm__ volatile("mov x0, %[a]\n" MARK "ldr x0, [x0]" :: [insn] "r"(&insn), [a] "r"((u64)buf + 1) : "x0", "x9", "memory");
    /* EL0 */
    u64 r = run_el0(el0_main, 0);
    pr("EL1: EL0 returned", r);
    return 0x600d;
}

int main(u64 dtb)
{
    line("els: exception levels, vectors and traps");
    prd("EL2: CurrentEL", current_el());                  /* 2 */
    write_sysreg(vbar_el2, vectors_el2);
    write_sysreg(vbar_el1, vectors_el1);
    /* SCTLR_EL1: RES1 bits only (MMU off, A = 0, UCT = 0, nTWI = 0) */
    write_sysreg(sctlr_el1, 0x30d00800);
    /* HCR_EL2: RW (31, EL1 is AArch64) | TVM (26) | TID3 (18) | TSC (19) | TWI (13) */
    u64 hcr = 1ul << 31 | 1ul << 26 | 1ul << 19 | 1ul << 18 | 1ul << 13;
    write_sysreg(hcr_el2, hcr);
    isb();
    pr("EL2: HCR_EL2", read_sysreg(hcr_el2));             /* 0x840c2000 */
    /* PSCI from EL2 (not trapped): QEMU's built-in firmware answers */
    pr("EL2: PSCI_VERSION", psci_call(PSCI_VERSION, 0, 0, 0));
    pr("EL2: PSCI_FEATURES(SYSTEM_OFF)", psci_call(PSCI_FEATURES, PSCI_SYSTEM_OFF, 0, 0));  /* 0: supported */
    u64 r = run_el1(el1_main, 0x1234, SPSR_EL1H_MASKED);
    pr("EL2: EL1 returned", r);                           /* 0x600d */
    prd("EL2: CurrentEL", current_el());
    line("els: done");
    return 0;
}
