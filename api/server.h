// `stele server`: wires the store, registry and API together and serves HTTP(S).
#pragma once

#include <cstdint>
#include <string>

#include "api/services.h"
#include "images/registry.h"
#include "scheduler/host_uri.h"

namespace stele::api {

struct ServerOptions {
  std::string listen = "127.0.0.1:7070";
  std::string dataDir = "/var/lib/stele";
  std::string tlsCert;
  std::string tlsKey;
  int threads = 4;
  images::BlobLimits blobLimits;
  ApiLimits apiLimits;
  scheduler::HostUriPolicy hostUris;  // accepted host URIs; the ssh/TLS files libvirt gets
};

// Runs until SIGINT/SIGTERM. Returns the process exit code.
int runServer(const ServerOptions& options);

}  // namespace stele::api
