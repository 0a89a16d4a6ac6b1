// stele-dns: authoritative DNS appliance.
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
  return runAppliance<dns::DnsConfig>(
      argc, argv,
      {.kind = "dns",
       .usage = kUsage,
       .parseConfig = dns::parseDnsConfig,
       .kernelNetworkSetup = [](const dns::DnsConfig& config) { return config.network; },
       .makeService = dns::makeDnsServer});
}
