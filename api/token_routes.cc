// POST /v1/tokens, GET /v1/tokens, DELETE /v1/tokens/{id}: admin only.
#include "api/json_views.h"
#include "api/request_fields.h"
#include "api/router.h"
#include "api/services.h"

namespace stele::api {

void addTokenRoutes(Router& router, Services& services) {
  router.add({"POST", "/v1/tokens", Permission::ManageTokens, std::nullopt, 64 << 10,
              [&services](const RouteContext& ctx) -> Result<HttpResponse> {
                auto body = parseJsonBody(ctx.request, {"role", "names", "description"});
                if (!body) return fail(body.error());
                auto roleText = requiredString(*body, "role");
                if (!roleText) return fail(roleText.error());
                auto role = parseRole(*roleText);
                if (!role) {
                  return fail(ErrorKind::InvalidArgument, "role_invalid",
                              "role must be one of admin, deployer, pusher, viewer");
                }
                auto names = optionalStringList(*body, "names");
                if (!names) return fail(names.error());
                auto description = optionalString(*body, "description");
                if (!description) return fail(description.error());
                auto issued = services.tokens.issue(*role, *names, *description);
                if (!issued) return fail(issued.error());
                nlohmann::json out = tokenJson(issued->record);
                out["token"] = issued->secret;
                return jsonResponse(201, out);
              }});
  router.add({"GET", "/v1/tokens", Permission::ManageTokens, std::nullopt, 0,
              [&services](const RouteContext&) -> Result<HttpResponse> {
                auto tokens = services.tokens.list();
                if (!tokens) return fail(tokens.error());
                nlohmann::json items = nlohmann::json::array();
                for (const auto& t : *tokens) items.push_back(tokenJson(t));
                return jsonResponse(200, {{"items", items}});
              }});
  router.add({"DELETE", "/v1/tokens/{id}", Permission::ManageTokens, std::nullopt, 0,
              [&services](const RouteContext& ctx) -> Result<HttpResponse> {
                if (auto r = services.tokens.revoke(ctx.param("id")); !r) return fail(r.error());
                return emptyResponse(204);
              }});
}

}  // namespace stele::api
