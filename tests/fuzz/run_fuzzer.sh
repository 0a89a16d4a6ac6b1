#!/usr/bin/env bash
# Runs one libFuzzer target for SECONDS over its corpus in the source tree, then keeps that
# corpus small: libFuzzer's -merge=1 keeps only inputs that add coverage, and at most
# MAX_FILES of them (the smallest first) stay. Later runs start from what this one found.
# Exits non-zero when the fuzzer finds a crash, leak, timeout or broken invariant (the input
# is kept under ARTIFACTS), or when the corpus is missing or empty.
#   run_fuzzer.sh FUZZER CORPUS_DIR SECONDS ARTIFACTS_DIR [MAX_FILES]
set -euo pipefail
fuzzer="$1" corpus="$2" seconds="$3" artifacts="$4" max_files="${5:-64}"
name="$(basename "$fuzzer")"
if [[ ! -d "$corpus" ]] || [[ -z "$(ls -A "$corpus")" ]]; then
  echo "$name: no seed corpus in $corpus" >&2
  exit 1
fi
mkdir -p "$artifacts"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir "$work/grown" "$work/merged"
# New inputs go to a scratch dir first, so a crash leaves the committed corpus as it was.
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
  -print_final_stats=1 -artifact_prefix="$artifacts/$name-" "$work/grown" "$corpus" \
  > "$work/log" 2>&1 || { tail -60 "$work/log"; echo "$name: FAILED (see $artifacts)"; exit 1; }
grep -E 'stat::number_of_executed_units|stat::new_units_added' "$work/log" | sed "s/^/$name /"
"$fuzzer" -merge=1 -max_len=4096 "$work/merged" "$corpus" "$work/grown" > "$work/merge.log" 2>&1 \
  || { tail -20 "$work/merge.log"; echo "$name: corpus merge failed"; exit 1; }
# Seeds with a name (committed by hand) always stay; found inputs (hash names) are capped.
find "$corpus" -type f -regextype posix-extended -regex '.*/[0-9a-f]{40}' -delete
cp -n "$work"/merged/* "$corpus"/ 2>/dev/null || true
found=( $(cd "$corpus" && ls -S -r | grep -E '^[0-9a-f]{40}$' || true) )
if (( ${#found[@]} > max_files )); then
  for extra in "${found[@]:max_files}"; do rm -f "$corpus/$extra"; done
fi
echo "$name: corpus $(ls "$corpus" | wc -l) files in $corpus"
