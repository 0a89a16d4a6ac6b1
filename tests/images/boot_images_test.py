"""End-to-end test of the appliance images: boot each under QEMU TCG (-m 32) inside network
namespaces of its own and check it from there.

  boot_images_test.py --images-dir DIR [--keep-logs DIR] NAME...

For each NAME (testinit, web, dns, router, firewall) with an image in DIR/NAME/:
  1. boots it with a valid fw_cfg config; the console must show
     `stele-appliance: NAME ready`; the health probe must pass (web/testinit: HTTP 200 on
     /healthz, dns: an A answer, router: a ping forwarded between two networks,
     firewall: TCP through it); the appliance's functional checks must pass; QMP must
     report 32 MiB of guest RAM; the console must show no panic or oops;
  2. boots it with a broken config: the appliance must power the VM off by itself.
Namespaces, taps, QEMU processes and helpers are removed on every exit path.
Prints PASS/FAIL per check and ends with `N passed, N failed`; exits 1 on any failure.
"""

import argparse
import os
import re
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from boot_harness import (READY_RE, Lab, install_signal_cleanup, log, probe,  # noqa: E402
                          reap_stale_namespaces)
from boot_scenarios import SCENARIOS  # noqa: E402

BOOT_TIMEOUT = float(os.environ.get("STELE_BOOT_TIMEOUT", "120"))


class Results:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def record(self, image, description, ok, detail=""):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        print(f"{'PASS' if ok else 'FAIL'} {image}: {description}"
              + (f" ({detail})" if detail and not ok else ""), flush=True)
        return ok


def tail(text, lines=40):
    return "\n".join(text.splitlines()[-lines:])


def test_healthy_boot(results, scenario, image_dir, keep):
    name = scenario.name
    with Lab(keep) as lab:
        boot = scenario.boot(lab, image_dir)
        vm = boot.vm
        ready = vm.wait_for_console(READY_RE.format(name=re.escape(boot.ready_name)), BOOT_TIMEOUT)
        if not results.record(name, "console shows the ready line", ready is not None,
                              f"after {BOOT_TIMEOUT:.0f} s; console tail:\n{tail(vm.console())}"):
            return
        log(f"{name}: ready {ready - vm.started_at:.2f} s after QEMU start")
        ok, at, out = probe(boot.probe_ns, *boot.probe_args, timeout=30)
        if not results.record(name, f"health probe ({' '.join(boot.probe_args)})", ok, out):
            print(tail(vm.console()))
            return
        log(f"{name}: healthy {at - vm.started_at:.2f} s after QEMU start ({out})")
        for description, ok, detail in scenario.checks(lab, boot):
            results.record(name, description, ok, detail)
        memory = vm.qmp("query-memory-size-summary")
        results.record(name, "guest RAM is 32 MiB (QMP)",
                       memory.get("base-memory") == 32 * 1024 * 1024, str(memory))
        touched = vm.touched_guest_pages()
        log(f"{name}: {touched / 1048576:.1f} MiB of guest RAM touched since boot")
        console = vm.console()
        bad = re.search(r"Kernel panic|Oops|BUG:|fatal:", console)
        results.record(name, "console shows no panic, oops or fatal error", bad is None,
                       tail(console))
        results.record(name, "VM still running after the checks", vm.process.poll() is None,
                       f"exit status {vm.process.poll()}")


def test_bad_config_powers_off(results, scenario, image_dir, keep):
    name = scenario.name
    with Lab(keep) as lab:
        vm = scenario.boot_bad(lab, image_dir)
        status = vm.wait_exit(BOOT_TIMEOUT)
        console = vm.console()
        results.record(name, "broken config: QEMU exits by itself (power-off)",
                       status == 0, f"exit status {status}; console tail:\n{tail(console)}")
        results.record(name, "broken config: console names the fatal error",
                       re.search(rf"stele-appliance: {re.escape(name)} fatal", console) is not None,
                       tail(console, 5))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images-dir", required=True)
    parser.add_argument("--keep-logs", help="keep consoles and configs under this directory")
    parser.add_argument("names", nargs="+", choices=sorted(SCENARIOS))
    options = parser.parse_args()
    if os.geteuid() != 0:
        print("needs root (network namespaces, tap devices)")
        print("0 passed, 1 failed")
        return 1
    install_signal_cleanup()
    reap_stale_namespaces()
    results = Results()
    for name in options.names:
        image_dir = os.path.join(options.images_dir, name)
        if not results.record(name, "image exists", all(
                os.path.isfile(os.path.join(image_dir, f))
                for f in ("kernel", "initrd", "manifest.json")), image_dir):
            continue
        started = time.monotonic()
        for test in (test_healthy_boot, test_bad_config_powers_off):
            try:
                test(results, SCENARIOS[name](), image_dir, options.keep_logs)
            except Exception:  # noqa: BLE001 - a harness error fails this image, not the run
                results.record(name, f"{test.__name__} ran without harness error", False,
                               traceback.format_exc())
        log(f"{name}: done in {time.monotonic() - started:.1f} s")
    print(f"{results.passed} passed, {results.failed} failed")
    return 0 if results.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
