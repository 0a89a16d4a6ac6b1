#include "api/router.h"

#include "common/encoding.h"

namespace stele::api {
namespace {

std::vector<std::string> splitPath(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t start = 1;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    parts.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return parts;
}

bool matchPattern(const std::vector<std::string>& pattern, const std::vector<std::string>& path,
                  PathParams& params) {
  if (pattern.size() != path.size()) return false;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const std::string& p = pattern[i];
    if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
      auto value = percentDecode(path[i]);
      if (!value || value->empty()) return false;
      params[p.substr(1, p.size() - 2)] = *value;
    } else if (p != path[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace

void Router::add(Route route) { routes_.push_back(std::move(route)); }

Result<RouteMatch> Router::match(const std::string& method, const std::string& path) const {
  if (path.empty() || path.front() != '/') {
    return fail(ErrorKind::NotFound, "not_found", "no such route");
  }
  std::vector<std::string> parts = splitPath(path);
  bool pathMatched = false;
  for (const auto& route : routes_) {
    PathParams params;
    if (!matchPattern(splitPath(route.pattern), parts, params)) continue;
    pathMatched = true;
    if (route.method == method) return RouteMatch{&route, std::move(params)};
  }
  if (pathMatched) {
    return fail(ErrorKind::MethodNotAllowed, "method_not_allowed",
                method + " is not allowed on " + path);
  }
  return fail(ErrorKind::NotFound, "not_found", "no route for " + method + " " + path);
}

}  // namespace stele::api
