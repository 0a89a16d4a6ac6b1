// One supervised libvirt connection per host (internal to the module).
//
// A supervisor thread opens the connection (never a request thread), sets keepalive, registers
// the connection-close and domain-lifecycle callbacks, lists the host's Stele domains (each is
// reported InstanceAdopted), then waits for libvirt events, a close, or the periodic listing
// backstop. A close marks the host unreachable and its instances lost, then reconnects with
// exponential backoff. Callbacks run on libvirt's event-loop thread and only queue work here.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "hypervisor/hypervisor.h"
#include "hypervisor/instance_observation.h"
#include "hypervisor/libvirt_handles.h"
#include "hypervisor/libvirt_hypervisor.h"

namespace stele::hypervisor {

struct ConnectionSignals;
struct CallbackContext;

class HostConnection {
 public:
  using Emit = std::function<void(Event)>;

  HostConnection(HostConfig config, const Clock& clock, LibvirtHypervisorOptions options,
                 Emit emit);
  ~HostConnection();  // stops the supervisor and closes the connection
  HostConnection(const HostConnection&) = delete;
  HostConnection& operator=(const HostConnection&) = delete;

  const HostConfig& config() const { return config_; }
  HostStatus status() const;
  // The live connection, or Unavailable while the host is unreachable.
  Result<ConnectionHandle> connection() const;
  Result<void> awaitReachable(std::chrono::milliseconds timeout) const;

  // Bookkeeping by request threads so events for their domains resolve to instance ids.
  void noteInstance(const InstanceId& instance, const std::string& domainName, DomainState state);
  void forgetInstance(const InstanceId& instance);
  std::optional<std::string> domainNameOf(const InstanceId& instance) const;

 private:
  void supervise();
  bool connectOnce();
  void handleLifecycleEvents();
  void handleConnectionLost(const std::string& reason);
  void runBackstop();
  void teardownConnection();
  void setReachability(HostReachability reachability, std::string error);
  // Unreachable with `summary` as lastError; `detail` (libvirt's text) goes to the log only.
  void markConnectFailed(const std::string& summary, const std::string& detail);
  void emit(EventKind kind, const InstanceId& instance, const std::string& domainName,
            bool fromBackstop = false, std::string detail = {});

  const HostConfig config_;
  const Clock& clock_;
  const LibvirtHypervisorOptions options_;
  const Emit emit_;
  std::shared_ptr<ConnectionSignals> signals_;

  mutable std::mutex mutex_;  // guards everything below
  mutable std::condition_variable reachabilityChanged_;
  HostStatus status_;
  ConnectionHandle connection_;
  std::uint64_t generation_ = 0;
  int lifecycleCallbackId_ = -1;
  bool everConnected_ = false;
  Observation observation_;
  std::map<std::string, InstanceId> instanceByDomainName_;

  // Close-callback contexts: the test driver accepts the registration without ever calling a
  // free callback, so they are owned here (supervisor thread only) and live as long as we do.
  std::vector<std::unique_ptr<CallbackContext>> closeContexts_;
  std::string lastLoggedFailure_;  // supervisor thread only: a retry loop logs a reason once

  std::thread supervisor_;
};

}  // namespace stele::hypervisor
