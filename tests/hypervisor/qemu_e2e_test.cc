// End to end with real QEMU under TCG: a private libvirtd in its own network namespace
// (see e2e/private_libvirtd.h), a real network with a host address, a real guest that answers
// on TCP. Missing prerequisites make these tests FAIL, never skip.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <thread>

#include "common/clock.h"
#include "hypervisor/libvirt_hypervisor.h"
#include "tests/hypervisor/e2e/guest_image.h"
#include "tests/hypervisor/e2e/netns_probe.h"
#include "tests/hypervisor/e2e/private_libvirtd.h"
#include "tests/hypervisor/event_recorder.h"
#include "tests/hypervisor/test_specs.h"
#include "tests/support/value_of.h"

using stele::testing::valueOf;

namespace stele::hypervisor {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using e2e::PrivateLibvirtd;
using testing::EventRecorder;

constexpr const char* kGuestAddress = "10.213.7.10";
constexpr int kGuestPort = 7070;
const NetworkSpec kNetwork{"e2e-net", "stelebr0", HostAddress{"10.213.7.1", 24}};

class QemuE2e : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto started = PrivateLibvirtd::start("qemu");
    if (!started) {
      setupError_ = new std::string(started.error().message);
      return;
    }
    env_ = started->release();
    auto image = e2e::buildGuestImage(STELE_GUEST_INIT, env_->root() + "/guest");
    if (!image) {
      setupError_ = new std::string(image.error().message);
      return;
    }
    image_ = new e2e::GuestImage(*image);
  }
  static void TearDownTestSuite() {
    delete env_;
    delete image_;
    delete setupError_;
    env_ = nullptr;
    image_ = nullptr;
    setupError_ = nullptr;
  }

  void SetUp() override {
    ASSERT_EQ(setupError_, nullptr) << *setupError_;
    ASSERT_TRUE(hypervisor_.subscribe(events_.handler()).has_value());
    ASSERT_TRUE(
        hypervisor_.connectHost({"e2e", env_->uri(), Acceleration::Qemu, env_->instanceDir()})
            .has_value());
    auto reachable = hypervisor_.awaitReachable("e2e", 60s);
    ASSERT_TRUE(reachable.has_value()) << reachable.error().message;
  }

  DomainSpec guestSpec(const std::string& instance) {
    auto spec = testing::validDomainSpec(instance);
    spec.kernelPath = image_->kernel;
    spec.initrdPath = image_->initrd;
    spec.cmdline = e2e::guestCmdline(std::string(kGuestAddress) + "/24", kGuestPort);
    spec.memoryMiB = 256;
    spec.vcpus = 1;
    spec.networks = {kNetwork.name};
    spec.config = "greeting=hello\n";
    return spec;
  }

  static bool hasTapDevice(const std::vector<std::string>& names) {
    return std::any_of(names.begin(), names.end(), [](const std::string& n) {
      return n.starts_with("vnet") || n.starts_with("tap");
    });
  }

  static PrivateLibvirtd* env_;
  static e2e::GuestImage* image_;
  static std::string* setupError_;
  ManualClock clock_{1'700'000'000};
  EventRecorder events_;
  LibvirtHypervisor hypervisor_{clock_, LibvirtHypervisorOptions{.backstopInterval = 2s}};
};

PrivateLibvirtd* QemuE2e::env_ = nullptr;
e2e::GuestImage* QemuE2e::image_ = nullptr;
std::string* QemuE2e::setupError_ = nullptr;

TEST_F(QemuE2e, BootedGuestAnswersTcpInsideNamespaceAndDestroyLeavesNothingBehind) {
  auto network = hypervisor_.ensureNetwork("e2e", kNetwork);
  ASSERT_TRUE(network.has_value()) << network.error().message;
  ASSERT_TRUE(hypervisor_.ensureNetwork("e2e", kNetwork).has_value());

  auto instance = hypervisor_.provision("e2e", guestSpec("i-boot"));
  ASSERT_TRUE(instance.has_value()) << instance.error().message;
  ASSERT_TRUE(events_.waitFor(EventKind::DomainStarted, "i-boot", 30s).has_value());

  std::string answer;
  auto deadline = std::chrono::steady_clock::now() + 180s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto reply = e2e::tcpReadInNamespace(env_->netns(), kGuestAddress, kGuestPort, 2s);
    if (reply && !reply->empty()) {
      answer = *reply;
      break;
    }
    std::this_thread::sleep_for(1s);
  }
  auto console = hypervisor_.consoleLogTail("e2e", "i-boot", 65536);
  ASSERT_TRUE(console.has_value()) << console.error().message;
  ASSERT_EQ(answer, "stele-guest ok\n") << "guest never answered; console:\n" << *console;
  EXPECT_NE(console->find("stele-guest: listening on port 7070"), std::string::npos) << *console;
  EXPECT_NE(console->find("Linux version"), std::string::npos);

  auto resources = hypervisor_.hostResources("e2e");
  ASSERT_TRUE(resources.has_value()) << resources.error().message;
  EXPECT_EQ(resources->allocatedVcpus, 1u);
  EXPECT_EQ(resources->allocatedMemoryMiB, 256u);
  EXPECT_GE(resources->cpus, 1u);
  EXPECT_TRUE(hasTapDevice(e2e::interfacesInNamespace(env_->netns()).value()));

  auto destroyed = hypervisor_.destroy("e2e", "i-boot");
  ASSERT_TRUE(destroyed.has_value()) << destroyed.error().message;
  EXPECT_TRUE(events_.waitFor(EventKind::DomainStopped, "i-boot", 30s).has_value());
  EXPECT_TRUE(valueOf(hypervisor_.listInstances("e2e")).empty());
  EXPECT_EQ(valueOf(hypervisor_.hostResources("e2e")).activeDomains, 0u);
  EXPECT_FALSE(fs::exists(env_->instanceDir() + "/i-boot"));
  auto interfaces = e2e::interfacesInNamespace(env_->netns()).value();
  EXPECT_FALSE(hasTapDevice(interfaces));
  EXPECT_NE(std::find(interfaces.begin(), interfaces.end(), kNetwork.bridge), interfaces.end());

  auto removed = hypervisor_.removeNetwork("e2e", kNetwork.name);
  ASSERT_TRUE(removed.has_value()) << removed.error().message;
  interfaces = e2e::interfacesInNamespace(env_->netns()).value();
  EXPECT_EQ(std::find(interfaces.begin(), interfaces.end(), kNetwork.bridge), interfaces.end())
      << "bridge left behind after network removal";
  EXPECT_TRUE(fs::is_empty(env_->instanceDir()));
}

TEST_F(QemuE2e, KillingQemuBehindLibvirtsBackDeliversCrashEvent) {
  ASSERT_TRUE(hypervisor_.ensureNetwork("e2e", kNetwork).has_value());
  auto spec = guestSpec("i-kill");
  ASSERT_TRUE(hypervisor_.provision("e2e", spec).has_value());
  ASSERT_TRUE(events_.waitFor(EventKind::DomainStarted, "i-kill", 30s).has_value());
  auto pid = env_->qemuPid(spec.name);
  ASSERT_TRUE(pid.has_value()) << pid.error().message;
  ASSERT_EQ(kill(*pid, SIGKILL), 0);

  auto died = events_.waitFor(
      [](const Event& e) {
        return e.instanceId == "i-kill" &&
               (e.kind == EventKind::DomainCrashed || e.kind == EventKind::DomainStopped);
      },
      60s);
  ASSERT_TRUE(died.has_value()) << "no crash/stop event within 60 s of kill -9";
  EXPECT_EQ(hypervisor_.instanceState("e2e", "i-kill").value(), DomainState::ShutOff);

  ASSERT_TRUE(hypervisor_.destroy("e2e", "i-kill").has_value());
  EXPECT_FALSE(fs::exists(env_->instanceDir() + "/i-kill"));
  ASSERT_TRUE(hypervisor_.removeNetwork("e2e", kNetwork.name).has_value());
}

TEST_F(QemuE2e, FailedStartUndefinesTheDomainAndRemovesItsFiles) {
  auto spec = guestSpec("i-fail");
  spec.networks = {"no-such-network"};  // defines fine, cannot start
  auto result = hypervisor_.provision("e2e", spec);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, "domain_start_failed");
  EXPECT_NE(result.error().message.find("network not found (libvirt error class "),
            std::string::npos)
      << "a summary of ours is shown: " << result.error().message;
  EXPECT_NE(result.error().detail.find("no-such-network"), std::string::npos)
      << "libvirt's own text is kept for the log: " << result.error().detail;
  EXPECT_TRUE(valueOf(hypervisor_.listInstances("e2e")).empty());
  EXPECT_FALSE(fs::exists(env_->instanceDir() + "/i-fail"));
}

}  // namespace
}  // namespace stele::hypervisor
