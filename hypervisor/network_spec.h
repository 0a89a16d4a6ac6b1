// A libvirt network Stele manages: an isolated bridge, optionally with a host address.
// Never a forward/NAT network: nothing here reaches the host's uplink.
#pragma once

#include <optional>
#include <string>

namespace stele::hypervisor {

struct HostAddress {
  std::string ipv4;  // dotted quad, e.g. "10.77.0.1"
  int prefix = 24;   // 1..30

  friend bool operator==(const HostAddress&, const HostAddress&) = default;
};

struct NetworkSpec {
  std::string name;    // [A-Za-z0-9][A-Za-z0-9._-]{0,63}
  std::string bridge;  // Linux interface name: [A-Za-z0-9_-]{1,15}
  std::optional<HostAddress> hostAddress;

  friend bool operator==(const NetworkSpec&, const NetworkSpec&) = default;
};

}  // namespace stele::hypervisor
