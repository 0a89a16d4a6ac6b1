#include "scheduler/host_inventory.h"

#include <cstdio>

namespace stele::scheduler {

Result<hypervisor::HostConfig> HostInventory::configFor(const store::HostRecord& record) const {
  auto valid = validateHostRequest(
      {record.name, record.uri, record.accel, record.labels, record.probeNetns}, uriPolicy_);
  if (!valid) return fail(valid.error());
  hypervisor::HostConfig config;
  config.id = record.name;
  config.uri = valid->libvirtUri;
  config.acceleration =
      record.accel == "qemu" ? hypervisor::Acceleration::Qemu : hypervisor::Acceleration::Kvm;
  config.instanceDir = instanceRoot_ + "/" + record.name;
  return config;
}

HostView HostInventory::view(const store::HostRecord& record) {
  HostView v{record, {}, std::nullopt, std::nullopt};
  auto status = hypervisor_.hostStatus(record.name);
  if (status) {
    v.status = *status;
    v.status.uri = record.uri;  // the libvirt form may carry server paths
  } else {
    v.status.id = record.name;
    v.status.uri = record.uri;
    v.status.reachability = hypervisor::HostReachability::Unreachable;
    v.status.lastError = publicMessage(status.error());
    std::lock_guard lock(refusedMutex_);
    if (auto it = refused_.find(record.name); it != refused_.end()) {
      v.status.lastError = "not connected: " + it->second;
    }
  }
  if (v.status.reachability == hypervisor::HostReachability::Reachable) {
    if (auto resources = hypervisor_.hostResources(record.name)) v.resources = *resources;
    if (auto instances = hypervisor_.listInstances(record.name)) {
      v.instances = static_cast<int>(instances->size());
    }
  }
  return v;
}

Result<void> HostInventory::connectAll() {
  if (auto r = validateHostUriPolicy(uriPolicy_); !r) return r;
  auto records = hosts_.list();
  if (!records) return fail(records.error());
  for (const auto& record : *records) {
    auto config = configFor(record);
    if (!config) {
      std::fprintf(stderr, "stele: stored host %s is not connected: %s\n", record.name.c_str(),
                   config.error().message.c_str());
      std::lock_guard lock(refusedMutex_);
      refused_[record.name] = config.error().message;
      continue;
    }
    auto connected = hypervisor_.connectHost(*config);
    if (!connected && connected.error().kind != ErrorKind::Conflict) return connected;
  }
  return {};
}

Result<store::HostRecord> HostInventory::recordFor(const HostRequest& request) const {
  auto valid = validateHostRequest(request, uriPolicy_);
  if (!valid) return fail(valid.error());
  return store::HostRecord{request.name, valid->storedUri, request.accel,     request.labels,
                           false,        clock_.nowUnix(), request.probeNetns};
}

Result<void> HostInventory::connectStored(const std::string& name) {
  auto record = hosts_.find(name);
  if (!record) return fail(record.error());
  if (!record->has_value()) {
    return fail(ErrorKind::NotFound, "host_not_found", "no host named " + name);
  }
  auto config = configFor(**record);
  if (!config) return fail(config.error());
  return hypervisor_.connectHost(*config);
}

Result<HostView> HostInventory::add(const HostRequest& request) {
  auto made = recordFor(request);
  if (!made) return fail(made.error());
  const store::HostRecord& record = *made;
  auto config = configFor(record);
  if (!config) return fail(config.error());
  if (auto r = hosts_.insert(record); !r) return fail(r.error());
  if (auto r = hypervisor_.connectHost(*config); !r) {
    (void)hosts_.remove(record.name);  // nothing half-added
    return fail(r.error());
  }
  // Give a healthy host a moment so the answer shows its capacity; an unreachable one is
  // still added and keeps being retried in the background.
  (void)hypervisor_.awaitReachable(record.name, std::chrono::milliseconds(3000));
  return view(record);
}

Result<std::vector<HostView>> HostInventory::list() {
  auto records = hosts_.list();
  if (!records) return fail(records.error());
  std::vector<HostView> out;
  for (const auto& record : *records) out.push_back(view(record));
  return out;
}

Result<HostView> HostInventory::get(const std::string& name) {
  auto record = hosts_.find(name);
  if (!record) return fail(record.error());
  if (!record->has_value()) {
    return fail(ErrorKind::NotFound, "host_not_found", "no host named " + name);
  }
  return view(**record);
}

Result<HostView> HostInventory::drain(const std::string& name) {
  if (auto r = hosts_.setDraining(name, true); !r) return fail(r.error());
  return get(name);
}

Result<void> HostInventory::remove(const std::string& name, bool force) {
  auto host = get(name);
  if (!host) return fail(host.error());
  if (!force) {
    if (!host->instances) {
      return fail(ErrorKind::Conflict, "host_unreachable",
                  "cannot tell whether " + name +
                      " still runs instances (it is not reachable); use force to forget it");
    }
    if (*host->instances > 0) {
      return fail(ErrorKind::Conflict, "host_in_use",
                  name + " still runs " + std::to_string(*host->instances) +
                      " Stele instance(s); drain it and let them move, or use force");
    }
  }
  if (auto r = hosts_.remove(name); !r) return r;
  (void)hypervisor_.disconnectHost(name);
  std::lock_guard lock(refusedMutex_);
  refused_.erase(name);
  return {};
}

}  // namespace stele::scheduler
