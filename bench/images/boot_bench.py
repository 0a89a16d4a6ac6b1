"""Boot-to-healthy benchmark; see bench/images/boot.sh."""

import argparse
import os
import re
import statistics
import sys
import time

TESTS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "images")
sys.path.insert(0, os.path.abspath(TESTS_DIR))

from boot_harness import (READY_RE, Lab, finish_probe, install_signal_cleanup, log,  # noqa: E402
                          probe, reap_stale_namespaces, start_probe)
from boot_scenarios import SCENARIOS  # noqa: E402


def meminfo_used(scenario):
    """testinit only: MemTotal - MemAvailable as the guest kernel sees it, from /meminfo."""
    ok, _, out = probe(scenario.ns, "http", f"http://{scenario.subnet}.2/meminfo", "200",
                       timeout=5)
    if not ok:
        return None
    argv = scenario.ns.exec_argv("/usr/bin/python3", "-c",
                                 "import urllib.request,sys;"
                                 "o=urllib.request.build_opener(urllib.request.ProxyHandler({}));"
                                 "print(o.open(sys.argv[1],timeout=5).read().decode())",
                                 f"http://{scenario.subnet}.2/meminfo")
    import subprocess
    text = subprocess.run(argv, capture_output=True, text=True, timeout=20).stdout
    values = {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\w+):\s+(\d+) kB", text, re.M)}
    if "MemTotal" not in values or "MemAvailable" not in values:
        return None
    return values["MemTotal"], values["MemTotal"] - values["MemAvailable"], values.get("MemFree")


def bench_image(name, image_dir, runs):
    ready_times, healthy_times, touched, used = [], [], [], None
    for run in range(runs):
        scenario = SCENARIOS[name]()
        with Lab() as lab:
            boot = scenario.boot(lab, image_dir)
            vm = boot.vm
            poller = start_probe(boot.probe_ns, *boot.probe_args, timeout=120)
            # Ready line: seen by polling the serial log every 20 ms, while the probe runs.
            ready = vm.wait_for_console(READY_RE.format(name=re.escape(boot.ready_name)), 120)
            ok, at, out = finish_probe(poller)
            if not ok:
                log(f"{name} run {run + 1}: not healthy: {out}\n{vm.console()[-2000:]}")
                continue
            healthy_times.append(at - vm.started_at)
            if ready is not None:
                ready_times.append(ready - vm.started_at)
            if run == 0:
                time.sleep(2)  # idle
                touched.append(vm.touched_guest_pages())
            log(f"{name} run {run + 1}/{runs}: healthy after {healthy_times[-1]:.2f} s")
    # Memory in use: one more boot with init_on_free=1, so that every page the kernel freed
    # is zero again and the non-zero pages are the ones in use (kernel image included).
    scenario = SCENARIOS[name]()
    with Lab() as lab:
        boot = scenario.boot(lab, image_dir, extra_cmdline="init_on_free=1")
        ok, _, out = probe(boot.probe_ns, *boot.probe_args, timeout=120)
        if ok:
            time.sleep(2)  # idle
            in_use = boot.vm.touched_guest_pages()
            meminfo = meminfo_used(scenario) if name == "testinit" else None
            used = (in_use, meminfo)
        else:
            log(f"{name}: memory boot not healthy: {out}")
    return ready_times, healthy_times, touched, used


def fmt(values):
    if not values:
        return "     -      -      -"
    return f"{min(values):6.2f} {statistics.median(values):6.2f} {max(values):6.2f}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build-dir", default="build")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("names", nargs="*")
    options = parser.parse_args()
    names = options.names or ["web", "dns", "router", "firewall", "testinit"]
    install_signal_cleanup()
    reap_stale_namespaces()
    rows = []
    for name in names:
        base = "images-test" if name == "testinit" else "images"
        image_dir = os.path.join(options.build_dir, base, name)
        if not os.path.isfile(os.path.join(image_dir, "manifest.json")):
            log(f"{name}: no image in {image_dir}; skipped")
            continue
        kernel = os.path.getsize(os.path.join(image_dir, "kernel"))
        initrd = os.path.getsize(os.path.join(image_dir, "initrd"))
        ready, healthy, touched, used = bench_image(name, image_dir, options.runs)
        rows.append((name, kernel, initrd, ready, healthy, touched, used))

    print()
    print(f"QEMU TCG, -m 32, 1 vCPU, {options.runs} boots per image; seconds from QEMU start"
          " (min median max); probe polls every 20 ms")
    print(f"{'image':<9} {'kernel':>8} {'initrd':>8} {'total':>8}   {'ready line':^20}   "
          f"{'healthy':^20}  ok  {'touched':>7}  {'in use':>7}  {'meminfo':>7}")
    mib = lambda v: f"{v / 1048576:5.1f}Mi" if v is not None else "      -"  # noqa: E731
    for name, kernel, initrd, ready, healthy, touched, used in rows:
        in_use, meminfo = used if used else (None, None)
        print(f"{name:<9} {kernel:>8} {initrd:>8} {kernel + initrd:>8}   {fmt(ready)}   "
              f"{fmt(healthy)}  {len(healthy):2d}  {mib(touched[0] if touched else None):>7}  "
              f"{mib(in_use):>7}  {mib(meminfo[1] * 1024 if meminfo else None):>7}")
    print("sizes in bytes. Guest RAM (of 32 MiB), read from a QMP dump-guest-memory when idle"
          " after boot:\n  touched = pages not all-zero (written since boot: an upper bound);"
          "\n  in use  = the same on a boot with init_on_free=1 (freed pages are zeroed):"
          " kernel image, page cache, slab, the appliance;\n  meminfo = MemTotal - MemAvailable"
          " from the guest's /proc/meminfo (testinit only; excludes the kernel image)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
