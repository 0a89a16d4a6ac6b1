// What the reconciler needs of health checking: for the instances it names, whether each has
// passed its check since it started and whether it has failed its threshold. Implementations
// probe from outside the guest (network checks through the prober, console lines through the
// hypervisor), or read scripted answers in tests.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "scheduler/reconcile_plan.h"
#include "scheduler/resources.h"

namespace stele::scheduler {

struct HealthTarget {
  std::string instanceId;
  std::string host;
  health::HealthCheckSpec check;
  std::string address;       // the instance's first address (or the check's target)
  std::string netns;         // where to probe from: the check's vantage, else the host's
  std::int64_t startedAtMs;  // when its domain started
};

class HealthMonitor {
 public:
  virtual ~HealthMonitor() = default;
  // Called once per reconcile pass with every instance that has a check and a running domain;
  // instances no longer named are forgotten. Must not block on probes.
  virtual std::map<std::string, HealthReport> reports(const std::vector<HealthTarget>& targets,
                                                      std::int64_t nowMs) = 0;
};

}  // namespace stele::scheduler
