// HTTP/1.1 responses as bytes. Pure; the Date value is passed in.
#pragma once

#include <string>
#include <string_view>

namespace stele::services::web {

struct HttpResponse {
  int status = 200;
  std::string contentType = "text/plain; charset=utf-8";
  std::string body;
  bool omitBody = false;  // HEAD: headers as for GET, no body
  bool keepAlive = true;
  bool allowHeader = false;  // 405: Allow: GET, HEAD
};

std::string_view reasonPhrase(int status);

// Appends the serialized response to `out`.
void serializeResponse(const HttpResponse& response, std::string_view date, std::string& out);

// An error page for status (plain text, closes the connection when keepAlive is false).
HttpResponse errorResponse(int status, bool keepAlive);

// IMF-fixdate for a Unix time, e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
std::string httpDate(long long unixSeconds);

}  // namespace stele::services::web
