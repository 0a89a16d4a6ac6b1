// MemoryHypervisor's own test controls (crash, power-off, reachability, injected failures,
// console, counters) and its exact event sequences. The contract it shares with
// LibvirtHypervisor is in hypervisor_contract_test.cc. No waiting: awaitIdle() drains events.
#include "hypervisor/memory_hypervisor.h"

#include <gtest/gtest.h>

#include "tests/hypervisor/event_recorder.h"
#include "tests/hypervisor/test_specs.h"

namespace stele::hypervisor {
namespace {

using namespace std::chrono_literals;
using testing::EventRecorder;

struct Seen {
  EventKind kind;
  std::string instance;
  friend bool operator==(const Seen&, const Seen&) = default;
};

std::ostream& operator<<(std::ostream& out, const Seen& seen) {
  return out << testing::kindName(seen.kind) << "(" << seen.instance << ")";
}

class MemoryHypervisorTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(hypervisor_.subscribe(events_.handler()).has_value()); }

  void connect(const std::string& host) {
    ASSERT_TRUE(hypervisor_.connectHost({host, "memory://" + host, Acceleration::Kvm, "/srv/stele"})
                    .has_value());
  }

  // Every event so far for `host`, after the dispatcher delivered them.
  std::vector<Seen> seen(const std::string& host) {
    hypervisor_.awaitIdle();
    std::vector<Seen> out;
    for (const auto& e : events_.snapshot()) {
      if (e.host == host) out.push_back({e.kind, e.instanceId});
    }
    return out;
  }

  DomainSpec spec(const std::string& instance) { return testing::validDomainSpec(instance); }

  ManualClock clock_{1'700'000'000};
  EventRecorder events_;
  MemoryHypervisor hypervisor_{clock_};
};

TEST_F(MemoryHypervisorTest, CrashLeavesTheDomainDefinedAndShutOffAndEmitsDomainCrashed) {
  connect("h1");
  ASSERT_TRUE(hypervisor_.provision("h1", spec("i-1")).has_value());
  clock_.advanceMs(5'000);
  ASSERT_TRUE(hypervisor_.crash("h1", "i-1").has_value());
  EXPECT_EQ(hypervisor_.instanceState("h1", "i-1").value(), DomainState::ShutOff);
  EXPECT_EQ(hypervisor_.listInstances("h1")->size(), 1u);
  EXPECT_EQ(hypervisor_.hostResources("h1")->activeDomains, 0u);
  EXPECT_EQ(hypervisor_.crash("h1", "i-1").error().code, "instance_not_running");
  EXPECT_EQ(hypervisor_.crash("h1", "i-nope").error().kind, ErrorKind::NotFound);
  ASSERT_TRUE(hypervisor_.destroy("h1", "i-1").has_value())
      << "destroying a shut-off domain only undefines it";
  EXPECT_EQ(seen("h1"), (std::vector<Seen>{{EventKind::HostConnected, ""},
                                           {EventKind::DomainStarted, "i-1"},
                                           {EventKind::DomainCrashed, "i-1"}}));
  EXPECT_EQ(events_.snapshot().back().atUnix, 1'700'000'005);
}

TEST_F(MemoryHypervisorTest, PowerOffEmitsDomainShutDown) {
  connect("h1");
  ASSERT_TRUE(hypervisor_.provision("h1", spec("i-1")).has_value());
  ASSERT_TRUE(hypervisor_.powerOff("h1", "i-1").has_value());
  EXPECT_EQ(hypervisor_.instanceState("h1", "i-1").value(), DomainState::ShutOff);
  EXPECT_EQ(seen("h1").back(), (Seen{EventKind::DomainShutDown, "i-1"}));
}

TEST_F(MemoryHypervisorTest, UnreachableHostLosesItsInstancesAndAdoptsThemOnReturn) {
  connect("h1");
  ASSERT_TRUE(hypervisor_.provision("h1", spec("i-1")).has_value());
  ASSERT_TRUE(hypervisor_.provision("h1", spec("i-2")).has_value());
  clock_.advanceMs(2'000);
  hypervisor_.setReachable("h1", false);
  EXPECT_EQ(hypervisor_.hostStatus("h1")->reachability, HostReachability::Unreachable);
  EXPECT_EQ(hypervisor_.hostStatus("h1")->sinceUnix, 1'700'000'002);
  EXPECT_EQ(hypervisor_.provision("h1", spec("i-3")).error().kind, ErrorKind::Unavailable);
  EXPECT_EQ(hypervisor_.listInstances("h1").error().code, "host_unreachable");
  EXPECT_EQ(hypervisor_.awaitReachable("h1", 0ms).error().kind, ErrorKind::Unavailable);
  ASSERT_TRUE(hypervisor_.crash("h1", "i-2").has_value())
      << "the machine lives on; no event while cut off";
  hypervisor_.setReachable("h1", true);
  EXPECT_TRUE(hypervisor_.awaitReachable("h1", 0ms).has_value());
  EXPECT_EQ(seen("h1"), (std::vector<Seen>{{EventKind::HostConnected, ""},
                                           {EventKind::DomainStarted, "i-1"},
                                           {EventKind::DomainStarted, "i-2"},
                                           {EventKind::HostDisconnected, ""},
                                           {EventKind::InstanceLost, "i-1"},
                                           {EventKind::InstanceLost, "i-2"},
                                           {EventKind::HostReconnected, ""},
                                           {EventKind::InstanceAdopted, "i-1"},
                                           {EventKind::InstanceAdopted, "i-2"}}));
  EXPECT_EQ(hypervisor_.instanceState("h1", "i-2").value(), DomainState::ShutOff);
}

TEST_F(MemoryHypervisorTest, HostUnreachableFromTheStartConnectsWhenItComesUp) {
  hypervisor_.setReachable("h1", false);
  connect("h1");
  EXPECT_EQ(hypervisor_.hostStatus("h1")->reachability, HostReachability::Unreachable);
  EXPECT_FALSE(hypervisor_.hostStatus("h1")->lastError.empty());
  hypervisor_.setReachable("h1", true);
  EXPECT_EQ(seen("h1"), (std::vector<Seen>{{EventKind::HostConnected, ""}}));
}

TEST_F(MemoryHypervisorTest, ExistingDomainsAreAdoptedOnConnectAndAfterReconnect) {
  ASSERT_TRUE(
      hypervisor_.addExistingDomain("h1", spec("i-left"), DomainState::Running).has_value());
  ASSERT_TRUE(
      hypervisor_.addExistingDomain("h1", spec("i-stopped"), DomainState::ShutOff).has_value());
  EXPECT_EQ(hypervisor_.addExistingDomain("h1", spec("i-left"), DomainState::Running).error().kind,
            ErrorKind::Conflict);
  connect("h1");
  ASSERT_TRUE(hypervisor_.disconnectHost("h1").has_value());
  connect("h1");  // a new connection, as after a server restart: HostConnected again
  const std::vector<Seen> once{{EventKind::HostConnected, ""},
                               {EventKind::InstanceAdopted, "i-left"},
                               {EventKind::InstanceAdopted, "i-stopped"}};
  std::vector<Seen> twice = once;
  twice.insert(twice.end(), once.begin(), once.end());
  EXPECT_EQ(seen("h1"), twice);
  EXPECT_EQ(hypervisor_.hostResources("h1")->activeDomains, 1u);
}

TEST_F(MemoryHypervisorTest, FailNextProvisionFailsOnceAndLeavesNothing) {
  connect("h1");
  hypervisor_.failNextProvision(
      "h1", Error{ErrorKind::Internal, "domain_start_failed", "start domain: boom"});
  auto invalid = spec("i-1");
  invalid.vcpus = 0;
  EXPECT_EQ(hypervisor_.provision("h1", invalid).error().code, "invalid_domain_spec")
      << "validation comes first";
  auto failed = hypervisor_.provision("h1", spec("i-1"));
  ASSERT_FALSE(failed.has_value());
  EXPECT_EQ(failed.error().code, "domain_start_failed");
  EXPECT_TRUE(hypervisor_.listInstances("h1")->empty());
  ASSERT_TRUE(hypervisor_.provision("h1", spec("i-1")).has_value()) << "only the next one fails";
  EXPECT_EQ(seen("h1"),
            (std::vector<Seen>{{EventKind::HostConnected, ""}, {EventKind::DomainStarted, "i-1"}}));
}

TEST_F(MemoryHypervisorTest, ProvisionOnANetworkTheHostLacksFailsAsQemuWould) {
  connect("h1");
  auto s = spec("i-1");
  s.networks = {"dmz"};
  auto refused = hypervisor_.provision("h1", s);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().kind, ErrorKind::NotFound);
  EXPECT_TRUE(hypervisor_.listInstances("h1")->empty());
  ASSERT_TRUE(hypervisor_.ensureNetwork("h1", testing::validNetworkSpec()).has_value());
  EXPECT_TRUE(hypervisor_.provision("h1", s).has_value());
}

TEST_F(MemoryHypervisorTest, ConsoleTailReturnsTheLastBytesOfWhatTheTestWrote) {
  connect("h1");
  ASSERT_TRUE(hypervisor_.provision("h1", spec("i-1")).has_value());
  ASSERT_TRUE(hypervisor_.setConsole("h1", "i-1", "booting\nready on port 8080\n").has_value());
  EXPECT_EQ(hypervisor_.consoleLogTail("h1", "i-1", 19).value(), "ready on port 8080\n");
  EXPECT_EQ(hypervisor_.consoleLogTail("h1", "i-1", 1000).value(), "booting\nready on port 8080\n");
  EXPECT_EQ(hypervisor_.setConsole("h1", "i-2", "x").error().kind, ErrorKind::NotFound);
}

TEST_F(MemoryHypervisorTest, CapacityIsDefaultedOrSetPerHost) {
  MemoryHypervisor small(clock_, {.defaultCpus = 4, .defaultMemoryMiB = 4096});
  small.setHostCapacity("big", 64, 262'144);
  ASSERT_TRUE(small.connectHost({"h1", "memory://h1", Acceleration::Kvm, "/srv"}).has_value());
  ASSERT_TRUE(small.connectHost({"big", "memory://big", Acceleration::Kvm, "/srv"}).has_value());
  EXPECT_EQ(small.hostResources("h1")->cpus, 4u);
  EXPECT_EQ(small.hostResources("h1")->memoryMiB, 4096u);
  EXPECT_EQ(small.hostResources("big")->cpus, 64u);
  EXPECT_EQ(small.hostResources("big")->memoryMiB, 262'144u);
}

TEST_F(MemoryHypervisorTest, CountsEveryCallWhateverItsOutcome) {
  connect("h1");
  ASSERT_TRUE(hypervisor_.provision("h1", spec("i-1")).has_value());
  EXPECT_FALSE(hypervisor_.provision("h1", spec("i-1")).has_value());
  ASSERT_TRUE(hypervisor_.destroy("h1", "i-1").has_value());
  (void)hypervisor_.listInstances("h1");
  (void)hypervisor_.hostResources("h1");
  const auto calls = hypervisor_.calls();
  EXPECT_EQ(calls.provision, 2u);
  EXPECT_EQ(calls.destroy, 1u);
  EXPECT_EQ(calls.listInstances, 1u);
  EXPECT_EQ(calls.hostResources, 1u);
  EXPECT_EQ(calls.ensureNetwork, 0u);
}

TEST_F(MemoryHypervisorTest, HandlerMayCallBackIntoTheHypervisorAndAwaitIdle) {
  connect("h1");
  std::vector<std::size_t> listedSizes;
  auto id = hypervisor_.subscribe([&](const Event& e) {
    if (e.kind != EventKind::DomainStarted) return;
    listedSizes.push_back(hypervisor_.listInstances("h1")->size());
    hypervisor_.awaitIdle();  // from the dispatch thread: returns at once
  });
  ASSERT_TRUE(id.has_value());
  ASSERT_TRUE(hypervisor_.provision("h1", spec("i-1")).has_value());
  hypervisor_.awaitIdle();
  EXPECT_EQ(listedSizes, std::vector<std::size_t>{1});
  ASSERT_TRUE(hypervisor_.unsubscribe(*id).has_value());
}

}  // namespace
}  // namespace stele::hypervisor
