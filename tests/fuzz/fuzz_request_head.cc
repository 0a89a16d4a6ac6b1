// libFuzzer target: the server's strict request-head parser (api/request_head.cc) over any
// bytes. Whatever it accepts must be self-consistent; whatever it refuses is a 400 or 431.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "api/request_head.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace stele::api;
  std::string_view buffer(reinterpret_cast<const char*>(data), size);
  HeadLimits limits{1024, 16};  // small limits reach the 431 paths with small inputs
  std::size_t length = headLength(buffer);
  if (length > size) std::abort();
  auto head = parseRequestHead(length > 0 ? buffer.substr(0, length) : buffer, limits);
  if (!head) {
    auto kind = head.error().kind;
    if (kind != stele::ErrorKind::InvalidArgument && kind != stele::ErrorKind::HeadersTooLarge)
      std::abort();
    if (head.error().code.empty() || head.error().message.empty()) std::abort();
    return 0;
  }
  if (head->method.empty() || head->path.empty() || head->path.front() != '/') std::abort();
  if (head->contentLength < 0) std::abort();
  if (head->headers.count("content-length") && head->headers.count("transfer-encoding"))
    std::abort();
  for (const auto& [name, value] : head->headers) {
    for (char c : name) {
      if (c >= 'A' && c <= 'Z') std::abort();
    }
    for (char c : value) {
      if (c == '\r' || c == '\n' || c == '\0') std::abort();
    }
  }
  return 0;
}
