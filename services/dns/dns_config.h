// The dns appliance's config: identity, listen addresses, zones and their records.
// Grammar in services/README.md. Pure parsing; no I/O.
#pragma once

#include <cstdint>
#include <expected>
#include <string_view>
#include <utility>
#include <vector>

#include "common/appliance_config.h"
#include "dns/dns_zone.h"

namespace stele::services::dns {

struct DnsConfig {
  ApplianceIdentity identity;
  KernelNetworkSetup network;
  std::vector<std::pair<Ipv4Address, std::uint16_t>> listen;  // default 0.0.0.0:53
  ZoneSet zones;
};

std::expected<DnsConfig, ConfigError> parseDnsConfig(std::string_view text);

}  // namespace stele::services::dns
