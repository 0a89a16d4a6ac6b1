// What the HTTP edge lets one client, and all of them, hold: connections, header bytes,
// buffered body bytes and time. Each has a `stele server` flag (docs/api.md, "Limits").
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

#include "api/request_head.h"

namespace stele::api {

struct EdgeLimits {
  HeadLimits head;                                  // --max-header-bytes
  std::size_t maxConnections = 1024;                // --max-connections
  std::size_t maxConnectionsPerClient = 256;        // --max-connections-per-client (by address)
  std::size_t maxBufferedBytes = 64u << 20;         // --max-buffered-bytes, all connections
  std::size_t streamBufferBytes = 256u << 10;       // one streaming body's buffer before a write
  std::size_t drainBytes = 64u << 10;               // body read and dropped after an early answer
  std::chrono::milliseconds headerTimeout{10000};   // --header-timeout-ms: the whole head
  std::chrono::milliseconds idleTimeout{60000};     // --idle-timeout-ms: no byte arrives
  std::uint64_t minBodyBytesPerSecond = 64u << 10;  // --min-body-rate: slower bodies are cut
};

}  // namespace stele::api
