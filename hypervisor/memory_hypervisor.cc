#include "hypervisor/memory_hypervisor.h"

#include <algorithm>
#include <thread>

#include "hypervisor/event_dispatcher.h"
#include "hypervisor/instance_observation.h"
#include "hypervisor/spec_validation.h"

namespace stele::hypervisor {

namespace {

constexpr const char* kUnreachableReason =
    "connection closed: host made unreachable by a test control";

std::unexpected<Error> hostNotFound(const HostId& host) {
  return fail(ErrorKind::NotFound, "host_not_found", "no host named " + host);
}

bool usesNetwork(const DomainSpec& spec, const std::string& network) {
  return std::find(spec.networks.begin(), spec.networks.end(), network) != spec.networks.end();
}

}  // namespace

MemoryHypervisor::MemoryHypervisor(const Clock& clock, MemoryHypervisorOptions options)
    : clock_(clock), options_(options), dispatcher_(std::make_unique<EventDispatcher>()) {}

MemoryHypervisor::~MemoryHypervisor() = default;

void MemoryHypervisor::applyLatency(const HostId& host) const {
  std::chrono::microseconds latency;
  {
    std::unique_lock lock(mutex_);
    thawed_.wait(lock, [&] { return !frozen_.contains(host); });
    latency = options_.callLatency;
  }
  if (latency.count() > 0) std::this_thread::sleep_for(latency);
}

MemoryHypervisor::Machine& MemoryHypervisor::machineLocked(const HostId& host) {
  auto [it, inserted] = machines_.try_emplace(host);
  if (inserted) {
    it->second.cpus = options_.defaultCpus;
    it->second.memoryMiB = options_.defaultMemoryMiB;
  }
  return it->second;
}

Result<MemoryHypervisor::Machine*> MemoryHypervisor::reachableLocked(const HostId& host) {
  auto connection = connections_.find(host);
  if (connection == connections_.end()) return hostNotFound(host);
  if (connection->second.status.reachability != HostReachability::Reachable) {
    std::string message = "host " + host + " is not reachable";
    if (!connection->second.status.lastError.empty())
      message += ": " + connection->second.status.lastError;
    return fail(ErrorKind::Unavailable, "host_unreachable", std::move(message));
  }
  return &machineLocked(host);
}

Result<MemoryHypervisor::Domain*> MemoryHypervisor::domainLocked(Machine& machine,
                                                                 const InstanceId& instance) {
  auto it = machine.domains.find(instance);
  if (it == machine.domains.end()) {
    return fail(ErrorKind::NotFound, "instance_not_found",
                "no domain carries instance id " + instance);
  }
  return &it->second;
}

void MemoryHypervisor::emitLocked(EventKind kind, const HostId& host, const InstanceId& instance,
                                  const std::string& domainName, std::string detail) {
  dispatcher_->post(
      Event{kind, host, instance, domainName, clock_.nowUnix(), false, std::move(detail)});
}

void MemoryHypervisor::emitAdoptionLocked(const HostId& host, Connection& connection,
                                          Machine& machine) {
  connection.status.reachability = HostReachability::Reachable;
  connection.status.sinceUnix = clock_.nowUnix();
  connection.status.lastError.clear();
  emitLocked(connection.everConnected ? EventKind::HostReconnected : EventKind::HostConnected, host,
             "", "");
  connection.everConnected = true;
  for (const auto& [id, domain] : machine.domains)
    emitLocked(EventKind::InstanceAdopted, host, id, domain.spec.name);
  reachabilityChanged_.notify_all();
}

Result<void> MemoryHypervisor::connectHost(const HostConfig& host) {
  if (auto ok = validateHostConfig(host); !ok) return ok;
  std::lock_guard lock(mutex_);
  if (connections_.contains(host.id)) {
    return fail(ErrorKind::Conflict, "host_exists", "host " + host.id + " is already connected");
  }
  Connection& connection = connections_[host.id];
  connection.config = host;
  connection.status = {host.id, host.uri, HostReachability::Connecting, clock_.nowUnix(), ""};
  Machine& machine = machineLocked(host.id);
  if (machine.reachable) {
    emitAdoptionLocked(host.id, connection, machine);
  } else {
    connection.status.reachability = HostReachability::Unreachable;
    connection.status.lastError = kUnreachableReason;
  }
  return {};
}

Result<void> MemoryHypervisor::disconnectHost(const HostId& host) {
  std::lock_guard lock(mutex_);
  if (connections_.erase(host) == 0) return hostNotFound(host);
  return {};
}

Result<void> MemoryHypervisor::awaitReachable(const HostId& host,
                                              std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  auto reachable = [&] {
    auto it = connections_.find(host);
    return it == connections_.end() ||
           it->second.status.reachability == HostReachability::Reachable;
  };
  reachabilityChanged_.wait_for(lock, timeout, reachable);
  auto it = connections_.find(host);
  if (it == connections_.end()) return hostNotFound(host);
  if (it->second.status.reachability != HostReachability::Reachable) {
    return fail(ErrorKind::Unavailable, "host_unreachable",
                "host " + host + " not reachable after " + std::to_string(timeout.count()) +
                    " ms: " + it->second.status.lastError);
  }
  return {};
}

Result<HostStatus> MemoryHypervisor::hostStatus(const HostId& host) const {
  std::lock_guard lock(mutex_);
  auto it = connections_.find(host);
  if (it == connections_.end()) return hostNotFound(host);
  return it->second.status;
}

Result<std::vector<HostStatus>> MemoryHypervisor::hosts() const {
  std::lock_guard lock(mutex_);
  std::vector<HostStatus> statuses;
  statuses.reserve(connections_.size());
  for (const auto& [id, connection] : connections_) statuses.push_back(connection.status);
  return statuses;
}

Result<HostResources> MemoryHypervisor::hostResources(const HostId& host) {
  applyLatency(host);
  std::lock_guard lock(mutex_);
  ++calls_.hostResources;
  auto machine = reachableLocked(host);
  if (!machine) return fail(machine.error());
  HostResources resources{(*machine)->cpus, (*machine)->memoryMiB, 0, 0, 0};
  for (const auto& [id, domain] : (*machine)->domains) {
    if (!isActiveState(domain.state)) continue;
    ++resources.activeDomains;
    resources.allocatedVcpus += domain.spec.vcpus;
    resources.allocatedMemoryMiB += domain.spec.memoryMiB;
  }
  return resources;
}

Result<InstanceInfo> MemoryHypervisor::provision(const HostId& host, const DomainSpec& spec) {
  applyLatency(host);
  std::lock_guard lock(mutex_);
  ++calls_.provision;
  if (!connections_.contains(host)) return hostNotFound(host);
  if (auto ok = validateDomainSpec(spec); !ok) return fail(ok.error());
  auto found = reachableLocked(host);
  if (!found) return fail(found.error());
  Machine& machine = **found;
  for (const auto& [id, domain] : machine.domains) {
    if (domain.spec.name == spec.name) {
      return fail(ErrorKind::Conflict, "domain_exists",
                  "host " + host + " already has a domain named " + spec.name);
    }
  }
  if (machine.domains.contains(spec.instanceId)) {
    return fail(ErrorKind::Conflict, "instance_exists",
                "host " + host + " already runs instance " + spec.instanceId);
  }
  if (machine.failNextProvision) {
    Error error = std::move(*machine.failNextProvision);
    machine.failNextProvision.reset();
    return fail(std::move(error));
  }
  if (options_.requireNetworks) {
    for (const auto& network : spec.networks) {
      if (!machine.networks.contains(network)) {
        return fail(ErrorKind::NotFound, "domain_start_failed",
                    "start domain " + spec.name +
                        ": Network not found: no network with matching name '" + network + "'");
      }
    }
  }
  machine.domains[spec.instanceId] = Domain{spec, DomainState::Running, ""};
  emitLocked(EventKind::DomainStarted, host, spec.instanceId, spec.name);
  return InstanceInfo{{spec.instanceId, spec.deployment, spec.revision, spec.imageDigest},
                      spec.name,
                      DomainState::Running};
}

Result<void> MemoryHypervisor::destroy(const HostId& host, const InstanceId& instance) {
  if (auto ok = validateInstanceId(instance); !ok) return ok;
  applyLatency(host);
  std::lock_guard lock(mutex_);
  ++calls_.destroy;
  auto machine = reachableLocked(host);
  if (!machine) return fail(machine.error());
  auto domain = domainLocked(**machine, instance);
  if (!domain) return fail(domain.error());
  // libvirt reports STOPPED/DESTROYED only for an active domain; undefining a shut-off one is
  // no lifecycle event Stele maps.
  if (isActiveState((*domain)->state))
    emitLocked(EventKind::DomainStopped, host, instance, (*domain)->spec.name);
  (*machine)->domains.erase(instance);
  return {};
}

Result<std::vector<InstanceInfo>> MemoryHypervisor::listInstances(const HostId& host) {
  applyLatency(host);
  std::lock_guard lock(mutex_);
  ++calls_.listInstances;
  auto machine = reachableLocked(host);
  if (!machine) return fail(machine.error());
  std::vector<InstanceInfo> instances;
  instances.reserve((*machine)->domains.size());
  for (const auto& [id, domain] : (*machine)->domains) {
    const DomainSpec& s = domain.spec;
    instances.push_back(
        {{s.instanceId, s.deployment, s.revision, s.imageDigest}, s.name, domain.state});
  }
  return instances;
}

Result<DomainState> MemoryHypervisor::instanceState(const HostId& host,
                                                    const InstanceId& instance) {
  if (auto ok = validateInstanceId(instance); !ok) return fail(ok.error());
  applyLatency(host);
  std::lock_guard lock(mutex_);
  ++calls_.instanceState;
  auto machine = reachableLocked(host);
  if (!machine) return fail(machine.error());
  auto domain = domainLocked(**machine, instance);
  if (!domain) return fail(domain.error());
  return (*domain)->state;
}

Result<std::string> MemoryHypervisor::consoleLogTail(const HostId& host, const InstanceId& instance,
                                                     std::size_t maxBytes) {
  if (auto ok = validateInstanceId(instance); !ok) return fail(ok.error());
  applyLatency(host);
  std::lock_guard lock(mutex_);
  ++calls_.consoleLogTail;
  // Like libvirt's, which reads the log file: no connection needed, "" when there is none.
  if (!connections_.contains(host)) return hostNotFound(host);
  const Machine& machine = machineLocked(host);
  auto it = machine.domains.find(instance);
  if (it == machine.domains.end()) return std::string();
  const std::string& text = it->second.console;
  return text.size() <= maxBytes ? text : text.substr(text.size() - maxBytes);
}

Result<void> MemoryHypervisor::ensureNetwork(const HostId& host, const NetworkSpec& spec) {
  applyLatency(host);
  std::lock_guard lock(mutex_);
  ++calls_.ensureNetwork;
  auto found = reachableLocked(host);
  if (!found) return fail(found.error());
  if (auto ok = validateNetworkSpec(spec); !ok) return ok;
  Machine& machine = **found;
  auto existing = machine.networks.find(spec.name);
  if (existing == machine.networks.end()) {
    machine.networks.emplace(spec.name, spec);
    return {};
  }
  if (existing->second == spec) return {};
  for (const auto& [id, domain] : machine.domains) {
    if (usesNetwork(domain.spec, spec.name)) {
      return fail(
          ErrorKind::Conflict, "network_spec_conflict",
          "network " + spec.name + " exists with a different spec and domains still use it");
    }
  }
  existing->second = spec;
  return {};
}

Result<void> MemoryHypervisor::removeNetwork(const HostId& host, const std::string& name) {
  applyLatency(host);
  std::lock_guard lock(mutex_);
  ++calls_.removeNetwork;
  auto found = reachableLocked(host);
  if (!found) return fail(found.error());
  if (!isValidName(name)) {
    return fail(ErrorKind::InvalidArgument, "invalid_network_spec",
                "network name must match [A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  }
  Machine& machine = **found;
  auto existing = machine.networks.find(name);
  if (existing == machine.networks.end()) {
    return fail(ErrorKind::NotFound, "network_not_found",
                "look up network " + name + ": Network not found: no network with matching name '" +
                    name + "'");
  }
  for (const auto& [id, domain] : machine.domains) {
    if (usesNetwork(domain.spec, name)) {
      return fail(ErrorKind::Conflict, "network_in_use", "domains still use network " + name);
    }
  }
  machine.networks.erase(existing);
  return {};
}

Result<SubscriptionId> MemoryHypervisor::subscribe(EventHandler handler) {
  if (!handler)
    return fail(ErrorKind::InvalidArgument, "invalid_handler", "event handler is empty");
  return dispatcher_->subscribe(std::move(handler));
}

Result<void> MemoryHypervisor::unsubscribe(SubscriptionId id) {
  if (!dispatcher_->unsubscribe(id)) {
    return fail(ErrorKind::NotFound, "subscription_not_found",
                "no subscription " + std::to_string(id));
  }
  return {};
}

// ---- Test controls

void MemoryHypervisor::setHostCapacity(const HostId& host, unsigned cpus, std::uint64_t memoryMiB) {
  std::lock_guard lock(mutex_);
  Machine& machine = machineLocked(host);
  machine.cpus = cpus;
  machine.memoryMiB = memoryMiB;
}

Result<void> MemoryHypervisor::addExistingDomain(const HostId& host, const DomainSpec& spec,
                                                 DomainState state) {
  if (auto ok = validateDomainSpec(spec); !ok) return ok;
  std::lock_guard lock(mutex_);
  Machine& machine = machineLocked(host);
  for (const auto& [id, domain] : machine.domains) {
    if (id == spec.instanceId || domain.spec.name == spec.name) {
      return fail(ErrorKind::Conflict, "instance_exists",
                  "host " + host + " already holds " + spec.instanceId);
    }
  }
  machine.domains[spec.instanceId] = Domain{spec, state, ""};
  return {};
}

Result<void> MemoryHypervisor::stopLocked(const HostId& host, const InstanceId& instance,
                                          EventKind kind) {
  auto domain = domainLocked(machineLocked(host), instance);
  if (!domain) return fail(domain.error());
  if (!isActiveState((*domain)->state)) {
    return fail(ErrorKind::Conflict, "instance_not_running",
                "instance " + instance + " is not running");
  }
  (*domain)->state = DomainState::ShutOff;  // on_crash / on_poweroff = destroy: defined, shut off
  auto connection = connections_.find(host);
  if (connection != connections_.end() &&
      connection->second.status.reachability == HostReachability::Reachable) {
    emitLocked(kind, host, instance, (*domain)->spec.name);
  }
  return {};
}

Result<void> MemoryHypervisor::crash(const HostId& host, const InstanceId& instance) {
  std::lock_guard lock(mutex_);
  return stopLocked(host, instance, EventKind::DomainCrashed);
}

Result<void> MemoryHypervisor::powerOff(const HostId& host, const InstanceId& instance) {
  std::lock_guard lock(mutex_);
  return stopLocked(host, instance, EventKind::DomainShutDown);
}

void MemoryHypervisor::setReachable(const HostId& host, bool reachable) {
  std::lock_guard lock(mutex_);
  Machine& machine = machineLocked(host);
  machine.reachable = reachable;
  auto it = connections_.find(host);
  if (it == connections_.end()) return;
  Connection& connection = it->second;
  const bool wasReachable = connection.status.reachability == HostReachability::Reachable;
  if (reachable && !wasReachable) {
    emitAdoptionLocked(host, connection, machine);
  } else if (!reachable && wasReachable) {
    connection.status.reachability = HostReachability::Unreachable;
    connection.status.sinceUnix = clock_.nowUnix();
    connection.status.lastError = kUnreachableReason;
    emitLocked(EventKind::HostDisconnected, host, "", "", kUnreachableReason);
    for (const auto& [id, domain] : machine.domains) {
      emitLocked(EventKind::InstanceLost, host, id, domain.spec.name, kUnreachableReason);
    }
  }
}

void MemoryHypervisor::failNextProvision(const HostId& host, Error error) {
  std::lock_guard lock(mutex_);
  machineLocked(host).failNextProvision = std::move(error);
}

Result<void> MemoryHypervisor::setConsole(const HostId& host, const InstanceId& instance,
                                          std::string text) {
  std::lock_guard lock(mutex_);
  auto domain = domainLocked(machineLocked(host), instance);
  if (!domain) return fail(domain.error());
  (*domain)->console = std::move(text);
  return {};
}

void MemoryHypervisor::setFrozen(const HostId& host, bool frozen) {
  {
    std::lock_guard lock(mutex_);
    if (frozen) {
      frozen_.insert(host);
    } else {
      frozen_.erase(host);
    }
  }
  thawed_.notify_all();
}

void MemoryHypervisor::setCallLatency(std::chrono::microseconds latency) {
  std::lock_guard lock(mutex_);
  options_.callLatency = latency;
}

MemoryHypervisorCalls MemoryHypervisor::calls() const {
  std::lock_guard lock(mutex_);
  return calls_;
}

void MemoryHypervisor::awaitIdle() { dispatcher_->awaitIdle(); }

}  // namespace stele::hypervisor
