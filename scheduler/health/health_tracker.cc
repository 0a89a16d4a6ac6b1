#include "scheduler/health/health_tracker.h"

#include <algorithm>
#include <utility>

namespace stele::scheduler::health {

const char* healthStateName(HealthState state) {
  switch (state) {
    case HealthState::Starting:
      return "Starting";
    case HealthState::Healthy:
      return "Healthy";
    case HealthState::Unhealthy:
      return "Unhealthy";
  }
  return "Unknown";
}

HealthTracker::HealthTracker(HealthCheckSpec spec, std::int64_t startedAtMs)
    : spec_(std::move(spec)), startedAtMs_(startedAtMs) {
  spec_.periodMs = std::max<std::int64_t>(spec_.periodMs, 1);
  spec_.timeoutMs = std::max<std::int64_t>(spec_.timeoutMs, 1);
  spec_.initialDelayMs = std::max<std::int64_t>(spec_.initialDelayMs, 0);
  spec_.successThreshold = std::max(spec_.successThreshold, 1);
  spec_.failureThreshold = std::max(spec_.failureThreshold, 1);
  status_.stateSinceMs = startedAtMs;
}

std::int64_t HealthTracker::nextProbeAtMs(std::int64_t nowMs) const {
  std::int64_t due;
  if (!anySent_)
    due = startedAtMs_ + spec_.initialDelayMs;
  else if (inFlight_)
    due =
        std::max(lastSentAtMs_ + spec_.periodMs, lastSentAtMs_ + spec_.timeoutMs + kResultGraceMs);
  else
    due = std::max(lastSentAtMs_ + spec_.periodMs, lastResultAtMs_);
  return std::max(due, nowMs);
}

std::uint64_t HealthTracker::probeSent(std::int64_t nowMs) {
  expireOverdue(nowMs);
  inFlight_ = true;
  anySent_ = true;
  lastSentAtMs_ = nowMs;
  return ++lastProbe_;
}

OutcomeEffect HealthTracker::recordOutcome(std::uint64_t probe, const ProbeOutcome& outcome) {
  if (!inFlight_ || probe != lastProbe_) return OutcomeEffect::Ignored;
  inFlight_ = false;
  lastResultAtMs_ = outcome.atMs;
  if (outcome.proberFault) return OutcomeEffect::Ignored;
  return count(outcome.ok, outcome.atMs, outcome.detail);
}

OutcomeEffect HealthTracker::expireOverdue(std::int64_t nowMs) {
  std::int64_t deadline = lastSentAtMs_ + spec_.timeoutMs + kResultGraceMs;
  if (!inFlight_ || nowMs < deadline) return OutcomeEffect::Ignored;
  inFlight_ = false;
  lastResultAtMs_ = nowMs;
  return count(false, nowMs, "no result within " + std::to_string(spec_.timeoutMs) + " ms");
}

bool HealthTracker::startupOver(std::int64_t atMs) const {
  return atMs >= startedAtMs_ + spec_.initialDelayMs + spec_.startupTimeoutMs;
}

void HealthTracker::moveTo(HealthState state, std::int64_t atMs) {
  status_.state = state;
  status_.stateSinceMs = atMs;
}

OutcomeEffect HealthTracker::count(bool ok, std::int64_t atMs, const std::string& detail) {
  HealthState before = status_.state;
  status_.lastDetail = detail;
  ++status_.probesCounted;
  if (ok) {
    ++status_.consecutiveSuccesses;
    status_.consecutiveFailures = 0;
    if (before != HealthState::Healthy && status_.consecutiveSuccesses >= spec_.successThreshold) {
      moveTo(HealthState::Healthy, atMs);
      if (!status_.firstHealthyAtMs) status_.firstHealthyAtMs = atMs;
    }
  } else {
    ++status_.consecutiveFailures;
    status_.consecutiveSuccesses = 0;
    bool overThreshold = status_.consecutiveFailures >= spec_.failureThreshold;
    bool mayFail =
        before == HealthState::Healthy || (before == HealthState::Starting && startupOver(atMs));
    if (overThreshold && mayFail) {
      moveTo(HealthState::Unhealthy, atMs);
      if (!status_.failedThreshold) {
        status_.failedThreshold = true;
        status_.failedAtMs = atMs;
      }
    }
  }
  return status_.state == before ? OutcomeEffect::Counted : OutcomeEffect::StateChanged;
}

}  // namespace stele::scheduler::health
