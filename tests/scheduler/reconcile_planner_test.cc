// planReconcile(): table tests over hand-built snapshots. Each case builds the desired state,
// the instance records and what the hosts report, and asserts on the plan (steps, conditions,
// wake-up time) as plain data: no store, no hypervisor, no clock.
#include <gtest/gtest.h>

#include <algorithm>

#include "scheduler/instance_state.h"
#include "scheduler/reconcile_plan.h"

namespace stele::scheduler {
namespace {

health::HealthCheckSpec httpCheck() {
  health::HealthCheckSpec check;
  check.kind = health::HttpCheck{};
  return check;
}

using hypervisor::DomainState;
using Kind = Step::Kind;

constexpr std::int64_t kNow = 10'000'000;

// A snapshot under construction, with one-line helpers for each kind of fact.
struct World {
  ReconcileSnapshot s;
  ReconcileSettings settings;

  World() { s.nowMs = kNow; }

  PlanDeployment& deployment(const std::string& name, int replicas, std::int64_t revision = 1) {
    PlanDeployment d;
    d.name = name;
    d.revision = revision;
    d.spec.meta.name = name;
    d.spec.replicas = replicas;
    s.deployments.push_back(d);
    return s.deployments.back();
  }
  PlanHost& host(const std::string& name, bool reachable = true) {
    PlanHost& h = s.hosts[name];
    h.candidate.name = name;
    h.candidate.cpus = 16;
    h.candidate.memoryMiB = 65'536;
    h.candidate.up = reachable;
    h.reachable = reachable;
    return h;
  }
  void unreachableFor(const std::string& name, std::int64_t ms) {
    PlanHost& h = host(name, false);
    h.unreachableSinceMs = kNow - ms;
  }
  void domain(const std::string& hostName, const std::string& id, const std::string& deployment,
              DomainState state = DomainState::Running) {
    hypervisor::InstanceInfo info;
    info.metadata.instanceId = id;
    info.metadata.deployment = deployment;
    info.domainName = "stele-" + id;
    info.state = state;
    s.hosts[hostName].domains[id] = info;
  }
  // An instance record; with `withDomain`, its domain runs on its host.
  store::InstanceRecord& instance(const std::string& id, const std::string& deployment, int ordinal,
                                  const std::string& hostName,
                                  std::string_view state = state::kAvailable,
                                  bool withDomain = true) {
    store::InstanceRecord r;
    r.id = id;
    r.deployment = deployment;
    r.ordinal = ordinal;
    r.revision = 1;
    r.host = hostName;
    r.state = std::string(state);
    r.stateSinceMs = kNow - 1'000;
    r.createdAtMs = kNow - 1'000;
    if (withDomain) domain(hostName, id, deployment);
    s.instances.push_back(r);
    if (state::occupiesSlot(state)) s.hosts[hostName].candidate.instancesOf[deployment] += 1;
    return s.instances.back();
  }

  ReconcilePlan plan(std::uint64_t seed = 1) const {
    SeededRandom random(seed);
    return planReconcile(s, settings, random);
  }
};

std::vector<Step> stepsOf(const ReconcilePlan& plan, Kind kind) {
  std::vector<Step> out;
  for (const auto& step : plan.steps) {
    if (step.kind == kind) out.push_back(step);
  }
  return out;
}

std::vector<int> ordinalsOf(const std::vector<Step>& steps) {
  std::vector<int> out;
  out.reserve(steps.size());
  for (const auto& step : steps) out.push_back(step.ordinal);
  std::sort(out.begin(), out.end());
  return out;
}

// ---- Slots: first deploy, scaling, deletion.

TEST(ReconcilePlannerTest, FirstDeployPlacesEverySlotSpreadOverTheHosts) {
  World w;
  w.deployment("web", 4);
  w.host("h1");
  w.host("h2");
  auto plan = w.plan();
  auto provisions = stepsOf(plan, Kind::Provision);
  ASSERT_EQ(plan.steps.size(), 4u);
  EXPECT_EQ(ordinalsOf(provisions), (std::vector<int>{0, 1, 2, 3}));
  std::map<std::string, int> perHost;
  for (const auto& step : provisions) {
    perHost[step.host] += 1;
    EXPECT_EQ(step.restarts, 0);
    EXPECT_EQ(step.reason, "new instance " + std::to_string(step.ordinal));
  }
  EXPECT_EQ(perHost, (std::map<std::string, int>{{"h1", 2}, {"h2", 2}}));
  EXPECT_TRUE(plan.conditions.empty());
  EXPECT_FALSE(plan.wakeAtMs.has_value());
}

TEST(ReconcilePlannerTest, NothingToDoWhenEverySlotIsAvailable) {
  World w;
  w.deployment("web", 2);
  w.host("h1");
  w.instance("web-0", "web", 0, "h1");
  w.instance("web-1", "web", 1, "h1");
  auto plan = w.plan();
  EXPECT_TRUE(plan.steps.empty());
  EXPECT_TRUE(plan.conditions.empty());
}

TEST(ReconcilePlannerTest, ScalingUpPlacesOnlyTheNewOrdinals) {
  World w;
  w.deployment("web", 4);
  w.host("h1");
  w.instance("web-0", "web", 0, "h1");
  w.instance("web-1", "web", 1, "h1");
  auto plan = w.plan();
  ASSERT_EQ(plan.steps.size(), 2u);
  EXPECT_EQ(ordinalsOf(stepsOf(plan, Kind::Provision)), (std::vector<int>{2, 3}));
}

TEST(ReconcilePlannerTest, ScalingDownDestroysTheHighestOrdinalsAndForgetsThem) {
  World w;
  w.deployment("web", 1);
  w.host("h1");
  for (int i = 0; i < 3; ++i) w.instance("web-" + std::to_string(i), "web", i, "h1");
  auto plan = w.plan();
  auto destroys = stepsOf(plan, Kind::Destroy);
  ASSERT_EQ(plan.steps.size(), 2u);
  EXPECT_EQ(ordinalsOf(destroys), (std::vector<int>{1, 2}));
  for (const auto& step : destroys) {
    EXPECT_EQ(step.state, "") << "the record is deleted, not kept as Gone";
    EXPECT_EQ(step.reason, "scaled down");
    EXPECT_FALSE(step.failure);
  }
}

TEST(ReconcilePlannerTest, DeletedDeploymentDestroysEveryInstanceAndForgetsItsHistory) {
  World w;
  w.host("h1");
  w.instance("web-0", "web", 0, "h1");
  w.instance("web-1", "web", 1, "h1", state::kStarting);
  w.instance("web-2", "web", 2, "h1", state::kGone, false);
  auto plan = w.plan();
  auto destroys = stepsOf(plan, Kind::Destroy);
  ASSERT_EQ(destroys.size(), 2u);
  for (const auto& step : destroys) EXPECT_EQ(step.reason, "deployment deleted");
  auto forgets = stepsOf(plan, Kind::Forget);
  ASSERT_EQ(forgets.size(), 1u);
  EXPECT_EQ(forgets[0].instanceId, "web-2");
}

TEST(ReconcilePlannerTest, AnInstanceOnAHostRemovedFromTheInventoryIsForgotten) {
  World w;
  w.deployment("web", 1);
  w.host("h2");
  w.instance("web-0", "web", 0, "h1");
  w.s.hosts.erase("h1");
  auto plan = w.plan();
  ASSERT_EQ(plan.steps.size(), 1u);
  EXPECT_EQ(plan.steps[0].kind, Kind::Forget);
  EXPECT_EQ(plan.steps[0].reason, "host h1 was removed from the inventory");
}

// ---- Self-healing: dead domains and failed checks.

struct FailureCase {
  const char* name;
  bool domainPresent;
  DomainState state;
  bool healthFailed;
  Kind kind;
  const char* reason;
};

class EveryInstanceFailure : public ::testing::TestWithParam<FailureCase> {};

TEST_P(EveryInstanceFailure, IsMarkedGoneWithItsFailureCountedAndReplacedOnTheNextPass) {
  const FailureCase& c = GetParam();
  World w;
  w.deployment("web", 1);
  w.host("h1");
  auto& r = w.instance("web-0", "web", 0, "h1", state::kAvailable, false);
  r.restarts = 2;
  if (c.domainPresent) w.domain("h1", "web-0", "web", c.state);
  if (c.healthFailed) w.s.health["web-0"] = {false, true, "3 probes timed out"};
  auto plan = w.plan();
  ASSERT_EQ(plan.steps.size(), 1u) << "no replacement while the old record holds the slot";
  const Step& step = plan.steps[0];
  EXPECT_EQ(step.kind, c.kind);
  EXPECT_EQ(step.state, state::kGone);
  EXPECT_TRUE(step.failure);
  EXPECT_EQ(step.restarts, 3);
  EXPECT_EQ(step.reason, c.reason);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, EveryInstanceFailure,
    ::testing::Values(
        FailureCase{"Crashed", true, DomainState::Crashed, false, Kind::Destroy, "domain crashed"},
        FailureCase{"ShutOff", true, DomainState::ShutOff, false, Kind::Destroy, "domain stopped"},
        FailureCase{"Disappeared", false, DomainState::Running, false, Kind::SetState,
                    "domain disappeared from host h1"},
        FailureCase{"HealthFailed", true, DomainState::Running, true, Kind::Destroy,
                    "health check failed: 3 probes timed out"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(ReconcilePlannerTest, AFailureAfterAHealthyStretchIsForgivenAndCountsAsTheFirst) {
  for (std::int64_t availableFor : {59'999, 60'000}) {
    World w;
    w.deployment("web", 1);
    w.host("h1");
    auto& r = w.instance("web-0", "web", 0, "h1", state::kAvailable, false);
    r.restarts = 5;
    r.stateSinceMs = kNow - availableFor;
    w.domain("h1", "web-0", "web", DomainState::Crashed);
    auto plan = w.plan();
    ASSERT_EQ(plan.steps.size(), 1u);
    EXPECT_EQ(plan.steps[0].restarts, availableFor >= 60'000 ? 1 : 6) << availableFor;
  }
}

TEST(ReconcilePlannerTest, StartingBecomesAvailableOnceItsCheckPassesOrAtOnceWithoutOne) {
  World w;
  auto& checked = w.deployment("checked", 2);
  checked.spec.healthCheck = httpCheck();
  w.deployment("plain", 1);
  w.host("h1");
  w.instance("checked-0", "checked", 0, "h1", state::kStarting);
  w.instance("checked-1", "checked", 1, "h1", state::kStarting);
  w.instance("plain-0", "plain", 0, "h1", state::kStarting);
  w.s.health["checked-0"] = {true, false, "200"};
  w.s.health["checked-1"] = {false, false, ""};
  auto plan = w.plan();
  auto sets = stepsOf(plan, Kind::SetState);
  ASSERT_EQ(plan.steps.size(), 2u);
  std::map<std::string, std::string> reasons;
  for (const auto& step : sets) {
    EXPECT_EQ(step.state, state::kAvailable);
    reasons[step.instanceId] = step.reason;
  }
  EXPECT_EQ(reasons,
            (std::map<std::string, std::string>{{"checked-0", "health check passed"},
                                                {"plain-0", "running (no health check)"}}));
}

TEST(ReconcilePlannerTest, ARolloutIsCompleteInThePassThatMakesItsLastInstanceAvailable) {
  for (std::int64_t minReadyMs : {0, 500}) {
    World w;
    auto& d = w.deployment("web", 2);
    d.spec.healthCheck = httpCheck();
    d.spec.minReadyMs = minReadyMs;
    store::RevisionRecord rollout;
    rollout.deployment = "web";
    rollout.revision = 1;
    d.rollout = rollout;
    w.host("h1");
    w.instance("web-0", "web", 0, "h1").stateSinceMs = kNow - 10'000;
    w.instance("web-1", "web", 1, "h1", state::kStarting);
    w.s.health["web-1"] = {true, false, "200"};
    auto plan = w.plan();
    bool complete = std::any_of(plan.rollouts.begin(), plan.rollouts.end(), [](const auto& c) {
      return c.kind == RolloutChange::Kind::Complete;
    });
    EXPECT_EQ(complete, minReadyMs == 0)
        << "minReadyMs " << minReadyMs << ": with it, the instance counts only once it has passed";
  }
}

// ---- Back-off.

TEST(ReconcilePlannerTest, BackoffDelayDoublesFromTheSecondReplacementAndIsCapped) {
  ReconcileSettings settings;  // base 1 s, max 60 s
  const std::vector<std::pair<std::int64_t, std::int64_t>> table = {
      {0, 0},      {1, 0},      {2, 1'000},  {3, 2'000},     {4, 4'000},
      {7, 32'000}, {8, 60'000}, {9, 60'000}, {1'000, 60'000}};
  for (auto [restarts, delay] : table) {
    EXPECT_EQ(backoffDelayMs(restarts, settings), delay) << restarts << " restarts";
  }
  settings.backoffBaseMs = 200;
  settings.backoffMaxMs = 800;
  EXPECT_EQ(backoffDelayMs(3, settings), 400);
  EXPECT_EQ(backoffDelayMs(5, settings), 800);
}

struct BackoffCase {
  std::int64_t restarts;
  std::int64_t goneForMs;
  bool provisioned;
  const char* condition;  // "" when none
};

class GoneSlotBackoff : public ::testing::TestWithParam<BackoffCase> {};

TEST_P(GoneSlotBackoff, WaitsUntilDueThenPlacesAvoidingTheFailedHost) {
  const BackoffCase& c = GetParam();
  World w;
  w.deployment("web", 1);
  w.host("h1");
  w.host("h2");
  auto& gone = w.instance("web-0", "web", 0, "h1", state::kGone, false);
  gone.restarts = c.restarts;
  gone.stateSinceMs = kNow - c.goneForMs;
  gone.reason = "domain crashed";
  auto plan = w.plan();
  auto provisions = stepsOf(plan, Kind::Provision);
  if (c.provisioned) {
    ASSERT_EQ(provisions.size(), 1u);
    EXPECT_EQ(provisions[0].ordinal, 0);
    EXPECT_EQ(provisions[0].restarts, c.restarts) << "the new instance carries the count";
    EXPECT_EQ(provisions[0].host, "h2") << "placed away from where it failed";
    EXPECT_EQ(provisions[0].reason, "replaces web-0 (domain crashed)");
    EXPECT_FALSE(plan.wakeAtMs.has_value());
    EXPECT_TRUE(plan.conditions.empty());
  } else {
    EXPECT_TRUE(provisions.empty());
    ASSERT_TRUE(plan.wakeAtMs.has_value());
    EXPECT_EQ(*plan.wakeAtMs, gone.stateSinceMs + backoffDelayMs(c.restarts, w.settings));
    ASSERT_EQ(plan.conditions.size(), 1u);
    EXPECT_EQ(plan.conditions[0].reason, c.condition);
    EXPECT_NE(plan.conditions[0].message.find("failed " + std::to_string(c.restarts) + " times"),
              std::string::npos)
        << plan.conditions[0].message;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, GoneSlotBackoff,
    ::testing::Values(BackoffCase{1, 0, true, ""}, BackoffCase{2, 999, false, "BackOff"},
                      BackoffCase{2, 1'000, true, ""}, BackoffCase{3, 1'999, false, "CrashLoop"},
                      BackoffCase{3, 2'000, true, ""}, BackoffCase{9, 59'999, false, "CrashLoop"},
                      BackoffCase{9, 60'000, true, ""}));

TEST(ReconcilePlannerTest, AnotherRevisionsFailuresInASlotDoNotDelayItsNextInstance) {
  World w;
  w.deployment("web", 1, 1);  // back on revision 1, as a rollback from revision 2 does
  w.host("h1");
  auto& gone = w.instance("web-0", "web", 0, "h1", state::kGone, false);
  gone.revision = 2;
  gone.restarts = 9;  // revision 2 crash-looped here
  gone.stateSinceMs = kNow;
  gone.reason = "health check failed";
  auto plan = w.plan();
  auto provisions = stepsOf(plan, Kind::Provision);
  ASSERT_EQ(provisions.size(), 1u) << "no back-off: revision 1 has not failed here";
  EXPECT_EQ(provisions[0].restarts, 0);
  EXPECT_TRUE(plan.conditions.empty());
}

TEST(ReconcilePlannerTest, AReplacementAfterANewRevisionIsNotBackedOffNorSteeredAway) {
  World w;
  w.deployment("web", 1);
  w.host("h1");
  auto& gone = w.instance("web-0", "web", 0, "h1", state::kGone, false);
  gone.restarts = 0;
  gone.stateSinceMs = kNow;
  auto provisions = stepsOf(w.plan(), Kind::Provision);
  ASSERT_EQ(provisions.size(), 1u);
  EXPECT_EQ(provisions[0].host, "h1");
}

// ---- Host loss and fencing.

TEST(ReconcilePlannerTest, AnUnreachableHostWithinItsGraceOnlySetsAWakeUp) {
  World w;
  w.deployment("web", 1);
  w.host("h2");
  w.instance("web-0", "web", 0, "h1");
  w.unreachableFor("h1", 10'000);
  auto plan = w.plan();
  EXPECT_TRUE(plan.steps.empty()) << "no replacement before the grace period ends";
  ASSERT_TRUE(plan.wakeAtMs.has_value());
  EXPECT_EQ(*plan.wakeAtMs, kNow - 10'000 + w.settings.hostGraceMs);
}

TEST(ReconcilePlannerTest, PastItsGraceAnInstanceIsLostAndReplacedElsewhereOnTheNextPass) {
  World w;
  w.deployment("web", 1);
  w.host("h2");
  auto& r = w.instance("web-0", "web", 0, "h1");
  w.unreachableFor("h1", 30'000);
  auto plan = w.plan();
  ASSERT_EQ(plan.steps.size(), 1u);
  EXPECT_EQ(plan.steps[0].kind, Kind::SetState);
  EXPECT_EQ(plan.steps[0].state, state::kLost);
  EXPECT_EQ(plan.steps[0].reason, "host h1 unreachable for 30 s");

  r.state = std::string(state::kLost);  // as the executor records it
  r.reason = plan.steps[0].reason;
  w.s.hosts["h1"].candidate.instancesOf.clear();
  auto next = w.plan();
  auto provisions = stepsOf(next, Kind::Provision);
  ASSERT_EQ(next.steps.size(), 1u);
  ASSERT_EQ(provisions.size(), 1u);
  EXPECT_EQ(provisions[0].host, "h2");
  EXPECT_EQ(provisions[0].ordinal, 0);
  EXPECT_EQ(provisions[0].reason, "replaces web-0 (lost: host h1 unreachable for 30 s)")
      << "the replacement's reason names the lost instance and why it was lost";
  EXPECT_EQ(provisions[0].restarts, 0) << "a lost host is not the instance's failure";
}

TEST(ReconcilePlannerTest, ALostInstanceIsFencedWhenItsHostReturns) {
  World w;
  w.deployment("web", 1);
  w.host("h1");
  w.host("h2");
  w.instance("web-0", "web", 0, "h1", state::kLost);
  w.instance("web-1", "web", 0, "h2");
  auto plan = w.plan();
  ASSERT_EQ(plan.steps.size(), 1u);
  EXPECT_EQ(plan.steps[0].kind, Kind::Destroy);
  EXPECT_EQ(plan.steps[0].instanceId, "web-0");
  EXPECT_EQ(plan.steps[0].host, "h1");
  EXPECT_EQ(plan.steps[0].state, "") << "fenced and forgotten";
  EXPECT_EQ(plan.steps[0].reason, "host h1 returned: fenced, since its replacement runs");
  EXPECT_TRUE(plan.steps[0].fence) << "recorded as a Fenced event";
  EXPECT_FALSE(plan.steps[0].failure) << "a fence does not count for back-off";
}

TEST(ReconcilePlannerTest, ALostInstanceWhoseSlotIsNoLongerWantedIsForgottenWhileTheHostIsDown) {
  World w;
  w.deployment("web", 0);
  w.instance("web-0", "web", 0, "h1", state::kLost);
  w.unreachableFor("h1", 100'000);
  auto plan = w.plan();
  ASSERT_EQ(plan.steps.size(), 1u);
  EXPECT_EQ(plan.steps[0].kind, Kind::Forget);
}

// ---- Interrupted steps (after a restart).

TEST(ReconcilePlannerTest, AnInterruptedProvisionIsAdoptedWhenItsDomainExists) {
  World w;
  w.deployment("web", 1);
  w.host("h1");
  w.instance("web-0", "web", 0, "h1", state::kProvisioning, true);
  auto plan = w.plan();
  ASSERT_EQ(plan.steps.size(), 1u);
  EXPECT_EQ(plan.steps[0].kind, Kind::SetState);
  EXPECT_EQ(plan.steps[0].state, state::kStarting);
  EXPECT_FALSE(plan.steps[0].failure);
}

TEST(ReconcilePlannerTest, AnInterruptedProvisionWithoutADomainIsAFailedAttempt) {
  World w;
  w.deployment("web", 1);
  w.host("h1");
  w.instance("web-0", "web", 0, "h1", state::kProvisioning, false);
  auto plan = w.plan();
  ASSERT_EQ(plan.steps.size(), 1u);
  EXPECT_EQ(plan.steps[0].kind, Kind::SetState);
  EXPECT_EQ(plan.steps[0].state, state::kGone);
  EXPECT_TRUE(plan.steps[0].failure);
  EXPECT_EQ(plan.steps[0].restarts, 1);
}

TEST(ReconcilePlannerTest, AnInterruptedDestroyIsRedoneWhetherOrNotTheDomainRemains) {
  for (bool domainPresent : {true, false}) {
    for (int replicas : {1, 0}) {
      World w;
      w.deployment("web", replicas);
      w.host("h1");
      auto& r = w.instance("web-0", "web", 0, "h1", state::kDestroying, domainPresent);
      r.reason = "domain crashed";
      auto plan = w.plan();
      ASSERT_EQ(plan.steps.size(), 1u);
      EXPECT_EQ(plan.steps[0].kind, Kind::Destroy);
      EXPECT_EQ(plan.steps[0].reason, "domain crashed");
      EXPECT_EQ(plan.steps[0].state, replicas == 1 ? state::kGone : "")
          << "kept as history only while its slot is wanted";
    }
  }
}

// ---- Strays.

TEST(ReconcilePlannerTest, StraysAreDestroyedOnlyWhenThisServerMadeThemOrTheirDeploymentIsDesired) {
  World w;
  w.deployment("web", 0);
  w.host("h1");
  w.domain("h1", "web-aa", "web");      // of a desired deployment
  w.domain("h1", "old-bb", "old");      // provisioned by this server, deployment since deleted
  w.domain("h1", "other-cc", "other");  // someone else's: left alone
  w.s.provisionedIds = {"old-bb"};
  w.unreachableFor("h2", 1);
  w.domain("h2", "web-dd", "web");  // on an unreachable host: not listed, never touched
  auto plan = w.plan();
  std::set<std::string> destroyed;
  for (const auto& step : stepsOf(plan, Kind::Destroy)) {
    EXPECT_TRUE(step.stray);
    EXPECT_EQ(step.host, "h1");
    destroyed.insert(step.instanceId);
  }
  EXPECT_EQ(plan.steps.size(), 2u);
  EXPECT_EQ(destroyed, (std::set<std::string>{"old-bb", "web-aa"}));
}

TEST(ReconcilePlannerTest, ADomainWithARecordIsNeverAStray) {
  World w;
  w.deployment("web", 1);
  w.host("h1");
  w.instance("web-0", "web", 0, "h1");
  w.s.provisionedIds = {"web-0"};
  EXPECT_TRUE(w.plan().steps.empty());
}

// ---- Placement failure.

TEST(ReconcilePlannerTest, NothingFitsGivesAFailedSchedulingConditionWithTheReason) {
  World w;
  auto& d = w.deployment("web", 1);
  d.memoryMiB = 4'096;
  w.host("h1").candidate.memoryMiB = 1'024;
  w.host("h2").candidate.memoryMiB = 2'048;
  w.host("h3").candidate.draining = true;
  auto plan = w.plan();
  EXPECT_TRUE(plan.steps.empty());
  ASSERT_EQ(plan.conditions.size(), 1u);
  EXPECT_EQ(plan.conditions[0].deployment, "web");
  EXPECT_EQ(plan.conditions[0].reason, "FailedScheduling");
  EXPECT_EQ(plan.conditions[0].message, "0/3 hosts fit: 2 insufficient memory, 1 draining");
}

TEST(ReconcilePlannerTest, PlannedPlacementsCountAgainstCapacityWithinOnePass) {
  World w;
  auto& d = w.deployment("web", 3);
  d.memoryMiB = 1'024;
  w.host("h1").candidate.memoryMiB = 2'048;
  auto plan = w.plan();
  EXPECT_EQ(stepsOf(plan, Kind::Provision).size(), 2u);
  ASSERT_EQ(plan.conditions.size(), 1u);
  EXPECT_EQ(plan.conditions[0].message, "0/1 hosts fit: 1 insufficient memory");
}

// ---- A new revision: the strategy's planner (rollout_strategy.h) inside a pass.

// `n` instances web-0.. of revision 1 on h1, Available; with `firstGone`, web-0 is Gone (its
// instance was replaced).
void revisionOne(World& w, int n, bool firstGone = false) {
  for (int i = 0; i < n; ++i) {
    w.instance("web-" + std::to_string(i), "web", i, "h1",
               firstGone && i == 0 ? state::kGone : state::kAvailable, !(firstGone && i == 0));
  }
}

InterfaceRequest staticAddresses(int n) {
  InterfaceRequest nic;
  nic.network = "dmz";
  for (int i = 0; i < n; ++i) nic.addresses.push_back(0x0a000010u + static_cast<unsigned>(i));
  return nic;
}

TEST(ReconcilePlannerTest, ANewRevisionSurgesIntoASpareSlotBeforeAnyOldInstanceGoes) {
  World w;
  w.deployment("web", 3, 2);  // defaults: surge 25% (1), unavailable 25% (0)
  w.host("h1");
  revisionOne(w, 3);
  auto plan = w.plan();
  ASSERT_EQ(plan.steps.size(), 1u);
  EXPECT_EQ(plan.steps[0].kind, Kind::Provision);
  EXPECT_EQ(plan.steps[0].ordinal, 3) << "the surge slot, beyond the replicas";
}

TEST(ReconcilePlannerTest, OnceTheSurgeInstanceIsAvailableOneOldInstanceIsReplaced) {
  World w;
  w.deployment("web", 3, 2);
  w.host("h1");
  revisionOne(w, 3);
  w.instance("web-3", "web", 3, "h1").revision = 2;
  auto plan = w.plan();
  ASSERT_EQ(plan.steps.size(), 1u);
  const Step& step = plan.steps[0];
  EXPECT_EQ(step.kind, Kind::Destroy);
  EXPECT_EQ(step.instanceId, "web-0") << "the lowest ordinal first";
  EXPECT_EQ(step.state, state::kGone) << "kept, so its slot is the next one refilled";
  EXPECT_EQ(step.restarts, 0) << "a replacement is not a failure";
  EXPECT_FALSE(step.failure);
  EXPECT_EQ(step.reason, "new revision: 1 -> 2");
}

TEST(ReconcilePlannerTest, TheReplacedSlotIsRefilledWithTheNewRevisionFirst) {
  World w;
  w.deployment("web", 3, 2);
  w.host("h1");
  revisionOne(w, 3, true);
  w.instance("web-3", "web", 3, "h1").revision = 2;
  auto plan = w.plan();
  ASSERT_EQ(plan.steps.size(), 1u);
  EXPECT_EQ(plan.steps[0].kind, Kind::Provision);
  EXPECT_EQ(plan.steps[0].ordinal, 0);
  EXPECT_EQ(plan.steps[0].restarts, 0);
}

TEST(ReconcilePlannerTest, WithoutSpareAddressesAnInstanceIsReplacedInPlace) {
  World w;
  w.deployment("web", 3, 2).spec.interfaces.push_back(staticAddresses(3));
  w.host("h1");
  revisionOne(w, 3);
  auto plan = w.plan();
  ASSERT_EQ(plan.steps.size(), 1u) << "surge 0, so one may be unavailable";
  EXPECT_EQ(plan.steps[0].kind, Kind::Destroy);
  EXPECT_EQ(plan.steps[0].ordinal, 0);

  World next;
  next.deployment("web", 3, 2).spec.interfaces.push_back(staticAddresses(3));
  next.host("h1").candidate.networks.insert("dmz");
  revisionOne(next, 3, true);
  auto refill = next.plan();
  ASSERT_EQ(refill.steps.size(), 1u);
  EXPECT_EQ(refill.steps[0].kind, Kind::Provision);
  EXPECT_EQ(refill.steps[0].ordinal, 0) << "its own address again";
}

TEST(ReconcilePlannerTest, ANewRevisionWaitsWhileItsNewInstancesAreNotAvailable) {
  World w;
  auto& d = w.deployment("web", 3, 2);
  d.spec.healthCheck = httpCheck();
  d.spec.strategy.maxSurge = IntOrPercent{1, false};
  d.spec.strategy.maxUnavailable = IntOrPercent{0, false};
  w.host("h1");
  w.instance("web-0", "web", 0, "h1");
  w.instance("web-1", "web", 1, "h1");
  w.instance("web-2", "web", 2, "h1", state::kGone, false);
  w.instance("web-3", "web", 3, "h1", state::kStarting).revision = 2;
  w.instance("web-4", "web", 2, "h1", state::kStarting).revision = 2;
  EXPECT_TRUE(w.plan().steps.empty()) << "at replicas + surge, and none new is available";
}

TEST(ReconcilePlannerTest, ANewInstanceCountsAsAvailableOnlyAfterMinReady) {
  World w;
  w.deployment("web", 2, 2).spec.minReadyMs = 5'000;
  w.host("h1");
  w.instance("web-0", "web", 0, "h1");
  w.instance("web-1", "web", 1, "h1");
  w.instance("web-2", "web", 2, "h1").revision = 2;  // Available for 1 s
  auto plan = w.plan();
  EXPECT_TRUE(plan.steps.empty());
  ASSERT_TRUE(plan.wakeAtMs.has_value());
  EXPECT_EQ(*plan.wakeAtMs, kNow - 1'000 + 5'000) << "the pass that may go on";

  w.s.nowMs = kNow + 4'000;
  ASSERT_EQ(w.plan().steps.size(), 1u);
  EXPECT_EQ(w.plan().steps[0].instanceId, "web-0");
}

TEST(ReconcilePlannerTest, AFailureThisPassCountsAgainstTheSurge) {
  World w;
  w.deployment("web", 2, 2);  // surge 1, unavailable 0
  w.host("h1");
  w.instance("web-0", "web", 0, "h1");
  w.instance("web-1", "web", 1, "h1", state::kAvailable, false);
  w.domain("h1", "web-1", "web", DomainState::Crashed);
  auto plan = w.plan();
  ASSERT_EQ(plan.steps.size(), 2u);
  EXPECT_EQ(plan.steps[0].instanceId, "web-1");
  EXPECT_EQ(plan.steps[0].reason, "domain crashed");
  EXPECT_EQ(plan.steps[1].kind, Kind::Provision) << "web-1 is still counted: 2 + 1 = 3";
  EXPECT_EQ(plan.steps[1].ordinal, 2);
  EXPECT_TRUE(stepsOf(plan, Kind::Destroy).size() == 1u) << "web-0 stays: none new available";
}

TEST(ReconcilePlannerTest, RecreateDestroysEveryOldInstanceThenProvisionsTheNewRevision) {
  World w;
  auto& dns = w.deployment("dns", 2, 2);
  dns.spec.strategy.type = StrategyRequest::Type::Recreate;
  dns.spec.healthCheck = httpCheck();
  w.host("h1");
  w.instance("dns-0", "dns", 0, "h1");
  w.instance("dns-1", "dns", 1, "h1", state::kStarting);
  auto plan = w.plan();
  ASSERT_EQ(plan.steps.size(), 2u);
  EXPECT_EQ(stepsOf(plan, Kind::Destroy).size(), 2u) << "no provision while they hold slots";

  World after;
  after.deployment("dns", 2, 2).spec.strategy.type = StrategyRequest::Type::Recreate;
  after.host("h1");
  after.instance("dns-0", "dns", 0, "h1", state::kGone, false);
  after.instance("dns-1", "dns", 1, "h1", state::kDestroying);
  EXPECT_TRUE(stepsOf(after.plan(), Kind::Provision).empty()) << "dns-1 is still being destroyed";
  after.s.instances.back().state = std::string(state::kGone);
  EXPECT_EQ(ordinalsOf(stepsOf(after.plan(), Kind::Provision)), (std::vector<int>{0, 1}));
}

TEST(ReconcilePlannerTest, AfterARolloutTheGoneRecordOfAnUnusedSlotIsForgotten) {
  World w;
  w.deployment("web", 2, 2);
  w.host("h1");
  w.instance("web-0", "web", 0, "h1").revision = 2;
  w.instance("web-1", "web", 1, "h1", state::kGone, false);
  w.instance("web-2", "web", 2, "h1").revision = 2;
  auto plan = w.plan();
  ASSERT_EQ(plan.steps.size(), 1u);
  EXPECT_EQ(plan.steps[0].kind, Kind::Forget);
  EXPECT_EQ(plan.steps[0].instanceId, "web-1");
}

TEST(ReconcilePlannerTest, OutsideARolloutOnlyTheReplicasSlotsAreFilled) {
  World w;
  w.deployment("web", 2);
  w.host("h1");
  w.instance("web-0", "web", 0, "h1");
  w.instance("web-1", "web", 1, "h1", state::kLost, false);
  w.unreachableFor("h2", 0);
  w.s.instances.back().host = "h2";
  w.host("h2");  // returned: web-1 is fenced this pass, its slot is busy
  auto plan = w.plan();
  EXPECT_TRUE(stepsOf(plan, Kind::Provision).empty()) << "not into surge slot 2";
  EXPECT_EQ(stepsOf(plan, Kind::Destroy).size(), 1u);
}

}  // namespace
}  // namespace stele::scheduler
