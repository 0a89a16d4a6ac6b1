#!/usr/bin/env bash
# Build the Stele appliance kernel from Debian's linux-source-6.1, once.
#
#   images/build-kernel.sh            # prints the path of the cached bzImage on its last line
#
# The kernel is `make tinyconfig` + images/kernel/stele.config. The result is cached
# outside the clone at
#   $STELE_KERNEL_CACHE/<sha256(fragment + kernel package version)>/{bzImage,config,gen_init_cpio}
# (default STELE_KERNEL_CACHE=/var/cache/stele/kernel) and rebuilt only when that entry is
# absent. The unpacked source and the object tree are kept beside it, so a changed fragment
# rebuilds incrementally. STELE_KERNEL_JOBS overrides -j2.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
fragment="$here/kernel/stele.config"
cache=${STELE_KERNEL_CACHE:-/var/cache/stele/kernel}
jobs=${STELE_KERNEL_JOBS:-2}
pkg=linux-source-6.1
tarball=/usr/src/$pkg.tar.xz

log() { printf '[build-kernel] %s\n' "$*" >&2; }
die() { printf '[build-kernel] error: %s\n' "$*" >&2; exit 1; }

[[ -f $fragment ]] || die "missing $fragment"
if ! version=$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null) || [[ ! -f $tarball ]]; then
  die "$pkg is not installed (apt-get install $pkg bc flex bison libelf-dev libssl-dev)"
fi

key=$( { cat "$fragment"; printf '%s %s\n' "$pkg" "$version"; } | sha256sum | cut -d' ' -f1)
entry="$cache/$key"
if [[ -s $entry/bzImage && -x $entry/gen_init_cpio ]]; then
  log "cache hit: $entry ($pkg $version)"
  echo "$entry/bzImage"
  exit 0
fi

mkdir -p "$cache"
# One build at a time on this machine; a second caller waits, then finds the cache entry.
exec 9>"$cache/.lock"
log "waiting for the kernel build lock" ; flock 9
if [[ -s $entry/bzImage && -x $entry/gen_init_cpio ]]; then
  log "cache hit after wait: $entry"; echo "$entry/bzImage"; exit 0
fi

src="$cache/src/$pkg"
stamp="$cache/src/.unpacked-$version"
if [[ ! -f $stamp ]]; then
  log "unpacking $tarball ($version)"
  rm -rf "$cache/src"; mkdir -p "$cache/src"
  tar -C "$cache/src" -xf "$tarball"
  touch "$stamp"
fi

obj="$cache/obj-$version"
mkdir -p "$obj"
log "configuring: tinyconfig + $(basename "$fragment") in $obj"
make -s -C "$src" O="$obj" ARCH=x86_64 tinyconfig >/dev/null
"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "$fragment" >/dev/null
make -s -C "$src" O="$obj" ARCH=x86_64 olddefconfig >/dev/null

# Every symbol of the fragment must have survived Kconfig's dependency resolution.
missing=0
while IFS= read -r line; do
  if [[ $line =~ ^(CONFIG_[A-Za-z0-9_]+)=(.*)$ ]]; then
    want="${BASH_REMATCH[1]}=${BASH_REMATCH[2]}"
    grep -qxF "$want" "$obj/.config" || { log "fragment line not honoured: $want"; missing=1; }
  elif [[ $line =~ ^#\ (CONFIG_[A-Za-z0-9_]+)\ is\ not\ set$ ]]; then
    if grep -q "^${BASH_REMATCH[1]}=" "$obj/.config"; then
      log "fragment line not honoured: $line"; missing=1
    fi
  fi
done <"$fragment"
(( missing == 0 )) || die "kernel config does not match the fragment (see above)"

log "building bzImage with -j$jobs (first build takes several minutes; full log: $obj/build.log)"
start=$SECONDS
# Progress: one line per compiled file, as make prints them.
if ! make -C "$src" O="$obj" ARCH=x86_64 -j"$jobs" bzImage 2>&1 | tee "$obj/build.log" >&2; then
  die "kernel build failed"
fi
[[ -s $obj/arch/x86/boot/bzImage ]] || die "kernel build failed (see $obj/build.log)"
if [[ ! -x $obj/usr/gen_init_cpio ]]; then
  cc -O2 -o "$obj/usr/gen_init_cpio" "$src/usr/gen_init_cpio.c"
fi
log "built in $((SECONDS - start)) s"

tmp=$(mktemp -d "$cache/.entry.XXXXXX")
cp "$obj/arch/x86/boot/bzImage" "$tmp/bzImage"
cp "$obj/.config" "$tmp/config"
cp "$obj/usr/gen_init_cpio" "$tmp/gen_init_cpio"
printf '%s %s\n' "$pkg" "$version" >"$tmp/version"
chmod 755 "$tmp"
rm -rf "$entry"; mv "$tmp" "$entry"
log "cached: $entry/bzImage ($(stat -c %s "$entry/bzImage") bytes)"
echo "$entry/bzImage"
