"""Health probe run inside a test network namespace (via `ip netns exec`).

  boot_probe.py [--timeout S] [--interval S] [--source ADDR] http URL [STATUS [BODY_PART]]
  boot_probe.py ... dns SERVER NAME EXPECTED_A
  boot_probe.py ... tcp HOST PORT EXPECTED_TEXT
  boot_probe.py ... ping HOST

Retries every --interval (default 20 ms) until the check passes or --timeout ends. On
success prints `ok at MONOTONIC DETAIL` (CLOCK_MONOTONIC is system-wide, so the caller can
subtract its own start time) and exits 0; otherwise prints the last failure and exits 1.
Every target is an address inside the caller's namespaces; nothing else is contacted.
"""

import argparse
import os
import socket
import struct
import sys
import time
import urllib.parse
import http.client


SOURCE = None  # --source: local address to send from (tests the guest's routes)
# How long a UDP or ICMP try waits for its answer. A query sent before the guest is up is
# lost; the next try follows this much later, so it bounds how late "healthy" is seen.
REPLY_WAIT = 0.1


def check_http(url, status="200", body_contains=""):
    parsed = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port or 80, timeout=0.5,
                                            source_address=(SOURCE, 0) if SOURCE else None)
    try:
        connection.request("GET", parsed.path or "/")
        response = connection.getresponse()
        code, body = response.status, response.read().decode(errors="replace")
    finally:
        connection.close()
    if str(code) != status:
        raise RuntimeError(f"HTTP {code}, want {status}")
    if body_contains not in body:
        raise RuntimeError(f"body {body[:80]!r} lacks {body_contains!r}")
    return f"HTTP {code}"


def dns_query(name, qid):
    header = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    question = b"".join(bytes([len(p)]) + p.encode() for p in name.rstrip(".").split("."))
    return header + question + b"\0" + struct.pack("!HH", 1, 1)


def skip_name(packet, offset):
    while True:
        length = packet[offset]
        if length & 0xC0 == 0xC0:
            return offset + 2
        offset += 1 + length
        if length == 0:
            return offset


def check_dns(server, name, expected):
    qid = os.getpid() & 0xFFFF
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(REPLY_WAIT)
        s.sendto(dns_query(name, qid), (server, 53))
        packet, _ = s.recvfrom(4096)
    rid, flags, qd, an, _, _ = struct.unpack("!HHHHHH", packet[:12])
    if rid != qid:
        raise RuntimeError("reply id mismatch")
    if flags & 0xF:
        raise RuntimeError(f"rcode {flags & 0xF}")
    offset = 12
    for _ in range(qd):
        offset = skip_name(packet, offset) + 4
    addresses = []
    for _ in range(an):
        offset = skip_name(packet, offset)
        rtype, _, _, rdlength = struct.unpack("!HHIH", packet[offset:offset + 10])
        offset += 10
        if rtype == 1 and rdlength == 4:
            addresses.append(socket.inet_ntoa(packet[offset:offset + 4]))
        offset += rdlength
    if expected not in addresses:
        raise RuntimeError(f"answers {addresses}, want {expected}")
    return f"A {expected}"


def check_tcp(host, port, expected):
    with socket.create_connection((host, int(port)), timeout=0.5,
                                  source_address=(SOURCE, 0) if SOURCE else None) as s:
        s.settimeout(1.0)
        data = b""
        while expected.encode() not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    if expected.encode() not in data:
        raise RuntimeError(f"read {data[:80]!r}, want {expected!r}")
    return f"tcp read {expected!r}"


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def check_ping(host, sequence=[0]):
    sequence[0] += 1
    ident = os.getpid() & 0xFFFF
    payload = b"stele-probe"
    header = struct.pack("!BBHHH", 8, 0, 0, ident, sequence[0])
    packet = struct.pack("!BBHHH", 8, 0, checksum(header + payload), ident, sequence[0]) + payload
    with socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP) as s:
        s.settimeout(REPLY_WAIT)
        s.sendto(packet, (host, 0))
        deadline = time.monotonic() + REPLY_WAIT
        while time.monotonic() < deadline:
            data, (source, _) = s.recvfrom(2048)
            ihl = (data[0] & 0x0F) * 4
            ttl = data[8]
            icmp_type, _, _, rid, rseq = struct.unpack("!BBHHH", data[ihl:ihl + 8])
            if icmp_type == 0 and rid == ident and rseq == sequence[0] and source == host:
                return f"echo reply ttl={ttl}"
    raise RuntimeError("no echo reply")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--interval", type=float, default=0.02)
    parser.add_argument("--source")
    parser.add_argument("kind", choices=["http", "dns", "tcp", "ping"])
    parser.add_argument("args", nargs="+")
    options = parser.parse_args()
    global SOURCE
    SOURCE = options.source
    check = {"http": check_http, "dns": check_dns, "tcp": check_tcp, "ping": check_ping}[options.kind]
    deadline = time.monotonic() + options.timeout
    last = "not tried"
    while time.monotonic() < deadline:
        try:
            detail = check(*options.args)
            print(f"ok at {time.monotonic():.6f} {detail}")
            return 0
        except Exception as error:  # noqa: BLE001 - every failure means "not yet"
            last = f"{type(error).__name__}: {error}"
        time.sleep(options.interval)
    print(f"failed after {options.timeout} s: {last}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
