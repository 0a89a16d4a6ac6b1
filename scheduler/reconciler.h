// The one reconciler: snapshot desired and observed state, plan with planReconcile() (pure),
// execute the steps, recording each side effect before (an intent: instance state and an
// operation row) and after (its outcome), so that a server killed at any instant resumes on
// restart: it adopts domains by their metadata, redoes or rolls back interrupted steps and
// destroys strays. Woken by applies, hypervisor events and its own timers; a periodic pass is
// the backstop.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "common/clock.h"
#include "common/random.h"
#include "hypervisor/hypervisor.h"
#include "images/registry.h"
#include "scheduler/desired_state.h"
#include "scheduler/event_log.h"
#include "scheduler/health_monitor.h"
#include "scheduler/pass_writes.h"
#include "scheduler/reconcile_plan.h"
#include "store/blob_store.h"
#include "store/database.h"

namespace stele::scheduler {

struct ReconcilerOptions {
  ReconcileSettings settings;
  std::int64_t backstopMs = 2'000;  // a pass at least this often
  // Provisions and destroys whose intents share one commit: the steps of a pass go in batches
  // of this many, each batch's intents are stored together, then its side effects run. One
  // fsync per batch instead of one per step; a crash mid-batch leaves the batch's unstarted
  // provisions as interrupted attempts, replaced at once by the next pass.
  std::size_t intentBatch = 16;
};

struct PassResult {
  std::size_t stepsDone = 0;
  std::size_t stepsFailed = 0;
  std::optional<std::int64_t> wakeAtMs;
  std::int64_t durationUs = 0;
};

struct ReconcilerStats {
  std::uint64_t passes = 0;
  std::uint64_t provisions = 0;
  std::uint64_t provisionFailures = 0;
  std::uint64_t destroys = 0;
  std::uint64_t lastPassUs = 0;
  std::uint64_t totalPassUs = 0;
};

class Reconciler {
 public:
  Reconciler(store::Database& db, DesiredState& desired, images::Registry& registry,
             store::BlobStore& blobs, hypervisor::Hypervisor& hypervisor, EventLog& events,
             const Clock& clock, Random& random, HealthMonitor* health,
             ReconcilerOptions options = {});
  ~Reconciler();

  // Closes the operations a previous process left open (recorded as interrupted); the next
  // pass finishes or rolls back what they were doing, from the instances' states.
  Result<void> recover();
  // One pass: snapshot, plan, execute every step. Used by the loop and by tests.
  Result<PassResult> runOnce();
  // The plan the next pass would execute, without executing it (apply --dry-run).
  // `overlay` and `networks` replace (or add) deployments and networks of the same name, as
  // an apply would.
  Result<ReconcilePlan> preview(const std::vector<PlanDeployment>& overlay = {},
                                const std::vector<NetworkResource>& networks = {});
  Result<ReconcileSnapshot> snapshot();

  // The background loop.
  void start();
  void stop();
  void wake();
  ReconcilerStats stats() const;
  // Latest condition per deployment (FailedScheduling, BackOff, CrashLoop), "" when none.
  std::map<std::string, DeploymentCondition> conditions() const;

 private:
  // A provision or destroy of this pass, from its intent to its side effect.
  struct Pending {
    const Step* step = nullptr;
    store::InstanceRecord record;  // a provision's new instance
    std::int64_t operation = 0;    // the operation row its intent opened
    bool recorded = false;         // the intent is stored
    std::optional<Error> refused;  // why the intent could not be stored
  };
  static bool hasSideEffect(const Step& step);
  // Stores the intents of `batch` in one commit (one by one when one of them fails, so only
  // that step fails).
  void recordIntents(std::vector<Pending>& batch, const ReconcileSnapshot& snapshot);
  StoreWrite provisionIntent(Pending& pending, const PlanDeployment& d);
  StoreWrite destroyIntent(Pending& pending);
  // Steps without a side effect: state changes and forgetting records.
  Result<void> execute(const Step& step);
  Result<void> provision(Pending& pending, const ReconcileSnapshot& snapshot);
  Result<void> destroy(Pending& pending);
  Result<void> setState(const Step& step);
  // A failed instance of a revision whose rollout is under way counts against it.
  void countFailure(const Step& step, const ReconcileSnapshot& snapshot);
  // Stores a rollout's progress or outcome; a failure pauses or rolls back (true: the
  // desired state or the pause changed, so another pass follows at once).
  bool applyRolloutChange(const RolloutChange& change);
  // Held in writes_ and stored with the pass's next commit.
  void note(const std::string& type, const std::string& reason, const std::string& deployment,
            const std::string& instance, const std::string& message);
  // Commits the held writes (and `now`), logging a failure.
  Result<void> commitWrites(const StoreWrite& now = nullptr);
  void loop();

  store::Database& db_;
  DesiredState& desired_;
  images::Registry& registry_;
  store::BlobStore& blobs_;
  hypervisor::Hypervisor& hypervisor_;
  const Clock& clock_;
  Random& random_;
  HealthMonitor* health_;
  ReconcilerOptions options_;
  PassWrites writes_;  // under passMutex_

  std::mutex passMutex_;  // one pass at a time
  mutable std::mutex mutex_;
  std::condition_variable wakeUp_;
  bool woken_ = false;
  bool stopping_ = false;
  std::thread thread_;
  std::optional<hypervisor::SubscriptionId> subscription_;
  ReconcilerStats stats_;
  std::map<std::string, DeploymentCondition> conditions_;
  std::map<std::string, std::string> lastConditionNoted_;
};

}  // namespace stele::scheduler
