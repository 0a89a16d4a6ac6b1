// The desired state: `stele apply` (validate every document, then store them all in one
// transaction), listing and deleting objects, and the typed view the reconciler reads.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/error.h"
#include "images/registry.h"
#include "scheduler/apply_validation.h"
#include "scheduler/documents.h"
#include "scheduler/host_inventory.h"
#include "scheduler/reconcile_plan.h"
#include "scheduler/resources.h"
#include "store/database.h"
#include "store/desired_repository.h"
#include "store/revision_repository.h"

namespace stele::scheduler {

struct ApplyRequest {
  std::string body;
  DocumentFormat format = DocumentFormat::Yaml;
  bool dryRun = false;
  std::string appliedBy;  // the token's description, for the audit trail
  // PermissionDenied unless the caller may change this object (kind, name).
  std::function<Result<void>(const std::string& kind, const std::string& name)> authorize;
};

struct ApplyItem {
  std::size_t index = 0;
  std::string kind;
  std::string name;
  std::string action;  // created | configured | unchanged
  std::int64_t generation = 0;
  std::int64_t revision = 0;  // Deployments: moves only when the instance template changes
  bool newRevision = false;   // Deployments: created, or its template changed
};

struct ApplyResult {
  std::vector<ApplyItem> items;
  // The submitted deployments as the reconciler would see them (for --dry-run's plan).
  std::vector<PlanDeployment> deployments;
  std::vector<NetworkResource> networks;
  bool changed = false;
  bool dryRun = false;
};

struct StoredNetwork {
  store::DesiredObjectRecord record;
  NetworkResource network;
};

struct StoredDeployment {
  store::DesiredObjectRecord record;
  DeploymentResource deployment;
};

struct RolloutState {
  StoredDeployment deployment;
  store::RevisionRecord current;  // the current revision and its rollout
  std::optional<store::PauseRecord> pause;
};

class DesiredState {
 public:
  DesiredState(store::Database& db, images::Registry& registry, HostInventory& hosts,
               const Clock& clock)
      : db_(db), registry_(registry), hosts_(hosts), clock_(clock) {}

  Result<ApplyResult> apply(const ApplyRequest& request);
  // NotFound when absent; a network is refused (409 network_in_use) while a deployment uses it.
  Result<void> remove(const std::string& kind, const std::string& name);

  // Makes revision `to` of deployment `name` current again (rollback and undo): its stored
  // document, with today's replicas. `rollbackOf` > 0 marks an automatic rollback from that
  // revision, which is marked Failed (`reason`) in the same transaction. NotFound when the
  // deployment or the revision (pruned?) is absent; Conflict (already_current) when `to` is
  // current.
  Result<void> rollBack(const std::string& name, std::int64_t to, std::int64_t rollbackOf,
                        const std::string& reason, const std::string& by);

  // Rollout controls (scheduler/rollout_control.cc). NotFound for an unknown deployment.
  Result<std::vector<store::RevisionRecord>> revisions(const std::string& name);  // newest first
  Result<RolloutState> rollout(const std::string& name);
  // Pausing stops rollout steps (self-healing goes on) and the deadline; resuming starts the
  // deadline again, and retries a failed rollout (the user's decision, never Stele's).
  Result<void> pause(const std::string& name, const std::string& by);
  Result<void> resume(const std::string& name, const std::string& by);
  // Ends a Canary rollout's canary phase now, its analysis window passed or not: a rolling
  // update from here. Conflict (not_canary, not_progressing, already_promoted) otherwise.
  Result<void> promote(const std::string& name, const std::string& by);
  // Replaces every instance at the same revision, as a rollout with the deployment's
  // strategy (no canary phase). Conflict (rollout_in_progress) while a rollout is under way.
  Result<void> restart(const std::string& name, const std::string& by);
  // Back to revision `to`, or (0) to the newest revision before the current one.
  Result<std::int64_t> undo(const std::string& name, std::int64_t to, const std::string& by);

  Result<std::vector<StoredNetwork>> networks();
  Result<std::vector<StoredDeployment>> deployments();
  Result<StoredDeployment> deployment(const std::string& name);
  Result<StoredNetwork> network(const std::string& name);

  // The image a deployment runs, through the registry's deploy gate (trusted today, blobs
  // intact): what apply checks and what every provision checks again. A provision passes
  // BlobProof::FileOnly: the hypervisor hashes the blobs as it copies them for the instance.
  Result<ResolvedImage> resolveImage(const ImageRequest& image,
                                     images::BlobProof proof = images::BlobProof::Rehash);

  // Called after every committed change (the reconciler's wake-up).
  void onChange(std::function<void()> callback) { onChange_ = std::move(callback); }

 private:
  // Runs `body` in one transaction, then tells the reconciler.
  Result<void> changeRollout(const std::function<Result<void>(store::Database&)>& body);
  // Runs `body` on revision `revision` of deployment `name` (its stored record), likewise.
  using RevisionChange = std::function<Result<void>(store::Database&, store::RevisionRecord&)>;
  Result<void> changeRevision(const std::string& name, std::int64_t revision,
                              const RevisionChange& body);

  store::Database& db_;
  images::Registry& registry_;
  HostInventory& hosts_;
  const Clock& clock_;
  std::function<void()> onChange_;
};

// Parses a stored document back into its kind (it was valid when stored).
Result<Resource> parseStoredDocument(const std::string& document);

}  // namespace stele::scheduler
