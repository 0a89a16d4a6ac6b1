// Serves a Dispatcher over Pistache (HTTP/1.1, optional TLS).
#pragma once

#include <memory>
#include <string>

#include "api/dispatcher.h"
#include "common/error.h"

namespace stele::api {

struct ListenOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 7070;
  int threads = 4;
  std::size_t maxRequestBytes = 17u << 20;
  std::string tlsCert;
  std::string tlsKey;
};

class HttpEndpoint {
 public:
  ~HttpEndpoint();
  // Binds and starts serving on background threads.
  static Result<std::unique_ptr<HttpEndpoint>> start(const ListenOptions& options,
                                                     Dispatcher& dispatcher);
  std::uint16_t port() const;
  void stop();

 private:
  struct Impl;
  explicit HttpEndpoint(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace stele::api
