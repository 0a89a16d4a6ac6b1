// The rollout strategies as pure functions: resolveRolloutBounds() (Kubernetes' rounding and
// the spare-address rule) and planRollingUpdate() / planRecreate() / planCanary() /
// planRollout() over views built from counts. Each row says what one pass may do; the
// reconciler's own tests show the passes chained.
#include <gtest/gtest.h>

#include <deque>

#include "scheduler/rollout_strategy.h"

namespace stele::scheduler {
namespace {

IntOrPercent count(std::int64_t n) { return {n, false}; }
IntOrPercent percent(std::int64_t n) { return {n, true}; }

struct BoundsCase {
  const char* name;
  int replicas;
  std::optional<IntOrPercent> maxSurge;
  IntOrPercent maxUnavailable;
  int staticAddresses;  // 0: no interface with static addresses
  StrategyRequest::Type type;
  RolloutBounds expected;
};

class Bounds : public ::testing::TestWithParam<BoundsCase> {};

TEST_P(Bounds, ResolveWithKubernetesRoundingAndTheSpareAddresses) {
  const BoundsCase& c = GetParam();
  DeploymentResource d;
  d.replicas = c.replicas;
  d.strategy.type = c.type;
  d.strategy.maxSurge = c.maxSurge;
  d.strategy.maxUnavailable = c.maxUnavailable;
  if (c.staticAddresses > 0) {
    InterfaceRequest nic;
    nic.network = "dmz";
    for (int i = 0; i < c.staticAddresses; ++i) nic.addresses.push_back(0x0a000010u + i);
    d.interfaces.push_back(nic);
  }
  EXPECT_EQ(resolveRolloutBounds(d), c.expected) << c.name;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, Bounds,
    ::testing::Values(BoundsCase{"25% of 10: surge rounds up, unavailable down",
                                 10,
                                 percent(25),
                                 percent(25),
                                 0,
                                 StrategyRequest::Type::RollingUpdate,
                                 {3, 2}},
                      BoundsCase{"defaults, one replica, no static address",
                                 1,
                                 std::nullopt,
                                 percent(25),
                                 0,
                                 StrategyRequest::Type::RollingUpdate,
                                 {1, 0}},
                      BoundsCase{"defaults, one static address: replaced in place",
                                 1,
                                 std::nullopt,
                                 percent(25),
                                 1,
                                 StrategyRequest::Type::RollingUpdate,
                                 {0, 1}},
                      BoundsCase{"defaults surge only into the spare addresses",
                                 8,
                                 std::nullopt,
                                 percent(25),
                                 9,
                                 StrategyRequest::Type::RollingUpdate,
                                 {1, 2}},
                      BoundsCase{"counts as given",
                                 4,
                                 count(2),
                                 count(1),
                                 0,
                                 StrategyRequest::Type::RollingUpdate,
                                 {2, 1}},
                      BoundsCase{"both rounding to 0: one may be unavailable",
                                 3,
                                 percent(10),
                                 percent(10),
                                 0,
                                 StrategyRequest::Type::RollingUpdate,
                                 {1, 0}},
                      BoundsCase{"0% surge and 10% of 5 unavailable: one may be",
                                 5,
                                 percent(0),
                                 percent(10),
                                 0,
                                 StrategyRequest::Type::RollingUpdate,
                                 {0, 1}},
                      BoundsCase{"unavailable never beyond the replicas",
                                 2,
                                 count(1),
                                 count(5),
                                 0,
                                 StrategyRequest::Type::RollingUpdate,
                                 {1, 2}},
                      BoundsCase{"100% surge doubles",
                                 4,
                                 percent(100),
                                 count(0),
                                 0,
                                 StrategyRequest::Type::RollingUpdate,
                                 {4, 0}},
                      BoundsCase{"Recreate: no surge, all down",
                                 3,
                                 std::nullopt,
                                 percent(25),
                                 0,
                                 StrategyRequest::Type::Recreate,
                                 {0, 3}},
                      BoundsCase{"Canary: one canary, then the rolling update's bounds",
                                 4,
                                 std::nullopt,
                                 percent(25),
                                 0,
                                 StrategyRequest::Type::Canary,
                                 {1, 1, 1}},
                      BoundsCase{"Canary with one spare address: surge and canary fit it",
                                 2,
                                 std::nullopt,
                                 count(0),
                                 3,
                                 StrategyRequest::Type::Canary,
                                 {1, 0, 1}}),
    [](const auto& info) { return "Case" + std::to_string(info.index); });

// A view built from counts: records live in `records_` so the members' pointers stay valid.
class ViewBuilder {
 public:
  ViewBuilder(int replicas, RolloutBounds bounds) {
    view_.replicas = replicas;
    view_.bounds = bounds;
  }
  ViewBuilder& old(int available, int unavailable) {
    add(view_.old, available, true);
    add(view_.old, unavailable, false);
    view_.oldTotal += available + unavailable;
    return *this;
  }
  ViewBuilder& current(int available, int unavailable) {
    add(view_.current, available, true);
    add(view_.current, unavailable, false);
    return *this;
  }
  // Instances failing or being destroyed this pass: they still hold a slot.
  ViewBuilder& leaving(int n, bool old = true) {
    view_.total += n;
    if (old) view_.oldTotal += n;
    return *this;
  }
  // Available instances of the new revision, counting as available since `sinceMs`.
  ViewBuilder& currentSince(std::int64_t sinceMs, int n = 1) {
    add(view_.current, n, true);
    for (int i = 0; i < n; ++i)
      view_.current[view_.current.size() - 1 - i].availableSinceMs = sinceMs;
    return *this;
  }
  ViewBuilder& canary(std::int64_t nowMs, std::int64_t analysisMs, bool manual = false,
                      bool promoted = false) {
    view_.nowMs = nowMs;
    view_.canary = {promoted, analysisMs, manual};
    return *this;
  }
  const RolloutView& view() const { return view_; }

 private:
  void add(std::vector<RolloutMember>& into, int n, bool available) {
    for (int i = 0; i < n; ++i) {
      store::InstanceRecord& r = records_.emplace_back();
      r.id = "i" + std::to_string(records_.size());
      r.ordinal = static_cast<std::int64_t>(records_.size() - 1);
      into.push_back({&r, available, false});
      view_.total += 1;
    }
  }
  std::deque<store::InstanceRecord> records_;
  RolloutView view_;
};

int unavailableAmong(const std::vector<const store::InstanceRecord*>& chosen,
                     const RolloutView& view) {
  int n = 0;
  for (const auto* r : chosen) {
    for (const auto& m : view.old) n += (m.record == r && !m.available) ? 1 : 0;
  }
  return n;
}

struct RollingCase {
  const char* name;
  int replicas;
  RolloutBounds bounds;
  int oldAvailable, oldUnavailable, newAvailable, newUnavailable, leaving;
  int provisions;
  int replaced;
  int replacedUnavailable;  // of the replaced, how many were not available
};

class RollingUpdate : public ::testing::TestWithParam<RollingCase> {};

TEST_P(RollingUpdate, StaysWithinTheSurgeAndUnavailabilityBounds) {
  const RollingCase& c = GetParam();
  ViewBuilder builder(c.replicas, c.bounds);
  builder.old(c.oldAvailable, c.oldUnavailable)
      .current(c.newAvailable, c.newUnavailable)
      .leaving(c.leaving);
  const RolloutView& view = builder.view();
  RolloutDecision d = planRollingUpdate(view);
  EXPECT_EQ(d.provisions, c.provisions) << c.name;
  EXPECT_EQ(static_cast<int>(d.replace.size()), c.replaced) << c.name;
  EXPECT_EQ(unavailableAmong(d.replace, view), c.replacedUnavailable) << c.name;
  EXPECT_TRUE(d.scaleDown.empty()) << c.name;
  // The bounds, whatever the row: never more than replicas + surge at once, never fewer
  // available than replicas - unavailable because of this pass's destroys.
  EXPECT_LE(view.total + d.provisions, c.replicas + c.bounds.surge) << c.name;
  int availableAfter = c.oldAvailable + c.newAvailable - (c.replaced - c.replacedUnavailable);
  EXPECT_GE(availableAfter,
            std::min(c.oldAvailable + c.newAvailable, c.replicas - c.bounds.unavailable))
      << c.name;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, RollingUpdate,
    ::testing::Values(
        RollingCase{"surge 1 / unavailable 0: start one new", 2, {1, 0}, 2, 0, 0, 0, 0, 1, 0, 0},
        RollingCase{"the new one not yet available: wait", 2, {1, 0}, 2, 0, 0, 1, 0, 0, 0, 0},
        RollingCase{"the new one available: one old goes", 2, {1, 0}, 2, 0, 1, 0, 0, 0, 1, 0},
        RollingCase{"an old slot freed: the next new one", 2, {1, 0}, 1, 0, 1, 0, 0, 1, 0, 0},
        RollingCase{"the last old one goes", 2, {1, 0}, 1, 0, 2, 0, 0, 0, 1, 0},
        RollingCase{
            "surge 0 / unavailable 1: one old goes first", 3, {0, 1}, 3, 0, 0, 0, 0, 0, 1, 0},
        RollingCase{
            "surge 0: its slot refilled before the next goes", 3, {0, 1}, 2, 0, 0, 0, 0, 1, 0, 0},
        RollingCase{
            "surge 0: the new one starting blocks the next", 3, {0, 1}, 2, 0, 0, 1, 0, 0, 0, 0},
        RollingCase{"25% of 10 -> surge 3, unavailable 2", 10, {3, 2}, 10, 0, 0, 0, 0, 3, 2, 0},
        RollingCase{"below minAvailable: unavailable old ones go, as many as fit",
                    4,
                    {1, 1},
                    2,
                    2,
                    0,
                    0,
                    0,
                    1,
                    1,
                    1},
        RollingCase{"an unavailable old one goes before an available one",
                    4,
                    {1, 1},
                    3,
                    1,
                    0,
                    0,
                    0,
                    1,
                    1,
                    1},
        RollingCase{"more unavailable budget: unavailable first, then available",
                    4,
                    {1, 2},
                    3,
                    1,
                    0,
                    0,
                    0,
                    1,
                    2,
                    1},
        RollingCase{
            "an instance failing this pass still counts", 2, {1, 0}, 2, 0, 0, 0, 1, 0, 0, 0},
        RollingCase{"below minAvailable already: no destroy of available",
                    3,
                    {1, 0},
                    1,
                    0,
                    0,
                    0,
                    0,
                    3,
                    0,
                    0},
        RollingCase{"100% surge: all new at once, no destroy", 3, {3, 0}, 3, 0, 0, 0, 0, 3, 0, 0},
        RollingCase{"100% surge, all new available: every old one goes",
                    3,
                    {3, 0},
                    3,
                    0,
                    3,
                    0,
                    0,
                    0,
                    3,
                    0}),
    [](const auto& info) { return "Case" + std::to_string(info.index); });

TEST(RolloutPlanner, RecreateDestroysEveryOldInstanceAndProvisionsNothingWhileOneHoldsASlot) {
  ViewBuilder builder(2, {0, 2});
  builder.old(1, 1);
  RolloutDecision first = planRecreate(builder.view());
  EXPECT_EQ(first.replace.size(), 2u) << "available or not, every old instance goes";
  EXPECT_EQ(first.provisions, 0);

  ViewBuilder destroying(2, {0, 2});
  destroying.leaving(1);
  RolloutDecision waiting = planRollout(destroying.view(), StrategyRequest::Type::Recreate);
  EXPECT_EQ(waiting.provisions, 0) << "an old instance still being destroyed holds its slot";
  EXPECT_TRUE(waiting.replace.empty());

  ViewBuilder done(2, {0, 2});
  RolloutDecision after = planRollout(done.view(), StrategyRequest::Type::Recreate);
  EXPECT_EQ(after.provisions, 2) << "once the old ones are gone, the new revision starts";
}

TEST(RolloutPlanner, WithoutOldInstancesEveryStrategyFillsUpAndShedsTheSurplus) {
  for (auto type : {StrategyRequest::Type::RollingUpdate, StrategyRequest::Type::Recreate}) {
    ViewBuilder scaleUp(3, {1, 0});
    scaleUp.current(1, 0);
    EXPECT_EQ(planRollout(scaleUp.view(), type).provisions, 2);

    ViewBuilder scaleDown(1, {1, 0});
    scaleDown.current(2, 1);
    RolloutDecision d = planRollout(scaleDown.view(), type);
    EXPECT_EQ(d.provisions, 0);
    ASSERT_EQ(d.scaleDown.size(), 2u);
    EXPECT_EQ(d.scaleDown[0]->ordinal, 2) << "the unavailable one first";
    EXPECT_EQ(d.scaleDown[1]->ordinal, 1) << "then the highest ordinal";
  }
}

TEST(RolloutPlanner, ABusyInstanceIsCountedButNeverChosen) {
  ViewBuilder builder(1, {0, 1});
  builder.old(0, 1);
  RolloutView view = builder.view();
  view.old[0].busy = true;
  EXPECT_TRUE(planRollingUpdate(view).replace.empty());
  EXPECT_TRUE(planRecreate(view).replace.empty());
  EXPECT_EQ(planRollingUpdate(view).provisions, 0) << "it still holds the only slot";
}

// Canary: replicas 3, one canary, maxSurge 1 and maxUnavailable 0 once promoted.
constexpr RolloutBounds kCanaryBounds{1, 0, 1};

TEST(CanaryPlanner, ItsCanaryRunsBesideEveryOldInstanceAndNoOldOneGoes) {
  ViewBuilder start(3, kCanaryBounds);
  start.old(3, 0).canary(0, 1000);
  RolloutDecision first = planCanary(start.view());
  EXPECT_EQ(first.provisions, 1) << "one canary, beyond the 3 replicas";
  EXPECT_TRUE(first.replace.empty());
  EXPECT_FALSE(first.holding) << "until it is available, the progress deadline runs";

  ViewBuilder starting(3, kCanaryBounds);
  starting.old(3, 0).current(0, 1).canary(0, 1000);
  RolloutDecision second = planCanary(starting.view());
  EXPECT_EQ(second.provisions, 0) << "never more than the canary count";
  EXPECT_TRUE(second.replace.empty());
  EXPECT_FALSE(second.holding);
}

TEST(CanaryPlanner, OldInstancesThatFailDuringTheHoldAreMadeUpOnlyBelowTheReplicas) {
  ViewBuilder oneLost(3, kCanaryBounds);
  oneLost.old(2, 0).currentSince(1000).canary(1500, 1000);
  EXPECT_EQ(planCanary(oneLost.view()).provisions, 0) << "2 old + 1 canary: still 3";

  ViewBuilder twoLost(3, kCanaryBounds);
  twoLost.old(1, 0).currentSince(1000).canary(1500, 1000);
  RolloutDecision fill = planCanary(twoLost.view());
  EXPECT_EQ(fill.provisions, 1) << "1 old + 1 canary: one more of the new revision";
  EXPECT_TRUE(fill.replace.empty());
}

TEST(CanaryPlanner, HoldsForTheAnalysisWindowThenPromotesAndGoesOnAsARollingUpdate) {
  ViewBuilder during(3, kCanaryBounds);
  during.old(3, 0).currentSince(1000).canary(1500, 1000);
  RolloutDecision held = planCanary(during.view());
  EXPECT_TRUE(held.holding);
  EXPECT_FALSE(held.promote);
  EXPECT_EQ(held.wakeAtMs, std::optional<std::int64_t>(2000)) << "when the window closes";
  EXPECT_TRUE(held.replace.empty());
  EXPECT_EQ(held.provisions, 0);

  ViewBuilder after(3, kCanaryBounds);
  after.old(3, 0).currentSince(1000).canary(2000, 1000);
  RolloutDecision promoted = planCanary(after.view());
  EXPECT_TRUE(promoted.promote);
  EXPECT_EQ(promoted.replace.size(), 1u) << "the rolling update starts in the same pass";
  EXPECT_EQ(promoted.provisions, 0) << "the canary already fills the one surge slot";
}

TEST(CanaryPlanner, TheWindowOpensWhenTheLastCanaryBecameAvailable) {
  ViewBuilder two(4, {1, 0, 2});
  two.old(4, 0).currentSince(1000).currentSince(3000).canary(3500, 1000);
  RolloutDecision held = planCanary(two.view());
  EXPECT_TRUE(held.holding);
  EXPECT_EQ(held.wakeAtMs, std::optional<std::int64_t>(4000));

  ViewBuilder replaced(4, {1, 0, 2});
  replaced.old(4, 0).currentSince(1000).current(0, 1).canary(9000, 1000);
  RolloutDecision waiting = planCanary(replaced.view());
  EXPECT_FALSE(waiting.holding) << "a canary replaced after a failure: no window yet";
  EXPECT_FALSE(waiting.promote);
}

TEST(CanaryPlanner, AManualCanaryHoldsUntilPromotedAndAPromotedOneIsARollingUpdate) {
  ViewBuilder manual(3, kCanaryBounds);
  manual.old(3, 0).currentSince(0).canary(1'000'000, 1000, true);
  RolloutDecision held = planCanary(manual.view());
  EXPECT_TRUE(held.holding);
  EXPECT_FALSE(held.promote);
  EXPECT_FALSE(held.wakeAtMs) << "only `stele rollout promote` ends it";
  EXPECT_TRUE(held.replace.empty());

  ViewBuilder promoted(3, kCanaryBounds);
  promoted.old(3, 0).currentSince(0).canary(0, 1000, true, true);
  RolloutDecision rolling = planRollout(promoted.view(), StrategyRequest::Type::Canary);
  RolloutDecision expected = planRollingUpdate(promoted.view());
  EXPECT_FALSE(rolling.holding);
  EXPECT_EQ(rolling.provisions, expected.provisions);
  EXPECT_EQ(rolling.replace, expected.replace);

  ViewBuilder fresh(3, kCanaryBounds);
  fresh.old(3, 0).canary(0, 1000, false, true);
  EXPECT_EQ(planCanary(fresh.view()).provisions, 1)
      << "a rollback has no canary phase: it surges as a rolling update does";
}

}  // namespace
}  // namespace stele::scheduler
