#!/usr/bin/env bash
# Boot-to-healthy benchmark of the appliance images under QEMU TCG (-m 32).
#
#   bench/images/boot.sh [BUILD_DIR] [--runs N] [--no-memory] [--variant LABEL=SPEC]... [NAME...]
#
# Boots each image N times (default 10) per variant, the variants interleaved, in network
# namespaces of its own, and prints per image and variant: kernel/initrd sizes, time to the
# ready line and to the first successful health check (min/median/max; probe polls every
# 20 ms), through libvirt also provision (define+start) and destroy latency; then per image a
# table of boot phases (QEMU's trace of fw_cfg and UART writes, host clock), the longest
# silences of the kernel log, and guest memory. The default variants are the image as its
# manifest boots it, bare QEMU and through a private libvirtd, each also without `quiet`
# (whose kernel log splits the kernel phases). SPEC: cmdline tokens to add (+tok or tok) or
# remove (-tok), bios=FILE (bios= for SeaBIOS), initrd=FILE, libvirt; e.g.
# --variant "seabios=bios=" --variant "no-acpi-irq=-acpi=noirq".
# NAMEs default to web dns router firewall testinit; images come from BUILD_DIR/images
# (testinit from BUILD_DIR/images-test). Needs root. Build the images first:
# images/build-images.sh BUILD_DIR; tests/images/boot_build_test_image.sh BUILD_DIR/images-test.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build_dir=build
if [[ $# -gt 0 && $1 != -* && ! $1 =~ ^(web|dns|router|firewall|testinit)$ ]]; then
  build_dir=$1; shift
fi
exec /usr/bin/python3 "$here/boot_bench.py" --build-dir "$build_dir" "$@"
