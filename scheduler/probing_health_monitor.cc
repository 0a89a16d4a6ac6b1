#include "scheduler/probing_health_monitor.h"

namespace stele::scheduler {

ProbingHealthMonitor::ProbingHealthMonitor(health::Prober& prober,
                                           hypervisor::Hypervisor& hypervisor, const Clock& clock,
                                           std::function<void()> onChange,
                                           std::chrono::milliseconds tick)
    : prober_(prober),
      hypervisor_(hypervisor),
      clock_(clock),
      onChange_(std::move(onChange)),
      tickInterval_(tick) {}

ProbingHealthMonitor::~ProbingHealthMonitor() { stop(); }

std::map<std::string, HealthReport> ProbingHealthMonitor::reports(
    const std::vector<HealthTarget>& targets, std::int64_t) {
  std::map<std::string, HealthReport> out;
  std::lock_guard lock(mutex_);
  std::map<std::string, std::unique_ptr<Watched>> kept;
  for (const auto& target : targets) {
    auto it = watched_.find(target.instanceId);
    if (it == watched_.end()) {
      kept[target.instanceId] = std::make_unique<Watched>(
          Watched{target, health::HealthTracker(target.check, target.startedAtMs)});
    } else {
      kept[target.instanceId] = std::move(it->second);
    }
    const auto& status = kept[target.instanceId]->tracker.status();
    out[target.instanceId] = HealthReport{status.firstHealthyAtMs.has_value(),
                                          status.failedThreshold, status.lastDetail};
  }
  watched_ = std::move(kept);
  return out;
}

void ProbingHealthMonitor::finish(const std::string& instanceId, std::uint64_t probe, bool ok,
                                  std::string detail, bool proberFault) {
  bool changed = false;
  {
    std::lock_guard lock(mutex_);
    auto it = watched_.find(instanceId);
    if (it == watched_.end()) return;
    health::ProbeOutcome outcome{ok, clock_.nowMs(), std::move(detail), proberFault};
    changed =
        it->second->tracker.recordOutcome(probe, outcome) == health::OutcomeEffect::StateChanged;
  }
  if (changed && onChange_) onChange_();
}

void ProbingHealthMonitor::tick() {
  struct Due {
    std::string id;
    std::uint64_t probe;
    HealthTarget target;
    health::HealthCheckSpec spec;
  };
  std::vector<Due> due;
  bool changed = false;
  {
    std::lock_guard lock(mutex_);
    std::int64_t now = clock_.nowMs();
    for (auto& [id, w] : watched_) {
      if (w->tracker.expireOverdue(now) == health::OutcomeEffect::StateChanged) changed = true;
      if (w->tracker.probeInFlight() || w->tracker.nextProbeAtMs(now) > now) continue;
      due.push_back({id, w->tracker.probeSent(now), w->target, w->tracker.spec()});
    }
  }
  if (changed && onChange_) onChange_();
  for (auto& d : due) {
    if (const auto* console = std::get_if<health::ConsoleCheck>(&d.spec.kind)) {
      auto tail = hypervisor_.consoleLogTail(d.target.host, d.id, 256 << 10);
      bool ok = tail && tail->find(console->match) != std::string::npos;
      finish(d.id, d.probe, ok,
             ok ? "console line seen" : (tail ? "console line not seen yet" : "console unreadable"),
             !tail);
      continue;
    }
    health::ProbeRequest request{d.probe, d.spec.kind, d.target.address, d.target.netns,
                                 d.spec.timeoutMs};
    std::string id = d.id;
    prober_.submit(std::move(request), [this, id](const health::ProbeResult& result) {
      finish(id, result.key, result.ok, result.detail, result.proberFault);
    });
  }
}

void ProbingHealthMonitor::start() {
  thread_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      lock.unlock();
      tick();
      lock.lock();
      stopSignal_.wait_for(lock, tickInterval_, [this] { return stopping_; });
    }
  });
}

void ProbingHealthMonitor::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stopSignal_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace stele::scheduler
