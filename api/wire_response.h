// An HttpResponse as HTTP/1.1 bytes: status line, Content-Type, Content-Length, the
// handler's headers (CR and LF removed, so no value can add a header), the body.
#pragma once

#include <string>

#include "api/http_types.h"

namespace stele::api {

// `headRequest`: the body is left out (the status and headers stay). `close`: adds
// "Connection: close".
std::string wireResponse(const HttpResponse& response, bool headRequest, bool close);

// "HTTP/1.1 100 Continue", for a client that waits for it before sending its body.
inline constexpr std::string_view kContinueResponse = "HTTP/1.1 100 Continue\r\n\r\n";

}  // namespace stele::api
