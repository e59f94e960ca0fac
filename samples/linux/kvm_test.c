/* kvm_test: KVM from the guest's userspace (issue 15).  Opens /dev/kvm,
 * creates a VM with 64 KiB of RAM at IPA 0x80000000 and one vCPU
 * (KVM_ARM_VCPU_INIT with PSCI 0.2), and runs a few guest instructions:
 * a store of 0x42 to IPA 0x10000000 (no memory there: a KVM_EXIT_MMIO), a
 * load from it (another one, answered with 0x1234), then PSCI SYSTEM_OFF
 * through HVC (a KVM_EXIT_SYSTEM_EVENT).  Prints every exit; exit status 0
 * when they are the expected ones.  Built static with Debian's
 * aarch64-linux-gnu-gcc (tests/debian.py puts it in the initramfs). */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define RAM_IPA 0x80000000ul
#define RAM_SIZE 0x10000ul
#define MMIO_IPA 0x10000000ul

static const uint32_t guest[] = {
    0xd2a20000,             /* movz x0, #0x1000, lsl #16   x0 = 0x10000000 */
    0xd2800841,             /* movz x1, #0x42 */
    0xf9000001,             /* str  x1, [x0]               MMIO write */
    0xf9400002,             /* ldr  x2, [x0]               MMIO read */
    0xd2800100,             /* movz x0, #0x8 */
    0xf2b08000,             /* movk x0, #0x8400, lsl #16   PSCI SYSTEM_OFF */
    0xd4000002,             /* hvc  #0 */
    0x14000000,             /* b    . */
};

static int fail(const char *what)
{
    perror(what);
    return 1;
}

int main(void)
{
    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0)
        return fail("kvm_test: open /dev/kvm");
    printf("kvm_test: API version %d\n", ioctl(kvm, KVM_GET_API_VERSION, 0));
    int vm = ioctl(kvm, KVM_CREATE_VM, 0);
    if (vm < 0)
        return fail("kvm_test: KVM_CREATE_VM");
    void *ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (ram == MAP_FAILED)
        return fail("kvm_test: mmap");
    memcpy(ram, guest, sizeof guest);
    struct kvm_userspace_memory_region region = {
        .slot = 0, .guest_phys_addr = RAM_IPA, .memory_size = RAM_SIZE, .userspace_addr = (uint64_t)ram};
    if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
        return fail("kvm_test: KVM_SET_USER_MEMORY_REGION");
    int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
    if (vcpu < 0)
        return fail("kvm_test: KVM_CREATE_VCPU");
    struct kvm_vcpu_init init;
    if (ioctl(vm, KVM_ARM_PREFERRED_TARGET, &init) < 0)
        return fail("kvm_test: KVM_ARM_PREFERRED_TARGET");
    init.features[0] |= 1u << KVM_ARM_VCPU_PSCI_0_2;
    if (ioctl(vcpu, KVM_ARM_VCPU_INIT, &init) < 0)
        return fail("kvm_test: KVM_ARM_VCPU_INIT");
    uint64_t pc = RAM_IPA;
    struct kvm_one_reg reg = {
        .id = KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | (offsetof(struct kvm_regs, regs.pc) / 4),
        .addr = (uint64_t)&pc};
    if (ioctl(vcpu, KVM_SET_ONE_REG, &reg) < 0)
        return fail("kvm_test: KVM_SET_ONE_REG pc");
    int size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    struct kvm_run *run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
    if (run == MAP_FAILED)
        return fail("kvm_test: mmap kvm_run");
    int mmio = 0;
    for (int i = 0; i < 8; i++) {
        if (ioctl(vcpu, KVM_RUN, 0) < 0)
            return fail("kvm_test: KVM_RUN");
        switch (run->exit_reason) {
        case KVM_EXIT_MMIO: {
            uint64_t data = 0;
            memcpy(&data, run->mmio.data, run->mmio.len <= 8 ? run->mmio.len : 8);
            printf("kvm_test: exit MMIO %s addr=0x%llx len=%u data=0x%llx\n", run->mmio.is_write ? "write" : "read",
                   (unsigned long long)run->mmio.phys_addr, run->mmio.len,
                   (unsigned long long)(run->mmio.is_write ? data : 0));
            if (!run->mmio.is_write) {
                uint64_t answer = 0x1234;
                memcpy(run->mmio.data, &answer, run->mmio.len <= 8 ? run->mmio.len : 8);
            }
            mmio += run->mmio.phys_addr == MMIO_IPA;
            break;
        }
        case KVM_EXIT_SYSTEM_EVENT:
            printf("kvm_test: exit SYSTEM_EVENT type=%u (%s)\n", run->system_event.type,
                   run->system_event.type == KVM_SYSTEM_EVENT_SHUTDOWN ? "shutdown" : "other");
            printf("kvm_test: %s\n", mmio == 2 && run->system_event.type == KVM_SYSTEM_EVENT_SHUTDOWN ? "ok" : "FAILED");
            return mmio == 2 && run->system_event.type == KVM_SYSTEM_EVENT_SHUTDOWN ? 0 : 1;
        default:
            printf("kvm_test: unexpected exit reason %u\n", run->exit_reason);
            return 1;
        }
    }
    printf("kvm_test: FAILED (no SYSTEM_EVENT)\n");
    return 1;
}
