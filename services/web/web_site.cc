#include "web/web_site.h"

namespace stele::services::web {

std::string escapeHtml(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

WebSite::WebSite(const ApplianceIdentity& identity) {
  std::string instance = escapeHtml(identity.instance);
  std::string version = escapeHtml(identity.version);
  indexPage_ = "<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>" +
               instance +
               " - Stele web appliance</title></head>\n<body>\n<h1>Stele web appliance</h1>\n"
               "<p>Instance: <strong id=\"instance\">" +
               instance +
               "</strong></p>\n"
               "<p>Image version: <strong id=\"version\">" +
               version +
               "</strong></p>\n"
               "<p>Served by an immutable unikernel. <a "
               "href=\"/healthz\">health</a></p>\n</body>\n</html>\n";
  versionText_ = identity.instance + " " + identity.version + "\n";
}

HttpResponse WebSite::respond(const HttpRequest& request) const {
  bool isGet = request.method == "GET";
  bool isHead = request.method == "HEAD";
  if (!isGet && !isHead) {
    static constexpr std::string_view kKnown[] = {"POST",    "PUT",   "DELETE", "PATCH",
                                                  "OPTIONS", "TRACE", "CONNECT"};
    for (std::string_view known : kKnown)
      if (request.method == known) return errorResponse(405, request.keepAlive);
    return errorResponse(501, request.keepAlive);
  }
  HttpResponse response;
  response.keepAlive = request.keepAlive;
  response.omitBody = isHead;
  if (request.path == "/" || request.path == "/index.html") {
    response.contentType = "text/html; charset=utf-8";
    response.body = indexPage_;
  } else if (request.path == "/healthz") {
    response.body = "ok\n";
  } else if (request.path == "/version") {
    response.body = versionText_;
  } else {
    response = errorResponse(404, request.keepAlive);
    response.omitBody = isHead;
  }
  return response;
}

}  // namespace stele::services::web
