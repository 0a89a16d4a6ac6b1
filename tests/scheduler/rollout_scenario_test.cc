// Rollouts through the whole reconciler, in memory (tests/scheduler/reconciler_harness.h):
// a spec change makes a new revision, and the strategy's planner replaces every instance by
// destroy-and-provision. After every pass the test checks the bounds from what the hosts hold
// (domains) and what the store says (Available records); a seeded property test adds crashes,
// host losses, failing health checks and restarts in the middle of the rollout.
#include <gtest/gtest.h>

#include "scheduler/instance_state.h"
#include "store/desired_repository.h"
#include "store/revision_repository.h"
#include "tests/scheduler/reconciler_harness.h"

namespace stele::testing {
namespace {

namespace state = scheduler::state;

// `deploymentYaml` with a strategy, and with `memoryMiB` (a change of it is a new revision).
std::string rolloutYaml(int replicas, const std::string& strategy, int memoryMiB = 32) {
  std::string yaml = deploymentYaml("web", replicas, 1, true);
  std::string from = "memoryMiB: 32";
  yaml.replace(yaml.find(from), from.size(), "memoryMiB: " + std::to_string(memoryMiB));
  return yaml + "  strategy:\n" + strategy;
}

const std::string kSurgeOne = "    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}\n";
const std::string kInPlace = "    rollingUpdate: {maxSurge: 0, maxUnavailable: 1}\n";
const std::string kRecreate = "    type: Recreate\n";
const std::string kCanary =
    "    type: Canary\n    canary: {instances: 1, analysisMs: 5000}\n" + kSurgeOne;

class RolloutScenarioTest : public ::testing::Test {
 protected:
  int revisionCount(std::int64_t revision) {
    int n = 0;
    for (const auto& r : h_.instances()) {
      n += state::occupiesSlot(r.state) && r.revision == revision ? 1 : 0;
    }
    return n;
  }
  std::set<std::int64_t> revisionsOnHosts() {
    std::map<std::string, std::int64_t> revisionOf;
    for (const auto& r : h_.instances()) revisionOf[r.id] = r.revision;
    std::set<std::int64_t> out;
    for (const auto& [host, domains] : h_.domains()) {
      for (const auto& [id, info] : domains) out.insert(revisionOf[id]);
    }
    return out;
  }
  struct Bounds {
    std::size_t maxDomains;
    int minAvailable;
  };
  // Passes until quiet, checking the bounds after each; returns the passes taken.
  int rollWithin(Bounds bounds, int maxPasses = 100) {
    for (int i = 0; i < maxPasses; ++i) {
      auto pass = h_.pass();
      EXPECT_LE(h_.domainCount(), bounds.maxDomains) << "pass " << i;
      EXPECT_GE(h_.count(state::kAvailable), bounds.minAvailable) << "pass " << i;
      if (pass.stepsDone == 0 && pass.stepsFailed == 0) return i + 1;
    }
    ADD_FAILURE() << "no end after " << maxPasses << " passes";
    return maxPasses;
  }
  std::int64_t desiredRevision() {
    auto stored = store::DesiredRepository(h_.db()).find("Deployment", "web");
    return stored && *stored ? (*stored)->revision : 0;
  }
  store::RevisionRecord revision(std::int64_t n) {
    auto r = store::RevisionRepository(h_.db()).find("web", n);
    if (!r || !*r) throw std::runtime_error("no revision " + std::to_string(n));
    return **r;
  }
  bool paused() {
    auto pauses = store::RevisionRepository(h_.db()).pauses();
    return pauses && pauses->count("web") != 0;
  }
  // Every instance of `rev` that has no scripted answer yet fails its check.
  void failInstancesOf(std::int64_t rev) {
    for (const auto& r : h_.instances()) {
      if (r.revision == rev && h_.health().answers.count(r.id) == 0) {
        h_.health().answers[r.id] = {false, true, "scripted: broken"};
      }
    }
  }
  // Old instances keep passing; new ones get no answer unless the test scripts one.
  void onlyTodaysInstancesPass() {
    h_.health().passByDefault = false;
    for (const auto& r : h_.instances()) h_.health().answers[r.id] = {true, false, ""};
  }
  void deploy(const std::string& yaml, int replicas) {
    h_.apply(yaml);
    ASSERT_TRUE(h_.settle().quiet);
    ASSERT_EQ(h_.count(state::kAvailable), replicas);
  }

  ReconcilerHarness h_;
};

TEST_F(RolloutScenarioTest, RollingUpdateWithOneSurgeKeepsEveryReplicaAvailable) {
  deploy(rolloutYaml(3, kSurgeOne), 3);
  h_.apply(rolloutYaml(3, kSurgeOne, 48));
  rollWithin({4, 3});
  EXPECT_EQ(revisionCount(2), 3);
  EXPECT_EQ(revisionCount(1), 0);
  EXPECT_EQ(h_.domainCount(), 3u);
  EXPECT_EQ(revisionsOnHosts(), (std::set<std::int64_t>{2}));
  EXPECT_EQ(h_.count(state::kGone), 0) << "the Gone record of the unused slot is forgotten";
  EXPECT_TRUE(h_.openOperations().empty());
}

TEST_F(RolloutScenarioTest, RollingUpdateInPlaceNeverRunsMoreThanTheReplicas) {
  deploy(rolloutYaml(3, kInPlace), 3);
  h_.apply(rolloutYaml(3, kInPlace, 48));
  rollWithin({3, 2});
  EXPECT_EQ(revisionCount(2), 3);
  std::set<std::int64_t> ordinals;
  for (const auto& r : h_.instances()) ordinals.insert(r.ordinal);
  EXPECT_EQ(ordinals, (std::set<std::int64_t>{0, 1, 2})) << "each replaced in its own slot";
}

TEST_F(RolloutScenarioTest, RecreateNeverRunsTwoRevisionsAtOnce) {
  deploy(rolloutYaml(2, kRecreate), 2);
  h_.apply(rolloutYaml(2, kRecreate, 48));
  for (int i = 0; i < 20; ++i) {
    auto pass = h_.pass();
    EXPECT_LE(revisionsOnHosts().size(), 1u) << "pass " << i;
    EXPECT_LE(h_.domainCount(), 2u);
    if (pass.stepsDone == 0) break;
  }
  EXPECT_EQ(revisionCount(2), 2);
  EXPECT_EQ(h_.count(state::kAvailable), 2);
}

TEST_F(RolloutScenarioTest, ANewInstanceThatNeverPassesHoldsTheRolloutWithTheOldOnesRunning) {
  deploy(rolloutYaml(3, kSurgeOne), 3);
  h_.health().passByDefault = false;
  for (const auto& r : h_.instances()) h_.health().answers[r.id] = {true, false, ""};
  h_.apply(rolloutYaml(3, kSurgeOne, 48));
  for (int i = 0; i < 10; ++i) h_.pass();
  EXPECT_EQ(revisionCount(1), 3) << "no old instance goes while no new one is available";
  EXPECT_EQ(revisionCount(2), 1) << "one surge instance, starting";
  EXPECT_EQ(h_.domainCount(), 4u);
}

TEST_F(RolloutScenarioTest, ARestartAfterEveryPassResumesWithinTheBounds) {
  deploy(rolloutYaml(3, kSurgeOne), 3);
  h_.apply(rolloutYaml(3, kSurgeOne, 48));
  auto done = [&] { return revisionCount(1) == 0 && h_.count(state::kAvailable) == 3; };
  for (int i = 0; i < 60 && !done(); ++i) {
    h_.restart();
    h_.pass();
    ASSERT_LE(h_.domainCount(), 4u) << "pass " << i;
    ASSERT_GE(h_.count(state::kAvailable), 3) << "pass " << i;
  }
  ASSERT_TRUE(h_.settle().quiet);
  EXPECT_EQ(revisionCount(2), 3);
  EXPECT_EQ(h_.domainCount(), 3u);
  EXPECT_TRUE(h_.openOperations().empty());
}

TEST_F(RolloutScenarioTest, ACanaryIsHeldThroughRestartsUntilItsWindowPassesThenRollsOn) {
  deploy(rolloutYaml(3, kCanary), 3);
  h_.apply(rolloutYaml(3, kCanary, 48));
  rollWithin({4, 3});
  EXPECT_EQ(revisionCount(1), 3) << "every old instance runs through the analysis";
  EXPECT_EQ(revisionCount(2), 1) << "one canary";
  h_.restart();
  h_.clock().advanceMs(4000);
  rollWithin({4, 3});
  EXPECT_EQ(revisionCount(2), 1) << "a restarted server holds it still";
  EXPECT_EQ(revision(2).promotedAtMs, 0);
  h_.clock().advanceMs(1000);
  rollWithin({4, 3});
  EXPECT_GT(revision(2).promotedAtMs, 0);
  EXPECT_EQ(revision(2).outcome, store::outcome::kComplete);
  EXPECT_EQ(revisionCount(2), 3);
  EXPECT_EQ(h_.domainCount(), 3u);
}

TEST_F(RolloutScenarioTest, AFailingCanaryRollsBackWithTheOldInstancesUntouched) {
  deploy(rolloutYaml(3, kCanary), 3);
  std::set<std::string> before;
  for (const auto& r : h_.instances()) before.insert(r.id);
  onlyTodaysInstancesPass();
  h_.apply(rolloutYaml(3, kCanary, 48));
  const auto& settings = h_.options().reconciler.settings;
  for (int i = 0; i < 40 && desiredRevision() == 2; ++i) {
    failInstancesOf(2);
    h_.pass();
    ASSERT_LE(h_.domainCount(), 4u) << "pass " << i;
    ASSERT_EQ(revisionCount(1), 3) << "pass " << i;
    h_.clock().advanceMs(settings.backoffMaxMs);
  }
  ASSERT_EQ(desiredRevision(), 1) << "rolled back";
  EXPECT_EQ(revision(2).outcome, store::outcome::kFailed);
  ASSERT_TRUE(h_.settle().quiet);
  std::set<std::string> after;
  for (const auto& r : h_.instances()) {
    if (state::occupiesSlot(r.state)) after.insert(r.id);
  }
  EXPECT_EQ(after, before) << "only the canaries went";
}

TEST_F(RolloutScenarioTest, ARestartReplacesEveryInstanceAtTheSameRevisionWithinTheBounds) {
  deploy(rolloutYaml(3, kSurgeOne), 3);
  std::set<std::string> before;
  for (const auto& r : h_.instances()) before.insert(r.id);
  h_.clock().advanceMs(1);  // instances made before the restart, not in its millisecond
  ASSERT_TRUE(h_.desired().restart("web", "test"));
  h_.pass();
  h_.restart();  // a server killed mid-restart goes on with it
  rollWithin({4, 3});
  EXPECT_EQ(desiredRevision(), 1) << "no new revision";
  EXPECT_EQ(revisionCount(1), 3);
  EXPECT_EQ(h_.domainCount(), 3u);
  for (const auto& r : h_.instances()) {
    if (state::occupiesSlot(r.state)) {
      EXPECT_EQ(before.count(r.id), 0u) << r.id << " survived";
    }
  }
  EXPECT_EQ(revision(1).outcome, store::outcome::kComplete);
  EXPECT_EQ(h_.events("Restarted").size(), 1u);
  EXPECT_TRUE(h_.openOperations().empty());
}

TEST_F(RolloutScenarioTest, ARestartIsRefusedWhileARolloutIsUnderWayAndOneThatFailsPauses) {
  deploy(rolloutYaml(3, kSurgeOne), 3);
  onlyTodaysInstancesPass();
  h_.apply(rolloutYaml(3, kSurgeOne, 48));
  h_.pass();
  auto refused = h_.desired().restart("web", "test");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "rollout_in_progress");

  h_.health().passByDefault = true;
  h_.health().answers.clear();
  ASSERT_TRUE(h_.settle().quiet);
  ASSERT_EQ(revision(2).outcome, store::outcome::kComplete);
  onlyTodaysInstancesPass();
  h_.clock().advanceMs(1);
  ASSERT_TRUE(h_.desired().restart("web", "test"));
  const auto& settings = h_.options().reconciler.settings;
  for (int i = 0; i < 40 && !paused(); ++i) {
    failInstancesOf(2);
    h_.pass();
    ASSERT_LE(h_.domainCount(), 4u) << "pass " << i;
    h_.clock().advanceMs(settings.backoffMaxMs);
  }
  ASSERT_TRUE(paused());
  EXPECT_EQ(desiredRevision(), 2) << "a failed restart does not roll back to revision 1";
  EXPECT_NE(revision(2).outcomeReason.find("the restart of revision 2 failed"), std::string::npos)
      << revision(2).outcomeReason;
}

// ---- Rollout outcomes: complete, failed, rolled back, paused.

TEST_F(RolloutScenarioTest, AFirstDeployAndACompletedRolloutAreRecordedComplete) {
  deploy(rolloutYaml(3, kSurgeOne), 3);
  EXPECT_EQ(revision(1).outcome, store::outcome::kComplete);
  h_.apply(rolloutYaml(3, kSurgeOne, 48));
  ASSERT_TRUE(h_.settle().quiet);
  EXPECT_EQ(revision(2).outcome, store::outcome::kComplete);
  EXPECT_EQ(revision(2).failures, 0);
  EXPECT_EQ(h_.events("RolloutComplete").size(), 2u);
}

TEST_F(RolloutScenarioTest, NewInstancesFailingTheirCheckRollBackToTheLastCompleteRevision) {
  deploy(rolloutYaml(3, kSurgeOne), 3);
  onlyTodaysInstancesPass();
  h_.apply(rolloutYaml(3, kSurgeOne, 48));
  const auto& settings = h_.options().reconciler.settings;
  for (int i = 0; i < 200 && desiredRevision() == 2; ++i) {
    h_.pass();
    failInstancesOf(2);
    h_.clock().advanceMs(settings.backoffMaxMs);
    ASSERT_LE(h_.domainCount(), 4u);
    ASSERT_GE(h_.count(state::kAvailable), 3) << "the old ones stay while the new ones fail";
  }
  ASSERT_EQ(desiredRevision(), 1) << "rolled back";
  store::RevisionRecord failed = revision(2);
  EXPECT_EQ(failed.outcome, store::outcome::kFailed);
  EXPECT_EQ(failed.failures, settings.rolloutFailureLimit);
  EXPECT_NE(failed.outcomeReason.find("failed their health check"), std::string::npos)
      << failed.outcomeReason;
  EXPECT_NE(failed.outcomeReason.find("rolling back to revision 1"), std::string::npos);
  ASSERT_TRUE(h_.settle().quiet);
  EXPECT_EQ(revisionCount(1), 3);
  EXPECT_EQ(revisionCount(2), 0);
  EXPECT_EQ(h_.domainCount(), 3u);
  store::RevisionRecord back = revision(1);
  EXPECT_EQ(back.outcome, store::outcome::kComplete);
  EXPECT_EQ(back.rollbackOf, 2);
  EXPECT_EQ(h_.events("RolloutFailed").size(), 1u);
  EXPECT_EQ(h_.events("RolledBack").size(), 1u);
  // No ping-pong: time passes, nothing moves; the failed revision is not retried.
  h_.clock().advanceMs(3'600'000);
  EXPECT_TRUE(h_.settle().quiet);
  EXPECT_EQ(desiredRevision(), 1);
  EXPECT_EQ(revisionCount(2), 0);
}

TEST_F(RolloutScenarioTest, NoProgressWithinTheDeadlineFailsTheRolloutAndRollsBack) {
  deploy(rolloutYaml(3, kSurgeOne), 3);
  onlyTodaysInstancesPass();  // the new instance never passes, never fails
  h_.apply(rolloutYaml(3, kSurgeOne, 48) + "  progressDeadlineMs: 30000\n");
  ASSERT_TRUE(h_.settle().quiet);
  EXPECT_EQ(desiredRevision(), 2);
  h_.clock().advanceMs(29'000);
  ASSERT_TRUE(h_.settle().quiet);
  EXPECT_EQ(desiredRevision(), 2) << "not before the deadline";
  h_.clock().advanceMs(1'000);
  h_.settle();
  EXPECT_EQ(desiredRevision(), 1);
  EXPECT_NE(revision(2).outcomeReason.find("no progress for 30 s"), std::string::npos)
      << revision(2).outcomeReason;
  ASSERT_TRUE(h_.settle().quiet);
  EXPECT_EQ(revisionCount(1), 3);
  EXPECT_EQ(h_.domainCount(), 3u);
}

TEST_F(RolloutScenarioTest, WithoutAutoRollbackAFailedRolloutPausesWhereItIs) {
  deploy(rolloutYaml(3, kSurgeOne) + "  autoRollback: false\n", 3);
  onlyTodaysInstancesPass();
  h_.apply(rolloutYaml(3, kSurgeOne, 48) + "  autoRollback: false\n  progressDeadlineMs: 30000\n");
  h_.settle();
  h_.clock().advanceMs(30'000);
  h_.settle();
  EXPECT_TRUE(paused());
  EXPECT_EQ(desiredRevision(), 2) << "no rollback";
  EXPECT_EQ(revision(2).outcome, store::outcome::kFailed);
  EXPECT_EQ(revisionCount(1), 3) << "the old instances keep running";
  h_.clock().advanceMs(3'600'000);
  EXPECT_TRUE(h_.settle().quiet);
  EXPECT_EQ(revisionCount(1), 3);
}

TEST_F(RolloutScenarioTest, ARollbackThatFailsTooPausesTheDeploymentInsteadOfLooping) {
  // In place: the new revision's first instance takes an old one's slot, so the rollback
  // has to provision an instance of revision 1 again, and that one fails.
  deploy(rolloutYaml(3, kInPlace), 3);
  onlyTodaysInstancesPass();
  h_.apply(rolloutYaml(3, kInPlace, 48) + "  progressDeadlineMs: 30000\n");
  h_.settle();
  h_.clock().advanceMs(30'000);
  h_.settle();
  ASSERT_EQ(desiredRevision(), 1);
  const auto& settings = h_.options().reconciler.settings;
  for (int i = 0; i < 200 && !paused(); ++i) {
    h_.pass();
    failInstancesOf(1);
    h_.clock().advanceMs(settings.backoffMaxMs);
  }
  ASSERT_TRUE(paused());
  EXPECT_EQ(desiredRevision(), 1) << "no second rollback";
  EXPECT_EQ(revision(1).outcome, store::outcome::kFailed);
  EXPECT_NE(revision(1).outcomeReason.find("the rollback from revision 2 failed too"),
            std::string::npos)
      << revision(1).outcomeReason;
  EXPECT_EQ(h_.events("RolledBack").size(), 1u);
  h_.clock().advanceMs(3'600'000);
  h_.settle();
  EXPECT_EQ(h_.events("RolledBack").size(), 1u) << "paused: no ping-pong";
  EXPECT_EQ(desiredRevision(), 1);
}

struct FaultCase {
  std::uint64_t seed;
  bool canary;  // Canary (one canary, then maxSurge 1), else RollingUpdate maxSurge 1
};

class RolloutFaults : public RolloutScenarioTest,
                      public ::testing::WithParamInterface<FaultCase> {};

// Random faults while two revisions roll, one after the other: never more domains than
// replicas + surge + those on lost hosts; once the faults stop, the rollout ends completed
// (perhaps after an automatic rollback, when the faults killed enough new instances) or
// paused, never half-way.
TEST_P(RolloutFaults, NeverExceedTheSurgeAndEndCompletedRolledBackOrPaused) {
  constexpr int kReplicas = 3;
  const std::string& strategy = GetParam().canary ? kCanary : kSurgeOne;
  const std::uint64_t seed = GetParam().seed;
  deploy(rolloutYaml(kReplicas, strategy), kReplicas);
  SeededRandom random(seed);
  const auto& hosts = h_.hostNames();
  int checkedReplacements = 0;  // old available instances the rollout replaced, each checked
  for (int step = 0; step < 150; ++step) {
    if (step == 0) h_.apply(rolloutYaml(kReplicas, strategy, 48));
    if (step == 75) h_.apply(rolloutYaml(kReplicas, strategy, 64));
    injectRandomFault(h_, random);
    std::set<std::string> available;
    for (const auto& r : h_.instances()) {
      if (r.state == state::kAvailable) available.insert(r.id);
    }
    auto before = h_.events("");
    const std::int64_t lastEvent = before.empty() ? 0 : before.back().id;
    h_.pass();
    int lost = h_.count(state::kLost);
    ASSERT_LE(h_.domainCount(), static_cast<std::size_t>(kReplicas + 1 + lost))
        << "step " << step << ", seed " << seed;
    // The unavailability bound (maxUnavailable 0): the rollout destroys an available instance
    // only while those left available, beside the ones that failed this pass, stay >= the
    // replicas.
    int replacedAvailable = 0;
    for (const auto& e : h_.events("")) {
      if (e.id <= lastEvent) continue;
      if (e.reason == "Replacing" || e.reason == "InstanceFailed" || e.reason == "HostLost") {
        available.erase(e.instance);
      } else if (e.reason == "Destroyed" && available.count(e.instance) != 0 &&
                 e.message.find("new revision") != std::string::npos) {
        ++replacedAvailable;
      }
    }
    checkedReplacements += replacedAvailable;
    if (replacedAvailable > 0) {
      ASSERT_GE(static_cast<int>(available.size()) - replacedAvailable, kReplicas)
          << "step " << step << ", seed " << seed;
    }
  }
  std::printf("seed %llu: %d replacements of available instances checked against the bound\n",
              static_cast<unsigned long long>(seed), checkedReplacements);
  for (const auto& host : hosts) h_.hypervisor().setReachable(host, true);
  h_.health().answers.clear();
  const auto& settings = h_.options().reconciler.settings;
  auto ended = [&] {
    return h_.settle().quiet && (paused() || (revisionCount(desiredRevision()) == kReplicas &&
                                              h_.domainCount() == kReplicas &&
                                              h_.count(state::kAvailable) == kReplicas));
  };
  for (int i = 0; i < 40 && !ended(); ++i) {
    h_.clock().advanceMs(std::max(settings.backoffMaxMs, settings.hostGraceMs));
  }
  store::RevisionRecord last = revision(desiredRevision());
  std::printf("seed %llu: revision %lld %s%s%s %s\n", static_cast<unsigned long long>(seed),
              static_cast<long long>(last.revision), last.outcome.c_str(),
              last.rollbackOf > 0 ? " (a rollback)" : "", paused() ? ", paused" : "",
              last.outcomeReason.c_str());
  auto history = store::RevisionRepository(h_.db()).list("web");
  ASSERT_TRUE(history);
  for (const auto& r : *history) {
    std::printf("  revision %lld: %s, completed at %lld, rollback of %lld: %s\n",
                static_cast<long long>(r.revision), r.outcome.c_str(),
                static_cast<long long>(r.completedAtMs), static_cast<long long>(r.rollbackOf),
                r.outcomeReason.c_str());
  }
  if (paused()) {
    EXPECT_LE(h_.domainCount(), static_cast<std::size_t>(kReplicas + 1));
    return;
  }
  EXPECT_EQ(last.outcome, store::outcome::kComplete) << "seed " << seed;
  EXPECT_TRUE(last.revision == 3 || last.rollbackOf > 0) << "seed " << seed;
  EXPECT_EQ(revisionCount(last.revision), kReplicas) << "seed " << seed;
  EXPECT_EQ(h_.domainCount(), static_cast<std::size_t>(kReplicas));
  EXPECT_EQ(h_.count(state::kAvailable), kReplicas);
  EXPECT_EQ(h_.count(state::kLost), 0);
  EXPECT_TRUE(h_.openOperations().empty());
}

INSTANTIATE_TEST_SUITE_P(Seeds, RolloutFaults,
                         ::testing::Values(FaultCase{1, false}, FaultCase{2, false},
                                           FaultCase{3, false}, FaultCase{4, false},
                                           FaultCase{5, false}, FaultCase{6, false},
                                           FaultCase{7, false}, FaultCase{8, false},
                                           FaultCase{1, true}, FaultCase{2, true},
                                           FaultCase{3, true}, FaultCase{4, true}),
                         [](const auto& info) {
                           return std::string(info.param.canary ? "Canary" : "RollingUpdate") +
                                  "Seed" + std::to_string(info.param.seed);
                         });

}  // namespace
}  // namespace stele::testing
