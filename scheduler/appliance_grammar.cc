#include "scheduler/appliance_grammar.h"

// The appliances' parsers, from services/ (include root services/, linked PRIVATE by
// stele_scheduler): the one deliberate use of appliance code in the server.
#include "dns/dns_config.h"
#include "firewall/firewall_config.h"
#include "router/router_config.h"
#include "web/web_config.h"

namespace stele::scheduler {
namespace {

template <class Parsed>
std::optional<ConfigRefusal> refusalOf(const Parsed& parsed) {
  if (parsed) return std::nullopt;
  return ConfigRefusal{parsed.error().line, parsed.error().message};
}

}  // namespace

std::optional<Appliance> applianceOf(const images::Manifest& manifest) {
  auto it = manifest.annotations.find(std::string(kApplianceAnnotation));
  if (it == manifest.annotations.end()) return std::nullopt;
  for (Appliance a : {Appliance::Web, Appliance::Dns, Appliance::Router, Appliance::Firewall}) {
    if (it->second == applianceName(a)) return a;
  }
  return std::nullopt;
}

std::string applianceName(Appliance appliance) {
  switch (appliance) {
    case Appliance::Web:
      return "web";
    case Appliance::Dns:
      return "dns";
    case Appliance::Router:
      return "router";
    case Appliance::Firewall:
      return "firewall";
  }
  return "unknown";
}

std::optional<ConfigRefusal> checkApplianceConfig(Appliance appliance, std::string_view text) {
  switch (appliance) {
    case Appliance::Web:
      return refusalOf(services::web::parseWebConfig(text));
    case Appliance::Dns:
      return refusalOf(services::dns::parseDnsConfig(text));
    case Appliance::Router:
      return refusalOf(services::router::parseRouterConfig(text));
    case Appliance::Firewall:
      return refusalOf(services::firewall::parseFirewallConfig(text));
  }
  return std::nullopt;
}

}  // namespace stele::scheduler
