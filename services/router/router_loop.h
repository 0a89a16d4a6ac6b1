// The router's I/O: one PacketPort per configured interface, a poll loop that feeds
// RouterEngine and transmits what it returns.
#pragma once

#include <expected>
#include <memory>
#include <string>

#include "router/router_config.h"

namespace stele::services::router {

class RouterLoop {
 public:
  explicit RouterLoop(const RouterConfig& config);
  ~RouterLoop();
  RouterLoop(const RouterLoop&) = delete;
  RouterLoop& operator=(const RouterLoop&) = delete;

  std::expected<void, std::string> start();
  std::string serve();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace stele::services::router
