// The router's I/O: one PacketPort per configured interface, a poll loop that feeds
// RouterEngine and transmits what it returns.
#pragma once

#include <memory>

#include "common/appliance_service.h"
#include "router/router_config.h"

namespace stele::services::router {

std::unique_ptr<ApplianceService> makeRouterLoop(const RouterConfig& config);

}  // namespace stele::services::router
