// stele-router: static IPv4 router in user space over AF_PACKET.
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
  return runAppliance<router::RouterConfig>(argc, argv,
                                            {.kind = "router",
                                             .usage = kUsage,
                                             .parseConfig = router::parseRouterConfig,
                                             .kernelNetworkSetup = router::kernelNetworkSetup,
                                             .makeService = router::makeRouterLoop});
}
