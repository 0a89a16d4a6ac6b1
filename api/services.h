// What route handlers may call: the services below the API, wired once in the server.
#pragma once

#include <cstddef>

#include "api/metrics.h"
#include "api/token_service.h"
#include "common/clock.h"
#include "images/registry.h"
#include "images/trust_store.h"
#include "scheduler/host_inventory.h"
#include "store/blob_store.h"

namespace stele::api {

struct ApiLimits {
  std::size_t maxChunkBytes = 16u << 20;    // one PATCH of an upload
  std::size_t maxManifestBytes = 1u << 20;  // one signed envelope
  std::size_t maxJsonBytes = 64u << 10;     // any other JSON body
};

struct Services {
  images::Registry& registry;
  images::TrustStore& trust;
  store::BlobStore& blobs;
  TokenService& tokens;
  scheduler::HostInventory& hosts;
  Metrics& metrics;
  const Clock& clock;
  ApiLimits limits;
};

class Router;
void addSystemRoutes(Router& router, Services& services);
void addTokenRoutes(Router& router, Services& services);
void addKeyRoutes(Router& router, Services& services);
void addBlobRoutes(Router& router, Services& services);
void addImageRoutes(Router& router, Services& services);
void addHostRoutes(Router& router, Services& services);

}  // namespace stele::api
