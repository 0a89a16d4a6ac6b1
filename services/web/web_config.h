// The web appliance's config: identity, listen addresses, VM-mode network.
// Grammar in services/README.md. Pure parsing; no I/O.
#pragma once

#include <cstdint>
#include <expected>
#include <string_view>
#include <utility>
#include <vector>

#include "common/appliance_config.h"

namespace stele::services::web {

struct WebConfig {
  ApplianceIdentity identity;
  KernelNetworkSetup network;
  std::vector<std::pair<Ipv4Address, std::uint16_t>> listen;  // default 0.0.0.0:80
  std::size_t maxConnections = 10000;
};

std::expected<WebConfig, ConfigError> parseWebConfig(std::string_view text);

}  // namespace stele::services::web
