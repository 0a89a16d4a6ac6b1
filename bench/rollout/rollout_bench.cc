// Rollout benchmark, on the scenario tests' harness (real SQLite file, real registry and
// deploy gate, MemoryHypervisor hosts with zero call latency, health passing at once):
//
//  1. the control plane's time per replaced instance: N instances (default 1,000, in 10
//     deployments, maxSurge 25% / maxUnavailable 25%) roll to a new revision; wall time of
//     the passes over instances replaced. Compared with the same run's first deploy of them
//     (time per provisioned instance): a replacement is one provision plus one destroy, so
//     about 2x is what the steps themselves cost, and what is beyond is the rollout's own.
//  2. from a failed rollout to its first rollback step: a deployment of 100 whose new
//     revision fails its health check; wall time from the end of the pass that counts the
//     failure that fails the rollout to the end of the pass that takes the first step back.
//
// Prints a table; INVALID when a rollout did not end as it should.
//
//   rollout_bench [--instances 1000] [--deployments 10] [--hosts 50]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>

#include "bench/common/bench_flags.h"
#include "scheduler/instance_state.h"
#include "store/desired_repository.h"
#include "store/revision_repository.h"
#include "tests/scheduler/reconciler_harness.h"

namespace {

using namespace stele;
using SteadyClock = std::chrono::steady_clock;
using bench::secondsSince;

std::string yaml(const std::string& name, int replicas, int net, int memoryMiB) {
  std::string text = testing::deploymentYaml(name, replicas, net, true);
  std::string from = "memoryMiB: 32";
  text.replace(text.find(from), from.size(), "memoryMiB: " + std::to_string(memoryMiB));
  return text + "  strategy:\n    rollingUpdate: {maxSurge: \"25%\", maxUnavailable: \"25%\"}\n";
}

struct Run {
  int passes = 0;
  std::size_t steps = 0;
  std::size_t failed = 0;
  double seconds = 0;
};

Run settle(testing::ReconcilerHarness& h) {
  Run run;
  const auto start = SteadyClock::now();
  for (int i = 0; i < 500; ++i) {
    auto pass = h.pass();
    run.passes += 1;
    run.steps += pass.stepsDone;
    run.failed += pass.stepsFailed;
    if (pass.stepsDone == 0 && pass.stepsFailed == 0) break;
  }
  run.seconds = secondsSince(start);
  return run;
}

std::int64_t currentRevision(testing::ReconcilerHarness& h, const std::string& name) {
  auto d = store::DesiredRepository(h.db()).find("Deployment", name);
  return d && *d ? (*d)->revision : 0;
}

}  // namespace

int main(int argc, char** argv) {
  int instances = 1000;
  int deployments = 10;
  int hosts = 50;
  (void)bench::readIntFlags(
      argc, argv,
      {{"--instances", &instances}, {"--deployments", &deployments}, {"--hosts", &hosts}});
  deployments = std::clamp(deployments, 1, 200);
  testing::HarnessOptions options = testing::scenarioOptions(std::max(1, hosts));
  options.hypervisor.defaultCpus = 256;
  options.hypervisor.defaultMemoryMiB = 1 << 20;
  testing::ReconcilerHarness h(options);
  const int per = std::max(1, instances / deployments);
  const int total = per * deployments;

  for (int d = 0; d < deployments; ++d) h.apply(yaml("app" + std::to_string(d), per, d + 1, 32));
  Run first = settle(h);
  const bool deployed = h.count(scheduler::state::kAvailable) == total;

  for (int d = 0; d < deployments; ++d) h.apply(yaml("app" + std::to_string(d), per, d + 1, 48));
  Run roll = settle(h);
  int onNew = 0;
  for (const auto& r : h.instances()) {
    onNew += r.revision == 2 && r.state == scheduler::state::kAvailable ? 1 : 0;
  }
  const bool rolled = onNew == total && h.domainCount() == static_cast<std::size_t>(total);

  // A broken revision: its new instances fail their check; old ones keep passing.
  h.apply(yaml("broken", 100, 250, 32));
  (void)settle(h);
  h.health().passByDefault = false;
  for (const auto& r : h.instances()) h.health().answers[r.id] = {true, false, ""};
  h.apply(yaml("broken", 100, 250, 48));
  double toRollbackMs = -1;
  for (int i = 0; i < 2000; ++i) {
    h.pass();
    for (const auto& r : h.instances()) {
      if (r.deployment == "broken" && r.revision == 2 && h.health().answers.count(r.id) == 0) {
        h.health().answers[r.id] = {false, true, "broken"};
      }
    }
    auto row = store::RevisionRepository(h.db()).find("broken", 2);
    if (row && *row && (*row)->failures >= options.reconciler.settings.rolloutFailureLimit) {
      // The failure that fails the rollout is stored: the next pass judges it and stores the
      // rollback, the one after takes the rollback's first step.
      const auto failedAt = SteadyClock::now();
      h.pass();
      auto second = h.pass();
      if (currentRevision(h, "broken") == 1 && second.stepsDone > 0) {
        toRollbackMs = secondsSince(failedAt) * 1e3;
      }
      break;
    }
    h.clock().advanceMs(options.reconciler.settings.backoffMaxMs);
  }
  (void)settle(h);
  const bool rolledBack = currentRevision(h, "broken") == 1 && toRollbackMs >= 0;

  const double firstMs = first.seconds * 1e3 / total;
  const double rollMs = roll.seconds * 1e3 / total;
  std::printf(
      "rollout of %d instances (%d deployments of %d, maxSurge 25%%, maxUnavailable "
      "25%%) on %d MemoryHypervisor hosts, health instant\n",
      total, deployments, per, hosts);
  std::printf("%-44s %10s %8s %8s\n", "", "ms/inst", "passes", "steps");
  std::printf("%-44s %10.3f %8d %8zu\n", "first deploy (per provisioned instance)", firstMs,
              first.passes, first.steps);
  std::printf("%-44s %10.3f %8d %8zu\n", "rollout (per replaced instance; goal <= 20)", rollMs,
              roll.passes, roll.steps);
  std::printf("rollout / first deploy: %.2fx (one provision + one destroy each: ~2x)\n",
              firstMs > 0 ? rollMs / firstMs : 0.0);
  std::printf("failed rollout -> first rollback step: %.1f ms (goal <= 100)\n", toRollbackMs);
  bool valid = deployed && rolled && rolledBack && first.failed == 0 && roll.failed == 0;
  if (!valid) {
    std::printf("INVALID: deployed %d, rolled %d, rolled back %d, failed steps %zu/%zu\n", deployed,
                rolled, rolledBack, first.failed, roll.failed);
    return 1;
  }
  return 0;
}
