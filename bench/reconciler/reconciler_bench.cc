// Reconciler benchmark: time to converge N instances (default 10,000, in 100 deployments) on
// 500 MemoryHypervisor hosts with zero call latency, the reconciler's own time per instance
// (pass time over instances: snapshot, plan, SQLite intents and outcomes, events; the
// hypervisor costs next to nothing), and the time of a pass with every instance running and
// nothing to do, split into snapshot and plan. Runs on the scenario tests' harness (real
// SQLite file, real registry and deploy gate). Prints a table; INVALID when any step failed or
// the deployments did not converge.
//
// --intent-batch sets ReconcilerOptions::intentBatch (how many provisions/destroys share one
// durable commit of their intents; 1 = a commit per step, as before batching).
//
//   reconciler_bench [--hosts 500] [--instances 10000] [--deployments 100] [--idle-passes 5]
//                    [--intent-batch 16]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "bench/common/bench_flags.h"
#include "scheduler/instance_state.h"
#include "store/database.h"
#include "tests/scheduler/reconciler_harness.h"
#include "tests/support/temp_dir.h"

namespace {

using namespace stele;
using SteadyClock = std::chrono::steady_clock;

struct Options {
  int hosts = 500;
  int instances = 10'000;
  int deployments = 100;
  int idlePasses = 5;
  int intentBatch = 16;
};

Options parse(int argc, char** argv) {
  Options options;
  (void)bench::readIntFlags(argc, argv,
                            {{"--hosts", &options.hosts},
                             {"--instances", &options.instances},
                             {"--deployments", &options.deployments},
                             {"--idle-passes", &options.idlePasses},
                             {"--intent-batch", &options.intentBatch}});
  options.intentBatch = std::clamp(options.intentBatch, 1, 10'000);
  options.deployments = std::clamp(options.deployments, 1, 250);
  return options;
}

using bench::secondsSince;

double cpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

struct PassLog {
  int passes = 0;
  std::size_t steps = 0;
  std::size_t failed = 0;
  double passSeconds = 0;  // sum of the passes' own durations
};

// The physical limit of a store that makes each intent durable before its side effect: one
// SQLite commit (WAL, synchronous=FULL, as the server runs it) on the same filesystem, median
// of `count`. Milliseconds; negative when the store could not be opened.
double medianCommitMs(int count) {
  testing::TempDir dir;
  auto db = store::Database::open(dir.file("commit.db"));
  if (!db || !(*db)->execute("CREATE TABLE t (v INTEGER)")) return -1;
  std::vector<double> ms;
  for (int i = 0; i < count; ++i) {
    auto start = SteadyClock::now();
    (void)(*db)->transaction([&](store::Database& tx) -> Result<void> {
      if (auto r = tx.execute("INSERT INTO t (v) VALUES (?)", {static_cast<std::int64_t>(i)}); !r)
        return fail(r.error());
      return {};
    });
    ms.push_back(secondsSince(start) * 1e3);
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse(argc, argv);
  testing::HarnessOptions harnessOptions = testing::scenarioOptions(options.hosts);
  harnessOptions.hypervisor.defaultCpus = 256;  // capacity is not what is measured
  harnessOptions.hypervisor.defaultMemoryMiB = 1 << 20;
  harnessOptions.reconciler.intentBatch = static_cast<std::size_t>(options.intentBatch);
  testing::ReconcilerHarness h(harnessOptions);

  const int perDeployment = options.instances / options.deployments;
  const int total = perDeployment * options.deployments;
  for (int d = 0; d < options.deployments; ++d) {
    h.apply(testing::deploymentYaml("app" + std::to_string(d), perDeployment, d + 1));
  }

  // Converge: passes until every instance is Available and a pass finds nothing to do.
  PassLog converge;
  const auto wallStart = SteadyClock::now();
  const double cpuStart = cpuSeconds();
  for (int i = 0; i < 50; ++i) {
    auto pass = h.pass();
    converge.passes += 1;
    converge.steps += pass.stepsDone;
    converge.failed += pass.stepsFailed;
    converge.passSeconds += static_cast<double>(pass.durationUs) / 1e6;
    if (pass.stepsDone == 0 && pass.stepsFailed == 0) break;
  }
  const double convergeWall = secondsSince(wallStart);
  const double convergeCpu = cpuSeconds() - cpuStart;
  const int available = h.count(scheduler::state::kAvailable);
  const std::size_t domains = h.domainCount();

  // Idle passes: everything runs, nothing to do.
  std::vector<double> idleMs, snapshotMs, planMs;
  std::size_t idleSteps = 0;
  for (int i = 0; i < options.idlePasses; ++i) {
    auto pass = h.pass();
    idleSteps += pass.stepsDone + pass.stepsFailed;
    idleMs.push_back(static_cast<double>(pass.durationUs) / 1e3);
    auto start = SteadyClock::now();
    auto snapshot = h.reconciler().snapshot();
    snapshotMs.push_back(secondsSince(start) * 1e3);
    if (!snapshot) {
      std::fprintf(stderr, "snapshot failed: %s\n", snapshot.error().message.c_str());
      return 1;
    }
    SeededRandom random(1);
    start = SteadyClock::now();
    auto plan = scheduler::planReconcile(*snapshot, harnessOptions.reconciler.settings, random);
    planMs.push_back(secondsSince(start) * 1e3);
    idleSteps += plan.steps.size();
  }
  auto median = [](std::vector<double> v) {
    if (v.empty()) return 0.0;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };

  bool valid = converge.failed == 0 && available == total &&
               domains == static_cast<std::size_t>(total) && idleSteps == 0;
  std::printf("## reconciler: %d instances (%d deployments x %d) on %d MemoryHypervisor hosts\n\n",
              total, options.deployments, perDeployment, options.hosts);
  std::printf("| measure | figure |\n|---|---|\n");
  std::printf("| converge: wall time | %.2f s (%d passes, %zu steps) |\n", convergeWall,
              converge.passes, converge.steps);
  std::printf("| converge: process CPU | %.2f s |\n", convergeCpu);
  const double commitMs = medianCommitMs(200);
  std::printf(
      "| one SQLite commit, same filesystem (median of 200; the floor per durable batch of "
      "intents) | %.3f ms |\n",
      commitMs);
  std::printf("| intents per durable commit (--intent-batch) | %d, so >= %.3f ms per step |\n",
              options.intentBatch, commitMs / options.intentBatch);
  std::printf("| reconciler's own time per instance | %.3f ms (goal <= 2 ms) |\n",
              converge.passSeconds * 1e3 / std::max(total, 1));
  std::printf("| idle pass, %d running, nothing to do (median of %d) | %.1f ms |\n", total,
              options.idlePasses, median(idleMs));
  std::printf("| of which snapshot (store + hosts + health) | %.1f ms |\n", median(snapshotMs));
  std::printf("| of which plan (planReconcile) | %.1f ms |\n", median(planMs));
  std::printf("| errors | %zu failed steps, %d/%d Available, %zu domains, %zu idle steps |\n",
              converge.failed, available, total, domains, idleSteps);
  std::printf("\n%s\n", valid ? "VALID" : "INVALID");
  return valid ? 0 : 1;
}
