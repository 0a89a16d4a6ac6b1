// The health of one instance, from the stream of its probe outcomes. Pure: no I/O, no clock
// read; every time is handed in by the caller (milliseconds, the caller's Clock).
//
// States: Starting (never Healthy yet) -> Healthy after successThreshold consecutive
// successes; Healthy -> Unhealthy after failureThreshold consecutive failures; Unhealthy ->
// Healthy again after successThreshold successes (recovery). While Starting, failures count
// but fail the instance only once startupTimeoutMs has passed after the initial delay, so a
// guest that boots slowly is not killed in a loop, and one that never comes up still is.
// `failedThreshold` is sticky: once the check failed its threshold, the reconciler replaces
// the instance even if a later probe passes.
//
// Probes never overlap: the next one is due one period after the last one was sent, or when
// its result arrived if that was later. A probe whose result never comes is counted as a
// timeout failure kResultGraceMs after its own timeout.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "scheduler/health/health_check.h"

namespace stele::scheduler::health {

enum class HealthState { Starting, Healthy, Unhealthy };
const char* healthStateName(HealthState state);

struct ProbeOutcome {
  bool ok = false;
  std::int64_t atMs = 0;     // when the result arrived
  std::string detail;        // as the prober said it ("http 503", "timeout after 500 ms")
  bool proberFault = false;  // the prober's own failure (no socket, no netns): counts neither way
};

struct HealthStatus {
  HealthState state = HealthState::Starting;
  std::int64_t stateSinceMs = 0;
  int consecutiveSuccesses = 0;
  int consecutiveFailures = 0;
  bool failedThreshold = false;  // sticky: the check failed its threshold; replace the instance
  std::optional<std::int64_t> failedAtMs;
  std::optional<std::int64_t> firstHealthyAtMs;
  std::string lastDetail;
  std::int64_t probesCounted = 0;  // outcomes that counted (not ignored, not prober faults)
};

enum class OutcomeEffect {
  Ignored,       // not the probe in flight (late, duplicate or expired): nothing changed
  Counted,       // counts updated, same state
  StateChanged,  // state (and maybe failedThreshold) changed: worth an event
};

class HealthTracker {
 public:
  static constexpr std::int64_t kResultGraceMs = 1000;

  HealthTracker(HealthCheckSpec spec, std::int64_t startedAtMs);

  // When the next probe should be sent: nowMs if it is due (or overdue), else a later time.
  std::int64_t nextProbeAtMs(std::int64_t nowMs) const;
  // A probe leaves at nowMs; first expires an in-flight probe past its grace. Returns the
  // probe's number, to hand back with its outcome.
  std::uint64_t probeSent(std::int64_t nowMs);
  OutcomeEffect recordOutcome(std::uint64_t probe, const ProbeOutcome& outcome);
  // Counts the probe in flight as a timeout failure if nowMs is past its timeout + grace.
  OutcomeEffect expireOverdue(std::int64_t nowMs);

  const HealthStatus& status() const { return status_; }
  const HealthCheckSpec& spec() const { return spec_; }
  bool probeInFlight() const { return inFlight_; }

 private:
  OutcomeEffect count(bool ok, std::int64_t atMs, const std::string& detail);
  void moveTo(HealthState state, std::int64_t atMs);
  bool startupOver(std::int64_t atMs) const;

  HealthCheckSpec spec_;
  std::int64_t startedAtMs_;
  HealthStatus status_;
  std::uint64_t lastProbe_ = 0;
  bool inFlight_ = false;
  bool anySent_ = false;
  std::int64_t lastSentAtMs_ = 0;
  std::int64_t lastResultAtMs_ = 0;
};

}  // namespace stele::scheduler::health
