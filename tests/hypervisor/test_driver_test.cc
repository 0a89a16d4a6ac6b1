// LibvirtHypervisor against libvirt's test driver, opened on host XMLs of our own
// (tests/hypervisor/hosts/*.xml). Each test opens its own connection: the driver's state lives
// in the connection, so nothing leaks between tests (never the shared test:///default).
// What every Hypervisor must do is in hypervisor_contract_test.cc; here only what is libvirt's
// own: per-instance files, adoption of domains in the host XML, connection failures.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>

#include "common/clock.h"
#include "common/sha256.h"
#include "hypervisor/libvirt_hypervisor.h"
#include "tests/hypervisor/event_recorder.h"
#include "tests/hypervisor/scratch_dir.h"
#include "tests/hypervisor/test_driver_host.h"
#include "tests/hypervisor/test_specs.h"
#include "tests/support/value_of.h"

using stele::testing::valueOf;

namespace stele::hypervisor {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::EventRecorder;
using testing::hostUri;
using testing::ScratchDir;

class TestDriverHypervisor : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(scratch_.path().empty());
    const auto dirs = testing::writeFakeBlobs(scratch_.path());
    blobs_ = dirs.blobs;
    instances_ = dirs.instances;
    ASSERT_TRUE(hypervisor_.subscribe(events_.handler()).has_value());
  }

  void connect(const std::string& host, const std::string& hostXml) {
    ASSERT_TRUE(hypervisor_.connectHost({host, hostUri(hostXml), Acceleration::Qemu, instances_})
                    .has_value());
    auto reachable = hypervisor_.awaitReachable(host, 10s);
    ASSERT_TRUE(reachable.has_value()) << reachable.error().message;
  }

  DomainSpec spec(const std::string& instance) {
    return testing::specBootingFakeBlobs(instance, {blobs_, instances_});
  }

  // Provisions `s` on "small", expects it refused as invalid with nothing written for it,
  // and returns the error.
  Error provisionRejected(const DomainSpec& s) {
    auto result = hypervisor_.provision("small", s);
    EXPECT_FALSE(result.has_value());
    if (result) return {};
    EXPECT_EQ(result.error().kind, ErrorKind::InvalidArgument);
    EXPECT_FALSE(fs::exists(instances_ + "/" + s.instanceId));
    return result.error();
  }

  ManualClock clock_{1'700'000'000};
  ScratchDir scratch_;
  std::string blobs_;
  std::string instances_;
  EventRecorder events_;
  std::string logText() {
    std::lock_guard lock(logMutex_);
    return log_;
  }
  std::mutex logMutex_;
  std::string log_;  // what the hypervisor logs (libvirt's full text of failed connects)
  LibvirtHypervisor hypervisor_{
      clock_,
      LibvirtHypervisorOptions{.backstopInterval = 500ms, .log = [this](const std::string& line) {
                                 std::lock_guard lock(logMutex_);
                                 log_ += line + "\n";
                               }}};
};

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

TEST_F(TestDriverHypervisor, RefusedDuplicateProvisionLeavesTheRunningInstancesFilesAlone) {
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

TEST_F(TestDriverHypervisor, TheKernelAndInitrdAreHashedWhileCopiedAndAMatchingCopyBoots) {
  connect("small", "small");
  auto s = spec("i-1");
  s.kernelDigest = digestString(sha256("not really a kernel"));
  s.initrdDigest = digestString(sha256("not really an initrd"));
  ASSERT_TRUE(hypervisor_.provision("small", s).has_value());
  std::ifstream copy(instances_ + "/i-1/kernel");
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(copy), {}), "not really a kernel");
}

TEST_F(TestDriverHypervisor, ABlobChangedSinceItWasVerifiedIsRefusedWhileCopiedAndNothingIsLeft) {
  connect("small", "small");
  auto s = spec("i-1");
  s.kernelDigest = digestString(sha256("not really a kernel"));
  s.initrdDigest = digestString(sha256("the initrd as it was verified"));
  auto result = hypervisor_.provision("small", s);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().kind, ErrorKind::Unprocessable);
  EXPECT_EQ(result.error().code, "blob_corrupt");
  EXPECT_NE(result.error().message.find(*s.initrdDigest), std::string::npos)
      << result.error().message;
  EXPECT_NE(
      result.error().message.find("now hashes to " + digestString(sha256("not really an initrd"))),
      std::string::npos)
      << result.error().message;
  EXPECT_TRUE(valueOf(hypervisor_.listInstances("small")).empty()) << "no domain was defined";
  EXPECT_FALSE(fs::exists(instances_ + "/i-1")) << "the partial copies are removed";
}

TEST_F(TestDriverHypervisor, AKernelDigestThatIsNotADigestIsRejectedBeforeTouchingTheHost) {
  connect("small", "small");
  auto s = spec("i-1");
  s.kernelDigest = "sha256:../../etc/passwd";
  auto result = provisionRejected(s);
  EXPECT_NE(result.message.find("kernelDigest"), std::string::npos);
}

TEST_F(TestDriverHypervisor, HostileSpecIsRejectedBeforeTouchingHost) {
  connect("small", "small");
  auto s = spec("i-1");
  s.cmdline = "console=ttyS0\n<evil/>";
  provisionRejected(s);
  EXPECT_EQ(hypervisor_.consoleLogTail("small", "../etc", 10).error().kind,
            ErrorKind::InvalidArgument);
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

TEST_F(TestDriverHypervisor, ConsoleLogTailReturnsTheLastBytesOfTheInstanceLog) {
  connect("small", "small");
  ASSERT_TRUE(hypervisor_.provision("small", spec("i-1")).has_value());
  EXPECT_EQ(hypervisor_.consoleLogTail("small", "i-1", 100).value(), "");
  std::ofstream(instances_ + "/i-1/console.log") << "booting\nready on port 8080\n";
  EXPECT_EQ(hypervisor_.consoleLogTail("small", "i-1", 19).value(), "ready on port 8080\n");
}

TEST_F(TestDriverHypervisor, ALibvirtFailureShowsOurSummaryAndKeepsLibvirtsTextForTheLogOnly) {
  connect("small", "small");
  auto removed = hypervisor_.removeNetwork("small", "never-made");
  ASSERT_FALSE(removed.has_value());
  EXPECT_EQ(removed.error().kind, ErrorKind::NotFound);
  EXPECT_EQ(removed.error().message,
            "look up network never-made: network not found (libvirt error class TEST, code 43)");
  EXPECT_NE(removed.error().detail.find("look up network never-made: "), std::string::npos)
      << removed.error().detail;
  EXPECT_NE(removed.error().detail, removed.error().message) << "libvirt's own text is the detail";
}

TEST_F(TestDriverHypervisor, UnreachableHostReportsASafeSummaryLogsLibvirtsTextAndRefusesWork) {
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
  EXPECT_EQ(status->lastError.find("nonexistent"), std::string::npos) << status->lastError;
  EXPECT_TRUE(status->lastError.starts_with("connection failed: ")) << status->lastError;
  EXPECT_EQ(reachable.error().message.find("nonexistent"), std::string::npos)
      << reachable.error().message;
  EXPECT_NE(logText().find("host gone: connection failed: "), std::string::npos) << logText();
  EXPECT_NE(logText().find("/nonexistent/host.xml"), std::string::npos) << logText();
  auto provisioned = hypervisor_.provision("gone", spec("i-1"));
  ASSERT_FALSE(provisioned.has_value());
  EXPECT_EQ(provisioned.error().kind, ErrorKind::Unavailable);
  EXPECT_EQ(hypervisor_.connectHost({"gone", hostUri("small"), Acceleration::Qemu, instances_})
                .error()
                .kind,
            ErrorKind::Conflict);
  EXPECT_EQ(hypervisor_.hostStatus("nobody").error().kind, ErrorKind::NotFound);
}

}  // namespace
}  // namespace stele::hypervisor
