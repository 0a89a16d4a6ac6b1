#include "tests/support/appliance_e2e.h"

#include <filesystem>

#include "tests/support/run_command.h"

namespace stele::testing {

::testing::AssertionResult applianceImagesBuilt(const std::string& imagesDir,
                                                const std::vector<std::string>& names) {
  for (const auto& name : names) {
    std::filesystem::path manifest = std::filesystem::path(imagesDir) / name / "manifest.json";
    if (!std::filesystem::exists(manifest)) {
      return ::testing::AssertionFailure()
             << "appliance images missing: run images/build-images.sh BUILD (scripts/test.sh does)";
    }
  }
  return ::testing::AssertionSuccess();
}

const char* const kDmzNetworkYaml = R"(apiVersion: stele.dev/v1
kind: Network
metadata: {name: dmz}
spec: {cidr: 10.0.0.0/24, hostAddress: 10.0.0.254}
---
)";

std::string dnsDeploymentYaml(const std::string& wwwAddress, const std::string& extra) {
  return R"(apiVersion: stele.dev/v1
kind: Deployment
metadata: {name: dns}
spec:
  image: dns:0.1.0
  replicas: 1
  resources: {memoryMiB: 32}
  interfaces:
    - network: dmz
      addresses: [10.0.0.53]
  config: |
    zone example.test
    record @ 300 SOA ns1 hostmaster 1 3600 600 86400 60
    record @ 300 NS ns1
    record ns1 300 A 10.0.0.53
    record www 300 A )" +
         wwwAddress + R"(
  healthCheck:
    console: {match: "stele-appliance: dns ready"}
    periodMs: 200
)" + extra;
}

std::string pageInNamespace(const std::string& netns, const std::string& address) {
  auto r = runCommand(
      {"ip", "netns", "exec", netns, "curl", "-s", "--max-time", "3", "http://" + address + "/"});
  return r.exitStatus == 0 ? r.out : "";
}

}  // namespace stele::testing
