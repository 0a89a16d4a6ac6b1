// The hypervisor seen from the scheduler: hosts, instances (domains), networks and events.
// No libvirt types here; every function returns stele::Result and never throws.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/error.h"
#include "hypervisor/domain_spec.h"
#include "hypervisor/network_spec.h"

namespace stele::hypervisor {

struct HostConfig {
  HostId id;        // the inventory's name for the host
  std::string uri;  // qemu:///system, qemu+unix:///system?socket=..., qemu+ssh://...,
                    // qemu+tls://..., test:///abs/path.xml
  Acceleration acceleration = Acceleration::Kvm;
  std::string instanceDir;  // absolute; per-instance kernel/initrd/config/console live below it
                            // (must be on the libvirt host's filesystem)
};

enum class HostReachability { Connecting, Reachable, Unreachable };

struct HostStatus {
  HostId id;
  std::string uri;
  HostReachability reachability = HostReachability::Connecting;
  std::int64_t sinceUnix = 0;  // when reachability last changed (injected Clock)
  std::string lastError;       // why the last connect failed, if it did: a safe summary
                               // (libvirt's error class and number), never libvirt's text
};

struct HostResources {
  unsigned cpus = 0;  // capacity (virNodeGetInfo)
  std::uint64_t memoryMiB = 0;
  unsigned allocatedVcpus = 0;  // sum over active domains, Stele's or not
  std::uint64_t allocatedMemoryMiB = 0;
  unsigned activeDomains = 0;
};

enum class DomainState { Running, Paused, ShuttingDown, ShutOff, Crashed, Other };

struct InstanceInfo {
  InstanceMetadata metadata;
  std::string domainName;
  DomainState state = DomainState::Other;
};

enum class EventKind {
  DomainStarted,
  DomainStopped,     // destroyed, or stopped for another non-guest reason
  DomainCrashed,     // QEMU died or the guest crashed
  DomainShutDown,    // the guest powered itself off
  InstanceAdopted,   // a Stele domain found on (re)connect: the host still holds it
  InstanceLost,      // its host became unreachable: its fate is unknown
  HostConnected,     // first connection to a host
  HostDisconnected,  // connection closed (host unreachable until HostReconnected)
  HostReconnected,
};

struct Event {
  EventKind kind = EventKind::DomainStarted;
  HostId host;
  InstanceId instanceId;      // empty for host events
  std::string domainName;     // empty for host events
  std::int64_t atUnix = 0;    // injected Clock
  bool fromBackstop = false;  // found by the periodic listing rather than a libvirt event
  std::string detail;         // e.g. libvirt's close reason
};

// Called on the hypervisor's own dispatch thread, one event at a time, in order per host.
// Must not block for long. Exceptions thrown by a handler are caught and dropped.
using EventHandler = std::function<void(const Event&)>;
using SubscriptionId = std::uint64_t;

class Hypervisor {
 public:
  virtual ~Hypervisor() = default;

  // Registers a host and starts connecting in the background; returns at once.
  // Conflict if the id is already registered.
  virtual Result<void> connectHost(const HostConfig& host) = 0;
  virtual Result<void> disconnectHost(const HostId& host) = 0;
  // Unavailable if the host is not reachable within the timeout.
  virtual Result<void> awaitReachable(const HostId& host, std::chrono::milliseconds timeout) = 0;
  virtual Result<HostStatus> hostStatus(const HostId& host) const = 0;
  virtual Result<std::vector<HostStatus>> hosts() const = 0;
  virtual Result<HostResources> hostResources(const HostId& host) = 0;

  // define (validated) + start. A failure leaves no domain and no per-instance file behind.
  virtual Result<InstanceInfo> provision(const HostId& host, const DomainSpec& spec) = 0;
  // destroy + undefine + remove per-instance files. NotFound if no such domain (files, if any,
  // are still removed).
  virtual Result<void> destroy(const HostId& host, const InstanceId& instance) = 0;
  // Domains on the host that carry Stele metadata, running or not.
  virtual Result<std::vector<InstanceInfo>> listInstances(const HostId& host) = 0;
  virtual Result<DomainState> instanceState(const HostId& host, const InstanceId& instance) = 0;
  // Last maxBytes of the instance's serial console log ("" if nothing written yet).
  virtual Result<std::string> consoleLogTail(const HostId& host, const InstanceId& instance,
                                             std::size_t maxBytes) = 0;

  // Idempotent: the same spec again is a no-op. A different spec under an existing name is a
  // Conflict while any domain uses the network; once unused, the network is replaced.
  virtual Result<void> ensureNetwork(const HostId& host, const NetworkSpec& spec) = 0;
  // Conflict while in use; NotFound if absent.
  virtual Result<void> removeNetwork(const HostId& host, const std::string& name) = 0;

  virtual Result<SubscriptionId> subscribe(EventHandler handler) = 0;
  // After it returns, the handler is not running and will not be called again (unless called
  // from within a handler, where the current call simply finishes).
  virtual Result<void> unsubscribe(SubscriptionId id) = 0;
};

}  // namespace stele::hypervisor
