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
  Result<void> execute(const Step& step, const ReconcileSnapshot& snapshot);
  Result<void> provision(const Step& step, const ReconcileSnapshot& snapshot);
  Result<void> destroy(const Step& step);
  Result<void> setState(const Step& step);
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
