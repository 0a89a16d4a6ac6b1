// The host inventory over HTTP.
//
//   POST   /v1/hosts                 {name, uri, accel?, labels?: {k: v}}   admin
//   GET    /v1/hosts                 every host with state, capacity, allocation, instances
//   GET    /v1/hosts/{name}
//   POST   /v1/hosts/{name}/drain    no new placements                        admin
//   DELETE /v1/hosts/{name}[?force=true]   refused while instances remain      admin
#include "api/json_views.h"
#include "api/request_fields.h"
#include "api/router.h"
#include "api/services.h"

namespace stele::api {
namespace {

Result<scheduler::HostRequest> hostRequest(const HttpRequest& request) {
  auto body = parseJsonBody(request, {"name", "uri", "accel", "labels", "probeNetns"});
  if (!body) return fail(body.error());
  scheduler::HostRequest out;
  auto name = requiredString(*body, "name");
  if (!name) return fail(name.error());
  auto uri = requiredString(*body, "uri");
  if (!uri) return fail(uri.error());
  auto accel = optionalString(*body, "accel");
  if (!accel) return fail(accel.error());
  auto netns = optionalString(*body, "probeNetns");
  if (!netns) return fail(netns.error());
  out.probeNetns = *netns;
  out.name = *name;
  out.uri = *uri;
  if (!accel->empty()) out.accel = *accel;
  if (auto labels = body->find("labels"); labels != body->end()) {
    if (!labels->is_object() || labels->size() > 32) {
      return fail(ErrorKind::InvalidArgument, "field_invalid",
                  "labels: must be an object of at most 32 string values");
    }
    for (const auto& [key, value] : labels->items()) {
      if (!value.is_string()) {
        return fail(ErrorKind::InvalidArgument, "field_invalid",
                    "labels." + key + ": must be a string");
      }
      out.labels.push_back(key + "=" + value.get<std::string>());
    }
  }
  return out;
}

Result<HttpResponse> hostResponse(int status, const Result<scheduler::HostView>& host) {
  if (!host) return fail(host.error());
  return jsonResponse(status, hostJson(*host));
}

}  // namespace

void addHostRoutes(Router& router, Services& s) {
  router.add({"POST", "/v1/hosts", Permission::ManageHosts, std::nullopt, 64 << 10,
              [&s](const RouteContext& ctx) -> Result<HttpResponse> {
                auto request = hostRequest(ctx.request);
                if (!request) return fail(request.error());
                return hostResponse(201, s.hosts.add(*request));
              }});
  router.add({"GET", "/v1/hosts", Permission::Read, std::nullopt, 0,
              [&s](const RouteContext&) -> Result<HttpResponse> {
                auto hosts = s.hosts.list();
                if (!hosts) return fail(hosts.error());
                nlohmann::json items = nlohmann::json::array();
                for (const auto& h : *hosts) items.push_back(hostJson(h));
                return jsonResponse(200, {{"items", items}});
              }});
  router.add({"GET", "/v1/hosts/{name}", Permission::Read, std::nullopt, 0,
              [&s](const RouteContext& ctx) -> Result<HttpResponse> {
                return hostResponse(200, s.hosts.get(ctx.param("name")));
              }});
  router.add({"POST", "/v1/hosts/{name}/drain", Permission::ManageHosts, std::nullopt, 0,
              [&s](const RouteContext& ctx) -> Result<HttpResponse> {
                return hostResponse(200, s.hosts.drain(ctx.param("name")));
              }});
  router.add({"DELETE", "/v1/hosts/{name}", Permission::ManageHosts, std::nullopt, 0,
              [&s](const RouteContext& ctx) -> Result<HttpResponse> {
                bool force = ctx.request.queryParam("force").value_or("") == "true";
                if (auto r = s.hosts.remove(ctx.param("name"), force); !r) return fail(r.error());
                return emptyResponse(204);
              }});
}

}  // namespace stele::api
