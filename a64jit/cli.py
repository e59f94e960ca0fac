"""The ``a64jit`` command line.

``a64jit boot [KERNEL] [options]`` boots a kernel on the virt board (with no
KERNEL: the shipped demo kernel); ``a64jit run`` is the same command (the
bare-metal runner of earlier versions: bare-metal images boot the same way);
``a64jit demo`` boots the demo kernel; ``a64jit dtb -o FILE`` writes the
board's device tree; ``a64jit decode WORD...`` decodes instruction words.

The guest console is stdout (raw bytes); everything a64jit says goes to
stderr.  Exit status: 0 when the guest powers off or resets through PSCI
(or the instruction limit the user asked for is reached, or Ctrl-A X), 1
when the guest is stuck, 2 for bad input, 3 for an a64jit error, 124 on
``--timeout``, 130/143 on SIGINT/SIGTERM.
"""
from __future__ import annotations

import argparse
import os
import sys

EXIT_STUCK, EXIT_BAD_INPUT, EXIT_INTERNAL = 1, 2, 3


def _size(text: str) -> int:
    """-m SIZE: MiB by default, or with a suffix K/M/G (as QEMU's -m)."""
    t = text.strip().upper()
    mult = 1 << 20
    if t and t[-1] in "KMGT":
        mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}[t[-1]]
        t = t[:-1]
        if t.endswith("I"):
            t = t[:-1]
    try:
        v = float(t)
    except ValueError:
        raise argparse.ArgumentTypeError(f"bad memory size {text!r}") from None
    return int(v * mult)


def _summary(console, result, board, name, engine):
    from rich.table import Table
    cpu = board.cpu
    t = Table(title=f"a64jit: {name}", show_header=False)
    t.add_row("stopped by", result.reason)
    t.add_row("guest instructions", f"{result.insns:,}")
    t.add_row("wall time", f"{result.seconds:.3f} s")
    mips = result.insns / result.seconds / 1e6 if result.seconds else 0.0
    t.add_row("speed", f"{mips:.1f} MIPS (engine: {engine}, clock: {board.clock.name})")
    jit = board.jit
    if jit is not None:
        st = jit.stats
        t.add_row("translation", f"{st.blocks_lifted:,} blocks translated, {st.llvm_compiles} LLVM compiles, "
                                 f"{st.cache_hits} modules from the code cache, "
                                 f"{st.compile_seconds:.2f} s compiling; {st.hot_recompiles} hot recompiles")
        if st.index_modules or st.index_rejected:
            t.add_row("translation index", f"{st.index_modules:,} modules ({st.index_blocks:,} blocks) found by "
                                           f"their bytes, not lifted; {st.index_seconds:.2f} s")
        t.add_row("exits", f"{st.exits:,} returns from native code, {st.slow_accesses:,} slow memory accesses")
    t.add_row("final PC / EL", f"{cpu.state.pc:#x} / EL{cpu.state.el}")
    if cpu.warnings:
        for what, n in cpu.warnings.most_common():
            t.add_row("warning", f"{n:,} x {what}")
    else:
        t.add_row("warnings", "none")
    console.print(t)


def _run_debugged(board, server, target, args):
    """``board.run`` with the GDB stub (a64jit/debug.py)."""
    import time
    from .board import RunResult, OK_REASONS
    from .debug import run_debug
    s = board.cpu.state
    start, t0 = s.icount, time.perf_counter()
    board.start(args.engine, False if args.no_cache else None, args.profile)
    try:
        reason = run_debug(board, server, target, wait=args.gdb_wait,
                           log=lambda m: print(m, file=sys.stderr, flush=True))
    finally:
        server.close()
    return RunResult(reason, s.icount - start, time.perf_counter() - t0, reason in OK_REASONS or target.killed)


def _int_arg(text: str, what: str) -> int:
    try:
        return int(text, 0)
    except ValueError:
        raise ValueError(f"{what}: not a number: {text!r}") from None


def _err(msg: str) -> None:
    print(f"a64jit: {msg}", file=sys.stderr)


def cmd_boot(args) -> int:
    from rich.console import Console
    from .boot import BootSpec, prepare, BootError, parse_module
    from .bootcheck import check_boot, OK, NA, FAIL
    from .hostio import HostIO
    console = Console(stderr=True)
    try:
        spec = BootSpec(kernel=args.kernel, initrd=args.initrd, append=args.append, dtb=args.dtb,
                        modules=[parse_module(m) for m in args.module], ram_size=args.memory, el=args.el,
                        seed=args.seed, clock=args.clock)
        board, layout = prepare(spec)
    except BootError as e:
        _err(str(e))
        return EXIT_BAD_INPUT
    verdicts = check_boot(board, layout)
    if args.check_boot:
        for v in verdicts:
            print(v.line(), file=sys.stderr)
    else:
        for v in verdicts:
            if v.status not in (OK, NA):
                print(v.line(), file=sys.stderr)
    if any(v.status == FAIL for v in verdicts):
        _err("the boot contract is broken by a64jit itself (see the FAIL lines); please report it")
    name = os.path.basename(args.kernel) if args.kernel else "demo kernel"
    tap = board.tap_console() if args.stats else None
    writer = None
    if args.trace:
        from . import __version__
        from .runtime.trace import open_writer
        meta = {"a64jit": __version__, "kernel": name, "engine": args.engine, "el": args.el,
                "ram": args.memory, "append": args.append, "initrd": os.path.basename(args.initrd or "") or None}
        try:
            writer = open_writer(args.trace, meta, args.trace_level)
        except OSError as e:
            _err(f"cannot write the trace {args.trace}: {e.strerror or e}")
            return EXIT_BAD_INPUT
        board.start_trace(writer)
        for v in verdicts:
            writer.event("verdict", 0, 0, 0, int(v.status != FAIL), text=v.line())
    server = None
    if args.gdb or args.gdb_s or args.gdb_wait:
        from .gdbstub import GdbServer, parse_gdb_address
        try:
            host, port = parse_gdb_address(args.gdb or "tcp::1234")
            if args.max_insns is not None:
                raise ValueError("--max-insns cannot be used with the debugger")
            from .debug import BoardTarget
            target = BoardTarget(board)
            server = GdbServer(target, host, port)
        except ValueError as e:
            _err(str(e))
            return EXIT_BAD_INPUT
        except OSError as e:
            _err(f"cannot listen for gdb on {args.gdb or 'tcp::1234'}: {e.strerror or e}")
            return EXIT_BAD_INPUT
    symbols = sampler = None
    if args.symbols and not args.profile:
        _err("--symbols names the hottest code of --profile: give --profile too")
        return EXIT_BAD_INPUT
    if args.profile:
        from .profile import PcSampler
        if args.symbols:
            from .traceview import load_symbols, UsageError
            try:
                symbols = load_symbols(args.symbols, _int_arg(args.load_offset, "--load-offset"))[0]
            except (UsageError, OSError, ValueError) as e:
                _err(str(e))
                return EXIT_BAD_INPUT
        sampler = PcSampler(board.cpu.state).start()
    result = None
    try:
        with HostIO(board, timeout=args.timeout) as io:
            try:
                if server is None:
                    result = board.run(max_insns=args.max_insns, engine=args.engine,
                                       use_cache=False if args.no_cache else None, profile=args.profile)
                else:
                    result = _run_debugged(board, server, target, args)
            except KeyboardInterrupt:              # (the interpreter, between instructions)
                from .board import RunResult
                result = RunResult("stopped by SIGINT", board.cpu.state.icount, 0.0, False)
                io.status = 130
    except Exception as e:                         # an a64jit bug: one line, the console output is kept
        sys.stdout.flush()
        _err(f"internal error: {type(e).__name__}: {e} (at guest pc {board.cpu.state.pc:#x})")
        return EXIT_INTERNAL
    finally:                                       # the trace stays valid and complete, whatever stopped the run
        if sampler is not None:
            sampler.stop()
        if writer is not None:
            st = board.cpu.state
            writer.close(result.reason if result is not None else "internal error", st.icount, st.pc, st.el)
    sys.stdout.flush()
    if not args.quiet:
        _summary(console, result, board, name, args.engine)
    if args.profile or args.stats:
        from .profile import collect, render
        data = collect(board, result, args.engine, tap, sampler, symbols)
        if args.profile:
            render(console, data)
        if args.stats:
            import json
            try:
                with open(args.stats, "w") as f:
                    json.dump(data, f, indent=1)
            except OSError as e:
                _err(f"cannot write {args.stats}: {e.strerror}")
                return EXIT_BAD_INPUT
    if io.status is not None:
        if io.status:
            _err(result.reason)
        return io.status
    if result.ok:
        return 0
    _err(result.reason)
    return EXIT_STUCK


def cmd_dtb(args) -> int:
    from .devicetree import build_dtb, patch_chosen
    dtb = patch_chosen(build_dtb(args.memory), bootargs=args.append, seed=args.seed)
    try:
        with open(args.output, "wb") as fh:
            fh.write(dtb)
    except OSError as e:
        _err(f"{args.output}: {e.strerror}")
        return EXIT_BAD_INPUT
    return 0


def cmd_decode(args) -> int:
    from .translator.decode import decode
    from capstone import Cs, CS_ARCH_ARM64, CS_MODE_ARM
    cs = Cs(CS_ARCH_ARM64, CS_MODE_ARM)
    for w in args.words:
        try:
            word = int(w, 16)
        except ValueError:
            _err(f"not a hex instruction word: {w!r}")
            return EXIT_BAD_INPUT
        insn = decode(word)
        dis = next(cs.disasm(word.to_bytes(4, "little"), 0), None)
        text = f"{dis.mnemonic} {dis.op_str}" if dis else "(capstone: invalid)"
        print(f"{word:08x}  {insn.name:<16} {text:<32} {vars(insn.f)}")
    return 0


def _boot_options(p, kernel_required: bool = False):
    if kernel_required:
        p.add_argument("kernel", metavar="KERNEL", help="arm64 Image (raw or gzip), ELF, or flat binary")
    else:
        p.add_argument("kernel", metavar="KERNEL", nargs="?", default=None,
                       help="arm64 Image (raw or gzip), ELF, or flat binary (default: the shipped demo kernel)")
    p.add_argument("--initrd", metavar="FILE", help="initial ramdisk (as QEMU's -initrd)")
    p.add_argument("--append", metavar="STR", help="kernel command line (/chosen bootargs)")
    p.add_argument("--dtb", metavar="FILE", help="use this device tree (its /chosen is patched)")
    p.add_argument("--module", metavar="ADDR:FILE[:ARGS]", action="append", default=[],
                   help="load FILE at ADDR and describe it in /chosen (QEMU's guest-loader); repeatable")
    p.add_argument("-m", "--memory", type=_size, default=512 << 20, metavar="SIZE",
                   help="RAM size: MiB, or with K/M/G suffix (default 512M)")
    p.add_argument("--el", type=int, choices=(1, 2), default=2, help="entry exception level (default 2)")
    p.add_argument("--max-insns", type=int, default=None, metavar="N", help="stop after N instructions")
    p.add_argument("--timeout", type=float, default=None, metavar="S", help="stop after S seconds of wall time")
    p.add_argument("--engine", choices=("jit", "interp"), default="jit", help="execution engine (default jit)")
    p.add_argument("--clock", choices=("virtual", "host"), default="virtual",
                   help="virtual: time follows the instruction count (deterministic, default); host: wall clock")
    p.add_argument("--seed", type=int, default=None, metavar="N",
                   help="put kaslr-seed and rng-seed derived from N in /chosen (default: none)")
    p.add_argument("--check-boot", action="store_true", help="print the boot-contract checker's verdict per rule")
    p.add_argument("-q", "--quiet", action="store_true", help="no run summary")
    p.add_argument("--trace", metavar="FILE", help="record an execution trace (read it with a64jit trace FILE)")
    p.add_argument("--trace-level", choices=("events", "blocks", "insns"), default="blocks",
                   help="what the trace holds besides events: every block executed (default), every "
                        "instruction with the registers it changed, or events only")
    p.add_argument("--profile", action="store_true",
                   help="print where the time went (native code, translation, slow paths by reason, devices)")
    p.add_argument("--symbols", metavar="FILE", help="with --profile: name the hottest code from this ELF or "
                   "System.map (e.g. the kernel's vmlinux or System.map)")
    p.add_argument("--load-offset", metavar="ADDR", default="0",
                   help="with --symbols: add ADDR to the file's addresses (a position-independent image)")
    p.add_argument("--stats", metavar="FILE", help="write the run's figures as JSON (console lines with "
                   "the instruction count at which each was printed, exits by reason, translation)")
    p.add_argument("--no-cache", action="store_true",
                   help="do not use the persistent code cache (also: A64JIT_NO_CACHE=1)")
    p.add_argument("-s", dest="gdb_s", action="store_true", help="GDB remote stub on tcp::1234 (as QEMU's -s)")
    p.add_argument("-S", dest="gdb_wait", action="store_true",
                   help="wait for the debugger before the first instruction (as QEMU's -S)")
    p.add_argument("-gdb", "--gdb", dest="gdb", metavar="DEV",
                   help="GDB remote stub on DEV: tcp::PORT, tcp:HOST:PORT (as QEMU's -gdb)")
    p.set_defaults(fn=cmd_boot)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="a64jit", description="System-level AArch64 emulator (QEMU virt board)")
    sub = p.add_subparsers(dest="cmd", required=True)
    _boot_options(sub.add_parser("boot", help="boot a kernel on the virt board"))
    _boot_options(sub.add_parser("run", help="the same as boot (bare-metal images boot the same way)"),
                  kernel_required=True)
    d = sub.add_parser("demo", help="boot the shipped demo kernel")
    _boot_options(d)
    dt = sub.add_parser("dtb", help="write the board's device tree blob")
    dt.add_argument("-o", "--output", required=True, metavar="FILE")
    dt.add_argument("-m", "--memory", type=_size, default=512 << 20, metavar="SIZE")
    dt.add_argument("--append", metavar="STR", default=None)
    dt.add_argument("--seed", type=int, default=None)
    dt.set_defaults(fn=cmd_dtb)
    from .traceview import add_arguments as trace_arguments, run as cmd_trace
    tr = sub.add_parser("trace", help="show an execution trace (a64jit boot --trace FILE)")
    trace_arguments(tr)
    tr.set_defaults(fn=cmd_trace)
    dc = sub.add_parser("decode", help="decode instruction words (hex)")
    dc.add_argument("words", nargs="+")
    dc.set_defaults(fn=cmd_decode)
    args = p.parse_args(argv)
    try:
        return args.fn(args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
