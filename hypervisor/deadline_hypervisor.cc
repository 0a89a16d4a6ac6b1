#include "hypervisor/deadline_hypervisor.h"

#include <condition_variable>
#include <optional>
#include <thread>
#include <utility>

namespace stele::hypervisor {

struct DeadlineHypervisor::Tracker {
  std::mutex mutex;
  std::map<HostId, Overdue> overdue;
};

namespace {

std::string secondsText(std::int64_t ms) { return std::to_string(ms / 1000) + " s"; }

}  // namespace

DeadlineHypervisor::DeadlineHypervisor(std::shared_ptr<Hypervisor> inner, const Clock& clock,
                                       DeadlineOptions options)
    : inner_(std::move(inner)),
      clock_(clock),
      options_(options),
      tracker_(std::make_shared<Tracker>()) {}

template <class T, class Call>
Result<T> DeadlineHypervisor::withDeadline(const HostId& host, const char* what,
                                           std::chrono::milliseconds deadline, Call call) {
  {
    std::lock_guard lock(tracker_->mutex);
    auto it = tracker_->overdue.find(host);
    if (it != tracker_->overdue.end()) {
      return fail(ErrorKind::Unavailable, "host_hung",
                  "host " + host + " is not answering: its " + it->second.oldest +
                      " call has not returned for " +
                      secondsText(clock_.nowMs() - it->second.sinceMs));
    }
  }
  struct Shared {
    std::mutex mutex;
    std::condition_variable finished;
    std::optional<Result<T>> result;
    bool abandoned = false;  // the caller gave up waiting
  };
  auto shared = std::make_shared<Shared>();
  const std::int64_t startedMs = clock_.nowMs();
  std::thread worker(
      [shared, inner = inner_, tracker = tracker_, host, call = std::move(call)]() mutable {
        Result<T> result = call(*inner);
        bool abandoned = false;
        {
          std::lock_guard lock(shared->mutex);
          shared->result.emplace(std::move(result));
          abandoned = shared->abandoned;
        }
        shared->finished.notify_all();
        if (!abandoned) return;
        std::lock_guard lock(tracker->mutex);
        auto it = tracker->overdue.find(host);
        if (it != tracker->overdue.end() && --it->second.calls <= 0) tracker->overdue.erase(it);
      });
  std::unique_lock lock(shared->mutex);
  if (shared->finished.wait_for(lock, deadline, [&] { return shared->result.has_value(); })) {
    Result<T> result = std::move(*shared->result);
    lock.unlock();
    worker.join();
    return result;
  }
  // Counted while the call's own lock is held, so its end (which takes that lock first)
  // cannot uncount it before it is counted.
  shared->abandoned = true;
  {
    std::lock_guard overdue(tracker_->mutex);
    Overdue& o = tracker_->overdue[host];
    if (o.calls++ == 0) {
      o.oldest = what;
      o.sinceMs = startedMs;
    }
  }
  lock.unlock();
  worker.detach();
  return fail(ErrorKind::Unavailable, "host_call_timeout",
              "host " + host + ": " + what + " did not return within " +
                  std::to_string(deadline.count()) +
                  " ms; the host counts as unreachable until it does");
}

HostStatus DeadlineHypervisor::overlay(HostStatus status) const {
  std::lock_guard lock(tracker_->mutex);
  auto it = tracker_->overdue.find(status.id);
  if (it == tracker_->overdue.end()) return status;
  status.reachability = HostReachability::Unreachable;
  status.sinceUnix = it->second.sinceMs / 1000;
  status.lastError = "not answering: its " + it->second.oldest + " call has not returned for " +
                     secondsText(clock_.nowMs() - it->second.sinceMs) + " (a hung daemon?)";
  return status;
}

Result<void> DeadlineHypervisor::connectHost(const HostConfig& host) {
  return inner_->connectHost(host);
}

Result<void> DeadlineHypervisor::disconnectHost(const HostId& host) {
  return inner_->disconnectHost(host);
}

Result<void> DeadlineHypervisor::awaitReachable(const HostId& host,
                                                std::chrono::milliseconds timeout) {
  return inner_->awaitReachable(host, timeout);
}

Result<HostStatus> DeadlineHypervisor::hostStatus(const HostId& host) const {
  auto status = inner_->hostStatus(host);
  if (!status) return status;
  return overlay(std::move(*status));
}

Result<std::vector<HostStatus>> DeadlineHypervisor::hosts() const {
  auto all = inner_->hosts();
  if (!all) return all;
  for (auto& status : *all) status = overlay(std::move(status));
  return all;
}

Result<HostResources> DeadlineHypervisor::hostResources(const HostId& host) {
  return withDeadline<HostResources>(host, "hostResources", options_.callDeadline,
                                     [host](Hypervisor& h) { return h.hostResources(host); });
}

Result<InstanceInfo> DeadlineHypervisor::provision(const HostId& host, const DomainSpec& spec) {
  return withDeadline<InstanceInfo>(
      host, "provision", options_.provisionDeadline,
      [host, spec](Hypervisor& h) { return h.provision(host, spec); });
}

Result<void> DeadlineHypervisor::destroy(const HostId& host, const InstanceId& instance) {
  return withDeadline<void>(host, "destroy", options_.provisionDeadline,
                            [host, instance](Hypervisor& h) { return h.destroy(host, instance); });
}

Result<std::vector<InstanceInfo>> DeadlineHypervisor::listInstances(const HostId& host) {
  return withDeadline<std::vector<InstanceInfo>>(
      host, "listInstances", options_.callDeadline,
      [host](Hypervisor& h) { return h.listInstances(host); });
}

Result<DomainState> DeadlineHypervisor::instanceState(const HostId& host,
                                                      const InstanceId& instance) {
  return withDeadline<DomainState>(
      host, "instanceState", options_.callDeadline,
      [host, instance](Hypervisor& h) { return h.instanceState(host, instance); });
}

Result<std::string> DeadlineHypervisor::consoleLogTail(const HostId& host,
                                                       const InstanceId& instance,
                                                       std::size_t maxBytes) {
  return withDeadline<std::string>(host, "consoleLogTail", options_.callDeadline,
                                   [host, instance, maxBytes](Hypervisor& h) {
                                     return h.consoleLogTail(host, instance, maxBytes);
                                   });
}

Result<void> DeadlineHypervisor::ensureNetwork(const HostId& host, const NetworkSpec& spec) {
  return withDeadline<void>(host, "ensureNetwork", options_.callDeadline,
                            [host, spec](Hypervisor& h) { return h.ensureNetwork(host, spec); });
}

Result<void> DeadlineHypervisor::removeNetwork(const HostId& host, const std::string& name) {
  return withDeadline<void>(host, "removeNetwork", options_.callDeadline,
                            [host, name](Hypervisor& h) { return h.removeNetwork(host, name); });
}

Result<SubscriptionId> DeadlineHypervisor::subscribe(EventHandler handler) {
  return inner_->subscribe(std::move(handler));
}

Result<void> DeadlineHypervisor::unsubscribe(SubscriptionId id) { return inner_->unsubscribe(id); }

}  // namespace stele::hypervisor
