// place(): table tests of every rejection reason, the order of reasons in the message, scoring
// (avoidHosts, spread, least allocated), seeded tie-breaking, and a property test that a placed
// host is always feasible and capacity is never exceeded when decisions are applied in a loop.
#include "scheduler/placement.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace stele::scheduler {
namespace {

using hypervisor::Acceleration;

HostCandidate host(std::string name) {
  HostCandidate h;
  h.name = std::move(name);
  h.cpus = 8;
  h.memoryMiB = 8192;
  h.labels = {{"zone", "a"}};
  h.networks = {"dmz"};
  return h;
}

PlacementRequest request() {
  PlacementRequest r;
  r.deployment = "web";
  r.vcpus = 1;
  r.memoryMiB = 256;
  r.networks = {"dmz"};
  r.hostSelector = {{"zone", "a"}};
  return r;
}

PlacementDecision placeOn(const PlacementRequest& r, const std::vector<HostCandidate>& hosts,
                          std::uint64_t seed = 1) {
  SeededRandom random(seed);
  return place(r, hosts, random);
}

struct RejectionCase {
  std::string reason;
  void (*breakIt)(PlacementRequest&, HostCandidate&);
};

class EveryRejection : public ::testing::TestWithParam<RejectionCase> {};

TEST_P(EveryRejection, HostFailingOneCheckIsRejectedWithThatReason) {
  PlacementRequest r = request();
  HostCandidate h = host("h1");
  ASSERT_FALSE(firstRejection(r, h).has_value()) << "the baseline fits";
  GetParam().breakIt(r, h);
  auto decision = placeOn(r, {h});
  EXPECT_FALSE(decision.host.has_value());
  EXPECT_EQ(decision.rejected, (std::map<std::string, int>{{GetParam().reason, 1}}));
  EXPECT_EQ(decision.reason, "0/1 hosts fit: 1 " + GetParam().reason);
  EXPECT_EQ(decision.feasible, 0);
}

INSTANTIATE_TEST_SUITE_P(
    Placement, EveryRejection,
    ::testing::Values(
        RejectionCase{"host down", [](PlacementRequest&, HostCandidate& h) { h.up = false; }},
        RejectionCase{"draining", [](PlacementRequest&, HostCandidate& h) { h.draining = true; }},
        RejectionCase{"wrong acceleration",
                      [](PlacementRequest& r, HostCandidate& h) {
                        r.accel = Acceleration::Kvm;
                        h.accel = Acceleration::Qemu;
                      }},
        RejectionCase{"insufficient memory",
                      [](PlacementRequest&, HostCandidate& h) { h.allocatedMemoryMiB = 8000; }},
        RejectionCase{"insufficient vcpus",
                      [](PlacementRequest&, HostCandidate& h) { h.allocatedVcpus = 8; }},
        RejectionCase{"missing network",
                      [](PlacementRequest& r, HostCandidate&) { r.networks.push_back("lan"); }},
        RejectionCase{"label mismatch",
                      [](PlacementRequest& r, HostCandidate&) { r.hostSelector["zone"] = "b"; }},
        RejectionCase{"label mismatch",
                      [](PlacementRequest& r, HostCandidate&) { r.hostSelector["rack"] = "1"; }},
        RejectionCase{"max per host",
                      [](PlacementRequest& r, HostCandidate& h) {
                        r.maxPerHost = 2;
                        h.instancesOf["web"] = 2;
                      }}),
    [](const auto& info) {
      std::string name = info.param.reason + std::to_string(info.index);
      std::erase(name, ' ');
      return name;
    });

TEST(Placement, HostIsCountedUnderItsFirstFailingCheckOnly) {
  HostCandidate h = host("h1");
  h.draining = true;
  h.allocatedMemoryMiB = 8192;
  h.networks.clear();
  auto decision = placeOn(request(), {h});
  EXPECT_EQ(decision.rejected, (std::map<std::string, int>{{"draining", 1}}));
}

TEST(Placement, ExactlyFullHostStillFits) {
  HostCandidate h = host("h1");
  h.allocatedMemoryMiB = 8192 - 256;
  h.allocatedVcpus = 7;
  EXPECT_EQ(placeOn(request(), {h}).host, "h1");
}

TEST(Placement, ReasonsAreListedMostHostsFirstThenInCheckOrder) {
  std::vector<HostCandidate> hosts(6, host("h"));
  hosts[0].draining = true;
  hosts[1].allocatedMemoryMiB = 8192;
  hosts[2].allocatedMemoryMiB = 8192;
  hosts[3].up = false;
  hosts[4].networks.clear();
  hosts[5].labels.clear();
  auto decision = placeOn(request(), hosts);
  EXPECT_FALSE(decision.host.has_value());
  EXPECT_EQ(decision.reason,
            "0/6 hosts fit: 2 insufficient memory, 1 host down, 1 draining, 1 missing network, 1 "
            "label mismatch");
}

TEST(Placement, KubernetesStyleExample) {
  std::vector<HostCandidate> hosts(3, host("h"));
  hosts[0].allocatedMemoryMiB = 8100;
  hosts[1].allocatedMemoryMiB = 8100;
  hosts[2].draining = true;
  EXPECT_EQ(placeOn(request(), hosts).reason, "0/3 hosts fit: 2 insufficient memory, 1 draining");
}

TEST(Placement, EmptyHostListSaysSo) {
  auto decision = placeOn(request(), {});
  EXPECT_FALSE(decision.host.has_value());
  EXPECT_EQ(decision.reason, "0/0 hosts fit: no hosts");
  EXPECT_TRUE(decision.rejected.empty());
}

TEST(Placement, PlacedDecisionNamesTheHostAndHowManyFit) {
  std::vector<HostCandidate> hosts = {host("h1"), host("h2")};
  hosts[1].up = false;
  auto decision = placeOn(request(), hosts);
  EXPECT_EQ(decision.host, "h1");
  EXPECT_EQ(decision.reason, "placed on h1: 1/2 hosts fit");
  EXPECT_EQ(decision.feasible, 1);
  EXPECT_EQ(decision.rejected, (std::map<std::string, int>{{"host down", 1}}));
}

TEST(Placement, AccelerationIsCheckedOnlyWhenRequired) {
  HostCandidate h = host("h1");
  h.accel = Acceleration::Qemu;
  EXPECT_EQ(placeOn(request(), {h}).host, "h1");
  PlacementRequest r = request();
  r.accel = Acceleration::Qemu;
  EXPECT_EQ(placeOn(r, {h}).host, "h1");
}

TEST(Placement, SpreadPrefersTheHostWithFewerOfTheDeploymentOverALessLoadedOne) {
  HostCandidate busy = host("busy");
  busy.allocatedMemoryMiB = 6000;
  HostCandidate idle = host("idle");
  idle.instancesOf["web"] = 1;
  idle.instancesOf["dns"] = 5;  // other deployments do not count for spread
  EXPECT_EQ(placeOn(request(), {busy, idle}).host, "busy");
  PlacementRequest packed = request();
  packed.spreadHosts = false;
  EXPECT_EQ(placeOn(packed, {busy, idle}).host, "idle")
      << "without spread, least allocated decides";
}

TEST(Placement, LeastAllocatedWeighsMemoryAndVcpusAlike) {
  HostCandidate memoryHeavy = host("memory-heavy");
  memoryHeavy.allocatedMemoryMiB = 4096;  // memory half used, vcpus free
  HostCandidate cpuHeavy = host("cpu-heavy");
  cpuHeavy.allocatedVcpus = 6;  // vcpus 3/4 used, memory free
  EXPECT_EQ(placeOn(request(), {cpuHeavy, memoryHeavy}).host, "memory-heavy");
  HostCandidate bigger = host("bigger");
  bigger.cpus = 16;
  bigger.memoryMiB = 16384;
  bigger.allocatedMemoryMiB = 4096;
  EXPECT_EQ(placeOn(request(), {memoryHeavy, bigger}).host, "bigger")
      << "fractions, not absolute amounts";
}

TEST(Placement, MaxPerHostIsAHardLimit) {
  PlacementRequest r = request();
  r.maxPerHost = 1;
  r.spreadHosts = false;
  HostCandidate full = host("full");
  full.instancesOf["web"] = 1;
  HostCandidate loaded = host("loaded");
  loaded.allocatedMemoryMiB = 7000;
  EXPECT_EQ(placeOn(r, {full, loaded}).host, "loaded");
  EXPECT_EQ(placeOn(r, {full}).reason, "0/1 hosts fit: 1 max per host");
}

TEST(Placement, AvoidedHostIsUsedOnlyWhenNothingElseFits) {
  PlacementRequest r = request();
  r.avoidHosts = {"crashed-on"};
  HostCandidate avoided = host("crashed-on");
  HostCandidate other = host("other");
  other.allocatedMemoryMiB = 7000;
  other.instancesOf["web"] = 3;
  EXPECT_EQ(placeOn(r, {avoided, other}).host, "other") << "avoidance outranks spread and load";
  other.draining = true;
  EXPECT_EQ(placeOn(r, {avoided, other}).host, "crashed-on") << "soft: better than not placing";
}

TEST(Placement, TiesAreBrokenByTheSeededRandomBothWays) {
  std::vector<HostCandidate> hosts = {host("h1"), host("h2")};
  std::set<std::string> chosen;
  for (std::uint64_t seed = 0; seed < 32; ++seed)
    chosen.insert(*placeOn(request(), hosts, seed).host);
  EXPECT_EQ(chosen, (std::set<std::string>{"h1", "h2"}));
  for (std::uint64_t seed = 0; seed < 8; ++seed) {
    EXPECT_EQ(placeOn(request(), hosts, seed).host, placeOn(request(), hosts, seed).host)
        << "deterministic per seed";
  }
  SeededRandom picksFirst(0);
  SeededRandom probe(0);
  const std::string expected = probe.below(2) == 0 ? "h1" : "h2";
  EXPECT_EQ(place(request(), hosts, picksFirst).host, expected)
      << "the index is random.below(tied hosts)";
}

// The feasibility rules restated independently of placement.cc, for the property test.
bool fitsIndependently(const PlacementRequest& r, const HostCandidate& h) {
  if (!h.up || h.draining || (r.accel && *r.accel != h.accel)) return false;
  if (h.memoryMiB - h.allocatedMemoryMiB < r.memoryMiB || h.cpus - h.allocatedVcpus < r.vcpus)
    return false;
  for (const auto& n : r.networks) {
    if (!h.networks.contains(n)) return false;
  }
  for (const auto& [k, v] : r.hostSelector) {
    if (!h.labels.contains(k) || h.labels.at(k) != v) return false;
  }
  const int mine = h.instancesOf.contains(r.deployment) ? h.instancesOf.at(r.deployment) : 0;
  return r.maxPerHost == 0 || mine < r.maxPerHost;
}

// Applies every decision as a reconciler would (allocation and per-deployment counts), with
// random hosts and requests; the chosen host must pass every check, nothing ever exceeds capacity.
TEST(PlacementProperty, PlacedHostIsFeasibleAndCapacityIsNeverExceeded) {
  SeededRandom random(42);
  int placed = 0;
  int refused = 0;
  for (int round = 0; round < 20; ++round) {
    std::vector<HostCandidate> hosts;
    const auto hostCount = 1 + random.below(12);
    for (std::uint64_t i = 0; i < hostCount; ++i) {
      HostCandidate h = host("h" + std::to_string(i));
      h.cpus = static_cast<unsigned>(1 + random.below(16));
      h.memoryMiB = 512 + 256 * random.below(32);
      h.up = random.below(10) != 0;
      h.draining = random.below(10) == 0;
      h.accel = random.below(2) == 0 ? Acceleration::Kvm : Acceleration::Qemu;
      h.labels = {{"zone", random.below(2) == 0 ? "a" : "b"}};
      if (random.below(4) == 0) h.networks.clear();
      hosts.push_back(std::move(h));
    }
    for (int step = 0; step < 300; ++step) {
      PlacementRequest r = request();
      r.deployment = "d" + std::to_string(random.below(4));
      r.vcpus = static_cast<unsigned>(1 + random.below(4));
      r.memoryMiB = 32 + 32 * random.below(16);
      r.spreadHosts = random.below(2) == 0;
      r.maxPerHost = static_cast<int>(random.below(4));
      if (random.below(3) == 0) r.accel = Acceleration::Kvm;
      if (random.below(2) == 0) r.hostSelector.clear();
      if (random.below(2) == 0) r.networks.clear();
      if (random.below(4) == 0) r.avoidHosts = {"h0"};
      auto decision = place(r, hosts, random);
      int rejected = 0;
      for (const auto& [reason, count] : decision.rejected) rejected += count;
      ASSERT_EQ(rejected + decision.feasible, static_cast<int>(hosts.size()));
      if (!decision.host) {
        ASSERT_EQ(decision.feasible, 0);
        ++refused;
        for (const auto& h : hosts)
          ASSERT_FALSE(fitsIndependently(r, h)) << h.name << " fits but was not chosen";
        continue;
      }
      auto it = std::find_if(hosts.begin(), hosts.end(),
                             [&](const auto& h) { return h.name == *decision.host; });
      ASSERT_NE(it, hosts.end());
      ASSERT_TRUE(fitsIndependently(r, *it)) << *decision.host << " was placed but is infeasible";
      it->allocatedVcpus += r.vcpus;
      it->allocatedMemoryMiB += r.memoryMiB;
      ++it->instancesOf[r.deployment];
      ++placed;
      ASSERT_LE(it->allocatedVcpus, it->cpus);
      ASSERT_LE(it->allocatedMemoryMiB, it->memoryMiB);
      if (r.maxPerHost > 0) {
        ASSERT_LE(it->instancesOf[r.deployment], r.maxPerHost);
      }
    }
  }
  EXPECT_GT(placed, 200) << "the property must be exercised on placements";
  EXPECT_GT(refused, 500) << "and on refusals";
}

}  // namespace
}  // namespace stele::scheduler
