// Serves WebSite over HTTP/1.1 on a non-blocking epoll loop: keep-alive, pipelined
// requests answered in order, bounded buffers, idle and header timeouts.
#pragma once

#include <expected>
#include <memory>
#include <string>

#include "web/web_config.h"

namespace stele::services::web {

class WebServer {
 public:
  explicit WebServer(const WebConfig& config);
  ~WebServer();
  WebServer(const WebServer&) = delete;
  WebServer& operator=(const WebServer&) = delete;

  std::expected<void, std::string> start();
  std::string serve();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace stele::services::web
