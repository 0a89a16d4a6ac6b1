// How a deployment moves between revisions: one pure planner per strategy, picked by
// planRollout(), in the manner of Kubernetes' deployment controller. Each sees one
// deployment's live instances after this pass's per-instance steps (failures, adoptions) and
// says how many instances of the desired revision may be provisioned now and which instances
// to destroy. Stele never edits a running instance: a rollout is only provisions and destroys.
#pragma once

#include <cstdint>
#include <vector>

#include "scheduler/resources.h"
#include "store/instance_repository.h"

namespace stele::scheduler {

// maxSurge and maxUnavailable as instance counts for `replicas`, Kubernetes' rounding:
// surge rounds up, unavailability down, and when both come to 0 one instance may be
// unavailable. A rolling update whose maxSurge was not given surges only into spare static
// addresses (25% of the replicas at most); Recreate never surges and may take every
// instance down.
struct RolloutBounds {
  int surge = 0;
  int unavailable = 0;
  friend bool operator==(const RolloutBounds&, const RolloutBounds&) = default;
};
RolloutBounds resolveRolloutBounds(const DeploymentResource& spec);

// Addresses beyond one per replica on the interface that has the fewest (surge instances
// take them); a large number when no interface lists static addresses.
int spareAddresses(const DeploymentResource& spec);

struct RolloutMember {
  const store::InstanceRecord* record = nullptr;
  bool available = false;  // Available for minReadyMs at least, and no step this pass
  bool busy = false;       // has a step this pass (adopted, say): counted, never chosen
};

struct RolloutView {
  int replicas = 0;
  RolloutBounds bounds;
  // Every instance that holds a slot (provisioning, starting, available, destroying), those
  // failing or leaving this pass included: what runs or may run on the hosts right now.
  int total = 0;
  int oldTotal = 0;  // of them, instances of earlier revisions (leaving ones included)
  std::vector<RolloutMember> current;  // staying instances of the desired revision
  std::vector<RolloutMember> old;      // staying instances of earlier revisions
};

struct RolloutDecision {
  int provisions = 0;  // instances of the desired revision to provision now
  std::vector<const store::InstanceRecord*> replace;    // old instances to destroy now
  std::vector<const store::InstanceRecord*> scaleDown;  // surplus to destroy and forget
};

RolloutDecision planRollingUpdate(const RolloutView& view);
RolloutDecision planRecreate(const RolloutView& view);
// The strategy's planner, or the steady one (fill to replicas, shed the surplus) once no
// instance of an earlier revision is left.
RolloutDecision planRollout(const RolloutView& view, StrategyRequest::Type type);

// Shared by the planners: instances of the desired revision beyond `replicas` (those not
// available first, then the highest ordinals; never a busy one).
std::vector<const store::InstanceRecord*> surplusOf(std::vector<RolloutMember> current,
                                                    int replicas);

}  // namespace stele::scheduler
