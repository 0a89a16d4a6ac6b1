// The shared counters behind EdgeLimits: open connections (in total and per client address)
// and request bytes held in memory. Thread-safe; every transport thread uses one budget.
#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <string>

#include "api/edge_limits.h"
#include "api/metrics.h"

namespace stele::api {

class EdgeBudget {
 public:
  EdgeBudget(const EdgeLimits& limits, Metrics& metrics) : limits_(limits), metrics_(metrics) {}

  // False (and nothing counted) when the total or this address's connection cap is reached.
  bool openConnection(const std::string& address);
  void closeConnection(const std::string& address);
  // False (and nothing reserved) when `bytes` more would pass --max-buffered-bytes.
  bool reserveBytes(std::size_t bytes);
  void releaseBytes(std::size_t bytes);

 private:
  void publish();  // caller holds mutex_
  const EdgeLimits& limits_;
  Metrics& metrics_;
  std::mutex mutex_;
  std::size_t connections_ = 0;
  std::map<std::string, std::size_t> perAddress_;
  std::size_t bufferedBytes_ = 0;
};

}  // namespace stele::api
