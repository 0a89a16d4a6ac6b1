// libFuzzer target: the HTTP/1.1 request parser over a buffer of pipelined requests.
// Only pure parser code runs here.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "web/http_request_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace stele::services::web;
  std::string_view buffer(reinterpret_cast<const char*>(data), size);
  HttpLimits limits;
  limits.maxRequestLine = 512;  // small limits reach the 414/431 paths with small inputs
  limits.maxTarget = 256;
  limits.maxHeaderBytes = 1024;
  limits.maxHeaderCount = 16;
  limits.maxBody = 2048;
  while (!buffer.empty()) {
    ParseResult result = parseHttpRequest(buffer, limits);
    if (result.status != ParseStatus::Complete) {
      if (result.status == ParseStatus::Error &&
          (result.errorStatus < 400 || result.errorStatus > 505))
        std::abort();
      break;
    }
    // A complete request consumes something and never more than it was given.
    if (result.consumed == 0 || result.consumed > buffer.size()) std::abort();
    if (result.request.method.empty() || result.request.path.empty()) std::abort();
    buffer.remove_prefix(result.consumed);
  }
  return 0;
}
