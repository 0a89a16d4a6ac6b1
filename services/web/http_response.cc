#include "web/http_response.h"

#include <ctime>

namespace stele::services::web {

std::string_view reasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

void serializeResponse(const HttpResponse& response, std::string_view date, std::string& out) {
  out += "HTTP/1.1 ";
  out += std::to_string(response.status);
  out += ' ';
  out += reasonPhrase(response.status);
  out += "\r\nServer: stele-web\r\nDate: ";
  out += date;
  out += "\r\nContent-Type: ";
  out += response.contentType;
  out += "\r\nContent-Length: ";
  out += std::to_string(response.body.size());
  if (response.allowHeader) out += "\r\nAllow: GET, HEAD";
  out +=
      response.keepAlive ? "\r\nConnection: keep-alive\r\n\r\n" : "\r\nConnection: close\r\n\r\n";
  if (!response.omitBody) out += response.body;
}

HttpResponse errorResponse(int status, bool keepAlive) {
  HttpResponse response;
  response.status = status;
  response.body = std::to_string(status) + " " + std::string(reasonPhrase(status)) + "\n";
  response.keepAlive = keepAlive;
  response.allowHeader = status == 405;
  return response;
}

std::string httpDate(long long unixSeconds) {
  std::time_t t = static_cast<std::time_t>(unixSeconds);
  std::tm parts{};
  gmtime_r(&t, &parts);
  char text[64];
  std::size_t n = std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &parts);
  return std::string(text, n);
}

}  // namespace stele::services::web
