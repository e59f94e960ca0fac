"""Devices of the board (the runtime layer: they import nothing above
``a64jit.runtime``).  One module per device; the board (a64jit/board.py)
creates and maps them.

The interfaces every device here follows:

- **MMIO**: ``mmio_read(offset, size) -> int`` and ``mmio_write(offset, size,
  value)``, ``offset`` from the base of the device's region, ``size`` 1, 2, 4
  or 8 bytes.  Registers a device does not have read as zero and ignore
  writes, counted once per offset in the run summary (``cpu.warn``), the way
  QEMU logs guest errors; the guest never sees a Python error.
- **Interrupt outputs**: a device is given callables ``irq(level: bool)``
  (level-sensitive lines into the GIC: ``gic.line(intid)``).
- **System-register interfaces** (the GIC CPU interface, the generic timers):
  ``sysreg_read(name, key, rt) -> int`` / ``sysreg_write(name, key, rt,
  value)`` for the rows of runtime/sysreg_defs.py they own, attached with
  ``cpu.sysregs.attach(device, names)``; the table's access checks (EL, EL0
  gates, HCR_EL2 traps) have run before they are called.
- **Interrupt controller to CPU**: the GIC drives ``cpu.irq_line``,
  ``cpu.fiq_line`` (physical) and ``cpu.virq_line``, ``cpu.vfiq_line``
  (virtual CPU interface) and sets ``cpu.async_dirty`` when they may have
  changed; the run loop and the engines take interrupts from there.
"""
