#include "api/dispatcher.h"

#include <exception>

namespace stele::api {

Result<HttpResponse> Dispatcher::route(const HttpRequest& request) {
  auto match = router_.match(request.method, request.path);
  if (!match) return fail(match.error());
  const Route& route = *match->route;
  Principal principal;
  if (route.permission != Permission::Public) {
    auto authenticated = services_.tokens.authenticate(request.header("authorization"));
    if (!authenticated) return fail(authenticated.error());
    principal = *authenticated;
    std::optional<std::string> scope;
    if (route.scopeParam) scope = match->params.at(*route.scopeParam);
    if (auto r = authorize(principal, route.permission, scope); !r) return fail(r.error());
  }
  if (request.body.size() > route.maxBodyBytes) {
    return fail(ErrorKind::TooLarge, "body_too_large",
                "request body is " + std::to_string(request.body.size()) +
                    " bytes; this route takes at most " + std::to_string(route.maxBodyBytes));
  }
  return route.handler(RouteContext{request, principal, match->params});
}

HttpResponse Dispatcher::handle(const HttpRequest& request) {
  HttpResponse response;
  try {
    auto result = route(request);
    response = result ? std::move(*result) : errorResponse(result.error());
  } catch (const std::exception& e) {
    response = errorResponse(Error{ErrorKind::Internal, "internal", "internal error"});
  }
  services_.metrics.countRequest(response.status);
  return response;
}

}  // namespace stele::api
