// The start line and header section of one HTTP/1.1 request, parsed strictly before any
// body byte is read. Framing that two parsers could read two ways (two Content-Lengths,
// Content-Length beside Transfer-Encoding, a length that is not a plain decimal number) is
// refused, so no handler ever sees a request whose end is in doubt. Pure: no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "common/error.h"

namespace stele::api {

struct RequestHead {
  std::string method;  // GET, PUT, ...
  std::string path;    // the target before '?', not decoded (the router decodes parameters)
  std::map<std::string, std::string> query;    // percent-decoded names and values
  std::map<std::string, std::string> headers;  // lowercase names; repeats joined with ", "
  std::int64_t contentLength = 0;
  bool keepAlive = true;
  bool expectContinue = false;  // "Expect: 100-continue"
};

struct HeadLimits {
  std::size_t maxHeaderBytes = 16u << 10;  // request line + headers + the blank line
  std::size_t maxHeaders = 100;
};

// Length of the head (up to and including the blank line) at the start of `buffer`, or 0
// while it is incomplete.
std::size_t headLength(std::string_view buffer);

// InvalidArgument for malformed or ambiguous requests (the code names the problem, e.g.
// content_length_conflict); HeadersTooLarge past the limits.
Result<RequestHead> parseRequestHead(std::string_view head, const HeadLimits& limits);

}  // namespace stele::api
