#include "common/net_address.h"

#include <gtest/gtest.h>

#include "common/packet_headers.h"
#include "tests/support/value_of.h"

using stele::testing::valueOf;

namespace stele::services {
namespace {

TEST(NetAddress, ParsesDottedQuadStrictly) {
  EXPECT_EQ(valueOf(parseIpv4("192.0.2.1")).value, 0xc0000201u);
  EXPECT_FALSE(parseIpv4("192.0.2"));
  EXPECT_FALSE(parseIpv4("192.0.2.256"));
  EXPECT_FALSE(parseIpv4("192.0.02.1"));
  EXPECT_FALSE(parseIpv4("192.0.2.1 "));
  EXPECT_FALSE(parseIpv4("-1.0.0.0"));
}

TEST(NetAddress, PrefixRequiresZeroHostBitsAndAcceptsDefault) {
  EXPECT_EQ(formatIpv4Prefix(*parseIpv4Prefix("10.1.0.0/16")), "10.1.0.0/16");
  EXPECT_FALSE(parseIpv4Prefix("10.1.0.1/16"));
  EXPECT_EQ(valueOf(parseIpv4Prefix("default")).length, 0);
  EXPECT_EQ(valueOf(parseIpv4Prefix("10.1.2.3")).length, 32);
  EXPECT_FALSE(parseIpv4Prefix("10.0.0.0/33"));
}

TEST(NetAddress, PrefixContainsOnlyItsRange) {
  auto prefix = *parseIpv4Prefix("198.51.100.0/24");
  EXPECT_TRUE(prefix.contains(*parseIpv4("198.51.100.255")));
  EXPECT_FALSE(prefix.contains(*parseIpv4("198.51.101.0")));
  EXPECT_TRUE(Ipv4Prefix{}.contains(*parseIpv4("1.2.3.4")));
}

TEST(NetAddress, MacRoundTripsAndRejectsJunk) {
  auto mac = parseMac("52:54:00:ab:CD:ef");
  ASSERT_TRUE(mac);
  EXPECT_EQ(formatMac(*mac), "52:54:00:ab:cd:ef");
  EXPECT_FALSE(parseMac("52:54:00:ab:cd"));
  EXPECT_FALSE(parseMac("52-54-00-ab-cd-ef"));
  EXPECT_FALSE(parseMac("52:54:00:ab:cd:eg"));
}

TEST(NetAddress, EndpointNeedsPortInRange) {
  auto endpoint = parseIpv4Endpoint("127.0.0.1:8080");
  ASSERT_TRUE(endpoint);
  EXPECT_EQ(endpoint->second, 8080);
  EXPECT_FALSE(parseIpv4Endpoint("127.0.0.1:0"));
  EXPECT_FALSE(parseIpv4Endpoint("127.0.0.1:65536"));
}

TEST(PacketHeaders, ChecksumOfHeaderWithItsChecksumIsZero) {
  std::vector<std::uint8_t> header = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                                      0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
  EXPECT_EQ(internetChecksum(header), 0);
  header[10] = header[11] = 0;
  EXPECT_EQ(internetChecksum(header), 0xb861);
}

}  // namespace
}  // namespace stele::services
