// Desired state in: `stele apply`.
//
//   POST /v1/apply[?dryRun=true]   multi-document YAML (application/yaml) or JSON      deployer
//     -> {items: [{index, kind, name, action: created|configured|unchanged, generation}],
//         changed, dryRun, plan?: {hosts: {HOST: [{action, deployment, ordinal, reason}]},
//                                  unplaced: [...]},
//         warnings?: ["deployment/web: FailedScheduling: 0/1 hosts fit: ..."]}
//     A real apply that made a deployment's revision previews its next pass, as --dry-run
//     does, and warns of what could not be placed (a surge instance on a full host, say).
#include <set>

#include "api/desired_views.h"
#include "api/router.h"
#include "api/services.h"

namespace stele::api {
namespace {

Result<scheduler::DocumentFormat> formatOf(const HttpRequest& request) {
  std::string type = request.header("content-type").value_or("application/yaml");
  type = type.substr(0, type.find(';'));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  if (type == "application/json") return scheduler::DocumentFormat::Json;
  if (type == "application/yaml" || type == "application/x-yaml" || type == "text/yaml") {
    return scheduler::DocumentFormat::Yaml;
  }
  return fail(ErrorKind::InvalidArgument, "content_type_invalid",
              "Content-Type must be application/yaml or application/json");
}

// What the next pass could not place of the deployments this apply gave a new revision (not
// on every apply: a preview waits for the reconciler's pass).
Result<nlohmann::json> placementWarnings(Services& s, const scheduler::ApplyResult& result) {
  std::set<std::string> changed;
  for (const auto& item : result.items) {
    if (item.newRevision) changed.insert(item.name);
  }
  nlohmann::json out = nlohmann::json::array();
  if (changed.empty()) return out;
  auto plan = s.reconciler.preview(result.deployments, result.networks);
  if (!plan) return fail(plan.error());
  for (const auto& c : plan->conditions) {
    if (c.reason == "FailedScheduling" && changed.count(c.deployment) != 0) {
      out.push_back("deployment/" + c.deployment + ": " + c.reason + ": " + c.message);
    }
  }
  return out;
}

}  // namespace

void addApplyRoutes(Router& router, Services& s) {
  router.add({"POST", "/v1/apply", Permission::Deploy, std::nullopt, s.limits.maxApplyBytes,
              [&s](const RouteContext& ctx) -> Result<HttpResponse> {
                auto format = formatOf(ctx.request);
                if (!format) return fail(format.error());
                auto dryRun = ctx.request.queryParam("dryRun").value_or("false");
                if (dryRun != "true" && dryRun != "false") {
                  return fail(ErrorKind::InvalidArgument, "field_invalid",
                              "dryRun: must be true or false");
                }
                scheduler::ApplyRequest request;
                request.body = std::string(ctx.request.body);
                request.format = *format;
                request.dryRun = dryRun == "true";
                request.appliedBy = "token " + ctx.principal.tokenId;
                const Principal& principal = ctx.principal;
                request.authorize = [&principal](const std::string& kind,
                                                 const std::string& name) -> Result<void> {
                  if (kind == "Host") return authorize(principal, Permission::ManageHosts, name);
                  return authorize(principal, Permission::Deploy, name);
                };
                auto result = s.desired.apply(request);
                if (!result) return fail(result.error());
                nlohmann::json body = applyResultJson(*result);
                if (request.dryRun) {
                  auto plan = s.reconciler.preview(result->deployments, result->networks);
                  if (!plan) return fail(plan.error());
                  body["plan"] = planJson(*plan);
                } else if (auto warnings = placementWarnings(s, *result);
                           warnings && !warnings->empty()) {
                  body["warnings"] = *warnings;
                }
                return jsonResponse(200, body);
              }});
}

}  // namespace stele::api
