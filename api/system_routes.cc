// GET /healthz, GET /metrics, GET /v1/whoami.
#include "api/router.h"
#include "api/services.h"

namespace stele::api {

void addSystemRoutes(Router& router, Services& services) {
  router.add({"GET", "/healthz", Permission::Public, std::nullopt, 0,
              [](const RouteContext&) -> Result<HttpResponse> {
                return jsonResponse(200, {{"status", "ok"}});
              }});
  router.add({"GET", "/metrics", Permission::Read, std::nullopt, 0,
              [&services](const RouteContext&) -> Result<HttpResponse> {
                HttpResponse response;
                response.contentType = "text/plain; version=0.0.4";
                response.body = services.metrics.render();
                return response;
              }});
  router.add({"GET", "/v1/whoami", Permission::Read, std::nullopt, 0,
              [](const RouteContext& ctx) -> Result<HttpResponse> {
                return jsonResponse(200, {{"tokenId", ctx.principal.tokenId},
                                          {"role", roleName(ctx.principal.role)},
                                          {"names", ctx.principal.namePatterns}});
              }});
}

}  // namespace stele::api
