// Host loss end to end, against a real `stele server`: two real libvirt hosts (each a private
// libvirtd with QEMU under TCG in its own network namespace, tests/hypervisor/e2e/
// private_libvirtd.h) run a Deployment of 2 replicas spread over them. The image is the e2e
// guest (Debian's kernel and a static /init, tests/hypervisor/e2e/guest_image.h) pushed with
// `stele push`; its health check is a console check on the line its /init prints once it
// listens. Host b's libvirtd is stopped: the server sees the connection close, waits out
// --host-grace-ms, marks b's instance Lost and provisions
// its slot's replacement on host a, where it passes its check. Host b's QEMU keeps running
// meanwhile. When b's libvirtd comes back, the server reconnects and destroys (fences) the old
// domain, so exactly `replicas` Stele domains run over both hosts. Every wait is bounded and its
// failure shows the last state seen.
//
// The same story runs twice: once with b's libvirtd stopped (the connection closes), once with
// it frozen by SIGSTOP (a hung daemon: the socket stays open and nothing answers). A frozen
// daemon blocks a libvirt call for good; the server's host calls have a deadline
// (--host-call-deadline-ms, hypervisor/deadline_hypervisor.h), so b counts as unreachable from
// the call that hung, and the rest of the story is the same. SIGCONT brings it back.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "tests/hypervisor/e2e/guest_image.h"
#include "tests/hypervisor/e2e/private_libvirtd.h"
#include "tests/support/deploy_fixture.h"
#include "tests/support/run_command.h"

namespace stele::testing {
namespace {

using namespace std::chrono_literals;
using hypervisor::e2e::PrivateLibvirtd;

constexpr int kReplicas = 2;

const char* kGuestYaml = R"(apiVersion: stele.dev/v1
kind: Deployment
metadata: {name: guest}
spec:
  image: guest:0.1.0
  replicas: 2
  resources: {memoryMiB: 256, vcpus: 1}
  healthCheck:
    console: {match: "stele-guest: listening on port"}
    periodMs: 200
    startupTimeoutMs: 120000
  placement: {spread: hosts}
)";

// The Stele domains a private libvirtd runs, as its own virsh lists them.
std::set<std::string> steleDomains(const PrivateLibvirtd& host) {
  auto listed = runCommand({"virsh", "-c", host.uri(), "list", "--name"});
  std::set<std::string> names;
  std::istringstream lines(listed.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("stele-")) names.insert(line);
  }
  return names;
}

// A process that has ended (or is a zombie nobody reaped yet) no longer runs its guest.
bool processRuns(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  auto close = text.rfind(')');
  return close != std::string::npos && close + 2 < text.size() && text[close + 2] != 'Z';
}

const nlohmann::json* findInstance(const nlohmann::json& items, const std::string& id) {
  for (const auto& i : items) {
    if (i["id"] == id) return &i;
  }
  return nullptr;
}

// Available instances on `host` in `ordinal`'s slot, other than `except`.
int availableIn(const nlohmann::json& items, std::int64_t ordinal, const std::string& host,
                const std::string& except) {
  int n = 0;
  for (const auto& i : items) {
    n += i["ordinal"] == ordinal && i["host"] == host && i["id"] != except &&
                 i["state"] == "Available"
             ? 1
             : 0;
  }
  return n;
}

bool hasEvent(const nlohmann::json& events, const std::string& reason, const std::string& text) {
  for (const auto& e : events) {
    if (e["reason"] == reason && e["message"].get<std::string>().find(text) != std::string::npos)
      return true;
  }
  return false;
}

enum class Loss { Stopped, Frozen };

class HostLossE2e : public ::testing::TestWithParam<Loss> {
 protected:
  void SetUp() override {
    auto a = PrivateLibvirtd::start("lossa");
    ASSERT_TRUE(a) << a.error().message;
    hostA_ = std::move(*a);
    auto b = PrivateLibvirtd::start("lossb");
    ASSERT_TRUE(b) << b.error().message;
    hostB_ = std::move(*b);
    // Both sockets (ROOT/run/libvirt-sock) lie below the scratch roots' common parent.
    std::string socketDir = std::filesystem::path(hostA_->root()).parent_path().string();
    ASSERT_EQ(socketDir, std::filesystem::path(hostB_->root()).parent_path().string());
    fx_ = std::make_unique<DeployFixture>(
        std::vector<std::string>{"--host-socket-dir", socketDir, "--host-grace-ms", "3000",
                                 "--backoff-base-ms", "500", "--reconcile-backstop-ms", "500",
                                 "--host-call-deadline-ms", "2000", "--host-provision-deadline-ms",
                                 "120000"},
        std::map<std::string, std::string>{}, DeployFixture::Health::Probed);
    auto guest = hypervisor::e2e::buildGuestImage(STELE_GUEST_INIT, guestDir_.path());
    ASSERT_TRUE(guest) << guest.error().message;
    ASSERT_EQ(fx_->pushWithCli("guest:0.1.0", {"--kernel", guest->kernel, "--initrd", guest->initrd,
                                               "--cmdline", "console=ttyS0"}),
              0);
    ASSERT_EQ(fx_->addLibvirtHost("a", hostA_->uri(), hostA_->netns()), 201);
    ASSERT_EQ(fx_->addLibvirtHost("b", hostB_->uri(), hostB_->netns()), 201);
  }

  // Polls GET /v1/instances until `done` holds; on timeout the message shows the last items
  // and the deployment's events.
  ::testing::AssertionResult waitUntil(const std::string& what,
                                       const std::function<bool(const nlohmann::json&)>& done,
                                       std::chrono::seconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    nlohmann::json items;
    while (std::chrono::steady_clock::now() < deadline) {
      items = fx_->instances("guest");
      checkOneAvailablePerSlot(items);
      if (done(items)) return ::testing::AssertionSuccess();
      std::this_thread::sleep_for(250ms);
    }
    return ::testing::AssertionFailure()
           << what << " not seen within " << timeout.count() << " s; last instances:\n"
           << items.dump(2) << "\nevents:\n"
           << fx_->events("?deployment=guest").dump(2);
  }

  // What the API shows never has two Available instances in one slot.
  void checkOneAvailablePerSlot(const nlohmann::json& items) {
    std::map<std::int64_t, int> available;
    for (const auto& i : items)
      available[i["ordinal"].get<std::int64_t>()] += i["state"] == "Available" ? 1 : 0;
    for (const auto& [ordinal, n] : available)
      EXPECT_LE(n, 1) << "slot " << ordinal << " doubly Available:\n" << items.dump(2);
  }

  TempDir guestDir_;
  std::unique_ptr<PrivateLibvirtd> hostA_;
  std::unique_ptr<PrivateLibvirtd> hostB_;
  std::unique_ptr<DeployFixture> fx_;
};

// Seconds since `from`, for the figures the test prints (never asserted on).
double secondsSince(std::chrono::steady_clock::time_point from) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - from).count();
}

TEST_P(HostLossE2e, ALostHostsInstanceIsReplacedOnTheOtherHostAndFencedWhenItReturns) {
  const bool frozen = GetParam() == Loss::Frozen;
  auto phase = std::chrono::steady_clock::now();
  auto applied = fx_->apply(kGuestYaml);
  ASSERT_EQ(applied.status, 200) << applied.body;
  ASSERT_TRUE(waitUntil(
      "2 Available instances, one per host",
      [](const nlohmann::json& items) {
        std::set<std::string> hosts;
        for (const auto& i : items) {
          if (i["state"] == "Available") hosts.insert(i["host"].get<std::string>());
        }
        return items.size() == kReplicas && hosts == std::set<std::string>{"a", "b"};
      },
      240s));
  double deployed = secondsSince(phase);
  auto before = fx_->instances("guest");
  std::string victim;
  std::int64_t slot = -1;
  for (const auto& i : before) {
    if (i["host"] == "b") {
      victim = i["id"].get<std::string>();
      slot = i["ordinal"].get<std::int64_t>();
    }
  }
  auto victimPid = hostB_->qemuPid("stele-" + victim);
  ASSERT_TRUE(victimPid) << victimPid.error().message;

  ASSERT_TRUE(frozen ? hostB_->freezeLibvirtd() : hostB_->stopLibvirtd());
  phase = std::chrono::steady_clock::now();
  ASSERT_TRUE(waitUntil(
      victim + " Lost and its slot's replacement Available on host a",
      [&](const nlohmann::json& items) {
        const nlohmann::json* lost = findInstance(items, victim);
        return lost != nullptr && (*lost)["state"] == "Lost" &&
               availableIn(items, slot, "a", victim) == 1;
      },
      180s));
  EXPECT_TRUE(processRuns(*victimPid)) << "QEMU keeps running while libvirtd is away";
  EXPECT_EQ(steleDomains(*hostA_).size(), static_cast<std::size_t>(kReplicas));

  double replaced = secondsSince(phase);
  ASSERT_TRUE(frozen ? hostB_->thawLibvirtd() : hostB_->startLibvirtd());
  phase = std::chrono::steady_clock::now();
  ASSERT_TRUE(waitUntil(
      victim + " fenced (its record gone) with 2 Available on host a",
      [&](const nlohmann::json& items) {
        return findInstance(items, victim) == nullptr && items.size() == kReplicas &&
               availableIn(items, 0, "a", "") + availableIn(items, 1, "a", "") == kReplicas;
      },
      180s));
  std::printf(
      "host loss e2e: 2 Available in %.1f s; b %s -> Lost + replacement Available on a "
      "in %.1f s (grace 3 s); b back -> fenced in %.1f s\n",
      deployed, frozen ? "frozen" : "stopped", replaced, secondsSince(phase));

  EXPECT_EQ(steleDomains(*hostB_), std::set<std::string>{}) << "the old domain on b is destroyed";
  EXPECT_EQ(steleDomains(*hostA_).size(), static_cast<std::size_t>(kReplicas));
  EXPECT_FALSE(processRuns(*victimPid)) << "the fenced domain's QEMU has ended";
  auto victimEvents = fx_->events("?instance=" + victim);
  EXPECT_TRUE(hasEvent(victimEvents, "HostLost", "host b unreachable for")) << victimEvents.dump(2);
  EXPECT_TRUE(hasEvent(victimEvents, "Fenced", "host b returned: fenced")) << victimEvents.dump(2);
  auto events = fx_->events("?deployment=guest");
  EXPECT_TRUE(
      hasEvent(events, "Provisioned",
               "started on a (guest:0.1.0): replaces " + victim + " (lost: host b unreachable for"))
      << events.dump(2);
}

INSTANTIATE_TEST_SUITE_P(Losses, HostLossE2e, ::testing::Values(Loss::Stopped, Loss::Frozen),
                         [](const auto& info) {
                           return info.param == Loss::Stopped ? "LibvirtdStopped"
                                                              : "LibvirtdFrozen";
                         });

}  // namespace
}  // namespace stele::testing
