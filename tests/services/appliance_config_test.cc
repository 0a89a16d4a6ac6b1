// The directives the appliances share (common/appliance_config.h).
#include "common/appliance_config.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace stele::services {
namespace {

struct HostService {
  ApplianceIdentity identity;
  KernelNetworkSetup network;
  std::vector<std::pair<Ipv4Address, std::uint16_t>> listen;
};

// Feeds every line of `text` to applyHostServiceDirective; returns how many it took, or
// the first error.
std::expected<int, std::string> apply(const std::string& text, HostService& service,
                                      std::uint16_t defaultPort) {
  auto lines = tokenizeConfig(text);
  if (!lines) return std::unexpected(lines.error().describe());
  const HostServiceSettings settings{service.identity, service.network, service.listen,
                                     defaultPort};
  int taken = 0;
  for (const ConfigLine& line : *lines) {
    auto handled = applyHostServiceDirective(line, settings);
    if (!handled) return std::unexpected(handled.error().describe());
    taken += *handled ? 1 : 0;
  }
  applyDefaultListen(settings);
  return taken;
}

TEST(ApplianceConfigHostService, TakesIdentityNetworkAndListenAndLeavesTheRest) {
  HostService service;
  auto taken = apply(
      "instance a\nversion 2\ninterface eth0 192.0.2.2/24\ngateway 192.0.2.1\n"
      "listen 192.0.2.2\nlisten 127.0.0.1:8053\nzone example.test\n",
      service, 53);
  ASSERT_TRUE(taken) << taken.error();
  EXPECT_EQ(*taken, 6);
  EXPECT_EQ(service.identity.instance, "a");
  EXPECT_EQ(service.identity.version, "2");
  EXPECT_EQ(service.network.interfaces.size(), 1u);
  ASSERT_EQ(service.listen.size(), 2u);
  EXPECT_EQ(formatIpv4(service.listen[0].first), "192.0.2.2");
  EXPECT_EQ(service.listen[0].second, 53);  // the default port of a bare address
  EXPECT_EQ(service.listen[1].second, 8053);
}

TEST(ApplianceConfigHostService, ListensOnTheDefaultPortOfAnyAddressWhenNoneIsGiven) {
  HostService service;
  ASSERT_TRUE(apply("instance a\n", service, 80));
  ASSERT_EQ(service.listen.size(), 1u);
  EXPECT_EQ(service.listen[0].first.value, 0u);
  EXPECT_EQ(service.listen[0].second, 80);
}

TEST(ApplianceConfigHostService, RefusesBadAndRepeatedListenAddresses) {
  HostService service;
  EXPECT_EQ(apply("listen 192.0.2.1:80\nlisten 192.0.2.1\n", service, 80).error(),
            "config line 2: listen address given twice");
  HostService other;
  EXPECT_EQ(apply("listen nowhere\n", other, 80).error(),
            "config line 1: 'nowhere' is not ADDRESS or ADDRESS:PORT");
}

TEST(ApplianceConfigLinkOnly, BringsLinksUpWithoutKernelAddresses) {
  KernelNetworkSetup setup = linkOnlySetup(
      {InterfaceSelector{"eth0", std::nullopt}, InterfaceSelector{"eth1", std::nullopt}});
  ASSERT_EQ(setup.interfaces.size(), 2u);
  EXPECT_EQ(setup.interfaces[1].selector.name, "eth1");
  EXPECT_FALSE(setup.interfaces[0].address);
  EXPECT_FALSE(setup.defaultGateway);
}

}  // namespace
}  // namespace stele::services
