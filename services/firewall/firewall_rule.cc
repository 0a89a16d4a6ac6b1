#include "firewall/firewall_rule.h"

#include "common/packet_headers.h"

namespace stele::services::firewall {

bool Rule::matches(const PacketSummary& packet) const {
  if (arrivedOn && *arrivedOn != packet.arrivedOn) return false;
  if (protocol && *protocol != packet.protocol) return false;
  if (source && !source->contains(packet.source)) return false;
  if (destination && !destination->contains(packet.destination)) return false;
  if (sourcePorts && !(packet.sourcePort && sourcePorts->contains(*packet.sourcePort)))
    return false;
  if (destinationPorts &&
      !(packet.destinationPort && destinationPorts->contains(*packet.destinationPort)))
    return false;
  if (icmpType && packet.icmpType != icmpType) return false;
  return true;
}

Verdict evaluate(const std::vector<Rule>& rules, Action policy, const PacketSummary& packet) {
  for (std::size_t i = 0; i < rules.size(); ++i)
    if (rules[i].matches(packet))
      return Verdict{rules[i].action, rules[i].log, static_cast<int>(i + 1)};
  return Verdict{policy, false, 0};
}

std::vector<Rule> defaultRules() {
  Rule dropPing;
  dropPing.action = Action::Drop;
  dropPing.log = true;
  dropPing.protocol = kProtocolIcmp;
  dropPing.icmpType = kIcmpEchoRequest;
  return {dropPing};
}

std::string protocolName(std::uint8_t protocol) {
  switch (protocol) {
    case kProtocolIcmp:
      return "icmp";
    case kProtocolTcp:
      return "tcp";
    case kProtocolUdp:
      return "udp";
    default:
      return "proto-" + std::to_string(protocol);
  }
}

std::string describeDecision(const Verdict& verdict, const PacketSummary& packet) {
  // Appends only: `"literal" + std::string&&` trips GCC 12's -Wrestrict false positive
  // (GCC bug 105651) at -O3, which fails the Release build under -Werror.
  std::string text = verdict.action == Action::Drop ? "drop " : "accept ";
  text.append(protocolName(packet.protocol)).append(" ").append(formatIpv4(packet.source));
  if (packet.sourcePort) text.append(":").append(std::to_string(*packet.sourcePort));
  text.append(" -> ").append(formatIpv4(packet.destination));
  if (packet.destinationPort) text.append(":").append(std::to_string(*packet.destinationPort));
  if (packet.icmpType) text.append(" type ").append(std::to_string(*packet.icmpType));
  text.append(packet.arrivedOn == Side::Outside ? " in outside" : " in inside");
  if (verdict.ruleNumber == 0)
    text.append(" (policy)");
  else
    text.append(" (rule ").append(std::to_string(verdict.ruleNumber)).append(")");
  return text;
}

}  // namespace stele::services::firewall
