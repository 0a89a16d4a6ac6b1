// What route handlers may call: the services below the API, wired once in the server.
#pragma once

#include <cstddef>

#include "api/metrics.h"
#include "api/token_service.h"
#include "common/clock.h"
#include "images/registry.h"
#include "images/trust_store.h"
#include "scheduler/desired_state.h"
#include "scheduler/event_log.h"
#include "scheduler/host_inventory.h"
#include "scheduler/reconciler.h"
#include "store/blob_store.h"
#include "store/instance_repository.h"

namespace stele::api {

struct ApiLimits {
  std::size_t maxChunkBytes = 16u << 20;    // one PATCH of an upload
  std::size_t maxManifestBytes = 1u << 20;  // one signed envelope
  std::size_t maxJsonBytes = 64u << 10;     // any other JSON body
  std::size_t maxApplyBytes = 1u << 20;     // one `stele apply` submission
};

struct Services {
  images::Registry& registry;
  images::TrustStore& trust;
  store::BlobStore& blobs;
  TokenService& tokens;
  scheduler::HostInventory& hosts;
  scheduler::DesiredState& desired;
  scheduler::Reconciler& reconciler;
  scheduler::EventLog& events;
  store::InstanceRepository& instances;
  hypervisor::Hypervisor& hypervisor;
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
void addApplyRoutes(Router& router, Services& services);
void addDeploymentRoutes(Router& router, Services& services);
void addRolloutRoutes(Router& router, Services& services);
void addInstanceRoutes(Router& router, Services& services);
void addEventRoutes(Router& router, Services& services);
// Every route above, in one table.
void addAllRoutes(Router& router, Services& services);
// On first start (no token at all), issues the admin token and writes it to DATA/admin.token
// with mode 0600. The token is never printed.
Result<void> bootstrapAdminToken(TokenService& tokens, const std::string& dataDir);

}  // namespace stele::api
