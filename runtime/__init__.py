"""a64jit runtime: what the guest runs on (CPU state, memory, system registers,
exceptions, and later the MMU, devices, board, loaders and the CLI)."""
