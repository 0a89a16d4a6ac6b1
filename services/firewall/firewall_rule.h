// Ordered firewall rules and their matching against one IPv4 packet. Pure; no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/net_address.h"

namespace stele::services::firewall {

enum class Action { Accept, Drop };
enum class Side { Outside, Inside };

struct PortRange {
  std::uint16_t low = 0;
  std::uint16_t high = 65535;
  bool contains(std::uint16_t port) const { return port >= low && port <= high; }
  bool operator==(const PortRange&) const = default;
};

// What the firewall knows about a packet when it decides.
struct PacketSummary {
  Side arrivedOn = Side::Outside;
  std::uint8_t protocol = 0;
  Ipv4Address source;
  Ipv4Address destination;
  std::optional<std::uint16_t> sourcePort;  // TCP/UDP first fragments only
  std::optional<std::uint16_t> destinationPort;
  std::optional<std::uint8_t> icmpType;  // ICMP first fragments only
};

// Every field left empty matches anything.
struct Rule {
  Action action = Action::Accept;
  bool log = false;
  std::optional<std::uint8_t> protocol;
  std::optional<Ipv4Prefix> source;
  std::optional<Ipv4Prefix> destination;
  std::optional<PortRange> sourcePorts;
  std::optional<PortRange> destinationPorts;
  std::optional<std::uint8_t> icmpType;
  std::optional<Side> arrivedOn;
  int line = 0;  // config line, for log messages

  bool matches(const PacketSummary& packet) const;
};

struct Verdict {
  Action action = Action::Accept;
  bool log = false;
  int ruleNumber = 0;  // 1-based position in the list; 0 = the default policy
};

// First matching rule wins; none matching gives the policy.
Verdict evaluate(const std::vector<Rule>& rules, Action policy, const PacketSummary& packet);

// The rule set used when the config has no `rule` line: drop and log ICMP echo requests.
std::vector<Rule> defaultRules();

std::string protocolName(std::uint8_t protocol);
// "drop icmp 192.0.2.1 -> 192.0.2.2 type 8 in outside (rule 1)"
std::string describeDecision(const Verdict& verdict, const PacketSummary& packet);

}  // namespace stele::services::firewall
