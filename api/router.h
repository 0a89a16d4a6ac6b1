// Route table: method + path pattern ("/v1/images/{name}/versions/{version}") -> handler,
// with the permission each route needs and, optionally, which path parameter names the
// object a scoped token must match. Matching is pure and unit-tested.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/authorization.h"
#include "api/http_types.h"

namespace stele::api {

using PathParams = std::map<std::string, std::string>;

struct RouteContext {
  const HttpRequest& request;
  const Principal& principal;
  const PathParams& params;
  const std::string& param(const std::string& name) const { return params.at(name); }
};

using RouteHandler = std::function<Result<HttpResponse>(const RouteContext&)>;

// A request body taken as it arrives (upload chunks) instead of buffered whole: written in
// pieces, then finished into the response. Dropped unfinished when the request fails or the
// client goes away.
class BodyStream {
 public:
  virtual ~BodyStream() = default;
  virtual Result<void> write(std::string_view bytes) = 0;
  virtual Result<HttpResponse> finish() = 0;
};
// Opens the stream for a body of `length` (> 0) bytes, from the request's head alone.
using BodyStreamOpener =
    std::function<Result<std::unique_ptr<BodyStream>>(const RouteContext&, std::int64_t length)>;

struct Route {
  std::string method;
  std::string pattern;
  Permission permission = Permission::Read;
  std::optional<std::string> scopeParam;  // path parameter checked against token name patterns
  std::size_t maxBodyBytes = std::size_t{64} * 1024;
  RouteHandler handler;           // the whole request (its body buffered), or one without body
  BodyStreamOpener streamBody{};  // when set, a non-empty body streams here instead
};

struct RouteMatch {
  const Route* route = nullptr;
  PathParams params;
};

class Router {
 public:
  void add(Route route);
  // NotFound when no pattern matches the path; MethodNotAllowed when one does, but not for
  // this method.
  Result<RouteMatch> match(const std::string& method, const std::string& path) const;
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

}  // namespace stele::api
