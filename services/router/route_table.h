// Static IPv4 routes with longest-prefix match. Pure; no I/O.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <unordered_map>

#include "common/net_address.h"

namespace stele::services::router {

struct Route {
  Ipv4Prefix prefix;
  std::size_t port = 0;                // index of the egress port
  std::optional<Ipv4Address> gateway;  // none: the destination is on the link
};

class RouteTable {
 public:
  // Adds or replaces the route for exactly this prefix.
  void add(const Route& route);
  // The most specific route covering `destination`, or nullopt.
  std::optional<Route> lookup(Ipv4Address destination) const;
  std::size_t size() const;

 private:
  std::array<std::unordered_map<std::uint32_t, Route>, 33> byLength_;
};

}  // namespace stele::services::router
