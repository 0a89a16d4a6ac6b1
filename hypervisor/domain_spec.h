// What the scheduler asks a host to run: plain typed values, no libvirt types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace stele::hypervisor {

using HostId = std::string;
using InstanceId = std::string;

// libvirt domain type: `kvm` on real hosts, `qemu` (TCG) where KVM does not work.
enum class Acceleration { Kvm, Qemu };

struct DomainSpec {
  InstanceId instanceId;                  // [A-Za-z0-9][A-Za-z0-9._-]{0,63}
  std::string name;                       // libvirt domain name, same charset
  std::string deployment;                 // same charset
  std::string revision;                   // same charset
  std::string imageDigest;                // "sha256:" + 64 lowercase hex digits
  std::string kernelPath;                 // absolute path of a verified blob; copied per instance
  std::optional<std::string> initrdPath;  // absolute path of a verified blob; copied per instance
  // When set, what the copy must hash to ("sha256:" + 64 lowercase hex): the bytes are hashed
  // while copied, and a copy that differs is refused (Unprocessable "blob_corrupt") and removed.
  std::optional<std::string> kernelDigest;
  std::optional<std::string> initrdDigest;
  std::string cmdline;  // printable ASCII only, at most 2047 bytes
  std::uint64_t memoryMiB = 0;
  unsigned vcpus = 0;
  std::vector<std::string> networks;  // one virtio-net NIC per network, in this order
  // Bytes exposed to the guest as fw_cfg entry opt/stele/config (written to a per-instance file).
  std::optional<std::string> config;
};

// Identity a domain carries in its Stele <metadata> element.
struct InstanceMetadata {
  InstanceId instanceId;
  std::string deployment;
  std::string revision;
  std::string imageDigest;

  friend bool operator==(const InstanceMetadata&, const InstanceMetadata&) = default;
};

}  // namespace stele::hypervisor
