#include "router/router_config.h"

namespace stele::services::router {

KernelNetworkSetup kernelNetworkSetup(const RouterConfig& config) {
  std::vector<InterfaceSelector> selectors;
  selectors.reserve(config.ports.size());
  for (const auto& port : config.ports) selectors.push_back(port.selector);
  return linkOnlySetup(selectors);
}

namespace {

struct PendingRoute {
  const ConfigLine* line;
  Ipv4Prefix prefix;
  Ipv4Address gateway;
};

bool sameSelector(const InterfaceSelector& a, const InterfaceSelector& b) {
  return a.name == b.name && a.mac == b.mac;
}

}  // namespace

std::expected<RouterConfig, ConfigError> parseRouterConfig(std::string_view text) {
  auto lines = tokenizeConfig(text);
  if (!lines) return std::unexpected(lines.error());
  RouterConfig config;
  std::vector<PendingRoute> staticRoutes;
  for (const ConfigLine& line : *lines) {
    auto identity = applyIdentityDirective(line, config.identity);
    if (!identity) return std::unexpected(identity.error());
    if (*identity) continue;
    if (line.key() == "interface") {
      if (auto ok = expectArguments(line, 2, 2); !ok) return std::unexpected(ok.error());
      auto selector = parseInterfaceSelector(line, line.words[1]);
      if (!selector) return std::unexpected(selector.error());
      auto address = parseIpv4InterfaceAddress(line.words[2]);
      if (!address || address->prefixLength < 1 || address->prefixLength > 30)
        return configError(line, "'" + line.words[2] + "' is not ADDRESS/LEN with LEN 1..30");
      for (const auto& port : config.ports) {
        if (sameSelector(port.selector, *selector))
          return configError(line, "interface " + line.words[1] + " given twice");
        if (port.address.subnet().contains(address->address) ||
            address->subnet().contains(port.address.address))
          return configError(line,
                             "subnet overlaps the one of interface " + port.selector.describe());
      }
      config.ports.push_back(PortSetting{*selector, *address});
    } else if (line.key() == "route") {
      if (auto ok = expectArguments(line, 3, 3); !ok) return std::unexpected(ok.error());
      auto prefix = parseIpv4Prefix(line.words[1]);
      if (!prefix)
        return configError(line,
                           "'" + line.words[1] +
                               "' is not a prefix (A.B.C.D/LEN with zero host bits, or default)");
      if (line.words[2] != "via") return configError(line, "expected 'route PREFIX via GATEWAY'");
      auto gateway = parseIpv4(line.words[3]);
      if (!gateway) return configError(line, "'" + line.words[3] + "' is not an IPv4 address");
      staticRoutes.push_back(PendingRoute{&line, *prefix, *gateway});
    } else {
      return configError(line, "unknown directive '" + line.key() + "'");
    }
  }
  if (config.ports.size() < 2)
    return std::unexpected(ConfigError{0, "a router needs at least two 'interface' lines"});
  for (std::size_t i = 0; i < config.ports.size(); ++i)
    config.routes.add(Route{config.ports[i].address.subnet(), i, std::nullopt});
  RouteTable connected = config.routes;
  std::vector<Ipv4Prefix> seen;
  for (const auto& pending : staticRoutes) {
    for (const auto& earlier : seen)
      if (earlier == pending.prefix)
        return configError(*pending.line,
                           "a route for " + formatIpv4Prefix(earlier) + " was already given");
    seen.push_back(pending.prefix);
    auto via = connected.lookup(pending.gateway);
    if (!via)
      return configError(*pending.line, "gateway " + formatIpv4(pending.gateway) +
                                            " is not on any interface's subnet");
    for (const auto& port : config.ports)
      if (port.address.address == pending.gateway)
        return configError(*pending.line, "gateway is the router's own address");
    config.routes.add(Route{pending.prefix, via->port, pending.gateway});
  }
  return config;
}

}  // namespace stele::services::router
