#include "api/dispatcher.h"

#include <exception>

namespace stele::api {
namespace {

Error internalError() { return Error{ErrorKind::Internal, "internal", "internal error"}; }

// Handlers must not throw; if one does, the request fails and the server goes on.
template <class Call>
auto guarded(Call call) -> decltype(call()) {
  try {
    return call();
  } catch (const std::exception&) {
    return fail(internalError());
  }
}

}  // namespace

Result<Admission> Dispatcher::admit(const HttpRequest& head, std::int64_t contentLength) {
  auto match = router_.match(head.method, head.path);
  if (!match) return fail(match.error());
  Admission admission{match->route, Principal{}, std::move(match->params)};
  const Route& route = *admission.route;
  if (route.permission != Permission::Public) {
    auto authenticated =
        guarded([&] { return services_.tokens.authenticate(head.header("authorization")); });
    if (!authenticated) return fail(authenticated.error());
    admission.principal = *authenticated;
    std::optional<std::string> scope;
    if (route.scopeParam) scope = admission.params.at(*route.scopeParam);
    if (auto r = authorize(admission.principal, route.permission, scope); !r) {
      return fail(r.error());
    }
  }
  if (contentLength < 0 || static_cast<std::uint64_t>(contentLength) > route.maxBodyBytes) {
    return fail(ErrorKind::TooLarge, "body_too_large",
                "request body is " + std::to_string(contentLength) +
                    " bytes; this route takes at most " + std::to_string(route.maxBodyBytes));
  }
  return admission;
}

HttpResponse Dispatcher::run(const Admission& admission, const HttpRequest& request) {
  services_.metrics.countHandlerCall();
  return respond(guarded([&] {
    return admission.route->handler(RouteContext{request, admission.principal, admission.params});
  }));
}

Result<std::unique_ptr<BodyStream>> Dispatcher::openStream(const Admission& admission,
                                                           const HttpRequest& head,
                                                           std::int64_t contentLength) {
  services_.metrics.countHandlerCall();
  return guarded([&] {
    return admission.route->streamBody(RouteContext{head, admission.principal, admission.params},
                                       contentLength);
  });
}

HttpResponse Dispatcher::finishStream(BodyStream& stream) {
  return respond(guarded([&] { return stream.finish(); }));
}

HttpResponse Dispatcher::reject(const Error& error) { return respond(fail(error)); }

HttpResponse Dispatcher::handle(const HttpRequest& request) {
  auto admission = admit(request, static_cast<std::int64_t>(request.body.size()));
  if (!admission) return reject(admission.error());
  return run(*admission, request);
}

HttpResponse Dispatcher::respond(const Result<HttpResponse>& result) {
  HttpResponse response;
  try {
    response = result ? *result : errorResponse(result.error());
  } catch (const std::exception&) {  // e.g. a message that is not valid UTF-8 for the JSON
    response = errorResponse(internalError());
  }
  services_.metrics.countRequest(response.status);
  return response;
}

}  // namespace stele::api
