// Events: every decision and action with its reason.
//
//   GET /v1/events[?deployment=&instance=&after=ID&limit=N]    oldest first
//   GET /v1/events/stream[?deployment=&instance=]              Server-Sent Events; resumes after
//       Last-Event-ID (header) or ?after=. Each response carries what is new, waiting up to
//       ?waitMs (default 10000, at most 25000) for the first event, then ends with a `retry:`
//       hint, so EventSource clients reconnect and resume where they stopped.
#include "api/desired_views.h"
#include "api/request_fields.h"
#include "api/router.h"
#include "api/services.h"

namespace stele::api {
namespace {

Result<store::EventQuery> eventQuery(const HttpRequest& request) {
  store::EventQuery query;
  query.deployment = request.queryParam("deployment").value_or("");
  query.instance = request.queryParam("instance").value_or("");
  auto after = integerParam(request, "after", 0, INT64_MAX);
  if (!after) return fail(after.error());
  query.afterId = *after;
  auto limit = integerParam(request, "limit", 500, 5000);
  if (!limit) return fail(limit.error());
  query.limit = static_cast<std::size_t>(std::max<std::int64_t>(*limit, 1));
  return query;
}

}  // namespace

void addEventRoutes(Router& router, Services& s) {
  router.add({"GET", "/v1/events", Permission::Read, std::nullopt, 0,
              [&s](const RouteContext& ctx) -> Result<HttpResponse> {
                auto query = eventQuery(ctx.request);
                if (!query) return fail(query.error());
                auto events = s.events.list(*query);
                if (!events) return fail(events.error());
                nlohmann::json items = nlohmann::json::array();
                for (const auto& e : *events) items.push_back(eventJson(e));
                return jsonResponse(200, {{"items", items}});
              }});
  router.add({"GET", "/v1/events/stream", Permission::Read, std::nullopt, 0,
              [&s](const RouteContext& ctx) -> Result<HttpResponse> {
                auto query = eventQuery(ctx.request);
                if (!query) return fail(query.error());
                if (auto last = ctx.request.header("last-event-id")) {
                  char* end = nullptr;
                  long long id = std::strtoll(last->c_str(), &end, 10);
                  if (!last->empty() && *end == '\0' && id >= 0) query->afterId = id;
                }
                auto wait = integerParam(ctx.request, "waitMs", 10000, 25000);
                if (!wait) return fail(wait.error());
                auto events = s.events.list(*query);
                if (!events) return fail(events.error());
                auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(*wait);
                while (events->empty() && std::chrono::steady_clock::now() < deadline &&
                       !s.events.closed()) {
                  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                      deadline - std::chrono::steady_clock::now());
                  std::int64_t newest = s.events.waitAfter(query->afterId, left);
                  if (newest <= query->afterId) continue;
                  events = s.events.list(*query);
                  if (!events) return fail(events.error());
                  if (events->empty()) query->afterId = newest;  // news for other objects
                }
                HttpResponse response;
                response.contentType = "text/event-stream";
                response.headers.push_back({"Cache-Control", "no-cache"});
                response.body = "retry: 500\n\n";
                for (const auto& e : *events) {
                  response.body += "id: " + std::to_string(e.id) + "\nevent: " + e.reason +
                                   "\ndata: " + eventJson(e).dump() + "\n\n";
                }
                return response;
              }});
}

}  // namespace stele::api
