#include "scheduler/health/health_tracker.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace stele::scheduler::health {
namespace {

constexpr auto S = HealthState::Starting;
constexpr auto H = HealthState::Healthy;
constexpr auto U = HealthState::Unhealthy;

HealthCheckSpec spec(int successThreshold = 1, int failureThreshold = 3,
                     std::int64_t startupTimeoutMs = 0) {
  HealthCheckSpec s;
  s.kind = HttpCheck{};
  s.successThreshold = successThreshold;
  s.failureThreshold = failureThreshold;
  s.startupTimeoutMs = startupTimeoutMs;
  return s;
}

ProbeOutcome ok(std::int64_t atMs) { return {true, atMs, "http 200", false}; }
ProbeOutcome bad(std::int64_t atMs, std::string detail = "http 503") {
  return {false, atMs, std::move(detail), false};
}

// One probe: sent at atMs, its outcome 1 ms later. 'o' ok, 'f' failure, 'p' prober fault.
struct Step {
  std::int64_t atMs;
  char outcome;
  HealthState state;
  bool failed;
  int failures;
};

struct Case {
  std::string name;
  HealthCheckSpec spec;
  std::vector<Step> steps;
};

TEST(HealthTracker, FollowsThresholdsStartupAndRecoveryTable) {
  std::vector<Case> cases = {
      {"one success makes it healthy", spec(), {{0, 'o', H, false, 0}}},
      {"success threshold 3 needs three in a row",
       spec(3),
       {{0, 'o', S, false, 0},
        {200, 'o', S, false, 0},
        {400, 'f', S, false, 1},
        {600, 'o', S, false, 0},
        {800, 'o', S, false, 0},
        {1000, 'o', H, false, 0}}},
      {"three failures after healthy fail it",
       spec(),
       {{0, 'o', H, false, 0},
        {200, 'f', H, false, 1},
        {400, 'f', H, false, 2},
        {600, 'f', U, true, 3},
        {800, 'f', U, true, 4}}},
      {"a success resets the failure run",
       spec(),
       {{0, 'o', H, false, 0},
        {200, 'f', H, false, 1},
        {400, 'f', H, false, 2},
        {600, 'o', H, false, 0},
        {800, 'f', H, false, 1}}},
      {"recovery makes it healthy again but failedThreshold stays",
       spec(2),
       {{0, 'o', S, false, 0},
        {200, 'o', H, false, 0},
        {400, 'f', H, false, 1},
        {600, 'f', H, false, 2},
        {800, 'f', U, true, 3},
        {1000, 'o', U, true, 0},
        {1200, 'o', H, true, 0}}},
      {"failure threshold 1 fails at the first failure",
       spec(1, 1),
       {{0, 'o', H, false, 0}, {200, 'f', U, true, 1}}},
      {"failures while starting wait for the startup timeout",
       spec(1, 3, 1000),
       {{0, 'f', S, false, 1},
        {200, 'f', S, false, 2},
        {400, 'f', S, false, 3},
        {800, 'f', S, false, 4},
        {1000, 'f', U, true, 5}}},
      {"a slow boot that comes up inside the startup timeout is healthy",
       spec(1, 3, 1000),
       {{0, 'f', S, false, 1},
        {200, 'f', S, false, 2},
        {400, 'f', S, false, 3},
        {600, 'o', H, false, 0}}},
      {"past the startup timeout a starting instance still needs the failure threshold",
       spec(1, 3, 100),
       {{200, 'f', S, false, 1}, {400, 'f', S, false, 2}, {600, 'f', U, true, 3}}},
      {"prober faults count neither way",
       spec(),
       {{0, 'o', H, false, 0},
        {200, 'f', H, false, 1},
        {400, 'p', H, false, 1},
        {600, 'p', H, false, 1},
        {800, 'f', H, false, 2},
        {1000, 'f', U, true, 3}}},
  };
  for (const Case& c : cases) {
    HealthTracker tracker(c.spec, 0);
    for (std::size_t i = 0; i < c.steps.size(); ++i) {
      const Step& step = c.steps[i];
      std::uint64_t probe = tracker.probeSent(step.atMs);
      ProbeOutcome outcome{step.outcome == 'o', step.atMs + 1, "d", step.outcome == 'p'};
      tracker.recordOutcome(probe, outcome);
      const HealthStatus& s = tracker.status();
      EXPECT_EQ(s.state, step.state)
          << c.name << ", step " << i << ": " << healthStateName(s.state);
      EXPECT_EQ(s.failedThreshold, step.failed) << c.name << ", step " << i;
      EXPECT_EQ(s.consecutiveFailures, step.failures) << c.name << ", step " << i;
    }
  }
}

TEST(HealthTracker, RecordsWhenItFirstBecameHealthyAndWhenItFailed) {
  HealthTracker tracker(spec(1, 1), 1000);
  tracker.recordOutcome(tracker.probeSent(1000), ok(1003));
  tracker.recordOutcome(tracker.probeSent(1200), bad(1201, "http 503"));
  tracker.recordOutcome(tracker.probeSent(1400), ok(1402));
  tracker.recordOutcome(tracker.probeSent(1600), bad(1601));
  const HealthStatus& s = tracker.status();
  ASSERT_TRUE(s.firstHealthyAtMs);
  EXPECT_EQ(*s.firstHealthyAtMs, 1003);
  ASSERT_TRUE(s.failedAtMs);
  EXPECT_EQ(*s.failedAtMs, 1201);  // the first failure of the threshold, kept
  EXPECT_EQ(s.stateSinceMs, 1601);
  EXPECT_EQ(s.probesCounted, 4);
}

TEST(HealthTracker, WaitsForTheInitialDelayBeforeTheFirstProbe) {
  HealthCheckSpec s = spec();
  s.initialDelayMs = 300;
  HealthTracker tracker(s, 10'000);
  EXPECT_EQ(tracker.nextProbeAtMs(10'000), 10'300);
  EXPECT_EQ(tracker.nextProbeAtMs(10'299), 10'300);
  EXPECT_EQ(tracker.nextProbeAtMs(10'300), 10'300);
  EXPECT_EQ(tracker.nextProbeAtMs(10'450), 10'450);  // overdue: now
}

TEST(HealthTracker, InitialDelayPostponesTheStartupTimeout) {
  HealthCheckSpec s = spec(1, 1, 1000);
  s.initialDelayMs = 500;
  HealthTracker tracker(s, 0);
  tracker.recordOutcome(tracker.probeSent(1400), bad(1400));
  EXPECT_EQ(tracker.status().state, S);
  tracker.recordOutcome(tracker.probeSent(1500), bad(1500));
  EXPECT_EQ(tracker.status().state, U);
}

TEST(HealthTracker, NextProbeIsOnePeriodAfterTheLastWasSent) {
  HealthCheckSpec s = spec();
  s.periodMs = 200;
  HealthTracker tracker(s, 0);
  std::uint64_t probe = tracker.probeSent(0);
  tracker.recordOutcome(probe, ok(5));
  EXPECT_EQ(tracker.nextProbeAtMs(5), 200);
  EXPECT_EQ(tracker.nextProbeAtMs(250), 250);
}

TEST(HealthTracker, ProbesDoNotOverlapWhenTheTimeoutExceedsThePeriod) {
  HealthCheckSpec s = spec();
  s.periodMs = 200;
  s.timeoutMs = 500;
  HealthTracker tracker(s, 0);
  std::uint64_t probe = tracker.probeSent(0);
  // In flight: nothing new until it is overdue (timeout + grace).
  EXPECT_EQ(tracker.nextProbeAtMs(300), 500 + HealthTracker::kResultGraceMs);
  tracker.recordOutcome(probe, bad(500, "timeout after 500 ms"));
  EXPECT_EQ(tracker.nextProbeAtMs(500), 500);  // the result came after the period: now
}

TEST(HealthTracker, TimeoutsReportedByTheProberCountAsFailures) {
  HealthTracker tracker(spec(1, 2), 0);
  tracker.recordOutcome(tracker.probeSent(0), ok(1));
  tracker.recordOutcome(tracker.probeSent(200), bad(700, "timeout after 500 ms"));
  tracker.recordOutcome(tracker.probeSent(700), bad(1200, "timeout after 500 ms"));
  EXPECT_EQ(tracker.status().state, U);
  EXPECT_TRUE(tracker.status().failedThreshold);
  EXPECT_EQ(tracker.status().lastDetail, "timeout after 500 ms");
}

TEST(HealthTracker, AProbeWhoseResultNeverComesExpiresAsAFailure) {
  HealthCheckSpec s = spec(1, 1);
  s.timeoutMs = 500;
  HealthTracker tracker(s, 0);
  tracker.recordOutcome(tracker.probeSent(0), ok(1));
  std::uint64_t lost = tracker.probeSent(200);
  EXPECT_EQ(tracker.expireOverdue(200 + 500 + HealthTracker::kResultGraceMs - 1),
            OutcomeEffect::Ignored);
  EXPECT_EQ(tracker.status().state, H);
  EXPECT_EQ(tracker.expireOverdue(200 + 500 + HealthTracker::kResultGraceMs),
            OutcomeEffect::StateChanged);
  EXPECT_EQ(tracker.status().state, U);
  EXPECT_EQ(tracker.status().lastDetail, "no result within 500 ms");
  // Its result, arriving at last, changes nothing.
  EXPECT_EQ(tracker.recordOutcome(lost, ok(5000)), OutcomeEffect::Ignored);
  EXPECT_EQ(tracker.status().consecutiveFailures, 1);
}

TEST(HealthTracker, SendingPastTheGraceExpiresTheProbeInFlightFirst) {
  HealthTracker tracker(spec(), 0);
  tracker.probeSent(0);
  tracker.probeSent(10'000);
  EXPECT_EQ(tracker.status().consecutiveFailures, 1);
  EXPECT_TRUE(tracker.probeInFlight());
}

TEST(HealthTracker, IgnoresOutcomesOfOtherProbesAndDuplicates) {
  HealthTracker tracker(spec(), 0);
  std::uint64_t probe = tracker.probeSent(0);
  EXPECT_EQ(tracker.recordOutcome(probe + 1, ok(1)), OutcomeEffect::Ignored);
  EXPECT_EQ(tracker.recordOutcome(probe, ok(1)), OutcomeEffect::StateChanged);
  EXPECT_EQ(tracker.recordOutcome(probe, bad(2)), OutcomeEffect::Ignored);
  EXPECT_EQ(tracker.status().state, H);
  EXPECT_EQ(tracker.status().probesCounted, 1);
}

TEST(HealthTracker, SaysWhenAnOutcomeChangedTheState) {
  HealthTracker tracker(spec(2), 0);
  EXPECT_EQ(tracker.recordOutcome(tracker.probeSent(0), ok(1)), OutcomeEffect::Counted);
  EXPECT_EQ(tracker.recordOutcome(tracker.probeSent(200), ok(201)), OutcomeEffect::StateChanged);
  EXPECT_EQ(tracker.recordOutcome(tracker.probeSent(400), ok(401)), OutcomeEffect::Counted);
}

TEST(HealthTracker, DefaultsSuitFastBootingVms) {
  HealthCheckSpec s;
  EXPECT_EQ(s.initialDelayMs, 0);
  EXPECT_EQ(s.periodMs, 200);
  EXPECT_EQ(s.timeoutMs, 500);
  EXPECT_EQ(s.successThreshold, 1);
  EXPECT_EQ(s.failureThreshold, 3);
  EXPECT_EQ(s.startupTimeoutMs, 10'000);
}

}  // namespace
}  // namespace stele::scheduler::health
