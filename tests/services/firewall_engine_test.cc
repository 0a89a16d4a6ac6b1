#include "firewall/firewall_engine.h"

#include <gtest/gtest.h>

#include "packet_builders.h"

namespace stele::services::firewall {
namespace {

using namespace stele::services::testing;

const MacAddress kA = mac("02:00:00:00:00:0a");
const MacAddress kB = mac("02:00:00:00:00:0b");

FirewallConfig defaultConfig() { return *parseFirewallConfig("outside eth0\ninside eth1\n"); }

TEST(FirewallEngine, DropsAndLogsPingPassesTcpUdpAndArp) {
  FirewallConfig config = defaultConfig();
  FirewallEngine engine(config);
  TimePoint now{};
  FrameDecision ping = engine.decide(
      Side::Outside, ipv4Frame(kA, kB, ip("192.0.2.2"), ip("192.0.2.3"), kProtocolIcmp, 64).bytes,
      now);
  EXPECT_FALSE(ping.forward);
  ASSERT_EQ(ping.logLines.size(), 1u);
  EXPECT_EQ(ping.logLines[0],
            "stele-firewall: drop icmp 192.0.2.2 -> 192.0.2.3 type 8 in outside (rule 1)");
  EXPECT_TRUE(
      engine
          .decide(
              Side::Outside,
              ipv4Frame(kA, kB, ip("192.0.2.2"), ip("192.0.2.3"), kProtocolTcp, 64, 4000, 80).bytes,
              now)
          .forward);
  EXPECT_TRUE(
      engine
          .decide(
              Side::Inside,
              ipv4Frame(kB, kA, ip("192.0.2.3"), ip("192.0.2.2"), kProtocolUdp, 64, 53, 4000).bytes,
              now)
          .forward);
  EXPECT_TRUE(engine
                  .decide(Side::Inside,
                          ipv4Frame(kB, kA, ip("192.0.2.3"), ip("192.0.2.2"), kProtocolIcmp, 64,
                                    kIcmpEchoReply)
                              .bytes,
                          now)
                  .forward);
  EXPECT_TRUE(
      engine
          .decide(Side::Outside,
                  arpFrame(1, kA, ip("192.0.2.2"), MacAddress{}, ip("192.0.2.3"), kBroadcast).bytes,
                  now)
          .forward);
  EXPECT_EQ(engine.dropped(), 1u);
}

TEST(FirewallEngine, NonIpFollowsConfigAndMalformedIpv4NeverPasses) {
  FirewallConfig config = defaultConfig();
  FirewallEngine engine(config);
  Frame ipv6 = ipv4Frame(kA, kB, ip("192.0.2.2"), ip("192.0.2.3"), kProtocolTcp, 64, 1, 2);
  store16(ipv6.bytes, 12, 0x86dd);
  EXPECT_FALSE(engine.decide(Side::Outside, ipv6.bytes, TimePoint{}).forward);
  config.passNonIp = true;
  EXPECT_TRUE(engine.decide(Side::Outside, ipv6.bytes, TimePoint{}).forward);
  Frame broken = ipv4Frame(kA, kB, ip("192.0.2.2"), ip("192.0.2.3"), kProtocolTcp, 64, 1, 2);
  broken.bytes[14] = 0x44;  // header length 16 bytes
  EXPECT_FALSE(engine.decide(Side::Outside, broken.bytes, TimePoint{}).forward);
  EXPECT_FALSE(engine.decide(Side::Outside, std::vector<std::uint8_t>(10, 0), TimePoint{}).forward);
}

TEST(FirewallEngine, RateLimitsLogLinesAndReportsSuppressed) {
  FirewallConfig config = defaultConfig();
  config.logLinesPerSecond = 3;
  FirewallEngine engine(config);
  auto ping = ipv4Frame(kA, kB, ip("192.0.2.2"), ip("192.0.2.3"), kProtocolIcmp, 64).bytes;
  TimePoint start{};
  int lines = 0;
  for (int i = 0; i < 10; ++i)
    lines += static_cast<int>(engine.decide(Side::Outside, ping, start).logLines.size());
  EXPECT_EQ(lines, 3);
  FrameDecision later = engine.decide(Side::Outside, ping, start + std::chrono::seconds(2));
  ASSERT_EQ(later.logLines.size(), 2u);
  EXPECT_EQ(later.logLines[0], "stele-firewall: 7 log lines suppressed (log-rate)");
  EXPECT_EQ(engine.dropped(), 11u);
}

TEST(FirewallEngine, SummarizesPortsAndIcmpType) {
  auto summary = summarizeFrame(
      Side::Inside,
      ipv4Frame(kA, kB, ip("192.0.2.2"), ip("192.0.2.3"), kProtocolUdp, 64, 5353, 53).bytes);
  ASSERT_TRUE(summary);
  EXPECT_EQ(summary->sourcePort, 5353);
  EXPECT_EQ(summary->destinationPort, 53);
  EXPECT_FALSE(summary->icmpType);
  EXPECT_EQ(summary->arrivedOn, Side::Inside);
}

}  // namespace
}  // namespace stele::services::firewall
