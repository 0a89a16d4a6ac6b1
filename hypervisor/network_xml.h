// Network XML from typed values. Pure. An isolated bridge (no <forward>: nothing reaches the
// host's uplink), optionally with a host address; no DHCP, DNS disabled (so no dnsmasq).
#pragma once

#include <string>

#include "common/error.h"
#include "hypervisor/network_spec.h"

namespace stele::hypervisor {

// The network's UUID is derived from the whole spec and starts with a fixed Stele marker, so
// comparing UUIDs tells "same spec" (no-op) from "different spec" and "not ours" apart.
std::string networkUuidFor(const NetworkSpec& spec);
bool isSteleNetworkUuid(std::string_view uuid);

Result<std::string> buildNetworkXml(const NetworkSpec& spec);

}  // namespace stele::hypervisor
