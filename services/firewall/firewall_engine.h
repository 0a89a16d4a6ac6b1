// The firewall's per-frame decision: ARP passes, IPv4 goes through the ordered rules,
// other ethertypes follow `non-ip`; log lines are rate limited. Pure: time is a parameter.
#pragma once

#include <chrono>
#include <span>
#include <string>
#include <vector>

#include "firewall/firewall_config.h"

namespace stele::services::firewall {

using TimePoint = std::chrono::steady_clock::time_point;

struct FrameDecision {
  bool forward = false;
  std::vector<std::string> logLines;  // to print on the console, in order
};

// Summarizes an IPv4 frame for rule matching; nullopt when the frame is not IPv4 or is
// malformed.
std::optional<PacketSummary> summarizeFrame(Side arrivedOn, std::span<const std::uint8_t> frame);

class FirewallEngine {
 public:
  explicit FirewallEngine(const FirewallConfig& config) : config_(config) {}

  FrameDecision decide(Side arrivedOn, std::span<const std::uint8_t> frame, TimePoint now);

  std::uint64_t dropped() const { return dropped_; }

 private:
  void log(std::string line, TimePoint now, std::vector<std::string>& out);

  const FirewallConfig& config_;
  std::uint64_t dropped_ = 0;
  TimePoint windowStart_{};
  unsigned loggedInWindow_ = 0;
  std::uint64_t suppressed_ = 0;
};

}  // namespace stele::services::firewall
