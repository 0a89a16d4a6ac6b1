// Canary: `canary` instances of the new revision run beside every old instance, and the
// rollout holds while their health is watched. The analysis window opens when the last of
// them comes to count as available (a canary that fails and is replaced opens it again);
// when it has passed with none failing (a failure counts against the rollout's failure limit,
// which rolls it back), the rollout is promoted and goes on as a rolling update, in the same
// pass. With `manual`, it holds until `stele rollout promote`. A promoted rollout, or a
// rollback, is a rolling update from the start. An old instance that fails meanwhile is not
// replaced while the total stays at `replicas` or more; below it, by the new revision.
#include <algorithm>

#include "scheduler/rollout_strategy.h"

namespace stele::scheduler {
namespace {

// When the window opens: the time the `canary`-th available instance of the new revision
// became available; nothing while fewer are available.
std::optional<std::int64_t> windowOpensAt(const RolloutView& view) {
  std::vector<std::int64_t> since;
  for (const RolloutMember& m : view.current) {
    if (m.available) since.push_back(m.availableSinceMs);
  }
  const auto canary = static_cast<std::size_t>(view.bounds.canary);
  if (since.size() < canary) return std::nullopt;
  std::nth_element(since.begin(), since.begin() + static_cast<std::ptrdiff_t>(canary - 1),
                   since.end());
  return since[canary - 1];
}

}  // namespace

RolloutDecision planCanary(const RolloutView& view) {
  if (view.canary.promoted || view.bounds.canary == 0) return planRollingUpdate(view);
  RolloutDecision out;
  const int current = static_cast<int>(view.current.size());
  const int canary = view.bounds.canary;
  // The canaries, and more of the new revision only to keep `replicas` instances when old
  // ones fail meanwhile (Stele provisions only the current revision).
  out.provisions = std::max(0, std::min(std::max(canary - current, view.replicas - view.total),
                                        view.replicas + canary - view.total));
  out.scaleDown = surplusOf(view.current, view.replicas);
  std::optional<std::int64_t> opened = windowOpensAt(view);
  if (!opened) return out;  // the canaries are on their way: the progress deadline runs
  out.holding = true;
  if (view.canary.manual) return out;
  const std::int64_t closes = *opened + view.canary.analysisMs;
  if (view.nowMs < closes) {
    out.wakeAtMs = closes;
    return out;
  }
  RolloutDecision rolling = planRollingUpdate(view);
  rolling.promote = true;
  rolling.holding = true;  // the deadline starts again from the promotion
  return rolling;
}

}  // namespace stele::scheduler
