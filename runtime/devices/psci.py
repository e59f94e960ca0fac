"""PSCI 1.1 firmware (Arm DEN 0022D), answered by the board on SMC the way
QEMU's ``virt`` does with ``virtualization=on`` (the CPU has no EL3: an SMC
that is not trapped to EL2 by HCR_EL2.TSC reaches the firmware).

SMC Calling Convention: function ID in w0, arguments in x1-x3, result in x0.
One CPU (MPIDR affinity 0).  ``call`` returns None to carry on or the reason
the machine stops ("poweroff" or "reset").
"""
from __future__ import annotations

M64 = (1 << 64) - 1

SUCCESS, NOT_SUPPORTED, INVALID_PARAMETERS, DENIED, ALREADY_ON = 0, -1, -2, -3, -4

VERSION = 0x84000000
CPU_SUSPEND_32, CPU_SUSPEND_64 = 0x84000001, 0xC4000001
CPU_OFF = 0x84000002
CPU_ON_32, CPU_ON_64 = 0x84000003, 0xC4000003
AFFINITY_INFO_32, AFFINITY_INFO_64 = 0x84000004, 0xC4000004
MIGRATE_INFO_TYPE = 0x84000006
SYSTEM_OFF, SYSTEM_RESET = 0x84000008, 0x84000009
FEATURES = 0x8400000A

#: function ID -> name, for FEATURES and for traces
FUNCTIONS = {
    VERSION: "PSCI_VERSION", CPU_SUSPEND_32: "CPU_SUSPEND", CPU_SUSPEND_64: "CPU_SUSPEND",
    CPU_OFF: "CPU_OFF", CPU_ON_32: "CPU_ON", CPU_ON_64: "CPU_ON",
    AFFINITY_INFO_32: "AFFINITY_INFO", AFFINITY_INFO_64: "AFFINITY_INFO",
    MIGRATE_INFO_TYPE: "MIGRATE_INFO_TYPE", SYSTEM_OFF: "SYSTEM_OFF", SYSTEM_RESET: "SYSTEM_RESET",
    FEATURES: "PSCI_FEATURES",
}


class Psci:
    #: the PSCI version reported: 1.1 (major 16 bits, minor 16 bits), what
    #: QEMU 7.2's virt reports (its device tree still says "arm,psci-1.0";
    #: 1.1 adds only optional functions)
    VERSION_VALUE = 0x0001_0001

    def __init__(self, cpu, ncpus: int = 1):
        self.cpu = cpu
        self.ncpus = ncpus

    def _mpidr_cpu(self, mpidr: int) -> int | None:
        aff = mpidr & 0xFF00FFFFFF                    # Aff3..Aff0
        return aff if aff < self.ncpus else None

    def call(self) -> str | None:
        s = self.cpu.state
        fid = s.x[0] & 0xFFFFFFFF
        a1 = s.x[1]
        if fid & 0x40000000 == 0:                      # SMC32: arguments are 32-bit
            a1 &= 0xFFFFFFFF
        ret = NOT_SUPPORTED
        stop = None
        if fid == VERSION:
            ret = self.VERSION_VALUE
        elif fid == FEATURES:
            ret = SUCCESS if (a1 & 0xFFFFFFFF) in FUNCTIONS else NOT_SUPPORTED
        elif fid in (CPU_SUSPEND_32, CPU_SUSPEND_64):
            ret = SUCCESS                              # a standby: return at once (an interrupt would wake it)
        elif fid == CPU_OFF:
            stop = "poweroff: PSCI CPU_OFF of the last CPU"
        elif fid in (CPU_ON_32, CPU_ON_64):
            ret = ALREADY_ON if self._mpidr_cpu(a1) == self.cpu.index else INVALID_PARAMETERS
        elif fid in (AFFINITY_INFO_32, AFFINITY_INFO_64):
            ret = 0 if self._mpidr_cpu(a1) == self.cpu.index and s.x[2] == 0 else INVALID_PARAMETERS  # 0 = ON
        elif fid == MIGRATE_INFO_TYPE:
            ret = 2                                    # no Trusted OS: migration not required
        elif fid == SYSTEM_OFF:
            stop = "poweroff"
        elif fid == SYSTEM_RESET:
            stop = "reset"
        s.x[0] = ret & M64
        s.pc += 4                                      # return after the SMC
        return stop
