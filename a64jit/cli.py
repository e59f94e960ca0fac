"""The ``a64jit`` command line."""
from __future__ import annotations

import argparse
import os
import sys

DEMO = os.path.join(os.path.dirname(__file__), "samples", "demo.bin")


def _summary(console, result, cpu, image_name, engine, jit):
    from rich.table import Table
    t = Table(title=f"a64jit run: {image_name}", show_header=False)
    t.add_row("stopped by", result.reason)
    t.add_row("guest instructions", f"{result.insns:,}")
    t.add_row("wall time", f"{result.seconds:.3f} s")
    mips = result.insns / result.seconds / 1e6 if result.seconds else 0.0
    t.add_row("speed", f"{mips:.3f} MIPS (engine: {engine})")
    if jit is not None:
        st = jit.stats
        t.add_row("translation", f"{st.blocks_lifted} blocks lifted, {st.llvm_compiles} LLVM compiles "
                                 f"({st.blocks_compiled} blocks), {st.cache_hits} modules from the code cache, "
                                 f"{st.compile_seconds * 1000:.1f} ms compiling/loading; "
                                 f"{st.hot_recompiles} hot modules recompiled at O2 ({st.hot_seconds * 1000:.1f} ms)")
    t.add_row("final PC / EL", f"{cpu.state.pc:#x} / EL{cpu.state.el}")
    if cpu.warnings:
        for what, n in cpu.warnings.most_common():
            t.add_row("warning", f"{n} x {what}")
    else:
        t.add_row("warnings", "none")
    console.print(t)


def cmd_run(args) -> int:
    from rich.console import Console
    from .runtime.loader import load_file, ImageError, KERNEL_BASE_OFFSET
    from .machine import Machine, RAM_BASE
    console = Console(stderr=True)
    try:
        image = load_file(args.image)
    except ImageError as e:
        print(f"a64jit: {e}", file=sys.stderr)
        return 2
    ram = args.memory << 20
    addr = RAM_BASE + KERNEL_BASE_OFFSET + image.text_offset
    if addr + image.image_size > RAM_BASE + ram:
        print(f"a64jit: {args.image}: image ({image.image_size:#x} bytes) does not fit in {args.memory} MiB of RAM", file=sys.stderr)
        return 2
    m = Machine(ram_size=ram)
    m.load(addr, image.data)
    m.enter(addr, el=args.el)
    result = m.run(max_insns=args.max_insns, engine=args.engine, use_cache=False if args.no_cache else None)
    sys.stdout.flush()
    if not args.quiet:
        _summary(console, result, m.cpu, os.path.basename(args.image), args.engine, m.jit)
    return 130 if result.reason == "interrupted" else 0


def cmd_decode(args) -> int:
    from .translator.decode import decode
    from capstone import Cs, CS_ARCH_ARM64, CS_MODE_ARM
    cs = Cs(CS_ARCH_ARM64, CS_MODE_ARM)
    for w in args.words:
        try:
            word = int(w, 16)
        except ValueError:
            print(f"a64jit: not a hex instruction word: {w!r}", file=sys.stderr)
            return 2
        insn = decode(word)
        dis = next(cs.disasm(word.to_bytes(4, "little"), 0), None)
        text = f"{dis.mnemonic} {dis.op_str}" if dis else "(capstone: invalid)"
        print(f"{word:08x}  {insn.name:<16} {text:<32} {vars(insn.f)}")
    return 0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="a64jit", description="System-level AArch64 emulator")
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="run a bare-metal arm64 Image or flat binary")
    r.add_argument("image")
    r.add_argument("--el", type=int, choices=(1, 2), default=2, help="entry exception level (default 2)")
    r.add_argument("-m", "--memory", type=int, default=512, help="RAM in MiB (default 512)")
    r.add_argument("--max-insns", type=int, default=None, help="stop after this many instructions")
    r.add_argument("-q", "--quiet", action="store_true", help="no run summary")
    r.add_argument("--engine", choices=("jit", "interp"), default="jit", help="execution engine (default jit)")
    r.add_argument("--no-cache", action="store_true", help="do not use the persistent code cache (also: A64JIT_NO_CACHE=1)")
    r.set_defaults(fn=cmd_run)
    d = sub.add_parser("demo", help="run the shipped demo guest program")
    d.add_argument("-q", "--quiet", action="store_true")
    d.add_argument("--engine", choices=("jit", "interp"), default="jit")
    d.add_argument("--no-cache", action="store_true")
    d.set_defaults(fn=lambda a: cmd_run(argparse.Namespace(image=DEMO, el=2, memory=512, max_insns=None, quiet=a.quiet,
                                                           engine=a.engine, no_cache=a.no_cache)))
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
