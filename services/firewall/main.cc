// stele-firewall: layer-2 transparent filtering bridge between an outside and an inside
// interface, in user space over AF_PACKET.
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
  return runAppliance<firewall::FirewallConfig>(argc, argv,
                                                {.kind = "firewall",
                                                 .usage = kUsage,
                                                 .parseConfig = firewall::parseFirewallConfig,
                                                 .kernelNetworkSetup = firewall::kernelNetworkSetup,
                                                 .makeService = firewall::makeFirewallLoop});
}
