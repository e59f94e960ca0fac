#!/bin/sh
# Run a sample kernel under QEMU the way its .expected was captured and print
# the UART output (carriage returns removed).  Usage: run_qemu.sh IMAGE [TIMEOUT]
set -e
img=${1:?usage: run_qemu.sh IMAGE [TIMEOUT]}
t=${2:-20}
timeout "$t" qemu-system-aarch64 -M virt,virtualization=on,gic-version=3 -cpu cortex-a57 -m 512 \
    -nographic -kernel "$img" </dev/null | tr -d '\r'
