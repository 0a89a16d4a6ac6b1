// LibvirtHypervisor against libvirt's test driver, opened on host XMLs of our own
// (tests/hypervisor/hosts/*.xml). Each test opens its own connection: the driver's state lives
// in the connection, so nothing leaks between tests (never the shared test:///default).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/clock.h"
#include "hypervisor/libvirt_hypervisor.h"
#include "tests/hypervisor/event_recorder.h"
#include "tests/hypervisor/scratch_dir.h"
#include "tests/hypervisor/test_specs.h"
#include "tests/support/value_of.h"

using stele::testing::valueOf;

namespace stele::hypervisor {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::EventRecorder;
using testing::ScratchDir;

std::string hostUri(const std::string& name) {
  return "test://" + std::string(STELE_SOURCE_DIR) + "/tests/hypervisor/hosts/" + name + ".xml";
}

class TestDriverHypervisor : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(scratch_.path().empty());
    blobs_ = scratch_.path() + "/blobs";
    instances_ = scratch_.path() + "/instances";
    fs::create_directories(blobs_);
    std::ofstream(blobs_ + "/kernel") << "not really a kernel";
    std::ofstream(blobs_ + "/initrd") << "not really an initrd";
    ASSERT_TRUE(hypervisor_.subscribe(events_.handler()).has_value());
  }

  void connect(const std::string& host, const std::string& hostXml) {
    ASSERT_TRUE(hypervisor_.connectHost({host, hostUri(hostXml), Acceleration::Qemu, instances_})
                    .has_value());
    auto reachable = hypervisor_.awaitReachable(host, 10s);
    ASSERT_TRUE(reachable.has_value()) << reachable.error().message;
  }

  DomainSpec spec(const std::string& instance) {
    auto spec = testing::validDomainSpec(instance);
    spec.kernelPath = blobs_ + "/kernel";
    spec.initrdPath = blobs_ + "/initrd";
    spec.config = "role=web\n";
    spec.memoryMiB = 256;
    spec.vcpus = 1;
    return spec;
  }

  ManualClock clock_{1'700'000'000};
  ScratchDir scratch_;
  std::string blobs_;
  std::string instances_;
  EventRecorder events_;
  LibvirtHypervisor hypervisor_{clock_, LibvirtHypervisorOptions{.backstopInterval = 500ms}};
};

TEST_F(TestDriverHypervisor, ProvisionDefinesAndStartsADomainCarryingSteleMetadata) {
  connect("small", "small");
  auto instance = hypervisor_.provision("small", spec("i-1"));
  ASSERT_TRUE(instance.has_value()) << instance.error().message;
  EXPECT_EQ(instance->state, DomainState::Running);

  auto listed = hypervisor_.listInstances("small");
  ASSERT_TRUE(listed.has_value()) << listed.error().message;
  ASSERT_EQ(listed->size(), 1u);
  const auto& s = spec("i-1");
  EXPECT_EQ(listed->front().metadata,
            (InstanceMetadata{s.instanceId, s.deployment, s.revision, s.imageDigest}));
  EXPECT_EQ(listed->front().domainName, s.name);
  EXPECT_EQ(hypervisor_.instanceState("small", "i-1").value(), DomainState::Running);
}

TEST_F(TestDriverHypervisor, ProvisionCopiesKernelInitrdAndWritesConfigPerInstance) {
  connect("small", "small");
  ASSERT_TRUE(hypervisor_.provision("small", spec("i-1")).has_value());
  const std::string dir = instances_ + "/i-1";
  EXPECT_TRUE(fs::is_regular_file(dir + "/kernel"));
  EXPECT_TRUE(fs::is_regular_file(dir + "/initrd"));
  EXPECT_TRUE(fs::is_regular_file(dir + "/console.log"));
  std::ifstream config(dir + "/config");
  std::string text((std::istreambuf_iterator<char>(config)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "role=web\n");
  auto perms = fs::status(dir + "/kernel").permissions();
  EXPECT_NE(perms & fs::perms::others_read, fs::perms::none)
      << "QEMU's user must be able to read the kernel";
  EXPECT_NE(fs::status(dir + "/kernel").type(), fs::file_type::symlink);
}

TEST_F(TestDriverHypervisor, DestroyRemovesDomainAndEveryPerInstanceFile) {
  connect("small", "small");
  ASSERT_TRUE(hypervisor_.provision("small", spec("i-1")).has_value());
  auto destroyed = hypervisor_.destroy("small", "i-1");
  ASSERT_TRUE(destroyed.has_value()) << destroyed.error().message;
  EXPECT_TRUE(valueOf(hypervisor_.listInstances("small")).empty());
  EXPECT_FALSE(fs::exists(instances_ + "/i-1"));
  EXPECT_EQ(hypervisor_.instanceState("small", "i-1").error().kind, ErrorKind::NotFound);
}

TEST_F(TestDriverHypervisor, DestroyOfUnknownInstanceIsNotFound) {
  connect("small", "small");
  auto destroyed = hypervisor_.destroy("small", "i-nope");
  ASSERT_FALSE(destroyed.has_value());
  EXPECT_EQ(destroyed.error().kind, ErrorKind::NotFound);
}

TEST_F(TestDriverHypervisor, SecondProvisionOfSameInstanceOrNameIsConflict) {
  connect("small", "small");
  ASSERT_TRUE(hypervisor_.provision("small", spec("i-1")).has_value());
  auto again = hypervisor_.provision("small", spec("i-1"));
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().kind, ErrorKind::Conflict);
  auto sameId = spec("i-1");
  sameId.name = "another-name";
  EXPECT_EQ(hypervisor_.provision("small", sameId).error().code, "instance_exists");
  EXPECT_TRUE(fs::exists(instances_ + "/i-1/kernel"))
      << "a refused provision must not touch the running one's files";
}

TEST_F(TestDriverHypervisor, MissingKernelBlobFailsWithoutLeavingDomainOrFiles) {
  connect("small", "small");
  auto s = spec("i-1");
  s.kernelPath = blobs_ + "/absent";
  auto result = hypervisor_.provision("small", s);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().kind, ErrorKind::NotFound);
  EXPECT_TRUE(valueOf(hypervisor_.listInstances("small")).empty());
  EXPECT_FALSE(fs::exists(instances_ + "/i-1"));
}

TEST_F(TestDriverHypervisor, HostileSpecIsRejectedBeforeTouchingHost) {
  connect("small", "small");
  auto s = spec("i-1");
  s.cmdline = "console=ttyS0\n<evil/>";
  auto result = hypervisor_.provision("small", s);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().kind, ErrorKind::InvalidArgument);
  EXPECT_FALSE(fs::exists(instances_ + "/i-1"));
  EXPECT_EQ(hypervisor_.consoleLogTail("small", "../etc", 10).error().kind,
            ErrorKind::InvalidArgument);
}

TEST_F(TestDriverHypervisor, SubscriberReceivesStartedAndStoppedEvents) {
  connect("small", "small");
  ASSERT_TRUE(hypervisor_.provision("small", spec("i-1")).has_value());
  auto started = events_.waitFor(EventKind::DomainStarted, "i-1", 10s);
  ASSERT_TRUE(started.has_value());
  EXPECT_EQ(valueOf(started).host, "small");
  EXPECT_EQ(valueOf(started).domainName, "web-i-1");
  EXPECT_EQ(valueOf(started).atUnix, 1'700'000'000);
  EXPECT_FALSE(valueOf(started).fromBackstop);
  ASSERT_TRUE(hypervisor_.destroy("small", "i-1").has_value());
  auto stopped = events_.waitFor(EventKind::DomainStopped, "i-1", 10s);
  ASSERT_TRUE(stopped.has_value());
  EXPECT_FALSE(valueOf(stopped).fromBackstop);
}

TEST_F(TestDriverHypervisor, UnsubscribedHandlerIsNotCalledAgain) {
  EventRecorder second;
  auto id = hypervisor_.subscribe(second.handler());
  ASSERT_TRUE(id.has_value());
  ASSERT_TRUE(hypervisor_.unsubscribe(*id).has_value());
  connect("small", "small");
  ASSERT_TRUE(hypervisor_.provision("small", spec("i-1")).has_value());
  ASSERT_TRUE(events_.waitFor(EventKind::DomainStarted, "i-1", 10s).has_value());
  EXPECT_TRUE(second.snapshot().empty());
  EXPECT_EQ(hypervisor_.unsubscribe(*id).error().kind, ErrorKind::NotFound);
}

TEST_F(TestDriverHypervisor, ReportsEachHostsCapacityAndAllocation) {
  connect("small", "small");
  connect("large", "large");
  auto small = hypervisor_.hostResources("small");
  auto large = hypervisor_.hostResources("large");
  ASSERT_TRUE(small.has_value() && large.has_value());
  EXPECT_EQ(small->cpus, 2u);
  EXPECT_EQ(small->memoryMiB, 2048u);
  EXPECT_EQ(large->cpus, 16u);
  EXPECT_EQ(large->memoryMiB, 65536u);
  EXPECT_EQ(small->allocatedVcpus, 0u);

  auto s = spec("i-1");
  s.vcpus = 2;
  s.memoryMiB = 512;
  ASSERT_TRUE(hypervisor_.provision("small", s).has_value());
  auto after = hypervisor_.hostResources("small");
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->allocatedVcpus, 2u);
  EXPECT_EQ(after->allocatedMemoryMiB, 512u);
  EXPECT_EQ(after->activeDomains, 1u);
  EXPECT_EQ(valueOf(hypervisor_.hostResources("large")).activeDomains, 0u)
      << "hosts must not share state";
}

TEST_F(TestDriverHypervisor, NewHypervisorAdoptsSteleDomainsAlreadyOnHost) {
  connect("adopt", "adopt");
  auto listed = hypervisor_.listInstances("adopt");
  ASSERT_TRUE(listed.has_value());
  ASSERT_EQ(listed->size(), 2u) << "not-ours has no Stele metadata and must be left out";
  std::map<std::string, DomainState> states;
  for (const auto& i : *listed) states[i.metadata.instanceId] = i.state;
  EXPECT_EQ(states["i-left"], DomainState::Running);
  EXPECT_EQ(states["i-stopped"], DomainState::ShutOff);
  EXPECT_TRUE(events_.waitFor(EventKind::InstanceAdopted, "i-left", 10s).has_value());
  EXPECT_TRUE(events_.waitFor(EventKind::InstanceAdopted, "i-stopped", 10s).has_value());
  EXPECT_TRUE(events_
                  .waitFor(
                      [](const Event& e) {
                        return e.kind == EventKind::HostConnected && e.host == "adopt";
                      },
                      10s)
                  .has_value());

  // The adopted instance can be destroyed like one we provisioned (its files never existed).
  ASSERT_TRUE(hypervisor_.destroy("adopt", "i-left").has_value());
  EXPECT_EQ(valueOf(hypervisor_.listInstances("adopt")).size(), 1u);
  EXPECT_EQ(valueOf(hypervisor_.hostResources("adopt")).activeDomains, 1u)
      << "not-ours keeps running";
}

TEST_F(TestDriverHypervisor, EnsureNetworkIsIdempotentAndRefusesRespecWhileInUse) {
  connect("small", "small");
  NetworkSpec dmz = testing::validNetworkSpec();
  ASSERT_TRUE(hypervisor_.ensureNetwork("small", dmz).has_value());
  ASSERT_TRUE(hypervisor_.ensureNetwork("small", dmz).has_value()) << "same spec again is a no-op";

  auto s = spec("i-1");
  s.networks = {dmz.name};
  ASSERT_TRUE(hypervisor_.provision("small", s).has_value());
  NetworkSpec changed = dmz;
  valueOf(changed.hostAddress).prefix = 16;
  auto refused = hypervisor_.ensureNetwork("small", changed);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().kind, ErrorKind::Conflict);
  EXPECT_EQ(refused.error().code, "network_spec_conflict");
  EXPECT_EQ(hypervisor_.removeNetwork("small", dmz.name).error().code, "network_in_use");

  ASSERT_TRUE(hypervisor_.destroy("small", "i-1").has_value());
  auto replaced = hypervisor_.ensureNetwork("small", changed);
  ASSERT_TRUE(replaced.has_value()) << replaced.error().message;
  ASSERT_TRUE(hypervisor_.removeNetwork("small", dmz.name).has_value());
  EXPECT_EQ(hypervisor_.removeNetwork("small", dmz.name).error().kind, ErrorKind::NotFound);
}

TEST_F(TestDriverHypervisor, ConsoleLogTailReturnsTheLastBytesOfTheInstanceLog) {
  connect("small", "small");
  ASSERT_TRUE(hypervisor_.provision("small", spec("i-1")).has_value());
  EXPECT_EQ(hypervisor_.consoleLogTail("small", "i-1", 100).value(), "");
  std::ofstream(instances_ + "/i-1/console.log") << "booting\nready on port 8080\n";
  EXPECT_EQ(hypervisor_.consoleLogTail("small", "i-1", 19).value(), "ready on port 8080\n");
}

TEST_F(TestDriverHypervisor, UnreachableHostReportsLibvirtsReasonAndRefusesWork) {
  ASSERT_TRUE(
      hypervisor_
          .connectHost({"gone", "test:///nonexistent/host.xml", Acceleration::Qemu, instances_})
          .has_value());
  auto reachable = hypervisor_.awaitReachable("gone", 1500ms);
  ASSERT_FALSE(reachable.has_value());
  EXPECT_EQ(reachable.error().kind, ErrorKind::Unavailable);
  auto status = hypervisor_.hostStatus("gone");
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->reachability, HostReachability::Unreachable);
  EXPECT_NE(status->lastError.find("/nonexistent/host.xml"), std::string::npos)
      << status->lastError;
  auto provisioned = hypervisor_.provision("gone", spec("i-1"));
  ASSERT_FALSE(provisioned.has_value());
  EXPECT_EQ(provisioned.error().kind, ErrorKind::Unavailable);
  EXPECT_EQ(hypervisor_.connectHost({"gone", hostUri("small"), Acceleration::Qemu, instances_})
                .error()
                .kind,
            ErrorKind::Conflict);
  EXPECT_EQ(hypervisor_.hostStatus("nobody").error().kind, ErrorKind::NotFound);
}

TEST_F(TestDriverHypervisor, DisconnectedHostIsForgotten) {
  connect("small", "small");
  ASSERT_TRUE(hypervisor_.disconnectHost("small").has_value());
  EXPECT_EQ(hypervisor_.listInstances("small").error().kind, ErrorKind::NotFound);
  EXPECT_TRUE(valueOf(hypervisor_.hosts()).empty());
}

}  // namespace
}  // namespace stele::hypervisor
