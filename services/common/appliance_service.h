// What serves an appliance once its config is parsed: the dns and web servers, the router
// and firewall loops. Each keeps a reference to its config, which must outlive it.
#pragma once

#include <expected>
#include <string>

namespace stele::services {

class ApplianceService {
 public:
  virtual ~ApplianceService() = default;
  // Opens sockets. Called after the network setup (VM mode).
  virtual std::expected<void, std::string> start() = 0;
  // Serves; returns only on a fatal error, with its reason.
  virtual std::string serve() = 0;
};

}  // namespace stele::services
