#include "api/wire_response.h"

namespace stele::api {
namespace {

const char* reasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 413:
      return "Content Too Large";
    case 416:
      return "Range Not Satisfiable";
    case 422:
      return "Unprocessable Content";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

void appendHeader(std::string& out, const std::string& name, const std::string& value) {
  out += name;
  out += ": ";
  for (char c : value) {
    if (c != '\r' && c != '\n') out.push_back(c);
  }
  out += "\r\n";
}

}  // namespace

std::string wireResponse(const HttpResponse& response, bool headRequest, bool close) {
  bool bodyless = headRequest || response.status == 204;
  std::string out =
      "HTTP/1.1 " + std::to_string(response.status) + " " + reasonPhrase(response.status) + "\r\n";
  if (!response.contentType.empty()) appendHeader(out, "Content-Type", response.contentType);
  for (const auto& [name, value] : response.headers) appendHeader(out, name, value);
  if (response.status != 204) {
    appendHeader(out, "Content-Length", std::to_string(bodyless ? 0 : response.body.size()));
  }
  if (close) out += "Connection: close\r\n";
  out += "\r\n";
  if (!bodyless) out += response.body;
  return out;
}

}  // namespace stele::api
