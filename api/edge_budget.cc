#include "api/edge_budget.h"

namespace stele::api {

bool EdgeBudget::openConnection(const std::string& address) {
  std::lock_guard lock(mutex_);
  std::size_t& mine = perAddress_[address];
  if (connections_ >= limits_.maxConnections || mine >= limits_.maxConnectionsPerClient) {
    if (mine == 0) perAddress_.erase(address);
    return false;
  }
  ++mine;
  ++connections_;
  publish();
  return true;
}

void EdgeBudget::closeConnection(const std::string& address) {
  std::lock_guard lock(mutex_);
  auto it = perAddress_.find(address);
  if (it == perAddress_.end() || connections_ == 0) return;
  if (--it->second == 0) perAddress_.erase(it);
  --connections_;
  publish();
}

bool EdgeBudget::reserveBytes(std::size_t bytes) {
  std::lock_guard lock(mutex_);
  if (bytes > limits_.maxBufferedBytes - bufferedBytes_) return false;
  bufferedBytes_ += bytes;
  publish();
  return true;
}

void EdgeBudget::releaseBytes(std::size_t bytes) {
  std::lock_guard lock(mutex_);
  bufferedBytes_ -= std::min(bytes, bufferedBytes_);
  publish();
}

void EdgeBudget::publish() { metrics_.setEdgeLoad(connections_, bufferedBytes_); }

}  // namespace stele::api
