"""a64jit.runtime (folder runtime/): what the guest runs on — CPU state,
memory, system registers, exceptions, runtime helpers, the generated-code ABI
(``abi``), image loading; later the MMU and the devices.  The bottom layer:
it imports nothing from the translator or the composition."""
