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
  std::string render() const;

 private:
  static constexpr std::array<int, 14> kStatuses = {200, 201, 202, 204, 400, 401, 403,
                                                    404, 405, 409, 413, 416, 422, 500};
  std::array<std::atomic<std::uint64_t>, kStatuses.size() + 1> requests_{};
  std::atomic<std::uint64_t> uploadedBytes_{0};
  std::atomic<std::uint64_t> pushesCreated_{0};
  std::atomic<std::uint64_t> pushesUnchanged_{0};
};

}  // namespace stele::api
