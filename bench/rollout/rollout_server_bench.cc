// Rollout benchmark on a real `stele server` with hosts on libvirt's test driver (host XMLs
// this program writes), health instant (no health check: an instance is available once its
// domain runs):
//
//  1. first deploy: a Deployment of --replicas instances (1 vcpu, 32 MiB, a pool on a /16)
//     on --hosts hosts; wall time from the apply to every instance Available;
//  2. rollout: the same spec with another config (a new revision), maxSurge 25% /
//     maxUnavailable 25%; wall time from the apply to GET .../rollout saying Complete.
//  3. from a failed rollout to its first rollback step: a Deployment of 4 beside the fleet,
//     health checked (answers written by this program), replaced in place, whose revision 2
//     fails its check; from the server's own events, the time from the failure that fails the
//     rollout (its third `Replacing`) to `RolledBack`, and to the first `Provisioned` of the
//     revision rolled back to.
//
// Per instance: the rollout's wall time over the instances replaced, against the first
// deploy's per instance (a replacement is one provision and one destroy: about 2x is what the
// steps cost). What dominates: the reconciler's own pass time (stele_reconcile_pass_seconds,
// which includes the libvirt calls it makes) as a share of the wall time, the rest being the
// waits between passes and the polling; and, measured in the same run, the floor: one
// define+start+destroy on the test driver through LibvirtHypervisor alone, one at a time.
// Prints a table; INVALID when a phase did not end. Loopback only.
//
//   rollout_server_bench [--hosts 10] [--replicas 1000]
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench/common/bench_flags.h"
#include "bench/common/server_bench.h"
#include "common/clock.h"
#include "common/time_format.h"
#include "hypervisor/libvirt_hypervisor.h"
#include "tests/support/deploy_fixture.h"
#include "tests/support/registry_client.h"
#include "tests/support/server_process.h"
#include "tests/support/signing.h"
#include "tests/support/temp_dir.h"

namespace {

using namespace stele;
using Clock = std::chrono::steady_clock;
using bench::secondsSince;

// Every phase ends within this, or the run is INVALID; the poll period.
constexpr double kTimeoutS = 300;
constexpr auto kPoll = std::chrono::milliseconds(250);

constexpr const char* kStrategy =
    "  strategy:\n    rollingUpdate: {maxSurge: \"25%\", maxUnavailable: \"25%\"}\n";

// Median ms of `rounds` provision+destroy pairs on a test-driver host, through the same
// LibvirtHypervisor the server uses, nothing else around it.
double libvirtPairMs(const std::string& dir, const std::string& hostXml, int rounds) {
  using namespace hypervisor;
  SystemClock clock;
  LibvirtHypervisor hv(clock);
  std::ofstream(dir + "/kernel") << "k";
  std::ofstream(dir + "/initrd") << "i";
  (void)hv.connectHost({"floor", "test://" + hostXml, Acceleration::Qemu, dir + "/instances"});
  if (auto ok = hv.awaitReachable("floor", std::chrono::seconds(10)); !ok) {
    throw std::runtime_error("test-driver host: " + ok.error().message);
  }
  std::vector<double> ms;
  for (int i = 0; i < rounds; ++i) {
    DomainSpec spec;
    spec.instanceId = "floor-" + std::to_string(i);
    spec.name = "stele-floor-" + std::to_string(i);
    spec.deployment = "floor";
    spec.revision = "1";
    spec.imageDigest = "sha256:" + std::string(64, 'e');
    spec.kernelPath = dir + "/kernel";
    spec.initrdPath = dir + "/initrd";
    spec.memoryMiB = 32;
    spec.vcpus = 1;
    const auto started = Clock::now();
    auto provisioned = hv.provision("floor", spec);
    if (!provisioned) throw std::runtime_error("provision: " + provisioned.error().message);
    if (auto destroyed = hv.destroy("floor", spec.instanceId); !destroyed) {
      throw std::runtime_error("destroy: " + destroyed.error().message);
    }
    ms.push_back(secondsSince(started) * 1e3);
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

// A Deployment `broken` of 4 on the fleet's network, health checked, replaced in place;
// `gateway` as in fleetYaml.
std::string brokenYaml(int gateway) {
  return R"(apiVersion: stele.dev/v1
kind: Deployment
metadata: {name: broken}
spec:
  image: web:0.1.0
  replicas: 4
  resources: {memoryMiB: 32, vcpus: 1}
  interfaces:
    - network: fleet
      pool: 10.1.9.10-10.1.9.60
  config: |
    gateway 10.1.0.)" +
         std::to_string(gateway) + R"(
  healthCheck:
    http: {port: 80}
  strategy:
    rollingUpdate: {maxSurge: 0, maxUnavailable: 1}
)";
}

// Answers each new Starting instance of `broken` once: revision 1 passes, others fail.
class BrokenAnswers {
 public:
  explicit BrokenAnswers(const bench::TestDriverServer& fleet) : fleet_(fleet) {}
  void answer(cli::HttpClient& client) {
    auto r = client.request("GET", "/v1/instances?deployment=broken");
    if (!r || r->status != 200) return;
    nlohmann::json items = stele::testing::jsonOf(*r)["items"];
    for (const auto& i : items) {
      std::string id = i.value("id", "");
      if (i.value("state", "") != "Starting" || !answered_.insert(id).second) continue;
      fleet_.setHealth(id, i.value("revision", 0) == 1 ? "pass" : "fail: http 500 (bench)");
    }
  }

 private:
  const bench::TestDriverServer& fleet_;
  std::set<std::string> answered_;
};

// Milliseconds since the epoch of an event's "time" ("2026-12-04T01:02:03.456Z"), or -1.
std::int64_t eventMs(const nlohmann::json& event) {
  std::string time = event.value("time", "");
  if (time.size() != 24) return -1;
  auto seconds = parseRfc3339(time.substr(0, 19) + "Z");
  return seconds ? *seconds * 1000 + std::atoi(time.substr(20, 3).c_str()) : -1;
}

struct RollbackTimes {
  double toRolledBackMs = -1;
  double toFirstStepMs = -1;
};

// From the deployment's events: the last `Replacing` before `RolledBack`, `RolledBack`, and
// the first `Provisioned` after it.
RollbackTimes rollbackTimes(cli::HttpClient& client) {
  RollbackTimes out;
  auto r = client.request("GET", "/v1/events?deployment=broken&limit=5000");
  if (!r || r->status != 200) return out;
  nlohmann::json items = stele::testing::jsonOf(*r)["items"];
  std::int64_t failed = -1;
  std::int64_t rolledBack = -1;
  for (const auto& e : items) {
    std::string reason = e.value("reason", "");
    if (rolledBack < 0 && reason == "Replacing") failed = eventMs(e);
    if (rolledBack < 0 && reason == "RolledBack") rolledBack = eventMs(e);
    if (rolledBack >= 0 && failed >= 0 && reason == "Provisioned") {
      out.toRolledBackMs = static_cast<double>(rolledBack - failed);
      out.toFirstStepMs = static_cast<double>(eventMs(e) - failed);
      break;
    }
  }
  return out;
}

struct Phase {
  double seconds = -1;  // -1: did not end in time
  double passSeconds = 0;
  double passes = 0;
  std::string last;  // what was seen last
};

void apply(cli::HttpClient& admin, const std::string& yaml) {
  auto r = admin.request("POST", "/v1/apply", yaml, {{"Content-Type", "application/yaml"}});
  if (!r || r->status != 200) {
    throw std::runtime_error("apply failed: " + (r ? r->body : r.error().message));
  }
}

// Applies `yaml` and polls until `done` says so; the reconciler's pass time meanwhile.
template <typename Done>
Phase timed(cli::HttpClient& admin, const std::string& yaml, Done done) {
  Phase phase;
  const double passSeconds = bench::metric(admin, "stele_reconcile_pass_seconds_total");
  const double passes = bench::metric(admin, "stele_reconcile_passes_total");
  const auto started = Clock::now();
  apply(admin, yaml);
  while (secondsSince(started) < kTimeoutS) {
    if (done(phase.last)) {
      phase.seconds = secondsSince(started);
      break;
    }
    std::this_thread::sleep_for(kPoll);
  }
  phase.passSeconds = bench::metric(admin, "stele_reconcile_pass_seconds_total") - passSeconds;
  phase.passes = bench::metric(admin, "stele_reconcile_passes_total") - passes;
  return phase;
}

void printPhase(const char* what, const Phase& p, int instances) {
  if (p.seconds < 0) {
    std::printf("| %-34s | did not end: %s |\n", what, p.last.c_str());
    return;
  }
  std::printf("| %-34s | %8.2f s | %7.2f ms | %5.0f | %6.2f s (%3.0f%%) |\n", what, p.seconds,
              p.seconds * 1e3 / instances, p.passes, p.passSeconds,
              100.0 * p.passSeconds / p.seconds);
}

int runBench(int hosts, int replicas) {
  bench::TestDriverServer fleet(hosts);
  cli::HttpClient admin = fleet.server().admin();
  cli::HttpClient poller = fleet.server().admin();

  Phase first = timed(admin, bench::fleetYaml(replicas, 1, kStrategy), [&](std::string& last) {
    auto states = bench::countStates(poller, "fleet");
    last = bench::describe(states);
    return states["Available"] >= replicas;
  });
  Phase roll = timed(admin, bench::fleetYaml(replicas, 2, kStrategy), [&](std::string& last) {
    auto r = poller.request("GET", "/v1/deployments/fleet/rollout");
    if (!r || r->status != 200) return false;
    auto view = stele::testing::jsonOf(*r);
    last = view.dump();
    return view.value("state", "") == "Complete" && view.value("revision", 0) == 2;
  });
  auto after = bench::countStates(poller, "fleet", 2);

  BrokenAnswers answers(fleet);
  Phase brokenUp = timed(admin, brokenYaml(1), [&](std::string& last) {
    answers.answer(poller);
    auto states = bench::countStates(poller, "broken");
    last = bench::describe(states);
    return states["Available"] >= 4;
  });
  Phase rollback = timed(admin, brokenYaml(2), [&](std::string& last) {
    answers.answer(poller);
    auto r = poller.request("GET", "/v1/deployments/broken/rollout");
    if (!r || r->status != 200) return false;
    auto view = stele::testing::jsonOf(*r);
    last = view.dump();
    return view.value("revision", 0) == 1 && view.value("rollbackOf", 0) == 2 &&
           view.value("state", "") == "Complete";
  });
  RollbackTimes times = rollbackTimes(poller);
  std::string floorDir = fleet.file("floor");
  std::filesystem::create_directories(floorDir);
  const double floorMs = libvirtPairMs(floorDir, fleet.hostXml(0), 200);
  const bool valid = first.seconds >= 0 && roll.seconds >= 0 && after["Available"] == replicas &&
                     brokenUp.seconds >= 0 && rollback.seconds >= 0 && times.toFirstStepMs >= 0;

  std::printf(
      "\nrollout of %d instances on %d test-driver hosts of a real stele server (maxSurge 25%%, "
      "maxUnavailable 25%%, health instant, %ld CPUs online)\n\n",
      replicas, hosts, sysconf(_SC_NPROCESSORS_ONLN));
  std::printf("| %-34s | %10s | %10s | %5s | %-17s |\n", "phase", "wall", "per inst", "passes",
              "reconciler passes");
  std::printf("|---|---|---|---|---|\n");
  printPhase("first deploy (all Available)", first, replicas);
  printPhase("rollout (Complete; goal <= 20 ms)", roll, replicas);
  if (valid) {
    std::printf("\nrollout / first deploy per instance: %.2fx (one provision + one destroy each)\n",
                roll.seconds / first.seconds);
    std::printf(
        "floor: define+start+destroy on the test driver, LibvirtHypervisor alone, one at a "
        "time: %.2f ms median of 200; rollout per replaced instance / floor: %.2fx\n",
        floorMs, roll.seconds * 1e3 / replicas / floorMs);
    std::printf(
        "failed rollout (its 3rd failed instance) -> RolledBack: %.0f ms; -> first step of the "
        "rollback (Provisioned): %.0f ms (goal <= 100)\n",
        times.toRolledBackMs, times.toFirstStepMs);
    return 0;
  }
  std::printf(
      "\nINVALID: fleet %s; broken up %.1f s, rolled back %.1f s (%s), first step %.0f ms\n",
      bench::describe(after).c_str(), brokenUp.seconds, rollback.seconds, rollback.last.c_str(),
      times.toFirstStepMs);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    int hosts = 10;
    int replicas = 1000;
    bench::requireIntFlags(argc, argv, {{"--hosts", &hosts}, {"--replicas", &replicas}},
                           "rollout_server_bench [--hosts N] [--replicas N]");
    return runBench(std::clamp(hosts, 1, 100), std::clamp(replicas, 1, 1000));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rollout_server_bench: %s\n", e.what());
    return 1;
  }
}
