// RollingUpdate, as Kubernetes' deployment controller does it: instances of the new revision
// are provisioned while the total stays within replicas + surge, and old ones are destroyed
// while the available ones stay at replicas - unavailable or more. Unavailable old instances
// go first: destroying them costs no availability.
#include <algorithm>

#include "scheduler/rollout_strategy.h"

namespace stele::scheduler {
namespace {

int availableIn(const std::vector<RolloutMember>& members) {
  return static_cast<int>(std::count_if(members.begin(), members.end(),
                                        [](const RolloutMember& m) { return m.available; }));
}

}  // namespace

RolloutDecision planRollingUpdate(const RolloutView& view) {
  RolloutDecision out;
  const int current = static_cast<int>(view.current.size());
  const int maxTotal = view.replicas + view.bounds.surge;
  out.provisions = std::max(0, std::min(view.replicas - current, maxTotal - view.total));

  const int minAvailable = std::max(0, view.replicas - view.bounds.unavailable);
  const int currentAvailable = availableIn(view.current);
  const int oldAvailable = availableIn(view.old);
  const int staying = current + static_cast<int>(view.old.size());
  int mayDestroy = staying - minAvailable - (current - currentAvailable);

  std::vector<RolloutMember> old = view.old;
  std::stable_sort(old.begin(), old.end(), [](const RolloutMember& a, const RolloutMember& b) {
    return a.record->ordinal < b.record->ordinal;
  });
  for (const RolloutMember& member : old) {
    if (mayDestroy <= 0) break;
    if (member.available || member.busy) continue;
    out.replace.push_back(member.record);
    --mayDestroy;
  }
  int availableBeyond = currentAvailable + oldAvailable - minAvailable;
  for (const RolloutMember& member : old) {
    if (availableBeyond <= 0 || mayDestroy <= 0) break;
    if (!member.available) continue;
    out.replace.push_back(member.record);
    --availableBeyond;
    --mayDestroy;
  }
  out.scaleDown = surplusOf(view.current, view.replicas);
  return out;
}

}  // namespace stele::scheduler
