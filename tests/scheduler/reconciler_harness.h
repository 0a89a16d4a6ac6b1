// An in-process world for the reconciler, in the style of Nomad's scheduler harness: a real
// SQLite file in a temp dir, a real registry holding a signed test image, DesiredState,
// EventLog, a MemoryHypervisor with `hosts` hosts, a ManualClock, a SeededRandom and a
// HealthMonitor whose answers the test writes. The test drives passes (runOnce) and moves the
// clock; nothing runs in the background. Shared by reconciler_scenario_test and
// bench/reconciler.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/random.h"
#include "hypervisor/memory_hypervisor.h"
#include "images/registry.h"
#include "images/trust_store.h"
#include "scheduler/desired_state.h"
#include "scheduler/event_log.h"
#include "scheduler/health_monitor.h"
#include "scheduler/host_inventory.h"
#include "scheduler/reconciler.h"
#include "store/blob_store.h"
#include "store/database.h"
#include "store/host_repository.h"
#include "store/image_repository.h"
#include "store/key_repository.h"
#include "tests/support/signing.h"
#include "tests/support/temp_dir.h"

namespace stele::testing {

// Answers a test scripts: by instance id, else every instance passes (passByDefault) or has
// no answer yet.
class FakeHealthMonitor final : public scheduler::HealthMonitor {
 public:
  std::map<std::string, scheduler::HealthReport> reports(
      const std::vector<scheduler::HealthTarget>& targets, std::int64_t nowMs) override;

  bool passByDefault = true;
  std::map<std::string, scheduler::HealthReport> answers;
  std::size_t lastTargets = 0;
};

struct HarnessOptions {
  int hosts = 3;
  scheduler::ReconcilerOptions reconciler;
  hypervisor::MemoryHypervisorOptions hypervisor;
};

// The settings the scenario tests use: short, round numbers.
HarnessOptions scenarioOptions(int hosts = 3);

// What the hosts hold now: Stele domains on every reachable host, by host then instance id.
using DomainMap = std::map<std::string, std::map<std::string, hypervisor::InstanceInfo>>;

struct PassTotals {
  int passes = 0;
  std::size_t stepsDone = 0;
  std::size_t stepsFailed = 0;
  bool quiet = false;  // the last pass had nothing to do
};

class ReconcilerHarness {
 public:
  explicit ReconcilerHarness(HarnessOptions options = scenarioOptions());

  // Applies `yaml`; throws std::runtime_error if the apply is refused (a test bug).
  void apply(const std::string& yaml);
  // A reconciler as a freshly started server would make (same DB, same hypervisor).
  std::unique_ptr<scheduler::Reconciler> makeReconciler();
  // Replaces the current reconciler by a fresh one and runs recover(), as a restart does.
  void restart();
  scheduler::Reconciler& reconciler() { return *reconciler_; }

  scheduler::PassResult pass();
  // Passes until one does nothing (or `maxPasses`); time does not move.
  PassTotals settle(int maxPasses = 50);

  std::vector<store::InstanceRecord> instances();
  int count(std::string_view state);
  // The record occupying (deployment, ordinal), if any.
  std::optional<store::InstanceRecord> occupant(const std::string& deployment, int ordinal);
  std::vector<store::OperationRecord> openOperations();
  DomainMap domains();
  std::size_t domainCount();
  std::vector<store::EventRecord> events(const std::string& reason);  // "": every event

  const std::vector<std::string>& hostNames() const { return hostNames_; }
  ManualClock& clock() { return clock_; }
  scheduler::DesiredState& desired() { return *desired_; }
  hypervisor::MemoryHypervisor& hypervisor() { return *hypervisor_; }
  FakeHealthMonitor& health() { return health_; }
  images::TrustStore& trust() { return *trust_; }
  store::Database& db() { return *db_; }
  const TestKey& key() const { return key_; }
  const HarnessOptions& options() const { return options_; }

 private:
  void pushImage(const std::string& name, const std::string& version);

  HarnessOptions options_;
  TempDir dir_;
  ManualClock clock_{1'800'000'000};
  SeededRandom random_{7};
  TestKey key_;
  FakeHealthMonitor health_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<store::BlobStore> blobs_;
  std::unique_ptr<store::ImageRepository> images_;
  std::unique_ptr<store::KeyRepository> keys_;
  std::unique_ptr<images::Registry> registry_;
  std::unique_ptr<images::TrustStore> trust_;
  std::unique_ptr<store::HostRepository> hostRepo_;
  std::unique_ptr<hypervisor::MemoryHypervisor> hypervisor_;
  std::unique_ptr<scheduler::HostInventory> inventory_;
  std::unique_ptr<scheduler::DesiredState> desired_;
  std::unique_ptr<scheduler::EventLog> events_;
  std::unique_ptr<scheduler::Reconciler> reconciler_;
  std::vector<std::string> hostNames_;
};

// A Network NAME-net (10.N.0.0/16, N = `net`) and a Deployment NAME of `replicas` (from a
// pool of 65,000 addresses), with an http health check unless `healthCheck` is false.
// One random fault, as the property tests inject them: a crash or power-off of a running
// domain, a host lost or back, a failing health check, a server restart, or time passing.
void injectRandomFault(ReconcilerHarness& h, SeededRandom& random);

std::string deploymentYaml(const std::string& name, int replicas, int net = 1,
                           bool healthCheck = true);

}  // namespace stele::testing
