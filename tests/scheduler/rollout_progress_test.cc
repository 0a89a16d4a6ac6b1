// judgeRollout(): when a rollout progresses, completes or fails, and what a failure leads to
// (the rollback target, or a pause), over hand-built revision records.
#include "scheduler/rollout_progress.h"

#include <gtest/gtest.h>

namespace stele::scheduler {
namespace {

constexpr std::int64_t kNow = 5'000'000;
using Kind = RolloutChange::Kind;

store::RevisionRecord revision(std::int64_t n, const char* outcome, std::int64_t completedAt = 0) {
  store::RevisionRecord r;
  r.deployment = "web";
  r.revision = n;
  r.outcome = outcome;
  r.completedAtMs = completedAt;
  r.progressAtMs = kNow;
  return r;
}

DeploymentResource spec(std::int64_t deadlineMs = 60'000, bool autoRollback = true) {
  DeploymentResource d;
  d.replicas = 3;
  d.progressDeadlineMs = deadlineMs;
  d.autoRollback = autoRollback;
  return d;
}

RolloutCounts counts(int available, int old) { return {3, available, old}; }

TEST(RolloutProgress, CompletesWhenEveryReplicaOfTheRevisionIsAvailableAndNoOldOneIsLeft) {
  auto current = revision(2, store::outcome::kProgressing);
  auto judged = judgeRollout(current, {current}, counts(3, 0), spec(), kNow, 3);
  ASSERT_TRUE(judged.change);
  EXPECT_EQ(judged.change->kind, Kind::Complete);
  auto oldLeft = judgeRollout(current, {current}, counts(3, 1), spec(), kNow, 3);
  EXPECT_TRUE(!oldLeft.change || oldLeft.change->kind != Kind::Complete)
      << "an old instance left: not complete";
}

TEST(RolloutProgress, ABetterScoreIsProgressAndRestartsTheDeadline) {
  auto current = revision(2, store::outcome::kProgressing);
  current.bestProgress = -3;  // 0 new available, 3 old
  auto judged = judgeRollout(current, {current}, counts(1, 3), spec(), kNow + 10, 3);
  ASSERT_TRUE(judged.change);
  EXPECT_EQ(judged.change->kind, Kind::Progress);
  EXPECT_EQ(judged.change->best, -2);
  EXPECT_EQ(*judged.wakeAtMs, kNow + 10 + 60'000);
}

TEST(RolloutProgress, AFlappingInstanceIsNoProgressSoTheDeadlineStillComes) {
  auto current = revision(2, store::outcome::kProgressing);
  current.bestProgress = -2;  // it had been available once
  auto before = judgeRollout(current, {current}, counts(1, 3), spec(), kNow + 59'999, 3);
  EXPECT_FALSE(before.change) << "back to its best: not better";
  EXPECT_EQ(*before.wakeAtMs, kNow + 60'000);
  auto after = judgeRollout(current, {current}, counts(1, 3), spec(), kNow + 60'000, 3);
  ASSERT_TRUE(after.change);
  EXPECT_EQ(after.change->kind, Kind::Fail);
  EXPECT_NE(after.change->reason.find("no progress for 60 s"), std::string::npos)
      << after.change->reason;
}

TEST(RolloutProgress, AHeldCanaryIsNotJudgedByTheDeadlineButItsFailuresStillCount) {
  auto current = revision(2, store::outcome::kProgressing);
  current.bestProgress = -2;
  RolloutCounts held = counts(1, 3);
  held.holding = true;
  auto waiting = judgeRollout(current, {current}, held, spec(), kNow + 3'600'000, 3);
  EXPECT_FALSE(waiting.change) << "an hour awaiting promotion is no failure";
  EXPECT_FALSE(waiting.wakeAtMs);

  current.failures = 3;
  auto failing = judgeRollout(current, {current, revision(1, store::outcome::kComplete, 1)}, held,
                              spec(), kNow, 3);
  ASSERT_TRUE(failing.change);
  EXPECT_EQ(failing.change->kind, Kind::Fail);
  EXPECT_EQ(failing.change->rollbackTo, 1) << "a failing canary rolls back";
}

TEST(RolloutProgress, AFailedRestartPausesRatherThanRollingBack) {
  auto current = revision(2, store::outcome::kProgressing);
  current.restartedAtMs = kNow - 1000;
  current.failures = 3;
  auto judged = judgeRollout(current, {current, revision(1, store::outcome::kComplete, 1)},
                             counts(1, 2), spec(), kNow, 3);
  ASSERT_TRUE(judged.change);
  EXPECT_EQ(judged.change->kind, Kind::Fail);
  EXPECT_TRUE(judged.change->pause);
  EXPECT_EQ(judged.change->rollbackTo, 0) << "revision 2 ran; what failed was its restart";
}

struct TargetCase {
  const char* name;
  std::vector<store::RevisionRecord> earlier;  // newest first, after the current one
  bool autoRollback;
  std::int64_t rollbackOf;  // of the current revision's rollout
  std::int64_t expectedTarget;
  bool expectedPause;
};

class RollbackTarget : public ::testing::TestWithParam<TargetCase> {};

TEST_P(RollbackTarget, IsTheNewestOnceCompleteRevisionThatDidNotFailElsePause) {
  const TargetCase& c = GetParam();
  auto current = revision(5, store::outcome::kProgressing);
  current.failures = 3;
  current.rollbackOf = c.rollbackOf;
  std::vector<store::RevisionRecord> history = {current};
  history.insert(history.end(), c.earlier.begin(), c.earlier.end());
  auto judged = judgeRollout(current, history, counts(0, 3), spec(60'000, c.autoRollback), kNow, 3);
  ASSERT_TRUE(judged.change) << c.name;
  EXPECT_EQ(judged.change->kind, Kind::Fail) << c.name;
  EXPECT_NE(judged.change->reason.find("3 instances of revision 5 failed"), std::string::npos)
      << judged.change->reason;
  EXPECT_EQ(judged.change->rollbackTo, c.expectedTarget) << c.name;
  EXPECT_EQ(judged.change->pause, c.expectedPause) << c.name;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, RollbackTarget,
    ::testing::Values(
        TargetCase{"the newest complete one",
                   {revision(4, store::outcome::kComplete, 9), revision(3, "Complete", 8)},
                   true,
                   0,
                   4,
                   false},
        TargetCase{"a superseded one that had completed before counts",
                   {revision(4, store::outcome::kSuperseded, 0),
                    revision(3, store::outcome::kSuperseded, 7)},
                   true,
                   0,
                   3,
                   false},
        TargetCase{"a failed one never",
                   {revision(4, store::outcome::kFailed, 9), revision(2, "Complete", 3)},
                   true,
                   0,
                   2,
                   false},
        TargetCase{
            "nothing ever complete: pause", {revision(4, "Superseded", 0)}, true, 0, 0, true},
        TargetCase{"autoRollback off: pause", {revision(4, "Complete", 9)}, false, 0, 0, true},
        TargetCase{"a rollback that fails: pause, no second rollback",
                   {revision(4, "Complete", 9)},
                   true,
                   6,
                   0,
                   true}),
    [](const auto& info) { return "Case" + std::to_string(info.index); });

TEST(RolloutProgress, OnlyAProgressingRolloutIsJudged) {
  for (const char* outcome :
       {store::outcome::kComplete, store::outcome::kFailed, store::outcome::kSuperseded}) {
    auto current = revision(2, outcome);
    current.failures = 10;
    auto judged = judgeRollout(current, {current}, counts(0, 3), spec(), kNow + 3'600'000, 3);
    EXPECT_FALSE(judged.change) << outcome;
    EXPECT_FALSE(judged.wakeAtMs) << outcome;
  }
}

}  // namespace
}  // namespace stele::scheduler
