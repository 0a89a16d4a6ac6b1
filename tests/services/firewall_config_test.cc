#include "firewall/firewall_config.h"

#include <gtest/gtest.h>

#include "common/packet_headers.h"

namespace stele::services::firewall {
namespace {

std::string errorOf(const std::string& text) {
  auto parsed = parseFirewallConfig(text);
  return parsed ? "" : parsed.error().describe();
}

const std::string kPorts = "outside eth0\ninside 52:54:00:00:00:02\n";

TEST(FirewallConfig, WithoutRulesUsesTheDefaultSet) {
  auto parsed = parseFirewallConfig(kPorts);
  ASSERT_TRUE(parsed) << parsed.error().describe();
  ASSERT_EQ(parsed->rules.size(), 1u);
  EXPECT_EQ(parsed->rules[0].icmpType, kIcmpEchoRequest);
  EXPECT_EQ(parsed->policy, Action::Accept);
  EXPECT_FALSE(parsed->passNonIp);
  EXPECT_TRUE(parsed->inside.mac.has_value());
}

TEST(FirewallConfig, ExplicitRulesReplaceTheDefaults) {
  auto parsed = parseFirewallConfig(kPorts +
                                    "rule accept proto icmp\nrule drop log proto tcp dport "
                                    "22\npolicy drop\nnon-ip pass\nlog-rate 5\n");
  ASSERT_TRUE(parsed) << parsed.error().describe();
  EXPECT_EQ(parsed->rules.size(), 2u);
  EXPECT_EQ(parsed->rules[1].line, 4);
  EXPECT_EQ(parsed->policy, Action::Drop);
  EXPECT_TRUE(parsed->passNonIp);
  EXPECT_EQ(parsed->logLinesPerSecond, 5u);
}

TEST(FirewallConfig, RejectsBadLinesNamingThem) {
  EXPECT_EQ(errorOf("outside eth0\n"),
            "config: both 'outside' and 'inside' interfaces are required");
  EXPECT_EQ(errorOf("outside eth0\ninside eth0\n"),
            "config: 'outside' and 'inside' name the same interface");
  EXPECT_EQ(errorOf(kPorts + "rule reject\n"),
            "config line 3: rule action 'reject' is not accept or drop");
  EXPECT_EQ(errorOf(kPorts + "rule drop dport 22\n"),
            "config line 3: sport/dport need 'proto tcp' or 'proto udp'");
  EXPECT_EQ(errorOf(kPorts + "rule drop icmp-type echo-request\n"),
            "config line 3: icmp-type needs 'proto icmp'");
  EXPECT_EQ(errorOf(kPorts + "rule drop proto tcp dport 90-80\n"),
            "config line 3: '90-80' is not a port or LOW-HIGH range");
  EXPECT_EQ(errorOf(kPorts + "rule drop proto gre\n"),
            "config line 3: protocol 'gre' is not tcp, udp, icmp, any or 0-255");
  EXPECT_EQ(errorOf(kPorts + "rule drop src 10.0.0.1/8\n"),
            "config line 3: '10.0.0.1/8' is not a prefix A.B.C.D/LEN (zero host bits) or address");
  EXPECT_EQ(errorOf(kPorts + "rule drop proto tcp proto udp\n"),
            "config line 3: 'proto' given twice");
  EXPECT_EQ(errorOf(kPorts + "rule drop src\n"), "config line 3: 'src' needs a value");
  EXPECT_EQ(errorOf(kPorts + "rule drop ttl 3\n"),
            "config line 3: unknown rule match 'ttl' (proto src dst sport dport icmp-type in)");
  EXPECT_EQ(errorOf(kPorts + "policy maybe\n"), "config line 3: policy must be accept or drop");
  EXPECT_EQ(errorOf(kPorts + "outside eth3\n"), "config line 3: 'outside' given twice");
  EXPECT_EQ(errorOf(kPorts + "bridge yes\n"), "config line 3: unknown directive 'bridge'");
}

}  // namespace
}  // namespace stele::services::firewall
