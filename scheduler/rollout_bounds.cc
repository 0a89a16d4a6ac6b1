#include <algorithm>
#include <limits>

#include "scheduler/rollout_strategy.h"

namespace stele::scheduler {
namespace {

constexpr IntOrPercent kDefaultSurge{25, true};

int resolve(const IntOrPercent& value, int replicas, bool roundUp) {
  if (!value.percent) return static_cast<int>(value.value);
  std::int64_t scaled = value.value * replicas;
  return static_cast<int>(roundUp ? (scaled + 99) / 100 : scaled / 100);
}

}  // namespace

int spareAddresses(const DeploymentResource& spec) {
  std::size_t spare = std::numeric_limits<int>::max();
  for (const auto& nic : spec.interfaces) {
    std::size_t capacity = nic.capacity();
    std::size_t replicas = static_cast<std::size_t>(spec.replicas);
    spare = std::min(spare, capacity > replicas ? capacity - replicas : 0);
  }
  return static_cast<int>(spare);
}

RolloutBounds resolveRolloutBounds(const DeploymentResource& spec) {
  const StrategyRequest& strategy = spec.strategy;
  if (strategy.type == StrategyRequest::Type::Recreate) return {0, spec.replicas};
  int spare = spareAddresses(spec);
  int surge = strategy.maxSurge ? resolve(*strategy.maxSurge, spec.replicas, true)
                                : resolve(kDefaultSurge, spec.replicas, true);
  RolloutBounds out;
  out.surge = std::min(surge, spare);
  out.unavailable = std::min(resolve(strategy.maxUnavailable, spec.replicas, false), spec.replicas);
  if (out.surge == 0 && out.unavailable == 0) out.unavailable = 1;
  if (strategy.type == StrategyRequest::Type::Canary) {
    out.canary = std::min({strategy.canaryInstances, spec.replicas, spare});
  }
  return out;
}

}  // namespace stele::scheduler
