// The firewall's I/O: two promiscuous PacketPorts (outside, inside) bridged frame by
// frame through FirewallEngine. Layer-2 transparent: it has no address of its own.
#pragma once

#include <expected>
#include <memory>
#include <string>

#include "firewall/firewall_config.h"

namespace stele::services::firewall {

class FirewallLoop {
 public:
  explicit FirewallLoop(const FirewallConfig& config);
  ~FirewallLoop();
  FirewallLoop(const FirewallLoop&) = delete;
  FirewallLoop& operator=(const FirewallLoop&) = delete;

  std::expected<void, std::string> start();
  std::string serve();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace stele::services::firewall
