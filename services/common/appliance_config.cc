#include "common/appliance_config.h"

#include <algorithm>

namespace stele::services {

std::string InterfaceSelector::describe() const { return mac ? formatMac(*mac) : name; }

namespace {

bool isValidInterfaceName(const std::string& name) {
  if (name.empty() || name.size() > 15) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

bool isValidLabelText(const std::string& text) {
  if (text.empty() || text.size() > 64) return false;
  for (char c : text) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || c == '+';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::expected<InterfaceSelector, ConfigError> parseInterfaceSelector(const ConfigLine& line,
                                                                     const std::string& word) {
  if (auto mac = parseMac(word)) return InterfaceSelector{"", *mac};
  if (isValidInterfaceName(word)) return InterfaceSelector{word, std::nullopt};
  return configError(line, "'" + word + "' is neither an interface name nor a MAC address");
}

std::expected<bool, ConfigError> applyIdentityDirective(const ConfigLine& line,
                                                        ApplianceIdentity& identity) {
  if (line.key() != "instance" && line.key() != "version") return false;
  if (auto ok = expectArguments(line, 1, 1); !ok) return std::unexpected(ok.error());
  const std::string& value = line.words[1];
  if (!isValidLabelText(value))
    return configError(
        line, line.key() + " '" + value + "' must be 1-64 characters of letters, digits, - _ . +");
  (line.key() == "instance" ? identity.instance : identity.version) = value;
  return true;
}

std::expected<bool, ConfigError> applyHostNetworkDirective(const ConfigLine& line,
                                                           KernelNetworkSetup& setup) {
  if (line.key() == "interface") {
    if (auto ok = expectArguments(line, 2, 2); !ok) return std::unexpected(ok.error());
    auto selector = parseInterfaceSelector(line, line.words[1]);
    if (!selector) return std::unexpected(selector.error());
    auto address = parseIpv4InterfaceAddress(line.words[2]);
    if (!address || address->prefixLength < 1 || address->prefixLength > 32)
      return configError(line, "'" + line.words[2] + "' is not an IPv4 address/prefix-length");
    setup.interfaces.push_back(InterfaceSetting{*selector, *address, line.number});
    return true;
  }
  if (line.key() == "gateway") {
    if (auto ok = expectArguments(line, 1, 1); !ok) return std::unexpected(ok.error());
    auto gateway = parseIpv4(line.words[1]);
    if (!gateway) return configError(line, "'" + line.words[1] + "' is not an IPv4 address");
    if (setup.defaultGateway) return configError(line, "gateway given twice");
    setup.defaultGateway = *gateway;
    return true;
  }
  return false;
}

std::expected<bool, ConfigError> applyHostServiceDirective(const ConfigLine& line,
                                                           const HostServiceSettings& settings) {
  auto identity = applyIdentityDirective(line, settings.identity);
  if (!identity || *identity) return identity;
  auto network = applyHostNetworkDirective(line, settings.network);
  if (!network || *network) return network;
  if (line.key() != "listen") return false;
  if (auto ok = expectArguments(line, 1, 1); !ok) return std::unexpected(ok.error());
  auto endpoint = parseIpv4Endpoint(line.words[1]);
  if (!endpoint) {
    auto address = parseIpv4(line.words[1]);
    if (!address)
      return configError(line, "'" + line.words[1] + "' is not ADDRESS or ADDRESS:PORT");
    endpoint = std::pair{*address, settings.defaultPort};
  }
  auto& listen = settings.listen;
  if (std::find(listen.begin(), listen.end(), *endpoint) != listen.end())
    return configError(line, "listen address given twice");
  listen.push_back(*endpoint);
  return true;
}

void applyDefaultListen(const HostServiceSettings& settings) {
  if (settings.listen.empty()) settings.listen.emplace_back(Ipv4Address{0}, settings.defaultPort);
}

KernelNetworkSetup linkOnlySetup(const std::vector<InterfaceSelector>& selectors) {
  KernelNetworkSetup setup;
  for (const auto& selector : selectors)
    setup.interfaces.push_back(InterfaceSetting{selector, std::nullopt, 0});
  return setup;
}

}  // namespace stele::services
