"""Boots the images through libvirt, as a rollout provisions them (bench/images/boot.sh).

A private libvirtd, like tests/hypervisor/e2e/private_libvirtd.h sets up for the C++ e2e
tests: a network namespace of its own, and virtlogd + libvirtd in a private mount namespace
where /run/libvirt, /var/lib/libvirt, /var/cache/libvirt, /var/log/libvirt and /etc/libvirt
are bind mounts from a scratch directory (QEMU as root, no cgroups, /dev/kvm masked so that
QEMU runs under TCG). libvirt is called through libvirt.so with ctypes, on one connection,
as the server does.

The domain XML has the elements hypervisor/domain_xml.cc writes (sysinfo smbios + fwcfg,
kernel/initrd/cmdline, acpi, file serial console, no USB, no balloon), with two differences
the bench needs: the NICs are `type='ethernet'` on taps the scenario made (managed='no'),
so that the scenarios of tests/images/boot_scenarios.py, router and firewall with their two
namespaces included, work unchanged; and a qemu:commandline adds QEMU's trace of fw_cfg and
the UART for the boot phases (see boot_phases.py). Provision time is measured like
LibvirtHypervisor::provision spends it: copying kernel and initrd into the instance
directory, writing the config, virDomainDefineXMLFlags(VALIDATE), virDomainCreate.

Network rule: the taps live in the daemon's namespace and in namespaces the scenario makes;
none of them has a route out.
"""

import contextlib
import ctypes
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from xml.sax.saxutils import escape, quoteattr

from boot_harness import DEFAULT_BIOS, Lab, Namespace, _die_with_parent

_libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNS, CLONE_NEWNET = 0x00020000, 0x40000000
MS_BIND, MS_REC, MS_PRIVATE, MS_REMOUNT, MS_RDONLY = 4096, 16384, 1 << 18, 32, 1
MNT_DETACH = 2
PR_SET_CHILD_SUBREAPER = 36
VIR_DOMAIN_DEFINE_VALIDATE = 1
PRIVATE_MOUNTS = [("run", "/run/libvirt"), ("lib", "/var/lib/libvirt"),
                  ("cache", "/var/cache/libvirt"), ("log", "/var/log/libvirt"),
                  ("etc", "/etc/libvirt")]


class Libvirt:
    """The few libvirt calls the bench makes, on one connection."""

    def __init__(self, uri):
        self.lib = ctypes.CDLL("libvirt.so.0")
        for name in ("virConnectOpen", "virDomainDefineXMLFlags"):
            getattr(self.lib, name).restype = ctypes.c_void_p
        self.lib.virConnectOpen.argtypes = [ctypes.c_char_p]
        self.lib.virDomainDefineXMLFlags.argtypes = [ctypes.c_void_p, ctypes.c_char_p,
                                                     ctypes.c_uint]
        for name in ("virDomainCreate", "virDomainDestroy", "virDomainUndefine",
                     "virDomainFree", "virConnectClose"):
            getattr(self.lib, name).argtypes = [ctypes.c_void_p]
        self.conn = self.lib.virConnectOpen(uri.encode())
        if not self.conn:
            raise RuntimeError(f"cannot connect to {uri}")

    def define(self, xml):
        domain = self.lib.virDomainDefineXMLFlags(self.conn, xml.encode(),
                                                  VIR_DOMAIN_DEFINE_VALIDATE)
        if not domain:
            raise RuntimeError("virDomainDefineXMLFlags failed (see libvirtd.log)")
        return domain

    def start(self, domain):
        if self.lib.virDomainCreate(domain) < 0:
            raise RuntimeError("virDomainCreate failed (see libvirtd.log)")

    def destroy(self, domain):
        self.lib.virDomainDestroy(domain)
        self.lib.virDomainUndefine(domain)
        self.lib.virDomainFree(domain)

    def close(self):
        self.lib.virConnectClose(self.conn)


class PrivateLibvirtd:
    """virtlogd + libvirtd in a namespace of their own; close() removes everything."""

    def __init__(self):
        # libvirt daemonizes QEMU, so a QEMU's parent is the nearest subreaper, else PID 1.
        # virDomainDestroy waits until the process is gone, zombie included; the PID 1 of
        # this sandbox reaps orphans ~1.6 s late, which a host's systemd does not. So the
        # bench adopts them itself and reaps each domain's QEMU as soon as it exits.
        _libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
        self.qemu_pids, self.reaping = set(), True
        self.reaper = threading.Thread(target=self._reap, daemon=True)
        self.reaper.start()
        self.root = tempfile.mkdtemp(prefix="stele-boot-libvirt-")
        os.chmod(self.root, 0o755)
        self.netns = Namespace("libvirt")
        self.daemons = []
        for directory, _ in PRIVATE_MOUNTS:
            os.makedirs(os.path.join(self.root, directory))
        for directory in ("lib/dnsmasq", "lib/network", "instances"):
            os.makedirs(os.path.join(self.root, directory))
        self._write("etc/libvirtd.conf",
                    'unix_sock_group = "root"\nunix_sock_rw_perms = "0700"\n'
                    'auth_unix_rw = "none"\nauth_unix_ro = "none"\nlog_outputs = "3:stderr"\n')
        self._write("etc/qemu.conf", 'user = "root"\ngroup = "root"\ncgroup_controllers = [ ]\n'
                    'namespaces = [ ]\n')
        self._write("etc/virtlogd.conf", 'log_outputs = "3:stderr"\n')
        self._write("kvm-masked", "")
        try:
            self._spawn(["virtlogd", "--pid-file", "/run/libvirt/virtlogd.pid"], "virtlogd.log")
            self._wait_for_socket("run/virtlogd-sock")
            self._spawn(["libvirtd", "--pid-file", "/run/libvirt/libvirtd.pid"], "libvirtd.log")
            self._wait_for_socket("run/libvirt-sock")
            self.libvirt = Libvirt(self.uri())
        except BaseException:
            self.close()
            raise

    def uri(self):
        return f"qemu+unix:///system?socket={self.root}/run/libvirt-sock"

    def instance_dir(self, name):
        path = os.path.join(self.root, "instances", name)
        os.makedirs(path, exist_ok=True)
        return path

    def qemu_pid(self, domain_name):
        with open(os.path.join(self.root, "run", "qemu", domain_name + ".pid")) as f:
            pid = int(f.read().strip())
        self.qemu_pids.add(pid)
        return pid

    def _reap(self):
        while self.reaping:
            for pid in list(self.qemu_pids):
                with contextlib.suppress(ChildProcessError):
                    if os.waitpid(pid, os.WNOHANG)[0] == 0:
                        continue
                self.qemu_pids.discard(pid)
            time.sleep(0.005)

    def _write(self, relative, text):
        with open(os.path.join(self.root, relative), "w") as f:
            f.write(text)

    def _spawn(self, argv, log_name):
        netns_path = f"/run/netns/{self.netns.name}"
        binds = [(os.path.join(self.root, d).encode(), t.encode()) for d, t in PRIVATE_MOUNTS]
        kvm_mask = os.path.join(self.root, "kvm-masked").encode()
        has_kvm = os.path.exists("/dev/kvm")

        def enter_namespaces():
            _die_with_parent()
            fd = os.open(netns_path, os.O_RDONLY)
            if _libc.setns(fd, CLONE_NEWNET) != 0 or _libc.unshare(CLONE_NEWNS) != 0:
                os._exit(120)
            if _libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None) != 0:
                os._exit(122)
            _libc.umount2(b"/sys", MNT_DETACH)  # sysfs shows the namespace it was mounted in
            if _libc.mount(b"sysfs", b"/sys", b"sysfs", 0, None) != 0:
                os._exit(123)
            for source, target in binds:
                if _libc.mount(source, target, None, MS_BIND, None) != 0:
                    os._exit(124)
            # A read-only file over /dev/kvm: libvirt records KVM as unusable and keeps its
            # capability cache (see private_libvirtd.cc).
            if has_kvm and (_libc.mount(kvm_mask, b"/dev/kvm", None, MS_BIND, None) != 0 or
                            _libc.mount(None, b"/dev/kvm", None,
                                        MS_REMOUNT | MS_BIND | MS_RDONLY, None) != 0):
                os._exit(125)

        with open(os.path.join(self.root, log_name), "a") as log_file:
            self.daemons.append(subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log_file,
                                                 stderr=log_file, preexec_fn=enter_namespaces))

    def _wait_for_socket(self, relative):
        path = os.path.join(self.root, relative)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if os.path.exists(path):
                return
            if any(d.poll() is not None for d in self.daemons):
                break
            time.sleep(0.05)
        raise RuntimeError(f"no socket at {path}; see the logs in {self.root}")

    def close(self):
        if hasattr(self, "libvirt"):
            self.libvirt.close()
        qemu_dir = os.path.join(self.root, "run", "qemu")
        for entry in os.listdir(qemu_dir) if os.path.isdir(qemu_dir) else []:
            if entry.endswith(".pid"):
                with contextlib.suppress(ValueError, OSError):
                    with open(os.path.join(qemu_dir, entry)) as f:
                        os.kill(int(f.read().strip()), signal.SIGKILL)
        for daemon in reversed(self.daemons):
            if daemon.poll() is None:
                daemon.terminate()
                try:
                    daemon.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    daemon.kill()
                    daemon.wait()
        self.netns.close()
        shutil.rmtree(self.root, ignore_errors=True)
        self.reaping = False
        self.reaper.join()
        _libc.prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)


def domain_xml(name, instance_id, paths, cmdline, memory_mib, taps, trace_path, bios):
    """The domain as hypervisor/domain_xml.cc builds it; taps = [(tap, mac)] (see above);
    bios: the host's firmware setting (HostConfig::firmware), "" for libvirt's default."""
    a = quoteattr
    loader = f"\n    <loader type='rom'>{escape(bios)}</loader>" if bios else ""
    nics = "".join(
        f"\n    <interface type='ethernet'>\n      <target dev={a(tap)} managed='no'/>\n"
        f"      <mac address={a(mac)}/>\n      <model type='virtio'/>\n    </interface>"
        for tap, mac in taps)
    trace = "".join(f"\n    <qemu:arg value={a(arg)}/>" for arg in (
        "-trace", "fw_cfg_select", "-trace", "serial_write", "-msg", "timestamp=on",
        "-D", trace_path))
    return f"""<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>{escape(name)}</name>
  <metadata>
    <stele:instance xmlns:stele='https://stele.dev/xmlns/instance/1' id={a(instance_id)} \
deployment='bench' revision='1' image-digest='sha256:{"e" * 64}'/>
  </metadata>
  <memory unit='MiB'>{memory_mib}</memory>
  <vcpu>1</vcpu>
  <sysinfo type='smbios'>
    <system>
      <entry name='manufacturer'>Stele</entry>
      <entry name='product'>stele-instance</entry>
      <entry name='serial'>{escape(instance_id)}</entry>
    </system>
  </sysinfo>
  <sysinfo type='fwcfg'>
    <entry name='opt/stele/config' file={a(paths["config"])}/>
  </sysinfo>
  <os>
    <type arch='x86_64'>hvm</type>{loader}
    <kernel>{escape(paths["kernel"])}</kernel>
    <initrd>{escape(paths["initrd"])}</initrd>
    <cmdline>{escape(cmdline)}</cmdline>
    <smbios mode='sysinfo'/>
  </os>
  <features>
    <acpi/>
  </features>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>{nics}
    <serial type='file'>
      <source path={a(paths["console"])}/>
      <target port='0'/>
    </serial>
    <controller type='usb' model='none'/>
    <memballoon model='none'/>
  </devices>
  <qemu:commandline>{trace}
  </qemu:commandline>
</domain>
"""


class DaemonNamespace(Namespace):
    """The daemon's network namespace as a scenario's first namespace: QEMU runs there, so
    the scenario's taps go there too; close() deletes only the taps."""

    def __init__(self, daemon_ns):
        self.name = daemon_ns.name
        self.taps = []

    def add_tap(self, tap):
        super().add_tap(tap)
        self.taps.append(tap)

    def close(self):
        for tap in self.taps:
            self.ip("link", "del", tap, check=False)


class LibvirtVm:
    """One domain, provisioned as the server does; the attributes boot_bench.py reads."""

    counter = 0

    def __init__(self, daemon, image_dir, manifest, config_text, taps, extra_cmdline="",
                 drop_cmdline=(), bios=None, trace=True, memory_mib=32, initrd=None):
        LibvirtVm.counter += 1
        self.daemon = daemon
        self.name = f"bench-{os.getpid()}-{LibvirtVm.counter}"
        root = daemon.instance_dir(self.name)
        paths = {role: os.path.join(root, role) for role in ("kernel", "initrd", "config")}
        paths["console"] = self.console_path = os.path.join(root, "console.log")
        self.trace_path = os.path.join(root, "trace.log")
        cmdline = [t for t in manifest["boot"]["cmdline"].split() if t not in drop_cmdline]
        self.started_at = time.monotonic()  # the provision call
        self.started_wall = time.time()
        blobs = {"kernel": os.path.join(image_dir, "kernel"),
                 "initrd": initrd or os.path.join(image_dir, "initrd")}
        for role, blob in blobs.items():
            shutil.copyfile(blob, paths[role])
        with open(paths["config"], "w") as f:
            f.write(config_text)
        xml = domain_xml(self.name, self.name, paths, " ".join(cmdline + extra_cmdline.split()),
                         memory_mib, taps, self.trace_path,
                         DEFAULT_BIOS if bios is None else bios)
        self.marks = {"files": time.monotonic() - self.started_at}
        self.domain = daemon.libvirt.define(xml)
        self.marks["defined"] = time.monotonic() - self.started_at
        daemon.libvirt.start(self.domain)
        self.marks["started"] = time.monotonic() - self.started_at
        self.process = _QemuProcess(daemon.qemu_pid(self.name))
        self.destroy_seconds = None

    def console(self):
        with open(self.console_path, errors="replace") as f:
            return f.read()

    def stop(self):
        if self.domain is None:
            return
        began = time.monotonic()
        self.daemon.libvirt.destroy(self.domain)
        self.destroy_seconds = time.monotonic() - began
        self.domain = None


class _QemuProcess:
    """The QEMU libvirt started: its pid (the trace's main thread) and whether it runs."""

    def __init__(self, pid):
        self.pid = pid

    def poll(self):
        return None if os.path.exists(f"/proc/{self.pid}") else 0


class LibvirtLab(Lab):
    """A Lab whose VMs are libvirt domains in the daemon's namespace (see DaemonNamespace)."""

    def __init__(self, daemon):
        super().__init__()
        self.daemon = daemon

    def namespace(self, label):
        if not any(isinstance(ns, DaemonNamespace) for ns in self.namespaces):
            ns = DaemonNamespace(self.daemon.netns)
            self.namespaces.append(ns)
            return ns
        return super().namespace(label)

    def vm(self, image_dir, config_text, namespace, taps, **kwargs):
        with open(os.path.join(image_dir, "manifest.json")) as f:
            manifest = json.load(f)
        vm = LibvirtVm(self.daemon, image_dir, manifest, config_text, taps, **kwargs)
        self.vms.append(vm)
        return vm

