// The Hypervisor contract, run against every implementation: MemoryHypervisor and
// LibvirtHypervisor on libvirt's test driver (our own host XMLs, one fresh connection per test).
// A case belongs here when both must agree; libvirt-only behaviour (files, adoption from XML,
// connection failures) stays in test_driver_test.cc, memory-only controls in
// memory_hypervisor_test.cc.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>

#include "common/clock.h"
#include "hypervisor/libvirt_hypervisor.h"
#include "hypervisor/memory_hypervisor.h"
#include "tests/hypervisor/event_recorder.h"
#include "tests/hypervisor/scratch_dir.h"
#include "tests/hypervisor/test_driver_host.h"
#include "tests/hypervisor/test_specs.h"

namespace stele::hypervisor {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::EventRecorder;
using testing::hostXmlPath;
using testing::ScratchDir;

// The integer between <tag> and </tag> in a host XML: the memory hypervisor gets the same
// capacity as the test driver reads from the same file.
std::uint64_t hostXmlNumber(const std::string& name, const std::string& tag) {
  std::ifstream in(hostXmlPath(name));
  std::stringstream text;
  text << in.rdbuf();
  const std::string xml = text.str();
  const auto start = xml.find("<" + tag + ">");
  if (start == std::string::npos) return 0;
  return std::stoull(xml.substr(start + tag.size() + 2));
}

struct Implementation {
  std::string name;
  // Makes the hypervisor and a function that readies a host named like its XML before connectHost.
  std::function<std::pair<std::unique_ptr<Hypervisor>, std::function<void(const std::string&)>>(
      const Clock&)>
      make;
};

std::string implementationName(const ::testing::TestParamInfo<Implementation>& info) {
  return info.param.name;
}

const Implementation kMemory{
    "Memory", [](const Clock& clock) {
      auto hypervisor = std::make_unique<MemoryHypervisor>(clock);
      MemoryHypervisor* raw = hypervisor.get();
      auto prepare = [raw](const std::string& host) {
        raw->setHostCapacity(host, static_cast<unsigned>(hostXmlNumber(host, "active")),
                             hostXmlNumber(host, "memory") / 1024);
      };
      return std::make_pair(std::unique_ptr<Hypervisor>(std::move(hypervisor)),
                            std::function<void(const std::string&)>(prepare));
    }};

const Implementation kLibvirtTestDriver{
    "LibvirtTestDriver", [](const Clock& clock) {
      auto hypervisor = std::make_unique<LibvirtHypervisor>(
          clock, LibvirtHypervisorOptions{.backstopInterval = 500ms});
      return std::make_pair(std::unique_ptr<Hypervisor>(std::move(hypervisor)),
                            std::function<void(const std::string&)>([](const std::string&) {}));
    }};

class HypervisorContract : public ::testing::TestWithParam<Implementation> {
 protected:
  void SetUp() override {
    ASSERT_FALSE(scratch_.path().empty());
    const auto dirs = testing::writeFakeBlobs(scratch_.path());
    blobs_ = dirs.blobs;
    instances_ = dirs.instances;
    std::tie(hypervisor_, prepareHost_) = GetParam().make(clock_);
    ASSERT_TRUE(hypervisor_->subscribe(events_.handler()).has_value());
  }

  void TearDown() override { hypervisor_.reset(); }  // before the recorder it delivers to

  // Connects host `name`, modelled on tests/hypervisor/hosts/NAME.xml.
  void connect(const std::string& name) {
    prepareHost_(name);
    auto connected =
        hypervisor_->connectHost({name, testing::hostUri(name), Acceleration::Qemu, instances_});
    ASSERT_TRUE(connected.has_value()) << connected.error().message;
    auto reachable = hypervisor_->awaitReachable(name, 10s);
    ASSERT_TRUE(reachable.has_value()) << reachable.error().message;
  }

  DomainSpec spec(const std::string& instance) {
    return testing::specBootingFakeBlobs(instance, {blobs_, instances_});
  }

  std::optional<Event> waitFor(EventKind kind, const std::string& instance) {
    return events_.waitFor(kind, instance, 10s);
  }

  ManualClock clock_{1'700'000'000};
  ScratchDir scratch_;
  std::string blobs_;
  std::string instances_;
  EventRecorder events_;
  std::unique_ptr<Hypervisor> hypervisor_;
  std::function<void(const std::string&)> prepareHost_;
};

TEST_P(HypervisorContract, ProvisionedInstanceIsListedRunningWithItsMetadata) {
  connect("small");
  const DomainSpec s = spec("i-1");
  auto instance = hypervisor_->provision("small", s);
  ASSERT_TRUE(instance.has_value()) << instance.error().message;
  const InstanceMetadata metadata{s.instanceId, s.deployment, s.revision, s.imageDigest};
  EXPECT_EQ(instance->state, DomainState::Running);
  EXPECT_EQ(instance->metadata, metadata);
  EXPECT_EQ(instance->domainName, s.name);

  auto listed = hypervisor_->listInstances("small");
  ASSERT_TRUE(listed.has_value()) << listed.error().message;
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().metadata, metadata);
  EXPECT_EQ(listed->front().domainName, s.name);
  EXPECT_EQ(listed->front().state, DomainState::Running);
  EXPECT_EQ(hypervisor_->instanceState("small", "i-1").value(), DomainState::Running);
}

TEST_P(HypervisorContract, SecondProvisionOfSameInstanceIdOrDomainNameIsConflict) {
  connect("small");
  ASSERT_TRUE(hypervisor_->provision("small", spec("i-1")).has_value());
  auto sameName = spec("i-2");
  sameName.name = spec("i-1").name;
  EXPECT_EQ(hypervisor_->provision("small", sameName).error().code, "domain_exists");
  auto sameId = spec("i-1");
  sameId.name = "another-name";
  auto refused = hypervisor_->provision("small", sameId);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().kind, ErrorKind::Conflict);
  EXPECT_EQ(refused.error().code, "instance_exists");
  EXPECT_EQ(hypervisor_->listInstances("small")->size(), 1u);
  EXPECT_EQ(hypervisor_->instanceState("small", "i-1").value(), DomainState::Running);
}

TEST_P(HypervisorContract, InvalidSpecIsRefusedAndLeavesNothing) {
  connect("small");
  std::vector<DomainSpec> invalid(4, spec("i-1"));
  invalid[0].cmdline = "console=ttyS0\n<evil/>";
  invalid[1].memoryMiB = 0;
  invalid[2].imageDigest = "sha256:short";
  invalid[3].networks = {"dmz", "dmz"};
  for (const auto& s : invalid) {
    auto result = hypervisor_->provision("small", s);
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().kind, ErrorKind::InvalidArgument);
    EXPECT_EQ(result.error().code, "invalid_domain_spec");
  }
  EXPECT_TRUE(hypervisor_->listInstances("small")->empty());
  EXPECT_EQ(hypervisor_->hostResources("small")->activeDomains, 0u);
  EXPECT_EQ(hypervisor_->instanceState("small", "i-1").error().kind, ErrorKind::NotFound);
}

TEST_P(HypervisorContract, InvalidInstanceIdIsRefusedByEveryInstanceCall) {
  connect("small");
  EXPECT_EQ(hypervisor_->destroy("small", "../etc").error().code, "invalid_instance_id");
  EXPECT_EQ(hypervisor_->instanceState("small", "../etc").error().code, "invalid_instance_id");
  EXPECT_EQ(hypervisor_->consoleLogTail("small", "../etc", 10).error().kind,
            ErrorKind::InvalidArgument);
}

TEST_P(HypervisorContract, DestroyRemovesTheInstanceAndASecondDestroyIsNotFound) {
  connect("small");
  ASSERT_TRUE(hypervisor_->provision("small", spec("i-1")).has_value());
  auto destroyed = hypervisor_->destroy("small", "i-1");
  ASSERT_TRUE(destroyed.has_value()) << destroyed.error().message;
  EXPECT_TRUE(hypervisor_->listInstances("small")->empty());
  EXPECT_EQ(hypervisor_->instanceState("small", "i-1").error().code, "instance_not_found");
  auto again = hypervisor_->destroy("small", "i-1");
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().kind, ErrorKind::NotFound);
  EXPECT_EQ(hypervisor_->consoleLogTail("small", "i-1", 10).value(), "") << "no log once gone";
}

TEST_P(HypervisorContract, SubscribersGetHostConnectedThenStartedThenStopped) {
  connect("small");
  ASSERT_TRUE(hypervisor_->provision("small", spec("i-1")).has_value());
  auto started = waitFor(EventKind::DomainStarted, "i-1");
  ASSERT_TRUE(started.has_value());
  EXPECT_EQ(started->host, "small");
  EXPECT_EQ(started->domainName, "web-i-1");
  EXPECT_EQ(started->atUnix, 1'700'000'000) << "stamped by the injected clock";
  EXPECT_FALSE(started->fromBackstop);
  ASSERT_TRUE(hypervisor_->destroy("small", "i-1").has_value());
  auto stopped = waitFor(EventKind::DomainStopped, "i-1");
  ASSERT_TRUE(stopped.has_value());
  EXPECT_FALSE(stopped->fromBackstop);

  std::vector<EventKind> kinds;
  for (const auto& e : events_.snapshot()) {
    if (e.host == "small") kinds.push_back(e.kind);
  }
  EXPECT_EQ(kinds, (std::vector<EventKind>{EventKind::HostConnected, EventKind::DomainStarted,
                                           EventKind::DomainStopped}));
}

TEST_P(HypervisorContract, UnsubscribedHandlerIsNotCalledAgain) {
  EventRecorder second;
  auto id = hypervisor_->subscribe(second.handler());
  ASSERT_TRUE(id.has_value());
  ASSERT_TRUE(hypervisor_->unsubscribe(*id).has_value());
  connect("small");
  ASSERT_TRUE(hypervisor_->provision("small", spec("i-1")).has_value());
  ASSERT_TRUE(waitFor(EventKind::DomainStarted, "i-1").has_value());
  EXPECT_TRUE(second.snapshot().empty());
  EXPECT_EQ(hypervisor_->unsubscribe(*id).error().kind, ErrorKind::NotFound);
  EXPECT_EQ(hypervisor_->subscribe(EventHandler{}).error().kind, ErrorKind::InvalidArgument);
}

TEST_P(HypervisorContract, EnsureNetworkIsIdempotentConflictsWhileInUseAndIsReplacedOnceUnused) {
  connect("small");
  NetworkSpec dmz = testing::validNetworkSpec();
  ASSERT_TRUE(hypervisor_->ensureNetwork("small", dmz).has_value());
  ASSERT_TRUE(hypervisor_->ensureNetwork("small", dmz).has_value()) << "same spec again is a no-op";

  auto s = spec("i-1");
  s.networks = {dmz.name};
  ASSERT_TRUE(hypervisor_->provision("small", s).has_value());
  ASSERT_TRUE(hypervisor_->ensureNetwork("small", dmz).has_value())
      << "same spec is fine while in use";
  NetworkSpec changed = dmz;
  changed.hostAddress->prefix = 16;
  auto refused = hypervisor_->ensureNetwork("small", changed);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().kind, ErrorKind::Conflict);
  EXPECT_EQ(refused.error().code, "network_spec_conflict");

  ASSERT_TRUE(hypervisor_->destroy("small", "i-1").has_value());
  auto replaced = hypervisor_->ensureNetwork("small", changed);
  ASSERT_TRUE(replaced.has_value()) << replaced.error().message;
  NetworkSpec badBridge = dmz;
  badBridge.bridge = "a bridge name far too long";
  EXPECT_EQ(hypervisor_->ensureNetwork("small", badBridge).error().code, "invalid_network_spec");
}

TEST_P(HypervisorContract, RemoveNetworkIsConflictWhileInUseAndNotFoundOnceGone) {
  connect("small");
  NetworkSpec dmz = testing::validNetworkSpec();
  EXPECT_EQ(hypervisor_->removeNetwork("small", dmz.name).error().kind, ErrorKind::NotFound);
  ASSERT_TRUE(hypervisor_->ensureNetwork("small", dmz).has_value());
  auto s = spec("i-1");
  s.networks = {dmz.name};
  ASSERT_TRUE(hypervisor_->provision("small", s).has_value());
  auto inUse = hypervisor_->removeNetwork("small", dmz.name);
  ASSERT_FALSE(inUse.has_value());
  EXPECT_EQ(inUse.error().kind, ErrorKind::Conflict);
  EXPECT_EQ(inUse.error().code, "network_in_use");
  ASSERT_TRUE(hypervisor_->destroy("small", "i-1").has_value());
  ASSERT_TRUE(hypervisor_->removeNetwork("small", dmz.name).has_value());
  EXPECT_EQ(hypervisor_->removeNetwork("small", dmz.name).error().kind, ErrorKind::NotFound);
  EXPECT_EQ(hypervisor_->removeNetwork("small", "../x").error().kind, ErrorKind::InvalidArgument);
}

TEST_P(HypervisorContract, HostResourcesCountCapacityAndActiveDomainsPerHost) {
  connect("small");
  connect("large");
  auto small = hypervisor_->hostResources("small");
  auto large = hypervisor_->hostResources("large");
  ASSERT_TRUE(small.has_value() && large.has_value());
  EXPECT_EQ(small->cpus, 2u);
  EXPECT_EQ(small->memoryMiB, 2048u);
  EXPECT_EQ(large->cpus, 16u);
  EXPECT_EQ(large->memoryMiB, 65536u);
  EXPECT_EQ(small->allocatedVcpus, 0u);

  auto s = spec("i-1");
  s.vcpus = 2;
  s.memoryMiB = 512;
  ASSERT_TRUE(hypervisor_->provision("small", s).has_value());
  ASSERT_TRUE(hypervisor_->provision("small", spec("i-2")).has_value());
  auto after = hypervisor_->hostResources("small");
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->allocatedVcpus, 3u);
  EXPECT_EQ(after->allocatedMemoryMiB, 768u);
  EXPECT_EQ(after->activeDomains, 2u);
  EXPECT_EQ(hypervisor_->hostResources("large")->activeDomains, 0u) << "hosts must not share state";
  ASSERT_TRUE(hypervisor_->destroy("small", "i-1").has_value());
  EXPECT_EQ(hypervisor_->hostResources("small")->allocatedMemoryMiB, 256u);
}

TEST_P(HypervisorContract, UnknownHostIsNotFoundForEveryCall) {
  const std::string nobody = "nobody";
  auto expectNotFound = [](const auto& result, const char* call) {
    ASSERT_FALSE(result.has_value()) << call;
    EXPECT_EQ(result.error().kind, ErrorKind::NotFound) << call;
    EXPECT_EQ(result.error().code, "host_not_found") << call;
  };
  expectNotFound(hypervisor_->hostStatus(nobody), "hostStatus");
  expectNotFound(hypervisor_->hostResources(nobody), "hostResources");
  expectNotFound(hypervisor_->provision(nobody, spec("i-1")), "provision");
  expectNotFound(hypervisor_->destroy(nobody, "i-1"), "destroy");
  expectNotFound(hypervisor_->listInstances(nobody), "listInstances");
  expectNotFound(hypervisor_->instanceState(nobody, "i-1"), "instanceState");
  expectNotFound(hypervisor_->consoleLogTail(nobody, "i-1", 10), "consoleLogTail");
  expectNotFound(hypervisor_->ensureNetwork(nobody, testing::validNetworkSpec()), "ensureNetwork");
  expectNotFound(hypervisor_->removeNetwork(nobody, "dmz"), "removeNetwork");
  expectNotFound(hypervisor_->disconnectHost(nobody), "disconnectHost");
  expectNotFound(hypervisor_->awaitReachable(nobody, 10ms), "awaitReachable");
}

TEST_P(HypervisorContract, HostIsRegisteredOnceAndForgottenOnDisconnect) {
  connect("small");
  auto status = hypervisor_->hostStatus("small");
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->reachability, HostReachability::Reachable);
  EXPECT_EQ(
      hypervisor_->connectHost({"small", testing::hostUri("small"), Acceleration::Qemu, instances_})
          .error()
          .code,
      "host_exists");
  EXPECT_EQ(hypervisor_->connectHost({"bad id", "test:///x.xml", Acceleration::Qemu, instances_})
                .error()
                .code,
            "invalid_host");
  EXPECT_EQ(hypervisor_->hosts()->size(), 1u);
  ASSERT_TRUE(hypervisor_->disconnectHost("small").has_value());
  EXPECT_EQ(hypervisor_->listInstances("small").error().kind, ErrorKind::NotFound);
  EXPECT_TRUE(hypervisor_->hosts()->empty());
}

TEST_P(HypervisorContract, ConsoleLogOfAFreshInstanceIsEmpty) {
  connect("small");
  ASSERT_TRUE(hypervisor_->provision("small", spec("i-1")).has_value());
  EXPECT_EQ(hypervisor_->consoleLogTail("small", "i-1", 100).value(), "");
}

INSTANTIATE_TEST_SUITE_P(Implementations, HypervisorContract,
                         ::testing::Values(kMemory, kLibvirtTestDriver), implementationName);

}  // namespace
}  // namespace stele::hypervisor
