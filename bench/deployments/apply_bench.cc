// Apply latency benchmark: p50/p99/max of `POST /v1/apply` while 1,000 instances converge
// (goal p99 <= 50 ms), against the same applies on an idle server.
//
// Starts a real `stele server` on 127.0.0.1 (tests/support ServerProcess) with a fresh data
// directory, hosts on libvirt's test driver from host XMLs this program writes into its temp
// directory, trusts a fresh key and pushes a signed image. Then:
//   1. baseline: a client sends a small apply (a Deployment with replicas 0 whose annotation
//      changes every time, so each apply really writes) every --interval-ms on the idle server;
//   2. load: it applies a Network (/16) and a Deployment of --replicas instances (address pool),
//      and while the reconciler converges (polling GET /v1/instances?deployment= and counting
//      Available) the same client sends the same small applies, until convergence or
//      --timeout-s. Each latency is recorded; non-200 answers are counted.
// Prints a table, stops the server (SIGTERM) and removes the directory. Loopback only.
//
//   apply_bench [--hosts 10] [--replicas 1000] [--interval-ms 20] [--baseline 250]
//               [--timeout-s 300] [--poll-ms 500]
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench/common/bench_flags.h"
#include "bench/common/server_bench.h"
#include "tests/support/deploy_fixture.h"
#include "tests/support/registry_client.h"
#include "tests/support/server_process.h"
#include "tests/support/signing.h"
#include "tests/support/temp_dir.h"

namespace {

using namespace stele;
using stele::testing::TempDir;
using Clock = std::chrono::steady_clock;

using bench::countStates;
using bench::describe;
using bench::fleetYaml;
using bench::metric;
using bench::secondsSince;

struct Options {
  int hosts = 10;
  int replicas = 1000;
  int intervalMs = 20;
  int baseline = 250;
  int timeoutS = 300;
  int pollMs = 500;
};

Options parseOptions(int argc, char** argv) {
  Options o;
  bench::requireIntFlags(argc, argv,
                         {{"--hosts", &o.hosts},
                          {"--replicas", &o.replicas},
                          {"--interval-ms", &o.intervalMs},
                          {"--baseline", &o.baseline},
                          {"--timeout-s", &o.timeoutS},
                          {"--poll-ms", &o.pollMs}},
                         "apply_bench [--hosts N] [--replicas N] [--interval-ms MS] [--baseline N] "
                         "[--timeout-s S] [--poll-ms MS]");
  o.hosts = std::clamp(o.hosts, 1, 100);
  o.replicas = std::clamp(o.replicas, 1, 1000);
  o.intervalMs = std::clamp(o.intervalMs, 1, 1000);
  o.baseline = std::clamp(o.baseline, 10, 5000);
  o.timeoutS = std::clamp(o.timeoutS, 5, 300);
  o.pollMs = std::clamp(o.pollMs, 50, 5000);
  return o;
}

// The small apply the client repeats: replicas 0, an annotation that changes each time, so
// every apply validates and writes (a new generation) but never provisions anything.
std::string probeYaml(int round) {
  return R"(apiVersion: stele.dev/v1
kind: Deployment
metadata:
  name: probe
  annotations: {bench/round: ")" +
         std::to_string(round) + R"("}
spec:
  image: web:0.1.0
  replicas: 0
  resources: {memoryMiB: 32, vcpus: 1}
  interfaces:
    - network: fleet
      addresses: [10.1.200.10]
  config: |
    gateway 10.1.0.1
)";
}

struct Latencies {
  std::vector<double> ms;
  int errors = 0;
  std::string firstError;

  double percentile(double p) const {
    if (ms.empty()) return 0;
    std::vector<double> s = ms;
    std::sort(s.begin(), s.end());
    auto rank = static_cast<std::size_t>(p * static_cast<double>(s.size()));
    return s[std::min(s.size() - 1, rank)];
  }
  double max() const { return ms.empty() ? 0 : *std::max_element(ms.begin(), ms.end()); }
  double over(double limitMs) const {
    return static_cast<double>(
        std::count_if(ms.begin(), ms.end(), [&](double v) { return v > limitMs; }));
  }
};

// Sends probeYaml applies every `intervalMs` (the next one right away when one took longer)
// until `stop` is set or `limit` applies were sent.
Latencies applyLoop(cli::HttpClient& client, int intervalMs, int limit, int& round,
                    const std::atomic<bool>& stop) {
  Latencies out;
  auto next = Clock::now();
  for (int i = 0; i < limit && !stop.load(); ++i) {
    std::this_thread::sleep_until(next);
    next += std::chrono::milliseconds(intervalMs);
    std::string body = probeYaml(++round);
    auto started = Clock::now();
    auto r = client.request("POST", "/v1/apply", body, {{"Content-Type", "application/yaml"}});
    out.ms.push_back(secondsSince(started) * 1e3);
    if (!r || r->status != 200) {
      ++out.errors;
      if (out.firstError.empty()) {
        out.firstError = r ? std::to_string(r->status) + " " + r->body : r.error().message;
      }
    }
    if (Clock::now() > next) next = Clock::now();
  }
  return out;
}

void printRow(const char* what, const std::string& value) {
  std::printf("  %-46s %s\n", what, value.c_str());
}

std::string fmt(const char* pattern, double a, double b = 0, double c = 0) {
  char buffer[160];
  std::snprintf(buffer, sizeof buffer, pattern, a, b, c);
  return buffer;
}

std::string latencyRow(const Latencies& l) {
  return fmt("%.1f | %.1f | %.1f ms", l.percentile(0.50), l.percentile(0.99), l.max()) +
         fmt(", %.0f over 50 ms", l.over(50));
}

int runBench(const Options& options) {
  auto benchStarted = Clock::now();
  bench::TestDriverServer fleet(options.hosts);
  stele::testing::ServerProcess& server = fleet.server();
  cli::HttpClient admin = server.admin();
  auto network =
      admin.request("POST", "/v1/apply", fleetYaml(0), {{"Content-Type", "application/yaml"}});
  if (!network || network->status != 200) throw std::runtime_error("first apply failed");

  // 1. Baseline on the idle server (nothing to converge).
  cli::HttpClient applier = server.admin();
  std::atomic<bool> stop{false};
  int round = 0;
  Latencies idle = applyLoop(applier, options.intervalMs, options.baseline, round, stop);
  double idlePassSeconds = metric(admin, "stele_reconcile_pass_seconds_total");
  double idlePasses = metric(admin, "stele_reconcile_passes_total");

  // 2. Under load: scale the fleet up and apply while it converges.
  auto started = Clock::now();
  auto scale = admin.request("POST", "/v1/apply", fleetYaml(options.replicas),
                             {{"Content-Type", "application/yaml"}});
  if (!scale || scale->status != 200) {
    throw std::runtime_error("scale apply failed: " +
                             (scale ? scale->body : scale.error().message));
  }
  Latencies busy;
  std::thread client([&] {
    busy = applyLoop(applier, options.intervalMs, options.timeoutS * 1000 / options.intervalMs,
                     round, stop);
  });
  std::map<std::string, int> states;
  double convergeSeconds = -1;
  cli::HttpClient poller = server.admin();
  while (secondsSince(started) < options.timeoutS) {
    states = countStates(poller, "fleet");
    if (auto a = states.find("Available"); a != states.end() && a->second >= options.replicas) {
      convergeSeconds = secondsSince(started);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(options.pollMs));
  }
  stop = true;
  client.join();
  double passSeconds = metric(admin, "stele_reconcile_pass_seconds_total");
  double passes = metric(admin, "stele_reconcile_passes_total");

  std::printf(
      "\nStele apply latency while %d instances converge (%d test-driver hosts, %ld CPUs "
      "online)\n\n",
      options.replicas, options.hosts, sysconf(_SC_NPROCESSORS_ONLN));
  bool invalid = idle.errors + busy.errors > 0;
  printRow("applies sent, idle | converging",
           fmt("%.0f | %.0f (every %.0f ms)", static_cast<double>(idle.ms.size()),
               static_cast<double>(busy.ms.size()), options.intervalMs));
  printRow("non-200 answers, idle | converging",
           fmt("%.0f | %.0f", idle.errors, busy.errors) + (invalid ? "  INVALID" : ""));
  printRow("apply p50 | p99 | max, idle server", latencyRow(idle));
  printRow("apply p50 | p99 | max, while converging",
           latencyRow(busy) + (busy.percentile(0.99) <= 50 ? "  (goal p99 <= 50 ms: met)"
                                                           : "  (goal p99 <= 50 ms: MISSED)"));
  if (convergeSeconds >= 0) {
    printRow("time to converge (all Available)",
             fmt("%.1f s, %.0f instances/s", convergeSeconds, options.replicas / convergeSeconds));
  } else {
    printRow("time to converge (all Available)",
             fmt("NOT converged in %.0f s: ", options.timeoutS) + describe(states));
    auto status = admin.request("GET", "/v1/deployments/fleet");
    if (status && status->status == 200) {
      printRow("  fleet status", stele::testing::jsonOf(*status)["status"].dump());
    }
  }
  printRow("reconcile passes | pass time, idle phase",
           fmt("%.0f | %.3f s", idlePasses, idlePassSeconds));
  printRow("reconcile passes | pass time, whole run",
           fmt("%.0f | %.3f s (stele_reconcile_pass_seconds_total)", passes, passSeconds));
  if (invalid) {
    std::printf("\n  first error: %s\n", (idle.errors > 0 ? idle : busy).firstError.c_str());
  }
  std::printf("\n  total bench time %.1f s\n", secondsSince(benchStarted));
  return invalid ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return runBench(parseOptions(argc, argv));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "apply_bench: %s\n", e.what());
    return 1;
  }
}
