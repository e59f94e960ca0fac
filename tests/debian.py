"""Debian's arm64 packages as test fixtures: fetched with ``apt-get
download`` and the arm64 architecture options (no Debian binary is
committed), unpacked with dpkg-deb, cached under ``$A64JIT_FIXTURES`` (by
default ~/.cache/a64jit/debian).

    python tests/debian.py kernel      # prints the path of Debian's arm64 vmlinuz
    python tests/debian.py busybox     # prints the path of busybox (busybox-static, arm64)
    python tests/debian.py initramfs   # builds (once) and prints the path of the initramfs (cpio.gz)

The kernel is the newest ``linux-image-*-arm64`` the package lists name
(the ``linux-image-arm64`` metapackage's dependency).
"""
from __future__ import annotations

import glob
import os
import re
import subprocess
import sys

ARM64 = ["-oAPT::Architecture=arm64", "-oAPT::Architectures=arm64"]
CACHE = os.environ.get("A64JIT_FIXTURES") or os.path.join(os.path.expanduser("~"), ".cache", "a64jit", "debian")


class FixtureError(Exception):
    pass


def _apt(*args, cwd=None):
    return subprocess.run(["apt-get", *ARM64, *args], cwd=cwd, capture_output=True, text=True)


def _update_lists():
    p = _apt("update", "-qq")
    if p.returncode:
        raise FixtureError(f"apt-get update (arm64) failed: {p.stderr.strip()[-300:]}")


def _depends(pkg: str) -> list[str]:
    p = subprocess.run(["apt-cache", *ARM64, "depends", pkg], capture_output=True, text=True)
    return re.findall(r"Depends: (\S+)", p.stdout) if p.returncode == 0 else []


def fetch(pkg: str) -> str:
    """Download and unpack ``pkg`` (arm64); the directory it was unpacked in."""
    dest = os.path.join(CACHE, pkg)
    done = os.path.join(dest, ".unpacked")
    if os.path.exists(done):
        return dest
    os.makedirs(dest, exist_ok=True)
    p = _apt("download", pkg, cwd=dest)
    if p.returncode:                              # no arm64 package lists yet: fetch them, retry
        _update_lists()
        p = _apt("download", pkg, cwd=dest)
        if p.returncode:
            raise FixtureError(f"apt-get download {pkg} (arm64) failed: {p.stderr.strip()[-300:]}")
    debs = glob.glob(os.path.join(dest, "*.deb"))
    if not debs:
        raise FixtureError(f"apt-get download {pkg}: no .deb")
    subprocess.run(["dpkg-deb", "-x", debs[0], os.path.join(dest, "root")], check=True)
    open(done, "w").close()
    return dest


def kernel_package() -> str:
    deps = _depends("linux-image-arm64")
    if not deps:
        _update_lists()
        deps = _depends("linux-image-arm64")
    images = [d for d in deps if d.startswith("linux-image-")]
    if not images:
        raise FixtureError("no linux-image-*-arm64 package in the arm64 package lists")
    return images[0]


def kernel() -> str:
    """Debian's stock arm64 kernel (vmlinuz: a gzip-compressed arm64 Image)."""
    found = glob.glob(os.path.join(CACHE, "linux-image-*", "root", "boot", "vmlinuz-*"))
    if found:
        return sorted(found)[-1]
    root = fetch(kernel_package())
    found = glob.glob(os.path.join(root, "root", "boot", "vmlinuz-*"))
    if not found:
        raise FixtureError(f"{root}: no boot/vmlinuz-* in the package")
    return found[0]


def busybox() -> str:
    path = os.path.join(fetch("busybox-static"), "root", "bin", "busybox")
    if not os.path.exists(path):
        raise FixtureError(f"{path}: not in busybox-static")
    return path


# /init of the initramfs: mounts the pseudo file systems, says so, installs
# busybox's applets and hands the console to a shell (poweroff -f ends it);
# with "a64jit.script" on the command line it runs a few commands and the
# KVM test itself and powers off (no input needed: a deterministic run).
INIT = """#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev /tmp /sbin /usr/bin /usr/sbin
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev
/bin/busybox --install -s
echo "init: userspace is up ($(uname -r))"
if /bin/busybox grep -q a64jit.script /proc/cmdline; then
    # unattended (the determinism test): a few commands, a KVM guest, power off
    uname -a
    grep -m1 Features /proc/cpuinfo
    kvm_test
    poweroff -f
fi
exec /bin/sh
"""


def _cpio_newc(entries) -> bytes:
    """A newc cpio archive of (name, mode, data) entries (the initramfs format)."""
    out = bytearray()
    for ino, (name, mode, data) in enumerate(list(entries) + [("TRAILER!!!", 0, b"")], start=1):
        nm = name.encode() + b"\0"
        hdr = "070701" + "".join(f"{v:08X}" for v in (ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(nm), 0))
        out += hdr.encode() + nm
        out += bytes(-len(out) % 4) + data
        out += bytes(-len(out) % 4)
    return bytes(out)


KVM_TEST = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "samples", "linux", "kvm_test.c")
CROSS_CC = "aarch64-linux-gnu-gcc"


def kvm_test() -> str:
    """samples/linux/kvm_test.c built static for arm64 (Debian's gcc-aarch64-linux-gnu), cached by content."""
    import hashlib
    with open(KVM_TEST, "rb") as fh:
        src = fh.read()
    path = os.path.join(CACHE, f"kvm_test-{hashlib.sha256(src).hexdigest()[:12]}")
    if not os.path.exists(path):
        os.makedirs(CACHE, exist_ok=True)
        try:
            p = subprocess.run([CROSS_CC, "-static", "-O2", "-Wall", "-o", path + ".tmp", KVM_TEST],
                               capture_output=True, text=True)
        except FileNotFoundError:
            raise FixtureError(f"{CROSS_CC} not found (Debian package gcc-aarch64-linux-gnu)") from None
        if p.returncode:
            raise FixtureError(f"{CROSS_CC} kvm_test.c failed: {p.stderr.strip()[-300:]}")
        os.replace(path + ".tmp", path)
    return path


def initramfs() -> str:
    """initrd.cpio.gz: busybox (static), the applet links /bin/sh, /init and
    /bin/kvm_test; cached under a name that depends on all of them."""
    import gzip
    import hashlib
    with open(busybox(), "rb") as fh:
        bb = fh.read()
    with open(kvm_test(), "rb") as fh:
        kt = fh.read()
    key = hashlib.sha256(bb + kt + INIT.encode()).hexdigest()[:12]
    path = os.path.join(CACHE, f"initrd-{key}.cpio.gz")
    if os.path.exists(path):
        return path
    d, f, lnk = 0o040755, 0o100755, 0o120777
    entries = [("bin", d, b""), ("dev", d, b""), ("proc", d, b""), ("sys", d, b""), ("tmp", d, b""),
               ("bin/busybox", f, bb), ("bin/sh", lnk, b"busybox"), ("bin/kvm_test", f, kt),
               ("init", f, INIT.encode())]
    tmp = path + ".tmp"
    with open(tmp, "wb") as fh:
        fh.write(gzip.compress(_cpio_newc(entries), 6, mtime=0))
    os.replace(tmp, path)
    return path


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else ""
    try:
        print({"kernel": kernel, "busybox": busybox, "initramfs": initramfs}[what]())
    except KeyError:
        sys.exit(f"usage: {sys.argv[0]} kernel|busybox|initramfs")
    except FixtureError as e:
        sys.exit(f"debian.py: {e}")
