#include "hypervisor/network_xml.h"

#include <gtest/gtest.h>

#include "tests/hypervisor/test_specs.h"

namespace stele::hypervisor {
namespace {

using testing::validNetworkSpec;

TEST(NetworkXml, NeverEmitsAForwardElement) {
  auto xml = buildNetworkXml(validNetworkSpec());
  ASSERT_TRUE(xml.has_value());
  EXPECT_EQ(xml->find("forward"), std::string::npos);
  EXPECT_NE(xml->find("<dns enable='no'/>"), std::string::npos);
}

TEST(NetworkXml, RejectsHostileOrOverlongBridgeName) {
  for (std::string bridge : {"br'><x", "a-very-long-bridge-name", "", "br 0"}) {
    auto spec = validNetworkSpec();
    spec.bridge = bridge;
    auto xml = buildNetworkXml(spec);
    ASSERT_FALSE(xml.has_value()) << bridge;
    EXPECT_EQ(xml.error().code, "invalid_network_spec");
  }
}

TEST(NetworkXml, RejectsNonIpv4HostAddressAndBadPrefix) {
  auto spec = validNetworkSpec();
  spec.hostAddress->ipv4 = "10.0.0.1'/>";
  EXPECT_FALSE(buildNetworkXml(spec).has_value());
  spec = validNetworkSpec();
  spec.hostAddress->prefix = 33;
  EXPECT_FALSE(buildNetworkXml(spec).has_value());
}

TEST(NetworkXml, UuidIsStableForSameSpecAndDiffersForAnyChange) {
  auto spec = validNetworkSpec();
  const std::string uuid = networkUuidFor(spec);
  EXPECT_EQ(uuid, networkUuidFor(validNetworkSpec()));
  EXPECT_EQ(uuid.size(), 36u);
  EXPECT_TRUE(isSteleNetworkUuid(uuid));
  spec.hostAddress->prefix = 25;
  EXPECT_NE(uuid, networkUuidFor(spec));
  spec = validNetworkSpec();
  spec.bridge = "other";
  EXPECT_NE(uuid, networkUuidFor(spec));
  spec = validNetworkSpec();
  spec.hostAddress.reset();
  EXPECT_NE(uuid, networkUuidFor(spec));
  EXPECT_FALSE(isSteleNetworkUuid("c7a5fdbd-edaf-9455-926a-d65c16db1809"));
}

}  // namespace
}  // namespace stele::hypervisor
