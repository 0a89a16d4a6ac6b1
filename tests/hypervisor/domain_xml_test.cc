#include "hypervisor/domain_xml.h"

#include <gtest/gtest.h>

#include "hypervisor/mac_address.h"
#include "tests/hypervisor/test_specs.h"
#include "tests/support/value_of.h"

using stele::testing::valueOf;

namespace stele::hypervisor {
namespace {

using testing::validDomainSpec;

Result<std::string> build(const DomainSpec& spec) {
  auto paths = instancePathsFor("/var/lib/stele/instances", spec.instanceId,
                                spec.initrdPath.has_value(), spec.config.has_value());
  return buildDomainXml(spec, paths, Acceleration::Qemu);
}

void expectRejected(const DomainSpec& spec, const std::string& field) {
  auto xml = build(spec);
  ASSERT_FALSE(xml.has_value()) << "accepted hostile " << field;
  EXPECT_EQ(xml.error().kind, ErrorKind::InvalidArgument);
  EXPECT_EQ(xml.error().code, "invalid_domain_spec");
  EXPECT_NE(xml.error().message.find(field), std::string::npos) << xml.error().message;
}

TEST(DomainXml, RejectsQuoteInDomainName) {
  auto spec = validDomainSpec();
  spec.name = "web'/><evil/>";
  expectRejected(spec, "name");
}

TEST(DomainXml, RejectsAngleBracketAndAmpersandInDeployment) {
  auto spec = validDomainSpec();
  spec.deployment = "web<&>";
  expectRejected(spec, "deployment");
}

TEST(DomainXml, RejectsNewlineInCmdline) {
  auto spec = validDomainSpec();
  spec.cmdline = "console=ttyS0\ninit=/bin/sh";
  expectRejected(spec, "cmdline");
}

TEST(DomainXml, RejectsControlCharacterInCmdline) {
  auto spec = validDomainSpec();
  spec.cmdline = std::string("console=ttyS0\x01", 14);
  expectRejected(spec, "cmdline");
}

TEST(DomainXml, RejectsNewlineInInstanceId) {
  auto spec = validDomainSpec();
  spec.instanceId = "i-1\n";
  expectRejected(spec, "instanceId");
}

TEST(DomainXml, RejectsRelativeOrTraversingOrNulKernelPath) {
  for (const std::string& path :
       {std::string("kernel"), std::string("/srv/../etc/shadow"), std::string("/srv/k\0x", 8),
        std::string("/srv/./kernel"), std::string()}) {
    auto spec = validDomainSpec();
    spec.kernelPath = path;
    expectRejected(spec, "kernelPath");
  }
}

TEST(DomainXml, RejectsMalformedImageDigest) {
  auto spec = validDomainSpec();
  spec.imageDigest = "sha256:ABC";
  expectRejected(spec, "imageDigest");
}

TEST(DomainXml, RejectsZeroMemoryAndZeroVcpus) {
  auto spec = validDomainSpec();
  spec.memoryMiB = 0;
  expectRejected(spec, "memoryMiB");
  spec = validDomainSpec();
  spec.vcpus = 0;
  expectRejected(spec, "vcpus");
}

TEST(DomainXml, RejectsSameNetworkTwiceAndHostileNetworkName) {
  auto spec = validDomainSpec();
  spec.networks = {"dmz", "dmz"};
  expectRejected(spec, "networks[1]");
  spec.networks = {"dmz'><x"};
  expectRejected(spec, "networks[0]");
}

TEST(DomainXml, EscapesMarkupCharactersInCmdline) {
  auto spec = validDomainSpec();
  spec.cmdline = "a<b c>d e&f g\"h i'j";
  auto xml = build(spec);
  ASSERT_TRUE(xml.has_value()) << xml.error().message;
  EXPECT_NE(xml->find("<cmdline>a&lt;b c&gt;d e&amp;f g&quot;h i&apos;j</cmdline>"),
            std::string::npos)
      << *xml;
}

TEST(DomainXml, UsesHostAccelerationAsDomainType) {
  auto spec = validDomainSpec();
  auto paths = instancePathsFor("/i", spec.instanceId, false, false);
  EXPECT_TRUE(
      valueOf(buildDomainXml(spec, paths, Acceleration::Kvm)).starts_with("<domain type='kvm'>"));
  EXPECT_TRUE(
      valueOf(buildDomainXml(spec, paths, Acceleration::Qemu)).starts_with("<domain type='qemu'>"));
}

TEST(DomainXml, GivesEachNicTheMacDerivedFromInstanceAndPosition) {
  auto spec = validDomainSpec();
  spec.networks = {"outside", "inside"};
  auto xml = build(spec);
  ASSERT_TRUE(xml.has_value());
  EXPECT_NE(xml->find(macAddressFor(spec.instanceId, 0)), std::string::npos);
  EXPECT_NE(xml->find(macAddressFor(spec.instanceId, 1)), std::string::npos);
}

TEST(DomainXml, AddsFwCfgEntryOnlyWhenConfigIsGiven) {
  auto spec = validDomainSpec();
  EXPECT_EQ(valueOf(build(spec)).find("fwcfg"), std::string::npos);
  spec.config = "x=1";
  auto xml = build(spec);
  EXPECT_NE(
      xml->find("<entry name='opt/stele/config' file='/var/lib/stele/instances/i-0001/config'/>"),
      std::string::npos)
      << *xml;
}

TEST(DomainXml, NamesTheFirmwareRomOnlyWhenTheHostGivesOne) {
  auto spec = validDomainSpec();
  auto paths = instancePathsFor("/i", spec.instanceId, false, false);
  EXPECT_EQ(valueOf(buildDomainXml(spec, paths, Acceleration::Qemu)).find("<loader"),
            std::string::npos);
  auto xml = valueOf(buildDomainXml(spec, paths, Acceleration::Qemu, "/usr/share/qemu/qboot.rom"));
  EXPECT_NE(xml.find("<loader type='rom'>/usr/share/qemu/qboot.rom</loader>"), std::string::npos);
  auto relative = buildDomainXml(spec, paths, Acceleration::Qemu, "qboot.rom");
  ASSERT_FALSE(relative.has_value());
  EXPECT_EQ(relative.error().code, "invalid_firmware_path");
}

TEST(MacAddress, IsLocallyAdministeredUnicastStableAndDistinctPerNic) {
  const std::string first = macAddressFor("i-0001", 0);
  EXPECT_EQ(first, macAddressFor("i-0001", 0));
  EXPECT_NE(first, macAddressFor("i-0001", 1));
  EXPECT_NE(first, macAddressFor("i-0002", 0));
  EXPECT_EQ(first.size(), 17u);
  EXPECT_TRUE(first.starts_with("02:"));
}

}  // namespace
}  // namespace stele::hypervisor
