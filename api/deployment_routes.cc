// Deployments and networks as stored, with their status.
//
//   GET    /v1/deployments              every deployment with its status
//   GET    /v1/deployments/{name}
//   DELETE /v1/deployments/{name}       its instances are destroyed by the reconciler  deployer
//   GET    /v1/networks
//   GET    /v1/networks/{name}
//   DELETE /v1/networks/{name}          409 network_in_use while a deployment uses it  deployer
#include "api/desired_views.h"
#include "api/router.h"
#include "api/services.h"

namespace stele::api {
namespace {

Result<nlohmann::json> deploymentView(Services& s, const scheduler::StoredDeployment& d) {
  auto instances = s.instances.list(d.record.name);
  if (!instances) return fail(instances.error());
  auto conditions = s.reconciler.conditions();
  auto condition = conditions.find(d.record.name);
  return deploymentJson(d, *instances,
                        condition == conditions.end()
                            ? std::nullopt
                            : std::optional<scheduler::DeploymentCondition>(condition->second));
}

}  // namespace

void addDeploymentRoutes(Router& router, Services& s) {
  router.add({"GET", "/v1/deployments", Permission::Read, std::nullopt, 0,
              [&s](const RouteContext&) -> Result<HttpResponse> {
                auto all = s.desired.deployments();
                if (!all) return fail(all.error());
                nlohmann::json items = nlohmann::json::array();
                for (const auto& d : *all) {
                  auto view = deploymentView(s, d);
                  if (!view) return fail(view.error());
                  items.push_back(std::move(*view));
                }
                return jsonResponse(200, {{"items", items}});
              }});
  router.add({"GET", "/v1/deployments/{name}", Permission::Read, std::nullopt, 0,
              [&s](const RouteContext& ctx) -> Result<HttpResponse> {
                auto d = s.desired.deployment(ctx.param("name"));
                if (!d) return fail(d.error());
                auto view = deploymentView(s, *d);
                if (!view) return fail(view.error());
                return jsonResponse(200, *view);
              }});
  router.add({"DELETE", "/v1/deployments/{name}", Permission::Deploy, "name", 0,
              [&s](const RouteContext& ctx) -> Result<HttpResponse> {
                if (auto r = s.desired.remove("Deployment", ctx.param("name")); !r) {
                  return fail(r.error());
                }
                return emptyResponse(204);
              }});
  router.add({"GET", "/v1/networks", Permission::Read, std::nullopt, 0,
              [&s](const RouteContext&) -> Result<HttpResponse> {
                auto all = s.desired.networks();
                if (!all) return fail(all.error());
                nlohmann::json items = nlohmann::json::array();
                for (const auto& n : *all) items.push_back(networkJson(n));
                return jsonResponse(200, {{"items", items}});
              }});
  router.add({"GET", "/v1/networks/{name}", Permission::Read, std::nullopt, 0,
              [&s](const RouteContext& ctx) -> Result<HttpResponse> {
                auto n = s.desired.network(ctx.param("name"));
                if (!n) return fail(n.error());
                return jsonResponse(200, networkJson(*n));
              }});
  router.add({"DELETE", "/v1/networks/{name}", Permission::Deploy, "name", 0,
              [&s](const RouteContext& ctx) -> Result<HttpResponse> {
                if (auto r = s.desired.remove("Network", ctx.param("name")); !r) {
                  return fail(r.error());
                }
                return emptyResponse(204);
              }});
}

}  // namespace stele::api
