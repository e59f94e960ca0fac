#!/bin/sh
# Install everything the test suite needs on a fresh Debian/Ubuntu machine
# (as root, or with sudo), then the project itself with its test extras.
# Tools already present are not reinstalled.  The suite skips nothing: a
# missing tool is a failing test, so this is the way to get a green run.
set -eu
cd "$(dirname "$0")/.."

need=""
command -v aarch64-linux-gnu-as >/dev/null 2>&1 || need="$need binutils-aarch64-linux-gnu"   # test code is assembly
command -v git >/dev/null 2>&1 || need="$need git"                                            # layout checks
command -v qemu-system-aarch64 >/dev/null 2>&1 || need="$need qemu-system-arm"               # the QEMU oracle
command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 || need="$need gcc-aarch64-linux-gnu"       # kvm_test in the initramfs
command -v dtc >/dev/null 2>&1 || need="$need device-tree-compiler"                          # reads our DTBs back
command -v gdb-multiarch >/dev/null 2>&1 || need="$need gdb-multiarch"                       # drives the GDB stub
python -c "import libfdt" >/dev/null 2>&1 || {                                                # pylibfdt builds from source:
    command -v swig >/dev/null 2>&1 || need="$need swig"
    command -v cc >/dev/null 2>&1 || need="$need gcc"
}
if [ -n "$need" ]; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    # shellcheck disable=SC2086
    $SUDO apt-get install -y -qq $need >/dev/null
fi
python -m pip install -q -e '.[test]'
