#include "router/route_table.h"

namespace stele::services::router {

void RouteTable::add(const Route& route) {
  byLength_[static_cast<std::size_t>(route.prefix.length)][route.prefix.network.value] = route;
}

std::optional<Route> RouteTable::lookup(Ipv4Address destination) const {
  for (int length = 32; length >= 0; --length) {
    const auto& routes = byLength_[static_cast<std::size_t>(length)];
    if (routes.empty()) continue;
    auto it = routes.find(destination.value & prefixMask(length));
    if (it != routes.end()) return it->second;
  }
  return std::nullopt;
}

std::size_t RouteTable::size() const {
  std::size_t total = 0;
  for (const auto& routes : byLength_) total += routes.size();
  return total;
}

}  // namespace stele::services::router
