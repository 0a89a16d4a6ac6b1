// A Hypervisor held in memory, for the reconciler's scenario tests and for benchmarks.
//
// It keeps LibvirtHypervisor's contract (tests/hypervisor/hypervisor_contract_test.cc runs the
// same cases against both): the same validation (spec_validation.h), the same error kinds and
// codes, the same events in the same order, delivered on a dispatch thread of its own. It
// copies no file and starts no VM. Test controls below play what libvirt and QEMU would do:
// a guest crashing or powering off, a host becoming unreachable, a failing define.
//
// A host's machine (capacity, domains, networks) outlives its connection, as a real host
// does: disconnectHost() then connectHost() again adopts what it still holds.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>

#include "common/clock.h"
#include "hypervisor/hypervisor.h"

namespace stele::hypervisor {

class EventDispatcher;

struct MemoryHypervisorOptions {
  unsigned defaultCpus = 16;  // capacity of a host without setHostCapacity()
  std::uint64_t defaultMemoryMiB = 65'536;
  std::chrono::microseconds callLatency{0};  // slept (outside the lock) by every host call
  // Refuse to provision a domain on a network the host does not have, as QEMU's start does
  // ("domain_start_failed", NotFound). libvirt's test driver does not check this.
  bool requireNetworks = true;
};

// How many times each call was made (whatever its outcome).
struct MemoryHypervisorCalls {
  std::uint64_t provision = 0;
  std::uint64_t destroy = 0;
  std::uint64_t listInstances = 0;
  std::uint64_t instanceState = 0;
  std::uint64_t consoleLogTail = 0;
  std::uint64_t ensureNetwork = 0;
  std::uint64_t removeNetwork = 0;
  std::uint64_t hostResources = 0;
};

class MemoryHypervisor final : public Hypervisor {
 public:
  // `clock` must outlive the hypervisor; it stamps events and reachability changes.
  explicit MemoryHypervisor(const Clock& clock, MemoryHypervisorOptions options = {});
  ~MemoryHypervisor() override;
  MemoryHypervisor(const MemoryHypervisor&) = delete;
  MemoryHypervisor& operator=(const MemoryHypervisor&) = delete;

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

  // ---- Test controls. They act on the machine; whether it is connected does not matter,
  // but events are emitted only while it is connected and reachable (as with libvirt).

  // Capacity as virNodeGetInfo would report it. Before or after connectHost.
  void setHostCapacity(const HostId& host, unsigned cpus, std::uint64_t memoryMiB);
  // A Stele domain already on the machine (as after a server restart), adopted on connect.
  // Conflict if the id or the domain name is taken there.
  Result<void> addExistingDomain(const HostId& host, const DomainSpec& spec, DomainState state);
  // QEMU died (on_crash=destroy): the domain stays defined, shut off; DomainCrashed.
  // NotFound if absent; Conflict if it is not running.
  Result<void> crash(const HostId& host, const InstanceId& instance);
  // The guest powered itself off (on_poweroff=destroy): shut off; DomainShutDown.
  Result<void> powerOff(const HostId& host, const InstanceId& instance);
  // false: HostDisconnected then InstanceLost per Stele domain, and host calls fail with
  // Unavailable. true: HostReconnected (HostConnected if never connected) then InstanceAdopted.
  void setReachable(const HostId& host, bool reachable);
  // The next provision on `host` that passes validation and the duplicate checks fails with
  // `error` and leaves nothing behind (as a failed define/start would).
  void failNextProvision(const HostId& host, Error error);
  // Replaces what the instance's serial console log holds. NotFound if absent.
  Result<void> setConsole(const HostId& host, const InstanceId& instance, std::string text);
  void setCallLatency(std::chrono::microseconds latency);
  // A frozen host is a hung daemon (a libvirtd under SIGSTOP): its host calls block, without
  // holding the hypervisor's lock, until it is thawed. Its reachability does not change.
  void setFrozen(const HostId& host, bool frozen);
  MemoryHypervisorCalls calls() const;
  // Returns once every event emitted so far has reached every subscriber. Tests call it
  // instead of waiting; from a handler it returns at once.
  void awaitIdle();

 private:
  struct Domain {
    DomainSpec spec;
    DomainState state = DomainState::Running;
    std::string console;
  };
  struct Machine {
    unsigned cpus = 0;
    std::uint64_t memoryMiB = 0;
    bool reachable = true;
    std::map<InstanceId, Domain> domains;
    std::map<std::string, NetworkSpec> networks;
    std::optional<Error> failNextProvision;
  };
  struct Connection {
    HostConfig config;
    HostStatus status;
    bool everConnected = false;
  };

  Machine& machineLocked(const HostId& host);
  // The connected, reachable machine, or NotFound (no host) / Unavailable (unreachable).
  Result<Machine*> reachableLocked(const HostId& host);
  Result<Domain*> domainLocked(Machine& machine, const InstanceId& instance);
  void emitLocked(EventKind kind, const HostId& host, const InstanceId& instance,
                  const std::string& domainName, std::string detail = {});
  void emitAdoptionLocked(const HostId& host, Connection& connection, Machine& machine);
  Result<void> stopLocked(const HostId& host, const InstanceId& instance, EventKind kind);
  void applyLatency(const HostId& host) const;  // and waits while the host is frozen

  const Clock& clock_;
  MemoryHypervisorOptions options_;
  std::unique_ptr<EventDispatcher> dispatcher_;
  mutable std::mutex mutex_;
  std::condition_variable reachabilityChanged_;
  mutable std::condition_variable thawed_;
  std::set<HostId> frozen_;
  std::map<HostId, Machine> machines_;
  std::map<HostId, Connection> connections_;
  MemoryHypervisorCalls calls_;
};

}  // namespace stele::hypervisor
