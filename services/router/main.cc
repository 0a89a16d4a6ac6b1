// stele-router: static IPv4 router in user space over AF_PACKET.
#include <memory>
#include <optional>

#include "common/appliance_main.h"
#include "router/router_config.h"
#include "router/router_loop.h"

namespace {

constexpr const char* kUsage =
    "usage: stele-router --config FILE [--check]\n"
    "Forwards IPv4 between the interfaces in FILE by static routes (grammar: services/README.md).\n"
    "The interfaces must carry no kernel IPv4 address and the kernel must not forward.\n"
    "As PID 1 (VM mode) the config is read from QEMU fw_cfg opt/stele/config.";

}  // namespace

int main(int argc, char** argv) {
  using namespace stele::services;
  std::optional<router::RouterConfig> config;
  std::unique_ptr<router::RouterLoop> loop;
  ApplianceHooks hooks;
  hooks.load = [&](std::string_view text) -> std::expected<KernelNetworkSetup, std::string> {
    auto parsed = router::parseRouterConfig(text);
    if (!parsed) return std::unexpected(parsed.error().describe());
    config = std::move(*parsed);
    std::vector<InterfaceSelector> selectors;
    for (const auto& port : config->ports) selectors.push_back(port.selector);
    return router::linkOnlySetup(selectors);
  };
  hooks.start = [&](BootMode) -> std::expected<void, std::string> {
    loop = std::make_unique<router::RouterLoop>(*config);
    return loop->start();
  };
  hooks.serve = [&] { return loop->serve(); };
  return runAppliance(argc, argv, "router", kUsage, hooks);
}
