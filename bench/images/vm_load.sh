#!/usr/bin/env bash
# Load benchmark of the dns and web appliances in VM mode (issue 4): boots each image under
# QEMU TCG (1 vCPU, -m 32) inside a network namespace of its own (tests/images/boot_harness.py),
# then, from inside that namespace and at the VM's namespace address only:
#   dns: dnsperf -l SECONDS at each rate of --dns-rates (queries/s; 0 = unthrottled with
#        at most 100 outstanding): achieved qps, queries sent/completed/lost;
#   web: wrk -t1 -c16 -dSECONDS against GET /: requests/s, latency, errors.
#
#   bench/images/vm_load.sh [BUILD_DIR] [--seconds N] [--dns-rates R1,R2,...]
#                           [--connections N] [--cmdline 'KERNEL ARGS'] [dns|web...]
#
# Defaults: BUILD_DIR build, 10 s per run, rates 1000,4000,8500,0, 16 connections;
# --cmdline appends to the image's kernel command line (experiments, e.g. mitigations=off).
# Needs root, dnsperf and
# wrk. Build the images first: images/build-images.sh BUILD_DIR. Every run is bounded in
# time (dnsperf -l, wrk -d, and a subprocess timeout); the namespaces have no route out.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build_dir=build
if [[ $# -gt 0 && $1 != -* && ! $1 =~ ^(web|dns)$ ]]; then
  build_dir=$1; shift
fi
exec /usr/bin/python3 "$here/vm_load.py" --build-dir "$build_dir" "$@"
