// Collects hypervisor events and waits (bounded) for one that matches.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <vector>

#include "hypervisor/hypervisor.h"

namespace stele::hypervisor::testing {

class EventRecorder {
 public:
  EventHandler handler() {
    return [this](const Event& event) {
      std::lock_guard lock(mutex_);
      events_.push_back(event);
      arrived_.notify_all();
    };
  }

  std::optional<Event> waitFor(const std::function<bool(const Event&)>& matches,
                               std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    std::optional<Event> found;
    arrived_.wait_for(lock, timeout, [&] {
      for (const auto& event : events_) {
        if (matches(event)) {
          found = event;
          return true;
        }
      }
      return false;
    });
    return found;
  }

  std::optional<Event> waitFor(EventKind kind, const std::string& instance,
                               std::chrono::milliseconds timeout) {
    return waitFor([&](const Event& e) { return e.kind == kind && e.instanceId == instance; },
                   timeout);
  }

  std::vector<Event> snapshot() {
    std::lock_guard lock(mutex_);
    return events_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<Event> events_;
};

inline const char* kindName(EventKind kind) {
  switch (kind) {
    case EventKind::DomainStarted:
      return "DomainStarted";
    case EventKind::DomainStopped:
      return "DomainStopped";
    case EventKind::DomainCrashed:
      return "DomainCrashed";
    case EventKind::DomainShutDown:
      return "DomainShutDown";
    case EventKind::InstanceAdopted:
      return "InstanceAdopted";
    case EventKind::InstanceLost:
      return "InstanceLost";
    case EventKind::HostConnected:
      return "HostConnected";
    case EventKind::HostDisconnected:
      return "HostDisconnected";
    case EventKind::HostReconnected:
      return "HostReconnected";
  }
  return "?";
}

}  // namespace stele::hypervisor::testing
