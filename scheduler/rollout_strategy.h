// How a deployment moves between revisions: one pure planner per strategy, picked by
// planRollout(), in the manner of Kubernetes' deployment controller. Each sees one
// deployment's live instances after this pass's per-instance steps (failures, adoptions) and
// says how many instances of the desired revision may be provisioned now and which instances
// to destroy. Stele never edits a running instance: a rollout is only provisions and destroys.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "scheduler/resources.h"
#include "store/instance_repository.h"

namespace stele::scheduler {

// maxSurge and maxUnavailable as instance counts for `replicas`, Kubernetes' rounding:
// surge rounds up, unavailability down, and when both come to 0 one instance may be
// unavailable. A rolling update whose maxSurge was not given surges only into spare static
// addresses (25% of the replicas at most); Recreate never surges and may take every
// instance down. A Canary rollout runs `canary` instances of the new revision beside all the
// old ones before it goes on as a rolling update.
struct RolloutBounds {
  int surge = 0;
  int unavailable = 0;
  int canary = 0;  // Canary: min(canary.instances, replicas); else 0
  friend bool operator==(const RolloutBounds&, const RolloutBounds&) = default;
};
RolloutBounds resolveRolloutBounds(const DeploymentResource& spec);

// Addresses beyond one per replica on the interface that has the fewest (surge instances
// take them); a large number when no interface lists static addresses.
int spareAddresses(const DeploymentResource& spec);

struct RolloutMember {
  const store::InstanceRecord* record = nullptr;
  bool available = false;             // Available for minReadyMs at least, and no step this pass
  bool busy = false;                  // has a step this pass (adopted, say): counted, never chosen
  std::int64_t availableSinceMs = 0;  // when it came to count as available (if it does)
};

// What a Canary rollout needs beyond the counts.
struct CanaryView {
  bool promoted = false;  // promoted (by its analysis or by hand), or a rollback: no canary
  std::int64_t analysisMs = 0;
  bool manual = false;
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
  std::int64_t nowMs = 0;
  CanaryView canary;
};

struct RolloutDecision {
  int provisions = 0;  // instances of the desired revision to provision now
  std::vector<const store::InstanceRecord*> replace;    // old instances to destroy now
  std::vector<const store::InstanceRecord*> scaleDown;  // surplus to destroy and forget
  // Canary: its instances are held (analysis or waiting for `stele rollout promote`), which
  // stops the progress deadline; or this pass promotes it (its analysis window passed).
  bool holding = false;
  bool promote = false;
  std::optional<std::int64_t> wakeAtMs;  // when the analysis window ends
};

RolloutDecision planRollingUpdate(const RolloutView& view);
RolloutDecision planRecreate(const RolloutView& view);
RolloutDecision planCanary(const RolloutView& view);
// The strategy's planner, or the steady one (fill to replicas, shed the surplus) once no
// instance of an earlier revision is left.
RolloutDecision planRollout(const RolloutView& view, StrategyRequest::Type type);

// Shared by the planners: instances of the desired revision beyond `replicas` (those not
// available first, then the highest ordinals; never a busy one).
std::vector<const store::InstanceRecord*> surplusOf(std::vector<RolloutMember> current,
                                                    int replicas);

}  // namespace stele::scheduler
