"""Boot-to-healthy benchmark; see bench/images/boot.sh."""

import argparse
import os
import re
import statistics
import sys
import time

TESTS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "images")
sys.path.insert(0, os.path.abspath(TESTS_DIR))

from boot_harness import (Lab, finish_probe, install_signal_cleanup, log, probe,  # noqa: E402
                          reap_stale_namespaces, start_probe)
from boot_libvirt import LibvirtLab, PrivateLibvirtd  # noqa: E402
from boot_phases import PHASES, largest_gaps, phase_durations, read_trace  # noqa: E402
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


class Variant:
    """A way to boot the images: bare QEMU or through libvirt, cmdline tokens added and
    removed, a firmware file."""

    def __init__(self, label, spec=""):
        self.label, self.add, self.drop, self.bios = label, [], [], None
        self.libvirt, self.initrd = False, None
        for token in spec.split():
            if token == "libvirt":
                self.libvirt = True
            elif token.startswith("bios="):
                self.bios = token[len("bios="):]
            elif token.startswith("initrd="):
                self.initrd = token[len("initrd="):]
            elif token.startswith("-"):
                self.drop.append(token[1:])
            else:
                self.add.append(token[1:] if token.startswith("+") else token)
        self.healthy, self.ready, self.phases, self.gaps = [], [], [], None
        self.provision, self.destroy = [], []

    def vm_options(self):
        return {"extra_cmdline": " ".join(self.add), "drop_cmdline": self.drop, "bios": self.bios,
                "initrd": self.initrd, "trace": True}


# Without --variant: the image as its manifest boots it, bare and through libvirt, and each
# also without `quiet`, whose kernel log marks the phases inside the kernel (the difference
# in healthy is what the console output costs).
DEFAULT_VARIANTS = ["qemu=", "qemu-verbose=-quiet", "libvirt=libvirt",
                    "libvirt-verb=libvirt -quiet"]


def boot_once(name, image_dir, variant, run, measure_memory, daemon, record=True):
    scenario = SCENARIOS[name]()
    with (LibvirtLab(daemon) if variant.libvirt else Lab()) as lab:
        boot = scenario.boot(lab, image_dir, **variant.vm_options())
        vm = boot.vm
        poller = start_probe(boot.probe_ns, *boot.probe_args, timeout=120)
        ok, at, out = finish_probe(poller)
        if not ok:
            log(f"{name} [{variant.label}] run {run + 1}: not healthy: {out}\n"
                f"{vm.console()[-2000:]}")
            return None
        healthy = at - vm.started_at
        touched = None
        if measure_memory and not variant.libvirt:
            time.sleep(2)  # idle
            touched = vm.touched_guest_pages()
        qemu_pid = vm.process.pid
        vm.stop()  # flushes the trace log
        if not record:
            return None
        marks, lines = read_trace(vm.trace_path, vm.started_wall, qemu_pid)
        if variant.libvirt:
            marks.update(vm.marks, provision=0.0)
            variant.provision.append(vm.marks["started"])
            variant.destroy.append(vm.destroy_seconds)
        else:
            marks["qemu"] = 0.0
        marks["healthy"] = healthy
        variant.healthy.append(healthy)
        if "ready" in marks:
            variant.ready.append(marks["ready"])
        variant.phases.append(phase_durations(marks))
        if variant.gaps is None and "init" in marks:
            variant.gaps = largest_gaps(lines, 8)
        log(f"{name} [{variant.label}] run {run + 1}: healthy after {healthy:.2f} s")
        return touched


def bench_image(name, image_dir, runs, variants, memory, daemon):
    """Boots the image runs times per variant, the variants interleaved (run 1 of each, then
    run 2 of each...), so that load on this shared machine hits them alike."""
    touched, used = [], None
    for run in range(runs):
        for index, variant in enumerate(variants):
            pages = boot_once(name, image_dir, variant, run, memory and run == 0 and index == 0,
                              daemon)
            if pages is not None:
                touched.append(pages)
    if not memory:
        return touched, used
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
    return touched, used


def fmt(values):
    if not values:
        return "     -      -      -"
    return f"{min(values):6.2f} {statistics.median(values):6.2f} {max(values):6.2f}"


def load_average():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def print_phases(name, variants):
    print(f"\n{name}: boot phases, seconds (median over the boots of each variant; host clock,"
          " from QEMU's trace of fw_cfg and UART)")
    print(f"  {'phase':<30}" + "".join(f" {v.label[:12]:>12}" for v in variants))
    for label, _, _ in PHASES:
        cells = []
        for v in variants:
            values = [p[label] for p in v.phases if label in p]
            cells.append(f"{statistics.median(values):12.3f}" if values else f"{'-':>12}")
        if any(c.strip() != "-" for c in cells):
            print(f"  {label:<30}" + "".join(f" {c}" for c in cells))
    print(f"  {'healthy':<30}" + "".join(
        f" {statistics.median(v.healthy) if v.healthy else float('nan'):12.3f}" for v in variants))
    for v in variants:
        if v.gaps:
            print(f"  [{v.label}] longest silences on the console (first boot): seconds, the"
                  " line before -> the line after")
            for gap, before, after in v.gaps:
                print(f"    {gap:6.3f}  {before[:60]}\n            -> {after[:60]}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build-dir", default="build")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--variant", action="append", default=[], metavar="LABEL=SPEC",
                        help="boot also this way; SPEC: cmdline tokens to add (+tok or tok) and"
                             " remove (-tok), bios=FILE for the firmware (bios= for QEMU's"
                             " SeaBIOS), initrd=FILE for another initrd, libvirt to boot through"
                             " libvirt. Interleaved boots.")
    parser.add_argument("--no-memory", action="store_true", help="skip the guest-RAM boots")
    parser.add_argument("names", nargs="*")
    options = parser.parse_args()
    names = options.names or ["web", "dns", "router", "firewall", "testinit"]
    specs = options.variant or DEFAULT_VARIANTS
    install_signal_cleanup()
    reap_stale_namespaces()
    load_before = load_average()
    rows = []
    daemon = None
    try:
        if any(Variant(*spec.partition("=")[::2]).libvirt for spec in specs):
            daemon = PrivateLibvirtd()
        rows = bench_all(names, specs, options, daemon)
    finally:
        if daemon:
            daemon.close()
    report(rows, specs, options, load_before)
    return 0


def bench_all(names, specs, options, daemon):
    rows, warmed = [], False
    for name in names:
        base = "images-test" if name == "testinit" else "images"
        image_dir = os.path.join(options.build_dir, base, name)
        if not os.path.isfile(os.path.join(image_dir, "manifest.json")):
            log(f"{name}: no image in {image_dir}; skipped")
            continue
        kernel = os.path.getsize(os.path.join(image_dir, "kernel"))
        initrd = os.path.getsize(os.path.join(image_dir, "initrd"))
        variants = [Variant(*spec.partition("=")[::2]) for spec in specs]
        if daemon and not warmed:
            # libvirt probes QEMU's capabilities on the first start; not part of a provision.
            boot_once(name, image_dir, next(v for v in variants if v.libvirt), -1, False, daemon,
                      record=False)
            warmed = True
        touched, used = bench_image(name, image_dir, options.runs, variants,
                                    not options.no_memory, daemon)
        rows.append((name, kernel, initrd, variants, touched, used))
    return rows


def report(rows, specs, options, load_before):
    print()
    print(f"QEMU TCG, -m 32, 1 vCPU, {options.runs} boots per image and variant, interleaved;"
          f" load average {load_before} before, {load_average()} after")
    for spec in specs:
        print(f"  variant {spec.partition('=')[0]}: manifest cmdline"
              f" {spec.partition('=')[2] or '(as is)'}")
    print(f"seconds from QEMU start (min median max); probe polls every 20 ms")
    print("(through libvirt: from the provision call, which copies kernel and initrd, defines and"
          " starts the domain;\n provision = until virDomainCreate returned, destroy ="
          " virDomainDestroy + virDomainUndefine)")
    print(f"{'image':<9} {'variant':<12} {'kernel':>8} {'initrd':>8} {'total':>8}   "
          f"{'ready line':^20}   {'healthy':^20}  ok   {'provision':^20}   {'destroy':^20}")
    for name, kernel, initrd, variants, _, _ in rows:
        for v in variants:
            print(f"{name:<9} {v.label[:12]:<12} {kernel:>8} {initrd:>8} {kernel + initrd:>8}   "
                  f"{fmt(v.ready)}   {fmt(v.healthy)}  {len(v.healthy):2d}   "
                  f"{fmt(v.provision)}   {fmt(v.destroy)}")
    for name, _, _, variants, _, _ in rows:
        print_phases(name, variants)
    if not options.no_memory:
        mib = lambda v: f"{v / 1048576:5.1f}Mi" if v is not None else "      -"  # noqa: E731
        print(f"\n{'image':<9} {'touched':>7}  {'in use':>7}  {'meminfo':>7}")
        for name, _, _, _, touched, used in rows:
            in_use, meminfo = used if used else (None, None)
            print(f"{name:<9} {mib(touched[0] if touched else None):>7}  {mib(in_use):>7}  "
                  f"{mib(meminfo[1] * 1024 if meminfo else None):>7}")
        print("Guest RAM (of 32 MiB, first variant), read from a QMP dump-guest-memory when idle"
              " after boot:\n  touched = pages not all-zero (written since boot: an upper bound);"
              "\n  in use  = the same on a boot with init_on_free=1 (freed pages are zeroed):"
              " kernel image, page cache, slab, the appliance;\n  meminfo = MemTotal - MemAvailable"
              " from the guest's /proc/meminfo (testinit only; excludes the kernel image)")


if __name__ == "__main__":
    sys.exit(main())
