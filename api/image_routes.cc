// The registry over HTTP.
//
//   GET    /v1/images                                  every image, with its latest version
//   GET    /v1/images/{name}                           its live versions
//   PUT    /v1/images/{name}/versions/{version}        push a signed manifest envelope
//   GET    /v1/images/{name}/versions/{version}        one version
//   GET    /v1/images/{name}/versions/{version}/manifest   the exact signed manifest bytes
//   DELETE /v1/images/{name}/versions/{version}        tombstone (admin)
//   POST   /v1/images/{name}/versions/{version}/verify re-hash blobs, re-check signatures
#include "api/json_views.h"
#include "api/router.h"
#include "api/services.h"

namespace stele::api {

void addImageRoutes(Router& router, Services& s) {
  router.add({"GET", "/v1/images", Permission::Read, std::nullopt, 0,
              [&s](const RouteContext&) -> Result<HttpResponse> {
                auto images = s.registry.listImages();
                if (!images) return fail(images.error());
                nlohmann::json items = nlohmann::json::array();
                for (const auto& i : *images) {
                  items.push_back({{"name", i.name},
                                   {"versions", i.versions},
                                   {"latestVersion", i.latestVersion},
                                   {"latestPushedAt", timeJson(i.latestPushedAt)}});
                }
                return jsonResponse(200, {{"items", items}});
              }});
  router.add({"GET", "/v1/images/{name}", Permission::Read, std::nullopt, 0,
              [&s](const RouteContext& ctx) -> Result<HttpResponse> {
                auto versions = s.registry.listVersions(ctx.param("name"));
                if (!versions) return fail(versions.error());
                nlohmann::json items = nlohmann::json::array();
                for (const auto& v : *versions) items.push_back(versionJson(v));
                return jsonResponse(200, {{"name", ctx.param("name")}, {"versions", items}});
              }});
  router.add(
      {"PUT", "/v1/images/{name}/versions/{version}", Permission::PushImage, std::string("name"),
       s.limits.maxManifestBytes, [&s](const RouteContext& ctx) -> Result<HttpResponse> {
         auto pushed =
             s.registry.pushManifest({ctx.param("name"), ctx.param("version"),
                                      std::string(ctx.request.body), ctx.principal.tokenId});
         if (!pushed) return fail(pushed.error());
         s.metrics.countPush(pushed->created);
         HttpResponse response =
             jsonResponse(pushed->created ? 201 : 200, {{"name", ctx.param("name")},
                                                        {"version", ctx.param("version")},
                                                        {"manifestDigest", pushed->manifestDigest},
                                                        {"created", pushed->created}});
         response.headers.emplace_back(
             "Location", "/v1/images/" + ctx.param("name") + "/versions/" + ctx.param("version"));
         return response;
       }});
  router.add({"GET", "/v1/images/{name}/versions/{version}", Permission::Read, std::nullopt, 0,
              [&s](const RouteContext& ctx) -> Result<HttpResponse> {
                auto v = s.registry.getVersion(ctx.param("name"), ctx.param("version"));
                if (!v) return fail(v.error());
                return jsonResponse(200, versionJson(*v));
              }});
  router.add({"GET", "/v1/images/{name}/versions/{version}/manifest", Permission::Read,
              std::nullopt, 0, [&s](const RouteContext& ctx) -> Result<HttpResponse> {
                auto v = s.registry.getVersion(ctx.param("name"), ctx.param("version"));
                if (!v) return fail(v.error());
                HttpResponse response;
                response.contentType = v->record.payloadType;
                response.body = v->record.manifest;
                response.headers.emplace_back("Stele-Manifest-Digest", v->record.manifestDigest);
                return response;
              }});
  router.add({"DELETE", "/v1/images/{name}/versions/{version}", Permission::DeleteImage,
              std::nullopt, 0, [&s](const RouteContext& ctx) -> Result<HttpResponse> {
                if (auto r = s.registry.deleteVersion(ctx.param("name"), ctx.param("version"));
                    !r) {
                  return fail(r.error());
                }
                return emptyResponse(204);
              }});
  router.add({"POST", "/v1/images/{name}/versions/{version}/verify", Permission::Read, std::nullopt,
              0, [&s](const RouteContext& ctx) -> Result<HttpResponse> {
                auto report = s.registry.verifyVersion(ctx.param("name"), ctx.param("version"));
                if (!report) return fail(report.error());
                return jsonResponse(200, verifyReportJson(*report));
              }});
}

}  // namespace stele::api
