// Instances: first-class, never edited. Deleting one makes the reconciler replace it.
//
//   GET    /v1/instances[?deployment=NAME]
//   GET    /v1/instances/{id}           with its state history
//   GET    /v1/instances/{id}/console   serial console tail (text/plain; ?bytes=N, <= 1 MiB)
//   DELETE /v1/instances/{id}           destroy; a replacement is provisioned        deployer
#include "api/desired_views.h"
#include "api/router.h"
#include "api/services.h"
#include "scheduler/instance_state.h"

namespace stele::api {
namespace {

Result<store::InstanceRecord> findInstance(Services& s, const std::string& id) {
  auto found = s.instances.find(id);
  if (!found) return fail(found.error());
  if (!found->has_value()) {
    return fail(ErrorKind::NotFound, "instance_not_found", "no instance " + id);
  }
  return **found;
}

}  // namespace

void addInstanceRoutes(Router& router, Services& s) {
  router.add({"GET", "/v1/instances", Permission::Read, std::nullopt, 0,
              [&s](const RouteContext& ctx) -> Result<HttpResponse> {
                auto all = s.instances.list(ctx.request.queryParam("deployment").value_or(""));
                if (!all) return fail(all.error());
                nlohmann::json items = nlohmann::json::array();
                for (const auto& i : *all) items.push_back(instanceJson(i));
                return jsonResponse(200, {{"items", items}});
              }});
  router.add({"GET", "/v1/instances/{id}", Permission::Read, std::nullopt, 0,
              [&s](const RouteContext& ctx) -> Result<HttpResponse> {
                auto i = findInstance(s, ctx.param("id"));
                if (!i) return fail(i.error());
                auto history = s.instances.history(i->id);
                if (!history) return fail(history.error());
                nlohmann::json body = instanceJson(*i);
                body["history"] = nlohmann::json::array();
                for (const auto& h : *history) {
                  body["history"].push_back(
                      {{"time", timeMsJson(h.atMs)}, {"state", h.state}, {"reason", h.reason}});
                }
                return jsonResponse(200, body);
              }});
  router.add({"GET", "/v1/instances/{id}/console", Permission::Read, std::nullopt, 0,
              [&s](const RouteContext& ctx) -> Result<HttpResponse> {
                auto i = findInstance(s, ctx.param("id"));
                if (!i) return fail(i.error());
                std::size_t bytes = 64 << 10;
                if (auto text = ctx.request.queryParam("bytes")) {
                  char* end = nullptr;
                  unsigned long long n = std::strtoull(text->c_str(), &end, 10);
                  if (text->empty() || *end != '\0' || n == 0 || n > (1u << 20)) {
                    return fail(ErrorKind::InvalidArgument, "field_invalid",
                                "bytes: must be 1 to 1048576");
                  }
                  bytes = static_cast<std::size_t>(n);
                }
                auto tail = s.hypervisor.consoleLogTail(i->host, i->id, bytes);
                if (!tail) {
                  return fail(tail.error().kind, tail.error().code,
                              "console of " + i->id + " is not readable now");
                }
                HttpResponse response;
                response.status = 200;
                response.contentType = "text/plain; charset=utf-8";
                response.body = std::move(*tail);
                return response;
              }});
  router.add({"DELETE", "/v1/instances/{id}", Permission::Deploy, std::nullopt, 0,
              [&s](const RouteContext& ctx) -> Result<HttpResponse> {
                auto i = findInstance(s, ctx.param("id"));
                if (!i) return fail(i.error());
                if (auto r = authorize(ctx.principal, Permission::Deploy, i->deployment); !r) {
                  return fail(r.error());
                }
                if (!scheduler::state::occupiesSlot(i->state) ||
                    i->state == scheduler::state::kDestroying) {
                  return emptyResponse(202);
                }
                if (auto r = s.instances.setState(
                        i->id, std::string(scheduler::state::kDestroying),
                        "deleted through the API by token " + ctx.principal.tokenId,
                        s.clock.nowMs());
                    !r) {
                  return fail(r.error());
                }
                s.reconciler.wake();
                return emptyResponse(202);
              }});
}

}  // namespace stele::api
