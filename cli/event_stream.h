// Server-Sent Events as GET /v1/events/stream answers them: one body of "id:", "event:",
// "data:" blocks and a "retry:" line. Used by `stele get events -w` and `stele rollout status`.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace stele::cli {

struct StreamChunk {
  std::vector<nlohmann::json> events;
  std::string lastId;
  int retryMs = 500;
};

// Parses one Server-Sent Events body: blocks of "id:", "event:", "data:" lines, and "retry:".
StreamChunk parseStream(const std::string& body);

}  // namespace stele::cli
