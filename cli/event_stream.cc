#include "cli/event_stream.h"

#include <algorithm>
#include <cstdlib>

namespace stele::cli {

using nlohmann::json;

StreamChunk parseStream(const std::string& body) {
  StreamChunk chunk;
  std::size_t start = 0;
  while (start < body.size()) {
    std::size_t end = body.find('\n', start);
    if (end == std::string::npos) end = body.size();
    std::string line = body.substr(start, end - start);
    start = end + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string field = line.substr(0, colon);
    std::string value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.erase(0, 1);
    if (field == "id") {
      chunk.lastId = value;
    } else if (field == "retry") {
      chunk.retryMs = std::clamp(std::atoi(value.c_str()), 100, 30000);
    } else if (field == "data") {
      auto event = json::parse(value, nullptr, false);
      if (event.is_object()) chunk.events.push_back(std::move(event));
    }
  }
  return chunk;
}

}  // namespace stele::cli
