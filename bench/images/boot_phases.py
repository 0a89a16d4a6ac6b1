"""Boot phases of one QEMU guest from its trace log (see Vm(trace=True) in boot_harness.py).

QEMU logs, with wall-clock microsecond timestamps (-msg timestamp=on), every fw_cfg item
selected and every write to the UART. From these, on the host's clock:

  firmware start  the first fw_cfg access from a vCPU thread (QEMU's main thread resets
                  fw_cfg at start-up; that one is skipped): the firmware probes fw_cfg first
  firmware end    the last load of a boot blob (setup, kernel, initrd, cmdline) over fw_cfg;
                  the firmware jumps to the kernel right after it
  console         the first character on ttyS0: the kernel registered its console (early in
                  start_kernel) and replays its log; before it, the kernel decompresses
                  itself and sets up memory
  /init           the kernel's "Run /init as init process" line (needs loglevel >= 6, so a
                  boot without `quiet`)
  ready           the appliance's ready line

Kernel printk timestamps are not used: under TCG the guest calibrates its TSC against the
emulated PIT and its clock runs up to 2x fast.
"""

import re

BOOT_BLOBS = {0x0011, 0x0012, 0x0015, 0x0018}  # kernel_data initrd_data cmdline_data setup_data
EVENT_RE = re.compile(r"^(\d+)@(\d+\.\d+):(fw_cfg_select|serial_write) (.*)$")
SELECT_RE = re.compile(r"key 0x([0-9a-f]+)")
WRITE_RE = re.compile(r"addr 0x([0-9a-f]+) val 0x([0-9a-f]+)")

# (label, start mark, end mark); a phase is shown when both marks were seen.
PHASES = [
    ("instance files (copies)", "provision", "files"),
    ("libvirt define", "files", "defined"),
    ("libvirt start -> firmware runs", "defined", "firmware"),
    ("QEMU start -> firmware", "qemu", "firmware"),
    ("firmware (to kernel jump)", "firmware", "kernel"),
    ("decompress + early kernel", "kernel", "console"),
    ("kernel init -> /init", "console", "init"),
    ("appliance start -> ready", "init", "ready"),
    ("kernel + appliance -> ready", "kernel", "ready"),
    ("ready -> healthy probe", "ready", "healthy"),
]


def console_lines(events):
    """[(seconds, text)] of the UART output; seconds = when its first character was written."""
    lines, text, started, lcr = [], "", None, 0
    for at, addr, value in events:
        if addr == 3:
            lcr = value
        if addr != 0 or lcr & 0x80:  # not the data register, or the divisor latch is open
            continue
        if value == 0x0A:
            lines.append((started if started is not None else at, text))
            text, started = "", None
        elif value != 0x0D:
            text += chr(value)
            started = at if started is None else started
    if text:
        lines.append((started, text))
    return lines


def read_trace(path, started_wall, qemu_pid):
    """Returns (marks, console lines): seconds since started_wall of each mark seen."""
    marks, writes = {}, []
    with open(path, errors="replace") as f:
        for raw in f:
            m = EVENT_RE.match(raw)
            if not m:
                continue
            at = float(m.group(2)) - started_wall
            if m.group(3) == "fw_cfg_select":
                key = SELECT_RE.search(m.group(4))
                if int(m.group(1)) == qemu_pid or not key:
                    continue
                marks.setdefault("firmware", at)
                if int(key.group(1), 16) in BOOT_BLOBS:
                    marks["kernel"] = at
            else:
                w = WRITE_RE.search(m.group(4))
                if w:
                    writes.append((at, int(w.group(1), 16), int(w.group(2), 16)))
    lines = console_lines(writes)
    for at, text in lines:
        if "init" not in marks and re.search(r"Run /init as init process", text):
            marks["init"] = at
        if "ready" not in marks and re.search(r"stele-appliance: \S+ ready", text):
            marks["ready"] = at
    if "init" in marks:  # a verbose boot: its first line is the kernel's, not the appliance's
        marks["console"] = lines[0][0]
    return marks, lines


def phase_durations(marks):
    """{label: seconds} for every phase whose two marks were seen."""
    return {label: marks[end] - marks[start] for label, start, end in PHASES
            if start in marks and end in marks}


def largest_gaps(lines, count):
    """[(seconds, line, next line)]: the count longest silences on the console, which is
    where kernel init works or waits without printing."""
    gaps = [(lines[i + 1][0] - lines[i][0], lines[i][1], lines[i + 1][1])
            for i in range(len(lines) - 1)]
    return sorted(gaps, reverse=True)[:count]
