// stele-firewall: layer-2 transparent filtering bridge between an outside and an inside
// interface, in user space over AF_PACKET.
#include <memory>
#include <optional>

#include "common/appliance_main.h"
#include "firewall/firewall_config.h"
#include "firewall/firewall_loop.h"

namespace {

constexpr const char* kUsage =
    "usage: stele-firewall --config FILE [--check]\n"
    "Bridges frames between the 'outside' and 'inside' interfaces of FILE under its ordered\n"
    "rules (grammar: services/README.md); without rules it drops and logs ICMP echo requests.\n"
    "As PID 1 (VM mode) the config is read from QEMU fw_cfg opt/stele/config.";

}  // namespace

int main(int argc, char** argv) {
  using namespace stele::services;
  std::optional<firewall::FirewallConfig> config;
  std::unique_ptr<firewall::FirewallLoop> loop;
  ApplianceHooks hooks;
  hooks.load = [&](std::string_view text) -> std::expected<KernelNetworkSetup, std::string> {
    auto parsed = firewall::parseFirewallConfig(text);
    if (!parsed) return std::unexpected(parsed.error().describe());
    config = std::move(*parsed);
    KernelNetworkSetup setup;
    setup.interfaces.push_back(InterfaceSetting{config->outside, std::nullopt, 0});
    setup.interfaces.push_back(InterfaceSetting{config->inside, std::nullopt, 0});
    return setup;
  };
  hooks.start = [&](BootMode) -> std::expected<void, std::string> {
    loop = std::make_unique<firewall::FirewallLoop>(*config);
    return loop->start();
  };
  hooks.serve = [&] { return loop->serve(); };
  return runAppliance(argc, argv, "firewall", kUsage, hooks);
}
