// VM-mode network setup through ioctl: find interfaces by name or MAC, set IPv4
// addresses, bring links up, add a default route. Process mode never calls these.
#pragma once

#include <expected>
#include <string>

#include "common/appliance_config.h"

namespace stele::services {

// Resolves a selector to a kernel interface name (waits briefly for late devices).
std::expected<std::string, std::string> resolveInterfaceName(const InterfaceSelector& selector);

std::expected<void, std::string> bringLinkUp(const std::string& name);

std::expected<void, std::string> applyKernelNetworkSetup(const KernelNetworkSetup& setup);

}  // namespace stele::services
