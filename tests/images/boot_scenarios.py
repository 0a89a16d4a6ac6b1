"""What each image needs around it to be judged healthy, and what proves it works.

A scenario builds namespaces and taps, writes the appliance's fw_cfg config, boots the VM,
names the health probe (used by the test and by bench/images/boot.sh) and, for the test,
runs functional checks. Config grammar: services/README.md.

Addresses: 10.201.x.0/24 on tap devices inside namespaces the harness creates; those
namespaces have no other interface and no default route, so nothing leaves them.
"""

import re
import time

from boot_harness import probe

MAC = "52:54:00:5e:{:02x}:{:02x}"


class Boot:
    def __init__(self, vm, probe_ns, probe_args, ready_name):
        self.vm = vm
        self.probe_ns = probe_ns
        self.probe_args = probe_args
        self.ready_name = ready_name


class Scenario:
    """Base: one VM, one tap in one client namespace, guest at .2, client at .1."""

    name = ""
    subnet = "10.201.0"

    def config(self, guest_mac):
        raise NotImplementedError

    def bad_config(self):
        return "this-is-no-directive at all\n"

    def boot(self, lab, image_dir, **vm_options):
        ns = lab.namespace(self.name)
        ns.add_tap("tap0")
        ns.configure("tap0", f"{self.subnet}.1/24")
        mac = MAC.format(1, 1)
        vm = lab.vm(image_dir, self.config(mac), ns, [("tap0", mac)], **vm_options)
        self.ns = ns
        return Boot(vm, ns, self.probe_args(), self.name)

    def boot_bad(self, lab, image_dir):
        ns = lab.namespace(self.name + "-bad")
        return lab.vm(image_dir, self.bad_config(), ns, [])

    def checks(self, lab, boot):
        """Yields (description, ok, detail) after the health probe passed."""
        return []


class TestInit(Scenario):
    """tests/images/boot_test_init.c: the stand-in appliance."""

    name = "testinit"
    subnet = "10.201.0"

    def config(self, guest_mac):
        return f"name testinit\ninterface eth0 {self.subnet}.2/24\nport 80\n"

    def probe_args(self):
        return ["http", f"http://{self.subnet}.2/healthz", "200"]

    def checks(self, lab, boot):
        ok, _, out = probe(self.ns, "http", f"http://{self.subnet}.2/nothing-here", "404",
                           timeout=5)
        yield "unknown path answers 404", ok, out


class Web(Scenario):
    """Also proves `gateway`: a request from 10.201.11.1 (another subnet, on the client
    namespace's loopback) is answered only if the guest routes it back via 10.201.10.1."""

    name = "web"
    subnet = "10.201.10"

    def config(self, guest_mac):
        return (f"instance web-e2e\n"
                f"version 1.2.3\n"
                f"interface {guest_mac} {self.subnet}.2/24\n"
                f"gateway {self.subnet}.1\n"
                f"listen 0.0.0.0:80\n")

    def probe_args(self):
        return ["http", f"http://{self.subnet}.2/healthz", "200"]

    def checks(self, lab, boot):
        base = f"http://{self.subnet}.2"
        ok, _, out = probe(self.ns, "http", f"{base}/", "200", "web-e2e", timeout=5)
        yield "GET / answers 200 with the instance name", ok, out
        ok, _, out = probe(self.ns, "http", f"{base}/version", "200", "1.2.3", timeout=5)
        yield "GET /version answers the configured version", ok, out
        ok, _, out = probe(self.ns, "http", f"{base}/no-such-page", "404", timeout=5)
        yield "GET /no-such-page answers 404", ok, out
        self.ns.ip("addr", "add", "10.201.11.1/32", "dev", "lo")
        ok, _, out = probe(self.ns, "--source", "10.201.11.1", "http", f"{base}/healthz",
                           "200", timeout=5)
        yield "answers a client on another subnet through its gateway", ok, out


class Dns(Scenario):
    name = "dns"
    subnet = "10.201.20"

    def config(self, guest_mac):
        return (f"instance dns-e2e\n"
                f"interface {guest_mac} {self.subnet}.2/24\n"
                f"zone example.test\n"
                f"record @ 300 SOA ns1 hostmaster 1 3600 600 86400 60\n"
                f"record @ 300 NS ns1\n"
                f"record ns1 300 A {self.subnet}.2\n"
                f"record www 300 A 10.201.99.80\n"
                f"record alias 300 CNAME www\n")

    def probe_args(self):
        return ["dns", f"{self.subnet}.2", "www.example.test", "10.201.99.80"]

    def checks(self, lab, boot):
        server = f"@{self.subnet}.2"
        base = ["dig", server, "+time=2", "+tries=2", "+norecurse"]
        out = self.ns.run(*base, "+short", "www.example.test", "A", check=False).stdout.strip()
        yield "dig www.example.test A", out == "10.201.99.80", out
        out = self.ns.run(*base, "nothere.example.test", "A", check=False).stdout
        yield "dig nothere.example.test gives NXDOMAIN", "status: NXDOMAIN" in out, \
            out.strip().splitlines()[3:5]
        out = self.ns.run(*base, "+tcp", "+short", "alias.example.test", "A",
                          check=False).stdout.split()
        yield "dig +tcp alias.example.test (CNAME over TCP)", "10.201.99.80" in out, out


class Router(Scenario):
    """Two client namespaces, left (10.201.31/24) and right (10.201.32/24), joined only by
    the router VM. QEMU opens both taps in the left namespace; the right tap is then
    moved into its own namespace, so the host kernel cannot short-cut between them."""

    name = "router"

    def boot(self, lab, image_dir, **vm_options):
        left, right = lab.namespace("router-l"), lab.namespace("router-r")
        left.add_tap("tapl")
        left.add_tap("tapr")
        left.ip("link", "set", "tapr", "up")  # so that NO-CARRIER tells QEMU has not opened it
        macs = [MAC.format(3, 1), MAC.format(3, 2)]
        config = (f"instance router-e2e\n"
                  f"interface {macs[0]} 10.201.31.254/24\n"
                  f"interface {macs[1]} 10.201.32.254/24\n")
        vm = lab.vm(image_dir, config, left, [("tapl", macs[0]), ("tapr", macs[1])], **vm_options)
        # QEMU holds both taps open; wait for that before moving one away.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and vm.process.poll() is None:
            flags = left.ip("-o", "link", "show", "tapr").stdout
            if "NO-CARRIER" not in flags:
                break
            time.sleep(0.02)
        left.move("tapr", right)
        left.configure("tapl", "10.201.31.1/24", [("10.201.32.0/24", "10.201.31.254")])
        right.configure("tapr", "10.201.32.1/24", [("10.201.31.0/24", "10.201.32.254")])
        self.left, self.right = left, right
        return Boot(vm, left, ["ping", "10.201.32.1"], self.name)

    def checks(self, lab, boot):
        ok, _, out = probe(self.left, "ping", "10.201.32.1", timeout=5)
        yield "left pings right through the router, TTL decremented", \
            ok and "ttl=63" in out, out
        ok, _, out = probe(self.right, "ping", "10.201.31.1", timeout=5)
        yield "right pings left through the router", ok, out
        ok, _, out = probe(self.left, "ping", "10.201.31.254", timeout=5)
        yield "router answers ping on its own address", ok, out


class Firewall(Scenario):
    """Bump in the wire: outside namespace (10.201.40.1) and inside namespace (10.201.40.2)
    on one subnet, joined only by the firewall VM's two ports. A TCP server runs inside."""

    name = "firewall"

    def boot(self, lab, image_dir, **vm_options):
        outside, inside = lab.namespace("fw-out"), lab.namespace("fw-in")
        outside.add_tap("tapo")
        outside.add_tap("tapi")
        outside.ip("link", "set", "tapi", "up")
        macs = [MAC.format(4, 1), MAC.format(4, 2)]
        config = (f"instance firewall-e2e\n"
                  f"outside {macs[0]}\n"
                  f"inside {macs[1]}\n")
        vm = lab.vm(image_dir, config, outside, [("tapo", macs[0]), ("tapi", macs[1])],
                    **vm_options)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and vm.process.poll() is None:
            if "NO-CARRIER" not in outside.ip("-o", "link", "show", "tapi").stdout:
                break
            time.sleep(0.02)
        outside.move("tapi", inside)
        outside.configure("tapo", "10.201.40.1/24")
        inside.configure("tapi", "10.201.40.2/24")
        lab.helper(inside, "/usr/bin/python3", "-c", TCP_SERVER, "10.201.40.2", "8080")
        self.outside, self.inside = outside, inside
        return Boot(vm, outside, ["tcp", "10.201.40.2", "8080", "stele-inside"], self.name)

    def checks(self, lab, boot):
        ok, _, out = probe(self.outside, "tcp", "10.201.40.2", "8080", "stele-inside", timeout=5)
        yield "TCP outside -> inside passes", ok, out
        ok, _, out = probe(self.outside, "ping", "10.201.40.2", timeout=3)
        yield "ping outside -> inside is dropped", not ok, out
        logged = re.search(r"drop.*icmp.*10\.201\.40\.1.*10\.201\.40\.2", boot.vm.console())
        yield "the drop is logged on the console", logged is not None, "no drop line"


# A TCP server for the firewall scenario: greets every connection, inside its namespace.
TCP_SERVER = """
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(16)
while True:
    c, _ = s.accept()
    try: c.sendall(b"stele-inside\\n")
    finally: c.close()
"""

SCENARIOS = {s.name: s for s in (TestInit, Web, Dns, Router, Firewall)}
