/* Shared declarations for the sample kernels (see lib.S, start.S, image.ld).
 * Board: QEMU virt compatible (PL011 at 0x09000000, GICv3 at 0x08000000 with
 * redistributors at 0x080a0000, PL031 at 0x09010000), PSCI through SMC. */
#ifndef SAMPLES_BOOT_LIB_H
#define SAMPLES_BOOT_LIB_H

typedef unsigned long u64;
typedef unsigned int u32;
typedef unsigned char u8;

struct frame { u64 x[31]; u64 pad; };   /* pushed by every vector entry */

/* lib.S */
void putc(int c);
void puts(const char *s);
void puthex(u64 v);
void putdec(u64 v);
void psci_off(void) __attribute__((noreturn));
u64 psci_call(u64 fn, u64 a1, u64 a2, u64 a3);
u64 call_el1(u64 (*fn)(u64), u64 arg, u64 sp, u64 spsr);
u64 call_el0(u64 (*fn)(u64), u64 arg, u64 sp, u64 spsr);
extern char vectors_el2[], vectors_el1[];
extern char el0_stack_top[], el1_stack_top[], el2_stack_top[], _start[], _end[];
/* Samples define the handlers they use (weak defaults report and power off). */
void el2_vector(unsigned vec, struct frame *f);
void el1_vector(unsigned vec, struct frame *f);

#define SPSR_EL1H_MASKED 0x3c5ul  /* EL1h, D A I F masked */
#define SPSR_EL1H        0x005ul  /* EL1h, unmasked */
#define SPSR_EL0T        0x000ul

/* fn(arg) at EL1 (from EL2) or EL0 (from EL1) on the sample's stack for that EL */
static inline u64 run_el1(u64 (*fn)(u64), u64 arg, u64 spsr)
{ return call_el1(fn, arg, (u64)el1_stack_top, spsr); }
static inline u64 run_el0(u64 (*fn)(u64), u64 arg)
{ return call_el0(fn, arg, (u64)el0_stack_top, SPSR_EL0T); }

#define STR_(x) #x
#define STR(x) STR_(x)
#define read_sysreg(r) ({ u64 v__; __asm__ volatile("mrs %0, " STR(r) : "=r"(v__) :: "memory"); v__; })
#define write_sysreg(r, v) __asm__ volatile("msr " STR(r) ", %0" :: "r"((u64)(v)) : "memory")
#define isb() __asm__ volatile("isb" ::: "memory")
#define dsb(opt) __asm__ volatile("dsb " #opt ::: "memory")
#define wfi() __asm__ volatile("wfi" ::: "memory")
#define irq_enable() __asm__ volatile("msr daifclr, #2" ::: "memory")
#define irq_disable() __asm__ volatile("msr daifset, #2" ::: "memory")

static inline u32 r32(u64 a) { return *(volatile u32 *)a; }
static inline void w32(u64 a, u32 v) { *(volatile u32 *)a = v; }
static inline u64 r64(u64 a) { return *(volatile u64 *)a; }
static inline void w64(u64 a, u64 v) { *(volatile u64 *)a = v; }

static inline u64 current_el(void) { return (read_sysreg(CurrentEL) >> 2) & 3; }
static inline u64 esr_ec(u64 esr) { return (esr >> 26) & 0x3f; }

/* "label value\n" */
static inline void pr(const char *label, u64 v) { puts(label); putc(' '); puthex(v); putc('\n'); }
static inline void prd(const char *label, u64 v) { puts(label); putc(' '); putdec(v); putc('\n'); }
static inline void pryn(const char *label, int yes) { puts(label); puts(yes ? " yes\n" : " no\n"); }
static inline void line(const char *s) { puts(s); putc('\n'); }

/* GICv3 of the virt board */
#define GICD        0x08000000ul
#define GICR        0x080a0000ul          /* CPU 0: RD_base */
#define GICR_SGI    (GICR + 0x10000)      /* CPU 0: SGI_base */
#define GICD_CTLR       0x0000
#define GICD_TYPER      0x0004
#define GICD_IGROUPR    0x0080
#define GICD_ISENABLER  0x0100
#define GICD_ICENABLER  0x0180
#define GICD_ISPENDR    0x0200
#define GICD_ICPENDR    0x0280
#define GICD_IPRIORITYR 0x0400
#define GICD_ICFGR      0x0c00
#define GICD_IROUTER    0x6000
#define GICR_CTLR       0x0000
#define GICR_WAKER      0x0014
#define GICR_IGROUPR0   0x0080
#define GICR_ISENABLER0 0x0100
#define GICR_ICENABLER0 0x0180
#define GICR_ICPENDR0   0x0280
#define GICR_IPRIORITYR 0x0400

/* GICv3 set-up at EL2 (QEMU virt without EL3: one security state, GICD_CTLR.DS = 1):
 * distributor with affinity routing and both groups enabled, redistributor 0
 * awake, every interrupt in group 1, the system-register CPU interface on for
 * EL2 and EL1, priority mask open, group 1 enabled. */
static inline void gicd_wait(void) { for (int i = 0; i < 100000 && (r32(GICD + GICD_CTLR) >> 31); i++) ; }
static inline void gic_init(void)
{
    w32(GICD + GICD_CTLR, 0);
    gicd_wait();
    w32(GICD + GICD_CTLR, 1 << 4 | 1 << 1 | 1);        /* ARE, EnableGrp1, EnableGrp0 */
    gicd_wait();
    for (int i = 1; i < 32; i++)                       /* SPIs: group 1, disabled */
        w32(GICD + GICD_IGROUPR + 4 * i, ~0u);
    w32(GICR + GICR_WAKER, r32(GICR + GICR_WAKER) & ~2u);   /* ProcessorSleep = 0 */
    for (int i = 0; i < 100000 && (r32(GICR + GICR_WAKER) & 4); i++) ;   /* ChildrenAsleep */
    w32(GICR_SGI + GICR_IGROUPR0, ~0u);                /* SGIs and PPIs: group 1 */
    w32(GICR_SGI + GICR_ICENABLER0, ~0u);
    w32(GICR_SGI + GICR_ICPENDR0, ~0u);
    for (int i = 0; i < 8; i++)
        w32(GICR_SGI + GICR_IPRIORITYR + 4 * i, 0x80808080u);
    write_sysreg(S3_4_C12_C9_5, read_sysreg(S3_4_C12_C9_5) | 9);  /* ICC_SRE_EL2: SRE | Enable */
    isb();
    write_sysreg(S3_0_C12_C12_5, read_sysreg(S3_0_C12_C12_5) | 1);  /* ICC_SRE_EL1.SRE */
    isb();
    write_sysreg(S3_0_C4_C6_0, 0xff);                  /* ICC_PMR_EL1: every priority passes */
    write_sysreg(S3_0_C12_C12_3, 0);                   /* ICC_BPR1_EL1 */
    write_sysreg(S3_0_C12_C12_4, 0);                   /* ICC_CTLR_EL1: EOImode 0 (EOI also deactivates) */
    write_sysreg(S3_0_C12_C12_7, 1);                   /* ICC_IGRPEN1_EL1 */
    isb();
}
static inline void gic_enable_ppi(int intid, u32 prio)
{
    u64 a = GICR_SGI + GICR_IPRIORITYR + (intid & ~3);
    w32(a, (r32(a) & ~(0xffu << 8 * (intid & 3))) | prio << 8 * (intid & 3));
    w32(GICR_SGI + GICR_ISENABLER0, 1u << intid);
}
static inline void gic_enable_spi(int intid, u32 prio)
{
    u64 a = GICD + GICD_IPRIORITYR + (intid & ~3);
    w32(a, (r32(a) & ~(0xffu << 8 * (intid & 3))) | prio << 8 * (intid & 3));
    w64(GICD + GICD_IROUTER + 8 * intid, 0);           /* affinity 0.0.0.0: CPU 0 */
    w32(GICD + GICD_ISENABLER + 4 * (intid / 32), 1u << (intid % 32));
    gicd_wait();
}
/* ICC_IAR1_EL1 / ICC_EOIR1_EL1 (the ICV_ registers at EL1 when HCR_EL2.IMO = 1) */
static inline u64 gic_ack(void) { u64 v = read_sysreg(S3_0_C12_C12_0); __asm__ volatile("dsb sy" ::: "memory"); return v; }
static inline void gic_eoi(u64 iar) { write_sysreg(S3_0_C12_C12_1, iar); isb(); }

/* Timer PPIs (INTIDs) and devices */
#define INTID_MAINT    25
#define INTID_HYPTIMER 26
#define INTID_VTIMER   27
#define INTID_PTIMER   30
#define INTID_UART     33
#define INTID_RTC      34
#define UART_BASE 0x09000000ul
#define RTC_BASE  0x09010000ul

#define PSCI_VERSION    0x84000000ul
#define PSCI_FEATURES   0x8400000aul
#define PSCI_SYSTEM_OFF 0x84000008ul

#endif

/* Wait (bounded by about `ticks` of the system counter) until *flag >= target;
 * with use_wfi, sleep in WFI between checks (only when the awaited event is a
 * timer interrupt armed to fire before the deadline).  Returns 1 on success.
 * The check and the WFI run with IRQs masked, so an interrupt arriving between
 * them cannot be lost: WFI ends on a pending interrupt even while it is masked,
 * and the handler runs in the short unmasked window after it. */
static inline int wait_flag(volatile int *flag, int target, u64 ticks, int use_wfi)
{
    u64 deadline = read_sysreg(cntpct_el0) + ticks;
    u64 daif = read_sysreg(daif);
    int ok = 1;
    if (use_wfi)
        irq_disable();
    while (*flag < target) {
        if (read_sysreg(cntpct_el0) > deadline) {
            ok = 0;
            break;
        }
        if (use_wfi) {
            wfi();
            irq_enable();
            isb();
            irq_disable();
        }
    }
    write_sysreg(daif, daif);
    return ok;
}
#define ICC_SGI1R_EL1 S3_0_C12_C11_5
#define ICC_RPR_EL1   S3_0_C12_C11_3
#define ICH_HCR_EL2   S3_4_C12_C11_0
#define ICH_VTR_EL2   S3_4_C12_C11_1
#define ICH_MISR_EL2  S3_4_C12_C11_2
#define ICH_EISR_EL2  S3_4_C12_C11_3
#define ICH_ELRSR_EL2 S3_4_C12_C11_5
#define ICH_VMCR_EL2  S3_4_C12_C11_7
#define ICH_LR0_EL2   S3_4_C12_C12_0
#define ICH_LR1_EL2   S3_4_C12_C12_1
#define ICH_AP1R0_EL2 S3_4_C12_C9_0
#define TICKS_1S 62500000ul

/* PrimeCell identification: PeriphID0-3 at 0xfe0-0xfec, PCellID0-3 at 0xff0-0xffc */
static inline void print_primecell_ids(const char *name, u64 base)
{
    puts(name); puts(" PeriphID0-3:");
    for (int i = 0; i < 4; i++) { putc(' '); puthex(r32(base + 0xfe0 + 4 * i)); }
    puts("  PCellID0-3:");
    for (int i = 0; i < 4; i++) { putc(' '); puthex(r32(base + 0xff0 + 4 * i)); }
    putc('\n');
}
