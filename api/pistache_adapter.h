// Serves a Dispatcher over Pistache's TCP layer (connections, epoll, TLS), with Stele's own
// HTTP/1.1 edge (HttpConnection) on each connection instead of Pistache's request parser,
// so requests are admitted on their headers and bodies can stream (docs/architecture.md).
#pragma once

#include <memory>
#include <string>

#include "api/dispatcher.h"
#include "api/edge_limits.h"
#include "common/error.h"

namespace stele::api {

struct ListenOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 7070;
  int threads = 4;
  EdgeLimits limits;
  std::string tlsCert;
  std::string tlsKey;
};

class HttpEndpoint {
 public:
  ~HttpEndpoint();
  // Binds and starts serving on background threads.
  static Result<std::unique_ptr<HttpEndpoint>> start(const ListenOptions& options,
                                                     Dispatcher& dispatcher, Metrics& metrics);
  std::uint16_t port() const;
  void stop();

 private:
  struct Impl;
  explicit HttpEndpoint(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace stele::api
