"""The a64jit command as a user runs it."""
import subprocess
import sys

import pytest

A64JIT = [sys.executable, "-m", "a64jit"]


def run(*args):
    return subprocess.run(A64JIT + list(args), capture_output=True, text=True, timeout=120)


def test_demo_prints_results_and_summary():
    p = run("demo")
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines() == ["a64jit demo guest: running at EL2", "primes below 4000: 550",
                                     "crc32 of the sieve: e54a75f1"]
    assert "PSCI SYSTEM_OFF" in p.stderr and "guest instructions" in p.stderr


@pytest.mark.parametrize("content,msg", [(None, "No such file"), (b"", "empty file"),
                                         (b"\x1f\x8b\x08\x00", "gzip"), (b"abc", "whole number")])
def test_bad_images_give_one_line_error(tmp_path, content, msg):
    f = tmp_path / "img"
    if content is not None:
        f.write_bytes(content)
    p = run("run", str(f))
    assert p.returncode == 2
    assert msg in p.stderr and len(p.stderr.strip().splitlines()) == 1


def test_bad_option_exits_nonzero():
    assert run("run", "--el", "3", "x").returncode != 0
    assert run("decode", "xyz").returncode == 2


def test_el1_entry_and_instruction_limit(tmp_path):
    from tests.asm import asm
    f = tmp_path / "loop.bin"
    f.write_bytes(asm("mrs x0, currentel; 1: b 1b"))
    p = run("run", "--el", "1", "--max-insns", "1000", str(f))
    assert p.returncode == 0 and "instruction limit" in p.stderr and "1,000" in p.stderr


def test_decode_command():
    p = run("decode", "8b020020", "00000000")
    assert "addsub_shift" in p.stdout and "add x0, x1, x2" in p.stdout and "UNDEF" in p.stdout
