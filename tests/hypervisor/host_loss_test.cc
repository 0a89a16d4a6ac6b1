// Two real libvirt hosts on this machine (each its own libvirtd in its own mount + network
// namespace, reached through its own socket). Stopping one libvirtd makes that host
// unreachable and its instances lost, while the other stays reachable; when the daemon comes
// back, the host is reconnected and its still-running instance adopted. Bounded waits only.
#include <gtest/gtest.h>

#include <thread>

#include "common/clock.h"
#include "hypervisor/libvirt_hypervisor.h"
#include "tests/hypervisor/e2e/guest_image.h"
#include "tests/hypervisor/e2e/private_libvirtd.h"
#include "tests/hypervisor/event_recorder.h"
#include "tests/hypervisor/test_specs.h"
#include "tests/support/value_of.h"

using stele::testing::valueOf;

namespace stele::hypervisor {
namespace {

using namespace std::chrono_literals;
using e2e::PrivateLibvirtd;
using testing::EventRecorder;

bool isHostEvent(const Event& e, EventKind kind, const std::string& host) {
  return e.kind == kind && e.host == host;
}

TEST(HostLoss, StoppedLibvirtdMakesHostUnreachableAndItsInstancesLostThenAdoptedOnReturn) {
  auto hostA = PrivateLibvirtd::start("hosta");
  ASSERT_TRUE(hostA.has_value()) << hostA.error().message;
  auto hostB = PrivateLibvirtd::start("hostb");
  ASSERT_TRUE(hostB.has_value()) << hostB.error().message;
  auto image = e2e::buildGuestImage(STELE_GUEST_INIT, (*hostB)->root() + "/guest");
  ASSERT_TRUE(image.has_value()) << image.error().message;

  ManualClock clock{1'700'000'000};
  EventRecorder events;
  LibvirtHypervisor hypervisor(clock, LibvirtHypervisorOptions{.backstopInterval = 2s,
                                                               .reconnectInitialDelay = 250ms,
                                                               .reconnectMaxDelay = 2s,
                                                               .keepAliveIntervalSeconds = 2,
                                                               .keepAliveCount = 2});
  ASSERT_TRUE(hypervisor.subscribe(events.handler()).has_value());
  ASSERT_TRUE(
      hypervisor.connectHost({"a", (*hostA)->uri(), Acceleration::Qemu, (*hostA)->instanceDir()})
          .has_value());
  ASSERT_TRUE(
      hypervisor.connectHost({"b", (*hostB)->uri(), Acceleration::Qemu, (*hostB)->instanceDir()})
          .has_value());
  ASSERT_TRUE(hypervisor.awaitReachable("a", 90s).has_value());
  ASSERT_TRUE(hypervisor.awaitReachable("b", 90s).has_value());

  NetworkSpec network{"lan", "stelebr1", HostAddress{"10.213.8.1", 24}};
  ASSERT_TRUE(hypervisor.ensureNetwork("b", network).has_value());
  auto spec = testing::validDomainSpec("i-on-b");
  spec.kernelPath = image->kernel;
  spec.initrdPath = image->initrd;
  spec.cmdline = e2e::guestCmdline("10.213.8.10/24", 7070);
  spec.memoryMiB = 256;
  spec.networks = {network.name};
  auto provisioned = hypervisor.provision("b", spec);
  ASSERT_TRUE(provisioned.has_value()) << provisioned.error().message;
  ASSERT_TRUE(events.waitFor(EventKind::DomainStarted, "i-on-b", 30s).has_value());

  ASSERT_TRUE((*hostB)->stopLibvirtd().has_value());
  auto disconnected = events.waitFor(
      [](const Event& e) { return isHostEvent(e, EventKind::HostDisconnected, "b"); }, 60s);
  ASSERT_TRUE(disconnected.has_value()) << "host b not reported disconnected within 60 s";
  EXPECT_TRUE(events.waitFor(EventKind::InstanceLost, "i-on-b", 10s).has_value());
  EXPECT_EQ(valueOf(hypervisor.hostStatus("b")).reachability, HostReachability::Unreachable);
  EXPECT_EQ(valueOf(hypervisor.hostStatus("a")).reachability, HostReachability::Reachable);
  EXPECT_EQ(hypervisor.listInstances("b").error().kind, ErrorKind::Unavailable);
  EXPECT_TRUE(hypervisor.listInstances("a").has_value());

  ASSERT_TRUE((*hostB)->startLibvirtd().has_value());
  auto reconnected = events.waitFor(
      [](const Event& e) { return isHostEvent(e, EventKind::HostReconnected, "b"); }, 120s);
  ASSERT_TRUE(reconnected.has_value()) << "host b not reconnected within 120 s";
  auto adopted = events.waitFor(
      [&](const Event& e) {
        return e.kind == EventKind::InstanceAdopted && e.instanceId == "i-on-b";
      },
      10s);
  ASSERT_TRUE(adopted.has_value());
  EXPECT_EQ(valueOf(hypervisor.hostStatus("b")).reachability, HostReachability::Reachable);
  auto listed = hypervisor.listInstances("b");
  ASSERT_TRUE(listed.has_value()) << listed.error().message;
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().state, DomainState::Running)
      << "QEMU keeps running while libvirtd is away";
  EXPECT_EQ(valueOf(hypervisor.hostStatus("a")).reachability, HostReachability::Reachable);

  ASSERT_TRUE(hypervisor.destroy("b", "i-on-b").has_value());
  ASSERT_TRUE(hypervisor.removeNetwork("b", network.name).has_value());
}

}  // namespace
}  // namespace stele::hypervisor
