// The whole route table, and the first-start admin token.
#include <cstdio>

#include "api/router.h"
#include "api/services.h"
#include "store/file_io.h"

namespace stele::api {

void addAllRoutes(Router& router, Services& services) {
  addSystemRoutes(router, services);
  addTokenRoutes(router, services);
  addKeyRoutes(router, services);
  addBlobRoutes(router, services);
  addImageRoutes(router, services);
  addHostRoutes(router, services);
  addApplyRoutes(router, services);
  addDeploymentRoutes(router, services);
  addRolloutRoutes(router, services);
  addInstanceRoutes(router, services);
  addEventRoutes(router, services);
}

Result<void> bootstrapAdminToken(TokenService& tokens, const std::string& dataDir) {
  auto empty = tokens.empty();
  if (!empty) return fail(empty.error());
  if (!*empty) return {};
  auto issued = tokens.issue(Role::Admin, {"*"}, "bootstrap admin token");
  if (!issued) return fail(issued.error());
  std::string path = dataDir + "/admin.token";
  if (auto r = store::writeFileAtomically(path, issued->secret + "\n", 0600); !r) return r;
  std::fprintf(stderr, "stele: first start: admin token written to %s (mode 0600)\n", path.c_str());
  return {};
}

}  // namespace stele::api
