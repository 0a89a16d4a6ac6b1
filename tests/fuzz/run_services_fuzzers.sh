#!/usr/bin/env bash
# Builds the appliance parser fuzzers (DNS message, HTTP request) with clang and libFuzzer
# and runs each for SECONDS. Independent of the main CMake build.
#   tests/fuzz/run_services_fuzzers.sh BUILD_DIR [SECONDS]
# Needs clang >= 16 (Debian clang-16 + libclang-rt-16-dev); override with CXX_FUZZ=... .
# libstdc++ 12 hides <expected> unless __cpp_concepts >= 202002L, which clang 16 implements
# (P0848) but does not yet advertise, so the macro is raised on the command line.
# Exits non-zero when a build fails or a fuzzer finds a crash.
set -euo pipefail

build_dir="${1:?usage: run_services_fuzzers.sh BUILD_DIR [SECONDS]}"
seconds="${2:-20}"
here="$(cd "$(dirname "$0")" && pwd)"
services="$(cd "$here/../../services" && pwd)"

if [[ -z "${CXX_FUZZ:-}" ]]; then
  for candidate in clang++-18 clang++-17 clang++-16; do
    if command -v "$candidate" >/dev/null; then CXX_FUZZ="$candidate"; break; fi
  done
fi
: "${CXX_FUZZ:?no clang++ found}"

mkdir -p "$build_dir"
flags=(-std=c++2b -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -fno-omit-frame-pointer -Wall -Wextra -Werror -I "$services"
       -U__cpp_concepts -D__cpp_concepts=202002L -Wno-builtin-macro-redefined)

build() {
  local name="$1"; shift
  echo "== building $name with $CXX_FUZZ"
  "$CXX_FUZZ" "${flags[@]}" "$here/$name.cc" "$@" -o "$build_dir/$name"
}

build fuzz_dns_message "$services/dns/dns_message.cc" "$services/dns/dns_name.cc"
build fuzz_http_request "$services/web/http_request_parser.cc"

# Seed corpora: a few valid inputs so the fuzzers start deep.
seed() {
  local dir="$build_dir/corpus/$1"; mkdir -p "$dir"
  shift
  local i=0
  for input in "$@"; do printf "$input" > "$dir/seed$i"; i=$((i + 1)); done
}
seed fuzz_dns_message \
  '\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x01\x03www\x07example\x04test\x00\x00\x01\x00\x01\x00\x00\x29\x10\x00\x00\x00\x00\x00\x00\x00' \
  '\x12\x34\x84\x00\x00\x01\x00\x01\x00\x00\x00\x00\x03www\x07example\x04test\x00\x00\x05\x00\x01\xc0\x0c\x00\x05\x00\x01\x00\x00\x00\x3c\x00\x02\xc0\x10'
seed fuzz_http_request \
  'GET / HTTP/1.1\r\nHost: w\r\n\r\n' \
  'GET /healthz HTTP/1.1\r\nHost: w\r\nContent-Length: 2\r\n\r\nhiHEAD /x HTTP/1.0\r\nConnection: keep-alive\r\n\r\n'

status=0
for name in fuzz_dns_message fuzz_http_request; do
  echo "== running $name for ${seconds}s"
  mkdir -p "$build_dir/artifacts/$name"
  if ! "$build_dir/$name" -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 \
      -artifact_prefix="$build_dir/artifacts/$name/" "$build_dir/corpus/$name" 2>"$build_dir/$name.log"; then
    echo "!! $name failed; see $build_dir/$name.log and $build_dir/artifacts/$name/"
    tail -40 "$build_dir/$name.log"
    status=1
  else
    grep -E 'stat::number_of_executed_units|stat::new_units_added' "$build_dir/$name.log" | sed "s/^/   $name /"
  fi
done
exit $status
