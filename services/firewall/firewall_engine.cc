#include "firewall/firewall_engine.h"

#include "common/packet_headers.h"

namespace stele::services::firewall {

std::optional<PacketSummary> summarizeFrame(Side arrivedOn, std::span<const std::uint8_t> frame) {
  auto ip = parseIpv4(frame, /*verifyChecksum=*/true);
  if (!ip) return std::nullopt;
  PacketSummary summary;
  summary.arrivedOn = arrivedOn;
  summary.protocol = ip->protocol;
  summary.source = ip->source;
  summary.destination = ip->destination;
  if (auto ports = parsePorts(frame, *ip)) {
    summary.sourcePort = ports->source;
    summary.destinationPort = ports->destination;
  }
  if (ip->protocol == kProtocolIcmp && ip->isFirstFragment && frame.size() > ip->payloadOffset())
    summary.icmpType = frame[ip->payloadOffset()];
  return summary;
}

FrameDecision FirewallEngine::decide(Side arrivedOn, std::span<const std::uint8_t> frame,
                                     TimePoint now) {
  FrameDecision decision;
  if (frame.size() < kEthernetHeaderSize) {
    ++dropped_;
    return decision;  // a runt is never forwarded
  }
  std::uint16_t type = etherType(frame);
  if (type == kEtherTypeArp) {
    decision.forward = true;
    return decision;
  }
  if (type != kEtherTypeIpv4) {
    decision.forward = config_.passNonIp;
    if (!decision.forward) ++dropped_;
    return decision;
  }
  auto summary = summarizeFrame(arrivedOn, frame);
  if (!summary) {
    ++dropped_;
    return decision;  // malformed IPv4 never crosses
  }
  Verdict verdict = evaluate(config_.rules, config_.policy, *summary);
  decision.forward = verdict.action == Action::Accept;
  if (!decision.forward) ++dropped_;
  if (verdict.log)
    log("stele-firewall: " + describeDecision(verdict, *summary), now, decision.logLines);
  return decision;
}

void FirewallEngine::log(std::string line, TimePoint now, std::vector<std::string>& out) {
  if (now - windowStart_ >= std::chrono::seconds(1)) {
    if (suppressed_ > 0)
      out.push_back("stele-firewall: " + std::to_string(suppressed_) +
                    " log lines suppressed (log-rate)");
    windowStart_ = now;
    loggedInWindow_ = 0;
    suppressed_ = 0;
  }
  if (loggedInWindow_ >= config_.logLinesPerSecond) {
    ++suppressed_;
    return;
  }
  ++loggedInWindow_;
  out.push_back(std::move(line));
}

}  // namespace stele::services::firewall
