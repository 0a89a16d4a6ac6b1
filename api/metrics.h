// Counters served as Prometheus text at GET /metrics. Lock-free increments.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

namespace stele::api {

class Metrics {
 public:
  void countRequest(int status);
  void addUploadedBytes(std::uint64_t n) { uploadedBytes_ += n; }
  void countPush(bool created) { (created ? pushesCreated_ : pushesUnchanged_)++; }
  // A route handler ran (requests refused at the edge never count here).
  void countHandlerCall() { handlerCalls_++; }
  // What the HTTP edge holds now: open connections and request bytes buffered in memory.
  void setEdgeLoad(std::uint64_t connections, std::uint64_t bufferedBytes) {
    openConnections_ = connections;
    bufferedBytes_ = bufferedBytes;
  }
  std::string render() const;

 private:
  static constexpr std::array<int, 16> kStatuses = {200, 201, 202, 204, 400, 401, 403, 404,
                                                    405, 409, 413, 416, 422, 431, 500, 503};
  std::array<std::atomic<std::uint64_t>, kStatuses.size() + 1> requests_{};
  std::atomic<std::uint64_t> uploadedBytes_{0};
  std::atomic<std::uint64_t> pushesCreated_{0};
  std::atomic<std::uint64_t> pushesUnchanged_{0};
  std::atomic<std::uint64_t> handlerCalls_{0};
  std::atomic<std::uint64_t> openConnections_{0};
  std::atomic<std::uint64_t> bufferedBytes_{0};
};

}  // namespace stele::api
