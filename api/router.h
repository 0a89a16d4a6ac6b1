// Route table: method + path pattern ("/v1/images/{name}/versions/{version}") -> handler,
// with the permission each route needs and, optionally, which path parameter names the
// object a scoped token must match. Matching is pure and unit-tested.
#pragma once

#include <functional>
#include <map>
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

struct Route {
  std::string method;
  std::string pattern;
  Permission permission = Permission::Read;
  std::optional<std::string> scopeParam;  // path parameter checked against token name patterns
  std::size_t maxBodyBytes = std::size_t{64} * 1024;
  RouteHandler handler;
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
