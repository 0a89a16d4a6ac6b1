// Host calls with a deadline, over any Hypervisor. A hung daemon (a libvirtd under SIGSTOP:
// its socket open, nothing answering) blocks a libvirt call for good: keepalive does not end a
// call already in its poll. Without a deadline one such call stalls the reconciler, and with it
// every host and deployment.
//
// Each host call (provision, destroy, listings, console, networks, resources) runs on a thread
// of its own while the caller waits at most its deadline (DeadlineOptions). A call that overruns
// answers Unavailable ("host_call_timeout") and leaves its thread behind, still waiting on the
// daemon; while it is there the host reports Unreachable, since the moment that call began, with a
// lastError naming it, and every new host call fails at once ("host_hung") instead of piling
// up threads. When the daemon answers at last, the stuck call finishes, its result is dropped,
// and the host is back. The reconciler treats the host as it treats any unreachable one: after
// its grace its instances are Lost and placed elsewhere, and fenced when it returns.
//
// The wrapped hypervisor is shared with the threads of overrunning calls, so it lives as long
// as the last of them.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "common/clock.h"
#include "hypervisor/hypervisor.h"

namespace stele::hypervisor {

struct DeadlineOptions {
  // Listings, states, console tails, resources and networks take milliseconds: past this the
  // daemon is taken for hung.
  std::chrono::milliseconds callDeadline{30'000};
  // A provision copies blobs and starts QEMU (seconds under TCG), a destroy waits for QEMU to
  // end: they get longer.
  std::chrono::milliseconds provisionDeadline{120'000};
};

class DeadlineHypervisor final : public Hypervisor {
 public:
  // `clock` must outlive this object.
  DeadlineHypervisor(std::shared_ptr<Hypervisor> inner, const Clock& clock,
                     DeadlineOptions options = {});
  ~DeadlineHypervisor() override = default;
  DeadlineHypervisor(const DeadlineHypervisor&) = delete;
  DeadlineHypervisor& operator=(const DeadlineHypervisor&) = delete;

  Result<void> connectHost(const HostConfig& host) override;
  Result<void> disconnectHost(const HostId& host) override;
  Result<void> awaitReachable(const HostId& host, std::chrono::milliseconds timeout) override;
  Result<HostStatus> hostStatus(const HostId& host) const override;
  Result<std::vector<HostStatus>> hosts() const override;
  Result<HostResources> hostResources(const HostId& host) override;

  Result<InstanceInfo> provision(const HostId& host, const DomainSpec& spec) override;
  Result<void> destroy(const HostId& host, const InstanceId& instance) override;
  Result<std::vector<InstanceInfo>> listInstances(const HostId& host) override;
  Result<DomainState> instanceState(const HostId& host, const InstanceId& instance) override;
  Result<std::string> consoleLogTail(const HostId& host, const InstanceId& instance,
                                     std::size_t maxBytes) override;

  Result<void> ensureNetwork(const HostId& host, const NetworkSpec& spec) override;
  Result<void> removeNetwork(const HostId& host, const std::string& name) override;

  Result<SubscriptionId> subscribe(EventHandler handler) override;
  Result<void> unsubscribe(SubscriptionId id) override;

 private:
  // Calls of one host that overran their deadline and have not returned yet.
  struct Overdue {
    int calls = 0;
    std::string oldest;        // what the oldest of them is ("listInstances")
    std::int64_t sinceMs = 0;  // when it began
  };
  struct Tracker;  // shared with the threads of overrunning calls

  template <class T, class Call>
  Result<T> withDeadline(const HostId& host, const char* what, std::chrono::milliseconds deadline,
                         Call call);
  HostStatus overlay(HostStatus status) const;

  std::shared_ptr<Hypervisor> inner_;
  const Clock& clock_;
  DeadlineOptions options_;
  std::shared_ptr<Tracker> tracker_;
};

}  // namespace stele::hypervisor
