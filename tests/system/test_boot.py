"""``a64jit boot`` as a user runs it: the demo, loaders (Image raw and
gzip, ELF, flat), the device tree (built, a user's, patched /chosen,
modules), the boot-contract checker, exit statuses, bad input, stuck
guests, timeouts and signals."""
import gzip
import os
import select
import shutil
import signal
import struct
import subprocess
import sys
import time

import libfdt
import pytest

from tests.asm import asm

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HELLO = os.path.join(ROOT, "samples", "boot", "hello.img")
A64JIT = [sys.executable, "-m", "a64jit"]
ENV = dict(os.environ, COLUMNS="200")
UART = "ldr x1, =0x09000000; "
OFF = "ldr x0, =0x84000008; smc #0; "


def run(*args, timeout=120, **kw):
    """``a64jit ARGS`` (``a64jit boot ARGS`` when the first one is not a command)."""
    args = [str(a) for a in args]
    if args[0] not in ("boot", "run", "demo", "dtb", "decode"):
        args.insert(0, "boot")
    return subprocess.run(A64JIT + args, capture_output=True, timeout=timeout,
                          stdin=subprocess.DEVNULL, env=ENV, **kw)


def flat(tmp_path, src, name="k.bin"):
    f = tmp_path / name
    f.write_bytes(asm(src))
    return f


def say(text):
    return "".join(f"mov w2, #{ord(c)}; strb w2, [x1]; " for c in text)


# -- the demo ------------------------------------------------------------------------------
@pytest.mark.parametrize("cmd", [["demo"], ["boot"]])
def test_demo_kernel_boots_and_powers_off(cmd):
    p = run(*cmd)
    assert p.returncode == 0, p.stderr
    out = p.stdout.decode()
    assert out.startswith("\n  a64jit demo kernel\n") and "started at EL2" in out
    assert "step 10/10" in out and out.endswith("powering off with PSCI SYSTEM_OFF\n")
    err = p.stderr.decode()
    assert "poweroff" in err and "guest instructions" in err and "MIPS" in err


# -- loaders -------------------------------------------------------------------------------------
def test_gzip_image_boots_like_the_raw_one(tmp_path):
    z = tmp_path / "hello.gz"
    z.write_bytes(gzip.compress(open(HELLO, "rb").read()))
    a, b = run(HELLO, "-q"), run(z, "-q")
    assert a.returncode == b.returncode == 0 and a.stdout == b.stdout and b"CurrentEL 2" in a.stdout


def test_flat_binary_goes_at_ram_plus_0x80000(tmp_path):
    # prints the low byte of its own address's bits 23:16 as a letter: 0x40080000 -> 0x08 -> 'I'
    f = flat(tmp_path, "adr x3, .; lsr x3, x3, #16; and x3, x3, #0xff; add x3, x3, #'A'; " + UART
             + "strb w3, [x1]; " + OFF)
    p = run(f, "-q")
    assert p.returncode == 0 and p.stdout == b"I"


def test_elf_kernel_at_its_physical_address(tmp_path):
    src = tmp_path / "k.S"
    src.write_text(".globl _start\n_start:\n adr x3, .\n lsr x3, x3, #20\n and x3, x3, #0xf\n add x3, x3, #'A'\n"
                   " ldr x1, =0x09000000\n strb w3, [x1]\n add x4, x0, #'a'\n strb w4, [x1]\n"
                   " ldr x0, =0x84000008\n smc #0\n")
    subprocess.run(["aarch64-linux-gnu-as", "-o", tmp_path / "k.o", src], check=True)
    subprocess.run(["aarch64-linux-gnu-ld", "-Ttext=0x40300000", "-o", tmp_path / "k.elf", tmp_path / "k.o"],
                   check=True)
    p = run(tmp_path / "k.elf", "-q")
    assert p.returncode == 0 and p.stdout == b"Da"          # at 0x40300000 (bits 23:20 = 3), x0 = 0 (as QEMU)


def test_entry_at_el1_with_firmware_state(tmp_path):
    # CurrentEL, then CNTPCT readable at EL1 (CNTHCTL_EL2.EL1PCTEN) and ICC_SRE_EL1.SRE
    f = flat(tmp_path, "mrs x3, currentel; lsr x3, x3, #2; add x3, x3, #'0'; " + UART + "strb w3, [x1]; "
             "mrs x4, cntpct_el0; mrs x5, s3_0_c12_c12_5; and x5, x5, #1; add x5, x5, #'0'; strb w5, [x1]; "
             + OFF)
    p = run(f, "-q", "--el", "1", "--check-boot")
    assert p.returncode == 0 and p.stdout == b"11", p.stderr
    assert b"FAIL" not in p.stderr and b"HCR_EL2.RW = 1" in p.stderr


# -- the device tree ---------------------------------------------------------------------------
def test_dtb_command_writes_a_tree_dtc_reads(tmp_path):
    out = tmp_path / "virt.dtb"
    assert run("dtb", "-o", out, "--append", "console=ttyAMA0").returncode == 0
    dts = subprocess.run(["dtc", "-I", "dtb", "-O", "dts", out], capture_output=True, text=True, check=True).stdout
    for node in ("psci {", "memory@40000000 {", "intc@8000000 {", "pl011@9000000 {", "pl031@9010000 {",
                 "timer {", "cpu@0 {", "apb-pclk {", "chosen {"):
        assert node in dts
    assert 'bootargs = "console=ttyAMA0";' in dts and 'method = "smc";' in dts
    assert "kaslr-seed" not in dts and "rng-seed" not in dts


def test_dtb_nodes_match_qemu(tmp_path):
    """Every node we describe exists in QEMU's own tree with the same reg,
    interrupts and compatible."""
    q = tmp_path / "qemu.dtb"
    subprocess.run(["qemu-system-aarch64", "-M", f"virt,virtualization=on,gic-version=3,dumpdtb={q}", "-cpu",
                    "cortex-a57", "-m", "512", "-nographic"], capture_output=True, check=True, timeout=60)
    ours = tmp_path / "ours.dtb"
    run("dtb", "-o", ours)
    qf, of = libfdt.Fdt(q.read_bytes()), libfdt.Fdt(ours.read_bytes())
    for path in ("/psci", "/memory@40000000", "/intc@8000000", "/pl011@9000000", "/pl031@9010000", "/timer",
                 "/cpus/cpu@0", "/apb-pclk"):
        for prop in ("reg", "interrupts", "compatible", "method", "clocks", "phandle", "clock-frequency"):
            a = of.getprop(of.path_offset(path), prop, libfdt.QUIET_NOTFOUND)
            b = qf.getprop(qf.path_offset(path), prop, libfdt.QUIET_NOTFOUND)
            if path == "/intc@8000000" and prop == "reg":       # one redistributor frame, not QEMU's 123
                assert bytes(a)[:24] == bytes(b)[:24]
                continue
            assert (bytes(a) if not isinstance(a, int) else a) == (bytes(b) if not isinstance(b, int) else b), \
                (path, prop)


def test_user_dtb_is_used_with_chosen_patched(tmp_path):
    from a64jit.boot import BootSpec, prepare
    user = tmp_path / "user.dtb"
    run("dtb", "-o", user)
    initrd = tmp_path / "rd"
    initrd.write_bytes(b"x" * 5000)
    board, lay = prepare(BootSpec(kernel=HELLO, dtb=str(user), append="root=/dev/ram", initrd=str(initrd)))
    f = libfdt.Fdt(bytes(board.mem.read_bytes(lay.dtb_addr, lay.dtb_size)))
    ch = f.path_offset("/chosen")
    assert f.getprop(ch, "bootargs").as_str() == "root=/dev/ram"
    assert f.getprop(ch, "linux,initrd-start").as_uint64() == lay.initrd[0] == 0x48000000   # RAM + 128 MB
    assert f.getprop(ch, "linux,initrd-end").as_uint64() == 0x48000000 + 5000
    assert lay.dtb_addr == 0x48200000                                        # after it, 2 MB aligned (QEMU)
    assert bytes(board.mem.read_bytes(lay.initrd[0], 5000)) == b"x" * 5000


def test_modules_as_qemu_guest_loader(tmp_path):
    from a64jit.boot import BootSpec, prepare, parse_module
    k, r = tmp_path / "xen-dom0", tmp_path / "dom0-rd"
    k.write_bytes(b"K" * 100)
    r.write_bytes(b"R" * 200)
    board, lay = prepare(BootSpec(kernel=HELLO, modules=[parse_module(f"0x47000000:{k}:console=hvc0 root=/dev/ram"),
                                                         parse_module(f"0x47100000:{r}")]))
    f = libfdt.Fdt(bytes(board.mem.read_bytes(lay.dtb_addr, lay.dtb_size)))
    m = f.path_offset("/chosen/module@47000000")
    assert f.getprop(m, "compatible") == b"multiboot,module\0multiboot,kernel\0"
    assert f.getprop(m, "bootargs").as_str() == "console=hvc0 root=/dev/ram"
    assert struct.unpack(">QQ", bytes(f.getprop(m, "reg"))) == (0x47000000, 100)
    m2 = f.path_offset("/chosen/module@47100000")
    assert f.getprop(m2, "compatible") == b"multiboot,module\0multiboot,ramdisk\0"
    assert bytes(board.mem.read_bytes(0x47100000, 200)) == b"R" * 200


def test_seed_only_when_asked(tmp_path):
    a, b = tmp_path / "a.dtb", tmp_path / "b.dtb"
    run("dtb", "-o", a, "--seed", "7")
    run("dtb", "-o", b, "--seed", "7")
    f = libfdt.Fdt(a.read_bytes())
    assert f.getprop(f.path_offset("/chosen"), "kaslr-seed", libfdt.QUIET_NOTFOUND) != -libfdt.NOTFOUND
    assert a.read_bytes() == b.read_bytes()                               # derived from N: deterministic


# -- the boot contract checker ---------------------------------------------------------------------------
def test_check_boot_prints_every_rule_ok():
    p = run(HELLO, "-q", "--check-boot")
    lines = [ln for ln in p.stderr.decode().splitlines() if ln.startswith("boot-check")]
    assert len(lines) >= 20 and all(" ok:" in ln or "n/a:" in ln for ln in lines), lines


def test_checker_flags_a_broken_contract():
    from a64jit.boot import BootSpec, prepare
    from a64jit.bootcheck import check_boot, FAIL
    board, lay = prepare(BootSpec(kernel=HELLO))
    board.cpu.state.x[2] = 5
    board.cpu.state.daif = 0
    board.cpu.sysregs.set("SCTLR_EL2", board.cpu.sysregs.get("SCTLR_EL2") | 1)
    bad = {v.rule for v in check_boot(board, lay) if v.status == FAIL}
    assert bad == {"x1 = x2 = x3 = 0 (reserved)", "PSTATE.DAIF all masked", "MMU off (SCTLR_EL2.M = 0)"}


def test_user_layout_violation_is_a_warning(tmp_path):
    big = tmp_path / "big.dtb"
    # a user DTB bigger than 2 MB: booting.rst's limit, a warning naming the rule
    fdt = libfdt.FdtSw()
    fdt.finish_reservemap()
    with fdt.add_node(""):
        fdt.property("pad", b"\0" * (2 << 20))
        with fdt.add_node("memory@40000000"):
            fdt.property("reg", struct.pack(">QQ", 0x40000000, 512 << 20))
    big.write_bytes(bytes(fdt.as_fdt().as_bytearray()))
    p = run(HELLO, "-q", "--dtb", big)
    assert p.returncode == 2 and b"2 MB" in p.stderr      # refused: the kernel could not even find it


# -- bad input: one line, non-zero status ---------------------------------------------------------------
def _truncated_efi_image(tmp_path):
    data = bytearray(open(HELLO, "rb").read())
    pe = 0x40
    data[0:2] = b"MZ"
    struct.pack_into("<I", data, 0x3C, pe)
    data[pe:pe + 4] = b"PE\0\0"
    struct.pack_into("<HH", data, pe + 4, 0xAA64, 1)          # machine, one section
    struct.pack_into("<H", data, pe + 20, 0)                   # no optional header
    sec = pe + 24
    struct.pack_into("<II", data, sec + 16, 0x100000, 0x1000)  # SizeOfRawData 1 MB at 0x1000
    f = tmp_path / "trunc.img"
    f.write_bytes(bytes(data))
    return f


@pytest.mark.parametrize("case,msg", [
    ("missing", b"No such file"), ("empty", b"empty file"), ("truncated", b"truncated Image"),
    ("badmagic", b"bad magic"), ("badgzip", b"corrupt gzip"), ("odd", b"whole number of instructions"),
])
def test_bad_kernels(tmp_path, case, msg):
    f = tmp_path / "k"
    if case == "empty":
        f.write_bytes(b"")
    elif case == "truncated":
        f = _truncated_efi_image(tmp_path)
    elif case == "badmagic":
        d = bytearray(open(HELLO, "rb").read())
        d[0x38:0x3C] = b"ARM\x65"
        f.write_bytes(bytes(d))
    elif case == "badgzip":
        f.write_bytes(gzip.compress(bytes(range(256)) * 40)[:200])        # cut short
    elif case == "odd":
        f.write_bytes(b"abcde")
    p = run(f)
    assert p.returncode == 2 and msg in p.stderr and len(p.stderr.strip().splitlines()) == 1, p.stderr


@pytest.mark.parametrize("args,msg", [
    (["--dtb", "NOTDTB"], b"not a flattened device tree"), (["--dtb", "TRUNC"], b"truncated device tree"),
    (["--dtb", "CORRUPT"], b"corrupt device tree"),
    (["--initrd", "/nonexistent/initrd"], b"No such file"), (["-m", "1"], b"outside what the board supports"),
    (["-m", "300G"], b"outside what the board supports"), (["-m", "3M"], b"does not fit"),
    (["--module", "0x10:/etc/hostname"], b"outside RAM"), (["--module", "nonsense"], b"expected ADDR:FILE"),
])
def test_bad_boot_input(tmp_path, args, msg):
    good = tmp_path / "good.dtb"
    run("dtb", "-o", good)
    (tmp_path / "NOTDTB").write_bytes(b"\x7fELF" + b"\0" * 60)
    (tmp_path / "TRUNC").write_bytes(good.read_bytes()[:100])
    bad = bytearray(good.read_bytes())
    struct.pack_into(">I", bad, 0x18, 99)                          # last_comp_version libfdt does not know
    (tmp_path / "CORRUPT").write_bytes(bytes(bad))
    args = [str(tmp_path / a) if a in ("NOTDTB", "CORRUPT", "TRUNC") else a for a in args]
    p = run(HELLO, *args)
    assert p.returncode == 2 and msg in p.stderr and len(p.stderr.strip().splitlines()) == 1, p.stderr


def test_bad_option_exits_nonzero():
    assert run("boot", "--el", "3").returncode != 0
    assert run("decode", "xyz").returncode == 2


# -- stuck guests, limits, timeouts, signals -------------------------------------------------------------
def test_exception_loop_at_own_vector_is_stuck(tmp_path):
    # VBAR_EL2 = 0x40000000 + 0x1000000: nothing there (zeroes = UDF), so the UNDEF is taken at its vector
    f = flat(tmp_path, "ldr x0, =0x41000000; msr vbar_el2, x0; isb; udf #0")
    p = run(f, timeout=60)
    assert p.returncode == 1 and b"guest stuck: exception EC=0x00 taken at its own vector 0x41000200" in p.stderr


def test_wfi_nothing_can_wake_is_stuck(tmp_path):
    f = flat(tmp_path, UART + say("zz") + "1: wfi; b 1b")
    p = run(f, timeout=60)
    assert p.returncode == 1 and p.stdout == b"zz" and b"guest stuck: WFI" in p.stderr


def test_wfi_skips_to_the_timer_deadline(tmp_path):
    # one virtual second (62,500,000 ticks) of sleep costs a handful of instructions
    f = flat(tmp_path, "ldr x0, =62500000; msr cnthp_tval_el2, x0; mov x0, #1; msr cnthp_ctl_el2, x0; "
             + GIC_PPI26 +
             "1: wfi; mrs x0, cnthp_ctl_el2; tbz x0, #2, 1b; " + UART + say("ok") + OFF)
    p = run(f)
    assert p.returncode == 0 and p.stdout == b"ok"
    insns = int([ln for ln in p.stderr.decode().splitlines() if "guest instructions" in ln][0].split()[-2].replace(",", ""))
    assert insns < 1000


GIC_PPI26 = ("ldr x0, =0x08000000; mov w2, #2; str w2, [x0]; "                        # GICD_CTLR.EnableGrp1
             "ldr x0, =0x080A0014; str wzr, [x0]; "                                   # GICR_WAKER: awake
             "ldr x0, =0x080B0000; mov w2, #1 << 26; str w2, [x0, #0x80]; str w2, [x0, #0x100]; "
             "mov x2, #0xff; msr icc_pmr_el1, x2; mov x2, #1; msr icc_igrpen1_el1, x2; isb; ")


def test_timer_programmed_while_running_fires_on_time(tmp_path):
    """A timer armed by the running guest (no WFI after it) interrupts at its
    deadline, not when the engine's slice would have ended."""
    f = flat(tmp_path, GIC_PPI26 + "mov x0, #100; msr cnthp_tval_el2, x0; mov x0, #1; msr cnthp_ctl_el2, x0; "
             "mov x5, #0; 1: add x5, x5, #1; mrs x6, isr_el1; tbz x6, #7, 1b; " + UART
             + "ldr x7, =2000; cmp x5, x7; b.hi 2f; " + say("on time") + "b 3f; 2: " + say("late") + "3: " + OFF)
    for engine in ("jit", "interp"):
        p = run(f, "-q", "--engine", engine)
        assert p.returncode == 0 and p.stdout == b"on time", (engine, p.stdout)


def test_instruction_limit(tmp_path):
    f = flat(tmp_path, "1: b 1b")
    p = run(f, "--max-insns", "1000")
    assert p.returncode == 0 and b"instruction limit" in p.stderr and b"1,000" in p.stderr


def test_timeout_stops_a_native_loop(tmp_path):
    f = flat(tmp_path, UART + say("hi") + "1: add x2, x2, #1; b 1b")
    t = time.monotonic()
    p = run(f, "--timeout", "1.5")
    assert p.returncode == 124 and p.stdout == b"hi" and b"timeout after 1.5 s" in p.stderr
    assert time.monotonic() - t < 20


@pytest.mark.parametrize("engine", ["jit", "interp"])
def test_a_prompt_without_newline_is_out_while_the_guest_runs(tmp_path, engine):
    """The UART flushes its stream at each line's end; what follows the last
    line (a shell's prompt) is flushed by the board at the next return to the
    run loop, not only when the run ends."""
    f = flat(tmp_path, UART + say("# ") + "1: add x2, x2, #1; b 1b")
    p = subprocess.Popen(A64JIT + ["boot", str(f), "--engine", engine], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=ENV)
    try:
        got, end = b"", time.monotonic() + 30
        while len(got) < 2 and time.monotonic() < end:
            if select.select([p.stdout], [], [], 0.2)[0]:
                got += os.read(p.stdout.fileno(), 16)
        assert got == b"# " and p.poll() is None        # out, with the guest still running
    finally:
        p.kill()
        p.communicate()


@pytest.mark.parametrize("sig,status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
@pytest.mark.parametrize("engine", ["jit", "interp"])
def test_signal_stops_a_looping_guest(tmp_path, sig, status, engine):
    f = flat(tmp_path, UART + say("hi\n") + "1: add x2, x2, #1; b 1b")
    p = subprocess.Popen(A64JIT + ["boot", str(f), "--engine", engine], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=ENV)
    assert p.stdout.readline() == b"hi\n"          # the guest is running: its output is already out
    time.sleep(0.5)
    t = time.monotonic()
    p.send_signal(sig)
    out, err = p.communicate(timeout=30)
    assert time.monotonic() - t < 5
    assert p.returncode == status and b"guest instructions" in err and b"stopped by SIG" in err, err


# -- the console ------------------------------------------------------------------------------------------
ECHO = (UART + "1: ldr w2, [x1, #0x18]; tbnz w2, #4, 1b; "          # UARTFR.RXFE: wait for a byte
        "ldr w3, [x1]; and w3, w3, #0xff; strb w3, [x1]; cmp w3, #'q'; b.ne 1b; " + OFF)


def test_stdin_feeds_the_uart(tmp_path):
    f = flat(tmp_path, ECHO)
    p = subprocess.run(A64JIT + ["boot", str(f), "-q"], input=b"hello, guest q", capture_output=True, timeout=60)
    assert p.returncode == 0 and p.stdout == b"hello, guest q"


def test_terminal_raw_mode_and_ctrl_a_x(tmp_path):
    """On a terminal: raw mode (bytes go to the guest as typed, Ctrl-C included), Ctrl-A X quits with
    status 0, and the terminal's settings are restored."""
    import pty
    import termios
    f = flat(tmp_path, ECHO.replace("#'q'", "#'Q'"))
    master, slave = pty.openpty()
    before = termios.tcgetattr(slave)
    p = subprocess.Popen(A64JIT + ["boot", str(f), "-q"], stdin=slave, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=ENV)
    deadline = time.monotonic() + 60
    while termios.tcgetattr(slave) == before:         # a64jit has put the terminal in raw mode
        assert time.monotonic() < deadline and p.poll() is None
        time.sleep(0.05)
    os.write(master, b"ab\x03c")                  # Ctrl-C is a byte for the guest here, not a signal
    echoed = b""
    while echoed != b"ab\x03c":                    # the guest has echoed it all
        assert time.monotonic() < deadline and p.poll() is None, echoed
        if select.select([p.stdout], [], [], 0.1)[0]:
            echoed += os.read(p.stdout.fileno(), 64)
    os.write(master, b"\x01x")                    # Ctrl-A X
    out, err = p.communicate(timeout=30)
    assert p.returncode == 0, err
    assert echoed + out == b"ab\x03c"
    assert termios.tcgetattr(slave) == before
    os.close(master)
    os.close(slave)
