// DeadlineHypervisor over a MemoryHypervisor whose host can be frozen (a libvirtd under
// SIGSTOP: its calls block until it is thawed). A call that overruns its deadline answers at
// once instead of hanging its caller, the host counts as unreachable while the call is stuck,
// new calls fail fast, other hosts are untouched, and the host is back once the call returns.
// The deadline is real time (short here); nothing asserts how long anything took.
#include "hypervisor/deadline_hypervisor.h"

#include <gtest/gtest.h>

#include <thread>

#include "hypervisor/memory_hypervisor.h"
#include "tests/hypervisor/test_specs.h"

namespace stele::hypervisor {
namespace {

using namespace std::chrono_literals;

class DeadlineHypervisorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* host : {"a", "b"}) {
      ASSERT_TRUE(deadlines_.connectHost(
          {host, std::string("memory://") + host, Acceleration::Kvm, "/srv/stele"}));
      ASSERT_TRUE(deadlines_.awaitReachable(host, 1s));
    }
  }
  void TearDown() override {
    memory_->setFrozen("a", false);
    waitUntilAnswering("a");
  }

  // Polls until the host's stuck call has returned (bounded; fails the test otherwise).
  void waitUntilAnswering(const std::string& host) {
    for (int i = 0; i < 500; ++i) {
      auto status = deadlines_.hostStatus(host);
      if (status && status->reachability == HostReachability::Reachable) return;
      std::this_thread::sleep_for(10ms);
    }
    FAIL() << host << " did not come back";
  }

  ManualClock clock_{1'700'000'000};
  std::shared_ptr<MemoryHypervisor> memory_ = std::make_shared<MemoryHypervisor>(clock_);
  DeadlineHypervisor deadlines_{memory_, clock_, DeadlineOptions{50ms, 50ms}};
};

TEST_F(DeadlineHypervisorTest, ACallWithinTheDeadlineAnswersWhatTheHypervisorAnswers) {
  ASSERT_TRUE(deadlines_.provision("a", testing::validDomainSpec("i-1")));
  auto listed = deadlines_.listInstances("a");
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].metadata.instanceId, "i-1");
  auto missing = deadlines_.destroy("a", "i-404");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, ErrorKind::NotFound) << "errors pass through unchanged";
}

TEST_F(DeadlineHypervisorTest, AHungHostAnswersAtTheDeadlineAndCountsAsUnreachableUntilItAnswers) {
  ASSERT_TRUE(deadlines_.provision("a", testing::validDomainSpec("i-1")));
  memory_->setFrozen("a", true);
  const std::int64_t frozeAt = clock_.nowMs() / 1000;

  auto stuck = deadlines_.listInstances("a");
  ASSERT_FALSE(stuck) << "answered although the host is hung";
  EXPECT_EQ(stuck.error().kind, ErrorKind::Unavailable);
  EXPECT_EQ(stuck.error().code, "host_call_timeout");
  EXPECT_NE(stuck.error().message.find("listInstances did not return within 50 ms"),
            std::string::npos)
      << stuck.error().message;

  clock_.advanceMs(12'000);
  auto status = deadlines_.hostStatus("a");
  ASSERT_TRUE(status);
  EXPECT_EQ(status->reachability, HostReachability::Unreachable);
  EXPECT_EQ(status->sinceUnix, frozeAt) << "unreachable since the stuck call began";
  EXPECT_NE(status->lastError.find("listInstances call has not returned for 12 s"),
            std::string::npos)
      << status->lastError;

  auto next = deadlines_.provision("a", testing::validDomainSpec("i-2"));
  ASSERT_FALSE(next);
  EXPECT_EQ(next.error().code, "host_hung") << "fails at once, no thread piles up behind";

  EXPECT_TRUE(deadlines_.listInstances("b")) << "another host is untouched";
  auto all = deadlines_.hosts();
  ASSERT_TRUE(all);
  for (const auto& h : *all) {
    EXPECT_EQ(h.reachability == HostReachability::Reachable, h.id == "b") << h.id;
  }

  memory_->setFrozen("a", false);
  waitUntilAnswering("a");
  auto listed = deadlines_.listInstances("a");
  ASSERT_TRUE(listed) << listed.error().message;
  EXPECT_EQ(listed->size(), 1u);
  EXPECT_EQ(memory_->calls().provision, 1u) << "the refused provision never reached the host";
}

}  // namespace
}  // namespace stele::hypervisor
