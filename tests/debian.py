"""Debian's arm64 packages as test fixtures: fetched with ``apt-get
download`` and the arm64 architecture options (no Debian binary is
committed), unpacked with dpkg-deb, cached under ``$A64JIT_FIXTURES`` (by
default ~/.cache/a64jit/debian).

    python tests/debian.py kernel      # prints the path of Debian's arm64 vmlinuz
    python tests/debian.py busybox     # prints the path of busybox (busybox-static, arm64)

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


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else ""
    try:
        print({"kernel": kernel, "busybox": busybox}[what]())
    except KeyError:
        sys.exit(f"usage: {sys.argv[0]} kernel|busybox")
    except FixtureError as e:
        sys.exit(f"debian.py: {e}")
