// The reconciler's decision: a pure function of (desired state, what the hosts report, health,
// now) that returns the steps to take, as plain data. No I/O, no clock: tests drive it with
// tables (tests/scheduler/reconcile_planner_test.cc).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "hypervisor/hypervisor.h"
#include "scheduler/placement.h"
#include "scheduler/resources.h"
#include "scheduler/rollout_progress.h"
#include "store/instance_repository.h"
#include "store/revision_repository.h"

namespace stele::scheduler {

struct PlanDeployment {
  std::string name;
  std::int64_t revision = 0;  // moves when what an instance is made of changes, not on scaling
  DeploymentResource spec;
  unsigned vcpus = 1;  // resolved: the spec's, else the image manifest's
  std::uint64_t memoryMiB = 32;
  bool paused = false;  // no rollout steps (self-healing goes on), its deadline stopped
  // The current revision's record (its rollout), and every stored revision, newest first.
  std::optional<store::RevisionRecord> rollout;
  std::vector<store::RevisionRecord> history;

  // Whether instance `r` is what the current rollout wants: of the current revision, and
  // made after the restart when the rollout is one (stele rollout restart).
  bool wants(const store::InstanceRecord& r) const {
    return r.revision == revision && (!rollout || r.createdAtMs >= rollout->restartedAtMs);
  }
};

struct PlanHost {
  HostCandidate candidate;  // capacity, allocation, labels, networks, instancesOf
  bool reachable = false;
  std::int64_t unreachableSinceMs = 0;                      // when it became unreachable (if it is)
  std::map<std::string, hypervisor::InstanceInfo> domains;  // Stele domains by instance id
  std::string probeNetns;  // where its instances' health probes run
};

struct HealthReport {
  bool passed = false;  // has passed its check since it started
  bool failed = false;  // has failed its failure threshold
  std::string detail;
};

struct ReconcileSnapshot {
  std::int64_t nowMs = 0;
  std::vector<PlanDeployment> deployments;
  std::vector<store::InstanceRecord> instances;
  std::map<std::string, PlanHost> hosts;            // every host in the inventory
  std::map<std::string, HealthReport> health;       // by instance id
  std::map<std::string, NetworkResource> networks;  // desired networks, by name
  // Instance ids this server began to provision: a Stele domain that no record owns is a stray
  // (destroyed) only if it is one of these or belongs to a desired deployment; others (another
  // control plane's, say) are left alone.
  std::set<std::string> provisionedIds;
};

struct ReconcileSettings {
  std::int64_t hostGraceMs = 30'000;   // unreachable this long -> instances replaced elsewhere
  std::int64_t backoffBaseMs = 1'000;  // delay before the 2nd replacement of a failing slot
  std::int64_t backoffMaxMs = 60'000;
  std::int64_t backoffResetMs = 60'000;  // available this long -> its failures are forgiven
  int crashLoopAfter = 3;                // restarts shown as CrashLoop from here on
  int rolloutFailureLimit = 3;           // failed instances of a new revision: rollout failed
};

struct Step {
  enum class Kind {
    Provision,  // new instance in (deployment, ordinal) on host
    Destroy,    // destroy instanceId on host, then mark it Gone (or forget a stray)
    SetState,   // record a state change (no side effect on a host)
    Forget,     // delete a Gone record that no slot needs any more
  } kind = Kind::SetState;
  std::string deployment;
  int ordinal = 0;
  std::string host;
  std::string instanceId;
  std::string state;  // SetState: the new state; Destroy: the state after (Gone)
  std::string reason;
  std::int64_t restarts = 0;  // Provision: carried by the new instance; Gone: failures so far
  bool stray = false;         // Destroy of a domain no record owns
  bool failure = false;       // Destroy/SetState(Gone) caused by a failure (counts for back-off)
  bool fence = false;         // Destroy of a Lost instance whose host returned
};

struct DeploymentCondition {
  std::string deployment;
  std::string reason;   // FailedScheduling | BackOff | CrashLoop
  std::string message;  // "0/3 hosts fit: 2 insufficient memory, 1 draining"
};

struct ReconcilePlan {
  std::vector<Step> steps;
  std::vector<DeploymentCondition> conditions;
  std::optional<std::int64_t> wakeAtMs;  // the earliest time a waiting step becomes due
  std::vector<RolloutChange> rollouts;   // rollouts that progressed, completed or failed
};

// Back-off before provisioning a slot whose instance has failed `restarts` times in a row:
// none for the first replacement (n <= 1), then base * 2^(n-2), capped at max.
std::int64_t backoffDelayMs(std::int64_t restarts, const ReconcileSettings& settings);

ReconcilePlan planReconcile(const ReconcileSnapshot& snapshot, const ReconcileSettings& settings,
                            Random& random);

}  // namespace stele::scheduler
