// The bytes of an HTTP health probe: the request it sends and the status line it reads.
// Pure; unit-tested.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"

namespace stele::scheduler::health {

// `GET path HTTP/1.1` with Host and `Connection: close`. Refuses a path that is not
// origin-form printable ASCII (no spaces, no control bytes) of at most 1024 bytes.
Result<std::string> buildHttpProbeRequest(const std::string& address, int port,
                                          const std::string& path);

enum class StatusLineParse { NeedMore, Ok, Malformed };
struct HttpStatusLine {
  StatusLineParse parse = StatusLineParse::NeedMore;
  int status = 0;
};

// Reads "HTTP/1.x NNN ..." from the start of what was received so far.
HttpStatusLine parseHttpStatusLine(std::string_view received);

}  // namespace stele::scheduler::health
