#!/usr/bin/env bash
# Boot-to-healthy benchmark of the appliance images under QEMU TCG (-m 32).
#
#   bench/images/boot.sh [BUILD_DIR] [--runs N] [NAME...]
#
# Boots each image N times (default 10) in network namespaces of its own, and prints per
# image: kernel/initrd sizes, time from QEMU start to the ready line and to the first
# successful health check (monotonic clock, probe polls every 20 ms) as min/median/max,
# and guest memory. NAMEs default to web dns router firewall testinit; images come from
# BUILD_DIR/images (testinit from BUILD_DIR/images-test). Needs root. Build the images
# first: images/build-images.sh BUILD_DIR; tests/images/boot_build_test_image.sh
# BUILD_DIR/images-test.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build_dir=build
if [[ $# -gt 0 && $1 != -* && ! $1 =~ ^(web|dns|router|firewall|testinit)$ ]]; then
  build_dir=$1; shift
fi
exec /usr/bin/python3 "$here/boot_bench.py" --build-dir "$build_dir" "$@"
