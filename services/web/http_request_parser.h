// HTTP/1.1 request parsing (RFC 9112) over a byte buffer that may hold part of a request,
// exactly one, or several pipelined ones. Pure; no I/O; bounded by HttpLimits.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace stele::services::web {

struct HttpLimits {
  std::size_t maxRequestLine = 8192;   // longer: 414
  std::size_t maxTarget = 4096;        // longer: 414
  std::size_t maxHeaderBytes = 16384;  // request line + headers; longer: 431
  std::size_t maxHeaderCount = 100;    // more: 431
  std::size_t maxBody = 65536;         // larger Content-Length: 413
};

enum class ParseStatus { Incomplete, Complete, Error };

// Views into the parsed buffer; valid while it is.
struct HttpRequest {
  std::string_view method;
  std::string_view target;
  std::string_view path;  // target without query, for origin-form and absolute-form
  int versionMinor = 1;   // HTTP/1.x
  std::optional<std::string_view> host;
  std::size_t contentLength = 0;
  bool keepAlive = true;
};

struct ParseResult {
  ParseStatus status = ParseStatus::Incomplete;
  HttpRequest request;       // when Complete
  std::size_t consumed = 0;  // bytes of this request, body included (Complete only)
  int errorStatus = 0;       // 400 413 414 431 501 505 (Error only)
  std::string_view errorReason;
};

// Parses the first request in `buffer`.
ParseResult parseHttpRequest(std::string_view buffer, const HttpLimits& limits = {});

}  // namespace stele::services::web
