#!/bin/sh
# One command: build `stele` and `registry_bench` if needed, run the benchmark, print the table.
#   bench/registry/run.sh [registry_bench flags: --size-mib N --rounds N --put-seconds S]
# STELE_BUILD_DIR picks the build tree (default: build/ at the repository root); a fresh one is
# configured without the hypervisor and the appliances, which the registry does not need.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${STELE_BUILD_DIR:-$root/build}
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DSTELE_BUILD_SERVICES=OFF >/dev/null
fi
ninja -C "$build" -j2 stele registry_bench >/dev/null
exec "$build/bench/registry/registry_bench" --stele "$build/stele" "$@"
