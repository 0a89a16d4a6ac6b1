// Desired state in: `stele apply`.
//
//   POST /v1/apply[?dryRun=true]   multi-document YAML (application/yaml) or JSON      deployer
//     -> {items: [{index, kind, name, action: created|configured|unchanged, generation}],
//         changed, dryRun, plan?: {hosts: {HOST: [{action, deployment, ordinal, reason}]},
//                                  unplaced: [...]}}
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
                }
                return jsonResponse(200, body);
              }});
}

}  // namespace stele::api
