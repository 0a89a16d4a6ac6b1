"""Where a guest kernel spends its boot: a sampling profile from outside the guest.

  /usr/bin/python3 bench/images/boot_profile.py [--build-dir build] [--boots 3]
      [--system-map FILE] [--append TOKENS] NAME

Boots image NAME (the test's scenario, bare QEMU TCG) and, until its ready line, reads the
vCPU's RIP over QMP (`info registers`) every few milliseconds; maps each sample to a kernel
symbol with System.map (default: the object tree of images/build-kernel.sh's cache, which
holds the map of the last kernel built: check that it is the image's kernel) and prints
the symbols with the most samples, per 100 ms of boot and in all. The images have no
kallsyms, so initcall_debug alone shows addresses only; this also sees what runs outside
the initcalls. Samples below the kernel's addresses are firmware, the decompressor or
user space. Needs root.
"""

import argparse
import bisect
import collections
import glob
import json
import os
import re
import socket
import sys
import time

TESTS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "images")
sys.path.insert(0, os.path.abspath(TESTS_DIR))

from boot_harness import READY_RE, Lab, install_signal_cleanup, reap_stale_namespaces  # noqa: E402
from boot_scenarios import SCENARIOS  # noqa: E402

KERNEL_BASE = 0xFFFFFFFF80000000


def read_symbols(path):
    symbols = []
    with open(path) as f:
        for line in f:
            address, kind, name = line.split()[:3]
            if kind.lower() in ("t", "w"):
                symbols.append((int(address, 16), name))
    symbols.sort()
    return [a for a, _ in symbols], [n for _, n in symbols]


def symbol_of(pc, addresses, names):
    if pc < KERNEL_BASE:
        return "(firmware, decompressor or user space)"
    index = bisect.bisect_right(addresses, pc) - 1
    return names[index] if index >= 0 else "?"


def sample_boot(name, image_dir, append, period):
    """[(seconds since QEMU start, RIP)] until the ready line (at most 10 s)."""
    samples = []
    scenario = SCENARIOS[name]()
    with Lab() as lab:
        vm = scenario.boot(lab, image_dir, extra_cmdline=append).vm
        ready = READY_RE.format(name=re.escape(name))
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            deadline = time.monotonic() + 10
            while True:
                try:
                    s.connect(vm.qmp_path)
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.002)
            reader = s.makefile("r")
            reader.readline()
            s.sendall(b'{"execute": "qmp_capabilities"}\n')
            reader.readline()
            command = json.dumps({"execute": "human-monitor-command",
                                  "arguments": {"command-line": "info registers"}}).encode()
            while time.monotonic() < deadline and not re.search(ready, vm.console()):
                s.sendall(command + b"\n")
                while True:
                    reply = json.loads(reader.readline())
                    if "return" in reply or "error" in reply:
                        break
                m = re.search(r"RIP=([0-9a-f]+)", reply.get("return", ""))
                if m:
                    samples.append((time.monotonic() - vm.started_at, int(m.group(1), 16)))
                time.sleep(period)
    return samples


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build-dir", default="build")
    parser.add_argument("--boots", type=int, default=3)
    parser.add_argument("--system-map")
    parser.add_argument("--append", default="", help="extra kernel cmdline tokens")
    parser.add_argument("--period", type=float, default=0.003, help="seconds between samples")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("name", choices=sorted(SCENARIOS))
    options = parser.parse_args()
    cache = os.environ.get("STELE_KERNEL_CACHE", "/var/cache/stele/kernel")
    maps = options.system_map or sorted(glob.glob(os.path.join(cache, "obj-*", "System.map")))
    system_map = maps if isinstance(maps, str) else (maps[-1] if maps else None)
    if not system_map or not os.path.isfile(system_map):
        print("no System.map (build the kernel with images/build-kernel.sh, or --system-map)")
        return 2
    addresses, names = read_symbols(system_map)
    base = "images-test" if options.name == "testinit" else "images"
    image_dir = os.path.join(options.build_dir, base, options.name)
    install_signal_cleanup()
    reap_stale_namespaces()
    per_window = collections.defaultdict(collections.Counter)
    total = collections.Counter()
    count = 0
    for _ in range(options.boots):
        for at, pc in sample_boot(options.name, image_dir, options.append, options.period):
            symbol = symbol_of(pc, addresses, names)
            per_window[int(at * 10)][symbol] += 1
            total[symbol] += 1
            count += 1
    print(f"{options.name}: {count} samples over {options.boots} boots (System.map: {system_map})")
    print("per 100 ms of boot (seconds since QEMU start): the most sampled symbols")
    for window in sorted(per_window):
        top = ", ".join(f"{n} {c}" for n, c in per_window[window].most_common(4))
        print(f"  {window / 10:4.1f}  {top}")
    print("in all (share of samples):")
    for symbol, hits in total.most_common(options.top):
        print(f"  {100 * hits / count:5.1f}%  {symbol}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
