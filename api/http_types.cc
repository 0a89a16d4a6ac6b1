#include "api/http_types.h"

#include <algorithm>

#include "images/strict_json.h"

namespace stele::api {

std::optional<std::string> HttpRequest::header(const std::string& name) const {
  if (auto it = headers.find(name); it != headers.end()) return it->second;
  return std::nullopt;
}

std::optional<std::string> HttpRequest::queryParam(const std::string& name) const {
  if (auto it = query.find(name); it != query.end()) return it->second;
  return std::nullopt;
}

HttpResponse jsonResponse(int status, const nlohmann::json& body) {
  HttpResponse response;
  response.status = status;
  response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  response.body.push_back('\n');
  return response;
}

HttpResponse emptyResponse(int status) {
  HttpResponse response;
  response.status = status;
  response.contentType.clear();
  return response;
}

int httpStatus(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::InvalidArgument:
      return 400;
    case ErrorKind::Unauthenticated:
      return 401;
    case ErrorKind::PermissionDenied:
      return 403;
    case ErrorKind::NotFound:
      return 404;
    case ErrorKind::MethodNotAllowed:
      return 405;
    case ErrorKind::Conflict:
      return 409;
    case ErrorKind::TooLarge:
      return 413;
    case ErrorKind::RangeNotSatisfiable:
      return 416;
    case ErrorKind::HeadersTooLarge:
      return 431;
    case ErrorKind::Unprocessable:
      return 422;
    case ErrorKind::TooManyRequests:
      return 429;
    case ErrorKind::Unavailable:
      return 503;
    case ErrorKind::Internal:
      return 500;
  }
  return 500;
}

HttpResponse errorResponse(const Error& error) {
  HttpResponse response =
      jsonResponse(httpStatus(error.kind),
                   {{"error", {{"code", error.code}, {"message", publicMessage(error)}}}});
  if (error.kind == ErrorKind::Unauthenticated) {
    response.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"stele\"");
  }
  return response;
}

Result<nlohmann::json> parseJsonBody(const HttpRequest& request,
                                     const std::vector<std::string>& allowed) {
  auto body = images::parseStrictJson(request.body, "request body", 8);
  if (!body) return fail(body.error());
  if (!body->is_object()) {
    return fail(ErrorKind::InvalidArgument, "invalid_json", "request body must be a JSON object");
  }
  for (const auto& [key, value] : body->items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      return fail(ErrorKind::InvalidArgument, "unknown_field", "unknown field \"" + key + "\"");
    }
  }
  return body;
}

}  // namespace stele::api
