#include "scheduler/rollout_strategy.h"

#include <algorithm>

namespace stele::scheduler {

std::vector<const store::InstanceRecord*> surplusOf(std::vector<RolloutMember> current,
                                                    int replicas) {
  std::vector<const store::InstanceRecord*> out;
  if (static_cast<int>(current.size()) <= replicas) return out;
  std::sort(current.begin(), current.end(), [](const RolloutMember& a, const RolloutMember& b) {
    if (a.available != b.available) return !a.available;
    return a.record->ordinal > b.record->ordinal;
  });
  std::size_t surplus = current.size() - static_cast<std::size_t>(replicas);
  for (const RolloutMember& member : current) {
    if (out.size() == surplus) break;
    if (!member.busy) out.push_back(member.record);
  }
  return out;
}

namespace {

// No old instance left: fill up to `replicas`, shed the surplus.
RolloutDecision planSteady(const RolloutView& view) {
  RolloutDecision out;
  out.provisions = std::max(0, view.replicas - view.total);
  out.scaleDown = surplusOf(view.current, view.replicas);
  return out;
}

}  // namespace

RolloutDecision planRollout(const RolloutView& view, StrategyRequest::Type type) {
  if (view.oldTotal == 0) return planSteady(view);
  switch (type) {
    case StrategyRequest::Type::Recreate:
      return planRecreate(view);
    case StrategyRequest::Type::Canary:
      return planCanary(view);
    case StrategyRequest::Type::RollingUpdate:
      break;
  }
  return planRollingUpdate(view);
}

}  // namespace stele::scheduler
