#include "scheduler/placement.h"

#include <algorithm>

namespace stele::scheduler {

namespace {

enum Check : std::size_t {
  kHostDown,
  kDraining,
  kWrongAcceleration,
  kInsufficientMemory,
  kInsufficientVcpus,
  kMissingNetwork,
  kLabelMismatch,
  kMaxPerHost,
};

int instancesOfDeployment(const HostCandidate& host, const std::string& deployment) {
  auto it = host.instancesOf.find(deployment);
  return it == host.instancesOf.end() ? 0 : it->second;
}

std::optional<Check> failingCheck(const PlacementRequest& request, const HostCandidate& host) {
  if (!host.up) return kHostDown;
  if (host.draining) return kDraining;
  if (request.accel && *request.accel != host.accel) return kWrongAcceleration;
  if (host.allocatedMemoryMiB + request.memoryMiB > host.memoryMiB) return kInsufficientMemory;
  if (static_cast<std::uint64_t>(host.allocatedVcpus) + request.vcpus > host.cpus)
    return kInsufficientVcpus;
  for (const auto& network : request.networks) {
    if (!host.networks.contains(network)) return kMissingNetwork;
  }
  for (const auto& [key, value] : request.hostSelector) {
    auto it = host.labels.find(key);
    if (it == host.labels.end() || it->second != value) return kLabelMismatch;
  }
  if (request.maxPerHost > 0 &&
      instancesOfDeployment(host, request.deployment) >= request.maxPerHost) {
    return kMaxPerHost;
  }
  return std::nullopt;
}

// Compared lexicographically, smaller is better.
struct Score {
  bool avoided = false;
  int sameDeployment = 0;
  double negFreeFraction = 0;  // minus the mean free fraction after placing

  friend auto operator<=>(const Score&, const Score&) = default;
};

Score scoreOf(const PlacementRequest& request, const HostCandidate& host) {
  Score score;
  score.avoided = request.avoidHosts.contains(host.name);
  if (request.spreadHosts) score.sameDeployment = instancesOfDeployment(host, request.deployment);
  // Feasible, so each capacity is at least allocated + requested (a zero one counts as full).
  const double freeMemory =
      host.memoryMiB == 0
          ? 0
          : static_cast<double>(host.memoryMiB - host.allocatedMemoryMiB - request.memoryMiB) /
                static_cast<double>(host.memoryMiB);
  const double freeVcpus =
      host.cpus == 0
          ? 0
          : static_cast<double>(host.cpus - host.allocatedVcpus - request.vcpus) / host.cpus;
  score.negFreeFraction = -(freeMemory + freeVcpus) / 2;
  return score;
}

std::string countsText(int fit, std::size_t total) {
  return std::to_string(fit) + "/" + std::to_string(total) + " hosts fit";
}

std::string failureReason(const std::array<int, kPlacementReasons.size()>& counts,
                          std::size_t total) {
  if (total == 0) return countsText(0, 0) + ": no hosts";
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    if (counts[i] > 0) order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return counts[a] > counts[b]; });
  std::string text = countsText(0, total) + ":";
  for (std::size_t i = 0; i < order.size(); ++i) {
    text += (i == 0 ? " " : ", ") + std::to_string(counts[order[i]]) + " " +
            std::string(kPlacementReasons[order[i]]);
  }
  return text;
}

}  // namespace

std::optional<std::string_view> firstRejection(const PlacementRequest& request,
                                               const HostCandidate& host) {
  auto check = failingCheck(request, host);
  if (!check) return std::nullopt;
  return kPlacementReasons[*check];
}

PlacementDecision place(const PlacementRequest& request, std::span<const HostCandidate> hosts,
                        Random& random) {
  std::array<int, kPlacementReasons.size()> counts{};
  std::vector<std::size_t> best;  // indices of the hosts sharing the best score
  Score bestScore;
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    if (auto check = failingCheck(request, hosts[i])) {
      ++counts[*check];
      continue;
    }
    const Score score = scoreOf(request, hosts[i]);
    if (best.empty() || score < bestScore) {
      best.assign(1, i);
      bestScore = score;
    } else if (score == bestScore) {
      best.push_back(i);
    }
  }

  PlacementDecision decision;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    if (counts[i] > 0) decision.rejected.emplace(kPlacementReasons[i], counts[i]);
    decision.feasible -= counts[i];
  }
  decision.feasible += static_cast<int>(hosts.size());
  if (best.empty()) {
    decision.reason = failureReason(counts, hosts.size());
    return decision;
  }
  const std::size_t chosen = best.size() == 1 ? best.front() : best[random.below(best.size())];
  decision.host = hosts[chosen].name;
  decision.reason =
      "placed on " + hosts[chosen].name + ": " + countsText(decision.feasible, hosts.size());
  return decision;
}

}  // namespace stele::scheduler
