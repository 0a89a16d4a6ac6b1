// Scheduler benchmark: placement decisions per second on 1,000 hosts already running 10,000
// instances, placing 10,000 more one by one and updating the candidates as a reconciler would;
// against the physical floor of one linear scan over the same 1,000 host structs; and the cost
// of a MemoryHypervisor provision+destroy (the zero-latency hypervisor the reconciler's own
// time is measured on). Prints a table.
//
//   scheduler_bench [--hosts 1000] [--running 10000] [--place 10000] [--hv-rounds 100000]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bench/common/bench_flags.h"
#include "common/clock.h"
#include "common/random.h"
#include "hypervisor/memory_hypervisor.h"
#include "scheduler/placement.h"
#include "tests/hypervisor/test_specs.h"

namespace {

using namespace stele;
using SteadyClock = std::chrono::steady_clock;

double secondsSince(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

struct Options {
  int hosts = 1000;
  int running = 10'000;
  int place = 10'000;
  int hvRounds = 100'000;
  int deployments = 100;
};

Options parse(int argc, char** argv) {
  Options options;
  (void)bench::readIntFlags(argc, argv,
                            {{"--hosts", &options.hosts},
                             {"--running", &options.running},
                             {"--place", &options.place},
                             {"--hv-rounds", &options.hvRounds}});
  return options;
}

// Three zones, two networks on every host, a tenth of the hosts draining or down.
std::vector<scheduler::HostCandidate> makeHosts(const Options& options, Random& random) {
  std::vector<scheduler::HostCandidate> hosts(options.hosts);
  for (int i = 0; i < options.hosts; ++i) {
    auto& h = hosts[i];
    h.name = "host-" + std::to_string(i);
    h.cpus = 64;
    h.memoryMiB = 262'144;
    h.labels = {{"zone", std::string(1, static_cast<char>('a' + i % 3))},
                {"rack", std::to_string(i / 40)}};
    h.networks = {"dmz", "lan"};
    h.draining = random.below(20) == 0;
    h.up = random.below(20) != 0;
  }
  return hosts;
}

scheduler::PlacementRequest requestFor(int deployment) {
  scheduler::PlacementRequest r;
  r.deployment = "deploy-" + std::to_string(deployment);
  r.vcpus = 1 + deployment % 2;
  r.memoryMiB = 64 + 32 * (deployment % 4);
  r.networks = {"dmz"};
  if (deployment % 5 == 0) r.hostSelector = {{"zone", "b"}};
  r.spreadHosts = true;
  return r;
}

void apply(scheduler::HostCandidate& host, const scheduler::PlacementRequest& r) {
  host.allocatedVcpus += r.vcpus;
  host.allocatedMemoryMiB += r.memoryMiB;
  ++host.instancesOf[r.deployment];
}

scheduler::HostCandidate* findHost(std::vector<scheduler::HostCandidate>& hosts,
                                   const std::string& name) {
  // host-N sits at index N: the lookup a reconciler would do through a map, kept out of the figure.
  return &hosts[std::stoul(name.substr(5))];
}

struct PlacementFigures {
  double seconds = 0;
  int placed = 0;
  int refused = 0;
};

PlacementFigures placeAll(std::vector<scheduler::HostCandidate>& hosts, int count, int deployments,
                          Random& random) {
  std::vector<scheduler::PlacementRequest> requests;
  requests.reserve(static_cast<std::size_t>(deployments));
  for (int d = 0; d < deployments; ++d) requests.push_back(requestFor(d));
  PlacementFigures figures;
  const auto start = SteadyClock::now();
  for (int i = 0; i < count; ++i) {
    const auto& r = requests[i % deployments];
    auto decision = scheduler::place(r, hosts, random);
    if (!decision.host) {
      ++figures.refused;
      continue;
    }
    apply(*findHost(hosts, *decision.host), r);
    ++figures.placed;
  }
  figures.seconds = secondsSince(start);
  return figures;
}

// The floor: read every host struct once and sum a field, nothing else.
double linearScanSeconds(const std::vector<scheduler::HostCandidate>& hosts, int rounds) {
  std::uint64_t sink = 0;
  const auto start = SteadyClock::now();
  for (int round = 0; round < rounds; ++round) {
    for (const auto& h : hosts) sink += h.allocatedMemoryMiB + h.up;
    asm volatile("" : "+r"(sink));  // keep the loop
  }
  const double seconds = secondsSince(start);
  if (sink == 42) std::puts("");
  return seconds / rounds;
}

struct HypervisorFigures {
  double perPairUs = 0;
  double drainUs = 0;  // awaitIdle after the loop: events still queued for the subscriber
};

HypervisorFigures memoryHypervisorCost(int rounds) {
  ManualClock clock(1'700'000'000);
  hypervisor::MemoryHypervisor hv(clock);
  std::uint64_t delivered = 0;
  (void)hv.subscribe([&](const hypervisor::Event&) { ++delivered; });
  (void)hv.connectHost({"h1", "memory://h1", hypervisor::Acceleration::Kvm, "/srv/stele"});
  hypervisor::DomainSpec spec = hypervisor::testing::validDomainSpec();
  const auto start = SteadyClock::now();
  for (int i = 0; i < rounds; ++i) {
    spec.instanceId = "i-" + std::to_string(i);
    spec.name = "web-" + spec.instanceId;
    if (!hv.provision("h1", spec) || !hv.destroy("h1", spec.instanceId)) {
      std::fprintf(stderr, "provision/destroy failed at round %d\n", i);
      std::exit(1);
    }
  }
  const double loop = secondsSince(start);
  const auto drainStart = SteadyClock::now();
  hv.awaitIdle();
  HypervisorFigures figures{loop / rounds * 1e6, secondsSince(drainStart) * 1e6};
  if (delivered != 1 + 2 * static_cast<std::uint64_t>(rounds)) {
    std::fprintf(stderr, "expected %d events, got %llu\n", 1 + 2 * rounds,
                 static_cast<unsigned long long>(delivered));
    std::exit(1);
  }
  return figures;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse(argc, argv);
  SeededRandom random(7);
  auto hosts = makeHosts(options, random);
  // The 10,000 already running, placed the same way (not timed).
  const auto seeded = placeAll(hosts, options.running, options.deployments, random);
  const auto timed = placeAll(hosts, options.place, options.deployments, random);
  const double perDecisionUs = timed.seconds / options.place * 1e6;
  const double decisionsPerSecond = options.place / timed.seconds;
  const double scanUs = linearScanSeconds(hosts, 20'000) * 1e6;
  const auto hv = memoryHypervisorCost(options.hvRounds);

  std::printf(
      "scheduler benchmark: %d hosts, %d running (%d refused), placing %d more over %d "
      "deployments\n\n",
      options.hosts, seeded.placed, seeded.refused, options.place, options.deployments);
  std::printf("| measure | figure |\n|---|---|\n");
  std::printf(
      "| placement decisions per second | %.0f /s (goal >= 5,000; Nomad C1M about 3,750) |\n",
      decisionsPerSecond);
  std::printf("| time per decision | %.1f us (%d placed, %d refused) |\n", perDecisionUs,
              timed.placed, timed.refused);
  std::printf("| floor: one linear scan of %d host structs | %.2f us (%.0f scans/s) |\n",
              options.hosts, scanUs, 1e6 / scanUs);
  std::printf("| decision / scan | %.1fx |\n", perDecisionUs / scanUs);
  std::printf(
      "| MemoryHypervisor provision+destroy | %.2f us per pair (%d rounds, 1 subscriber) |\n",
      hv.perPairUs, options.hvRounds);
  std::printf("| events still queued after the loop | drained in %.0f us |\n", hv.drainUs);
  return decisionsPerSecond >= 5'000 ? 0 : 2;
}
