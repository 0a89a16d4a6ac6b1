#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine (as root): installs packages, builds, starts
# `stele server` on the embedded SQLite default, and pushes a signed image to it.
#
#   bash scripts/run.sh
#
# Environment: STELE_DATA (default /var/lib/stele), STELE_LISTEN (default 127.0.0.1:7070).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
data="${STELE_DATA:-/var/lib/stele}"
listen="${STELE_LISTEN:-127.0.0.1:7070}"
server="http://$listen"

echo "== install packages"
bash scripts/install-deps.sh
echo "== build"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build -j "${STELE_JOBS:-2}"
stele="$root/build/stele"

if curl -fsS "$server/healthz" >/dev/null 2>&1; then
  echo "== stele server already answers on $server"
else
  echo "== start stele server on $listen (data $data)"
  mkdir -p "$data"
  nohup "$stele" server --listen "$listen" --data-dir "$data" >>"$data/server.log" 2>&1 &
  for _ in $(seq 1 100); do
    curl -fsS "$server/healthz" >/dev/null 2>&1 && break
    sleep 0.1
  done
  curl -fsS "$server/healthz" >/dev/null || { tail "$data/server.log"; exit 1; }
fi
export STELE_SERVER="$server"
export STELE_TOKEN="$(cat "$data/admin.token")"

echo "== signing key and trust store"
keys="$data/keys"
mkdir -p "$keys"
[[ -f "$keys/ci.key" ]] || "$stele" keygen --out "$keys/ci"
"$stele" key add "$keys/ci.pub" --names '*' --comment "demo pipeline key"

echo "== push a signed image"
if [[ -x images/build-images.sh ]] && bash images/build-images.sh "$root/build" >"$data/images.log" 2>&1 \
    && [[ -f build/images/web/kernel ]]; then
  for name in web dns router firewall; do
    dir="build/images/$name"
    [[ -f "$dir/kernel" ]] || continue
    "$stele" push "$name:0.1.0" --draft "$dir" \
      --annotation pipeline=scripts/run.sh --key "$keys/ci.key" \
      || echo "(kept $name:0.1.0 as first pushed: versions are immutable)"
  done
else
  echo "(appliance images not built; pushing a small sample image instead)"
  sample="$data/sample"
  mkdir -p "$sample"
  [[ -f "$sample/kernel" ]] || head -c 1048576 /dev/urandom >"$sample/kernel"
  "$stele" push "sample:0.1.0" --kernel "$sample/kernel" --cmdline "console=ttyS0" \
    --annotation pipeline=scripts/run.sh --key "$keys/ci.key"
fi
"$stele" get images

cat <<MSG

Stele is running on $server (data in $data, log in $data/server.log).
  export STELE_SERVER=$server
  export STELE_TOKEN=\$(cat $data/admin.token)
  $stele get images
  $stele image verify NAME:VERSION
MSG
