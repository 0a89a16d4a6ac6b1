// The production HealthMonitor: probes every watched instance from outside the guest on its
// own schedule (a ticker thread; network checks through the Prober, console checks by reading
// the serial log through the hypervisor), keeps one HealthTracker per instance, and wakes the
// reconciler when an instance's health changes. reports() never blocks on a probe.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "common/clock.h"
#include "hypervisor/hypervisor.h"
#include "scheduler/health/health_tracker.h"
#include "scheduler/health/prober.h"
#include "scheduler/health_monitor.h"

namespace stele::scheduler {

class ProbingHealthMonitor final : public HealthMonitor {
 public:
  ProbingHealthMonitor(health::Prober& prober, hypervisor::Hypervisor& hypervisor,
                       const Clock& clock, std::function<void()> onChange,
                       std::chrono::milliseconds tick = std::chrono::milliseconds(20));
  ~ProbingHealthMonitor() override;

  std::map<std::string, HealthReport> reports(const std::vector<HealthTarget>& targets,
                                              std::int64_t nowMs) override;
  void start();
  void stop();
  // One round of due probes (the ticker calls it; tests may too).
  void tick();

 private:
  struct Watched {
    HealthTarget target;
    health::HealthTracker tracker;
  };
  void finish(const std::string& instanceId, std::uint64_t probe, bool ok, std::string detail,
              bool proberFault);

  health::Prober& prober_;
  hypervisor::Hypervisor& hypervisor_;
  const Clock& clock_;
  std::function<void()> onChange_;
  std::chrono::milliseconds tickInterval_;
  std::mutex mutex_;
  std::map<std::string, std::unique_ptr<Watched>> watched_;
  std::condition_variable stopSignal_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace stele::scheduler
