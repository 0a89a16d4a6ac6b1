// Directives every appliance shares: identity (instance, version) and, for VM mode,
// interface addresses and a default gateway. Pure parsing; no I/O.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/config_tokenizer.h"
#include "common/net_address.h"

namespace stele::services {

// Names an interface either by kernel name (eth0) or by MAC address.
struct InterfaceSelector {
  std::string name;               // empty when selected by MAC
  std::optional<MacAddress> mac;  // set when selected by MAC

  std::string describe() const;
};

struct InterfaceSetting {
  InterfaceSelector selector;
  std::optional<Ipv4InterfaceAddress> address;
  int line = 0;
};

struct ApplianceIdentity {
  std::string instance = "unnamed";
  std::string version = "dev";
};

// What VM mode must do to the kernel's interfaces before the appliance serves.
struct KernelNetworkSetup {
  // Interfaces to bring up; with an address, the kernel gets it (web, dns); without,
  // the link is only brought up (router and firewall ports, which the kernel must not use).
  std::vector<InterfaceSetting> interfaces;
  std::optional<Ipv4Address> defaultGateway;
};

std::expected<InterfaceSelector, ConfigError> parseInterfaceSelector(const ConfigLine& line,
                                                                     const std::string& word);

// Handles `instance` and `version`; returns true when the line was one of them.
std::expected<bool, ConfigError> applyIdentityDirective(const ConfigLine& line,
                                                        ApplianceIdentity& identity);

// Handles `interface SELECTOR ADDRESS/LEN` and `gateway ADDRESS` for host-stack appliances
// (web, dns); returns true when the line was one of them.
std::expected<bool, ConfigError> applyHostNetworkDirective(const ConfigLine& line,
                                                           KernelNetworkSetup& setup);

// The settings every appliance that serves on the kernel's own IPv4 stack (web, dns) shares.
struct HostServiceSettings {
  ApplianceIdentity& identity;
  KernelNetworkSetup& network;
  std::vector<std::pair<Ipv4Address, std::uint16_t>>& listen;
  std::uint16_t defaultPort;  // of `listen ADDRESS` without a port, and of the default
};

// Handles the identity, host network and `listen ADDRESS[:PORT]` directives; returns true
// when the line was one of them.
std::expected<bool, ConfigError> applyHostServiceDirective(const ConfigLine& line,
                                                           const HostServiceSettings& settings);
// Listens on 0.0.0.0:defaultPort when the config named no `listen` address.
void applyDefaultListen(const HostServiceSettings& settings);

// VM mode brings these interfaces up without giving the kernel any address (router and
// firewall ports).
KernelNetworkSetup linkOnlySetup(const std::vector<InterfaceSelector>& selectors);

}  // namespace stele::services
