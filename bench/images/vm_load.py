"""VM-mode load benchmark of the dns and web images; see bench/images/vm_load.sh.

Network rule: the load generators run inside the namespace boot_scenarios creates for the
VM (ip netns exec) and target only the guest's address on that namespace's tap.
"""

import argparse
import os
import re
import sys
import tempfile

TESTS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "images")
sys.path.insert(0, os.path.abspath(TESTS_DIR))

from boot_harness import (Lab, install_signal_cleanup, log, probe,  # noqa: E402
                          reap_stale_namespaces, run)
from boot_scenarios import SCENARIOS  # noqa: E402

# Queries the Dns scenario's zone answers: A, CNAME chain, SOA, NS, and NXDOMAIN.
DNS_QUERIES = [
    ("www.example.test", "A"),
    ("alias.example.test", "A"),
    ("ns1.example.test", "A"),
    ("example.test", "SOA"),
    ("example.test", "NS"),
    ("nothere.example.test", "A"),
]


def boot(lab, name, image_dir, extra_cmdline):
    scenario = SCENARIOS[name]()
    booted = scenario.boot(lab, image_dir, extra_cmdline=extra_cmdline)
    ok, at, out = probe(booted.probe_ns, *booted.probe_args, timeout=120)
    if not ok:
        raise RuntimeError(f"{name} VM not healthy: {out}\n{booted.vm.console()[-2000:]}")
    log(f"{name} VM healthy after {at - booted.vm.started_at:.1f} s")
    return scenario, booted


def dnsperf(ns, server, datafile, seconds, rate):
    argv = ["dnsperf", "-s", server, "-d", datafile, "-l", str(seconds), "-t", "2", "-q", "100"]
    if rate:
        argv += ["-Q", str(rate)]
    result = ns.run(*argv, check=False, timeout=seconds + 30)
    text = result.stdout + result.stderr

    def number(label):
        m = re.search(rf"{label}:\s+([0-9.]+)", text)
        return float(m.group(1)) if m else None

    figures = {"rate": rate, "sent": number("Queries sent"),
               "completed": number("Queries completed"), "lost": number("Queries lost"),
               "qps": number("Queries per second"), "latency": number("Average Latency \\(s\\)")}
    # Answers other than NOERROR and NXDOMAIN (the query list expects both) are errors.
    codes = re.search(r"Response codes:\s*(.*)", text)
    figures["bad"] = sum(int(count) for code, count in
                         re.findall(r"([A-Z]+) (\d+)", codes.group(1) if codes else "")
                         if code not in ("NOERROR", "NXDOMAIN"))
    if figures["qps"] is None:
        log(f"dnsperf gave no figures:\n{text}")
    return figures


def invalid(figure, problems):
    """The figure as printed: INVALID(...) when the run had lost queries or errors."""
    return f"INVALID({figure})" if problems else figure


def bench_dns(image_dir, seconds, rates, extra_cmdline):
    rows = []
    with Lab() as lab:
        scenario, booted = boot(lab, "dns", image_dir, extra_cmdline)
        server = f"{scenario.subnet}.2"
        datafile = os.path.join(lab.workdir, "queries.txt")
        with open(datafile, "w") as f:
            f.writelines(f"{name} {kind}\n" for name, kind in DNS_QUERIES)
        for rate in rates:
            log(f"dnsperf -l {seconds} {'-Q ' + str(rate) if rate else '(unthrottled)'} "
                f"against {server}")
            rows.append(dnsperf(scenario.ns, server, datafile, seconds, rate))
        alive = booted.vm.process.poll() is None
        if not alive:
            log(f"dns VM died:\n{booted.vm.console()[-2000:]}")
    return rows, alive


def bench_web(image_dir, seconds, connections, extra_cmdline):
    with Lab() as lab:
        scenario, booted = boot(lab, "web", image_dir, extra_cmdline)
        url = f"http://{scenario.subnet}.2/"
        argv = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", url]
        log(" ".join(argv))
        result = scenario.ns.run(*argv, check=False, timeout=seconds + 30)
        text = result.stdout + result.stderr
        m = re.search(r"Requests/sec:\s+([0-9.]+)", text)
        total = re.search(r"(\d+) requests in", text)
        latency = re.search(r"Latency\s+(\S+)", text)
        p99 = re.search(r"99%\s+(\S+)", text)
        errors = re.search(r"Socket errors: (.*)", text)
        non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
        alive = booted.vm.process.poll() is None
        if not m:
            log(f"wrk gave no figures:\n{text}")
        return {
            "rps": float(m.group(1)) if m else None,
            "requests": int(total.group(1)) if total else None,
            "latency": latency.group(1) if latency else "-",
            "p99": p99.group(1) if p99 else "-",
            "errors": errors.group(1).strip() if errors else "none",
            "non2xx": int(non2xx.group(1)) if non2xx else 0,
            "alive": alive,
        }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build-dir", default="build")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--dns-rates", default="1000,4000,8500,0")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--cmdline", default="",
                        help="appended to the image's kernel command line (experiments only)")
    parser.add_argument("names", nargs="*")
    options = parser.parse_args()
    if not 1 <= options.seconds <= 60:
        parser.error("--seconds must be 1..60")
    rates = [int(r) for r in options.dns_rates.split(",") if r.strip()]
    names = options.names or ["dns", "web"]
    for tool in ("dnsperf", "wrk"):
        run("which", tool)
    install_signal_cleanup()
    reap_stale_namespaces()
    image = lambda name: os.path.join(options.build_dir, "images", name)  # noqa: E731
    dns_rows, dns_alive, web = None, None, None
    if "dns" in names:
        dns_rows, dns_alive = bench_dns(image("dns"), options.seconds, rates, options.cmdline)
    if "web" in names:
        web = bench_web(image("web"), options.seconds, options.connections, options.cmdline)

    print()
    print("VM mode under QEMU TCG (1 vCPU, -m 32, virtio-net on a tap, vhost off); load from "
          "inside the VM's namespace")
    if options.cmdline:
        print(f"kernel command line + '{options.cmdline}'")
    any_invalid = False
    if dns_rows is not None:
        print(f"\ndns: dnsperf -l {options.seconds} -t 2 -q 100 [-Q RATE]; 6 query kinds "
              "(A, CNAME, SOA, NS, NXDOMAIN)")
        print(f"{'target qps':>10} {'sent':>9} {'completed':>9} {'lost':>7} {'lost %':>7} "
              f"{'bad rcode':>9} {'achieved qps':>18} {'avg latency':>11}")
        for row in dns_rows:
            sent, lost = row["sent"] or 0, row["lost"] or 0
            pct = 100.0 * lost / sent if sent else 0.0
            fmt = lambda v, spec: format(v, spec) if v is not None else "-"  # noqa: E731
            target = str(row["rate"]) if row["rate"] else "max"
            latency = f"{row['latency'] * 1000:.2f} ms" if row["latency"] is not None else "-"
            problems = lost > 0 or row["bad"] > 0 or row["qps"] is None
            any_invalid = any_invalid or problems
            qps = invalid(fmt(row["qps"], ".0f"), problems)
            print(f"{target:>10} {fmt(row['sent'], '9.0f'):>9} {fmt(row['completed'], '9.0f'):>9}"
                  f" {fmt(row['lost'], '7.0f'):>7} {pct:6.2f}% {row['bad']:>9} {qps:>18}"
                  f" {latency:>11}")
        print(f"dns VM still running after the load: {'yes' if dns_alive else 'NO'}")
        any_invalid = any_invalid or not dns_alive
        print("reference: the old IncludeOS DNS managed ~850 qps under TCG; goal 8,500 with no"
              " loss")
    if web is not None:
        print(f"\nweb: wrk -t1 -c{options.connections} -d{options.seconds}s GET /")
        print(f"{'requests/s':>10} {'requests':>9} {'avg latency':>11} {'p99':>9} "
              f"{'non-2xx':>7}  socket errors")
        problems = (web["rps"] is None or web["non2xx"] > 0 or web["errors"] != "none"
                    or not web["alive"])
        any_invalid = any_invalid or problems
        rps = invalid(f"{web['rps']:.0f}" if web["rps"] is not None else "-", problems)
        print(f"{rps:>10} {web['requests'] or '-':>9} {web['latency']:>11} {web['p99']:>9} "
              f"{web['non2xx']:>7}  {web['errors']}")
        print(f"web VM still running after the load: {'yes' if web['alive'] else 'NO'}")
        print("reference: the old web unikernel peaked ~2,900 requests/s under TCG")
    if any_invalid:
        print("INVALID: a run had lost queries, bad answers, socket errors or a dead VM")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
