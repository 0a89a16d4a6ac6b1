#include "dns/dns_config.h"

#include <gtest/gtest.h>

#include "dns_test_support.h"

namespace stele::services::dns {
namespace {

std::string errorOf(const std::string& text) {
  auto parsed = parseDnsConfig(text);
  return parsed ? "" : parsed.error().describe();
}

const std::string kHead =
    "zone example.test\n"
    "record @ 60 SOA ns1 hostmaster 1 2 3 4 5\n"
    "record @ 60 NS ns1\n";

TEST(DnsConfig, ParsesTheTestZone) {
  auto parsed = parseDnsConfig(testing::kTestZoneConfig);
  ASSERT_TRUE(parsed) << parsed.error().describe();
  EXPECT_EQ(parsed->identity.instance, "dns-test");
  EXPECT_EQ(parsed->zones.size(), 2u);
  ASSERT_EQ(parsed->listen.size(), 1u);
  EXPECT_EQ(parsed->listen[0].second, 53);
}

TEST(DnsConfig, DefaultsToListeningOnPort53Everywhere) {
  auto parsed = parseDnsConfig(kHead);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->listen[0].first.value, 0u);
  EXPECT_EQ(parsed->listen[0].second, 53);
}

TEST(DnsConfig, RelativeAbsoluteAndApexOwners) {
  auto parsed = parseDnsConfig(
      kHead + "record www 60 A 192.0.2.1\nrecord mail.example.test. 60 A 192.0.2.2\n");
  ASSERT_TRUE(parsed);
  const Zone& zone = parsed->zones.zones()[0];
  EXPECT_NE(zone.find(*nameFromText("www.example.test")), nullptr);
  EXPECT_NE(zone.find(*nameFromText("mail.example.test")), nullptr);
}

TEST(DnsConfig, RejectsBadLinesNamingLineAndProblem) {
  EXPECT_EQ(errorOf("record www 60 A 192.0.2.1\n"), "config line 1: record before any 'zone' line");
  EXPECT_EQ(errorOf(kHead + "record www 60 A 300.0.0.1\n"),
            "config line 4: '300.0.0.1' is not an IPv4 address");
  EXPECT_EQ(errorOf(kHead + "record www 60 AAAA 192.0.2.1\n"),
            "config line 4: '192.0.2.1' is not an IPv6 address");
  EXPECT_EQ(errorOf(kHead + "record www 60 MX 10 mail\n"),
            "config line 4: record type 'MX' is not one of A AAAA CNAME NS SOA TXT");
  EXPECT_EQ(errorOf(kHead + "record www -5 A 192.0.2.1\n"),
            "config line 4: TTL '-5' must be 0..2147483647");
  EXPECT_EQ(errorOf(kHead + "record www.example.org. 60 A 192.0.2.1\n"),
            "config line 4: owner is outside the zone");
  EXPECT_EQ(errorOf(kHead + "record a 60 CNAME b\nrecord a 60 A 192.0.2.1\n"),
            "config line 5: name already has a CNAME; no other records allowed there");
  EXPECT_EQ(errorOf(kHead + "record a 60 A 192.0.2.1\nrecord a 60 A 192.0.2.1\n"),
            "config line 5: duplicate record");
  EXPECT_EQ(errorOf(kHead + "record @ 60 SOA a b 1 2 3 4 5\n"),
            "config line 4: second SOA in the zone");
  EXPECT_EQ(errorOf(kHead + "zone example.test\n"),
            "config line 4: zone example.test declared twice");
  EXPECT_EQ(errorOf(kHead + "listen 192.0.2.1:99999\n"),
            "config line 4: '192.0.2.1:99999' is not ADDRESS or ADDRESS:PORT");
  EXPECT_EQ(errorOf(kHead + "bogus 1\n"), "config line 4: unknown directive 'bogus'");
  EXPECT_EQ(errorOf(kHead + "record www 60 TXT\n"),
            "config line 4: TXT record needs at least one string");
  EXPECT_EQ(errorOf(kHead + "record bad..name 60 A 192.0.2.1\n"),
            "config line 4: 'bad..name' is not a valid domain name");
}

TEST(DnsConfig, ZoneWithoutSoaOrNsIsRefusedAtItsZoneLine) {
  EXPECT_EQ(errorOf("instance x\nzone a.test\nrecord @ 60 NS ns\n"),
            "config line 2: zone a.test. has no SOA record");
  EXPECT_EQ(errorOf("zone a.test\nrecord @ 60 SOA ns h 1 2 3 4 5\n"),
            "config line 1: zone a.test. has no NS record at its apex");
  EXPECT_EQ(errorOf("instance x\n"), "config: no 'zone' given");
}

}  // namespace
}  // namespace stele::services::dns
