// The firewall's I/O: two promiscuous PacketPorts (outside, inside) bridged frame by
// frame through FirewallEngine. Layer-2 transparent: it has no address of its own.
#pragma once

#include <memory>

#include "common/appliance_service.h"
#include "firewall/firewall_config.h"

namespace stele::services::firewall {

std::unique_ptr<ApplianceService> makeFirewallLoop(const FirewallConfig& config);

}  // namespace stele::services::firewall
