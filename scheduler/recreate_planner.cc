// Recreate: every old instance goes first, then the new revision is provisioned. For
// fixed-address singletons (the DNS server, the router) that cannot run twice at once.
#include "scheduler/rollout_strategy.h"

namespace stele::scheduler {

RolloutDecision planRecreate(const RolloutView& view) {
  RolloutDecision out;
  for (const RolloutMember& member : view.old) {
    if (!member.busy) out.replace.push_back(member.record);
  }
  // Nothing new while an old instance (or one of the new revision left from before) holds a
  // slot; the new revision starts on the pass after the last destroy.
  out.scaleDown = surplusOf(view.current, view.replicas);
  return out;
}

}  // namespace stele::scheduler
