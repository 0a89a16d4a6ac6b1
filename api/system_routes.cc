// GET /healthz, GET /metrics, GET /v1/whoami.
#include "api/router.h"
#include "api/services.h"

namespace stele::api {
namespace {

// Instances by state and the reconciler's counters, read when scraped.
std::string schedulerMetrics(Services& services) {
  std::string out;
  auto instances = services.instances.list();
  std::map<std::string, int> byState;
  if (instances) {
    for (const auto& i : *instances) byState[i.state] += 1;
  }
  out += "# TYPE stele_instances gauge\n";
  for (const char* state :
       {"Provisioning", "Starting", "Available", "Destroying", "Lost", "Gone"}) {
    out += "stele_instances{state=\"" + std::string(state) + "\"} " +
           std::to_string(byState[state]) + "\n";
  }
  auto stats = services.reconciler.stats();
  out += "# TYPE stele_provisions_total counter\nstele_provisions_total " +
         std::to_string(stats.provisions) + "\n";
  out += "# TYPE stele_provision_failures_total counter\nstele_provision_failures_total " +
         std::to_string(stats.provisionFailures) + "\n";
  out += "# TYPE stele_destroys_total counter\nstele_destroys_total " +
         std::to_string(stats.destroys) + "\n";
  out += "# TYPE stele_reconcile_passes_total counter\nstele_reconcile_passes_total " +
         std::to_string(stats.passes) + "\n";
  out += "# TYPE stele_reconcile_pass_seconds_total counter\nstele_reconcile_pass_seconds_total " +
         std::to_string(static_cast<double>(stats.totalPassUs) / 1e6) + "\n";
  out += "# TYPE stele_reconcile_last_pass_seconds gauge\nstele_reconcile_last_pass_seconds " +
         std::to_string(static_cast<double>(stats.lastPassUs) / 1e6) + "\n";
  return out;
}

}  // namespace

void addSystemRoutes(Router& router, Services& services) {
  router.add({"GET", "/healthz", Permission::Public, std::nullopt, 0,
              [](const RouteContext&) -> Result<HttpResponse> {
                return jsonResponse(200, {{"status", "ok"}});
              }});
  router.add({"GET", "/metrics", Permission::Read, std::nullopt, 0,
              [&services](const RouteContext&) -> Result<HttpResponse> {
                HttpResponse response;
                response.contentType = "text/plain; version=0.0.4";
                response.body = services.metrics.render() + schedulerMetrics(services);
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
