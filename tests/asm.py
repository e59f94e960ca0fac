"""Assemble A64 source for tests with GNU as (Debian binutils-aarch64-linux-gnu).

Test code is written in assembly, not hand-encoded words, so that what a
test checks is readable; the encodings come from an independent assembler.
"""
from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile

AS = shutil.which("aarch64-linux-gnu-as")
OBJCOPY = shutil.which("aarch64-linux-gnu-objcopy")


@functools.lru_cache(maxsize=None)
def asm(source: str, march: str = "armv8-a+crc+crypto") -> bytes:
    """Assemble ``source`` (instructions separated by newlines or ';') to raw bytes."""
    if AS is None or OBJCOPY is None:
        raise RuntimeError("aarch64-linux-gnu-as is not installed: run tests/bootstrap.sh "
                           "(apt-get install binutils-aarch64-linux-gnu)")
    src = "\n".join(line.strip() for line in source.replace(";", "\n").splitlines()) + "\n"
    with tempfile.TemporaryDirectory() as d:
        s, o, b = (os.path.join(d, n) for n in ("a.s", "a.o", "a.bin"))
        with open(s, "w") as fh:
            fh.write(src)
        subprocess.run([AS, f"-march={march}", "-o", o, s], check=True, capture_output=True)
        subprocess.run([OBJCOPY, "-O", "binary", "-j", ".text", o, b], check=True, capture_output=True)
        with open(b, "rb") as fh:
            return fh.read()
