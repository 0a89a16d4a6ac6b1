// stele-dns: authoritative DNS appliance.
#include <memory>
#include <optional>

#include "common/appliance_main.h"
#include "dns/dns_config.h"
#include "dns/dns_server.h"

namespace {

constexpr const char* kUsage =
    "usage: stele-dns --config FILE [--check]\n"
    "Authoritative DNS over UDP and TCP for the zones in FILE (grammar: services/README.md).\n"
    "As PID 1 (VM mode) the config is read from QEMU fw_cfg opt/stele/config.";

}  // namespace

int main(int argc, char** argv) {
  using namespace stele::services;
  std::optional<dns::DnsConfig> config;
  std::unique_ptr<dns::DnsServer> server;
  ApplianceHooks hooks;
  hooks.load = [&](std::string_view text) -> std::expected<KernelNetworkSetup, std::string> {
    auto parsed = dns::parseDnsConfig(text);
    if (!parsed) return std::unexpected(parsed.error().describe());
    config = std::move(*parsed);
    return config->network;
  };
  hooks.start = [&](BootMode) -> std::expected<void, std::string> {
    server = std::make_unique<dns::DnsServer>(*config);
    return server->start();
  };
  hooks.serve = [&] { return server->serve(); };
  return runAppliance(argc, argv, "dns", kUsage, hooks);
}
