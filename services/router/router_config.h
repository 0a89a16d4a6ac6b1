// The router appliance's config: its ports (interface + the router's own address on that
// link) and static routes. Grammar in services/README.md. Pure parsing; no I/O.
#pragma once

#include <expected>
#include <string_view>
#include <vector>

#include "common/appliance_config.h"
#include "router/route_table.h"

namespace stele::services::router {

struct PortSetting {
  InterfaceSelector selector;
  Ipv4InterfaceAddress address;
};

struct RouterConfig {
  ApplianceIdentity identity;
  std::vector<PortSetting> ports;
  RouteTable routes;  // connected routes for every port, then the static ones
};

std::expected<RouterConfig, ConfigError> parseRouterConfig(std::string_view text);

// VM mode brings the ports up without giving the kernel any address.
KernelNetworkSetup kernelNetworkSetup(const RouterConfig& config);

}  // namespace stele::services::router
