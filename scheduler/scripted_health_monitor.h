// A HealthMonitor whose answers a test writes: the file DIR/<instance-id> holds "pass" or
// "fail: reason"; no file means no answer yet. Enabled only by `stele server
// --test-health-dir`, for hosts on libvirt's test driver, where no VM runs to be probed.
#pragma once

#include <string>

#include "scheduler/health_monitor.h"

namespace stele::scheduler {

class ScriptedHealthMonitor final : public HealthMonitor {
 public:
  explicit ScriptedHealthMonitor(std::string directory) : directory_(std::move(directory)) {}
  std::map<std::string, HealthReport> reports(const std::vector<HealthTarget>& targets,
                                              std::int64_t nowMs) override;

 private:
  std::string directory_;
};

}  // namespace stele::scheduler
