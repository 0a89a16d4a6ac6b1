#!/usr/bin/env bash
# Runs every test tier on a fresh Debian 12 machine (as root): installs packages, builds the
# release and the ASan/UBSan trees, builds the appliance images, starts what the tests need,
# runs CTest (unit, integration, e2e), the sanitizer run of the unit and integration tiers,
# and the fuzzers. Ends with one line "tests: N passed, N failed".
#
#   bash scripts/test.sh            everything
#   STELE_TEST_QUICK=1 bash scripts/test.sh   skip the sanitizer build and the fuzzers
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
jobs="${STELE_JOBS:-2}"
logdir="$root/build/test-logs"

step() { printf '\n== %s (%s)\n' "$*" "$(date +%H:%M:%S)"; }

step "install packages"
bash scripts/install-deps.sh || exit 1

step "build (release)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || exit 1
ninja -C build -j "$jobs" || exit 1
mkdir -p "$logdir"

if [[ -x images/build-images.sh ]]; then
  step "build appliance images (kernel cached under /var/cache/stele)"
  bash images/build-images.sh "$root/build" > "$logdir/images.log" 2>&1 \
    || { tail -40 "$logdir/images.log"; echo "image build failed"; }
fi

passed=0
failed=0
# Runs ctest in build dir $1 with extra args; adds its counts to the totals.
run_ctest() {
  local dir="$1"; shift
  local out
  out="$(cd "$dir" && ctest --output-on-failure --timeout 900 -j "$jobs" "$@" 2>&1)"
  echo "$out" | tail -60
  local line
  line="$(echo "$out" | grep -E 'tests passed, [0-9]+ tests failed out of [0-9]+' | tail -1)"
  if [[ -z "$line" ]]; then
    if echo "$out" | grep -q "No tests were found"; then return; fi
    failed=$((failed + 1)); return
  fi
  local f t
  f="$(echo "$line" | sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1/')"
  t="$(echo "$line" | sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\2/')"
  passed=$((passed + t - f))
  failed=$((failed + f))
}

step "unit and integration tests (release)"
run_ctest build -L 'unit|integration'

step "end-to-end tests (release, QEMU under TCG in network namespaces)"
run_ctest build -L e2e

if [[ -z "${STELE_TEST_QUICK:-}" ]]; then
  step "build (ASan + UBSan)"
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSTELE_SANITIZE=ON >/dev/null \
    && ninja -C build-asan -j "$jobs" \
    || { echo "sanitizer build failed"; failed=$((failed + 1)); }
  step "unit and integration tests under ASan + UBSan"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_ctest build-asan -L 'unit|integration'

  step "fuzzers (libFuzzer, clang-16)"
  CC=clang-16 CXX=clang++-16 cmake -S . -B build-fuzz -G Ninja -DSTELE_FUZZ=ON \
    -DSTELE_BUILD_SERVICES=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    >/dev/null && ninja -C build-fuzz -j "$jobs" fuzz_manifest_envelope \
    && run_ctest build-fuzz -R '^fuzz_' \
    || { echo "fuzz build failed"; failed=$((failed + 1)); }
fi

echo
echo "tests: $passed passed, $failed failed"
[[ "$failed" -eq 0 ]]
