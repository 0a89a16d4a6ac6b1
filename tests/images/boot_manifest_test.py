"""Checks what images/build-images.sh produced, without booting anything.

  boot_manifest_test.py --images-dir DIR [--readme services/README.md] NAME...

Per image: manifest.json has exactly the fields of images/manifest.h (schemaVersion 1),
boot kind "kernel", 32 MiB / 1 vCPU defaults, blob digests and sizes that match the files;
the initrd is a zstd or xz cpio (newc) whose entries are exactly /dev, /dev/console (char 5:1),
/proc, /sys and /init (a static ELF, mode 0755), all owned by 0:0; kernel + initrd is under
4 MiB; the four appliances' annotation `appliance` is their name (none for others); every config
key of the manifest is named in services/README.md.
Ends with `N passed, N failed`; exits 1 on any failure.
"""

import argparse
import hashlib
import json
import lzma
import os
import re
import stat
import subprocess
import sys

LIMIT = 4 * 1024 * 1024
EXPECTED_ENTRIES = {
    "dev": (stat.S_IFDIR, 0o755),
    "dev/console": (stat.S_IFCHR, 0o600),
    "proc": (stat.S_IFDIR, 0o755),
    "sys": (stat.S_IFDIR, 0o755),
    "init": (stat.S_IFREG, 0o755),
}


def read_newc(data):
    """Yields (name, mode, uid, gid, rdevmajor, rdevminor, body) of a newc cpio archive."""
    offset = 0
    while offset < len(data):
        header = data[offset:offset + 110]
        if header[:6] != b"070701":
            raise ValueError(f"bad cpio magic at {offset}")
        fields = [int(header[6 + 8 * i:14 + 8 * i], 16) for i in range(13)]
        mode, uid, gid, filesize = fields[1], fields[2], fields[3], fields[6]
        rmajor, rminor, namesize = fields[9], fields[10], fields[11]
        name_start = offset + 110
        name = data[name_start:name_start + namesize - 1].decode()
        body_start = (name_start + namesize + 3) & ~3
        body = data[body_start:body_start + filesize]
        offset = (body_start + filesize + 3) & ~3
        if name == "TRAILER!!!":
            return
        yield name, mode, uid, gid, rmajor, rminor, body


def decompress(path):
    """The initrd's cpio bytes: zstd (through the zstd tool) or xz."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] == b"\x28\xb5\x2f\xfd":
        return subprocess.run(["zstd", "-dc"], input=data, capture_output=True,
                              check=True).stdout
    return lzma.decompress(data, format=lzma.FORMAT_XZ)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def check_image(directory, name, readme_text):
    """Yields (description, ok, detail)."""
    with open(os.path.join(directory, "manifest.json")) as f:
        manifest = json.load(f)
    yield "manifest has exactly the schema-1 fields", set(manifest) == {
        "schemaVersion", "name", "version", "boot", "blobs", "resources", "config",
        "annotations"}, sorted(manifest)
    yield "manifest name and schemaVersion", \
        manifest.get("name") == name and manifest.get("schemaVersion") == 1, \
        f"{manifest.get('name')} {manifest.get('schemaVersion')}"
    yield "manifest version is semver", re.fullmatch(
        r"\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?", manifest.get("version", "")) \
        is not None, manifest.get("version")
    boot = manifest.get("boot", {})
    yield "boot kind kernel with a ttyS0 console", boot.get("kind") == "kernel" and \
        "console=ttyS0" in boot.get("cmdline", ""), boot
    yield "default resources 1 vCPU, 32 MiB", \
        manifest.get("resources") == {"vcpus": 1, "memoryMiB": 32}, manifest.get("resources")
    total = 0
    for role in ("kernel", "initrd"):
        path = os.path.join(directory, role)
        blob = manifest.get("blobs", {}).get(role, {})
        size = os.path.getsize(path)
        total += size
        yield f"blobs.{role} digest and size match the file", \
            blob == {"digest": "sha256:" + sha256(path), "size": size}, blob
    yield f"kernel + initrd under 4 MiB ({total} bytes)", total < LIMIT, total
    yield "annotations name the builder", "builder" in manifest.get("annotations", {}), \
        manifest.get("annotations")
    grammar = manifest.get("annotations", {}).get("appliance")
    expected = name if name in ("web", "dns", "router", "firewall") else None
    yield "annotation appliance names the config grammar the server checks", \
        grammar == expected, grammar

    archive = decompress(os.path.join(directory, "initrd"))
    entries = {entry[0]: entry for entry in read_newc(archive)}
    yield "initrd holds exactly dev, dev/console, proc, sys, init", \
        set(entries) == set(EXPECTED_ENTRIES), sorted(entries)
    for entry_name, (kind, perm) in EXPECTED_ENTRIES.items():
        entry = entries.get(entry_name)
        if entry is None:
            continue
        _, mode, uid, gid, rmajor, rminor, body = entry
        ok = stat.S_IFMT(mode) == kind and stat.S_IMODE(mode) == perm and uid == 0 and gid == 0
        if entry_name == "dev/console":
            ok = ok and (rmajor, rminor) == (5, 1)
        yield f"initrd /{entry_name}: type, mode {perm:o}, owner 0:0", ok, \
            f"mode {mode:o} uid {uid} gid {gid}"
    init = entries.get("init")
    if init:
        body = init[6]
        yield "/init is an x86-64 ELF without a dynamic loader", \
            body[:4] == b"\x7fELF" and body[18] == 62 and b"/lib64/ld-linux" not in body[:4096], \
            "ELF header"

    keys = [entry.get("key") for entry in manifest.get("config", [])]
    if readme_text is not None and name != "testinit":
        yield "manifest lists config keys", len(keys) > 0, keys
        missing = [k for k in keys if not re.search(rf"(^|[\s`|]){re.escape(k)}([\s`|]|$)",
                                                   readme_text, re.M)]
        yield "every config key is named in services/README.md", not missing, missing


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--images-dir", required=True)
    parser.add_argument("--readme")
    parser.add_argument("names", nargs="+")
    options = parser.parse_args()
    readme_text = None
    passed = failed = 0
    if options.readme:
        # A README that was asked for and is missing is a failure, never a skip.
        try:
            with open(options.readme) as f:
                readme_text = f.read()
        except OSError as error:
            print(f"FAIL config keys vs {options.readme}: {error}")
            failed += 1
    for name in options.names:
        directory = os.path.join(options.images_dir, name)
        try:
            results = list(check_image(directory, name, readme_text))
        except Exception as error:  # noqa: BLE001 - unreadable image is one failure
            results = [("image is readable", False, repr(error))]
        for description, ok, detail in results:
            passed += ok
            failed += not ok
            print(f"{'PASS' if ok else 'FAIL'} {name}: {description}"
                  + ("" if ok else f" ({detail})"))
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
