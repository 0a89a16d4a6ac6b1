// Transport-neutral request and response: handlers see these, never Pistache.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"

namespace stele::api {

struct HttpRequest {
  std::string method;  // GET, PUT, ...
  std::string path;
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> headers;  // lowercase names
  // Points into the edge's buffer, valid for the duration of the handler. Empty for routes
  // whose body streams (upload chunks): those bytes go to a BodyStream as they arrive.
  std::string_view body;

  std::optional<std::string> header(const std::string& lowercaseName) const;
  std::optional<std::string> queryParam(const std::string& name) const;
};

struct HttpResponse {
  int status = 200;
  std::string contentType = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

HttpResponse jsonResponse(int status, const nlohmann::json& body);
HttpResponse emptyResponse(int status);
// {"error": {"code": ..., "message": ...}} with the status for the error's kind.
HttpResponse errorResponse(const Error& error);
int httpStatus(ErrorKind kind);

// Parses a JSON request body strictly (valid UTF-8, an object, no duplicate keys) and checks
// its keys against `allowed`, naming the first unknown one.
Result<nlohmann::json> parseJsonBody(const HttpRequest& request,
                                     const std::vector<std::string>& allowed);

}  // namespace stele::api
