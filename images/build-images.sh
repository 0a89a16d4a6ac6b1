#!/usr/bin/env bash
# Build the appliance images: for each appliance, BUILD_DIR/images/NAME/ with
#   kernel         the cached bzImage from images/build-kernel.sh
#   initrd         zstd cpio whose only program is /init = the static appliance (stripped)
#   manifest.json  manifest draft in the format of images/manifest.h (schemaVersion 1);
#                  the blob files are named after their role (kernel, initrd); the four
#                  appliances carry the annotation appliance=NAME (their config grammar)
#
#   images/build-images.sh BUILD_DIR [--out DIR] [--binary NAME=PATH]... [NAME...]
#
# NAMEs default to: web dns router firewall. Binaries come from BUILD_DIR/services/stele-NAME;
# when BUILD_DIR is a CMake build tree they are (re)built first with
# `cmake --build BUILD_DIR --target stele-NAME...`. --binary uses a given binary instead
# (tests use it for their stand-in init). Environment: STELE_IMAGE_VERSION (default
# 0.1.0-dev), SOURCE_DATE_EPOCH (cpio timestamps, default 0), STELE_KERNEL_CACHE.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
log() { printf '[build-images] %s\n' "$*" >&2; }
die() { printf '[build-images] error: %s\n' "$*" >&2; exit 1; }
usage() { sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }

[[ $# -ge 1 && $1 != -* ]] || usage
build_dir=$(realpath -m "$1"); shift
out=""
declare -A given=()
names=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --out) [[ $# -ge 2 ]] || usage; out=$(realpath -m "$2"); shift 2 ;;
    --binary) [[ $# -ge 2 && $2 == *=* ]] || usage; given[${2%%=*}]=$(realpath "${2#*=}"); shift 2 ;;
    -h|--help) usage ;;
    -*) die "unknown option $1" ;;
    *) names+=("$1"); shift ;;
  esac
done
[[ ${#names[@]} -gt 0 ]] || names=(web dns router firewall)
out=${out:-$build_dir/images}
version=${STELE_IMAGE_VERSION:-0.1.0-dev}
# Boot options, each measured by bench/images/boot.sh (interleaved A/B, TCG; images/README.md):
#   acpi=noirq           PCI interrupts not routed through ACPI link devices, whose AML runs
#                        slowly under TCG; virtio uses MSI-X anyway (-0.2 s)
#   no_timer_check       skips the IO-APIC timer test at boot (-0.03 to -0.05 s)
#   pty.legacy_count=0   no 256 legacy BSD ptys to register (-0.03 to -0.05 s)
#   noapictimer          ticks from the HPET: no 100 ms local-APIC timer calibration, which
#                        a CPU without TSC-deadline (TCG's qemu64) pays at boot (-0.10 s)
cmdline="console=ttyS0 quiet acpi=noirq no_timer_check pty.legacy_count=0 noapictimer"

for name in "${names[@]}"; do
  [[ $name =~ ^[a-z0-9]+([._-][a-z0-9]+)*$ ]] || die "bad appliance name '$name'"
done

# 1. kernel (cached; built once)
kernel=$("$here/build-kernel.sh" | tail -n1)
gen_init_cpio=$(dirname "$kernel")/gen_init_cpio
[[ -s $kernel && -x $gen_init_cpio ]] || die "build-kernel.sh gave no kernel"

# 2. appliance binaries
to_build=()
for name in "${names[@]}"; do
  [[ -n ${given[$name]:-} ]] || to_build+=("stele-$name")
done
if [[ ${#to_build[@]} -gt 0 ]]; then
  if [[ -f $build_dir/CMakeCache.txt ]]; then
    log "building ${to_build[*]} in $build_dir"
    cmake --build "$build_dir" --target "${to_build[@]}" >&2 || die "building the appliances failed"
  fi
  for target in "${to_build[@]}"; do
    [[ -x $build_dir/services/$target ]] \
      || die "$build_dir/services/$target missing (configure BUILD_DIR with cmake first)"
  done
fi

commit=$(git -C "$here/.." rev-parse HEAD 2>/dev/null || true)
dirty=""
if [[ -n $commit ]] && ! git -C "$here/.." diff --quiet HEAD -- services images 2>/dev/null; then
  dirty=true
fi

sha256() { sha256sum "$1" | cut -d' ' -f1; }
size() { stat -c %s "$1"; }

summary=()
work=""
trap 'rm -rf "$work"' EXIT
for name in "${names[@]}"; do
  binary=${given[$name]:-$build_dir/services/stele-$name}
  # A static binary has no PT_INTERP: /init cannot use a dynamic loader.
  if readelf -lW "$binary" | grep -q 'INTERP'; then
    die "$binary is dynamically linked; /init must be static"
  fi
  dir=$out/$name
  mkdir -p "$dir"
  work=$(mktemp -d)
  strip --strip-all -o "$work/init" "$binary"
  "$here/make-initrd.sh" "$(dirname "$kernel")" "$work/init" "$dir/initrd.tmp"
  mv "$dir/initrd.tmp" "$dir/initrd"
  cp "$kernel" "$dir/kernel.tmp" && mv "$dir/kernel.tmp" "$dir/kernel"
  init_size=$(size "$work/init")
  rm -rf "$work"

  /usr/bin/python3 - "$dir" "$name" "$version" "$cmdline" "$commit" "$dirty" \
    "$(sha256 "$dir/kernel")" "$(size "$dir/kernel")" \
    "$(sha256 "$dir/initrd")" "$(size "$dir/initrd")" \
    "$here/appliance-config-keys.tsv" <<'PY'
import json, sys
(dir_, name, version, cmdline, commit, dirty, ksha, ksize, isha, isize, keys_file) = sys.argv[1:]
config = []
with open(keys_file) as f:
    for line in f:
        if not line.strip() or line.startswith("#"):
            continue
        appliance, key, required, description = line.rstrip("\n").split("\t")
        if appliance == name:
            config.append({"key": key, "required": required == "required",
                           "description": description})
annotations = {"builder": "images/build-images.sh"}
# The config grammar the server checks a deployment's config with at apply
# (scheduler/appliance_grammar.h); other images (the tests' stand-in init) get key checks only.
if name in ("web", "dns", "router", "firewall"):
    annotations["appliance"] = name
if commit:
    annotations["commit"] = commit + ("-dirty" if dirty else "")
manifest = {
    "schemaVersion": 1,
    "name": name,
    "version": version,
    "boot": {"kind": "kernel", "cmdline": cmdline},
    "blobs": {
        "kernel": {"digest": "sha256:" + ksha, "size": int(ksize)},
        "initrd": {"digest": "sha256:" + isha, "size": int(isize)},
    },
    "resources": {"vcpus": 1, "memoryMiB": 32},
    "config": config,
    "annotations": annotations,
}
with open(dir_ + "/manifest.json", "w") as f:
    json.dump(manifest, f, indent=2, sort_keys=True)
    f.write("\n")
PY
  k=$(size "$dir/kernel") i=$(size "$dir/initrd")
  summary+=("$(printf '%-10s %9d %9d %9d %9d  %s' "$name" "$init_size" "$k" "$i" $((k + i)) "$dir")")
done

{
  printf '%-10s %9s %9s %9s %9s  %s\n' image "init" kernel initrd total directory
  printf '%s\n' "${summary[@]}"
  echo "(bytes; init = stripped appliance before compression; total = kernel + initrd)"
} >&2
