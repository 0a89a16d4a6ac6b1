#!/usr/bin/env bash
# Make an appliance initramfs: a compressed cpio whose only program is /init.
#
#   images/make-initrd.sh KERNEL_DIR INIT_BINARY OUTPUT
#
# KERNEL_DIR is a cache entry of images/build-kernel.sh (bzImage, config, gen_init_cpio).
# Entries: /dev, /dev/console (char 5:1), /proc, /sys, /init (mode 0755). All owned by 0:0
# and stamped with SOURCE_DATE_EPOCH (default 0) whatever the host files say, so the
# output depends only on the binary's bytes. The compression is the one the kernel
# decompresses: zstd (CONFIG_RD_ZSTD) or xz (CONFIG_RD_XZ).
set -euo pipefail

[[ $# -eq 3 ]] || { echo "usage: $0 KERNEL_DIR INIT_BINARY OUTPUT" >&2; exit 2; }
kdir=$1 init=$(realpath "$2") out=$3
gen=$kdir/gen_init_cpio
[[ -x $gen && -f $kdir/config ]] || { echo "make-initrd: $kdir is no kernel cache entry" >&2; exit 1; }
[[ -f $init ]] || { echo "make-initrd: $init not found" >&2; exit 1; }
[[ $init != *[[:space:]]* ]] || { echo "make-initrd: path has spaces: $init" >&2; exit 1; }
magic=$(od -An -c -N4 "$init" | tr -d ' ')
[[ $magic == '177ELF' ]] || { echo "make-initrd: $init is not an ELF binary" >&2; exit 1; }

list=$(mktemp) cpio=$(mktemp)
trap 'rm -f "$list" "$cpio" "$out.tmp"' EXIT
cat >"$list" <<LIST
dir /dev 0755 0 0
nod /dev/console 0600 0 0 c 5 1
dir /proc 0755 0 0
dir /sys 0755 0 0
file /init $init 0755 0 0
LIST
"$gen" -t "${SOURCE_DATE_EPOCH:-0}" "$list" >"$cpio"
if grep -qx 'CONFIG_RD_ZSTD=y' "$kdir/config"; then
  # From a file, zstd knows the size and shrinks its window to it; the cap keeps the
  # kernel's decompression buffer at 2 MiB at most whatever the size (the guest has 32 MiB).
  zstd -q -19 --zstd=wlog=21 --no-progress -c "$cpio" >"$out.tmp"
elif grep -qx 'CONFIG_RD_XZ=y' "$kdir/config"; then
  # The kernel's xz decoder needs CRC32 (or no) checks; the x86 BCJ filter shrinks code.
  xz --format=xz --check=crc32 --x86 --lzma2=preset=9e,dict=2MiB -c "$cpio" >"$out.tmp"
else
  echo "make-initrd: the kernel in $kdir decompresses neither zstd nor xz" >&2; exit 1
fi
mv "$out.tmp" "$out"
