#include "firewall/firewall_rule.h"

#include <gtest/gtest.h>

#include "common/packet_headers.h"
#include "firewall/firewall_config.h"
#include "tests/support/value_of.h"

using stele::testing::valueOf;

namespace stele::services::firewall {
namespace {

PacketSummary packet(std::uint8_t protocol, const char* from, const char* to) {
  PacketSummary p;
  p.protocol = protocol;
  p.source = valueOf(parseIpv4(from));
  p.destination = valueOf(parseIpv4(to));
  return p;
}

Rule rule(const std::string& text) {
  auto lines = tokenizeConfig(text);
  auto parsed = parseRule((*lines)[0]);
  EXPECT_TRUE(parsed) << (parsed ? "" : parsed.error().describe());
  return parsed ? *parsed : Rule{};
}

TEST(FirewallRule, DefaultRulesDropEchoRequestsOnly) {
  auto rules = defaultRules();
  PacketSummary ping = packet(kProtocolIcmp, "192.0.2.2", "192.0.2.3");
  ping.icmpType = kIcmpEchoRequest;
  Verdict v = evaluate(rules, Action::Accept, ping);
  EXPECT_EQ(v.action, Action::Drop);
  EXPECT_TRUE(v.log);
  EXPECT_EQ(v.ruleNumber, 1);
  ping.icmpType = kIcmpEchoReply;
  EXPECT_EQ(evaluate(rules, Action::Accept, ping).action, Action::Accept);
  EXPECT_EQ(evaluate(rules, Action::Accept, packet(kProtocolTcp, "192.0.2.2", "192.0.2.3")).action,
            Action::Accept);
}

TEST(FirewallRule, FirstMatchWinsAndPolicyAppliesOtherwise) {
  std::vector<Rule> rules = {rule("rule accept proto tcp dport 80"), rule("rule drop proto tcp")};
  PacketSummary web = packet(kProtocolTcp, "192.0.2.2", "192.0.2.3");
  web.destinationPort = 80;
  EXPECT_EQ(evaluate(rules, Action::Drop, web).action, Action::Accept);
  web.destinationPort = 22;
  Verdict v = evaluate(rules, Action::Accept, web);
  EXPECT_EQ(v.action, Action::Drop);
  EXPECT_EQ(v.ruleNumber, 2);
  Verdict policy = evaluate(rules, Action::Drop, packet(kProtocolUdp, "192.0.2.2", "192.0.2.3"));
  EXPECT_EQ(policy.action, Action::Drop);
  EXPECT_EQ(policy.ruleNumber, 0);
}

TEST(FirewallRule, MatchesPrefixesPortRangesAndSide) {
  Rule r = rule(
      "rule drop log proto udp src 198.51.100.0/24 dst 192.0.2.53 sport 1024-65535 dport 53 in "
      "outside");
  PacketSummary dns = packet(kProtocolUdp, "198.51.100.7", "192.0.2.53");
  dns.sourcePort = 40000;
  dns.destinationPort = 53;
  EXPECT_TRUE(r.matches(dns));
  dns.arrivedOn = Side::Inside;
  EXPECT_FALSE(r.matches(dns));
  dns.arrivedOn = Side::Outside;
  dns.sourcePort = 53;
  EXPECT_FALSE(r.matches(dns));
  dns.sourcePort = 40000;
  dns.source = valueOf(parseIpv4("198.51.101.7"));
  EXPECT_FALSE(r.matches(dns));
}

TEST(FirewallRule, PortRuleNeverMatchesPacketsWithoutPorts) {
  Rule r = rule("rule drop proto udp dport 53");
  EXPECT_FALSE(r.matches(packet(kProtocolUdp, "192.0.2.2", "192.0.2.3")));  // a later fragment
}

TEST(FirewallRule, DescribesDropWithSourceAndDestination) {
  PacketSummary ping = packet(kProtocolIcmp, "192.0.2.2", "192.0.2.3");
  ping.icmpType = 8;
  EXPECT_EQ(describeDecision(Verdict{Action::Drop, true, 1}, ping),
            "drop icmp 192.0.2.2 -> 192.0.2.3 type 8 in outside (rule 1)");
  PacketSummary tcp = packet(kProtocolTcp, "192.0.2.2", "192.0.2.3");
  tcp.sourcePort = 5555;
  tcp.destinationPort = 22;
  tcp.arrivedOn = Side::Inside;
  EXPECT_EQ(describeDecision(Verdict{Action::Drop, true, 0}, tcp),
            "drop tcp 192.0.2.2:5555 -> 192.0.2.3:22 in inside (policy)");
}

}  // namespace
}  // namespace stele::services::firewall
