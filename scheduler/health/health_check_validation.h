// Checks a HealthCheckSpec before it is stored, naming the field (`healthCheck.periodMs`) in
// the error, so the apply path refuses what the prober or the tracker could not honour.
#pragma once

#include <string>

#include "common/error.h"
#include "scheduler/health/health_check.h"

namespace stele::scheduler::health {

constexpr std::int64_t kMaxProbeTimeoutMs = 60000;

Result<void> validateHealthCheckSpec(const HealthCheckSpec& spec);

// `ip netns` names the prober may enter: 1-64 of [A-Za-z0-9._-], not "." or "..".
bool isValidNetnsName(const std::string& name);

}  // namespace stele::scheduler::health
