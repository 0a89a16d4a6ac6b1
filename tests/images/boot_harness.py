"""Boot appliance images under QEMU TCG inside network namespaces of our own.

Used by tests/images/boot_images_test.py and bench/images/boot_bench.py. Standard library
only (system python3). Needs root: it creates network namespaces and tap devices.

Network rule: every address used here lives on a tap device inside a namespace this module
creates. The namespaces have no route to anywhere else (no default route, no NAT, no
uplink), so no packet can leave them.
"""

import contextlib
import ctypes
import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PROBE = os.path.join(HERE, "boot_probe.py")
PYTHON = "/usr/bin/python3"
NS_PREFIX = "stele-img-"
# The firmware Stele's hosts boot guests with (stele server --guest-firmware); "" = QEMU's own.
QBOOT = "/usr/share/qemu/qboot.rom"
DEFAULT_BIOS = QBOOT if os.path.isfile(QBOOT) else ""
READY_RE = "stele-appliance: {name} ready"


_libc = ctypes.CDLL(None, use_errno=True)
PR_SET_PDEATHSIG = 1


def _die_with_parent():
    """preexec_fn: the child gets SIGKILL when the test process dies, even by SIGKILL (a
    ctest timeout), so no QEMU or helper outlives it. Survives the exec of `ip netns exec`."""
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    os.setsid()


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def run(*argv, check=True, timeout=30, capture=True):
    """Runs a command; returns CompletedProcess. Raises with stderr on failure."""
    result = subprocess.run(argv, capture_output=capture, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({result.returncode}): "
                           f"{(result.stderr or '').strip()}")
    return result


def reap_stale_namespaces():
    """Deletes namespaces left by an earlier run whose process is gone (crash, SIGKILL)."""
    listing = run("ip", "netns", "list", check=False).stdout or ""
    for line in listing.splitlines():
        name = line.split()[0] if line.split() else ""
        m = re.match(rf"^{NS_PREFIX}(\d+)-", name)
        if m and not os.path.exists(f"/proc/{m.group(1)}"):
            log(f"removing stale namespace {name}")
            run("ip", "netns", "del", name, check=False)


class Namespace:
    """A network namespace with only loopback; deleted (with its taps) by close()."""

    counter = 0

    def __init__(self, label):
        Namespace.counter += 1
        self.name = f"{NS_PREFIX}{os.getpid()}-{Namespace.counter}-{label}"[:60]
        run("ip", "netns", "add", self.name)
        self.ip("link", "set", "lo", "up")

    def ip(self, *args, check=True):
        return run("ip", "-n", self.name, *args, check=check)

    def exec_argv(self, *argv):
        return ["ip", "netns", "exec", self.name, *argv]

    def run(self, *argv, check=True, timeout=30):
        return run(*self.exec_argv(*argv), check=check, timeout=timeout)

    def add_tap(self, tap):
        self.ip("tuntap", "add", "dev", tap, "mode", "tap")

    def configure(self, dev, cidr, routes=()):
        """Addresses and brings up dev; routes are (prefix, via) pairs inside the test nets.

        ARP retries every 20 ms instead of 1 s on dev: a probe sent before the guest is up
        would otherwise wait up to 3 s for the next ARP round, hiding the real boot time."""
        run("ip", "netns", "exec", self.name, "sysctl", "-q", "-w",
            f"net.ipv4.neigh.{dev}.retrans_time_ms=20")
        self.ip("addr", "add", cidr, "dev", dev)
        self.ip("link", "set", dev, "up")
        for prefix, via in routes:
            self.ip("route", "add", prefix, "via", via, "dev", dev)

    def move(self, dev, other):
        self.ip("link", "set", dev, "netns", other.name)

    def close(self):
        run("ip", "netns", "del", self.name, check=False)


class Vm:
    """One QEMU TCG guest booted from an image directory (kernel, initrd, manifest.json)."""

    def __init__(self, image_dir, config_text, namespace, taps, workdir, memory_mib=32,
                 machine="pc", extra_cmdline="", drop_cmdline=(), bios=None, trace=False,
                 initrd=None):
        """extra_cmdline is appended to the manifest's cmdline, drop_cmdline tokens removed
        from it; bios is a firmware file for -bios (None: DEFAULT_BIOS, "": QEMU's own
        SeaBIOS); initrd replaces the image's initrd file; trace=True logs QEMU's fw_cfg_select and
        serial_write trace events with wall-clock timestamps to trace_path (boot phases)."""
        self.image_dir = image_dir
        with open(os.path.join(image_dir, "manifest.json")) as f:
            self.manifest = json.load(f)
        self.workdir = workdir
        self.console_path = os.path.join(workdir, "console.log")
        self.config_path = os.path.join(workdir, "config.txt")
        self.qmp_path = os.path.join(workdir, "qmp.sock")
        self.trace_path = os.path.join(workdir, "trace.log") if trace else None
        cmdline = [t for t in self.manifest["boot"]["cmdline"].split() if t not in drop_cmdline]
        with open(self.config_path, "w") as f:
            f.write(config_text)
        argv = [
            "qemu-system-x86_64", "-machine", f"{machine},accel=tcg", "-cpu", "qemu64",
            "-m", str(memory_mib), "-smp", "1",
            "-nodefaults", "-no-user-config", "-display", "none", "-monitor", "none",
            "-serial", f"file:{self.console_path}",
            "-qmp", f"unix:{self.qmp_path},server=on,wait=off",
            "-kernel", os.path.join(image_dir, "kernel"),
            "-initrd", initrd or os.path.join(image_dir, "initrd"),
            "-append", " ".join(cmdline + extra_cmdline.split()),
            "-fw_cfg", f"name=opt/stele/config,file={self.config_path}",
            "-no-reboot",
        ]
        bios = DEFAULT_BIOS if bios is None else bios
        if bios:
            argv += ["-bios", bios]
        if trace:
            argv += ["-trace", "fw_cfg_select", "-trace", "serial_write", "-msg", "timestamp=on",
                     "-D", self.trace_path]
        for index, (tap, mac) in enumerate(taps):
            argv += ["-netdev", f"tap,id=n{index},ifname={tap},script=no,downscript=no,vhost=off",
                     "-device", f"virtio-net-pci,netdev=n{index},mac={mac}"]
        open(self.console_path, "w").close()
        self.stderr = open(os.path.join(workdir, "qemu.stderr"), "w")
        self.started_at = time.monotonic()
        self.started_wall = time.time()  # trace timestamps are wall-clock
        self.process = subprocess.Popen(namespace.exec_argv(*argv), stdin=subprocess.DEVNULL,
                                        stdout=self.stderr, stderr=self.stderr,
                                        preexec_fn=_die_with_parent)

    def console(self):
        with open(self.console_path, errors="replace") as f:
            return f.read()

    def wait_for_console(self, pattern, timeout):
        """Polls the serial log every 20 ms; returns monotonic time of the match or None."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if re.search(pattern, self.console()):
                return time.monotonic()
            if self.process.poll() is not None:
                return None
            time.sleep(0.02)
        return None

    def wait_exit(self, timeout):
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def qmp(self, command, arguments=None):
        """One QMP command on a fresh connection; returns its 'return' value."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(10)
            s.connect(self.qmp_path)
            reader = s.makefile("r")
            json.loads(reader.readline())  # greeting
            s.sendall(b'{"execute": "qmp_capabilities"}\n')
            json.loads(reader.readline())
            message = {"execute": command}
            if arguments:
                message["arguments"] = arguments
            s.sendall(json.dumps(message).encode() + b"\n")
            while True:
                reply = json.loads(reader.readline())
                if "return" in reply:
                    return reply["return"]
                if "error" in reply:
                    raise RuntimeError(f"QMP {command}: {reply['error']}")

    def touched_guest_pages(self):
        """Bytes of guest RAM in 4 KiB pages that are not all zero (QMP dump-guest-memory).

        QEMU gives the guest zeroed RAM; a page is non-zero only once the firmware, the
        kernel or the appliance wrote it. Freed pages keep their old bytes, so this counts
        memory touched since boot, unless the guest booted with init_on_free=1 (the kernel
        then zeroes every page it frees): then it is the memory in use, kernel image,
        page cache (the initramfs files) and the appliance's pages included."""
        dump = os.path.join(self.workdir, "guest-memory.elf")
        self.qmp("dump-guest-memory", {"paging": False, "protocol": f"file:{dump}"})
        nonzero = 0
        zero_page = bytes(4096)
        with open(dump, "rb") as f:
            # ELF core: skip to each PT_LOAD segment and count non-zero pages in it.
            header = f.read(64)
            phoff = int.from_bytes(header[32:40], "little")
            phentsize = int.from_bytes(header[54:56], "little")
            phnum = int.from_bytes(header[56:58], "little")
            segments = []
            for i in range(phnum):
                f.seek(phoff + i * phentsize)
                ph = f.read(phentsize)
                if int.from_bytes(ph[0:4], "little") == 1:  # PT_LOAD
                    segments.append((int.from_bytes(ph[8:16], "little"),
                                     int.from_bytes(ph[32:40], "little")))
            for offset, filesz in segments:
                f.seek(offset)
                remaining = filesz
                while remaining > 0:
                    page = f.read(min(4096, remaining))
                    if not page:
                        break
                    remaining -= len(page)
                    if page != zero_page[:len(page)]:
                        nonzero += 1
        os.unlink(dump)
        return nonzero * 4096

    def stop(self):
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=10)
        self.stderr.close()


def start_probe(namespace, *args, timeout=30.0):
    """Starts boot_probe.py inside namespace; finish it with finish_probe()."""
    argv = namespace.exec_argv(PYTHON, PROBE, "--timeout", str(timeout), *args)
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               preexec_fn=_die_with_parent)
    process.probe_timeout = timeout
    return process


def finish_probe(process):
    """Returns (ok, monotonic time of success, output) of a started probe."""
    try:
        output, _ = process.communicate(timeout=process.probe_timeout + 15)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    output = output.strip()
    if process.returncode == 0:
        m = re.search(r"ok at ([0-9.]+)", output)
        return True, float(m.group(1)) if m else time.monotonic(), output
    return False, None, output


def probe(namespace, *args, timeout=30.0):
    """Runs boot_probe.py inside namespace; returns (ok, monotonic time of success, output)."""
    return finish_probe(start_probe(namespace, *args, timeout=timeout))


class Lab:
    """Owns namespaces and VMs of one scenario; close() removes them all, always."""

    def __init__(self, keep_dir=None):
        self.namespaces = []
        self.vms = []
        self.keep_dir = keep_dir
        if keep_dir:
            os.makedirs(keep_dir, exist_ok=True)
        self.workdir = tempfile.mkdtemp(prefix="stele-boot-", dir=keep_dir)
        self.helpers = []

    def namespace(self, label):
        ns = Namespace(label)
        self.namespaces.append(ns)
        return ns

    def vm(self, image_dir, config_text, namespace, taps, **kwargs):
        workdir = os.path.join(self.workdir, f"vm{len(self.vms)}")
        os.makedirs(workdir)
        vm = Vm(image_dir, config_text, namespace, taps, workdir, **kwargs)
        self.vms.append(vm)
        return vm

    def helper(self, namespace, *argv):
        """A background process inside a namespace (a TCP server, say), killed by close()."""
        process = subprocess.Popen(namespace.exec_argv(*argv), stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   preexec_fn=_die_with_parent)
        self.helpers.append(process)
        return process

    def close(self):
        for vm in self.vms:
            vm.stop()
        for process in self.helpers:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        for ns in self.namespaces:
            ns.close()
        if self.keep_dir is None:
            subprocess.run(["rm", "-rf", self.workdir], check=False)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def install_signal_cleanup():
    """Turns SIGTERM/SIGINT/SIGHUP (ctest timeout, Ctrl-C) into SystemExit, so that every
    `with Lab()` block runs its cleanup."""
    def handler(signum, _frame):
        raise SystemExit(128 + signum)
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, handler)
