#include "hypervisor/libvirt_hypervisor.h"

#include "hypervisor/domain_xml.h"
#include "hypervisor/event_dispatcher.h"
#include "hypervisor/instance_files.h"
#include "hypervisor/libvirt_connection.h"
#include "hypervisor/libvirt_domains.h"
#include "hypervisor/libvirt_networks.h"
#include "hypervisor/spec_validation.h"

namespace stele::hypervisor {

LibvirtHypervisor::LibvirtHypervisor(const Clock& clock, LibvirtHypervisorOptions options)
    : clock_(clock),
      options_(std::move(options)),
      dispatcher_(std::make_unique<EventDispatcher>()) {}

LibvirtHypervisor::~LibvirtHypervisor() {
  std::map<HostId, std::shared_ptr<HostConnection>> hosts;
  {
    std::lock_guard lock(mutex_);
    hosts.swap(hosts_);
  }
  hosts.clear();  // joins the supervisors before the dispatcher goes
}

Result<std::shared_ptr<HostConnection>> LibvirtHypervisor::findHost(const HostId& host) const {
  std::lock_guard lock(mutex_);
  auto it = hosts_.find(host);
  if (it == hosts_.end())
    return fail(ErrorKind::NotFound, "host_not_found", "no host named " + host);
  return it->second;
}

Result<void> LibvirtHypervisor::connectHost(const HostConfig& host) {
  if (auto ok = validateHostConfig(host); !ok) return ok;
  std::lock_guard lock(mutex_);
  if (hosts_.contains(host.id)) {
    return fail(ErrorKind::Conflict, "host_exists", "host " + host.id + " is already connected");
  }
  EventDispatcher* dispatcher = dispatcher_.get();
  hosts_.emplace(
      host.id, std::make_shared<HostConnection>(host, clock_, options_, [dispatcher](Event event) {
        dispatcher->post(std::move(event));
      }));
  return {};
}

Result<void> LibvirtHypervisor::disconnectHost(const HostId& host) {
  std::shared_ptr<HostConnection> removed;
  {
    std::lock_guard lock(mutex_);
    auto it = hosts_.find(host);
    if (it == hosts_.end())
      return fail(ErrorKind::NotFound, "host_not_found", "no host named " + host);
    removed = std::move(it->second);
    hosts_.erase(it);
  }
  return {};  // `removed` joins its supervisor outside the lock
}

Result<void> LibvirtHypervisor::awaitReachable(const HostId& host,
                                               std::chrono::milliseconds timeout) {
  auto connection = findHost(host);
  if (!connection) return fail(connection.error());
  return (*connection)->awaitReachable(timeout);
}

Result<HostStatus> LibvirtHypervisor::hostStatus(const HostId& host) const {
  auto connection = findHost(host);
  if (!connection) return fail(connection.error());
  return (*connection)->status();
}

Result<std::vector<HostStatus>> LibvirtHypervisor::hosts() const {
  std::lock_guard lock(mutex_);
  std::vector<HostStatus> statuses;
  statuses.reserve(hosts_.size());
  for (const auto& [id, connection] : hosts_) statuses.push_back(connection->status());
  return statuses;
}

Result<HostResources> LibvirtHypervisor::hostResources(const HostId& host) {
  auto connection = findHost(host);
  if (!connection) return fail(connection.error());
  auto live = (*connection)->connection();
  if (!live) return fail(live.error());
  return hostResourcesOf(live->get());
}

Result<InstanceInfo> LibvirtHypervisor::provision(const HostId& host, const DomainSpec& spec) {
  auto connection = findHost(host);
  if (!connection) return fail(connection.error());
  const HostConfig& config = (*connection)->config();
  const InstancePaths paths = instancePathsFor(
      config.instanceDir, spec.instanceId, spec.initrdPath.has_value(), spec.config.has_value());
  // buildDomainXml validates the spec (and the firmware path) first
  auto xml = buildDomainXml(spec, paths, config.acceleration, options_.guestFirmware);
  if (!xml) return fail(xml.error());
  auto live = (*connection)->connection();
  if (!live) return fail(live.error());

  if (domainExists(live->get(), spec.name)) {
    return fail(ErrorKind::Conflict, "domain_exists",
                "host " + host + " already has a domain named " + spec.name);
  }
  if (auto existing = findInstanceDomain(live->get(), spec.instanceId, std::nullopt); existing) {
    return fail(ErrorKind::Conflict, "instance_exists",
                "host " + host + " already runs instance " + spec.instanceId);
  } else if (existing.error().kind != ErrorKind::NotFound) {
    return fail(existing.error());
  }

  if (auto ok = prepareInstanceFiles(spec, paths); !ok) return fail(ok.error());
  (*connection)->noteInstance(spec.instanceId, spec.name, DomainState::ShutOff);
  auto domain = defineAndStart(live->get(), *xml, spec.name);
  if (!domain) {
    (*connection)->forgetInstance(spec.instanceId);
    (void)removeInstanceFiles(paths);
    return fail(domain.error());
  }
  auto state = domainStateOf(domain->get());
  return InstanceInfo{{spec.instanceId, spec.deployment, spec.revision, spec.imageDigest},
                      spec.name,
                      state ? *state : DomainState::Other};
}

Result<void> LibvirtHypervisor::destroy(const HostId& host, const InstanceId& instance) {
  if (auto ok = validateInstanceId(instance); !ok) return ok;
  auto connection = findHost(host);
  if (!connection) return fail(connection.error());
  const InstancePaths paths =
      instancePathsFor((*connection)->config().instanceDir, instance, false, false);
  auto live = (*connection)->connection();
  if (!live) return fail(live.error());
  auto domain = findInstanceDomain(live->get(), instance, (*connection)->domainNameOf(instance));
  if (!domain) {
    if (domain.error().kind == ErrorKind::NotFound) {
      (*connection)->forgetInstance(instance);
      if (auto removed = removeInstanceFiles(paths); !removed) return removed;
    }
    return fail(domain.error());
  }
  if (auto ok = destroyAndUndefine(domain->get(), instance); !ok) return ok;
  (*connection)->forgetInstance(instance);
  return removeInstanceFiles(paths);
}

Result<std::vector<InstanceInfo>> LibvirtHypervisor::listInstances(const HostId& host) {
  auto connection = findHost(host);
  if (!connection) return fail(connection.error());
  auto live = (*connection)->connection();
  if (!live) return fail(live.error());
  return listSteleDomains(live->get());
}

Result<DomainState> LibvirtHypervisor::instanceState(const HostId& host,
                                                     const InstanceId& instance) {
  if (auto ok = validateInstanceId(instance); !ok) return fail(ok.error());
  auto connection = findHost(host);
  if (!connection) return fail(connection.error());
  auto live = (*connection)->connection();
  if (!live) return fail(live.error());
  auto domain = findInstanceDomain(live->get(), instance, (*connection)->domainNameOf(instance));
  if (!domain) return fail(domain.error());
  return domainStateOf(domain->get());
}

Result<std::string> LibvirtHypervisor::consoleLogTail(const HostId& host,
                                                      const InstanceId& instance,
                                                      std::size_t maxBytes) {
  if (auto ok = validateInstanceId(instance); !ok) return fail(ok.error());
  auto connection = findHost(host);
  if (!connection) return fail(connection.error());
  const InstancePaths paths =
      instancePathsFor((*connection)->config().instanceDir, instance, false, false);
  return readFileTail(paths.consoleLog, maxBytes);
}

Result<void> LibvirtHypervisor::ensureNetwork(const HostId& host, const NetworkSpec& spec) {
  auto connection = findHost(host);
  if (!connection) return fail(connection.error());
  auto live = (*connection)->connection();
  if (!live) return fail(live.error());
  return ensureLibvirtNetwork(live->get(), spec);
}

Result<void> LibvirtHypervisor::removeNetwork(const HostId& host, const std::string& name) {
  auto connection = findHost(host);
  if (!connection) return fail(connection.error());
  auto live = (*connection)->connection();
  if (!live) return fail(live.error());
  return removeLibvirtNetwork(live->get(), name);
}

Result<SubscriptionId> LibvirtHypervisor::subscribe(EventHandler handler) {
  if (!handler)
    return fail(ErrorKind::InvalidArgument, "invalid_handler", "event handler is empty");
  return dispatcher_->subscribe(std::move(handler));
}

Result<void> LibvirtHypervisor::unsubscribe(SubscriptionId id) {
  if (!dispatcher_->unsubscribe(id)) {
    return fail(ErrorKind::NotFound, "subscription_not_found",
                "no subscription " + std::to_string(id));
  }
  return {};
}

}  // namespace stele::hypervisor
