// The trust store over HTTP: admin adds, lists, retires and revokes signing keys.
#include "api/json_views.h"
#include "api/request_fields.h"
#include "api/router.h"
#include "api/services.h"

namespace stele::api {
namespace {

Result<HttpResponse> keyResponse(int status, const Result<store::SigningKeyRecord>& key) {
  if (!key) return fail(key.error());
  return jsonResponse(status, keyJson(*key));
}

}  // namespace

void addKeyRoutes(Router& router, Services& services) {
  router.add({"POST", "/v1/keys", Permission::ManageKeys, std::nullopt, 64 << 10,
              [&services](const RouteContext& ctx) -> Result<HttpResponse> {
                auto body = parseJsonBody(
                    ctx.request, {"publicKey", "names", "notBefore", "notAfter", "comment"});
                if (!body) return fail(body.error());
                images::AddKeyRequest request;
                auto pem = requiredString(*body, "publicKey");
                auto names = optionalStringList(*body, "names");
                auto notBefore = optionalTime(*body, "notBefore");
                auto notAfter = optionalTime(*body, "notAfter");
                auto comment = optionalString(*body, "comment");
                if (!pem) return fail(pem.error());
                if (!names) return fail(names.error());
                if (!notBefore) return fail(notBefore.error());
                if (!notAfter) return fail(notAfter.error());
                if (!comment) return fail(comment.error());
                request = {*pem, *names, *notBefore, *notAfter, *comment};
                auto added = services.trust.add(request);
                if (!added) return fail(added.error());
                return jsonResponse(added->created ? 201 : 200, keyJson(added->key));
              }});
  router.add({"GET", "/v1/keys", Permission::Read, std::nullopt, 0,
              [&services](const RouteContext&) -> Result<HttpResponse> {
                auto keys = services.trust.list();
                if (!keys) return fail(keys.error());
                nlohmann::json items = nlohmann::json::array();
                for (const auto& k : *keys) items.push_back(keyJson(k));
                return jsonResponse(200, {{"items", items}});
              }});
  router.add({"GET", "/v1/keys/{id}", Permission::Read, std::nullopt, 0,
              [&services](const RouteContext& ctx) -> Result<HttpResponse> {
                return keyResponse(200, services.trust.find(ctx.param("id")));
              }});
  router.add({"POST", "/v1/keys/{id}/retire", Permission::ManageKeys, std::nullopt, 0,
              [&services](const RouteContext& ctx) -> Result<HttpResponse> {
                return keyResponse(200, services.trust.retire(ctx.param("id")));
              }});
  router.add({"POST", "/v1/keys/{id}/revoke", Permission::ManageKeys, std::nullopt, 0,
              [&services](const RouteContext& ctx) -> Result<HttpResponse> {
                return keyResponse(200, services.trust.revoke(ctx.param("id")));
              }});
}

}  // namespace stele::api
