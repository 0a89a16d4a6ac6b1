// The host inventory: hosts Stele may deploy to, kept in the store and connected through
// the hypervisor. Listing joins what the store says with what libvirt reports now.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/error.h"
#include "hypervisor/hypervisor.h"
#include "scheduler/host_request.h"
#include "store/host_repository.h"

namespace stele::scheduler {

struct HostView {
  store::HostRecord record;
  hypervisor::HostStatus status;
  std::optional<hypervisor::HostResources> resources;  // when reachable
  std::optional<int> instances;                        // Stele domains on it, when reachable
};

class HostInventory {
 public:
  // Per-instance files of host NAME live under `instanceRoot`/NAME. `uriPolicy` says which
  // host URIs are accepted and supplies the ssh/TLS files (see host_uri.h).
  HostInventory(store::HostRepository& hosts, hypervisor::Hypervisor& hypervisor,
                const Clock& clock, std::string instanceRoot, HostUriPolicy uriPolicy = {})
      : hosts_(hosts),
        hypervisor_(hypervisor),
        clock_(clock),
        instanceRoot_(std::move(instanceRoot)),
        uriPolicy_(std::move(uriPolicy)) {}

  // Checks the URI policy, then connects every stored host (at server start) that still passes
  // validateHostRequest; one that does not is never handed to libvirt, is listed as unreachable
  // with the reason, and is logged. Connections proceed in the background.
  Result<void> connectAll();
  Result<HostView> add(const HostRequest& request);
  // For `stele apply`, which stores hosts in its own transaction: the record `request` would
  // store (validated exactly as add() does), and connecting a host once it is stored.
  Result<store::HostRecord> recordFor(const HostRequest& request) const;
  Result<void> connectStored(const std::string& name);
  Result<std::vector<HostView>> list();
  Result<HostView> get(const std::string& name);
  // Draining hosts get no new placements; what runs there stays.
  Result<HostView> drain(const std::string& name);
  // Conflict while Stele instances remain (or the host cannot be asked) unless `force`:
  // then the host is forgotten and its VMs are left as they are.
  Result<void> remove(const std::string& name, bool force);

 private:
  // Validates the record again (it may predate the policy) and builds what libvirt receives.
  Result<hypervisor::HostConfig> configFor(const store::HostRecord& record) const;
  HostView view(const store::HostRecord& record);

  store::HostRepository& hosts_;
  hypervisor::Hypervisor& hypervisor_;
  const Clock& clock_;
  std::string instanceRoot_;
  HostUriPolicy uriPolicy_;
  mutable std::mutex refusedMutex_;
  std::map<std::string, std::string> refused_;  // stored hosts refused at start: name -> reason
};

}  // namespace stele::scheduler
