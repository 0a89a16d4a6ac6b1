#include "hypervisor/stele_metadata.h"

#include <gtest/gtest.h>

#include "hypervisor/domain_xml.h"
#include "tests/hypervisor/test_specs.h"

namespace stele::hypervisor {
namespace {

const std::string kDigest = "sha256:" + std::string(64, 'b');

TEST(SteleMetadata, ParsesTheElementLibvirtReturnsWithoutPrefix) {
  auto metadata =
      parseSteleMetadata("<instance id=\"i-1\" deployment=\"web\" revision=\"3\" image-digest=\"" +
                         kDigest + "\"/>\n");
  ASSERT_TRUE(metadata.has_value()) << metadata.error().message;
  EXPECT_EQ(*metadata, (InstanceMetadata{"i-1", "web", "3", kDigest}));
}

TEST(SteleMetadata, ParsesPrefixedElementWithNamespaceAndSingleQuotes) {
  auto metadata = parseSteleMetadata(
      "<stele:instance xmlns:stele='https://stele.dev/xmlns/instance/1' id='i-2' "
      "deployment='dns' revision='r&#45;1' image-digest='" +
      kDigest + "'/>");
  ASSERT_TRUE(metadata.has_value()) << metadata.error().message;
  EXPECT_EQ(metadata->revision, "r-1");
}

TEST(SteleMetadata, RoundTripsThroughGeneratedDomainXml) {
  auto spec = testing::validDomainSpec("i-77");
  auto xml = buildDomainXml(spec, instancePathsFor("/i", spec.instanceId, false, false),
                            Acceleration::Kvm);
  ASSERT_TRUE(xml.has_value());
  auto start = xml->find("<stele:instance");
  auto end = xml->find("/>", start);
  auto metadata = parseSteleMetadata(xml->substr(start, end + 2 - start));
  ASSERT_TRUE(metadata.has_value()) << metadata.error().message;
  EXPECT_EQ(*metadata,
            (InstanceMetadata{spec.instanceId, spec.deployment, spec.revision, spec.imageDigest}));
}

TEST(SteleMetadata, RejectsOtherElementsMissingIdAndInvalidValues) {
  EXPECT_FALSE(parseSteleMetadata("<other id='i-1'/>").has_value());
  EXPECT_FALSE(
      parseSteleMetadata("<instance deployment='web' revision='1' image-digest='" + kDigest + "'/>")
          .has_value());
  EXPECT_FALSE(
      parseSteleMetadata("<instance id='i 1' deployment='web' revision='1' image-digest='" +
                         kDigest + "'/>")
          .has_value());
  EXPECT_FALSE(parseSteleMetadata("<instance id='i-1").has_value());
  EXPECT_FALSE(parseSteleMetadata("").has_value());
}

}  // namespace
}  // namespace stele::hypervisor
