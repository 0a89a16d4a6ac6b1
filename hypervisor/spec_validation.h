// Checks every value before it goes near XML or libvirt. Pure: no I/O.
// Errors are InvalidArgument, code "invalid_domain_spec" / "invalid_network_spec", and the
// message names the field.
#pragma once

#include <string_view>

#include "common/error.h"
#include "hypervisor/domain_spec.h"
#include "hypervisor/hypervisor.h"
#include "hypervisor/network_spec.h"

namespace stele::hypervisor {

// [A-Za-z0-9][A-Za-z0-9._-]{0,63}: instance ids, domain, deployment, revision, network names.
bool isValidName(std::string_view value);
// "sha256:" followed by 64 lowercase hex digits.
bool isValidImageDigest(std::string_view value);
// Printable ASCII (0x20..0x7e), at most 2047 bytes (x86 COMMAND_LINE_SIZE - 1).
bool isValidCmdline(std::string_view value);
// Absolute, no NUL or other control character, no "." or ".." component, at most 4095 bytes.
bool isValidAbsolutePath(std::string_view value);
// Linux interface name: [A-Za-z0-9_-]{1,15}.
bool isValidBridgeName(std::string_view value);
bool isValidIpv4(std::string_view value);

Result<void> validateDomainSpec(const DomainSpec& spec);
Result<void> validateNetworkSpec(const NetworkSpec& spec);
Result<void> validateInstanceMetadata(const InstanceMetadata& metadata);
// An instance id passed on its own (destroy, state, console): "invalid_instance_id".
Result<void> validateInstanceId(const InstanceId& instance);
// A host registration: id is a name, uri non-empty, instanceDir absolute ("invalid_host").
Result<void> validateHostConfig(const HostConfig& host);

}  // namespace stele::hypervisor
