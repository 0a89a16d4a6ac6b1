#include "hypervisor/spec_validation.h"

#include <arpa/inet.h>

#include <set>
#include <string>

#include "common/sha256.h"

namespace stele::hypervisor {

namespace {

constexpr std::size_t kMaxNameLength = 64;
constexpr std::size_t kMaxCmdlineLength = 2047;
constexpr std::size_t kMaxPathLength = 4095;
constexpr std::size_t kMaxConfigBytes = 1 << 20;
constexpr std::size_t kMaxNics = 8;
constexpr std::uint64_t kMinMemoryMiB = 16;
constexpr std::uint64_t kMaxMemoryMiB = 1 << 20;
constexpr unsigned kMaxVcpus = 256;

bool isAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

std::unexpected<Error> invalidDomain(std::string message) {
  return fail(ErrorKind::InvalidArgument, "invalid_domain_spec", std::move(message));
}

std::unexpected<Error> invalidNetwork(std::string message) {
  return fail(ErrorKind::InvalidArgument, "invalid_network_spec", std::move(message));
}

const char* kNameRule = "must match [A-Za-z0-9][A-Za-z0-9._-]{0,63}";

}  // namespace

bool isValidName(std::string_view value) {
  if (value.empty() || value.size() > kMaxNameLength || !isAlnum(value.front())) return false;
  for (char c : value) {
    if (!isAlnum(c) && c != '.' && c != '_' && c != '-') return false;
  }
  return true;
}

bool isValidImageDigest(std::string_view value) { return isDigestString(value); }

bool isValidCmdline(std::string_view value) {
  if (value.size() > kMaxCmdlineLength) return false;
  for (char c : value) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

bool isValidAbsolutePath(std::string_view value) {
  if (value.empty() || value.front() != '/' || value.size() > kMaxPathLength) return false;
  for (char c : value) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  }
  std::size_t start = 1;
  while (start <= value.size()) {
    std::size_t end = value.find('/', start);
    if (end == std::string_view::npos) end = value.size();
    std::string_view component = value.substr(start, end - start);
    if (component == "." || component == "..") return false;
    start = end + 1;
  }
  return true;
}

bool isValidBridgeName(std::string_view value) {
  if (value.empty() || value.size() > 15) return false;
  for (char c : value) {
    if (!isAlnum(c) && c != '_' && c != '-') return false;
  }
  return true;
}

bool isValidIpv4(std::string_view value) {
  std::string text(value);
  in_addr address{};
  return inet_pton(AF_INET, text.c_str(), &address) == 1;
}

Result<void> validateInstanceMetadata(const InstanceMetadata& metadata) {
  if (!isValidName(metadata.instanceId))
    return invalidDomain(std::string("instanceId ") + kNameRule);
  if (!isValidName(metadata.deployment))
    return invalidDomain(std::string("deployment ") + kNameRule);
  if (!isValidName(metadata.revision)) return invalidDomain(std::string("revision ") + kNameRule);
  if (!isValidImageDigest(metadata.imageDigest)) {
    return invalidDomain("imageDigest must be sha256: followed by 64 lowercase hex digits");
  }
  return {};
}

Result<void> validateInstanceId(const InstanceId& instance) {
  if (!isValidName(instance)) {
    return fail(ErrorKind::InvalidArgument, "invalid_instance_id",
                std::string("instance id ") + kNameRule);
  }
  return {};
}

Result<void> validateHostConfig(const HostConfig& host) {
  if (!isValidName(host.id))
    return fail(ErrorKind::InvalidArgument, "invalid_host", std::string("host id ") + kNameRule);
  if (host.uri.empty() || host.uri.find('\0') != std::string::npos) {
    return fail(ErrorKind::InvalidArgument, "invalid_host", "host uri must not be empty");
  }
  if (!isValidAbsolutePath(host.instanceDir)) {
    return fail(ErrorKind::InvalidArgument, "invalid_host",
                "host instanceDir must be an absolute path");
  }
  return {};
}

Result<void> validateDomainSpec(const DomainSpec& spec) {
  if (auto ok = validateInstanceMetadata(
          {spec.instanceId, spec.deployment, spec.revision, spec.imageDigest});
      !ok) {
    return ok;
  }
  if (!isValidName(spec.name)) return invalidDomain(std::string("name ") + kNameRule);
  if (!isValidAbsolutePath(spec.kernelPath)) {
    return invalidDomain(
        "kernelPath must be an absolute path without control characters or . / ..");
  }
  if (spec.initrdPath && !isValidAbsolutePath(*spec.initrdPath)) {
    return invalidDomain(
        "initrdPath must be an absolute path without control characters or . / ..");
  }
  if (spec.kernelDigest && !isValidImageDigest(*spec.kernelDigest)) {
    return invalidDomain("kernelDigest must be sha256: followed by 64 lowercase hex digits");
  }
  if (spec.initrdDigest && (!spec.initrdPath || !isValidImageDigest(*spec.initrdDigest))) {
    return invalidDomain(
        "initrdDigest must be sha256: followed by 64 lowercase hex digits, with an initrdPath");
  }
  if (!isValidCmdline(spec.cmdline)) {
    return invalidDomain(
        "cmdline must be printable ASCII (no newline or control character), at most 2047 bytes");
  }
  if (spec.memoryMiB < kMinMemoryMiB || spec.memoryMiB > kMaxMemoryMiB) {
    return invalidDomain("memoryMiB must be between 16 and 1048576");
  }
  if (spec.vcpus < 1 || spec.vcpus > kMaxVcpus)
    return invalidDomain("vcpus must be between 1 and 256");
  if (spec.networks.size() > kMaxNics) return invalidDomain("networks: at most 8 NICs");
  std::set<std::string> seen;
  for (std::size_t i = 0; i < spec.networks.size(); ++i) {
    if (!isValidName(spec.networks[i])) {
      return invalidDomain("networks[" + std::to_string(i) + "] " + kNameRule);
    }
    if (!seen.insert(spec.networks[i]).second) {
      return invalidDomain("networks[" + std::to_string(i) + "] repeats network " +
                           spec.networks[i]);
    }
  }
  if (spec.config && spec.config->size() > kMaxConfigBytes) {
    return invalidDomain("config must be at most 1 MiB");
  }
  return {};
}

Result<void> validateNetworkSpec(const NetworkSpec& spec) {
  if (!isValidName(spec.name)) return invalidNetwork(std::string("name ") + kNameRule);
  if (!isValidBridgeName(spec.bridge))
    return invalidNetwork("bridge must match [A-Za-z0-9_-]{1,15}");
  if (spec.hostAddress) {
    if (!isValidIpv4(spec.hostAddress->ipv4)) {
      return invalidNetwork("hostAddress.ipv4 must be a dotted-quad IPv4 address");
    }
    if (spec.hostAddress->prefix < 1 || spec.hostAddress->prefix > 30) {
      return invalidNetwork("hostAddress.prefix must be between 1 and 30");
    }
  }
  return {};
}

}  // namespace stele::hypervisor
