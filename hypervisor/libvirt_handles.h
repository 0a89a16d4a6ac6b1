// Owning handles for libvirt objects, usable from headers without libvirt.h.
#pragma once

#include <memory>

struct _virConnect;
struct _virDomain;
struct _virNetwork;

namespace stele::hypervisor {

// Shared: request threads keep the connection alive while they use it; virConnectClose runs on
// the last release.
using ConnectionHandle = std::shared_ptr<_virConnect>;
ConnectionHandle adoptConnection(_virConnect* connection);

struct DomainFree {
  void operator()(_virDomain* domain) const;
};
using DomainHandle = std::unique_ptr<_virDomain, DomainFree>;

struct NetworkFree {
  void operator()(_virNetwork* network) const;
};
using NetworkHandle = std::unique_ptr<_virNetwork, NetworkFree>;

}  // namespace stele::hypervisor
