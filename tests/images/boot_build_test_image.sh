#!/usr/bin/env bash
# Build the stand-in image "testinit" (tests/images/boot_test_init.c as /init) with the same
# kernel and the same images/build-images.sh as the appliances, into OUT_DIR/testinit/.
#
#   tests/images/boot_build_test_image.sh OUT_DIR
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[[ $# -eq 1 ]] || { echo "usage: $0 OUT_DIR" >&2; exit 2; }
out=$(realpath -m "$1")
mkdir -p "$out/bin"
cc -static -Os -Wall -Wextra -Werror -o "$out/bin/testinit" "$here/boot_test_init.c"
"$here/../../images/build-images.sh" "$out" --out "$out" --binary "testinit=$out/bin/testinit" testinit
