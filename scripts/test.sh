#!/usr/bin/env bash
# Runs every test tier on a fresh Debian 12 machine (as root): installs packages, builds the
# release tree, lints it, builds the appliance images, runs CTest (unit, integration, e2e),
# builds the ASan/UBSan tree and runs the unit and integration tiers under it, and builds and
# runs the fuzzers. Ends with one line "tests: N passed, N failed".
#
# A tier cannot pass by accident: a tier whose build failed is not run (no stale binaries)
# and counts as failed; a tier that ran fewer tests than its minimum below (or none) fails;
# every tier prints its own line in the summary.
#
#   bash scripts/test.sh                      everything
#   STELE_TEST_TIERS="lint fuzz" bash scripts/test.sh   only these tiers (names below);
#                                             the others are listed as "not selected"
#   STELE_FUZZ_SECONDS=30 (default)           time budget of each fuzz target
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
jobs="${STELE_JOBS:-2}"
logdir="$root/build/test-logs"
fuzz_seconds="${STELE_FUZZ_SECONDS:-30}"
all_tiers="lint unit integration images e2e asan-unit asan-integration fuzz"
tiers="${STELE_TEST_TIERS:-$all_tiers}"

# The fewest tests each tier may run; raise them as tests are added. A tier that runs fewer
# (a test file dropped from CMake, a folder no longer added, a label changed) fails.
declare -A min_tests=(
  [lint]=2               # clang-format, clang-tidy
  [unit]=220
  [integration]=143
  [images]=1             # the image build
  [e2e]=15
  [asan-unit]=220
  [asan-integration]=143
  [fuzz]=5               # manifest/envelope, stele metadata, DNS message, HTTP request, request head
)

step() { printf '\n== %s (%s)\n' "$*" "$(date +%H:%M:%S)"; }
selected() { [[ " $tiers " == *" $1 "* ]]; }

passed=0
failed=0
summary=()
# Records the outcome of tier $1: $2 passed, $3 failed, $4 how many ran ("" = not a count).
record() {
  local tier="$1" p="$2" f="$3" ran="$4" note="${5:-}"
  local min="${min_tests[$tier]}"
  if [[ -n "$ran" && "$ran" -lt "$min" ]]; then
    note="only $ran ran, the minimum is $min${note:+; $note}"
    f=$((f + 1))
  fi
  passed=$((passed + p))
  failed=$((failed + f))
  local verdict="ok"
  [[ "$f" -gt 0 ]] && verdict="FAILED"
  summary+=("$(printf '%-17s %-6s %4d passed, %d failed (min %d)%s' "$tier" "$verdict" "$p" "$f" \
    "$min" "${note:+: $note}")")
}
# A tier that could not run: one failure, and why.
record_not_run() {
  failed=$((failed + 1))
  summary+=("$(printf '%-17s %-6s not run: %s' "$1" "FAILED" "$2")")
}

# Builds dir $1 (cmake args in build_args) and targets $2...; leaves $1/.stele-build-ok only
# when the build succeeded, so no tier ever runs what an earlier build left behind.
build_tree() {
  local dir="$1"; shift
  rm -f "$dir/.stele-build-ok"
  cmake -S . -B "$dir" -G Ninja "${build_args[@]}" > "$logdir/cmake-$(basename "$dir").log" 2>&1 \
    || { tail -30 "$logdir/cmake-$(basename "$dir").log"; return 1; }
  ninja -C "$dir" -j "$jobs" "$@" || return 1
  touch "$dir/.stele-build-ok"
}

# Runs ctest in build dir $2 for tier $1 with extra args $3...; records the tier.
run_ctest() {
  local tier="$1" dir="$2"; shift 2
  if [[ ! -f "$dir/.stele-build-ok" ]]; then
    record_not_run "$tier" "the build of $dir failed"
    return
  fi
  local out
  out="$(cd "$dir" && ctest --output-on-failure --timeout 900 -j "$jobs" "$@" 2>&1)"
  echo "$out" | tail -60
  local line
  line="$(echo "$out" | grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' | tail -1)"
  if [[ -z "$line" ]]; then
    record "$tier" 0 0 0 "ctest reported no result"
    return
  fi
  local f t
  f="$(echo "$line" | sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/')"
  t="$(echo "$line" | sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\2/')"
  record "$tier" $((t - f)) "$f" "$t"
}

mkdir -p "$logdir"
step "install packages"
bash scripts/install-deps.sh || exit 1

step "build (release)"
build_args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
mkdir -p build/test-logs
build_tree build || echo "release build failed"

if selected lint; then
  step "lint: clang-format (check) and clang-tidy over the whole tree"
  bash scripts/lint.sh build
  lint=$?  # bit 1: clang-format failed, bit 2: clang-tidy failed
  lint_failed=$(((lint & 1) + ((lint >> 1) & 1)))
  record lint $((2 - lint_failed)) "$lint_failed" 2
fi

if selected unit; then
  step "unit tests (release)"
  run_ctest unit build -L '^unit$'
fi
if selected integration; then
  step "integration tests (release)"
  run_ctest integration build -L '^integration$'
fi

if selected images; then
  step "build appliance images (kernel cached under /var/cache/stele)"
  if bash images/build-images.sh "$root/build" > "$logdir/images.log" 2>&1; then
    record images 1 0 1
  else
    tail -40 "$logdir/images.log"
    record images 0 1 1 "image build failed (see $logdir/images.log)"
  fi
fi

if selected e2e; then
  step "end-to-end tests (release, QEMU under TCG in network namespaces)"
  run_ctest e2e build -L '^e2e$'
fi

if selected asan-unit || selected asan-integration; then
  step "build (ASan + UBSan)"
  build_args=(-DCMAKE_BUILD_TYPE=Debug -DSTELE_SANITIZE=ON)
  build_tree build-asan || echo "sanitizer build failed: its tiers do not run"
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  if selected asan-unit; then
    step "unit tests under ASan + UBSan"
    run_ctest asan-unit build-asan -L '^unit$'
  fi
  if selected asan-integration; then
    step "integration tests under ASan + UBSan (server and appliance children included)"
    run_ctest asan-integration build-asan -L '^integration$'
  fi
  unset ASAN_OPTIONS UBSAN_OPTIONS
fi

if selected fuzz; then
  step "fuzzers (libFuzzer, clang-16, ${fuzz_seconds}s each; corpora in tests/fuzz/corpus/)"
  build_args=(-DSTELE_FUZZ=ON -DSTELE_BUILD_SERVICES=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo
              -DSTELE_FUZZ_SECONDS="$fuzz_seconds")
  CC=clang-16 CXX=clang++-16 build_tree build-fuzz fuzzers || echo "fuzz build failed"
  run_ctest fuzz build-fuzz -L '^fuzz$'
fi

echo
echo "== summary"
for tier in $all_tiers; do
  if ! selected "$tier"; then
    printf '%-17s not selected (STELE_TEST_TIERS)\n' "$tier"
  fi
done
printf '%s\n' "${summary[@]}"
if [[ "$tiers" != "$all_tiers" ]]; then
  echo "only some tiers ran (STELE_TEST_TIERS=$tiers): this is not a full result"
  failed=$((failed + 0))
fi
echo
echo "tests: $passed passed, $failed failed"
[[ "$failed" -eq 0 ]]
