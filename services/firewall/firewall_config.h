// The firewall appliance's config: its two interfaces, ordered rules, default policy.
// Grammar in services/README.md. Pure parsing; no I/O.
#pragma once

#include <expected>
#include <string_view>
#include <vector>

#include "common/appliance_config.h"
#include "firewall/firewall_rule.h"

namespace stele::services::firewall {

struct FirewallConfig {
  ApplianceIdentity identity;
  InterfaceSelector outside;
  InterfaceSelector inside;
  std::vector<Rule> rules;          // defaultRules() when the config gives none
  Action policy = Action::Accept;   // for packets no rule matches
  bool passNonIp = false;           // frames neither IPv4 nor ARP (IPv6 included)
  unsigned logLinesPerSecond = 20;  // console log budget
};

std::expected<FirewallConfig, ConfigError> parseFirewallConfig(std::string_view text);

// VM mode brings outside and inside up without giving the kernel any address.
KernelNetworkSetup kernelNetworkSetup(const FirewallConfig& config);

// Parses one `rule ...` line (exposed for tests).
std::expected<Rule, ConfigError> parseRule(const ConfigLine& line);

}  // namespace stele::services::firewall
